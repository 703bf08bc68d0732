//! One module per wakeup path; each function is one model, generic over
//! the checker's [`Runtime`](crate::Runtime), named after what it proves
//! and the contract rule it checks.

pub mod blocking_park_unpark;
pub mod cancel_flush_races_advance;
pub mod cancel_from_third_thread;
pub mod cancel_read_races_flush;
pub mod complete_wakes_other_side;
pub mod drop_wakes_other_side;
pub mod flush_wakes_reader;
pub mod pause_resume;
pub mod pause_resume_race;
pub mod read_at_least_resumes_writer;
pub mod segment_return_while_written;
pub mod try_read_races_flush;
