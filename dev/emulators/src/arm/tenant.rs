//! The emulator's data: a tenant export (atg's format, `{"data": [...]}` or
//! a bare array of Resource Graph rows) split into the tables Azure serves
//! each type from (see `coverage::table_of`), with the rows kept as their
//! original JSON text so the emulator answers with exactly what the file
//! holds.
//!
//! Answering requests is left to `server`, the query language to `kql`.

use atg::azure::coverage::{GraphTable, RESOURCE_GROUP_TYPE, SUBSCRIPTION_TYPE, table_of};
use atg::model::ResourceId;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;

/// One row of a table.
#[derive(Debug)]
pub struct Row {
    /// ARM ID, lowercase.
    pub id_key: String,
    /// ARM type, lowercase.
    pub type_key: String,
    /// Subscription ID as written.
    pub subscription: String,
    /// Resource group name, lowercase, when the row has one.
    pub resource_group: Option<String>,
    /// The row as Resource Graph returns it (the export's JSON text).
    pub json: Box<RawValue>,
}

/// A subscription of the tenant.
#[derive(Debug, Clone)]
pub struct SubscriptionInfo {
    /// Subscription GUID as written.
    pub id: String,
    /// Display name.
    pub display_name: String,
}

/// The tenant the emulator serves.
#[derive(Debug, Default)]
pub struct TenantData {
    /// Tenant GUID.
    pub tenant_id: String,
    /// Subscriptions, sorted by ID.
    pub subscriptions: Vec<SubscriptionInfo>,
    /// `Resources` rows, sorted by ID.
    pub resources: Vec<Row>,
    /// `ResourceContainers` rows, sorted by ID.
    pub containers: Vec<Row>,
    /// `AuthorizationResources` rows, sorted by ID.
    pub authorization: Vec<Row>,
    /// Rows no Resource Graph table has (ARM LIST only), sorted by ID.
    pub arm_only: Vec<Row>,
    by_id: HashMap<String, (GraphTableOrArm, usize)>,
    by_collection: HashMap<String, Vec<(GraphTableOrArm, usize)>>,
}

/// Which vector a row lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GraphTableOrArm {
    Table(GraphTable),
    Arm,
}

/// Why a tenant file cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// Unreadable file.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Not JSON, or a row without `id`/`type`.
    #[error("`{path}`: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    subscriptions: Vec<ExportSubscription>,
    #[serde(default)]
    resource_groups: Vec<Box<RawValue>>,
    #[serde(default)]
    resources: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    data: Option<Vec<Box<RawValue>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExportSubscription {
    subscription_id: String,
    #[serde(default)]
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Keys {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "type")]
    r#type: Option<String>,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl TenantData {
    /// Reads a tenant export file.
    ///
    /// Errors: `TenantError` for an unreadable file or a row without `id`
    /// or `type`.
    pub fn load(path: &Path) -> Result<Self, TenantError> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| TenantError::Read {
            path: display.clone(),
            source,
        })?;
        Self::parse(&bytes, &display)
    }

    /// Parses export bytes; `path` names them in errors.
    pub fn parse(bytes: &[u8], path: &str) -> Result<Self, TenantError> {
        let invalid = |message: String| TenantError::Invalid {
            path: path.to_string(),
            message,
        };
        let doc: Document = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Document {
                tenant_id: None,
                subscriptions: Vec::new(),
                resource_groups: Vec::new(),
                resources: Some(serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?),
                data: None,
            },
            _ => serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?,
        };
        let mut t = TenantData {
            tenant_id: doc.tenant_id.clone().unwrap_or_default(),
            ..TenantData::default()
        };
        let mut subscriptions: Vec<SubscriptionInfo> = doc
            .subscriptions
            .iter()
            .map(|s| SubscriptionInfo {
                id: s.subscription_id.clone(),
                display_name: s
                    .display_name
                    .clone()
                    .unwrap_or_else(|| s.subscription_id.clone()),
            })
            .collect();
        let rows = doc.resources.or(doc.data).unwrap_or_default();
        for g in doc.resource_groups {
            let row = container_row_from_group(&g, doc.tenant_id.as_deref()).map_err(invalid)?;
            t.add(row, &mut subscriptions).map_err(invalid)?;
        }
        for raw in rows {
            t.add(raw, &mut subscriptions).map_err(invalid)?;
        }
        if t.tenant_id.is_empty() {
            return Err(invalid(
                "no `tenantId` at the top level or in any row".into(),
            ));
        }
        subscriptions.sort_by_key(|s| s.id.to_ascii_lowercase());
        subscriptions.dedup_by_key(|s| s.id.to_ascii_lowercase());
        for s in &subscriptions {
            let row = json!({
                "id": format!("/subscriptions/{}", s.id),
                "name": s.display_name,
                "type": SUBSCRIPTION_TYPE,
                "tenantId": t.tenant_id,
                "kind": "",
                "location": "",
                "resourceGroup": "",
                "subscriptionId": s.id,
                "managedBy": "",
                "sku": null,
                "plan": null,
                "properties": {"state": "Enabled"},
                "tags": null,
            });
            let raw = RawValue::from_string(row.to_string()).expect("valid JSON");
            let id_key = format!("/subscriptions/{}", s.id).to_ascii_lowercase();
            t.push(
                GraphTableOrArm::Table(GraphTable::ResourceContainers),
                make_row(raw, id_key, &s.id, SUBSCRIPTION_TYPE, None),
            );
        }
        t.subscriptions = subscriptions;
        for v in [
            &mut t.resources,
            &mut t.containers,
            &mut t.authorization,
            &mut t.arm_only,
        ] {
            v.sort_by(|a, b| a.id_key.cmp(&b.id_key));
        }
        t.index();
        Ok(t)
    }

    /// Files one row; errors say what is wrong with it.
    fn add(
        &mut self,
        raw: Box<RawValue>,
        subscriptions: &mut Vec<SubscriptionInfo>,
    ) -> Result<(), String> {
        let keys: Keys = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
        let (Some(id), Some(ty)) = (keys.id, keys.r#type) else {
            let text = raw.get();
            let end = text.char_indices().nth(120).map_or(text.len(), |(i, _)| i);
            return Err(format!("a row without `id` or `type`: {}", &text[..end]));
        };
        let type_key = ty.to_ascii_lowercase();
        let parsed = ResourceId::parse(&id).ok();
        let subscription = keys
            .subscription_id
            .or_else(|| parsed.as_ref().and_then(|p| p.subscription.clone()))
            .unwrap_or_default();
        if self.tenant_id.is_empty()
            && let Some(tid) = keys.tenant_id
        {
            self.tenant_id = tid;
        }
        if type_key == SUBSCRIPTION_TYPE {
            subscriptions.push(SubscriptionInfo {
                display_name: keys.name.unwrap_or_else(|| subscription.clone()),
                id: subscription,
            });
            return Ok(());
        }
        if !subscription.is_empty()
            && !subscriptions
                .iter()
                .any(|s| s.id.eq_ignore_ascii_case(&subscription))
        {
            subscriptions.push(SubscriptionInfo {
                id: subscription.clone(),
                display_name: subscription.clone(),
            });
        }
        let rg = parsed.and_then(|p| p.resource_group);
        let place = match table_of(&type_key) {
            Some(table) => GraphTableOrArm::Table(table),
            None => GraphTableOrArm::Arm,
        };
        let row = make_row(
            raw,
            id.to_ascii_lowercase(),
            &subscription,
            &type_key,
            rg.as_deref(),
        );
        self.push(place, row);
        Ok(())
    }

    fn push(&mut self, place: GraphTableOrArm, row: Row) {
        match place {
            GraphTableOrArm::Table(GraphTable::Resources) => self.resources.push(row),
            GraphTableOrArm::Table(GraphTable::ResourceContainers) => self.containers.push(row),
            GraphTableOrArm::Table(GraphTable::AuthorizationResources) => {
                self.authorization.push(row)
            }
            GraphTableOrArm::Arm => self.arm_only.push(row),
        }
    }

    fn index(&mut self) {
        for (place, rows) in [
            (
                GraphTableOrArm::Table(GraphTable::Resources),
                &self.resources,
            ),
            (
                GraphTableOrArm::Table(GraphTable::AuthorizationResources),
                &self.authorization,
            ),
            (GraphTableOrArm::Arm, &self.arm_only),
        ] {
            for (i, r) in rows.iter().enumerate() {
                self.by_id.insert(r.id_key.clone(), (place, i));
                if let Some((collection, _name)) = r.id_key.rsplit_once('/') {
                    self.by_collection
                        .entry(collection.to_string())
                        .or_default()
                        .push((place, i));
                }
            }
        }
    }

    /// The rows of a Resource Graph table.
    pub fn table(&self, table: GraphTable) -> &[Row] {
        match table {
            GraphTable::Resources => &self.resources,
            GraphTable::ResourceContainers => &self.containers,
            GraphTable::AuthorizationResources => &self.authorization,
        }
    }

    fn row(&self, place: GraphTableOrArm, i: usize) -> &Row {
        match place {
            GraphTableOrArm::Table(t) => &self.table(t)[i],
            GraphTableOrArm::Arm => &self.arm_only[i],
        }
    }

    /// The resource with this ARM ID (any case), outside `ResourceContainers`.
    pub fn get(&self, id: &str) -> Option<&Row> {
        let (place, i) = self.by_id.get(&id.to_ascii_lowercase())?;
        Some(self.row(*place, *i))
    }

    /// The items of an ARM collection path (`{parent ID}/{collection}` or
    /// `/subscriptions/s/resourceGroups/rg/providers/NS/type`), sorted by ID.
    pub fn collection(&self, path: &str) -> Vec<&Row> {
        let mut rows: Vec<&Row> = self
            .by_collection
            .get(&path.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .map(|(place, i)| self.row(*place, *i))
            .collect();
        rows.sort_by(|a, b| a.id_key.cmp(&b.id_key));
        rows
    }

    /// The resource groups of a subscription, as `ResourceContainers` rows.
    pub fn resource_groups(&self, subscription: &str) -> Vec<&Row> {
        self.containers
            .iter()
            .filter(|r| {
                r.type_key == RESOURCE_GROUP_TYPE
                    && r.subscription.eq_ignore_ascii_case(subscription)
            })
            .collect()
    }

    /// The subscription with this ID (any case).
    pub fn subscription(&self, id: &str) -> Option<&SubscriptionInfo> {
        self.subscriptions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// Rows in all tables and ARM-only, for counts.
    pub fn resource_count(&self) -> usize {
        self.resources.len() + self.authorization.len() + self.arm_only.len()
    }
}

fn make_row(
    json: Box<RawValue>,
    id_key: String,
    subscription: &str,
    type_key: &str,
    rg: Option<&str>,
) -> Row {
    Row {
        id_key,
        type_key: type_key.to_string(),
        subscription: subscription.to_string(),
        resource_group: rg.map(str::to_ascii_lowercase),
        json,
    }
}

/// A `resourceGroups[]` entry of an export as a `ResourceContainers` row.
fn container_row_from_group(
    raw: &RawValue,
    tenant_id: Option<&str>,
) -> Result<Box<RawValue>, String> {
    let Value::Object(g) = serde_json::from_str::<Value>(raw.get()).map_err(|e| e.to_string())?
    else {
        return Err("a `resourceGroups` entry is not an object".into());
    };
    let id = g
        .get("id")
        .and_then(Value::as_str)
        .ok_or("a `resourceGroups` entry without `id`")?;
    let parsed = ResourceId::parse(id).map_err(|e| e.to_string())?;
    let name = g
        .get("name")
        .cloned()
        .or_else(|| parsed.resource_group.clone().map(Value::String))
        .unwrap_or(Value::Null);
    let row = json!({
        "id": id,
        "name": name,
        "type": RESOURCE_GROUP_TYPE,
        "tenantId": g.get("tenantId").cloned().or(tenant_id.map(|t| json!(t))).unwrap_or(Value::Null),
        "kind": "",
        "location": g.get("location").cloned().unwrap_or(Value::Null),
        "resourceGroup": name,
        "subscriptionId": g.get("subscriptionId").cloned().or(parsed.subscription.map(Value::String)).unwrap_or(Value::Null),
        "managedBy": g.get("managedBy").cloned().unwrap_or(json!("")),
        "sku": null,
        "plan": null,
        "properties": {"provisioningState": "Succeeded"},
        "tags": g.get("tags").cloned().unwrap_or(Value::Null),
    });
    RawValue::from_string(row.to_string()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_go_to_the_table_azure_serves_them_from() {
        let doc = br#"{"tenantId": "t", "subscriptions": [{"subscriptionId": "s1", "displayName": "dev"}],
          "resourceGroups": [{"id": "/subscriptions/s1/resourceGroups/rg", "name": "rg", "location": "eastus"}],
          "resources": [
            {"id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/ns", "type": "microsoft.servicebus/namespaces"},
            {"id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/ns/queues/q", "type": "microsoft.servicebus/namespaces/queues"},
            {"id": "/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/a", "type": "microsoft.authorization/roleassignments"}
          ]}"#;
        let t = TenantData::parse(doc, "t.json").unwrap();
        assert_eq!(t.resources.len(), 1);
        assert_eq!(t.arm_only.len(), 1);
        assert_eq!(t.authorization.len(), 1);
        assert_eq!(
            t.containers.len(),
            2,
            "one resource group, one subscription"
        );
        let queues = t.collection(
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/ns/queues",
        );
        assert_eq!(queues.len(), 1);
        assert!(
            t.get(
                "/SUBSCRIPTIONS/s1/resourcegroups/rg/providers/microsoft.servicebus/namespaces/ns"
            )
            .is_some()
        );
    }
}
