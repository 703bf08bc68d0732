//! Property tests of `Sequence` and `SequenceReader` against a flat
//! `Vec<u8>` (S1–S4). Segment layouts are tiny (0–5 bytes, empty segments
//! common) so every slice and read crosses boundaries.
// Not built under `--cfg loom` or feature `shuttle`: the pipe then runs on
// the model checker's types, which work only inside its model (see
// pipe-core/tests/loom_flush_wakes_reader.rs).
#![cfg(not(any(loom, feature = "shuttle")))]

use models::sequence_checks as checks;
use pipe_core::{PipeError, Sequence, SequenceReader};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// Segments of 0–5 bytes; byte `k` of the whole is `k as u8`, so a lost or
/// doubled byte always shows.
fn layout() -> impl Strategy<Value = Vec<Vec<u8>>> {
    vec(0usize..6, 0..10).prop_map(|lengths| {
        let mut at = 0u8;
        lengths
            .into_iter()
            .map(|n| {
                let segment: Vec<u8> = (0..n).map(|i| at.wrapping_add(i as u8)).collect();
                at = at.wrapping_add(n as u8);
                segment
            })
            .collect()
    })
}

fn expected_slice(len: usize, start: usize, end: usize) -> Result<(usize, usize), String> {
    if start > len {
        Err(format!("{:?}", PipeError::OffsetOutOfRange { offset: start as u64, len: len as u64 }))
    } else if end > len {
        Err(format!("{:?}", PipeError::OffsetOutOfRange { offset: end as u64, len: len as u64 }))
    } else if start > end {
        Err(format!("{:?}", PipeError::StartAfterEnd { start: start as u64, end: end as u64 }))
    } else {
        Ok((start, end))
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/prop_sequence.txt"))),
        ..ProptestConfig::default()
    })]

    /// Nested slices by offsets and by positions show the flat bytes, and
    /// bad arguments give the errors naming them (S2, S3).
    #[test]
    fn s3_nested_slices_match_a_flat_vec(
        segments in layout(),
        a in 0usize..40, b in 0usize..40, c in 0usize..40, d in 0usize..40,
    ) {
        let refs: Vec<&[u8]> = segments.iter().map(Vec::as_slice).collect();
        let flat = segments.concat();
        let seq = Sequence::from_slices(&refs);
        prop_assert_eq!(seq.to_vec(), flat.clone());
        let (a, b) = (a % (flat.len() + 2), b % (flat.len() + 2));
        let outer = seq.slice(a, b).map_err(|e| format!("{e:?}"));
        match expected_slice(flat.len(), a, b) {
            Err(want) => prop_assert_eq!(outer.err(), Some(want)),
            Ok((lo, hi)) => {
                let outer = outer.expect("slice in range");
                prop_assert_eq!(outer.to_vec(), &flat[lo..hi]);
                prop_assert_eq!(outer.chunks().map(<[u8]>::len).sum::<usize>(), hi - lo);
                let len = hi - lo;
                let (c, d) = (c % (len + 2), d % (len + 2));
                let inner = outer.slice(c, d).map_err(|e| format!("{e:?}"));
                match expected_slice(len, c, d) {
                    Err(want) => prop_assert_eq!(inner.err(), Some(want)),
                    Ok((x, y)) => {
                        let inner = inner.expect("nested slice in range");
                        prop_assert_eq!(inner.to_vec(), &flat[lo + x..lo + y]);
                        // The same slice by positions of the outer sequence,
                        // and by positions of the whole (S2: equivalent
                        // positions slice alike).
                        let (px, py) = (outer.get_position(x).expect("x"), outer.get_position(y).expect("y"));
                        prop_assert_eq!(outer.slice_positions(px, py).expect("by positions").to_vec(), &flat[lo + x..lo + y]);
                        prop_assert_eq!(seq.slice_positions(px, py).expect("in the whole").to_vec(), &flat[lo + x..lo + y]);
                        let wx = seq.get_position(lo + x).expect("whole x");
                        prop_assert_eq!(wx, px);
                        prop_assert_eq!(inner.offset_of(wx).expect("offset of start"), 0);
                        prop_assert_eq!(inner.slice_from_position(wx).expect("from").to_vec(), &flat[lo + x..lo + y]);
                    }
                }
            }
        }
    }

    /// Random `SequenceReader` operations agree with an index into the flat
    /// bytes (S4); the case comes from the fuzz target's own generator.
    #[test]
    fn s4_reader_operations_match_a_flat_index(data in vec(any::<u8>(), 0..512)) {
        checks::run_reader_bytes(&data);
    }

    /// Random slicing operations agree with the flat oracle (S1–S3), through
    /// the fuzz target's own check.
    #[test]
    fn s3_slice_operations_match_a_flat_vec(data in vec(any::<u8>(), 0..512)) {
        checks::run_slice_bytes(&data);
    }

    /// Integers split over any layout read as from the flat bytes (S4).
    #[test]
    fn s4_integers_across_segments(segments in layout(), skip in 0usize..8) {
        let refs: Vec<&[u8]> = segments.iter().map(Vec::as_slice).collect();
        let flat = segments.concat();
        let mut reader = SequenceReader::new(Sequence::from_slices(&refs));
        let skip = skip.min(flat.len());
        reader.advance(skip).expect("skip in range");
        let rest = &flat[skip..];
        let want = rest.get(..8).map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")));
        prop_assert_eq!(reader.try_read_u64_be(), want);
        if want.is_none() {
            prop_assert_eq!(reader.consumed(), skip, "a failed read moved the reader");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/prop_sequence.txt"))),
        ..ProptestConfig::default()
    })]

    /// `bytes::Buf` over a sequence reads the flat bytes; `chunk()` is never
    /// empty while bytes remain; `chunks_vectored` covers them in order.
    #[test]
    fn buf_reads_match_a_flat_vec(segments in layout(), steps in vec(0u8..4, 0..12)) {
        use bytes::Buf;
        let refs: Vec<&[u8]> = segments.iter().map(Vec::as_slice).collect();
        let flat = segments.concat();
        let mut buf = Sequence::from_slices(&refs);
        let mut at = 0;
        for step in steps {
            prop_assert_eq!(buf.remaining(), flat.len() - at);
            prop_assert_eq!(buf.chunk().is_empty(), at == flat.len());
            prop_assert!(flat[at..].starts_with(buf.chunk()));
            let mut slices = [std::io::IoSlice::new(&[]); 3];
            let n = buf.chunks_vectored(&mut slices);
            let joined: Vec<u8> = slices[..n].iter().flat_map(|s| s.iter().copied()).collect();
            prop_assert!(flat[at..].starts_with(&joined));
            let rest = flat.len() - at;
            match step {
                0 if rest >= 2 => {
                    prop_assert_eq!(buf.get_u16(), u16::from_be_bytes([flat[at], flat[at + 1]]));
                    at += 2;
                }
                1 if rest >= 4 => {
                    let want = u32::from_le_bytes(flat[at..at + 4].try_into().expect("4"));
                    prop_assert_eq!(buf.get_u32_le(), want);
                    at += 4;
                }
                _ => {
                    let n = usize::from(step).min(rest);
                    buf.advance(n);
                    at += n;
                }
            }
        }
        prop_assert_eq!(buf.to_vec(), &flat[at..]);
    }
}
