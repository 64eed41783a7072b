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
use serde::Deserialize;
use serde_json::Value;
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    subscriptions: Vec<Subscription>,
    #[serde(default)]
    resource_groups: Vec<ResourceGroup>,
    #[serde(default)]
    resources: Option<Vec<Row>>,
    #[serde(default)]
    data: Option<Vec<Row>>,
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
/// Errors: malformed JSON (with line and column), a top level that is not an
/// object or array, a resource without `id` or `type`, or an `id` that is not
/// an ARM resource ID.
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
            serde_json::from_slice::<Vec<Row>>(bytes).map_err(json_err)?,
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
    export.resources.reserve(rows.len());
    for (index, row) in rows.into_iter().enumerate() {
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
        let resource = Resource {
            id,
            name,
            r#type: ty.clone(),
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
        match ty.to_ascii_lowercase().as_str() {
            "microsoft.resources/subscriptions/resourcegroups" => {
                export.resource_groups.push(ResourceGroup {
                    id: resource.id,
                    name: resource.name,
                    location: resource.location,
                    subscription_id: resource.subscription_id.or(parsed.subscription),
                    tags: resource.tags,
                })
            }
            "microsoft.resources/subscriptions" => export.subscriptions.push(Subscription {
                subscription_id: parsed.subscription.unwrap_or_default(),
                display_name: Some(resource.name),
                tenant_id: resource.tenant_id,
            }),
            _ => {
                if export.tenant_id.is_none() {
                    export.tenant_id.clone_from(&resource.tenant_id);
                }
                export.resources.push(resource);
            }
        }
    }
    Ok(export)
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
}
