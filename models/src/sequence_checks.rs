//! Check functions shared by the fuzz targets, the corpus replay test and
//! the property tests: each takes an arbitrary case, runs it against
//! `pipe-core` and against a flat-`Vec<u8>` oracle, and panics on the first
//! difference (rules S1–S4).
//!
//! The fuzz crate depends on this crate by path; `tests/corpus_replay.rs`
//! replays the committed corpus through the same functions on stable.

use arbitrary::{Arbitrary, Unstructured};
use pipe_core::{PipeError, Position, Sequence, SequenceReader};

/// Most segments a case builds.
const MAX_SEGMENTS: usize = 24;
/// Most operations a case runs.
const MAX_OPS: usize = 64;

/// A segment layout: lengths `0..=7` (empty segments included) filled with
/// a pattern whose neighbouring bytes always differ, so a dropped or doubled
/// byte never goes unnoticed, while values repeat for `position_of`.
#[derive(Arbitrary, Clone, Debug)]
pub struct Layout {
    /// One byte per segment; its low three bits are the length.
    pub lengths: Vec<u8>,
    /// Added to every byte.
    pub salt: u8,
}

impl Layout {
    /// The segments' bytes, one vector per segment.
    pub fn segments(&self) -> Vec<Vec<u8>> {
        let mut offset = 0usize;
        self.lengths
            .iter()
            .take(MAX_SEGMENTS)
            .map(|&l| {
                let segment = (offset..offset + usize::from(l & 7)).map(|k| pattern(k, self.salt)).collect::<Vec<u8>>();
                offset += segment.len();
                segment
            })
            .collect()
    }
}

/// The byte at flat offset `k`.
fn pattern(k: usize, salt: u8) -> u8 {
    ((k % 11) as u8).wrapping_add(salt)
}

/// One operation on a sequence picked from those made so far.
#[derive(Arbitrary, Clone, Debug)]
pub enum SliceOp {
    /// `slice(start, end)`; pushes the result.
    Slice { target: u8, start: u8, end: u8 },
    /// `slice_from(start)`; pushes the result.
    SliceFrom { target: u8, start: u8 },
    /// `slice_positions(a, b)` with positions made earlier; pushes the result.
    SlicePositions { target: u8, start: u8, end: u8 },
    /// `slice_from_position(a)`; pushes the result.
    SliceFromPosition { target: u8, start: u8 },
    /// `get_position(offset)`; keeps the position.
    GetPosition { target: u8, offset: u8 },
    /// `get_position_from(position, offset)`; keeps the position.
    GetPositionFrom { target: u8, from: u8, offset: u8 },
    /// `offset_of(position)`.
    OffsetOf { target: u8, position: u8 },
    /// `position_of(byte)`; keeps the position.
    PositionOf { target: u8, byte: u8 },
    /// `copy_to` into a buffer `len + extra - 4` long (negative sizes clamp).
    CopyTo { target: u8, extra: u8 },
    /// Offers a position of another sequence over the same bytes.
    Foreign { target: u8, offset: u8 },
    /// Compares two kept positions.
    ComparePositions { a: u8, b: u8 },
}

/// A `sequence_slice` case: a layout and operations.
#[derive(Arbitrary, Clone, Debug)]
pub struct SliceCase {
    /// How the bytes are split.
    pub layout: Layout,
    /// What to do with them.
    pub ops: Vec<SliceOp>,
}

/// A sequence under test with the flat range `lo..hi` it must show.
#[derive(Clone, Copy)]
struct Entry<'a> {
    seq: Sequence<'a>,
    lo: usize,
    hi: usize,
}

/// A position with the flat offset it must stand for; `None` for foreign.
#[derive(Clone, Copy)]
struct Kept {
    position: Position,
    offset: Option<usize>,
}

fn pick<T: Copy>(items: &[T], index: u8) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        items.get(usize::from(index) % items.len()).copied()
    }
}

/// Compares a result with the oracle's, errors by their `Debug` text (the
/// values they name included).
fn same<T: core::fmt::Debug, U: core::fmt::Debug>(what: &str, got: &Result<T, PipeError>, want: &Result<U, PipeError>) {
    match (got, want) {
        (Ok(_), Ok(_)) => {}
        (Err(g), Err(w)) => assert_eq!(format!("{g:?}"), format!("{w:?}"), "{what}: wrong error"),
        _ => panic!("{what}: got {got:?}, oracle says {want:?}"),
    }
}

/// Checks every observable of `entry` against `flat[lo..hi]`.
fn check_entry(entry: &Entry<'_>, flat: &[u8]) {
    let want = flat.get(entry.lo..entry.hi).expect("oracle range");
    let seq = entry.seq;
    assert_eq!(seq.len(), want.len(), "len");
    assert_eq!(seq.is_empty(), want.is_empty(), "is_empty");
    assert_eq!(seq.to_vec(), want, "to_vec");
    let mut joined = Vec::new();
    for chunk in seq.chunks() {
        assert!(!chunk.is_empty(), "chunks yields an empty chunk");
        joined.extend_from_slice(chunk);
    }
    assert_eq!(joined, want, "chunks");
    assert_eq!(seq.first(), seq.chunks().next().unwrap_or(&[]), "first");
    assert_eq!(seq.start().offset() as usize, entry.lo, "start offset");
    assert_eq!(seq.end().offset() as usize, entry.hi, "end offset");
    assert_eq!(seq.offset_of(seq.start()).ok(), Some(0), "offset_of(start)");
    assert_eq!(seq.offset_of(seq.end()).ok(), Some(want.len()), "offset_of(end)");
    let parts: [&[u8]; 1] = [want];
    assert!(seq == Sequence::from_slices(&parts), "equality with a flat sequence");
}

/// A slicing result and the flat range (or error) the oracle expects.
type Pushed<'a> = (Result<Sequence<'a>, PipeError>, Result<(usize, usize), PipeError>);

/// Runs a `sequence_slice` case; panics on any difference from the oracle.
pub fn check_slice(case: &SliceCase) {
    let segments = case.layout.segments();
    let refs: Vec<&[u8]> = segments.iter().map(Vec::as_slice).collect();
    let flat: Vec<u8> = segments.concat();
    let whole = Sequence::from_slices(&refs);
    let other = Sequence::from_slices(&refs);
    let mut entries = vec![Entry { seq: whole, lo: 0, hi: flat.len() }];
    let mut kept: Vec<Kept> = Vec::new();
    check_entry(&entries[0], &flat);

    // A position's flat offset inside `e`, or the error locating it must give.
    let locate = |e: &Entry<'_>, k: Kept| -> Result<usize, PipeError> {
        match k.offset {
            None => Err(PipeError::ForeignPosition),
            Some(o) if o < e.lo || o > e.hi => {
                Err(PipeError::PositionOutsideSequence { offset: o as u64, start: e.lo as u64, end: e.hi as u64 })
            }
            Some(o) => Ok(o),
        }
    };

    for op in case.ops.iter().take(MAX_OPS) {
        let mut pushed: Option<Pushed<'_>> = None;
        match *op {
            SliceOp::Slice { target, start, end } => {
                let Some(e) = pick(&entries, target) else {
                    continue;
                };
                let len = e.hi - e.lo;
                let (s, t) = (usize::from(start) % (len + 3), usize::from(end) % (len + 3));
                let want = if s > len {
                    Err(PipeError::OffsetOutOfRange { offset: s as u64, len: len as u64 })
                } else if t > len {
                    Err(PipeError::OffsetOutOfRange { offset: t as u64, len: len as u64 })
                } else if s > t {
                    Err(PipeError::StartAfterEnd { start: s as u64, end: t as u64 })
                } else {
                    Ok((e.lo + s, e.lo + t))
                };
                pushed = Some((e.seq.slice(s, t), want));
            }
            SliceOp::SliceFrom { target, start } => {
                let Some(e) = pick(&entries, target) else {
                    continue;
                };
                let len = e.hi - e.lo;
                let s = usize::from(start) % (len + 3);
                let want = if s > len {
                    Err(PipeError::OffsetOutOfRange { offset: s as u64, len: len as u64 })
                } else {
                    Ok((e.lo + s, e.hi))
                };
                pushed = Some((e.seq.slice_from(s), want));
            }
            SliceOp::SlicePositions { target, start, end } => {
                let (Some(e), Some(a), Some(b)) = (pick(&entries, target), pick(&kept, start), pick(&kept, end)) else {
                    continue;
                };
                let want = locate(&e, a).and_then(|a| locate(&e, b).map(|b| (a, b))).and_then(|(a, b)| {
                    if a > b {
                        Err(PipeError::StartAfterEnd { start: (a - e.lo) as u64, end: (b - e.lo) as u64 })
                    } else {
                        Ok((a, b))
                    }
                });
                pushed = Some((e.seq.slice_positions(a.position, b.position), want));
            }
            SliceOp::SliceFromPosition { target, start } => {
                let (Some(e), Some(a)) = (pick(&entries, target), pick(&kept, start)) else {
                    continue;
                };
                let want = locate(&e, a).map(|a| (a, e.hi));
                pushed = Some((e.seq.slice_from_position(a.position), want));
            }
            SliceOp::GetPosition { target, offset } => {
                let Some(e) = pick(&entries, target) else {
                    continue;
                };
                let len = e.hi - e.lo;
                let n = usize::from(offset) % (len + 3);
                let got = e.seq.get_position(n);
                if n > len {
                    same(
                        "get_position",
                        &got,
                        &Err::<(), _>(PipeError::OffsetOutOfRange { offset: n as u64, len: len as u64 }),
                    );
                } else {
                    let p = got.expect("get_position in range");
                    assert_eq!(p.offset() as usize, e.lo + n, "get_position offset");
                    assert_eq!(e.seq.offset_of(p).ok(), Some(n), "offset_of(get_position(n))");
                    kept.push(Kept { position: p, offset: Some(e.lo + n) });
                }
            }
            SliceOp::GetPositionFrom { target, from, offset } => {
                let (Some(e), Some(k)) = (pick(&entries, target), pick(&kept, from)) else {
                    continue;
                };
                let len = e.hi - e.lo;
                let n = usize::from(offset) % (len + 3);
                let got = e.seq.get_position_from(k.position, n);
                let want = locate(&e, k).and_then(|o| {
                    if o - e.lo + n > len {
                        Err(PipeError::OffsetOutOfRange { offset: (o - e.lo + n) as u64, len: len as u64 })
                    } else {
                        Ok(o + n)
                    }
                });
                same("get_position_from", &got, &want);
                if let (Ok(p), Ok(o)) = (got, want) {
                    assert_eq!(p.offset() as usize, o, "get_position_from offset");
                    // The result must slice like the offset it stands for (S2).
                    let by_position = e.seq.slice_from_position(p).map(|s| s.to_vec()).ok();
                    assert_eq!(by_position.as_deref(), flat.get(o..e.hi), "slice from get_position_from");
                    kept.push(Kept { position: p, offset: Some(o) });
                }
            }
            SliceOp::OffsetOf { target, position } => {
                let (Some(e), Some(k)) = (pick(&entries, target), pick(&kept, position)) else {
                    continue;
                };
                let got = e.seq.offset_of(k.position);
                let want = locate(&e, k).map(|o| o - e.lo);
                same("offset_of", &got, &want);
                if let (Ok(g), Ok(w)) = (got, want) {
                    assert_eq!(g, w, "offset_of");
                }
            }
            SliceOp::PositionOf { target, byte } => {
                let Some(e) = pick(&entries, target) else {
                    continue;
                };
                let byte = pattern(usize::from(byte), case.layout.salt);
                let want = flat.get(e.lo..e.hi).and_then(|w| w.iter().position(|&b| b == byte)).map(|i| e.lo + i);
                let got = e.seq.position_of(byte);
                assert_eq!(got.map(|p| p.offset() as usize), want, "position_of({byte})");
                if let (Some(p), Some(o)) = (got, want) {
                    assert_eq!(e.seq.slice_from_position(p).ok().and_then(|s| s.first().first().copied()), Some(byte));
                    kept.push(Kept { position: p, offset: Some(o) });
                }
            }
            SliceOp::CopyTo { target, extra } => {
                let Some(e) = pick(&entries, target) else {
                    continue;
                };
                let len = e.hi - e.lo;
                let size = (len + usize::from(extra % 8)).saturating_sub(4);
                let mut dest = vec![0xA5u8; size];
                let got = e.seq.copy_to(&mut dest);
                if size < len {
                    same(
                        "copy_to",
                        &got,
                        &Err::<(), _>(PipeError::NotEnoughData { needed: len as u64, available: size as u64 }),
                    );
                    assert!(dest.iter().all(|&b| b == 0xA5), "a failed copy_to wrote bytes");
                } else {
                    assert!(got.is_ok(), "copy_to: {got:?}");
                    assert_eq!(dest.get(..len), flat.get(e.lo..e.hi), "copy_to bytes");
                    assert!(dest.get(len..).is_some_and(|r| r.iter().all(|&b| b == 0xA5)), "copy_to wrote past len");
                }
            }
            SliceOp::Foreign { target, offset } => {
                let Some(e) = pick(&entries, target) else {
                    continue;
                };
                let n = usize::from(offset) % (flat.len() + 1);
                let p = other.get_position(n).expect("in range");
                let got = e.seq.offset_of(p);
                same("foreign offset_of", &got, &Err::<(), _>(PipeError::ForeignPosition));
                if kept.len() < 64 {
                    kept.push(Kept { position: p, offset: None });
                }
            }
            SliceOp::ComparePositions { a, b } => {
                let (Some(a), Some(b)) = (pick(&kept, a), pick(&kept, b)) else {
                    continue;
                };
                let same_offset = match (a.offset, b.offset) {
                    (Some(x), Some(y)) => Some(x.cmp(&y)),
                    (None, None) => Some(a.position.offset().cmp(&b.position.offset())),
                    _ => None,
                };
                assert_eq!(a.position.partial_cmp(&b.position), same_offset, "position ordering");
                assert_eq!(
                    a.position == b.position,
                    same_offset == Some(core::cmp::Ordering::Equal),
                    "position equality (S2)"
                );
            }
        }
        if let Some((got, want)) = pushed {
            same("slice", &got, &want);
            if let (Ok(seq), Ok((lo, hi))) = (got, want) {
                let entry = Entry { seq, lo, hi };
                check_entry(&entry, &flat);
                if entries.len() < 32 {
                    entries.push(entry);
                }
            }
        }
        kept.truncate(64);
    }
}

/// One operation on a `SequenceReader`.
#[derive(Arbitrary, Clone, Debug)]
pub enum ReaderOp {
    /// `try_read`.
    TryRead,
    /// `try_peek(offset)`.
    TryPeek(u8),
    /// `advance(n)`.
    Advance(u8),
    /// `rewind(n)`.
    Rewind(u8),
    /// `try_read_to(pattern byte, advance_past)`.
    TryReadTo(u8, bool),
    /// `try_read_to_any(pattern bytes, advance_past)`.
    TryReadToAny(Vec<u8>, bool),
    /// `advance_past(pattern byte)`.
    AdvancePast(u8),
    /// `advance_past_any(pattern bytes)`.
    AdvancePastAny(Vec<u8>),
    /// `is_next` with the next `len` bytes, one of them changed by `flip`
    /// at `at` when `flip != 0`.
    IsNext { len: u8, at: u8, flip: u8, advance_past: bool },
    /// `try_copy_to` of `len` bytes.
    TryCopyTo(u8),
    /// One of the twelve integer reads.
    ReadInt(u8),
}

/// A `sequence_reader` case: a layout, a window of it to read, operations.
#[derive(Arbitrary, Clone, Debug)]
pub struct ReaderCase {
    /// How the bytes are split.
    pub layout: Layout,
    /// Bytes cut from the front of the sequence before reading.
    pub skip_front: u8,
    /// Bytes cut from the back.
    pub skip_back: u8,
    /// What to do.
    pub ops: Vec<ReaderOp>,
}

fn bytes_of(values: &[u8], salt: u8) -> Vec<u8> {
    values.iter().take(4).map(|&v| pattern(usize::from(v), salt)).collect()
}

/// Runs a `sequence_reader` case; panics on any difference from the oracle.
pub fn check_reader(case: &ReaderCase) {
    let segments = case.layout.segments();
    let refs: Vec<&[u8]> = segments.iter().map(Vec::as_slice).collect();
    let all: Vec<u8> = segments.concat();
    let whole = Sequence::from_slices(&refs);
    let lo = usize::from(case.skip_front).min(all.len());
    let hi = all.len().saturating_sub(usize::from(case.skip_back)).max(lo);
    let seq = whole.slice(lo, hi).expect("window in range");
    let flat = all.get(lo..hi).expect("window").to_vec();
    let salt = case.layout.salt;
    let mut reader = SequenceReader::new(seq);
    let mut at = 0usize;

    for op in case.ops.iter().take(MAX_OPS) {
        let rest = flat.get(at..).unwrap_or(&[]);
        match op {
            ReaderOp::TryRead => {
                let want = rest.first().copied();
                assert_eq!(reader.try_read(), want, "try_read at {at}");
                at += usize::from(want.is_some());
            }
            ReaderOp::TryPeek(n) => {
                let n = usize::from(*n) % (rest.len() + 2);
                assert_eq!(reader.try_peek(n), rest.get(n).copied(), "try_peek({n}) at {at}");
            }
            ReaderOp::Advance(n) => {
                let n = usize::from(*n) % (rest.len() + 3);
                let got = reader.advance(n);
                if n > rest.len() {
                    let want = PipeError::NotEnoughData { needed: n as u64, available: rest.len() as u64 };
                    same("advance", &got, &Err::<(), _>(want));
                } else {
                    assert!(got.is_ok(), "advance({n}) at {at}: {got:?}");
                    at += n;
                }
            }
            ReaderOp::Rewind(n) => {
                let n = usize::from(*n) % (at + 3);
                let got = reader.rewind(n);
                if n > at {
                    let want = PipeError::NotEnoughData { needed: n as u64, available: at as u64 };
                    same("rewind", &got, &Err::<(), _>(want));
                } else {
                    assert!(got.is_ok(), "rewind({n}) at {at}: {got:?}");
                    at -= n;
                }
            }
            ReaderOp::TryReadTo(d, advance_past) => {
                let d = pattern(usize::from(*d), salt);
                let want = rest.iter().position(|&b| b == d);
                let got = reader.try_read_to(d, *advance_past).map(|s| s.to_vec());
                assert_eq!(got.as_deref(), want.and_then(|i| rest.get(..i)), "try_read_to({d}) at {at}");
                if let Some(i) = want {
                    at += i + usize::from(*advance_past);
                }
            }
            ReaderOp::TryReadToAny(ds, advance_past) => {
                let ds = bytes_of(ds, salt);
                let want = rest.iter().position(|b| ds.contains(b));
                let got = reader.try_read_to_any(&ds, *advance_past).map(|s| s.to_vec());
                assert_eq!(got.as_deref(), want.and_then(|i| rest.get(..i)), "try_read_to_any({ds:?}) at {at}");
                if let Some(i) = want {
                    at += i + usize::from(*advance_past);
                }
            }
            ReaderOp::AdvancePast(b) => {
                let b = pattern(usize::from(*b), salt);
                let want = rest.iter().take_while(|&&x| x == b).count();
                assert_eq!(reader.advance_past(b), want, "advance_past({b}) at {at}");
                at += want;
            }
            ReaderOp::AdvancePastAny(bs) => {
                let bs = bytes_of(bs, salt);
                let want = rest.iter().take_while(|x| bs.contains(x)).count();
                assert_eq!(reader.advance_past_any(&bs), want, "advance_past_any({bs:?}) at {at}");
                at += want;
            }
            ReaderOp::IsNext { len, at: i, flip, advance_past } => {
                let len = usize::from(*len) % 10;
                let mut probe: Vec<u8> = rest.iter().copied().take(len).collect();
                probe.resize(len, pattern(at + len, salt));
                if *flip != 0 && !probe.is_empty() {
                    let k = usize::from(*i) % probe.len();
                    if let Some(b) = probe.get_mut(k) {
                        *b ^= flip;
                    }
                }
                let want = rest.starts_with(&probe);
                assert_eq!(reader.is_next(&probe, *advance_past), want, "is_next({probe:?}) at {at}");
                if want && *advance_past {
                    at += probe.len();
                }
            }
            ReaderOp::TryCopyTo(n) => {
                let n = usize::from(*n) % (rest.len() + 3);
                let mut dest = vec![0xA5u8; n];
                let got = reader.try_copy_to(&mut dest);
                assert_eq!(got, n <= rest.len(), "try_copy_to({n}) at {at}");
                if got {
                    assert_eq!(Some(dest.as_slice()), rest.get(..n), "try_copy_to bytes");
                } else {
                    assert!(dest.iter().all(|&b| b == 0xA5), "a failed try_copy_to wrote bytes");
                }
            }
            ReaderOp::ReadInt(kind) => {
                let width = [2usize, 4, 8][usize::from(kind % 3)];
                let signed = kind / 3 % 2 == 1;
                let little = kind / 6 % 2 == 1;
                let raw = rest.get(..width);
                let want: Option<i128> = raw.map(|b| {
                    let mut v: u128 = 0;
                    for (i, &x) in b.iter().enumerate() {
                        let shift = if little { 8 * i } else { 8 * (width - 1 - i) };
                        v |= u128::from(x) << shift;
                    }
                    let bits = 8 * width as u32;
                    if signed && v >> (bits - 1) == 1 {
                        v as i128 - (1i128 << bits)
                    } else {
                        v as i128
                    }
                });
                let got: Option<i128> = match (width, signed, little) {
                    (2, false, true) => reader.try_read_u16_le().map(i128::from),
                    (2, false, false) => reader.try_read_u16_be().map(i128::from),
                    (4, false, true) => reader.try_read_u32_le().map(i128::from),
                    (4, false, false) => reader.try_read_u32_be().map(i128::from),
                    (8, false, true) => reader.try_read_u64_le().map(i128::from),
                    (8, false, false) => reader.try_read_u64_be().map(i128::from),
                    (2, true, true) => reader.try_read_i16_le().map(i128::from),
                    (2, true, false) => reader.try_read_i16_be().map(i128::from),
                    (4, true, true) => reader.try_read_i32_le().map(i128::from),
                    (4, true, false) => reader.try_read_i32_be().map(i128::from),
                    (8, true, true) => reader.try_read_i64_le().map(i128::from),
                    _ => reader.try_read_i64_be().map(i128::from),
                };
                assert_eq!(got, want, "integer read (width {width}, signed {signed}, le {little}) at {at}");
                if want.is_some() {
                    at += width;
                }
            }
        }
        check_reader_state(&reader, &flat, at, lo);
    }
}

fn check_reader_state(reader: &SequenceReader<'_>, flat: &[u8], at: usize, base: usize) {
    let rest = flat.get(at..).unwrap_or(&[]);
    assert_eq!(reader.consumed(), at, "consumed");
    assert_eq!(reader.remaining(), rest.len(), "remaining");
    assert_eq!(reader.is_end(), rest.is_empty(), "is_end");
    assert_eq!(reader.position().offset() as usize, base + at, "position");
    let chunk = reader.unread_chunk();
    assert_eq!(chunk.is_empty(), rest.is_empty(), "unread_chunk empty before the end");
    assert!(rest.starts_with(chunk), "unread_chunk is not the next bytes");
    assert_eq!(reader.unread_sequence().to_vec(), rest, "unread_sequence");
    assert_eq!(reader.sequence().offset_of(reader.position()).ok(), Some(at), "offset_of(position)");
}

/// Decodes `data` the way `libfuzzer-sys` does for a typed target and
/// checks it; undecodable input is skipped, as the fuzzer skips it.
pub fn run_slice_bytes(data: &[u8]) {
    if let Ok(case) = SliceCase::arbitrary_take_rest(Unstructured::new(data)) {
        check_slice(&case);
    }
}

/// As [`run_slice_bytes`], for `sequence_reader`.
pub fn run_reader_bytes(data: &[u8]) {
    if let Ok(case) = ReaderCase::arbitrary_take_rest(Unstructured::new(data)) {
        check_reader(&case);
    }
}
