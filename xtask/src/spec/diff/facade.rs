//! Whether a change the rules call breaking reaches handwritten code.
//!
//! A rule says what a kind of change *can* break ([`Rule::breaking`]). It
//! breaks this project only if the facade, the sandbox, the command line or
//! a test uses what it changes: a renamed schema nobody names, or a field
//! whose type changes but that nothing reads or sets, regenerates and builds
//! untouched. [`judge`] matches each such change against the checked-in list
//! of used generated items ([`FacadeUsage`], made by the compiler) and
//! records the uses it found; a change with none is not breaking.
//!
//! Which uses count depends on how the generated Rust changes (the generator
//! facts are in DESIGN.md section 4): a builder setter takes any
//! `TryInto<T>`, so a field that becomes an `Option`, a validated newtype or
//! an enum still accepts what handwritten code passes, while code that
//! *reads* the field gets a different type.

use super::{Change, Section};
use crate::codegen::REPLACED_SCHEMAS;
use crate::spec::facade_usage::{loose, FacadeUsage, Item};
use crate::spec::rules::Rule;
use crate::spec::surface::method_name;

/// What judging a change against the usage list found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Facade {
    /// Not judged (no usage list): the rule's verdict stands alone.
    #[default]
    NotJudged,
    /// The rule can break, and handwritten code uses what the change
    /// touches: each use as `field Order.status (src/records.rs, …)`.
    Uses(Vec<String>),
    /// The rule can break, but no handwritten code uses what it touches.
    Unused,
}

/// What a change touches, as the generated Rust names it. Names are derived
/// from spec names and matched loosely ([`Item::same_as`]).
#[derive(Debug)]
enum Touch {
    Item(Item),
    /// Anything that names the type: the type, its builder, its variants.
    Named(String),
    /// Anything of the type: also its fields and setters.
    Anything(String),
}

impl Touch {
    /// The generated type a whole-type touch is about.
    fn owner(&self) -> Option<&str> {
        match self {
            Touch::Named(owner) | Touch::Anything(owner) => Some(owner),
            Touch::Item(_) => None,
        }
    }

    fn matches(&self, used: &Item) -> bool {
        match self {
            Touch::Item(item) => item.same_as(used),
            Touch::Named(owner) => {
                matches!(used, Item::Type(_) | Item::Builder(_) | Item::Variant(..))
                    && loose(used.owner()) == loose(owner)
            }
            Touch::Anything(owner) => {
                !matches!(
                    used,
                    Item::Operation(_) | Item::Call(_) | Item::Argument(..) | Item::Wire(_)
                ) && loose(used.owner()) == loose(owner)
            }
        }
    }
}

/// Judges every change whose rule can break against `usage`.
pub fn judge(changes: &mut [Change], usage: &FacadeUsage) {
    for change in changes.iter_mut().filter(|c| c.rule.breaking()) {
        let touches = touches(change);
        let mut uses: Vec<String> = usage
            .find(|used| touches.iter().any(|t| t.matches(used)))
            .map(|(item, files)| {
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                format!("{item} ({})", files.join(", "))
            })
            .collect();
        for (schema, replacement) in REPLACED_SCHEMAS {
            if touches.iter().any(|t| t.owner() == Some(schema)) {
                uses.push(format!(
                    "type {schema} (generated as {replacement}, see codegen/mod.rs)"
                ));
            }
        }
        change.facade = if uses.is_empty() {
            Facade::Unused
        } else {
            Facade::Uses(uses)
        };
    }
}

/// The generated items a change alters in a way that breaks code using
/// them.
fn touches(change: &Change) -> Vec<Touch> {
    match change.section {
        Section::Operations => operation_touches(change),
        Section::Schemas => schema_touches(change),
    }
}

fn operation_touches(change: &Change) -> Vec<Touch> {
    let Some(id) = change.operation_id.as_deref() else {
        return Vec::new();
    };
    let method = method_name(id);
    let call = pascal(&method);
    let argument = |name: &str| Touch::Item(Item::Argument(call.clone(), name.to_owned()));
    // `query ticker`, `path order_id`: a parameter's setter on the request builder.
    let parameter = change
        .at
        .split_once(' ')
        .filter(|(location, _)| matches!(*location, "query" | "path" | "header" | "cookie"))
        .map(|(_, name)| name.to_owned());
    match (change.rule, parameter) {
        // A parameter's or body's setter takes any `TryInto<T>` whether it is
        // required or not, and a field of an inline body that becomes an
        // `Option` is still set the same way: nothing handwritten changes.
        (Rule::RequestBecameOptional | Rule::RequestBecameNullable, _) => Vec::new(),
        // Code that never sets the parameter is not affected by its going,
        // or by its type; a parameter that became required is, wherever the
        // operation is called (the builder refuses to send without it).
        (Rule::RequestBecameRequired | Rule::RequiredParameterAdded, _) => {
            vec![
                Touch::Item(Item::Operation(method.clone())),
                Touch::Item(Item::Call(call.clone())),
            ]
        }
        (_, Some(name)) => vec![argument(&name)],
        (Rule::RequestBodyRemoved, None) => vec![argument("body"), argument("body_map")],
        _ => vec![
            Touch::Item(Item::Operation(method.clone())),
            Touch::Item(Item::Call(call)),
        ],
    }
}

fn schema_touches(change: &Change) -> Vec<Touch> {
    let owner = pascal(&change.subject);
    let Some(field) = change
        .at
        .split(['.', '[', '{'])
        .next()
        .filter(|f| !f.is_empty())
    else {
        // The schema itself.
        return match change.rule {
            Rule::TypeRenamed | Rule::EnumDropped => vec![Touch::Named(owner)],
            Rule::RequestEnumValueRemoved => change
                .old
                .iter()
                .map(|value| Touch::Item(Item::Variant(owner.clone(), pascal(value))))
                .collect(),
            _ => vec![Touch::Anything(owner)],
        };
    };
    let read = Touch::Item(Item::Field(owner.clone(), field.to_owned()));
    let set = Touch::Item(Item::Set(owner.clone(), field.to_owned()));
    // An inline enum or object in the field is generated as its own type,
    // named after the parent and the field.
    let inline = || Touch::Named(format!("{owner}{}", pascal(field)));
    match change.rule {
        // The field becomes an Option, an enum or a validated newtype: a
        // setter still accepts what it did (TryInto), a read does not.
        Rule::ResponseBecameOptional
        | Rule::RequiredResponseBecameNullable
        | Rule::RequestBecameOptional
        | Rule::RequestBecameNullable
        | Rule::ResponseEnumIntroduced => vec![read],
        // A validated newtype also refuses, when decoding, test data that
        // breaks the new constraint.
        Rule::StringConstraintChanged if !change.usage.request => vec![read, wire(field)],
        // The type must now be given a field handwritten code may not set:
        // any code that builds it is affected.
        Rule::RequestBecameRequired | Rule::RequiredRequestFieldAdded => vec![
            Touch::Item(Item::Builder(owner.clone())),
            Touch::Item(Item::Type(owner)),
        ],
        // The field's type is another generated type of the same JSON: code
        // reading or setting the field breaks. Code naming the old type
        // elsewhere breaks only if that type is gone, which the diff reports
        // (and judges) as the schema's own removal.
        Rule::TypeRenamed => vec![read, set],
        Rule::EnumDropped => vec![read, inline()],
        Rule::RequestEnumValueRemoved => {
            let mut touches = vec![read, set, inline()];
            touches.extend(change.old.iter().map(|value| {
                Touch::Item(Item::Variant(
                    format!("{owner}{}", pascal(field)),
                    pascal(value),
                ))
            }));
            touches
        }
        // Another integer type: reads and setters break (`NonZeroU64` is no
        // `TryFrom<i64>`); values in test data still decode.
        Rule::IntegerConstraintChanged => vec![read, set],
        // Of another type: reads, setters and test data of the old type
        // all break.
        Rule::TypeChanged => vec![read, set, wire(field)],
        // Gone: reads and setters break.
        _ => vec![read, set],
    }
}

fn wire(field: &str) -> Touch {
    Touch::Item(Item::Wire(field.to_owned()))
}

/// `create_order_v2` → `CreateOrderV2`, `resting` → `Resting`: close enough
/// to the generator's spelling for loose matching.
fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}
