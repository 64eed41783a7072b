//! Relationship rules: containment, plus any string in `properties` (and
//! the keys of `identity.userAssignedIdentities`) that is the ARM ID of
//! another resource in the snapshot.
//!
//! References to sub-resources (`.../networkInterfaces/n/ipConfigurations/c`)
//! resolve to the nearest enclosing resource that the snapshot has. The
//! relationship kind comes from the property name that held the reference.
//! Storing the edges is left to the `GraphStore` backends.

use crate::model::{Relationship, RelationshipKind, ResourceId, Snapshot, looks_like_arm_id};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Derives all relationships of a snapshot, sorted and without duplicates
/// (one edge per source, kind and target; the first `via` found is kept).
///
/// Cost: one walk over every property value, with hash lookups; no
/// pairwise comparison of resources.
pub fn derive(snapshot: &Snapshot) -> Vec<Relationship> {
    let keys: Vec<String> = snapshot.resources.iter().map(|r| r.id_key()).collect();
    let index: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut out: Vec<Relationship> = Vec::new();
    let mut seen: HashSet<(usize, RelationshipKind, usize)> = HashSet::new();
    let rgs: HashMap<String, &str> = snapshot
        .resource_groups
        .iter()
        .map(|g| (g.id.to_ascii_lowercase(), g.id.as_str()))
        .collect();

    let subs: HashSet<String> = snapshot
        .subscriptions
        .iter()
        .map(|s| s.subscription_id.to_ascii_lowercase())
        .collect();
    for g in &snapshot.resource_groups {
        if let Some(sub) = ResourceId::parse(&g.id).ok().and_then(|i| i.subscription)
            && subs.contains(&sub.to_ascii_lowercase())
        {
            let sub_id = format!("/subscriptions/{sub}");
            out.push(edge(
                &sub_id,
                RelationshipKind::Contains,
                &g.id,
                "subscription",
            ));
        }
    }

    for (i, r) in snapshot.resources.iter().enumerate() {
        let Ok(id) = ResourceId::parse(&r.id) else {
            continue;
        };
        // Containment: parent resource if present, else the resource group.
        let parent = id
            .parent()
            .and_then(|p| index.get(p.key().as_str()).copied());
        match parent {
            Some(p) => out.push(edge(
                &snapshot.resources[p].id,
                RelationshipKind::Contains,
                &r.id,
                "parent",
            )),
            None => {
                if let Some(rg) = id
                    .resource_group_id()
                    .and_then(|g| rgs.get(&g.to_ascii_lowercase()).copied())
                {
                    out.push(edge(rg, RelationshipKind::Contains, &r.id, "resourceGroup"));
                }
            }
        }
        let own_key = &keys[i];
        let mut visit = |s: &str, path: &str, key: &str| {
            let Some(target) = resolve(s, &index) else {
                return;
            };
            if target == i {
                return;
            }
            let target_key = &keys[target];
            // A child listed inside its parent (subnets in a VNet) is containment.
            if target_key.starts_with(own_key.as_str())
                && target_key.as_bytes().get(own_key.len()) == Some(&b'/')
            {
                return;
            }
            let kind = kind_for(key);
            if seen.insert((i, kind, target)) {
                out.push(edge(&r.id, kind, &snapshot.resources[target].id, path));
            }
        };
        walk(
            &r.properties,
            &mut String::from("properties"),
            "",
            &mut visit,
        );
        if let Some(uai) = r
            .identity
            .get("userAssignedIdentities")
            .and_then(Value::as_object)
        {
            for k in uai.keys() {
                visit(
                    k,
                    "identity.userAssignedIdentities",
                    "userAssignedIdentities",
                );
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn edge(source: &str, kind: RelationshipKind, target: &str, via: &str) -> Relationship {
    Relationship {
        source_id: source.to_string(),
        kind,
        target_id: target.to_string(),
        via: via.to_string(),
    }
}

/// Resolves a string to the index of the nearest resource it names: the
/// exact ID, or an enclosing resource after trimming type/name pairs.
fn resolve(s: &str, index: &HashMap<&str, usize>) -> Option<usize> {
    if !looks_like_arm_id(s) {
        return None;
    }
    let mut key = s.trim_end_matches('/').to_ascii_lowercase();
    loop {
        if let Some(&i) = index.get(key.as_str()) {
            return Some(i);
        }
        // Drop one type/name pair, but never above `.../providers/NS/type/name`.
        let cut = key.rfind('/')?;
        let cut2 = key[..cut].rfind('/')?;
        if key[..cut2].ends_with("/providers") || !key[..cut2].contains("/providers/") {
            return None;
        }
        key.truncate(cut2);
    }
}

/// Walks a JSON value, calling `visit(string, path, nearest meaningful key)`
/// for every string. `path` is the JSON path of the string.
fn walk(v: &Value, path: &mut String, key: &str, visit: &mut impl FnMut(&str, &str, &str)) {
    match v {
        Value::String(s) if looks_like_arm_id(s) => visit(s, path, key),
        Value::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                let len = path.len();
                let _ = write!(path, "[{n}]");
                walk(item, path, key, visit);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                let meaningful = if k == "id" || k == "properties" {
                    key
                } else {
                    k.as_str()
                };
                walk(item, path, meaningful, visit);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// The relationship kind for the property name that held a reference.
fn kind_for(key: &str) -> RelationshipKind {
    let k = key.to_ascii_lowercase();
    if k == "subnet"
        || k == "subnets"
        || k == "delegatedsubnetresourceid"
        || k == "vnetsubnetid"
        || k == "virtualnetworksubnetid"
    {
        RelationshipKind::UsesSubnet
    } else if k == "networksecuritygroup" {
        RelationshipKind::SecuredBy
    } else if k == "networkinterfaces"
        || k.starts_with("publicipaddress")
        || k == "publicipaddresses"
    {
        RelationshipKind::ConnectedTo
    } else if k == "routetable" || k == "natgateway" {
        RelationshipKind::RoutesVia
    } else if k == "userassignedidentities" || k.contains("identity") {
        RelationshipKind::UsesIdentity
    } else if k.contains("workspace") {
        RelationshipKind::LogsTo
    } else if k == "manageddisk"
        || k == "serverfarmid"
        || k.ends_with("serverid")
        || k == "privatelinkserviceid"
    {
        RelationshipKind::DependsOn
    } else {
        RelationshipKind::References
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::{export, normalize};

    fn snapshot() -> Snapshot {
        let doc = br#"{"resources": [
          {"id": "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v", "type": "microsoft.network/virtualnetworks",
           "properties": {"subnets": [{"name": "a", "id": "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/a",
              "properties": {"networkSecurityGroup": {"id": "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/networkSecurityGroups/nsg"}}}]}},
          {"id": "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/networkSecurityGroups/nsg", "type": "microsoft.network/networksecuritygroups"},
          {"id": "/subscriptions/s/resourceGroups/app/providers/Microsoft.Network/networkInterfaces/nic", "type": "microsoft.network/networkinterfaces",
           "properties": {"ipConfigurations": [{"id": "/subscriptions/s/resourceGroups/app/providers/Microsoft.Network/networkInterfaces/nic/ipConfigurations/c",
              "properties": {"subnet": {"id": "/SUBSCRIPTIONS/s/resourceGroups/NET/providers/Microsoft.Network/virtualNetworks/v/subnets/a"},
                             "other": "/subscriptions/elsewhere/resourceGroups/x/providers/Microsoft.Network/virtualNetworks/far"}}]},
           "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/s/resourceGroups/app/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u": {}}}},
          {"id": "/subscriptions/s/resourceGroups/app/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u", "type": "microsoft.managedidentity/userassignedidentities"}
        ]}"#;
        normalize::normalize(export::parse(doc, "t").unwrap()).0
    }

    fn has(rels: &[Relationship], src: &str, kind: RelationshipKind, dst: &str) -> bool {
        rels.iter()
            .any(|r| r.source_id.ends_with(src) && r.kind == kind && r.target_id.ends_with(dst))
    }

    #[test]
    fn derives_containment_references_and_identity_edges() {
        let rels = derive(&snapshot());
        assert!(has(
            &rels,
            "virtualNetworks/v",
            RelationshipKind::Contains,
            "subnets/a"
        ));
        assert!(has(
            &rels,
            "resourceGroups/net",
            RelationshipKind::Contains,
            "virtualNetworks/v"
        ));
        assert!(has(
            &rels,
            "subnets/a",
            RelationshipKind::SecuredBy,
            "networkSecurityGroups/nsg"
        ));
        assert!(
            has(
                &rels,
                "networkInterfaces/nic",
                RelationshipKind::UsesSubnet,
                "subnets/a"
            ),
            "case-insensitive match"
        );
        assert!(has(
            &rels,
            "networkInterfaces/nic",
            RelationshipKind::UsesIdentity,
            "userAssignedIdentities/u"
        ));
        assert!(has(
            &rels,
            "/subscriptions/s",
            RelationshipKind::Contains,
            "resourceGroups/app"
        ));
        assert!(
            !rels.iter().any(|r| r.target_id.contains("elsewhere")),
            "dangling references make no edge"
        );
        assert!(
            !rels
                .iter()
                .any(|r| r.kind != RelationshipKind::Contains && r.source_id == r.target_id)
        );
        let via = rels
            .iter()
            .find(|r| r.kind == RelationshipKind::UsesSubnet)
            .unwrap();
        assert_eq!(
            via.via,
            "properties.ipConfigurations[0].properties.subnet.id"
        );
    }
}
