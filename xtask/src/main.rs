//! `cargo xtask` entry point: argument parsing and dispatch only.
//!
//! Arguments are parsed by hand: there are a few fixed subcommands with one
//! option between them, which does not justify compiling a CLI framework into
//! every `cargo xtask` run.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use xtask::spec;

const USAGE: &str = "\
usage:
  cargo xtask spec import <FILE> [--out PATH]
      Cut the /portfolio paths, and every component they reach, out of an
      upstream Kalshi OpenAPI 3.0 document (YAML or JSON), drop prose and
      vendor extensions, and write the canonical result to PATH
      (default: openapi/portfolio.yaml in the workspace root).
  cargo xtask help
      Show this message.";

#[derive(Debug, PartialEq)]
enum Command {
    Help,
    SpecImport {
        input: PathBuf,
        out: Option<PathBuf>,
    },
}

fn parse_args(args: Vec<OsString>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let first = args.next();
    match first.as_ref().and_then(|a| a.to_str()) {
        None => Err("no command given".into()),
        Some("help" | "-h" | "--help") => Ok(Command::Help),
        Some("spec") => match args.next().as_ref().and_then(|a| a.to_str()) {
            Some("import") => parse_spec_import(args),
            Some(other) => Err(format!("unknown spec command `{other}`")),
            None => Err("`spec` needs a subcommand".into()),
        },
        Some(other) => Err(format!("unknown command `{other}`")),
    }
}

fn parse_spec_import(args: impl Iterator<Item = OsString>) -> Result<Command, String> {
    let mut args = args;
    let mut input = None;
    let mut out = None;
    while let Some(arg) = args.next() {
        let text = arg.to_str();
        if text == Some("--out") {
            let path = args.next().ok_or("`--out` needs a path")?;
            set_once(&mut out, PathBuf::from(path), "--out")?;
        } else if let Some(path) = text.and_then(|t| t.strip_prefix("--out=")) {
            set_once(&mut out, PathBuf::from(path), "--out")?;
        } else if matches!(text, Some("-h" | "--help")) {
            return Ok(Command::Help);
        } else if text.is_some_and(|t| t.starts_with('-') && t != "-") {
            return Err(format!("unknown option `{}`", arg.to_string_lossy()));
        } else {
            set_once(&mut input, PathBuf::from(arg), "<FILE>")?;
        }
    }
    let input = input.ok_or("`spec import` needs an input <FILE>")?;
    Ok(Command::SpecImport { input, out })
}

fn set_once(slot: &mut Option<PathBuf>, value: PathBuf, what: &str) -> Result<(), String> {
    if slot.replace(value).is_some() {
        return Err(format!("{what} given more than once"));
    }
    Ok(())
}

fn main() -> ExitCode {
    let command = match parse_args(std::env::args_os().skip(1).collect()) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Command::SpecImport { input, out } => {
            let out = out.unwrap_or_else(|| spec::workspace_root().join(spec::DEFAULT_OUT));
            match spec::import_file(&input, &out) {
                Ok(imported) => {
                    println!(
                        "wrote {}: upstream {} (sha256 {}), {} paths, {} operations, {} components",
                        out.display(),
                        imported.upstream_version,
                        imported.sha256,
                        imported.paths,
                        imported.operations,
                        imported.component_count(),
                    );
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_spec_import() {
        assert_eq!(
            parse_args(args(&["spec", "import", "in.yaml"])),
            Ok(Command::SpecImport {
                input: "in.yaml".into(),
                out: None
            })
        );
        for form in [
            &["spec", "import", "--out", "o.yaml", "in.yaml"][..],
            &["spec", "import", "in.yaml", "--out=o.yaml"],
        ] {
            assert_eq!(
                parse_args(args(form)),
                Ok(Command::SpecImport {
                    input: "in.yaml".into(),
                    out: Some("o.yaml".into())
                })
            );
        }
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            &[][..],
            &["spec"],
            &["spec", "import"],
            &["spec", "import", "a", "b"],
            &["spec", "import", "a", "--out"],
            &["spec", "import", "a", "--frobnicate"],
            &["spec", "export", "a"],
            &["build"],
        ] {
            assert!(parse_args(args(bad)).is_err(), "{bad:?}");
        }
    }
}
