//! The serialisable form of a document's matches: the output contract of design.md. Fields
//! may be added here; the existing ones never change.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::{DocumentView, OffsetMap, RenderOptions, label_name, rule_name, rule_origin, slice};
use sayso_engine::{Match, Program};

/// One document's line of JSON Lines output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocumentRecord {
    /// The document id.
    pub id: String,
    /// Its matches in order.
    pub matches: Vec<MatchRecord>,
    /// Why the document could not be processed (absent when it was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatchRecord {
    /// The label (`Attribution`).
    pub label: String,
    /// The rule that made it.
    pub rule: String,
    /// Start offset.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// The text it covers.
    pub text: String,
    /// Its fields by name, in the order the rule emits them.
    #[serde(serialize_with = "ordered_map")]
    pub captures: Vec<(String, CaptureValue)>,
    /// Its constant attributes, in the order the rule emits them.
    #[serde(serialize_with = "ordered_map")]
    pub attrs: Vec<(String, String)>,
    /// `file:line` of the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A field's value: one span, or a list when a match carries the same name more than once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CaptureValue {
    /// The usual case.
    One(CaptureRecord),
    /// Repeated field names.
    Many(Vec<CaptureRecord>),
}

/// One captured span.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaptureRecord {
    /// Start offset.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// The text it covers.
    pub text: String,
}

fn ordered_map<S: Serializer, V: Serialize>(
    entries: &[(String, V)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(entries.len()))?;
    for (key, value) in entries {
        map.serialize_entry(key, value)?;
    }
    map.end()
}

impl DocumentRecord {
    /// Builds the record of a document.
    pub fn new(program: &Program, doc: &DocumentView<'_>, options: RenderOptions) -> Self {
        let offsets = OffsetMap::new(doc.text, options.offsets);
        DocumentRecord {
            id: doc.id.to_owned(),
            matches: doc
                .matches
                .iter()
                .map(|m| MatchRecord::new(program, doc.text, m, &offsets))
                .collect(),
            error: doc.error.map(str::to_owned),
        }
    }
}

impl MatchRecord {
    /// Builds the record of a match.
    pub fn new(program: &Program, text: &str, m: &Match, offsets: &OffsetMap) -> Self {
        let mut captures: Vec<(String, CaptureValue)> = Vec::new();
        for field in &m.fields {
            let record = CaptureRecord {
                start: offsets.map(field.span.start),
                end: offsets.map(field.span.end),
                text: slice(text, field.span.start, field.span.end).to_owned(),
            };
            match captures.iter_mut().find(|(name, _)| **name == *field.name) {
                None => captures.push((field.name.to_string(), CaptureValue::One(record))),
                Some((_, value)) => {
                    let previous = std::mem::replace(value, CaptureValue::Many(Vec::new()));
                    let mut list = match previous {
                        CaptureValue::One(one) => vec![one],
                        CaptureValue::Many(many) => many,
                    };
                    list.push(record);
                    *value = CaptureValue::Many(list);
                }
            }
        }
        MatchRecord {
            label: label_name(program, m).to_owned(),
            rule: rule_name(program, m).to_owned(),
            start: offsets.map(m.span.start),
            end: offsets.map(m.span.end),
            text: slice(text, m.span.start, m.span.end).to_owned(),
            captures,
            attrs: m.attrs.clone(),
            origin: rule_origin(program, m),
        }
    }
}
