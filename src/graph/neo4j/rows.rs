//! Records ↔ Bolt values: how a resource, resource group or subscription is
//! laid out as node properties, and how node properties read back.
//!
//! The layout is Azure Tenant Grapher's: scalar fields as strings, JSON
//! objects (`properties`, `tags`, `sku`, `identity`, `plan`) as JSON text,
//! zones as a list of strings. Which nodes and edges a query touches is left
//! to the queries in the parent module and `atgpy`.

use crate::graph::GraphError;
use crate::model::{Resource, is_truncated_text};
use neo4j::driver::Record;
use neo4j::{ValueReceive, ValueSend};
use serde_json::Value;
use std::collections::HashMap;

/// The node properties of a resource, in the order queries return them.
pub const RESOURCE_FIELDS: [&str; 15] = [
    "id",
    "name",
    "type",
    "location",
    "resource_group",
    "subscription_id",
    "tenant_id",
    "kind",
    "managed_by",
    "sku",
    "identity",
    "zones",
    "tags",
    "plan",
    "properties",
];

/// `r.id AS id, r.name AS name, …` for a node bound to `var`.
pub fn resource_projection(var: &str) -> String {
    RESOURCE_FIELDS
        .iter()
        .map(|f| format!("{var}.{f} AS {f}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A string parameter, or null.
pub fn opt(s: &Option<String>) -> ValueSend {
    s.as_ref()
        .map_or(ValueSend::Null, |s| ValueSend::String(s.clone()))
}

/// A string parameter.
pub fn text(s: &str) -> ValueSend {
    ValueSend::String(s.to_string())
}

/// A map parameter from pairs.
pub fn map<const N: usize>(pairs: [(&str, ValueSend); N]) -> ValueSend {
    ValueSend::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A JSON field as Azure Tenant Grapher stores it: JSON text, or null for
/// JSON null. A value that is already cut-short text (read from such a
/// graph) is written back as the same text, not re-quoted.
pub fn json_text(v: &Value) -> ValueSend {
    match v {
        Value::Null => ValueSend::Null,
        Value::String(s) if is_truncated_text(v) => ValueSend::String(s.clone()),
        other => ValueSend::String(other.to_string()),
    }
}

/// Zones: a list of strings when they are one (as Azure Tenant Grapher
/// writes them), else JSON text.
fn zones(v: &Value) -> ValueSend {
    match v.as_array() {
        Some(items) if items.iter().all(Value::is_string) => ValueSend::List(
            items
                .iter()
                .map(|z| ValueSend::String(z.as_str().unwrap_or_default().to_string()))
                .collect(),
        ),
        _ => json_text(v),
    }
}

/// The properties atg sets on a resource node, all but `id`, split in
/// two: those with a value (`SET r += $set`), and the fields this resource
/// lacks, as nulls (`ON MATCH SET r += $clear`, so a node written before
/// loses what an earlier writer left in them; a new node needs no nulls,
/// which the test server takes time to apply).
pub fn resource_props(r: &Resource) -> (ValueSend, ValueSend) {
    let fields: [(&str, ValueSend); 14] = [
        ("name", text(&r.name)),
        ("type", text(&r.r#type)),
        ("location", opt(&r.location)),
        ("resource_group", opt(&r.resource_group)),
        ("subscription_id", opt(&r.subscription_id)),
        ("tenant_id", opt(&r.tenant_id)),
        ("kind", opt(&r.kind)),
        ("managed_by", opt(&r.managed_by)),
        ("sku", json_text(&r.sku)),
        ("identity", json_text(&r.identity)),
        ("zones", zones(&r.zones)),
        ("tags", json_text(&r.tags)),
        ("plan", json_text(&r.plan)),
        // `properties` is always written, as ATG-py reads it.
        (
            "properties",
            ValueSend::String(match &r.properties {
                Value::String(s) if is_truncated_text(&r.properties) => s.clone(),
                p => p.to_string(),
            }),
        ),
    ];
    let (set, clear): (Vec<_>, Vec<_>) = fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .partition(|(_, v)| !matches!(v, ValueSend::Null));
    (
        ValueSend::Map(set.into_iter().collect()),
        ValueSend::Map(clear.into_iter().collect()),
    )
}

/// A record's columns by name.
pub struct Columns(HashMap<String, ValueReceive>);

impl Columns {
    /// Takes the columns of a record.
    pub fn of(record: Record) -> Self {
        Columns(
            record
                .into_entries()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// A string column; null, absent and empty give `None`; numbers and
    /// booleans are given as text.
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.0.remove(key)? {
            ValueReceive::String(s) if !s.is_empty() => Some(s),
            ValueReceive::Integer(i) => Some(i.to_string()),
            ValueReceive::Float(f) => Some(f.to_string()),
            ValueReceive::Boolean(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A required string column.
    ///
    /// Errors: `Corrupt` naming the column when it is missing.
    pub fn required(&mut self, key: &str, what: &str) -> Result<String, GraphError> {
        self.string(key)
            .ok_or_else(|| GraphError::Corrupt(format!("{what} without `{key}`")))
    }

    /// An integer column (0 when absent).
    pub fn int(&mut self, key: &str) -> i64 {
        match self.0.remove(key) {
            Some(ValueReceive::Integer(i)) => i,
            Some(ValueReceive::Float(f)) => f as i64,
            Some(ValueReceive::String(s)) => s.parse().unwrap_or(0),
            _ => 0,
        }
    }

    /// A boolean column (false when absent).
    pub fn flag(&mut self, key: &str) -> bool {
        matches!(self.0.remove(key), Some(ValueReceive::Boolean(true)))
    }

    /// A list of strings, stored as a list or as JSON text.
    pub fn strings(&mut self, key: &str) -> Vec<String> {
        match self.json(key) {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A JSON field: JSON text is parsed; text that does not parse (cut
    /// short by Azure Tenant Grapher, or a Python `str()` of an object) is
    /// kept as a JSON string; lists and scalars convert as they are.
    pub fn json(&mut self, key: &str) -> Value {
        match self.0.remove(key) {
            None | Some(ValueReceive::Null) => Value::Null,
            Some(ValueReceive::String(s)) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            Some(other) => to_json(other),
        }
    }
}

/// Converts a received value to JSON (lists, maps and scalars; other
/// values become their debug text).
pub fn to_json(v: ValueReceive) -> Value {
    match v {
        ValueReceive::Null => Value::Null,
        ValueReceive::Boolean(b) => Value::Bool(b),
        ValueReceive::Integer(i) => Value::from(i),
        ValueReceive::Float(f) => {
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        ValueReceive::String(s) => Value::String(s),
        ValueReceive::List(items) => Value::Array(items.into_iter().map(to_json).collect()),
        ValueReceive::Map(m) => {
            let mut pairs: Vec<(String, ValueReceive)> = m.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
        other => Value::String(format!("{other:?}")),
    }
}

/// A resource from the columns `resource_projection` returns.
///
/// Errors: `Corrupt` when `id` or `type` is missing.
pub fn resource(c: &mut Columns) -> Result<Resource, GraphError> {
    let id = c.required("id", "a resource node")?;
    let r#type = c
        .string("type")
        .ok_or_else(|| GraphError::Corrupt(format!("resource `{id}` without `type`")))?;
    let name = c
        .string("name")
        .unwrap_or_else(|| id.rsplit('/').next().unwrap_or_default().to_string());
    Ok(Resource {
        name,
        r#type,
        location: c.string("location"),
        resource_group: c.string("resource_group"),
        subscription_id: c.string("subscription_id"),
        tenant_id: c.string("tenant_id"),
        kind: c.string("kind"),
        managed_by: c.string("managed_by"),
        sku: c.json("sku"),
        identity: c.json("identity"),
        zones: c.json("zones"),
        tags: c.json("tags"),
        plan: c.json("plan"),
        properties: c.json("properties"),
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TRUNCATED_MARK;
    use serde_json::json;

    #[test]
    fn cut_short_text_is_written_back_as_it_was_read() {
        let cut = format!("{{\"a\": \"b{TRUNCATED_MARK}");
        let v = Value::String(cut.clone());
        assert!(matches!(json_text(&v), ValueSend::String(s) if s == cut));
        assert!(matches!(json_text(&json!({"a": 1})), ValueSend::String(s) if s == r#"{"a":1}"#));
        assert!(matches!(json_text(&Value::Null), ValueSend::Null));
    }

    #[test]
    fn zones_are_a_list_of_strings_when_they_can_be() {
        assert!(matches!(zones(&json!(["1", "2"])), ValueSend::List(l) if l.len() == 2));
        assert!(matches!(zones(&json!([1])), ValueSend::String(s) if s == "[1]"));
    }
}
