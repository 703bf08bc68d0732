//! What parsers use beyond S3/S4: the contiguous fast path, comparison with
//! byte slices, writing a sequence out, and a `SequenceReader` that resumes
//! a scan at the position the last read examined to (R4, S2).
#![cfg(not(loom))]

use std::io::{IoSlice, Write};

use pipe_core::{pipe, PipeError, PipeOptions, Sequence, SequenceReader};

#[test]
fn s3_single_segment_sequences_are_one_slice() {
    let parts: [&[u8]; 4] = [b"", b"ab", b"", b"cd"];
    let seq = Sequence::from_slices(&parts);
    assert!(!seq.is_single_segment());
    assert_eq!(seq.as_slice(), None);
    let front = seq.slice(0, 2).expect("slice");
    assert!(front.is_single_segment());
    assert_eq!(front.as_slice(), Some(&b"ab"[..]));
    let empty = seq.slice(2, 2).expect("slice");
    assert_eq!(empty.as_slice(), Some(&b""[..]));
    let back = seq.slice_from(2).expect("slice");
    assert_eq!(back.as_slice(), Some(&b"cd"[..]), "empty segments do not count");
}

#[test]
fn s3_sequences_compare_with_byte_slices_however_split() {
    let parts: [&[u8]; 3] = [b"he", b"", b"llo"];
    let seq = Sequence::from_slices(&parts);
    assert_eq!(seq, b"hello");
    assert_eq!(seq, &b"hello"[..]);
    assert_eq!(seq, b"hello".to_vec());
    assert_eq!(*b"hello", seq);
    assert_eq!(&b"hello"[..], seq);
    assert_eq!(b"hello".to_vec(), seq);
    assert_ne!(seq, &b"hellO"[..]);
    assert_ne!(seq, &b"hell"[..]);
    assert_ne!(seq, &b"hello!"[..]);
}

#[test]
fn s3_write_to_and_io_slices_write_every_chunk() {
    let parts: [&[u8]; 4] = [b"GET ", b"", b"/ HTTP/1.1", b"\r\n"];
    let seq = Sequence::from_slices(&parts);
    let mut out = Vec::new();
    seq.write_to(&mut out).expect("write_to");
    assert_eq!(out, b"GET / HTTP/1.1\r\n");
    let mut slices = [IoSlice::new(&[]); 2];
    assert_eq!(seq.io_slices(&mut slices), 2, "as many as fit");
    let all = seq.to_io_slices();
    assert_eq!(all.len(), 3, "one per non-empty chunk");
    let mut vectored = Vec::new();
    let mut written = 0;
    while written < seq.len() {
        written += vectored.write_vectored(&all).expect("write_vectored");
    }
    assert_eq!(vectored, b"GET / HTTP/1.1\r\n");
}

#[test]
fn r4_a_scan_resumes_at_the_examined_position_of_the_last_read() -> Result<(), PipeError> {
    let options = PipeOptions::new().minimum_segment_size(8).pause_writer_threshold(0);
    let (mut reader, mut writer) = pipe(options)?;
    writer.write_blocking(b"first li")?;
    // The scan finds no newline: consume nothing, examine everything (R4).
    let result = reader.read_blocking()?;
    let buffer = result.buffer();
    let mut scan = SequenceReader::new(buffer);
    assert!(scan.try_read_to(b'\n', true).is_none());
    let (start, examined) = (buffer.start(), buffer.end());
    reader.advance_to(start, examined)?;
    writer.write_blocking(b"ne\nsecond")?;
    let result = reader.read_blocking()?;
    let buffer = result.buffer();
    // Resume where the last scan stopped instead of scanning again.
    let mut scan = SequenceReader::new_at(buffer, examined)?;
    assert_eq!(scan.consumed(), 8);
    let line = scan.try_read_to(b'\n', true).expect("the newline arrived");
    assert_eq!(line, b"ne");
    assert_eq!(buffer.slice_positions(buffer.start(), scan.position())?, &b"first line\n"[..]);
    scan.set_position(buffer.start())?;
    assert_eq!(scan.consumed(), 0);
    let consumed = buffer.get_position(11)?;
    reader.advance(consumed)?;
    let result = reader.read_blocking()?;
    assert_eq!(result.buffer(), b"second");
    reader.advance_to_end()?;
    assert!(matches!(reader.advance_to_end(), Err(PipeError::NoOutstandingRead)));
    Ok(())
}

#[test]
fn s4_new_at_rejects_positions_outside_the_sequence() {
    let parts: [&[u8]; 2] = [b"abc", b"def"];
    let seq = Sequence::from_slices(&parts);
    let other = Sequence::from_slices(&parts);
    let foreign = other.get_position(1).expect("position");
    assert!(matches!(SequenceReader::new_at(seq, foreign), Err(PipeError::ForeignPosition)));
    let tail = seq.slice_from(2).expect("slice");
    let before = seq.get_position(1).expect("position");
    assert!(matches!(SequenceReader::new_at(tail, before), Err(PipeError::PositionOutsideSequence { .. })));
    let mut reader = SequenceReader::new_at(seq, seq.get_position(3).expect("position")).expect("inside");
    assert_eq!(reader.try_read(), Some(b'd'));
    assert!(reader.set_position(foreign).is_err());
    assert_eq!(reader.consumed(), 4, "a failed set_position does not move");
}

#[test]
fn r6_outstanding_read_is_the_read_in_progress() -> Result<(), PipeError> {
    let (mut reader, mut writer) = pipe(PipeOptions::default())?;
    assert!(reader.outstanding_read().is_none());
    writer.write_blocking(b"abc")?;
    reader.read_blocking()?;
    let again = reader.outstanding_read().expect("outstanding");
    assert_eq!(again.buffer(), b"abc");
    assert!(!again.is_completed());
    reader.advance_to_end()?;
    assert!(reader.outstanding_read().is_none());
    reader.complete(None);
    assert!(matches!(reader.advance_to_end(), Err(PipeError::ReaderCompleted)));
    Ok(())
}
