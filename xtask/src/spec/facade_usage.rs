//! Which generated items the handwritten code uses: the facade, the sandbox,
//! the command line, the tests, examples and benches.
//!
//! The diff needs this to say whether a change is breaking *for this
//! project*: a renamed schema that no handwritten line names, or a field
//! whose type changes but that nothing reads, regenerates and builds
//! untouched; the same change to `Order.status` does not.
//!
//! Searching the source for names cannot tell `order.status` from
//! `fill.status`, so the scan asks the compiler: `cargo xtask spec usage`
//! checks the workspace with `KALSHI_USAGE_SCAN` set, which makes build.rs
//! mark every generated item `#[deprecated]` (codegen/mod.rs,
//! `Marking::UsageScan`). rustc then reports each use in handwritten code
//! with the item's resolved path and kind (`use of deprecated field
//! `…::types::Order::status``), and this module turns those into [`Item`]s.
//!
//! The result is checked in as [`FILE`] (one item per line, with the files
//! that use it), so `spec diff` stays instant; `.ci/run` runs `spec usage
//! --check`, which fails when handwritten code changed what it uses and the
//! file was not refreshed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::codegen::USAGE_MARK;

/// Where the list lives, relative to the workspace root.
pub const FILE: &str = "openapi/facade-usage.txt";

/// The environment variable build.rs reads (see codegen `Marking::UsageScan`).
const SCAN_ENV: &str = "KALSHI_USAGE_SCAN";

/// The root crate's features the scan compiles with: every one that holds
/// handwritten code touching generated items (`aws-lc-rs` only swaps the
/// crypto library, and would add a slow C build).
const FEATURES: &str = "kalshi-portfolio/sandbox,kalshi-portfolio/rust_decimal";

/// One use of a generated item, as the diff matches it against a change.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    /// `type Order`: the type is named (a struct, enum or alias, or one of
    /// its associated functions or constants).
    Type(String),
    /// `variant OrderStatus.Resting`: an enum variant is named.
    Variant(String, String),
    /// `field Order.status`: a field is read, assigned or matched.
    Field(String, String),
    /// `builder Order`: the type's builder (`types::builder::Order`) is named.
    Builder(String),
    /// `set Order.status`: a builder setter is called.
    Set(String, String),
    /// `operation get_fills`: a method of the raw client is called.
    Operation(String),
    /// `call GetFills`: an operation's request builder is named.
    Call(String),
    /// `argument GetFills.ticker`: a method of an operation's request
    /// builder is called (a parameter, `body`, `send`).
    Argument(String, String),
    /// `wire side`: a JSON object key in a test fixture (`*.json`) or in a
    /// `json!` literal. Such JSON is decoded into generated types by the
    /// tests, so a field whose wire type changes fails them even when no
    /// Rust names it. Keys carry no schema; any field of that name counts.
    Wire(String),
}

impl Item {
    fn parts(&self) -> (&'static str, &str, Option<&str>) {
        match self {
            Item::Type(t) => ("type", t, None),
            Item::Variant(t, m) => ("variant", t, Some(m)),
            Item::Field(t, m) => ("field", t, Some(m)),
            Item::Builder(t) => ("builder", t, None),
            Item::Set(t, m) => ("set", t, Some(m)),
            Item::Operation(m) => ("operation", m, None),
            Item::Call(t) => ("call", t, None),
            Item::Argument(t, m) => ("argument", t, Some(m)),
            Item::Wire(key) => ("wire", key, None),
        }
    }

    fn parse(text: &str) -> Option<Item> {
        let (kind, name) = text.split_once(' ')?;
        let pair = || {
            name.split_once('.')
                .map(|(t, m)| (t.to_owned(), m.to_owned()))
        };
        Some(match kind {
            "type" => Item::Type(name.to_owned()),
            "variant" => pair().map(|(t, m)| Item::Variant(t, m))?,
            "field" => pair().map(|(t, m)| Item::Field(t, m))?,
            "builder" => Item::Builder(name.to_owned()),
            "set" => pair().map(|(t, m)| Item::Set(t, m))?,
            "operation" => Item::Operation(name.to_owned()),
            "call" => Item::Call(name.to_owned()),
            "argument" => pair().map(|(t, m)| Item::Argument(t, m))?,
            "wire" => Item::Wire(name.to_owned()),
            _ => return None,
        })
    }

    /// The generated type (or operation builder, or method) the item
    /// belongs to.
    pub fn owner(&self) -> &str {
        self.parts().1
    }

    /// The member (field, variant, setter, argument), if any.
    pub fn member(&self) -> Option<&str> {
        self.parts().2
    }

    /// Whether `self` and `other` are the same item up to spelling: the
    /// diff derives Rust names from spec names, and comparing letters and
    /// digits only, case-folded, makes it independent of how the generator
    /// turns `OrderGroupIDs` or `type` into Rust.
    pub fn same_as(&self, other: &Item) -> bool {
        let (kind, owner, member) = self.parts();
        let (other_kind, other_owner, other_member) = other.parts();
        kind == other_kind
            && loose(owner) == loose(other_owner)
            && member.map(loose) == other_member.map(loose)
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parts() {
            (kind, owner, None) => write!(f, "{kind} {owner}"),
            (kind, owner, Some(member)) => write!(f, "{kind} {owner}.{member}"),
        }
    }
}

/// Letters and digits only, lower case: the spelling-independent form of a
/// name (see [`Item::same_as`]).
pub fn loose(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Every generated item handwritten code uses, with the files that use it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FacadeUsage {
    items: BTreeMap<Item, BTreeSet<String>>,
}

impl FacadeUsage {
    /// The checked-in list ([`FILE`]).
    pub fn checked_in() -> Result<FacadeUsage, String> {
        let path = super::workspace_root().join(FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot read {}: {e} (make it with `cargo xtask spec usage`)",
                path.display()
            )
        })?;
        FacadeUsage::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads the file format [`FacadeUsage::render`] writes.
    pub fn parse(text: &str) -> Result<FacadeUsage, String> {
        let mut usage = FacadeUsage::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (item, files) = line.split_once("  ").unwrap_or((line, ""));
            let item = Item::parse(item.trim())
                .ok_or_else(|| format!("line {}: not an item: `{line}`", number + 1))?;
            usage
                .items
                .entry(item)
                .or_default()
                .extend(files.split_whitespace().map(str::to_owned));
        }
        Ok(usage)
    }

    /// One line per item, sorted, each followed by the files that use it.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# The generated items handwritten code uses (src/, tests/, cli/, examples/,\n\
             # benches/), found by the compiler: written by `cargo xtask spec usage`, read by\n\
             # `cargo xtask spec diff` to tell which changes need handwritten code changed.\n\
             # Do not edit; rerun the command after changing what handwritten code uses.\n",
        );
        for (item, files) in &self.items {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            out.push_str(&format!("{item}  {}\n", files.join(" ")));
        }
        out
    }

    pub fn insert(&mut self, item: Item, file: &str) {
        self.items.entry(item).or_default().insert(file.to_owned());
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The used items `matches` accepts, with the files that use them.
    pub fn find<'a>(
        &'a self,
        matches: impl Fn(&Item) -> bool + 'a,
    ) -> impl Iterator<Item = (&'a Item, &'a BTreeSet<String>)> + 'a {
        self.items.iter().filter(move |(item, _)| matches(item))
    }
}

/// Runs the scan: checks the whole workspace (all targets) with the
/// generated items marked, in a target directory of its own so that the
/// regular build keeps its cache. Prints cargo's progress on stderr.
pub fn scan(workspace_root: &Path) -> Result<FacadeUsage, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root.join("target"))
        .join("usage-scan");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace_root)
        .args([
            "check",
            "--workspace",
            "--all-targets",
            "--features",
            FEATURES,
            "--message-format=json",
        ])
        .env(SCAN_ENV, "1")
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo check` failed with the generated items marked ({}); \
             the workspace must build before its usage can be listed",
            output.status
        ));
    }
    let mut usage = from_messages(&String::from_utf8_lossy(&output.stdout), workspace_root);
    if usage.is_empty() {
        return Err("the scan found no use of any generated item; \
                    did build.rs see KALSHI_USAGE_SCAN?"
            .into());
    }
    for dir in HANDWRITTEN_DIRS {
        wire_keys_in(&workspace_root.join(dir), workspace_root, &mut usage)?;
    }
    Ok(usage)
}

/// Where handwritten code and test data live.
const HANDWRITTEN_DIRS: [&str; 5] = ["src", "tests", "cli", "examples", "benches"];

/// Adds a [`Item::Wire`] for every JSON object key under `dir`: in `*.json`
/// files, and in Rust macro invocations (`json!({"side": …})`, found as a
/// string literal followed by a lone `:`, which only JSON-like macro input
/// has). Target directories are skipped.
fn wire_keys_in(dir: &Path, root: &Path, usage: &mut FacadeUsage) -> Result<(), String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            wire_keys_in(&path, root, usage)?;
            continue;
        }
        let extension = path.extension().and_then(|e| e.to_str());
        if !matches!(extension, Some("json" | "rs")) {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let Some(file) = handwritten(&path.to_string_lossy(), root) else {
            continue;
        };
        let keys = if extension == Some("json") {
            // Not every .json file is one document (some hold a line each).
            let mut keys = BTreeSet::new();
            for value in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>()
            {
                match value {
                    Ok(value) => json_keys(&value, &mut keys),
                    Err(_) => break,
                }
            }
            keys
        } else {
            macro_json_keys(&text)
        };
        for key in keys {
            usage.insert(Item::Wire(key), &file);
        }
    }
    Ok(())
}

fn json_keys(value: &serde_json::Value, keys: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                keys.insert(key.clone());
                json_keys(child, keys);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| json_keys(item, keys)),
        _ => {}
    }
}

/// The `"key":` pairs in a Rust file's tokens (comments are not tokens, and
/// string contents stay inside their literal). A file that does not
/// tokenize contributes nothing; the compiler has already checked it.
fn macro_json_keys(source: &str) -> BTreeSet<String> {
    use proc_macro2::{Spacing, TokenStream, TokenTree};
    fn walk(stream: TokenStream, keys: &mut BTreeSet<String>) {
        let mut previous: Option<String> = None;
        for tree in stream {
            match &tree {
                TokenTree::Group(group) => walk(group.stream(), keys),
                TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Alone => {
                    if let Some(key) = previous.take() {
                        keys.insert(key);
                    }
                }
                _ => {}
            }
            previous = match &tree {
                TokenTree::Literal(literal) => {
                    let text = literal.to_string();
                    text.strip_prefix('"')
                        .and_then(|t| t.strip_suffix('"'))
                        .filter(|t| {
                            !t.is_empty()
                                && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        })
                        .map(str::to_owned)
                }
                _ => None,
            };
        }
    }
    let mut keys = BTreeSet::new();
    if let Ok(stream) = source.parse::<TokenStream>() {
        walk(stream, &mut keys);
    }
    keys
}

/// Reads cargo's JSON messages and keeps the deprecation warnings that
/// carry [`USAGE_MARK`] and point into handwritten files (a path inside the
/// workspace, outside any target directory).
pub fn from_messages(stdout: &str, workspace_root: &Path) -> FacadeUsage {
    let mut usage = FacadeUsage::default();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" {
            continue;
        }
        let diagnostic = &message["message"];
        if diagnostic["code"]["code"] != "deprecated" {
            continue;
        }
        let Some(text) = diagnostic["message"].as_str() else {
            continue;
        };
        let Some(item) = item_of_warning(text) else {
            continue;
        };
        let spans = diagnostic["spans"].as_array().into_iter().flatten();
        for span in spans.filter(|s| s["is_primary"] == true) {
            if let Some(file) = span["file_name"]
                .as_str()
                .and_then(|f| handwritten(f, workspace_root))
            {
                usage.insert(item.clone(), &file);
            }
        }
    }
    usage
}

/// The file relative to the workspace root, if it is handwritten.
fn handwritten(file: &str, workspace_root: &Path) -> Option<String> {
    let path = Path::new(file);
    let relative = if path.is_absolute() {
        path.strip_prefix(workspace_root).ok()?
    } else {
        path
    };
    // `examples/../benches/common/report.rs` (a `#[path]` module) is `benches/common/report.rs`.
    let mut parts: Vec<&str> = Vec::new();
    for part in relative.to_str()?.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    let generated = parts.first() == Some(&"target") || parts.contains(&"out");
    (!generated).then(|| parts.join("/"))
}

/// `use of deprecated field `kalshi_portfolio::generated::types::Order::status`:
/// kalshi-usage-scan` → `field Order.status`. The path is cut at the last
/// `types`, `builder` or `Client` segment, whatever module path leads there.
pub fn item_of_warning(text: &str) -> Option<Item> {
    let rest = text.strip_prefix("use of deprecated ")?;
    let (kind, rest) = rest.split_once(" `")?;
    let (path, note) = rest.split_once('`')?;
    if !note.contains(USAGE_MARK) {
        return None;
    }
    // Generic arguments print as a segment of their own: `builder::GetFills::<'a>::send`.
    let segments: Vec<&str> = path
        .split("::")
        .filter(|segment| !segment.starts_with('<'))
        .collect();
    let owned = |s: &&str| (*s).to_owned();
    let member_kind = |owner: String, member: String| match kind {
        "field" => Item::Field(owner, member),
        k if k.ends_with("variant") => Item::Variant(owner, member),
        // `Order::builder()` is another way to the builder.
        _ if member == "builder" => Item::Builder(owner),
        _ => Item::Type(owner),
    };
    if let Some(at) = segments.iter().rposition(|s| *s == "types") {
        return match &segments[at + 1..] {
            ["builder", owner] => Some(Item::Builder(owned(owner))),
            ["builder", owner, member] => Some(Item::Set(owned(owner), owned(member))),
            // `types::error::ConversionError` and the like: support, not schema types.
            ["error", ..] => None,
            [owner] => Some(Item::Type(owned(owner))),
            [owner, member] => Some(member_kind(owned(owner), owned(member))),
            _ => None,
        };
    }
    if let Some(at) = segments.iter().rposition(|s| *s == "builder") {
        return match &segments[at + 1..] {
            [owner] => Some(Item::Call(owned(owner))),
            [owner, member] => Some(Item::Argument(owned(owner), owned(member))),
            _ => None,
        };
    }
    if let Some(at) = segments.iter().rposition(|s| *s == "Client") {
        if let [method] = &segments[at + 1..] {
            return Some(Item::Operation(owned(method)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(kind: &str, path: &str) -> String {
        format!("use of deprecated {kind} `{path}`: {USAGE_MARK}")
    }

    #[test]
    fn warnings_become_items_whatever_the_module_path() {
        let cases = [
            (
                "field",
                "kalshi_portfolio::generated::types::Order::status",
                "field Order.status",
            ),
            (
                "field",
                "generated::types::Order::status",
                "field Order.status",
            ),
            ("struct", "kalshi_portfolio::types::Fill", "type Fill"),
            (
                "unit variant",
                "generated::types::OrderStatus::Resting",
                "variant OrderStatus.Resting",
            ),
            (
                "tuple variant",
                "generated::types::OrderStatus::Unknown",
                "variant OrderStatus.Unknown",
            ),
            (
                "struct",
                "generated::types::builder::Order",
                "builder Order",
            ),
            (
                "associated function",
                "generated::types::Order::builder",
                "builder Order",
            ),
            (
                "method",
                "generated::types::builder::Order::status",
                "set Order.status",
            ),
            (
                "method",
                "generated::Client::get_fills",
                "operation get_fills",
            ),
            ("struct", "generated::builder::GetFills", "call GetFills"),
            (
                "method",
                "generated::builder::GetFills::ticker",
                "argument GetFills.ticker",
            ),
            (
                "method",
                "generated::builder::GetFills::<'a>::send",
                "argument GetFills.send",
            ),
        ];
        for (kind, path, expected) in cases {
            let item = item_of_warning(&warning(kind, path));
            assert_eq!(
                item.map(|i| i.to_string()).as_deref(),
                Some(expected),
                "{path}"
            );
        }
    }

    #[test]
    fn other_deprecations_and_support_types_are_not_items() {
        assert_eq!(
            item_of_warning("use of deprecated method `ring::rsa::KeyPair::public_modulus_len`: use public().modulus_len()"),
            None
        );
        assert_eq!(
            item_of_warning(&warning(
                "struct",
                "generated::types::error::ConversionError"
            )),
            None
        );
    }

    #[test]
    fn the_file_format_round_trips_and_rejects_garbage() {
        let mut usage = FacadeUsage::default();
        usage.insert(
            Item::Field("Order".into(), "status".into()),
            "src/records.rs",
        );
        usage.insert(
            Item::Field("Order".into(), "status".into()),
            "cli/src/main.rs",
        );
        usage.insert(
            Item::Operation("get_fills".into()),
            "src/operations/fills.rs",
        );
        let text = usage.render();
        assert!(
            text.contains("field Order.status  cli/src/main.rs src/records.rs\n"),
            "{text}"
        );
        assert_eq!(FacadeUsage::parse(&text), Ok(usage));
        let error = FacadeUsage::parse("field Order\n").unwrap_err();
        assert!(
            error.contains("line 1") && error.contains("field Order"),
            "{error}"
        );
    }

    #[test]
    fn only_handwritten_files_count() {
        let root = Path::new("/work/project");
        let stdout = [
            ("src/records.rs", "field", "generated::types::Order::status"),
            (
                "/work/project/target/debug/build/kalshi-portfolio-1/out/portfolio_api.rs",
                "field",
                "generated::types::Order::ticker",
            ),
            (
                "/work/project/tests/chaos/ops.rs",
                "struct",
                "kalshi_portfolio::types::Fill",
            ),
            (
                "examples/../tests/chaos/ops.rs",
                "struct",
                "kalshi_portfolio::types::Fill",
            ),
        ]
        .iter()
        .map(|(file, kind, path)| {
            serde_json::json!({
                "reason": "compiler-message",
                "message": {
                    "code": {"code": "deprecated"},
                    "message": warning(kind, path),
                    "spans": [{"file_name": file, "is_primary": true}],
                },
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n");
        let usage = from_messages(&stdout, root);
        let found: Vec<String> = usage
            .find(|_| true)
            .map(|(i, f)| format!("{i} {f:?}"))
            .collect();
        assert_eq!(
            found,
            [
                r#"type Fill {"tests/chaos/ops.rs"}"#,
                r#"field Order.status {"src/records.rs"}"#
            ]
        );
    }

    #[test]
    fn json_keys_come_from_fixtures_and_macro_literals() {
        let rust = r#"
            // "commented": not a token
            let body = json!({ "fills": [{ "side": "yes", "count_fp": "1.00" }], "cursor": "" });
            let path = std::path::Path::new("a::b");
            assert_eq!(x, json!({"nested": {"ts_ms": 1}}));
            let label = "not_a_key";
        "#;
        let keys: Vec<String> = macro_json_keys(rust).into_iter().collect();
        assert_eq!(
            keys,
            ["count_fp", "cursor", "fills", "nested", "side", "ts_ms"]
        );
        let mut found = BTreeSet::new();
        json_keys(
            &serde_json::json!({"orders": [{"order_id": "x"}]}),
            &mut found,
        );
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            ["order_id", "orders"]
        );
    }

    #[test]
    fn spelling_does_not_matter_when_matching() {
        let spec_side = Item::Field("OrderGroupIDs".into(), "type".into());
        let rust_side = Item::Field("OrderGroupIds".into(), "type_".into());
        assert!(spec_side.same_as(&rust_side));
        assert!(!spec_side.same_as(&Item::Set("OrderGroupIds".into(), "type_".into())));
    }
}
