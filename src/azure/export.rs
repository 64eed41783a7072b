//! Reading tenant export files: atg's export format (`tenantId`,
//! `subscriptions[]`, `resourceGroups[]`, `resources[]`) and plain
//! `az graph query -o json` output (`{"data": [...]}` or a bare array).
//!
//! Unknown top-level keys are ignored. Rows of type
//! `microsoft.resources/subscriptions/resourcegroups` or
//! `microsoft.resources/subscriptions` (Resource Graph's
//! `ResourceContainers` table) become resource groups and subscriptions.
//! Deriving child resources and relationships is left to
//! `azure::normalize` and `graph::relationships`.

use crate::model::{Resource, ResourceGroup, ResourceId, Subscription};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::path::Path;

/// The records read from an export file, before normalisation.
#[derive(Debug, Clone, Default)]
pub struct Export {
    /// Tenant GUID, from `tenantId` or the first row that has one.
    pub tenant_id: Option<String>,
    /// Subscriptions listed or seen.
    pub subscriptions: Vec<Subscription>,
    /// Resource groups listed.
    pub resource_groups: Vec<ResourceGroup>,
    /// Resource rows, in file order.
    pub resources: Vec<Resource>,
}

/// Why an export file could not be read. Each is an input error.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The file could not be opened or read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid JSON, or a field has the wrong JSON type.
    #[error("`{path}` line {line} column {column}: {message}")]
    Json {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// The top level is neither an object nor an array.
    #[error(
        "`{path}` is not a tenant export: expected an object with `resources` or `data`, or an array of resources"
    )]
    Shape {
        /// The file.
        path: String,
    },
    /// A resource row lacks a required field.
    #[error("`{path}` resource #{index}{name}: missing `{field}`")]
    MissingField {
        /// The file.
        path: String,
        /// 0-based index in the resource list.
        index: usize,
        /// ` (name `x`)` when the row has a name, else empty.
        name: String,
        /// `id` or `type`.
        field: &'static str,
    },
    /// A resource `id` is not an ARM resource ID.
    #[error("`{path}` resource #{index}: {source}")]
    BadId {
        /// The file.
        path: String,
        /// 0-based index in the resource list.
        index: usize,
        /// The parse error.
        source: crate::model::ResourceIdError,
    },
}

impl ExportError {
    /// A one-line hint for the user.
    pub fn hint(&self) -> &'static str {
        match self {
            ExportError::Read { .. } => "check the path and permissions",
            ExportError::Json { .. } | ExportError::Shape { .. } => {
                "pass a tenant export (see docs/SCAN.md) or the output of `az graph query -q ... -o json`"
            }
            ExportError::MissingField { .. } | ExportError::BadId { .. } => {
                "every resource row needs `id` (an ARM resource ID) and `type`; fix or remove the row"
            }
        }
    }
}

/// The top level of an export. Rows stay raw JSON text here (checked for
/// syntax, not yet typed) so they can be deserialised in parallel.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    subscriptions: Vec<Subscription>,
    #[serde(default)]
    resource_groups: Vec<ResourceGroup>,
    #[serde(default, borrow)]
    resources: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    data: Option<Vec<&'a RawValue>>,
}

/// One row, typed and sorted into what it describes.
// Nearly every row is a resource, so boxing the large variant would only add
// an allocation per row.
#[allow(clippy::large_enum_variant)]
enum Item {
    Resource(Resource),
    ResourceGroup(ResourceGroup),
    Subscription(Subscription),
}

/// A row as found in the file: the fields of `Resource`, but `id`, `type`
/// and `name` may be missing (checked with a clear error, or derived).
/// Other keys are ignored. Typed fields, no `flatten`: rows deserialise in
/// one pass, without an intermediate map.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "type")]
    r#type: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    resource_group: Option<String>,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default, deserialize_with = "crate::model::empty_as_none")]
    kind: Option<String>,
    #[serde(default)]
    sku: Value,
    #[serde(default)]
    identity: Value,
    #[serde(default)]
    zones: Value,
    #[serde(default)]
    tags: Value,
    #[serde(default, deserialize_with = "crate::model::empty_as_none")]
    managed_by: Option<String>,
    #[serde(default)]
    plan: Value,
    #[serde(default)]
    properties: Value,
}

/// Reads and parses an export file. See `parse` for the accepted shapes.
///
/// Errors: `ExportError::Read` when the file cannot be read, otherwise as `parse`.
pub fn read(path: &Path) -> Result<Export, ExportError> {
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ExportError::Read {
        path: display.clone(),
        source,
    })?;
    parse(&bytes, &display)
}

/// Parses export bytes; `path` is only used in error messages.
///
/// The file is read in two passes: the top level first, with each row kept
/// as raw JSON text (this checks the syntax of the whole file), then the
/// rows are typed in parallel. Row order is kept.
///
/// Errors: malformed JSON (with line and column), a top level that is not an
/// object or array, a resource without `id` or `type`, or an `id` that is not
/// an ARM resource ID. With several bad rows, the first one is reported.
pub fn parse(bytes: &[u8], path: &str) -> Result<Export, ExportError> {
    let json_err = |e: serde_json::Error| ExportError::Json {
        path: path.to_string(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    };
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let (mut export, rows) = match first {
        Some(b'[') => (
            Export::default(),
            serde_json::from_slice::<Vec<&RawValue>>(bytes).map_err(json_err)?,
        ),
        Some(b'{') => {
            let doc: Document = serde_json::from_slice(bytes).map_err(json_err)?;
            let rows = match (doc.resources, doc.data) {
                (Some(r), _) | (None, Some(r)) => r,
                (None, None) => {
                    return Err(ExportError::Shape {
                        path: path.to_string(),
                    });
                }
            };
            let export = Export {
                tenant_id: doc.tenant_id,
                subscriptions: doc.subscriptions,
                resource_groups: doc.resource_groups,
                resources: Vec::new(),
            };
            (export, rows)
        }
        Some(_) => {
            // Let serde_json report where the JSON goes wrong.
            serde_json::from_slice::<Value>(bytes).map_err(json_err)?;
            return Err(ExportError::Shape {
                path: path.to_string(),
            });
        }
        None => {
            return Err(ExportError::Shape {
                path: path.to_string(),
            });
        }
    };
    export.add_rows(&rows, bytes, path, 0)?;
    Ok(export)
}

impl Export {
    /// Types `rows` (Resource Graph rows as raw JSON objects, e.g. one page
    /// of a live query) in parallel and appends them, in order, to the
    /// resources, resource groups or subscriptions they describe. `text` is
    /// the buffer the rows point into and `source` names it, for error
    /// positions; `first_index` is the index of `rows[0]` in the whole list.
    ///
    /// Errors: as `parse` for rows (the first bad row is reported).
    pub fn add_rows(
        &mut self,
        rows: &[&RawValue],
        text: &[u8],
        source: &str,
        first_index: usize,
    ) -> Result<(), ExportError> {
        let items: Vec<Result<Item, ExportError>> = rows
            .par_iter()
            .enumerate()
            .map(|(index, raw)| {
                let row: Row = serde_json::from_str(raw.get())
                    .map_err(|e| row_json_error(text, raw, &e, source))?;
                typed(row, first_index + index, source)
            })
            .collect();
        self.resources.reserve(items.len());
        for item in items {
            match item? {
                Item::ResourceGroup(g) => self.resource_groups.push(g),
                Item::Subscription(s) => self.subscriptions.push(s),
                Item::Resource(r) => {
                    if self.tenant_id.is_none() {
                        self.tenant_id.clone_from(&r.tenant_id);
                    }
                    self.resources.push(r);
                }
            }
        }
        Ok(())
    }
}

/// A row's type error, placed in the whole file: serde_json counts lines
/// and columns from the start of the row's own text.
fn row_json_error(bytes: &[u8], raw: &RawValue, e: &serde_json::Error, path: &str) -> ExportError {
    let offset = (raw.get().as_ptr() as usize).saturating_sub(bytes.as_ptr() as usize);
    let before = &bytes[..offset.min(bytes.len())];
    let base_line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let base_column = 1 + before.iter().rev().take_while(|&&b| b != b'\n').count();
    let (line, column) = if e.line() <= 1 {
        (base_line, base_column + e.column().saturating_sub(1))
    } else {
        (base_line + e.line() - 1, e.column())
    };
    ExportError::Json {
        path: path.to_string(),
        line,
        column,
        message: strip_position(&e.to_string()),
    }
}

/// Checks one row (`index` is its place in the resource list) and sorts it
/// into a resource, a resource group or a subscription.
fn typed(row: Row, index: usize, path: &str) -> Result<Item, ExportError> {
    let name_note = row
        .name
        .as_deref()
        .map(|n| format!(" (name `{n}`)"))
        .unwrap_or_default();
    let missing = |field| ExportError::MissingField {
        path: path.to_string(),
        index,
        name: name_note.clone(),
        field,
    };
    let id = row
        .id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("id"))?;
    let ty = row
        .r#type
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("type"))?;
    let parsed = ResourceId::parse(&id).map_err(|source| ExportError::BadId {
        path: path.to_string(),
        index,
        source,
    })?;
    let name = row
        .name
        .or_else(|| parsed.name().map(str::to_string))
        .unwrap_or_default();
    let kind = ty.to_ascii_lowercase();
    let resource = Resource {
        id,
        name,
        r#type: ty,
        location: row.location,
        resource_group: row.resource_group,
        subscription_id: row.subscription_id,
        tenant_id: row.tenant_id,
        kind: row.kind,
        sku: row.sku,
        identity: row.identity,
        zones: row.zones,
        tags: row.tags,
        managed_by: row.managed_by,
        plan: row.plan,
        properties: row.properties,
    };
    Ok(match kind.as_str() {
        "microsoft.resources/subscriptions/resourcegroups" => Item::ResourceGroup(ResourceGroup {
            id: resource.id,
            name: resource.name,
            location: resource.location,
            subscription_id: resource.subscription_id.or(parsed.subscription),
            tags: resource.tags,
        }),
        "microsoft.resources/subscriptions" => Item::Subscription(Subscription {
            subscription_id: parsed.subscription.unwrap_or_default(),
            display_name: Some(resource.name),
            tenant_id: resource.tenant_id,
        }),
        _ => Item::Resource(resource),
    })
}

/// serde_json appends " at line L column C"; the error already says where.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = parse(
            b"{\n  \"resources\": [\n    {\"id\": 1,,}\n  ]\n}",
            "t.json",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("`t.json` line 3 column"), "{msg}");
    }

    #[test]
    fn resource_without_type_is_named() {
        let err = parse(
            br#"[{"id": "/subscriptions/s/resourceGroups/r/providers/A.B/c/d", "name": "d"}]"#,
            "x.json",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`x.json` resource #0 (name `d`): missing `type`"
        );
    }

    #[test]
    fn az_graph_query_output_and_containers_are_accepted() {
        let doc = br#"{"count": 3, "data": [
            {"id": "/subscriptions/s/resourceGroups/rg1", "name": "rg1", "type": "microsoft.resources/subscriptions/resourcegroups", "location": "westeurope"},
            {"id": "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/p", "type": "microsoft.network/publicipaddresses", "tenantId": "t", "kind": ""},
            {"id": "/subscriptions/s", "name": "dev", "type": "microsoft.resources/subscriptions"}
        ]}"#;
        let e = parse(doc, "q.json").unwrap();
        assert_eq!(e.resources.len(), 1);
        assert_eq!(e.resources[0].name, "p");
        assert_eq!(e.resources[0].kind, None);
        assert_eq!(e.resource_groups[0].name, "rg1");
        assert_eq!(e.subscriptions[0].subscription_id, "s");
        assert_eq!(e.tenant_id.as_deref(), Some("t"));
    }

    #[test]
    fn bad_id_is_an_input_error() {
        let err = parse(
            br#"[{"id": "vnet1", "type": "microsoft.network/virtualnetworks"}]"#,
            "x.json",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("is not an ARM resource ID"),
            "{err}"
        );
    }

    #[test]
    fn a_wrong_field_type_is_placed_in_the_whole_file() {
        // Rows are typed one by one; the position must still be the file's.
        let doc = b"{\n  \"resources\": [\n    {\"id\": \"/subscriptions/s/resourceGroups/r/providers/A.B/c/d\", \"type\": \"a.b/c\"},\n    {\"id\": \"/subscriptions/s/resourceGroups/r/providers/A.B/c/e\",\n     \"type\": \"a.b/c\", \"location\": 7}\n  ]\n}";
        let err = parse(doc, "t.json").unwrap_err();
        let ExportError::Json { line, column, .. } = err else {
            panic!("expected a JSON error, got {err}");
        };
        // Where serde_json puts it when typing the whole file in one pass.
        #[derive(Deserialize)]
        struct Whole {
            #[allow(dead_code)]
            resources: Vec<Row>,
        }
        let whole = serde_json::from_slice::<Whole>(doc).err().unwrap();
        assert_eq!((line, column), (whole.line(), whole.column()));
        assert_eq!((line, column), (5, 35));
    }

    #[test]
    fn the_first_bad_row_is_the_one_reported() {
        let mut rows = Vec::new();
        for i in 0..500 {
            rows.push(format!(
                r#"{{"id": "/subscriptions/s/resourceGroups/r/providers/A.B/c/n{i}", "type": "a.b/c"}}"#
            ));
        }
        rows[120] =
            r#"{"id": "/subscriptions/s/resourceGroups/r/providers/A.B/c/x", "name": "x"}"#.into();
        rows[400] = r#"{"type": "a.b/c"}"#.into();
        let doc = format!("[{}]", rows.join(","));
        let err = parse(doc.as_bytes(), "t.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`t.json` resource #120 (name `x`): missing `type`"
        );
    }
}
