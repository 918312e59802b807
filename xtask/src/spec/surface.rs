//! The crate's API surface as plain text, for snapshot tests and review.
//!
//! Two lists, each deterministic and independent of file layout:
//!
//! * [`operations_text`]: every operation the generator turns into a method
//!   of the raw client (derived from the vendored spec: method name, HTTP
//!   method, path, parameters, body, success response). A re-import shows up
//!   here as a reviewable diff even when the facade compiles unchanged.
//! * [`facade_text`]: every `pub fn` of the handwritten facade in `src/`
//!   (inherent impls of public types, plus the filter setters that the
//!   `list_operation!` macro declares), read with `syn`, grouped by type and
//!   sorted by name, so moving code between files changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use super::model;

/// The operations list `spec import` writes beside the slice, so that a
/// re-import shows up as a reviewable diff of plain text (and the tests can
/// check the list against the slice, however the slice changed).
pub const OPERATIONS_FILE: &str = "operations.txt";

/// Where the operations list of the slice at `slice_file` lives.
pub fn operations_file_beside(slice_file: &Path) -> PathBuf {
    match slice_file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(OPERATIONS_FILE),
        _ => PathBuf::from(OPERATIONS_FILE),
    }
}

/// Both lists, as `cargo xtask spec surface` prints them.
pub fn render(workspace_root: &Path) -> Result<String, String> {
    let spec_path = workspace_root.join(super::DEFAULT_OUT);
    let text =
        fs::read(&spec_path).map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let doc = super::parse_document(&text).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let facade = facade_text(&workspace_root.join("src"))?;
    Ok(format!("{}\n{facade}", operations_text(&doc)))
}

/// The method name progenitor gives an operation: its `operationId` in
/// snake case (`CreateOrderV2` is `create_order_v2`).
pub fn method_name(operation_id: &str) -> String {
    let chars: Vec<char> = operation_id.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_is_lower);
            if boundary && !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.trim_end_matches('_').to_owned()
}

/// One block per operation, in canonical (path, method) order:
///
/// ```text
/// get_balance: GET /portfolio/balance (GetBalance)
///     query subaccount: integer, optional
///     returns 200: GetBalanceResponse
/// ```
pub fn operations_text(doc: &Value) -> String {
    let mut out = format!(
        "# Generated operations: {} version {}\n",
        super::DEFAULT_OUT,
        model::version(doc)
    );
    for operation in model::operations(doc) {
        let id = operation.id().unwrap_or("<no operationId>");
        out.push_str(&format!(
            "\n{}: {} ({id}){}\n",
            method_name(id),
            operation.key(),
            if operation.deprecated() {
                " deprecated"
            } else {
                ""
            }
        ));
        for parameter in model::parameters(doc, &operation) {
            out.push_str(&format!(
                "    {} {}: {}\n",
                parameter.location,
                parameter.name,
                summary(parameter.schema, parameter.required)
            ));
        }
        if let Some(body) = model::request_body(doc, &operation) {
            out.push_str(&format!(
                "    body: {}\n",
                summary(body.schema, body.required)
            ));
        }
        for response in model::responses(doc, &operation)
            .iter()
            .filter(|r| r.is_success())
        {
            out.push_str(&format!(
                "    returns {}: {}\n",
                response.status,
                response
                    .schema
                    .map_or_else(|| "()".to_owned(), model::type_label)
            ));
        }
    }
    out
}

fn summary(schema: Option<&Value>, required: bool) -> String {
    let label = schema.map_or_else(|| "any".to_owned(), model::type_label);
    let nullable = if schema.is_some_and(model::is_nullable) {
        ", nullable"
    } else {
        ""
    };
    let required = if required { "required" } else { "optional" };
    format!("{label}, {required}{nullable}")
}

/// The public methods of the facade in `src_dir` (the root crate's `src/`).
/// `src/sandbox/` is left out: it is a test server, not the client's API.
pub fn facade_text(src_dir: &Path) -> Result<String, String> {
    let mut files = Vec::new();
    collect_rust_files(src_dir, &mut files)?;
    let mut public_types = BTreeSet::new();
    let mut parsed = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file = syn::parse_file(&text)
            .map_err(|e| format!("{} does not parse: {e}", path.display()))?;
        collect_public_types(&file.items, &mut public_types);
        parsed.push(file);
    }

    // Self type as written (`Client`, `List<Op>`) -> (name, signature).
    let mut methods: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for file in &parsed {
        collect_methods(&file.items, &public_types, &mut methods);
    }

    let mut out = "# Facade: public methods in src/ (by type, then name)\n".to_owned();
    for (self_type, signatures) in &methods {
        out.push_str(&format!("\nimpl {self_type}\n"));
        for (_, signature) in signatures {
            out.push_str(&format!("    {signature}\n"));
        }
    }
    Ok(out)
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name == "sandbox") {
                continue;
            }
            collect_rust_files(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `#[cfg(test)]` items are not part of the API.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

/// Names of `pub` structs and enums (and `list_operation!` filter sets,
/// which the macro declares `pub`), anywhere in the crate.
fn collect_public_types(items: &[syn::Item], out: &mut BTreeSet<String>) {
    for item in items {
        match item {
            syn::Item::Struct(s) if is_pub(&s.vis) => {
                out.insert(s.ident.to_string());
            }
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                out.insert(e.ident.to_string());
            }
            syn::Item::Mod(module) if !is_test_only(&module.attrs) => {
                if let Some((_, inner)) = &module.content {
                    collect_public_types(inner, out);
                }
            }
            syn::Item::Macro(mac) if mac.mac.path.is_ident("list_operation") => {
                if let Ok((name, _)) = parse_list_operation(&mac.mac.tokens) {
                    out.insert(name);
                }
            }
            _ => {}
        }
    }
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn collect_methods(
    items: &[syn::Item],
    public_types: &BTreeSet<String>,
    out: &mut BTreeMap<String, BTreeSet<(String, String)>>,
) {
    for item in items {
        match item {
            syn::Item::Impl(block)
                if block.trait_.is_none()
                    && !is_test_only(&block.attrs)
                    && base_name(&block.self_ty).is_some_and(|n| public_types.contains(&n)) =>
            {
                let self_type = render_type(&block.self_ty);
                for impl_item in &block.items {
                    let syn::ImplItem::Fn(method) = impl_item else {
                        continue;
                    };
                    if is_pub(&method.vis) && !is_test_only(&method.attrs) {
                        out.entry(self_type.clone())
                            .or_default()
                            .insert((method.sig.ident.to_string(), render_signature(&method.sig)));
                    }
                }
            }
            syn::Item::Mod(module) if !is_test_only(&module.attrs) => {
                if let Some((_, inner)) = &module.content {
                    collect_methods(inner, public_types, out);
                }
            }
            syn::Item::Macro(mac) if mac.mac.path.is_ident("list_operation") => {
                let (self_type, signatures) = match parse_list_operation(&mac.mac.tokens) {
                    Ok((name, filters)) => (
                        format!("List<{name}>"),
                        filters
                            .iter()
                            .map(|(field, ty)| {
                                let signature = format!(
                                    "pub fn {field}(mut self, value: impl Into<{ty}>) -> Self"
                                );
                                (field.clone(), signature)
                            })
                            .collect(),
                    ),
                    Err(e) => (
                        "List<?>".to_owned(),
                        vec![(
                            String::new(),
                            format!("list_operation! not understood: {e}"),
                        )],
                    ),
                };
                out.entry(self_type).or_default().extend(signatures);
            }
            _ => {}
        }
    }
}

/// The last path segment's name of a type (`List` for `crate::pagination::List<Op>`).
fn base_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// A type as `prettyplease` prints it, without a leading `crate::...` path.
fn render_type(ty: &syn::Type) -> String {
    let item: syn::Item = syn::parse_quote!(type T = #ty;);
    let text = unparse_one(item);
    let text = text
        .trim()
        .trim_start_matches("type T = ")
        .trim_end_matches(';')
        .to_owned();
    match text.rfind("::") {
        // `crate::pagination::List<Op>` reads as `List<Op>`, but a path
        // inside generics (`List<types::X>`) is kept.
        Some(i) if !text[..i].contains('<') => text[i + 2..].to_owned(),
        _ => text,
    }
}

/// `pub fn name<G>(args) -> Ret where ...` on one line.
fn render_signature(sig: &syn::Signature) -> String {
    let item: syn::Item = syn::parse_quote!(pub #sig {});
    let joined = unparse_one(item)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let joined = joined.trim_end_matches("{}").trim_end();
    // prettyplease breaks long lists after `(` or `<` with a trailing comma.
    joined
        .trim_end_matches(',')
        .replace("( ", "(")
        .replace(", )", ")")
        .replace("< ", "<")
        .replace(", >", ">")
}

/// Names of the methods of the generated raw client (`impl Client` in the
/// generated source), to check [`method_name`] against what progenitor does.
pub fn generated_method_names(generated_source: &str) -> Result<BTreeSet<String>, String> {
    let file = syn::parse_file(generated_source).map_err(|e| e.to_string())?;
    Ok(file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(block)
                if block.trait_.is_none()
                    && base_name(&block.self_ty).as_deref() == Some("Client") =>
            {
                Some(block)
            }
            _ => None,
        })
        .flat_map(|block| &block.items)
        .filter_map(|item| match item {
            syn::ImplItem::Fn(method) if is_pub(&method.vis) => Some(method.sig.ident.to_string()),
            _ => None,
        })
        .collect())
}

fn unparse_one(item: syn::Item) -> String {
    prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![item],
    })
}

/// Reads the parts of a `list_operation!` invocation that make API: the
/// filter-set name and its `filters { name: Type, ... }`. The grammar is the
/// macro's in src/operations/mod.rs:
/// `#[..] Name => generated, key: value, ..., filters { #[..] field: Type, ... }`.
fn parse_list_operation(
    tokens: &proc_macro2::TokenStream,
) -> Result<(String, Vec<(String, String)>), String> {
    use syn::parse::Parser;
    let parser = |input: syn::parse::ParseStream<'_>| {
        input.call(syn::Attribute::parse_outer)?;
        let name: syn::Ident = input.parse()?;
        // Skip to `filters`, then read its braced body.
        while !input.is_empty() {
            if input.peek(syn::Ident) && input.fork().parse::<syn::Ident>()? == "filters" {
                input.parse::<syn::Ident>()?;
                let body;
                syn::braced!(body in input);
                let fields = body.parse_terminated(
                    |field: syn::parse::ParseStream<'_>| {
                        field.call(syn::Attribute::parse_outer)?;
                        let name: syn::Ident = field.parse()?;
                        field.parse::<syn::Token![:]>()?;
                        let ty: syn::Type = field.parse()?;
                        Ok((name.to_string(), render_type(&ty)))
                    },
                    syn::Token![,],
                )?;
                return Ok((name.to_string(), fields.into_iter().collect()));
            }
            input.parse::<proc_macro2::TokenTree>()?;
        }
        Err(input.error("no `filters { .. }` block"))
    };
    parser.parse2(tokens.clone()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_are_snake_case() {
        for (id, name) in [
            ("GetBalance", "get_balance"),
            ("CreateOrderV2", "create_order_v2"),
            ("BatchCancelOrdersV2", "batch_cancel_orders_v2"),
            ("GetOrderQueuePosition", "get_order_queue_position"),
            ("getHTTPThing", "get_http_thing"),
        ] {
            assert_eq!(method_name(id), name, "{id}");
        }
    }

    #[test]
    fn signatures_read_on_one_line() {
        let method: syn::ImplItemFn = syn::parse_quote! {
            pub fn batch_cancel_orders<I, S>(&self, order_ids: I) -> Result<Vec<types::X>>
            where
                I: IntoIterator<Item = S>,
                S: AsRef<str>,
            {
                todo!()
            }
        };
        assert_eq!(
            render_signature(&method.sig),
            "pub fn batch_cancel_orders<I, S>(&self, order_ids: I) -> Result<Vec<types::X>> where I: IntoIterator<Item = S>, S: AsRef<str>"
        );
    }

    #[test]
    fn reads_list_operation_filters() {
        let tokens: proc_macro2::TokenStream = syn::parse_quote! {
            /// Filters.
            Fills => get_fills, response: types::GetFillsResponse, item: types::Fill, max_limit: 1000,
            into_page: |r| Page::new(r.fills, Some(r.cursor)),
            filters {
                /// One ticker.
                ticker: String,
                min_ts: i64,
            }
        };
        assert_eq!(
            parse_list_operation(&tokens),
            Ok((
                "Fills".to_owned(),
                vec![
                    ("ticker".to_owned(), "String".to_owned()),
                    ("min_ts".to_owned(), "i64".to_owned())
                ]
            ))
        );
    }
}
