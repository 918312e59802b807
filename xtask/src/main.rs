//! `cargo xtask` entry point: argument parsing and dispatch only.
//!
//! Arguments are parsed by hand: there are a few fixed subcommands with a
//! handful of options between them, which does not justify compiling a CLI
//! framework into every `cargo xtask` run.
//!
//! Exit codes: 0 success, 1 bad input (or a failed check, or breaking changes
//! with `--fail-on-breaking`), 2 usage error.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use xtask::spec::{self, check, diff, facade_usage, generate, rehearse, surface};

/// `println!` that survives a closed pipe (see [`write_stdout`]): every
/// line xtask prints goes through it.
macro_rules! say {
    ($($arg:tt)*) => {
        let _ = write_stdout(&format!("{}\n", format_args!($($arg)*)));
    };
}

const USAGE: &str = "\
usage:
  cargo xtask spec import <FILE> [--out PATH] [--tolerances LIST] [--extra-paths LIST]
                           [--drop-retained NAME[,NAME…]|all]
      Cut the /portfolio paths and the listed extra paths (default: the
      checked-in openapi/extra_paths.yaml), and every component they reach,
      out of an upstream Kalshi OpenAPI 3.0 document (YAML or JSON), drop
      prose and vendor extensions, apply the tolerance list (default: the
      checked-in openapi/tolerances.yaml), keep the optional response fields
      upstream dropped since the slice PATH holds now (recorded in
      retained.yaml beside PATH; --drop-retained stops keeping the named
      ones, e.g. Fill.ts), and write the canonical result to PATH (default:
      openapi/portfolio.yaml in the workspace root).
  cargo xtask spec diff <FILE> [--base FILE] [--format markdown|json] [--fail-on-breaking]
      Compare openapi/portfolio.yaml (old; or --base FILE, sliced the same
      way) with FILE (new; a whole upstream document or a slice) and print
      the portfolio change report, each change marked breaking or not for
      this client: breaking when its rule can break and handwritten code
      uses what it changes (openapi/facade-usage.txt; with --base, which
      that list does not describe, when its rule can break). --fail-on-breaking
      exits 1 when anything is breaking.
  cargo xtask spec check [--file PATH] [--upstream-dir DIR]
      Verify that openapi/portfolio.yaml (or PATH) is in the importer's
      canonical form, that every $ref resolves, and that its provenance is
      consistent (checked against DIR, default ../shared/kalshi-openapi).
  cargo xtask spec generate-all [DIR]
      Import every *.yaml in DIR (default ../shared/kalshi-openapi) in
      memory and run build.rs's generation step on it; one line per file.
  cargo xtask spec usage [--check]
      Compile the workspace with every generated item marked deprecated
      (in target/usage-scan) and write the generated items handwritten code
      uses to openapi/facade-usage.txt; --check compares instead and fails
      when the file is stale.
  cargo xtask spec surface
      Print the API surface: the generated operations of
      openapi/portfolio.yaml and the public facade methods in src/.
  cargo xtask help
      Show this message.";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Markdown,
    Json,
}

#[derive(Debug, PartialEq)]
enum Command {
    Help,
    SpecImport {
        input: PathBuf,
        out: Option<PathBuf>,
        tolerances: Option<PathBuf>,
        extra_paths: Option<PathBuf>,
        drop_retained: Vec<String>,
    },
    SpecDiff {
        input: PathBuf,
        base: Option<PathBuf>,
        format: Format,
        fail_on_breaking: bool,
    },
    SpecCheck {
        file: Option<PathBuf>,
        upstream_dir: Option<PathBuf>,
    },
    SpecGenerateAll {
        dir: Option<PathBuf>,
    },
    SpecSurface,
    SpecUsage {
        check: bool,
    },
    SpecRehearse(rehearse::Options),
}

/// The arguments after the subcommand, split into options and positionals.
struct Parsed {
    values: Vec<(&'static str, OsString)>,
    flags: Vec<&'static str>,
    positional: Vec<OsString>,
    help: bool,
}

/// Splits `args` given the options that take a value and the boolean flags.
/// Accepts `--opt value` and `--opt=value`; rejects unknown options and
/// repeated ones.
fn split(
    args: impl Iterator<Item = OsString>,
    with_value: &[&'static str],
    flags: &[&'static str],
) -> Result<Parsed, String> {
    let mut parsed = Parsed {
        values: Vec::new(),
        flags: Vec::new(),
        positional: Vec::new(),
        help: false,
    };
    let mut args = args;
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str().filter(|t| t.starts_with('-') && *t != "-") else {
            parsed.positional.push(arg);
            continue;
        };
        if matches!(text, "-h" | "--help") {
            parsed.help = true;
            continue;
        }
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) => (name, Some(OsString::from(value))),
            None => (text, None),
        };
        if let Some(option) = with_value.iter().copied().find(|o| *o == name) {
            let value = match inline {
                Some(value) => value,
                None => args.next().ok_or(format!("`{option}` needs a value"))?,
            };
            if parsed.values.iter().any(|(o, _)| *o == option) {
                return Err(format!("{option} given more than once"));
            }
            parsed.values.push((option, value));
        } else if let Some(flag) = flags.iter().copied().find(|f| *f == text) {
            if parsed.flags.contains(&flag) {
                return Err(format!("{flag} given more than once"));
            }
            parsed.flags.push(flag);
        } else {
            return Err(format!("unknown option `{text}`"));
        }
    }
    Ok(parsed)
}

impl Parsed {
    fn value(&self, option: &str) -> Option<PathBuf> {
        self.values
            .iter()
            .find(|(o, _)| *o == option)
            .map(|(_, v)| PathBuf::from(v))
    }

    fn at_most_one(&self, what: &str) -> Result<Option<PathBuf>, String> {
        match self.positional.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(PathBuf::from(one))),
            _ => Err(format!("{what} given more than once")),
        }
    }
}

fn parse_args(args: Vec<OsString>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let first = args.next();
    match first.as_ref().and_then(|a| a.to_str()) {
        None => Err("no command given".into()),
        Some("help" | "-h" | "--help") => Ok(Command::Help),
        Some("spec") => {
            let sub = args.next();
            let sub = sub.as_ref().and_then(|a| a.to_str());
            if sub == Some("rehearse") {
                return Ok(rehearse::parse_args(args)?.map_or(Command::Help, Command::SpecRehearse));
            }
            let parsed = match sub {
                Some("import") => split(
                    args,
                    &["--out", "--tolerances", "--extra-paths", "--drop-retained"],
                    &[],
                )?,
                Some("diff") => split(args, &["--base", "--format"], &["--fail-on-breaking"])?,
                Some("check") => split(args, &["--file", "--upstream-dir"], &[])?,
                Some("generate-all" | "surface") => split(args, &[], &[])?,
                Some("usage") => split(args, &[], &["--check"])?,
                Some(other) => return Err(format!("unknown spec command `{other}`")),
                None => return Err("`spec` needs a subcommand".into()),
            };
            if parsed.help {
                return Ok(Command::Help);
            }
            match sub {
                Some("import") => Ok(Command::SpecImport {
                    input: parsed
                        .at_most_one("<FILE>")?
                        .ok_or("`spec import` needs an input <FILE>")?,
                    out: parsed.value("--out"),
                    tolerances: parsed.value("--tolerances"),
                    extra_paths: parsed.value("--extra-paths"),
                    drop_retained: parsed
                        .value("--drop-retained")
                        .map(|names| {
                            names
                                .to_string_lossy()
                                .split(',')
                                .map(str::trim)
                                .filter(|n| !n.is_empty())
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                }),
                Some("diff") => {
                    let format = match parsed.value("--format") {
                        None => Format::Markdown,
                        Some(f) if f.as_os_str() == "markdown" => Format::Markdown,
                        Some(f) if f.as_os_str() == "json" => Format::Json,
                        Some(f) => {
                            return Err(format!(
                                "`--format` is markdown or json, not `{}`",
                                f.display()
                            ))
                        }
                    };
                    Ok(Command::SpecDiff {
                        input: parsed
                            .at_most_one("<FILE>")?
                            .ok_or("`spec diff` needs the new document <FILE>")?,
                        base: parsed.value("--base"),
                        format,
                        fail_on_breaking: parsed.flags.contains(&"--fail-on-breaking"),
                    })
                }
                Some("check") => {
                    if !parsed.positional.is_empty() {
                        return Err("`spec check` takes no positional arguments".into());
                    }
                    Ok(Command::SpecCheck {
                        file: parsed.value("--file"),
                        upstream_dir: parsed.value("--upstream-dir"),
                    })
                }
                Some("generate-all") => Ok(Command::SpecGenerateAll {
                    dir: parsed.at_most_one("DIR")?,
                }),
                Some("usage") => {
                    if !parsed.positional.is_empty() {
                        return Err("`spec usage` takes no positional arguments".into());
                    }
                    Ok(Command::SpecUsage {
                        check: parsed.flags.contains(&"--check"),
                    })
                }
                _ => {
                    if !parsed.positional.is_empty() {
                        return Err("`spec surface` takes no arguments".into());
                    }
                    Ok(Command::SpecSurface)
                }
            }
        }
        Some(other) => Err(format!("unknown command `{other}`")),
    }
}

fn main() -> ExitCode {
    let command = match parse_args(std::env::args_os().skip(1).collect()) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}\n{}", rehearse::USAGE);
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            say!("{USAGE}\n{}", rehearse::USAGE);
            ExitCode::SUCCESS
        }
        Command::SpecImport {
            input,
            out,
            tolerances,
            extra_paths,
            drop_retained,
        } => run_import(input, out, tolerances, extra_paths, &drop_retained),
        Command::SpecDiff {
            input,
            base,
            format,
            fail_on_breaking,
        } => run_diff(input, base, format, fail_on_breaking),
        Command::SpecCheck { file, upstream_dir } => {
            let file = file.unwrap_or_else(|| spec::workspace_root().join(spec::DEFAULT_OUT));
            let upstream_dir = upstream_dir.unwrap_or_else(spec::default_upstream_dir);
            let tolerances = match spec::Tolerances::checked_in() {
                Ok(tolerances) => tolerances,
                Err(error) => return fail(&error.to_string()),
            };
            let extra = match spec::ExtraPaths::checked_in() {
                Ok(extra) => extra,
                Err(error) => return fail(&error.to_string()),
            };
            match check::check_file(&file, &upstream_dir, &tolerances, &extra) {
                Ok(passed) => {
                    for line in passed.lines {
                        say!("ok: {line}");
                    }
                    ExitCode::SUCCESS
                }
                Err(error) => fail(&format!("{}: {error}", file.display())),
            }
        }
        Command::SpecGenerateAll { dir } => {
            let dir = dir.unwrap_or_else(spec::default_upstream_dir);
            if !dir.is_dir() {
                say!(
                    "skipping: {} is not a directory, so there is nothing to generate",
                    dir.display()
                );
                return ExitCode::SUCCESS;
            }
            quiet_generator_panics();
            match generate::generate_dir(&dir) {
                Ok(results) => {
                    if results.is_empty() {
                        say!("skipping: no *.yaml files in {}", dir.display());
                        return ExitCode::SUCCESS;
                    }
                    for result in &results {
                        say!("{result}");
                    }
                    if results.iter().all(generate::Generated::ok) {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(error) => fail(&error),
            }
        }
        Command::SpecRehearse(options) => rehearse::run(&options),
        Command::SpecUsage { check } => run_usage(check),
        Command::SpecSurface => match surface::render(&spec::workspace_root()) {
            Ok(text) => write_stdout(&text),
            Err(error) => fail(&error),
        },
    }
}

/// progenitor panics on some spec shapes; codegen catches the panic and
/// returns it as an error, which the FAIL line shows. The default hook would
/// print the same message again, out of order, so panics raised inside the
/// generator crates are kept quiet; any other panic is reported as usual.
fn quiet_generator_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_generator = info.location().is_some_and(|location| {
            ["progenitor", "typify"]
                .iter()
                .any(|krate| location.file().contains(krate))
        });
        if !in_generator {
            default(info);
        }
    }));
}

/// Prints a report. A closed pipe (`| head`) is not an error: the reader
/// has what it wanted; `print!` would panic there instead.
fn write_stdout(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(&format!("cannot write to stdout: {e}")),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn run_import(
    input: PathBuf,
    out: Option<PathBuf>,
    tolerances: Option<PathBuf>,
    extra: Option<PathBuf>,
    drop_retained: &[String],
) -> ExitCode {
    let out = out.unwrap_or_else(|| spec::workspace_root().join(spec::DEFAULT_OUT));
    // The checked-in list unless told otherwise: a re-import cannot forget it.
    let tolerances = match tolerances.map_or_else(spec::Tolerances::checked_in, |path| {
        spec::Tolerances::load(&path)
    }) {
        Ok(tolerances) => tolerances,
        Err(error) => return fail(&error.to_string()),
    };
    let extra = match extra.map_or_else(spec::ExtraPaths::checked_in, |path| {
        spec::ExtraPaths::load(&path)
    }) {
        Ok(extra) => extra,
        Err(error) => return fail(&error.to_string()),
    };
    match spec::import_file(&input, &out, &tolerances, &extra, drop_retained) {
        Ok(imported) => {
            for warning in &imported.warnings {
                eprintln!("warning: {warning}");
            }
            // Every retained field, every time: each is a field upstream no
            // longer sends, which handwritten code should stop relying on.
            let list = spec::retain::path_beside(&out);
            for name in &imported.carried.newly {
                eprintln!(
                    "warning: retaining {name}: upstream dropped this optional field; it stays in the slice and always decodes as None (recorded in {})",
                    list.display()
                );
            }
            for name in &imported.carried.newly_optional {
                eprintln!(
                    "warning: keeping {name} optional: upstream now requires it, but its generated field stays an Option (recorded in {})",
                    list.display()
                );
            }
            for name in &imported.carried.newly_values {
                eprintln!(
                    "warning: retaining enum value {name}: upstream dropped it; the generated variant stays, and is never sent (recorded in {})",
                    list.display()
                );
            }
            for name in &imported.carried.still {
                eprintln!("warning: still retaining {name} (see {})", list.display());
            }
            for note in &imported.carried.released {
                eprintln!("warning: {note}");
            }
            for name in drop_retained {
                eprintln!("note: no longer retaining {name}, as asked (--drop-retained)");
            }
            say!(
                "wrote {}: upstream {} (sha256 {}), {} paths, {} operations, {} components, {} tolerances applied, {} extra paths",
                out.display(),
                imported.upstream_version,
                imported.sha256,
                imported.paths,
                imported.operations,
                imported.component_count(),
                tolerances.entries.len() - imported.warnings.len(),
                extra.entries.len(),
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error.to_string()),
    }
}

/// `spec usage`: scans, then writes the list or (with `check`) compares it
/// with the checked-in one.
fn run_usage(check: bool) -> ExitCode {
    let root = spec::workspace_root();
    let scanned = match facade_usage::scan(&root) {
        Ok(usage) => usage,
        Err(error) => return fail(&error),
    };
    let path = root.join(facade_usage::FILE);
    if !check {
        return match std::fs::write(&path, scanned.render()) {
            Ok(()) => {
                say!("wrote {}", facade_usage::FILE);
                ExitCode::SUCCESS
            }
            Err(e) => fail(&format!("cannot write {}: {e}", path.display())),
        };
    }
    let recorded = match facade_usage::FacadeUsage::checked_in() {
        Ok(usage) => usage,
        Err(error) => return fail(&error),
    };
    if recorded == scanned {
        say!(
            "ok: {} lists what handwritten code uses",
            facade_usage::FILE
        );
        return ExitCode::SUCCESS;
    }
    let (now, then) = (scanned.render(), recorded.render());
    let lines = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines().map(str::to_owned).collect()
    };
    let (now, then) = (lines(&now), lines(&then));
    for line in now.difference(&then) {
        eprintln!("  now:      {line}");
    }
    for line in then.difference(&now) {
        eprintln!("  recorded: {line}");
    }
    fail(&format!(
        "{} is stale (lines above); run `cargo xtask spec usage` and commit it",
        facade_usage::FILE
    ))
}

fn run_diff(
    input: PathBuf,
    base: Option<PathBuf>,
    format: Format,
    fail_on_breaking: bool,
) -> ExitCode {
    // The vendored file is named by its place in the repository, anything
    // else by its file name: the report should not depend on where it ran.
    let base_is_vendored = base.is_none();
    let (base, base_name) = match base {
        Some(path) => {
            let name = spec::file_name(&path);
            (path, name)
        }
        None => (
            spec::workspace_root().join(spec::DEFAULT_OUT),
            spec::DEFAULT_OUT.to_owned(),
        ),
    };
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let (old, new) = match (read(&base), read(&input)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => return fail(&e),
    };
    let tolerances = match spec::Tolerances::checked_in() {
        Ok(tolerances) => tolerances,
        Err(e) => return fail(&e.to_string()),
    };
    let extra = match spec::ExtraPaths::checked_in() {
        Ok(extra) => extra,
        Err(e) => return fail(&e.to_string()),
    };
    // The retained fields belong to the vendored file; a --base document
    // has none.
    let retained = if base_is_vendored {
        match spec::Retained::checked_in() {
            Ok(retained) => retained,
            Err(e) => return fail(&e.to_string()),
        }
    } else {
        spec::Retained::none()
    };
    let new_name = spec::file_name(&input);
    let mut report = match diff::diff_inputs(
        &old,
        &base_name,
        &new,
        &new_name,
        &tolerances,
        &extra,
        &retained,
    ) {
        Ok(report) => report,
        Err(e) => return fail(&e.to_string()),
    };
    // The usage list describes the code built from the vendored file: it says
    // nothing of what code built from another --base used.
    if base_is_vendored {
        match facade_usage::FacadeUsage::checked_in() {
            Ok(usage) => report.judge(&usage),
            Err(error) => eprintln!(
                "warning: {error}; every change a rule calls breaking is reported as breaking"
            ),
        }
    }
    let text = match format {
        Format::Markdown => diff::render_markdown(&report),
        Format::Json => match serde_json::to_string_pretty(&diff::to_json(&report)) {
            Ok(text) => text + "\n",
            Err(e) => return fail(&format!("cannot write JSON: {e}")),
        },
    };
    let written = write_stdout(&text);
    if written != ExitCode::SUCCESS {
        return written;
    }
    if fail_on_breaking && report.breaking_count() > 0 {
        eprintln!(
            "{} breaking change(s) for this client",
            report.breaking_count()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
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
                out: None,
                tolerances: None,
                extra_paths: None,
                drop_retained: Vec::new(),
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
                    out: Some("o.yaml".into()),
                    tolerances: None,
                    extra_paths: None,
                    drop_retained: Vec::new(),
                })
            );
        }
    }

    #[test]
    fn parses_spec_diff() {
        assert_eq!(
            parse_args(args(&["spec", "diff", "new.yaml"])),
            Ok(Command::SpecDiff {
                input: "new.yaml".into(),
                base: None,
                format: Format::Markdown,
                fail_on_breaking: false,
            })
        );
        assert_eq!(
            parse_args(args(&[
                "spec",
                "diff",
                "--format=json",
                "new.yaml",
                "--base",
                "old.yaml",
                "--fail-on-breaking"
            ])),
            Ok(Command::SpecDiff {
                input: "new.yaml".into(),
                base: Some("old.yaml".into()),
                format: Format::Json,
                fail_on_breaking: true,
            })
        );
    }

    #[test]
    fn parses_check_generate_all_and_surface() {
        assert_eq!(
            parse_args(args(&["spec", "check"])),
            Ok(Command::SpecCheck {
                file: None,
                upstream_dir: None
            })
        );
        assert_eq!(
            parse_args(args(&["spec", "check", "--file", "f", "--upstream-dir=d"])),
            Ok(Command::SpecCheck {
                file: Some("f".into()),
                upstream_dir: Some("d".into())
            })
        );
        assert_eq!(
            parse_args(args(&["spec", "generate-all"])),
            Ok(Command::SpecGenerateAll { dir: None })
        );
        assert_eq!(
            parse_args(args(&["spec", "generate-all", "dir"])),
            Ok(Command::SpecGenerateAll {
                dir: Some("dir".into())
            })
        );
        assert_eq!(
            parse_args(args(&["spec", "surface"])),
            Ok(Command::SpecSurface)
        );
        assert_eq!(
            parse_args(args(&["spec", "usage", "--check"])),
            Ok(Command::SpecUsage { check: true })
        );
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
            &["spec", "diff"],
            &["spec", "diff", "a", "b"],
            &["spec", "diff", "a", "--format", "html"],
            &["spec", "diff", "a", "--base"],
            &[
                "spec",
                "diff",
                "a",
                "--fail-on-breaking",
                "--fail-on-breaking",
            ],
            &["spec", "check", "extra"],
            &["spec", "generate-all", "a", "b"],
            &["spec", "surface", "x"],
            &["build"],
        ] {
            assert!(parse_args(args(bad)).is_err(), "{bad:?}");
        }
    }
}
