//! The resource, resource group and subscription records of a snapshot.
//!
//! Field names follow Azure Resource Graph rows (`resourceGroup`,
//! `subscriptionId`, `managedBy`, ...) so an export file deserialises
//! directly. Validation of required fields is left to `azure::export`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One Azure resource as Resource Graph returns it.
///
/// `properties` is kept whole and never truncated; `sku`, `kind`, `identity`
/// and `zones` are captured because generated Terraform needs them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// ARM resource ID, original spelling.
    pub id: String,
    /// Resource name (last segment of the ID).
    pub name: String,
    /// ARM resource type as given, e.g. `microsoft.network/virtualnetworks`.
    #[serde(rename = "type")]
    pub r#type: String,
    /// Azure region, e.g. `eastus`; `global` for global resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Resource group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Subscription GUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// Tenant GUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Resource kind (`StorageV2`, `app,linux`, ...). Empty strings become `None`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub kind: Option<String>,
    /// SKU object as given.
    #[serde(default, skip_serializing_if = "is_null")]
    pub sku: Value,
    /// Managed identity object as given.
    #[serde(default, skip_serializing_if = "is_null")]
    pub identity: Value,
    /// Availability zones as given (usually an array of strings).
    #[serde(default, skip_serializing_if = "is_null")]
    pub zones: Value,
    /// Tags object as given.
    #[serde(default, skip_serializing_if = "is_null")]
    pub tags: Value,
    /// ARM ID of the managing resource, if any. Empty strings become `None`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "empty_as_none"
    )]
    pub managed_by: Option<String>,
    /// Marketplace plan object as given.
    #[serde(default, skip_serializing_if = "is_null")]
    pub plan: Value,
    /// The resource's `properties`, whole.
    #[serde(default)]
    pub properties: Value,
}

impl Resource {
    /// The resource type in lowercase, for case-insensitive matching.
    pub fn type_key(&self) -> String {
        self.r#type.to_ascii_lowercase()
    }

    /// The ARM ID in lowercase, for case-insensitive matching.
    pub fn id_key(&self) -> String {
        self.id.to_ascii_lowercase()
    }

    /// Looks up a property by a `/`-separated path below `properties`,
    /// e.g. `prop("hardwareProfile/vmSize")`.
    pub fn prop(&self, path: &str) -> Option<&Value> {
        path.split('/').try_fold(&self.properties, |v, k| v.get(k))
    }

    /// True when one of the JSON fields (`properties`, `tags`, `sku`,
    /// `identity`, `plan`) holds text that Azure Tenant Grapher cut short
    /// rather than whole JSON: it stores these fields as JSON strings and
    /// cuts any longer than 5000 characters, appending `TRUNCATED_MARK`
    /// (its `serialize_value`). Such a resource must not be turned into
    /// Terraform as if its value were whole.
    pub fn is_truncated(&self) -> bool {
        [
            &self.properties,
            &self.tags,
            &self.sku,
            &self.identity,
            &self.plan,
        ]
        .into_iter()
        .any(is_truncated_text)
    }

    /// A property as a string, when it is one and is not empty.
    pub fn prop_str(&self, path: &str) -> Option<&str> {
        self.prop(path)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// A resource group of a subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    /// ARM ID, `/subscriptions/{sub}/resourceGroups/{name}`.
    pub id: String,
    /// Resource group name.
    pub name: String,
    /// Azure region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Subscription GUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// Tags object as given.
    #[serde(default, skip_serializing_if = "is_null")]
    pub tags: Value,
}

/// A subscription in scope of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Subscription GUID.
    pub subscription_id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Tenant GUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// The suffix Azure Tenant Grapher appends to a JSON value it cut at 5000
/// characters.
pub const TRUNCATED_MARK: &str = "...(truncated)";

/// True for a JSON string value that is cut-short JSON text (see
/// `Resource::is_truncated`).
pub fn is_truncated_text(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.ends_with(TRUNCATED_MARK))
}

fn is_null(v: &Value) -> bool {
    v.is_null()
}

/// Deserialises an optional string, turning `""` into `None` (Resource
/// Graph writes empty strings for absent `kind` and `managedBy`).
pub fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.filter(|s| !s.is_empty()))
}
