//! Helpers shared by the integration tests that drive the `stance` binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `stance ARGS` with `input` on its standard input.
///
/// The command may exit (on an error) before reading all its input; a broken
/// pipe then is not a test failure: the exit status decides.
pub fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running stance");
    if let Err(e) = child.stdin.take().unwrap().write_all(input) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}
