//! `cargo xtask spec rehearse`: a dress rehearsal of the next Kalshi release.
//!
//! Kalshi publishes a new document almost monthly, and most releases only
//! add an optional field, drop one, add an enum value or a new endpoint. The
//! diff rules call those non-breaking, meaning the *wire* stays compatible;
//! whether the *crate* still builds untouched depends on how the handwritten
//! code uses the generated types (a struct literal naming every field of a
//! generated struct stops compiling the day upstream adds one). Nothing but a
//! build can tell, so this command makes such releases up ([`mutations`]),
//! imports each into a scratch copy of the workspace ([`scratch`]) and builds
//! it, and reports the diff's verdict beside the build's. A rehearsal passes
//! when both agree that nothing needs doing; a diff that calls a change safe
//! while the build fails is the surprise this command exists to find first.

/// `println!` that survives a closed pipe (`cargo xtask spec rehearse | head`): a
/// line that cannot be written is dropped, never a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod mutations;
pub mod scratch;
mod unused;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_yaml_ng::Value;

use self::mutations::{Applied, Mutation};
use super::diff::{self, Report};

/// Usage of `spec rehearse`, for the xtask help text.
pub const USAGE: &str = "\
  cargo xtask spec rehearse [--only NAME[,NAME…]] [--list] [--keep] [--test]
      Make up non-breaking upstream changes of openapi/portfolio.yaml (an
      added or removed optional field, a new enum value, a new operation, a
      new optional parameter), import each into a scratch copy of the
      workspace and run `cargo build --features sandbox` there (with --test,
      the sandbox-based tests too); print the diff's verdict beside the
      build's, and exit 1 if any rehearsal fails. --list names the changes,
      --only picks some, --keep leaves the copies in place.";

/// Options of `spec rehearse`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Mutation names to run; all of them when `None`.
    pub only: Option<Vec<String>>,
    pub list: bool,
    pub keep: bool,
    pub test: bool,
}

/// Parses the arguments after `spec rehearse`. `Ok(None)` asks for help.
pub fn parse_args(args: impl Iterator<Item = OsString>) -> Result<Option<Options>, String> {
    let mut options = Options::default();
    let mut args = args;
    while let Some(arg) = args.next() {
        let text = arg
            .to_str()
            .ok_or_else(|| format!("argument {arg:?} is not UTF-8"))?;
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (text, None),
        };
        let flag = |set: &mut bool| {
            if inline.is_some() {
                return Err(format!("`{name}` takes no value"));
            }
            if std::mem::replace(set, true) {
                return Err(format!("{name} given more than once"));
            }
            Ok(())
        };
        match name {
            "-h" | "--help" => return Ok(None),
            "--list" => flag(&mut options.list)?,
            "--keep" => flag(&mut options.keep)?,
            "--test" => flag(&mut options.test)?,
            "--only" => {
                let value = match inline {
                    Some(value) => value,
                    None => args
                        .next()
                        .and_then(|v| v.into_string().ok())
                        .ok_or("`--only` needs a comma-separated list of names")?,
                };
                if options.only.is_some() {
                    return Err("--only given more than once".into());
                }
                options.only = Some(select(&value)?.into_iter().map(|m| m.name).collect());
            }
            _ if text.starts_with('-') => return Err(format!("unknown option `{text}`")),
            _ => {
                return Err(format!(
                    "`spec rehearse` takes no positional argument `{text}`"
                ))
            }
        }
    }
    Ok(Some(options))
}

/// The mutations named in a comma-separated list, in the list's order, or
/// an error naming the unknown ones and the known ones.
fn select(list: &str) -> Result<Vec<Mutation>, String> {
    let all = mutations::all();
    let mut chosen: Vec<Mutation> = Vec::new();
    let mut unknown = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match all.iter().find(|m| m.name == name) {
            Some(m) if !chosen.contains(m) => chosen.push(m.clone()),
            Some(_) => {}
            None => unknown.push(name.to_owned()),
        }
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = all.iter().map(|m| m.name.as_str()).collect();
        return Err(format!(
            "unknown rehearsal {}; known: {}",
            unknown.join(", "),
            known.join(", ")
        ));
    }
    if chosen.is_empty() {
        return Err("`--only` names no rehearsal".into());
    }
    Ok(chosen)
}

/// A mutation applied to the vendored document and judged by the diff.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// What the mutation did.
    pub description: String,
    /// The mutated upstream document, as YAML.
    pub document: String,
    /// `spec import`'s output for it.
    pub imported: String,
    /// The retained-field list `spec import` writes beside it.
    pub retained: String,
    /// What that import newly retains: fields, fields kept optional, enum
    /// values.
    pub newly_retained: Vec<String>,
    pub report: Report,
}

/// What preparing a mutation came to.
#[derive(Clone, Debug)]
pub enum Preparation {
    Ready(Box<Prepared>),
    /// The mutation does not apply to the vendored document; why.
    NotApplicable(String),
}

/// Applies `mutation` to the vendored document (`vendored`, the bytes of
/// `openapi/portfolio.yaml`), imports the result the way `spec import` would
/// and diffs it against the vendored file the way `spec diff` would. An
/// error means the importer or the diff refused the mutated document.
pub fn prepare(mutation: &Mutation, vendored: &[u8]) -> Result<Preparation, String> {
    let previous: Value =
        super::parse_document(vendored).map_err(|e| format!("{}: {e}", super::DEFAULT_OUT))?;
    // Upstream never carries the fields we retain: start from what it said.
    let mut doc = previous.clone();
    super::retain::strip(&mut doc);
    let description = match mutation.apply(&mut doc)? {
        Applied::Changed(description) => description,
        Applied::NotApplicable(reason) => return Ok(Preparation::NotApplicable(reason)),
    };
    let document = serde_yaml_ng::to_string(&doc)
        .map_err(|e| format!("cannot write the mutated document: {e}"))?;
    let source = source_name(mutation);
    // As `spec import` and `spec diff` would: with the checked-in tolerance list (the
    // vendored file already carries its effect, so its entries are moot here), and
    // carrying the checked-in retained fields over from the vendored file.
    let tolerances = super::Tolerances::checked_in().map_err(|e| e.to_string())?;
    let extra = super::ExtraPaths::checked_in().map_err(|e| e.to_string())?;
    let retained = super::Retained::checked_in().map_err(|e| e.to_string())?;
    let imported = super::import_document_retaining(
        document.as_bytes(),
        &source,
        &tolerances,
        &extra,
        super::tolerance::Mode::Import,
        super::Retention::Carry {
            previous: Some(&previous),
            list: &retained,
        },
    )
    .map_err(|e| format!("`spec import` rejects the mutated document: {e}"))?;
    let retained_text = imported
        .retained
        .render()
        .map_err(|e| format!("cannot write the retained list: {e}"))?;
    let mut report = diff::diff_inputs(
        vendored,
        super::DEFAULT_OUT,
        document.as_bytes(),
        &source,
        &tolerances,
        &extra,
        &retained,
    )
    .map_err(|e| format!("`spec diff` rejects the mutated document: {e}"))?;
    // As `spec diff` judges: against what handwritten code uses.
    report.judge(&super::facade_usage::FacadeUsage::checked_in()?);
    Ok(Preparation::Ready(Box::new(Prepared {
        description,
        document,
        imported: imported.yaml,
        retained: retained_text,
        newly_retained: imported
            .carried
            .newly
            .into_iter()
            .chain(imported.carried.newly_optional)
            .chain(imported.carried.newly_values)
            .collect(),
        report,
    })))
}

/// The file name the mutated document is imported under (it shows in the
/// copy's header comment).
fn source_name(mutation: &Mutation) -> String {
    format!("rehearsal-{}.yaml", mutation.name)
}

/// The diff's verdict in one line: `non-breaking (2 changes: …)`.
pub fn verdict(report: &Report) -> String {
    // Each rule once, in order of first appearance, with its count when
    // more than one: a release of 100 removals reads as one line.
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for change in &report.changes {
        let name = change.rule.name();
        match counted.iter_mut().find(|(n, _)| *n == name) {
            Some((_, n)) => *n += 1,
            None => counted.push((name, 1)),
        }
    }
    let rules: Vec<String> = counted
        .iter()
        .map(|(name, n)| {
            if *n == 1 {
                (*name).to_owned()
            } else {
                format!("{n} {name}")
            }
        })
        .collect();
    let count = report.changes.len();
    let plural = if count == 1 { "" } else { "s" };
    if report.breaking_count() > 0 {
        format!(
            "BREAKING ({} of {count} change{plural}: {})",
            report.breaking_count(),
            rules.join(", ")
        )
    } else if count == 0 {
        "NO CHANGE SEEN".to_owned()
    } else {
        format!(
            "non-breaking ({count} change{plural}: {})",
            rules.join(", ")
        )
    }
}

/// The diff agrees the change is a routine, non-breaking one: it sees it,
/// and calls none of it breaking.
pub fn diff_says_safe(report: &Report) -> bool {
    !report.changes.is_empty() && report.breaking_count() == 0
}

/// How one rehearsal ended.
enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

/// Runs the rehearsals and prints the report.
pub fn run(options: &Options) -> ExitCode {
    let chosen = match &options.only {
        Some(names) => match select(&names.join(",")) {
            Ok(chosen) => chosen,
            Err(e) => return fail(&e),
        },
        None => mutations::all(),
    };
    if options.list {
        for m in mutations::all() {
            let breaks = if m.expects_breaking() {
                " (breaking: passes when the build or tests fail)"
            } else {
                ""
            };
            say!("{:<37} {}{breaks}", m.name, m.summary());
        }
        return ExitCode::SUCCESS;
    }

    let root = super::workspace_root();
    let vendored_path = root.join(super::DEFAULT_OUT);
    let vendored = match std::fs::read(&vendored_path) {
        Ok(bytes) => bytes,
        Err(e) => return fail(&format!("cannot read {}: {e}", vendored_path.display())),
    };
    let target_dir = target_dir(&root);
    let files = match scratch::files_to_copy(&root) {
        Ok(files) => files,
        Err(e) => return fail(&e),
    };
    say!(
        "rehearsing {} change(s) of {} in scratch copies ({} files each); target dir {}",
        chosen.len(),
        super::DEFAULT_OUT,
        files.len(),
        target_dir.display()
    );

    let mut results = Vec::new();
    for (i, mutation) in chosen.iter().enumerate() {
        say!("\n[{}/{}] {}", i + 1, chosen.len(), mutation.name);
        let outcome = rehearse(mutation, &vendored, &root, &files, &target_dir, options);
        results.push((mutation.name.clone(), outcome));
    }

    say!("\nsummary:");
    let mut failed = 0;
    for (name, outcome) in &results {
        match outcome {
            Outcome::Pass => say!("  PASS  {name}"),
            Outcome::Skip(why) => say!("  SKIP  {name}: {why}"),
            Outcome::Fail(why) => {
                failed += 1;
                say!("  FAIL  {name}: {why}");
            }
        }
    }
    if failed > 0 {
        say!(
            "\n{failed} rehearsal(s) failed: a routine Kalshi release would need more than `spec import`"
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// One rehearsal, printing as it goes.
fn rehearse(
    mutation: &Mutation,
    vendored: &[u8],
    root: &Path,
    files: &[PathBuf],
    target_dir: &Path,
    options: &Options,
) -> Outcome {
    let prepared = match prepare(mutation, vendored) {
        Ok(Preparation::Ready(prepared)) => prepared,
        Ok(Preparation::NotApplicable(reason)) => {
            say!("      not applicable: {reason}");
            return Outcome::Skip(reason);
        }
        Err(e) => {
            say!("      {e}");
            return Outcome::Fail(e);
        }
    };
    say!("      change: {}", prepared.description);
    let safe = diff_says_safe(&prepared.report);
    let verdict = verdict(&prepared.report);
    say!("      diff:   {verdict}");
    let retained = &prepared.newly_retained;
    if !retained.is_empty() {
        const SHOWN: usize = 6;
        let mut names = retained
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if retained.len() > SHOWN {
            names.push_str(&format!(" and {} more", retained.len() - SHOWN));
        }
        say!(
            "      import: retains {names} ({})",
            super::retain::DEFAULT_PATH
        );
    }

    let copy = match make_copy(mutation, root, files, &prepared) {
        Ok(copy) => copy,
        Err(e) => {
            say!("      cannot prepare the scratch copy: {e}");
            return Outcome::Fail(e);
        }
    };
    let dir = copy.path().to_owned();
    let outcome = build_and_test(
        &dir,
        target_dir,
        options,
        Expect {
            safe,
            breaks: mutation.expects_breaking(),
        },
        &verdict,
    );
    if options.keep {
        let kept = copy.keep();
        say!("      kept:   {}", kept.display());
    }
    outcome
}

/// A scratch copy of the workspace with the mutated slice in place.
fn make_copy(
    mutation: &Mutation,
    root: &Path,
    files: &[PathBuf],
    prepared: &Prepared,
) -> Result<tempfile::TempDir, String> {
    let copy = tempfile::Builder::new()
        .prefix(&format!("xtask-rehearse-{}.", mutation.name))
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    scratch::copy_files(root, copy.path(), files)
        .map_err(|e| format!("cannot copy the workspace: {e}"))?;
    scratch::set_package_version(copy.path(), &mutation.name, root)?;
    let slice = copy.path().join(super::DEFAULT_OUT);
    std::fs::write(&slice, &prepared.imported)
        .map_err(|e| format!("cannot write {}: {e}", slice.display()))?;
    let list = copy.path().join(super::retain::DEFAULT_PATH);
    std::fs::write(&list, &prepared.retained)
        .map_err(|e| format!("cannot write {}: {e}", list.display()))?;
    let operations = super::surface::operations_file_beside(&slice);
    let doc = super::parse_document(prepared.imported.as_bytes())
        .map_err(|e| format!("{}: {e}", slice.display()))?;
    std::fs::write(&operations, super::surface::operations_text(&doc))
        .map_err(|e| format!("cannot write {}: {e}", operations.display()))?;
    Ok(copy)
}

/// What the diff says of a mutation, and whether the mutation was chosen
/// because it breaks handwritten code (then the rehearsal passes when the
/// diff calls it breaking and the build or the tests fail).
#[derive(Clone, Copy)]
struct Expect {
    safe: bool,
    breaks: bool,
}

fn build_and_test(
    dir: &Path,
    target_dir: &Path,
    options: &Options,
    expect: Expect,
    verdict: &str,
) -> Outcome {
    let Expect { safe, breaks } = expect;
    let build_args = strings(&["build", "--features", "sandbox"]);
    say!(
        "      build:  `cargo {}` in {} …",
        build_args.join(" "),
        dir.display()
    );
    let build = match scratch::cargo(dir, target_dir, &build_args) {
        Ok(run) => run,
        Err(e) => return Outcome::Fail(e),
    };
    let took = scratch::format_duration(build.took);
    if !build.ok {
        say!("      build:  FAILED ({took})");
        let lines = scratch::first_error(&build.output, 24);
        if safe {
            say!(
                "      !!! MISMATCH: the diff calls this change non-breaking, but the crate \
                 no longer builds untouched. First compiler error:"
            );
        }
        for line in &lines {
            say!("      | {line}");
        }
        let all = scratch::error_summary(&build.output);
        if all.len() > 1 {
            say!("      all {} compiler errors:", all.len());
            for line in &all {
                say!("      - {line}");
            }
        }
        let first = lines.first().cloned().unwrap_or_default();
        if breaks && !safe {
            say!("      build:  fails, as the diff's verdict says");
            return Outcome::Pass;
        }
        return Outcome::Fail(if safe {
            format!("MISMATCH: diff {verdict}, but `cargo build` fails: {first}")
        } else {
            format!("diff {verdict}; `cargo build` fails: {first}")
        });
    }
    say!("      build:  ok ({took})");

    if options.test {
        let mut args = strings(&["test", "--features", "sandbox", "--lib"]);
        for target in scratch::sandbox_test_targets(dir) {
            args.push("--test".into());
            args.push(target);
        }
        say!("      test:   `cargo {}` …", args.join(" "));
        let test = match scratch::cargo(dir, target_dir, &args) {
            Ok(run) => run,
            Err(e) => return Outcome::Fail(e),
        };
        let took = scratch::format_duration(test.took);
        if !test.ok {
            say!("      test:   FAILED ({took}): `cargo {}`", args.join(" "));
            let lines = scratch::test_failures(&test.output, 30);
            for line in &lines {
                say!("      | {line}");
            }
            let first = lines.first().cloned().unwrap_or_default();
            if breaks && !safe {
                say!("      test:   fails, as the diff's verdict says");
                return Outcome::Pass;
            }
            return Outcome::Fail(format!("diff {verdict}; `cargo test` fails: {first}"));
        }
        say!("      test:   ok ({took})");
    }

    if breaks && !safe && !options.test {
        Outcome::Skip(
            "the diff says breaking and the crate builds; only --test can show the tests fail"
                .to_owned(),
        )
    } else if breaks {
        Outcome::Fail(format!(
            "chosen as a change that breaks handwritten code, but the crate builds{} untouched (diff {verdict})",
            if options.test { " and its tests pass" } else { "" }
        ))
    } else if safe {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "the crate builds, but the diff's verdict is {verdict}, not a non-breaking change"
        ))
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

/// The caller's `CARGO_TARGET_DIR` when set (made absolute, as the copies
/// build elsewhere), else the workspace's own `target/`: either way the
/// dependencies are already compiled there.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                std::env::current_dir().map_or(dir.clone(), |cwd| cwd.join(&dir))
            }
        }
        None => root.join("target"),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
