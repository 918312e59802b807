//! Turns the vendored spec (`openapi/portfolio.yaml`) into Rust source with progenitor.
//!
//! This file is shared, not copied: `build.rs` includes it to generate the crate's raw
//! client, and `xtask` includes it to prove that every public spec version still
//! generates. It holds the only knowledge of progenitor's quirks (DESIGN.md section 4):
//!
//! * [`normalize`] rewrites the document in memory before generation. The vendored file
//!   stays faithful to upstream; only what progenitor would panic on, or would decode
//!   badly, is changed here.
//! * [`make_enums_lenient`] rewrites the generated enums so that a value Kalshi adds
//!   next month decodes instead of failing a whole page.
//! * [`drop_api_version_header`], [`decode_success_without_header_copy`] and
//!   [`skip_absent_query_parameters`] trim what the generated code does on every
//!   request: an undocumented header, a copy of the response headers, and reqwest's
//!   work for query parameters that are not set (BENCHMARKS.md measures each).
//! * `skip_defaults.rs` leaves an optional field out of what is serialized while it
//!   holds the spec's default, so a defaulted field Kalshi adds does not change the
//!   bytes every request sends.

mod skip_defaults;

use serde_json::{Map, Value};

/// Everything that can go wrong while generating; the message names the cause.
pub type CodegenResult<T> = Result<T, String>;

/// Whether [`generate`] marks the generated items for the usage scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marking {
    /// The crate as shipped.
    None,
    /// Every generated item carries `#[deprecated(note = USAGE_MARK)]`, so that
    /// compiling the handwritten code makes rustc list each generated item it
    /// uses (see [`mark_every_item_deprecated`]).
    UsageScan,
}

/// Schemas generated as a handwritten type instead of their own: money is exact, so
/// the spec's fixed-point strings decode straight into the crate's money types
/// instead of `String`. Handwritten code uses these through the replacement, which
/// the usage scan cannot see, so the diff counts them as always used.
pub const REPLACED_SCHEMAS: [(&str, &str); 2] = [
    ("FixedPointDollars", "crate::money::Dollars"),
    ("FixedPointCount", "crate::money::Count"),
];

/// How the description of a property `spec import` tolerated begins
/// (openapi/tolerances.yaml): upstream requires the field, the vendored file gives
/// it a default. Such a field is still written on every value (see `skip_defaults.rs`),
/// as upstream requires.
pub const TOLERATED_MARK: &str = "Tolerated (openapi/tolerances.yaml):";

/// The note on the deprecation marks of [`Marking::UsageScan`]; the scan
/// (`cargo xtask spec usage`) keeps only warnings that carry it.
pub const USAGE_MARK: &str = "kalshi-usage-scan";

/// Parse the YAML spec, normalize it and run progenitor over it.
///
/// Returns formatted Rust source for one module.
pub fn generate(spec_yaml: &str, marking: Marking) -> CodegenResult<String> {
    let mut document: Value =
        serde_yaml_ng::from_str(spec_yaml).map_err(|e| format!("spec is not valid YAML: {e}"))?;
    normalize(&mut document);
    let tolerated = skip_defaults::tolerated_fields(&document);
    let lenient_success = operations_whose_success_accepts_any_object(&document);
    let operations = spec_operations(&document);
    let spec: openapiv3::OpenAPI = serde_json::from_value(document)
        .map_err(|e| format!("spec is not a valid OpenAPI 3.0 document: {e}"))?;

    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        // We implement `ClientHooks` ourselves (src/transport.rs): signing, the
        // wire-level error checks and tracing live there, in handwritten code.
        .with_hooks(progenitor::HooksMode::Expected)
        .with_inner_type(quote_path("crate::transport::Hooks")?);
    for (schema, replacement) in REPLACED_SCHEMAS {
        settings.with_replacement(
            schema,
            replacement,
            [progenitor::TypeImpl::FromStr, progenitor::TypeImpl::Display].into_iter(),
        );
    }

    let mut generator = progenitor::Generator::new(&settings);
    // progenitor panics on some spec shapes; a panic in build.rs is an unreadable
    // build failure, so turn it into an error that says where it came from.
    let tokens = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        generator.generate_tokens(&spec)
    }))
    .map_err(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".to_string());
        format!("progenitor panicked on the normalized spec: {what}")
    })?
    .map_err(|e| format!("progenitor could not generate the client: {e}"))?;

    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor emitted invalid Rust: {e}"))?;
    make_enums_lenient(&mut file);
    drop_api_version_header(&mut file);
    decode_success_without_header_copy(&mut file);
    skip_absent_query_parameters(&mut file);
    skip_defaults::skip_default_values(&mut file, &tolerated);
    add_lenient_success_list(&mut file, &lenient_success)?;
    add_operation_list(&mut file, &operations);
    if marking == Marking::UsageScan {
        mark_every_item_deprecated(&mut file);
    }
    Ok(prettyplease::unparse(&file))
}

fn quote_path(path: &str) -> CodegenResult<proc_macro2::TokenStream> {
    path.parse()
        .map_err(|e| format!("invalid Rust path {path}: {e}"))
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// In-memory passes that make any public spec version safe to generate from.
///
/// * Only 2xx responses survive. progenitor loses the status of a declared error
///   whose body does not match its schema, and panics on differing error schemas or
///   a `default` next to 2xx; the facade decodes every error itself from status,
///   headers and raw body, so nothing is lost.
/// * Of several 2xx responses, those that differ from the first one are dropped
///   (progenitor panics on mixed body/no-body success responses); such a status then
///   reaches the facade as an unexpected response, which it reports, not panics on.
/// * `application/json` without a schema (another panic) is treated as no body, and
///   media types other than JSON are dropped.
/// * A property's description beside a `$ref` is kept for the docs
///   (`document_referenced_properties`).
pub fn normalize(document: &mut Value) {
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas
            .values_mut()
            .for_each(document_referenced_properties);
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            if let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) {
                normalize_operation(operation);
            }
        }
    }
}

/// A property that is a `$ref` with a `description` beside it keeps its description
/// in the generated docs: OpenAPI 3.0 ignores the siblings of a `$ref` (so progenitor
/// drops the text), but not those of an `allOf` with that one member, which progenitor
/// generates as the referenced type itself. Only the exact pair `{$ref, description}`
/// is rewritten, so no other sibling changes meaning. Nested object schemas too.
fn document_referenced_properties(schema: &mut Value) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for property in properties.values_mut() {
        let Some(map) = property.as_object_mut() else {
            continue;
        };
        let only_ref_and_text = map.len() == 2
            && map.contains_key("$ref")
            && map.get("description").is_some_and(Value::is_string);
        if only_ref_and_text {
            if let Some(reference) = map.remove("$ref") {
                let mut member = Map::new();
                member.insert("$ref".into(), reference);
                map.insert("allOf".into(), Value::Array(vec![Value::Object(member)]));
            }
        } else {
            document_referenced_properties(property);
        }
    }
}

fn normalize_operation(operation: &mut Map<String, Value>) {
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    responses.retain(|status, _| status.starts_with('2'));
    let mut first: Option<Value> = None;
    responses.retain(|_, response| {
        keep_only_json_with_schema(response);
        match &first {
            None => {
                first = Some(response.clone());
                true
            }
            Some(kept) => kept == response,
        }
    });
    if let Some(body) = operation
        .get_mut("requestBody")
        .and_then(Value::as_object_mut)
    {
        if let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) {
            content.retain(|media_type, _| media_type == "application/json");
        }
    }
}

fn keep_only_json_with_schema(response: &mut Value) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    content.retain(|media_type, media| {
        media_type == "application/json" && media.get("schema").is_some()
    });
    if content.is_empty() {
        response.remove("content");
    }
}

/// Give every generated string enum an `Unknown(String)` variant.
///
/// Kalshi adds enum values almost monthly; a strict enum turns one new value into a
/// decode error for a whole page of fills. The new variant is `#[serde(untagged)]`,
/// so it catches any string the known variants do not match and serializes back to
/// the same string (values round-trip). `FromStr` stays strict, so text a caller
/// parses into a request enum is still checked.
pub fn make_enums_lenient(file: &mut syn::File) {
    let mut lenient = std::collections::BTreeSet::new();
    visit_items(&mut file.items, &mut |item| {
        if let syn::Item::Enum(item_enum) = item {
            if is_plain_string_enum(item_enum) {
                add_unknown_variant(item_enum);
                lenient.insert(item_enum.ident.to_string());
            }
        }
    });
    visit_items(&mut file.items, &mut |item| {
        if let syn::Item::Impl(item_impl) = item {
            patch_display_impl(item_impl, &lenient);
        }
    });
}

/// Marks every generated struct, field, enum, variant, type alias, function and
/// inherent method or constant as deprecated, with [`USAGE_MARK`] as the note.
///
/// rustc then reports each use of a generated item with its full path and the
/// kind of item (`field`, `method`, `unit variant`, ...), resolved by the type
/// checker: far more exact than searching the handwritten source for names,
/// which cannot tell `order.status` from `fill.status`. The generated module
/// allows `deprecated` (src/generated.rs), so only handwritten uses are reported.
pub fn mark_every_item_deprecated(file: &mut syn::File) {
    let mark: syn::Attribute = syn::parse_quote!(#[deprecated(note = #USAGE_MARK)]);
    let marked = |attrs: &mut Vec<syn::Attribute>| attrs.push(mark.clone());
    visit_items(&mut file.items, &mut |item| match item {
        syn::Item::Struct(item) => {
            marked(&mut item.attrs);
            for field in item.fields.iter_mut() {
                marked(&mut field.attrs);
            }
        }
        syn::Item::Enum(item) => {
            marked(&mut item.attrs);
            for variant in item.variants.iter_mut() {
                marked(&mut variant.attrs);
            }
        }
        syn::Item::Type(item) => marked(&mut item.attrs),
        syn::Item::Fn(item) => marked(&mut item.attrs),
        // Trait impls cannot be deprecated item by item; their traits are not ours.
        syn::Item::Impl(item) if item.trait_.is_none() => {
            for impl_item in &mut item.items {
                match impl_item {
                    syn::ImplItem::Fn(function) => marked(&mut function.attrs),
                    syn::ImplItem::Const(constant) => marked(&mut constant.attrs),
                    _ => {}
                }
            }
        }
        _ => {}
    });
}

fn visit_items(items: &mut [syn::Item], f: &mut dyn FnMut(&mut syn::Item)) {
    for item in items {
        if let syn::Item::Mod(module) = item {
            if let Some((_, inner)) = module.content.as_mut() {
                visit_items(inner, f);
            }
        }
        f(item);
    }
}

/// Enums whose variants are all unit variants renamed to a wire string: that is how
/// typify spells a JSON string enum.
fn is_plain_string_enum(item: &syn::ItemEnum) -> bool {
    !item.variants.is_empty()
        && item.variants.iter().all(|variant| {
            matches!(variant.fields, syn::Fields::Unit)
                && variant
                    .attrs
                    .iter()
                    .any(|attr| attr.path().is_ident("serde"))
        })
}

fn add_unknown_variant(item: &mut syn::ItemEnum) {
    // A `String` payload cannot be `Copy`.
    for attr in &mut item.attrs {
        if attr.path().is_ident("derive") {
            if let syn::Meta::List(list) = &mut attr.meta {
                let kept: Vec<String> = list
                    .tokens
                    .to_string()
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty() && s != "Copy")
                    .collect();
                if let Ok(tokens) = kept.join(", ").parse() {
                    list.tokens = tokens;
                }
            }
        }
    }
    let variant: syn::Variant = syn::parse_quote! {
        /// A value this version of the crate does not know yet. It decodes from and
        /// encodes to the exact string Kalshi sent; never build one for a request.
        #[serde(untagged)]
        Unknown(::std::string::String)
    };
    item.variants.push(variant);
}

/// typify's `Display` for an enum is `match *self { Self::A => f.write_str("a"), .. }`;
/// the new variant needs an arm, and the match must borrow instead of copy.
fn patch_display_impl(item: &mut syn::ItemImpl, lenient: &std::collections::BTreeSet<String>) {
    let Some((_, trait_path, _)) = &item.trait_ else {
        return;
    };
    let is_display = trait_path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "Display");
    let self_name = match &*item.self_ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    if !is_display || !self_name.is_some_and(|name| lenient.contains(&name)) {
        return;
    }
    for impl_item in &mut item.items {
        let syn::ImplItem::Fn(function) = impl_item else {
            continue;
        };
        for statement in &mut function.block.stmts {
            let syn::Stmt::Expr(syn::Expr::Match(expr_match), _) = statement else {
                continue;
            };
            *expr_match.expr = syn::parse_quote!(self);
            expr_match
                .arms
                .push(syn::parse_quote!(Self::Unknown(value) => f.write_str(value),));
        }
    }
}

/// Remove the `api-version` header progenitor adds to every request.
///
/// Kalshi does not document it, and the wire should carry only what Kalshi documents
/// plus a `User-Agent`. Removing the statement that appends it, rather than the header
/// after the fact, costs nothing per request. The header map it was appended to is then
/// created with room for the headers that remain, and when none remain (today) the map
/// and the call handing it to the request builder go too. (The transport's `pre` hook
/// still removes the header, should a future generator add it another way.)
pub fn drop_api_version_header(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct DropHeader;

    impl VisitMut for DropHeader {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            let before = block.stmts.len();
            block
                .stmts
                .retain(|statement| !appends_api_version(statement));
            let removed = before - block.stmts.len();
            if removed > 0 {
                block
                    .stmts
                    .iter_mut()
                    .for_each(|statement| shrink_header_map_capacity(statement, removed));
                drop_unused_header_map(block);
            }
            syn::visit_mut::visit_block_mut(self, block);
        }
    }

    DropHeader.visit_file_mut(file);
}

/// With no header left to add, drop `let mut header_map = …with_capacity(0usize);` and
/// the `.headers(header_map)` that hands the empty map to the request builder: one move
/// of the builder and one header merge less per request.
///
/// Only when those are the map's sole two mentions in the block, so a generator that
/// adds headers another way keeps its map.
fn drop_unused_header_map(block: &mut syn::Block) {
    use syn::visit_mut::VisitMut;

    struct CountMentions(usize);

    impl VisitMut for CountMentions {
        fn visit_ident_mut(&mut self, ident: &mut proc_macro2::Ident) {
            if ident == "header_map" {
                self.0 += 1;
            }
        }
    }

    fn declares_empty_map(statement: &syn::Stmt) -> bool {
        let syn::Stmt::Local(local) = statement else {
            return false;
        };
        let declares =
            matches!(&local.pat, syn::Pat::Ident(pattern) if pattern.ident == "header_map");
        let Some(init) = &local.init else {
            return false;
        };
        let syn::Expr::Call(call) = init.expr.as_ref() else {
            return false;
        };
        let creates_empty_map = matches!(
            call.func.as_ref(),
            syn::Expr::Path(function)
                if path_ends_with(&function.path, &["HeaderMap", "with_capacity"])
        ) && matches!(
            call.args.first(),
            Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(capacity), .. }))
                if capacity.base10_digits() == "0"
        );
        declares && creates_empty_map
    }

    struct StripHeaders;

    impl VisitMut for StripHeaders {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            if let syn::Expr::MethodCall(call) = expr {
                let hands_over_the_map = call.method == "headers"
                    && call.args.len() == 1
                    && matches!(&call.args[0], syn::Expr::Path(path) if path.path.is_ident("header_map"));
                if hands_over_the_map {
                    *expr = call.receiver.as_ref().clone();
                }
            }
        }
    }

    if !block.stmts.iter().any(declares_empty_map) {
        return;
    }
    let mut count = CountMentions(0);
    count.visit_block_mut(&mut block.clone());
    if count.0 != 2 {
        return;
    }
    block
        .stmts
        .retain(|statement| !declares_empty_map(statement));
    StripHeaders.visit_block_mut(block);
}

/// Whether `path`'s last segments are `tail`, e.g. `::reqwest::header::HeaderMap::new`
/// ends with `["HeaderMap", "new"]`.
fn path_ends_with(path: &syn::Path, tail: &[&str]) -> bool {
    path.segments.len() >= tail.len()
        && path
            .segments
            .iter()
            .rev()
            .zip(tail.iter().rev())
            .all(|(segment, name)| segment.ident == name)
}

/// `let mut header_map = HeaderMap::with_capacity(Nusize);` → `N - removed`.
fn shrink_header_map_capacity(statement: &mut syn::Stmt, removed: usize) {
    let syn::Stmt::Local(local) = statement else {
        return;
    };
    let Some(init) = &mut local.init else {
        return;
    };
    let syn::Expr::Call(call) = init.expr.as_mut() else {
        return;
    };
    let syn::Expr::Path(function) = call.func.as_ref() else {
        return;
    };
    if !path_ends_with(&function.path, &["HeaderMap", "with_capacity"]) {
        return;
    }
    let Some(syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(capacity),
        ..
    })) = call.args.first_mut()
    else {
        return;
    };
    let Ok(value) = capacity.base10_parse::<usize>() else {
        return;
    };
    let remaining = value.saturating_sub(removed);
    *capacity = syn::LitInt::new(&format!("{remaining}usize"), capacity.span());
}

/// Add an optional query parameter only when it is set.
///
/// progenitor emits `.query(&QueryParam::new("name", &value))` for every query
/// parameter, and reqwest's `query` opens and closes the URL's query string even when an
/// absent (`None`) value writes nothing: a few hundred instructions per absent parameter
/// on every request. For the parameters a builder holds as `Result<Option<_>, String>`
/// (the optional ones), the call becomes
/// `crate::transport::query_if_present(builder, "name", &value)`; required ones are
/// left as generated.
pub fn skip_absent_query_parameters(file: &mut syn::File) {
    use std::collections::{HashMap, HashSet};
    use syn::visit_mut::VisitMut;

    /// `Result<Option<_>, _>`
    fn is_optional(ty: &syn::Type) -> bool {
        let generic_arg = |ty: &syn::Type, outer: &str| -> Option<syn::Type> {
            let syn::Type::Path(path) = ty else {
                return None;
            };
            let last = path.path.segments.last()?;
            if last.ident != outer {
                return None;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            match args.args.first()? {
                syn::GenericArgument::Type(inner) => Some(inner.clone()),
                _ => None,
            }
        };
        generic_arg(ty, "Result").is_some_and(|inner| generic_arg(&inner, "Option").is_some())
    }

    /// `&progenitor_client::QueryParam::new("name", &value)` → ("name", value)
    fn query_param(arg: &syn::Expr) -> Option<(syn::LitStr, syn::Ident)> {
        let syn::Expr::Reference(reference) = arg else {
            return None;
        };
        let syn::Expr::Call(call) = reference.expr.as_ref() else {
            return None;
        };
        let syn::Expr::Path(function) = call.func.as_ref() else {
            return None;
        };
        if !path_ends_with(&function.path, &["QueryParam", "new"]) || call.args.len() != 2 {
            return None;
        }
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        }) = &call.args[0]
        else {
            return None;
        };
        let syn::Expr::Reference(value) = &call.args[1] else {
            return None;
        };
        let syn::Expr::Path(value) = value.expr.as_ref() else {
            return None;
        };
        Some((name.clone(), value.path.get_ident()?.clone()))
    }

    struct Rewrite<'a> {
        optional: &'a HashSet<String>,
    }

    impl VisitMut for Rewrite<'_> {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            let syn::Expr::MethodCall(call) = expr else {
                return;
            };
            if call.method != "query" || call.args.len() != 1 {
                return;
            }
            let Some((name, value)) = query_param(&call.args[0]) else {
                return;
            };
            if !self.optional.contains(&value.to_string()) {
                return;
            }
            let builder = call.receiver.as_ref().clone();
            *expr = syn::parse_quote!(
                crate::transport::query_if_present(#builder, #name, &#value)
            );
        }
    }

    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        let mut optional_fields: HashMap<String, HashSet<String>> = HashMap::new();
        for item in items.iter() {
            if let syn::Item::Struct(builder) = item {
                let fields = builder
                    .fields
                    .iter()
                    .filter(|field| is_optional(&field.ty))
                    .filter_map(|field| field.ident.as_ref().map(ToString::to_string))
                    .collect();
                optional_fields.insert(builder.ident.to_string(), fields);
            }
        }
        for item in items.iter_mut() {
            let syn::Item::Impl(implementation) = item else {
                continue;
            };
            let syn::Type::Path(self_type) = implementation.self_ty.as_ref() else {
                continue;
            };
            let Some(name) = self_type.path.segments.last().map(|s| s.ident.to_string()) else {
                continue;
            };
            let Some(optional) = optional_fields.get(&name) else {
                continue;
            };
            for member in &mut implementation.items {
                if let syn::ImplItem::Fn(function) = member {
                    if function.sig.ident == "send" {
                        Rewrite { optional }.visit_impl_item_fn_mut(function);
                    }
                }
            }
        }
    }
}

/// Decode success bodies with `crate::transport::decode_success` instead of
/// progenitor's `ResponseValue::from_response`.
///
/// Both read the body and decode it the same way; ours moves the response headers
/// into the `ResponseValue` where progenitor's clones them, which is a copy and
/// several allocations on every successful request.
pub fn decode_success_without_header_copy(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct Replace;

    impl VisitMut for Replace {
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            if let syn::Expr::Path(function) = call.func.as_mut() {
                let segments = &function.path.segments;
                let is_from_response = segments.len() == 2
                    && segments[0].ident == "ResponseValue"
                    && segments[1].ident == "from_response";
                if is_from_response {
                    function.path = syn::parse_quote!(crate::transport::decode_success);
                }
            }
            syn::visit_mut::visit_expr_call_mut(self, call);
        }
    }

    Replace.visit_file_mut(file);
}

/// `header_map.append(HeaderName::from_static("api-version"), …);`
fn appends_api_version(statement: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = statement else {
        return false;
    };
    if call.method != "append" {
        return false;
    }
    let Some(syn::Expr::Call(name)) = call.args.first() else {
        return false;
    };
    matches!(
        name.args.first(),
        Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }))
            if text.value() == "api-version"
    )
}

/// The operations (as the generated code names them in `OperationInfo`) whose success
/// body is an object with no required field, or none at all.
///
/// Such a body also decodes from an error object (`{"error": {…}}` fills no field),
/// so for these operations alone the transport reads a 2xx body to catch an error
/// inside it; for every other operation an error object fails to decode and the
/// decode-error path reports it, at no cost to ordinary answers.
pub fn operations_whose_success_accepts_any_object(document: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return names;
    };
    for item in paths.values() {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let schemas: Vec<Option<&Value>> = operation
                .get("responses")
                .and_then(Value::as_object)
                .map(|responses| {
                    responses
                        .values()
                        .map(|r| r.pointer("/content/application~1json/schema"))
                        .collect()
                })
                .unwrap_or_default();
            let lenient = schemas.iter().any(|schema| match schema {
                Some(schema) => !has_required_fields(document, schema),
                None => false,
            });
            if lenient {
                names.push(snake_case(id));
            }
        }
    }
    names.sort();
    names
}

fn has_required_fields(document: &Value, schema: &Value) -> bool {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            match document.pointer(pointer) {
                Some(target) => target,
                None => return false,
            }
        }
        None => schema,
    };
    schema
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|required| !required.is_empty())
        || schema
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t != "object")
}

/// progenitor's method names: `GetOrderGroups` → `get_order_groups`,
/// `CreateOrderV2` → `create_order_v2`.
fn snake_case(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 4);
    let mut previous: Option<char> = None;
    for c in id.chars() {
        if c.is_uppercase() {
            if previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit()) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        previous = Some(c);
    }
    out
}

/// Every operation of the document: upper-case method, path template, `operationId`
/// (empty where the spec gives none), in the document's order.
fn spec_operations(document: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                out.push((method.to_ascii_uppercase(), path.clone(), id.to_owned()));
            }
        }
    }
    out
}

/// `SPEC_OPERATIONS`: what the sandbox answers `501 not implemented` for when none of
/// its routes takes a request, so that an operation Kalshi adds is an operation the
/// sandbox knows it lacks (not a `404`) without anyone listing it by hand.
fn add_operation_list(file: &mut syn::File, operations: &[(String, String, String)]) {
    let rows: Vec<syn::Expr> = operations
        .iter()
        .map(|(method, path, id)| syn::parse_quote!((#method, #path, #id)))
        .collect();
    let item: syn::Item = syn::parse_quote! {
        /// Every operation of the spec: method, path template below the base URL
        /// (`/portfolio/orders/{order_id}`), `operationId`.
        #[allow(dead_code)]
        pub const SPEC_OPERATIONS: &[(&str, &str, &str)] = &[#(#rows),*];
    };
    file.items.push(item);
}

/// Emit `LENIENT_SUCCESS_OPERATIONS`, after checking that every name is one the
/// generated code really uses (a naming mismatch would silently disable the check).
fn add_lenient_success_list(file: &mut syn::File, names: &[String]) -> CodegenResult<()> {
    let source = prettyplease::unparse(file);
    for name in names {
        if !source.contains(&format!("operation_id: \"{name}\"")) {
            return Err(format!(
                "codegen named operation {name:?}, which the generated code does not use"
            ));
        }
    }
    let item: syn::Item = syn::parse_quote! {
        /// Operations whose success body decodes from any object, error objects
        /// included; the transport checks their 2xx bodies for an error object.
        pub const LENIENT_SUCCESS_OPERATIONS: &[&str] = &[#(#names),*];
    };
    file.items.push(item);
    Ok(())
}
