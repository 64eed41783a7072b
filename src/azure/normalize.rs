//! Turns an `Export` (from a file or a live scan) into a `Snapshot`:
//! extracts child resources that ARM embeds in their parent (subnets and
//! peerings inside `virtualNetworks.properties.subnets` and
//! `.virtualNetworkPeerings`), drops duplicate rows, and fills in
//! resource groups and subscriptions that rows mention but lists lack.
//!
//! Relationships are derived afterwards by `graph::relationships`.

use super::export::Export;
use crate::model::{Resource, ResourceGroup, ResourceId, Snapshot, Subscription};
use serde_json::Value;
use std::collections::HashSet;

/// The ARM type of subnets extracted from virtual networks.
pub const SUBNET_TYPE: &str = "microsoft.network/virtualnetworks/subnets";
/// The ARM type of peerings extracted from virtual networks.
pub const PEERING_TYPE: &str = "microsoft.network/virtualnetworks/virtualnetworkpeerings";

/// Outcome counters of normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizeStats {
    /// Child resources extracted from parents.
    pub extracted_children: usize,
    /// Rows dropped because an earlier row had the same ARM ID.
    pub duplicate_rows: usize,
}

/// Builds a snapshot (without relationships) from an export.
pub fn normalize(export: Export) -> (Snapshot, NormalizeStats) {
    let mut stats = NormalizeStats::default();
    let mut seen: HashSet<String> = HashSet::with_capacity(export.resources.len() * 2);
    let mut resources = Vec::with_capacity(export.resources.len());
    for r in export.resources {
        if !seen.insert(r.id_key()) {
            stats.duplicate_rows += 1;
            continue;
        }
        resources.push(r);
    }
    let mut children = Vec::new();
    for vnet in resources
        .iter()
        .filter(|r| r.type_key() == "microsoft.network/virtualnetworks")
    {
        for (s, child_type) in [
            ("subnets", SUBNET_TYPE),
            ("virtualNetworkPeerings", PEERING_TYPE),
        ]
        .into_iter()
        .flat_map(|(key, ty)| {
            vnet.prop(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |s| (s, ty))
        }) {
            let Some(id) = s.get("id").and_then(Value::as_str) else {
                continue;
            };
            if !seen.insert(id.to_ascii_lowercase()) {
                continue;
            }
            let name = s
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    ResourceId::parse(id)
                        .ok()
                        .and_then(|i| i.name().map(str::to_string))
                })
                .unwrap_or_default();
            children.push(Resource {
                id: id.to_string(),
                name,
                r#type: child_type.to_string(),
                location: vnet.location.clone(),
                resource_group: vnet.resource_group.clone(),
                subscription_id: vnet.subscription_id.clone(),
                tenant_id: vnet.tenant_id.clone(),
                kind: None,
                sku: Value::Null,
                identity: Value::Null,
                zones: Value::Null,
                tags: Value::Null,
                managed_by: None,
                plan: Value::Null,
                properties: s
                    .get("properties")
                    .cloned()
                    .unwrap_or(Value::Object(Default::default())),
            });
        }
    }
    stats.extracted_children = children.len();
    resources.extend(children);

    let mut resource_groups = export.resource_groups;
    let mut rg_seen: HashSet<String> = resource_groups
        .iter()
        .map(|g| g.id.to_ascii_lowercase())
        .collect();
    let mut subscriptions = export.subscriptions;
    let mut sub_seen: HashSet<String> = subscriptions
        .iter()
        .map(|s| s.subscription_id.to_ascii_lowercase())
        .collect();
    for g in &resource_groups {
        if let Some(sub) = ResourceId::parse(&g.id).ok().and_then(|i| i.subscription)
            && sub_seen.insert(sub.to_ascii_lowercase())
        {
            subscriptions.push(Subscription {
                subscription_id: sub,
                display_name: None,
                tenant_id: export.tenant_id.clone(),
            });
        }
    }
    for r in &resources {
        let Ok(id) = ResourceId::parse(&r.id) else {
            continue;
        };
        if let Some(sub) = &id.subscription
            && sub_seen.insert(sub.to_ascii_lowercase())
        {
            subscriptions.push(Subscription {
                subscription_id: sub.clone(),
                display_name: None,
                tenant_id: r.tenant_id.clone().or_else(|| export.tenant_id.clone()),
            });
        }
        if let (Some(rg_id), Some(name)) = (id.resource_group_id(), &id.resource_group)
            && rg_seen.insert(rg_id.to_ascii_lowercase())
        {
            resource_groups.push(ResourceGroup {
                id: rg_id,
                name: name.clone(),
                location: r.location.clone(),
                subscription_id: id.subscription.clone(),
                tags: Value::Null,
            });
        }
    }
    let snapshot = Snapshot {
        subscriptions,
        resource_groups,
        resources,
        relationships: Vec::new(),
    };
    (snapshot, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_become_resources_once() {
        let doc = br#"{"resources": [
          {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "type": "microsoft.network/virtualnetworks", "location": "eastus",
           "properties": {"subnets": [{"name": "a", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a", "properties": {"addressPrefix": "10.0.0.0/24"}}]}},
          {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "type": "microsoft.network/virtualnetworks"}
        ]}"#;
        let (snap, stats) = normalize(crate::azure::export::parse(doc, "t").unwrap());
        assert_eq!(
            stats,
            NormalizeStats {
                extracted_children: 1,
                duplicate_rows: 1
            }
        );
        let subnet = snap
            .resources
            .iter()
            .find(|r| r.type_key() == SUBNET_TYPE)
            .unwrap();
        assert_eq!(subnet.name, "a");
        assert_eq!(subnet.location.as_deref(), Some("eastus"));
        assert_eq!(subnet.prop_str("addressPrefix"), Some("10.0.0.0/24"));
        assert_eq!(
            snap.resource_groups.len(),
            1,
            "resource group derived from the ID"
        );
        assert_eq!(snap.subscriptions[0].subscription_id, "s");
    }
}
