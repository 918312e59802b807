//! An optional field with a `default` in the spec is written only when it holds
//! something else.
//!
//! typify generates such a field as a plain `T` with `#[serde(default = "…")]`, so
//! it decodes as the default when absent, but it is serialized on every value:
//! every request body carries it although the caller never set it, and so does
//! every answer the sandbox builds. Kalshi adding one (it has, on
//! `CreateOrderGroupRequest.exchange_index`) would then change the bytes of every
//! create or answer of that type, which is not a change anyone made. Leaving the
//! field out means the same thing to the receiver, since absent decodes as the
//! default on both sides, and keeps the wire what the caller wrote.
//!
//! For each such field this pass adds `#[serde(skip_serializing_if = "…")]`
//! naming a predicate generated beside the struct, which compares the value's
//! JSON with the default's (the field's type need not implement `PartialEq`).
//!
//! Not for a field the vendored file tolerates (openapi/tolerances.yaml): upstream
//! requires it, and only our import gave it a default, so it is still written
//! always, as Kalshi writes it.

use std::collections::BTreeSet;

use serde_json::Value;

/// The fields (`(schema, property)`) whose description carries
/// [`TOLERATED_MARK`](super::TOLERATED_MARK).
pub fn tolerated_fields(document: &Value) -> BTreeSet<(String, String)> {
    let mut fields = BTreeSet::new();
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return fields;
    };
    for (schema, body) in schemas {
        let Some(properties) = body.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for (name, property) in properties {
            let tolerated = property
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|text| text.contains(super::TOLERATED_MARK));
            if tolerated {
                fields.insert((schema.clone(), name.clone()));
            }
        }
    }
    fields
}

/// Adds the `skip_serializing_if` attribute and its predicate to every struct
/// field that has a `serde(default = "…")` and no `skip_serializing_if` yet, but
/// the `tolerated` ones (`(struct, wire name)`).
pub fn skip_default_values(file: &mut syn::File, tolerated: &BTreeSet<(String, String)>) {
    let mut counter = 0;
    skip_in_module(&mut file.items, tolerated, &mut counter);
}

fn skip_in_module(
    items: &mut Vec<syn::Item>,
    tolerated: &BTreeSet<(String, String)>,
    counter: &mut usize,
) {
    let mut predicates = Vec::new();
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(module) => {
                if let Some((_, inner)) = module.content.as_mut() {
                    skip_in_module(inner, tolerated, counter);
                }
            }
            syn::Item::Struct(item) => {
                let owner = item.ident.to_string();
                for field in item.fields.iter_mut() {
                    let serde = SerdeAttrs::of(field);
                    let Some(default) = serde.default else {
                        continue;
                    };
                    if serde.skips || tolerated.contains(&(owner.clone(), serde.wire_name)) {
                        continue;
                    }
                    *counter += 1;
                    let name_text = format!("is_spec_default_{counter}");
                    let name = syn::Ident::new(&name_text, proc_macro2::Span::call_site());
                    let predicate: syn::Item = match default {
                        // `#[serde(default = "path")]`: a function typify wrote.
                        DefaultSource::Function(path) => syn::parse_quote! {
                            fn #name<T: ::serde::Serialize>(value: &T) -> bool {
                                ::serde_json::to_value(value).ok()
                                    == ::serde_json::to_value(#path()).ok()
                            }
                        },
                        // `#[serde(default)]`: the spec's default is the type's own
                        // (0, false, ""), so typify named no function.
                        DefaultSource::OfType => syn::parse_quote! {
                            fn #name<T: ::serde::Serialize + ::std::default::Default>(
                                value: &T,
                            ) -> bool {
                                ::serde_json::to_value(value).ok()
                                    == ::serde_json::to_value(T::default()).ok()
                            }
                        },
                    };
                    field.attrs.push(syn::parse_quote!(
                        #[serde(skip_serializing_if = #name_text)]
                    ));
                    predicates.push(predicate);
                }
            }
            _ => {}
        }
    }
    items.extend(predicates);
}

/// Where a field's default comes from, as its serde attribute says.
enum DefaultSource {
    Function(syn::ExprPath),
    OfType,
}

/// What a field's `#[serde(…)]` attributes say, as far as this pass needs.
struct SerdeAttrs {
    /// `default` or `default = "path"`.
    default: Option<DefaultSource>,
    /// `skip_serializing_if` or `skip` is already there.
    skips: bool,
    /// The JSON name: `rename = "…"`, else the identifier.
    wire_name: String,
}

impl SerdeAttrs {
    fn of(field: &syn::Field) -> SerdeAttrs {
        let mut read = SerdeAttrs {
            default: None,
            skips: false,
            wire_name: field
                .ident
                .as_ref()
                .map(|ident| ident.to_string().trim_start_matches("r#").to_owned())
                .unwrap_or_default(),
        };
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let _ = attr.parse_nested_meta(|meta| {
                let has_value = meta.input.peek(syn::Token![=]);
                if meta.path.is_ident("default") {
                    read.default = Some(if has_value {
                        let path = meta.value()?.parse::<syn::LitStr>()?;
                        DefaultSource::Function(path.parse()?)
                    } else {
                        DefaultSource::OfType
                    });
                } else if meta.path.is_ident("rename") {
                    read.wire_name = meta.value()?.parse::<syn::LitStr>()?.value();
                } else {
                    if meta.path.is_ident("skip_serializing_if") || meta.path.is_ident("skip") {
                        read.skips = true;
                    }
                    if has_value {
                        // Any other `key = value` (with, …): consume its value.
                        meta.value()?.parse::<syn::Expr>()?;
                    }
                }
                Ok(())
            });
        }
        read
    }
}
