//! The domain side of the `export-invoices` task (SPEC §7): what an export produces,
//! kept apart from the run queue and the database so it can be tested on its own and
//! reused by whatever drives the task.

pub mod csv;
