//! The export's domain pieces that do not depend on how runs are claimed or retried:
//! what is written (the CSV) and who is told (the "export ready" email). The run
//! engine's tasks call into these; keeping them apart lets each be tested on its own.

pub mod email;
