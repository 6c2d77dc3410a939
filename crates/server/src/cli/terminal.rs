//! What a command reads from the person at the terminal and prints back: secrets from the
//! environment or standard input, JSON, and the one way a command says it failed.

use std::process::ExitCode;

/// Says what went wrong on standard error, as `error: …`, and fails the command.
pub(super) fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// A service error as a command says it: what went wrong and its stable code.
pub(super) fn with_code(error: crate::AppError) -> String {
    format!("{} ({})", error, error.code())
}

/// Under a row of a list (a mail, a delivery), the last error of its sending, when it has one.
pub(super) fn last_error(error: Option<&str>) -> String {
    error
        .map(|e| format!("\n    last error: {e}"))
        .unwrap_or_default()
}

pub(super) fn print_json(value: impl serde::Serialize) {
    match serde_json::to_string_pretty(&value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: {e}"),
    }
}

/// A secret the CLI needs (a password, an admin key): from the environment variable `var`,
/// else the first line of standard input. Never an argument: other users see a process's
/// arguments, and the shell keeps them in its history.
pub(super) fn secret_input(var: &str, what: &str) -> Result<String, String> {
    if let Ok(secret) = std::env::var(var) {
        return Ok(secret);
    }
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprint!("{what} (shown as you type): ");
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read {what} from standard input: {e}"))?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        let short = what.trim_start_matches("the ");
        return Err(format!(
            "no {short}: set {var} or write it on standard input"
        ));
    }
    Ok(secret)
}
