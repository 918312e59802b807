//! A throw-away copy of the workspace to build a mutated spec in, and the
//! cargo runs inside it.
//!
//! The copy shares the caller's target directory so that no dependency is
//! compiled again; only the crate itself is. Cargo names a workspace
//! member's artifacts by its name, version and path *relative to the
//! workspace root*, which a copy has in common with the original: left as it
//! is, a copy would write its mutated build over the original's artifacts,
//! and a later `cargo build` in the real workspace could find them fresh
//! (its own sources being older) and link the mutated client. So the copy's
//! package gets a pre-release version of its own, which gives it artifacts of
//! its own; see [`rehearsal_version`].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The top-level entries a build of the crate and its tests reads:
/// `README.md` because `src/lib.rs` includes it as the crate docs, and every
/// workspace member (`xtask`, `cli`), since cargo loads their manifests for
/// any build in the workspace. Tooling the build does not read (`.ci/`, the
/// other Markdown files) is left out.
const NEEDED: [&str; 13] = [
    "Cargo.toml",
    "Cargo.lock",
    "build.rs",
    "README.md",
    "codegen",
    "src",
    "tests",
    "examples",
    "benches",
    "xtask",
    "cli",
    "openapi",
    ".cargo",
];

/// The files to copy: what git tracks plus new files it does not ignore
/// (so uncommitted work is rehearsed too), under the top-level entries a
/// build reads, that exist.
pub fn files_to_copy(root: &Path) -> Result<Vec<PathBuf>, String> {
    let output = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run `git ls-files` in {}: {e}", root.display()))?;
    if !output.status.success() {
        return Err(format!(
            "`git ls-files` failed in {} (a rehearsal copies the files git knows about): {}",
            root.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut files: Vec<PathBuf> = output
        .stdout
        .split(|b| *b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
        .filter(|path| {
            path.components()
                .next()
                .is_some_and(|first| NEEDED.iter().any(|n| first.as_os_str() == *n))
        })
        .filter(|path| root.join(path).is_file())
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// Copies `files` (relative to `from`) into `to`.
pub fn copy_files(from: &Path, to: &Path, files: &[PathBuf]) -> io::Result<()> {
    for file in files {
        let target = to.join(file);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(from.join(file), &target)?;
    }
    Ok(())
}

/// The version a copy's package gets: the original's, plus a pre-release tag
/// naming the rehearsal (so each mutation keeps its own artifacts, which a
/// re-run reuses) and the original workspace (so two worktrees sharing a
/// target directory never share a rehearsal's artifacts either).
pub fn rehearsal_version(original: &str, mutation: &str, root: &Path) -> String {
    let base = original.split(['-', '+']).next().unwrap_or(original);
    let root_hash = super::super::sha256_hex(root.to_string_lossy().as_bytes());
    format!("{base}-rehearsal.{mutation}.w{}", &root_hash[..8])
}

/// Sets the `[package]` version in the copy's `Cargo.toml` (a line edit, so
/// the rest of the manifest stays byte for byte). Returns the new version.
pub fn set_package_version(copy: &Path, mutation: &str, root: &Path) -> Result<String, String> {
    let manifest = copy.join("Cargo.toml");
    let text = fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let mut in_package = false;
    let mut done = None;
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_package = trimmed == "[package]";
        }
        if in_package && done.is_none() {
            if let Some(value) = trimmed
                .strip_prefix("version")
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix('='))
                .map(|rest| rest.trim().trim_matches('"'))
            {
                let version = rehearsal_version(value, mutation, root);
                out.push_str(&format!("version = \"{version}\"\n"));
                done = Some(version);
                continue;
            }
        }
        out.push_str(line);
    }
    let version = done.ok_or_else(|| {
        format!(
            "{} has no `version` in [package] to give the copy its own",
            manifest.display()
        )
    })?;
    fs::write(&manifest, out).map_err(|e| format!("cannot write {}: {e}", manifest.display()))?;
    Ok(version)
}

/// The test targets that run against the sandbox: every `tests/*.rs` that
/// uses `kalshi_portfolio::sandbox::…`. (The others drive the client against
/// scripted servers, to test retries, signing and tracing, which a spec change
/// does not reach.)
pub fn sandbox_test_targets(copy: &Path) -> Vec<String> {
    let mut targets: Vec<String> = fs::read_dir(copy.join("tests"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter(|path| fs::read_to_string(path).is_ok_and(|text| text.contains("sandbox::")))
        .filter_map(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    targets.sort();
    targets
}

/// The outcome of one cargo run.
#[derive(Debug)]
pub struct CargoRun {
    pub ok: bool,
    pub took: Duration,
    /// Everything cargo wrote, stdout then stderr.
    pub output: String,
}

/// Runs cargo with `args` in `dir`, with the given target directory.
pub fn cargo(dir: &Path, target_dir: &Path, args: &[String]) -> Result<CargoRun, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let output = Command::new(&cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        // Plain text: the report quotes the compiler's messages.
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", Path::new(&cargo).display()))?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Ok(CargoRun {
        ok: output.status.success(),
        took: started.elapsed(),
        output: text,
    })
}

/// The first compiler error of a failed build: from the first line starting
/// with `error` to the blank line that ends its block, at most `max` lines.
/// Falls back to the last lines of the output when there is no such line
/// (a build script failure, a linker error, …).
pub fn first_error(output: &str, max: usize) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    if let Some(start) = lines.iter().position(|l| l.starts_with("error")) {
        return lines[start..]
            .iter()
            .take_while(|l| !l.trim().is_empty())
            .take(max)
            .map(|l| (*l).to_owned())
            .collect();
    }
    let from = lines.len().saturating_sub(max);
    lines[from..].iter().map(|l| (*l).to_owned()).collect()
}

/// Every compiler error of a build, one line each: its headline and, where
/// the compiler gave one, its location (`error[E0063]: missing field … at
/// src/sandbox/exchange.rs:1451:9`).
pub fn error_summary(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        // `error: could not compile …` and the like close a build; only the
        // compiler's own messages carry a location.
        if !line.starts_with("error") {
            continue;
        }
        let location = lines
            .get(i + 1)
            .map(|next| next.trim_start())
            .and_then(|next| next.strip_prefix("--> "));
        match location {
            Some(at) => out.push(format!("{line} at {at}")),
            None if line.starts_with("error[") => out.push((*line).to_owned()),
            None => {}
        }
    }
    out
}

/// What failed in a `cargo test` run: the start of its `failures:` section
/// (each failing test's panic message), or its first error when it did not
/// get as far as running tests.
pub fn test_failures(output: &str, max: usize) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == "failures:") else {
        return first_error(output, max);
    };
    lines[start + 1..]
        .iter()
        .take_while(|l| l.trim_end() != "failures:")
        .filter(|l| !l.trim().is_empty())
        .take(max)
        .map(|l| (*l).to_owned())
        .collect()
}

/// Seconds as `1m02s` or `7.4s`.
pub fn format_duration(took: Duration) -> String {
    let secs = took.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = took.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}
