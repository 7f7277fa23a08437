//! The `invoicectl` binary: everything lives in the library; this only hands the
//! process exit code back to the operating system.

fn main() -> std::process::ExitCode {
    invoicectl::run()
}
