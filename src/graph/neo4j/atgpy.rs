//! Reading a graph that Azure Tenant Grapher (ATG-py) wrote: its nodes read
//! as one snapshot, `atg-py`, and its relationship types map to atg's kinds.
//!
//! ATG-py keeps no scans: every resource is one `:Resource:Original` node
//! (ARM ID in `id`, `properties` and `tags` as JSON text cut at 5000
//! characters), and, in its dual graph, an abstracted twin `:Resource`
//! (hashed `id`, `original_id`) linked `(twin)-[:SCAN_SOURCE_NODE]->(original)`.
//! Older ATG-py graphs have plain `:Resource` nodes. This module reads each
//! ARM resource once, from the original, and leaves out what atg's own scans
//! own (nodes and edges whose `scan_id` names an atg `:Scan`). The queries of
//! atg's own scans are left to the parent module.

use super::rows::{self, Columns};
use super::{Neo4jStore, Params, params};
use crate::graph::GraphError;
use crate::model::{
    Relationship, RelationshipKind, Resource, ResourceGroup, ResourceId, ScanInfo, ScanStatus,
    Snapshot, Subscription,
};
use neo4j::ValueSend;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The scan ID under which a graph's ATG-py nodes read as one snapshot.
pub const SCAN_ID: &str = "atg-py";

/// The `via` of a relationship read from an ATG-py edge: this prefix and the
/// edge's type, e.g. `atg-py:CONNECTED_TO_PE`.
pub const VIA_PREFIX: &str = "atg-py:";

/// The atg kind an ATG-py relationship type between two resources maps to.
/// `None` for types that never join two resources (`SCAN_SOURCE_NODE`, the
/// dual graph's twin link, and edges to tag, region, identity and user
/// nodes, which are not read at all). Types not listed become `REFERENCES`.
///
/// The table (docs/NEO4J.md shows both directions): atg's own kinds map to
/// themselves; `CONNECTED_TO_PE` (private endpoint) and `USES` (VM → NIC)
/// are `CONNECTED_TO`; `SENDS_DIAG_TO` is `LOGS_TO`; `STORES_SECRET`,
/// `RESOLVES_TO`, `MONITORS`, `USES_NETWORK` are `REFERENCES`.
pub fn kind_of(edge_type: &str) -> Option<RelationshipKind> {
    if let Some(k) = RelationshipKind::parse(edge_type) {
        return Some(k);
    }
    Some(match edge_type {
        "SCAN_SOURCE_NODE" | "TAGGED_WITH" | "LOCATED_IN" | "CREATED_BY" | "ASSIGNED_TO"
        | "HAS_ROLE" | "INHERITS_TAG" => return None,
        "CONNECTED_TO_PE" | "USES" => RelationshipKind::ConnectedTo,
        "SENDS_DIAG_TO" => RelationshipKind::LogsTo,
        _ => RelationshipKind::References,
    })
}

/// The `WHERE` condition that picks the nodes of the ATG-py snapshot bound
/// to `v`: ARM IDs (twins have hashed IDs), originals or single-graph nodes
/// (not twins), no atg scan's.
fn candidate(v: &str) -> String {
    format!(
        "{v}.id STARTS WITH '/' AND ({v}:Original OR {v}.original_id IS NULL)
         AND ({v}.scan_id IS NULL OR NOT {v}.scan_id IN $scans)"
    )
}

fn scans_param(atg_scans: &[String]) -> Params {
    params([(
        "scans",
        ValueSend::List(atg_scans.iter().map(|s| rows::text(s)).collect()),
    )])
}

/// The `atg-py` scan's metadata when the graph has ATG-py resources, with
/// the counts a load gives.
///
/// Errors: a query failure.
pub(super) fn scan_info(
    store: &Neo4jStore,
    atg_scans: &[String],
) -> Result<Option<ScanInfo>, GraphError> {
    let found = store.read(
        "look for Azure Tenant Grapher resources",
        &format!(
            "MATCH (r:Resource) WHERE {}
             RETURN count(r) AS n, toString(max(r.updated_at)) AS at",
            candidate("r")
        ),
        scans_param(atg_scans),
    )?;
    let Some(mut found) = found.into_iter().next().map(Columns::of) else {
        return Ok(None);
    };
    if found.int("n") == 0 {
        return Ok(None);
    }
    // ATG-py stamps every node `updated_at = datetime()`: the newest stamp
    // is when it last wrote this graph.
    let at = found.string("at").map(|t| rfc3339_seconds(&t));
    let snap = load(store, atg_scans)?;
    let mut subscriptions: Vec<String> = snap
        .subscriptions
        .iter()
        .map(|s| s.subscription_id.clone())
        .collect();
    subscriptions.sort();
    Ok(Some(ScanInfo {
        scan_id: SCAN_ID.to_string(),
        started_at: at.clone().unwrap_or_default(),
        finished_at: at,
        source: format!("neo4j:{}", store.uri()),
        tenant_id: snap
            .subscriptions
            .iter()
            .find_map(|s| s.tenant_id.clone())
            .or_else(|| snap.resources.iter().find_map(|r| r.tenant_id.clone())),
        subscriptions,
        status: ScanStatus::Finished,
        resource_count: snap.resources.len() as u64,
        relationship_count: snap.relationships.len() as u64,
        failures: Vec::new(),
    }))
}

/// A Neo4j datetime's text (ISO 8601: `2026-03-01T10:07:00.5Z`,
/// `2026-03-01T10:07+01:00`; Neo4j leaves out zero seconds) as RFC 3339 UTC
/// to the second, the way atg writes scan times; text it cannot read is
/// kept as it is.
fn rfc3339_seconds(t: &str) -> String {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    time::OffsetDateTime::parse(t, &Iso8601::DEFAULT)
        .ok()
        .and_then(|d| {
            d.to_offset(time::UtcOffset::UTC)
                .replace_nanosecond(0)
                .ok()?
                .format(&Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// Loads the ATG-py snapshot: each ARM resource once (from its original),
/// sorted by ARM ID; the resource groups and subscriptions they lie in (from
/// their nodes, or derived from the IDs); and the edges between them,
/// mapped by `kind_of`. A type stored in ATG-py's spelling that disagrees
/// with the ARM ID (its subnets are `Microsoft.Network/subnets`) is read
/// from the ID. Values ATG-py cut short stay as text (`Resource::is_truncated`).
///
/// Errors: `NoSuchScan` when the graph has no ATG-py resource; a query or
/// decoding failure.
pub(super) fn load(store: &Neo4jStore, atg_scans: &[String]) -> Result<Snapshot, GraphError> {
    let fields = rows::resource_projection("r");
    let mut by_key: BTreeMap<String, (bool, Resource)> = BTreeMap::new();
    for record in store.read(
        "read Azure Tenant Grapher resources",
        &format!(
            "MATCH (r:Resource) WHERE {} RETURN {fields}, r:Original AS original",
            candidate("r")
        ),
        scans_param(atg_scans),
    )? {
        let mut c = Columns::of(record);
        let original = c.flag("original");
        let mut r = rows::resource(&mut c)?;
        if let Ok(id) = ResourceId::parse(&r.id)
            && id.namespace.is_some()
            && id.resource_type() != r.type_key()
        {
            r.r#type = id.resource_type();
        }
        if r.properties.is_null() {
            // ATG-py leaves an empty `properties` out.
            r.properties = Value::Object(Default::default());
        }
        match by_key.get(&r.id_key()) {
            Some((true, _)) => {}
            Some((false, _)) if !original => {}
            _ => {
                by_key.insert(r.id_key(), (original, r));
            }
        }
    }
    if by_key.is_empty() {
        return Err(GraphError::NoSuchScan(SCAN_ID.to_string()));
    }
    let resources: Vec<Resource> = by_key.into_values().map(|(_, r)| r).collect();
    let (subscriptions, resource_groups) = containers(store, atg_scans, &resources)?;
    let relationships = edges(
        store,
        atg_scans,
        &resources,
        &resource_groups,
        &subscriptions,
    )?;
    Ok(Snapshot {
        subscriptions,
        resource_groups,
        resources,
        relationships,
    })
}

/// The subscriptions and resource groups of the ATG-py snapshot: nodes no
/// atg scan includes, and those that hold one of `resources`; any that
/// `resources` lie in but the graph lacks are derived from the ARM IDs.
fn containers(
    store: &Neo4jStore,
    atg_scans: &[String],
    resources: &[Resource],
) -> Result<(Vec<Subscription>, Vec<ResourceGroup>), GraphError> {
    let mut needed_groups: HashSet<String> = HashSet::new();
    let mut needed_subs: HashSet<String> = HashSet::new();
    for r in resources {
        if let Ok(id) = ResourceId::parse(&r.id) {
            needed_subs.extend(id.subscription.as_deref().map(str::to_ascii_lowercase));
            needed_groups.extend(id.resource_group_id().map(|g| g.to_ascii_lowercase()));
        }
    }
    let included = |label: &str| -> Result<HashSet<String>, GraphError> {
        Ok(store
            .read(
                "read the containers atg's scans include",
                &format!(
                    "MATCH (s:Scan)-[:INCLUDES]->(n:{label}) WHERE s.scan_id IN $scans RETURN DISTINCT n.id AS id"
                ),
                scans_param(atg_scans),
            )?
            .into_iter()
            .filter_map(|r| Columns::of(r).string("id"))
            .map(|id| id.to_ascii_lowercase())
            .collect())
    };
    let atg_groups = included("ResourceGroup")?;
    let atg_subs = included("Subscription")?;

    let mut groups: BTreeMap<String, ResourceGroup> = BTreeMap::new();
    for record in store.read(
        "read resource groups",
        "MATCH (g:ResourceGroup) RETURN g.id AS id, g.name AS name, g.location AS location,
           g.subscription_id AS subscription_id, g.tags AS tags",
        Params::new(),
    )? {
        let mut c = Columns::of(record);
        let Some(id) = c.string("id") else { continue };
        let key = id.to_ascii_lowercase();
        if atg_groups.contains(&key) && !needed_groups.contains(&key) {
            continue;
        }
        let parsed = ResourceId::parse(&id).ok();
        groups.insert(
            key,
            ResourceGroup {
                name: c
                    .string("name")
                    .or_else(|| parsed.as_ref().and_then(|p| p.resource_group.clone()))
                    .unwrap_or_default(),
                location: c.string("location"),
                subscription_id: c
                    .string("subscription_id")
                    .or_else(|| parsed.and_then(|p| p.subscription)),
                tags: c.json("tags"),
                id,
            },
        );
    }
    let mut subs: BTreeMap<String, Subscription> = BTreeMap::new();
    for record in store.read(
        "read subscriptions",
        "MATCH (s:Subscription) RETURN s.id AS id, s.name AS name, s.tenant_id AS tenant_id",
        Params::new(),
    )? {
        let mut c = Columns::of(record);
        let Some(id) = c.string("id") else { continue };
        let key = id.to_ascii_lowercase();
        if atg_subs.contains(&key) && !needed_subs.contains(&key) {
            continue;
        }
        // ATG-py writes the GUID (or "") as the name when it knows no other.
        let name = c.string("name").filter(|n| !n.eq_ignore_ascii_case(&id));
        subs.insert(
            key,
            Subscription {
                display_name: name,
                tenant_id: c.string("tenant_id"),
                subscription_id: id,
            },
        );
    }
    for r in resources {
        let Ok(id) = ResourceId::parse(&r.id) else {
            continue;
        };
        if let Some(sub) = &id.subscription {
            subs.entry(sub.to_ascii_lowercase())
                .or_insert_with(|| Subscription {
                    subscription_id: sub.clone(),
                    display_name: None,
                    tenant_id: r.tenant_id.clone(),
                });
        }
        if let (Some(gid), Some(name)) = (id.resource_group_id(), &id.resource_group) {
            groups
                .entry(gid.to_ascii_lowercase())
                .or_insert_with(|| ResourceGroup {
                    id: gid,
                    name: name.clone(),
                    location: r.location.clone(),
                    subscription_id: id.subscription.clone(),
                    tags: Value::Null,
                });
        }
    }
    Ok((subs.into_values().collect(), groups.into_values().collect()))
}

/// The ATG-py edges that join two nodes of the snapshot, mapped to atg's
/// kinds, sorted, each once.
fn edges(
    store: &Neo4jStore,
    atg_scans: &[String],
    resources: &[Resource],
    groups: &[ResourceGroup],
    subs: &[Subscription],
) -> Result<Vec<Relationship>, GraphError> {
    // Lowercase node ID → the ARM ID the snapshot spells.
    let mut ids: HashMap<String, String> = HashMap::new();
    ids.extend(resources.iter().map(|r| (r.id_key(), r.id.clone())));
    ids.extend(
        groups
            .iter()
            .map(|g| (g.id.to_ascii_lowercase(), g.id.clone())),
    );
    let sub_ids: HashMap<String, String> = subs
        .iter()
        .map(|s| {
            (
                s.subscription_id.to_ascii_lowercase(),
                format!("/subscriptions/{}", s.subscription_id),
            )
        })
        .collect();
    let mut out: Vec<Relationship> = Vec::new();
    for target in ["Resource", "ResourceGroup"] {
        let query = format!(
            "MATCH (a)-[e]->(b:{target})
             WHERE (e.scan_id IS NULL OR NOT e.scan_id IN $scans) AND NOT type(e) IN ['SCAN_SOURCE_NODE', 'INCLUDES']
             RETURN a.id AS s, a:Subscription AS from_subscription, type(e) AS kind, b.id AS t"
        );
        for record in store.read(
            "read Azure Tenant Grapher edges",
            &query,
            scans_param(atg_scans),
        )? {
            let mut c = Columns::of(record);
            let from_sub = c.flag("from_subscription");
            let (Some(s), Some(t), Some(kind)) = (c.string("s"), c.string("t"), c.string("kind"))
            else {
                continue;
            };
            let source = if from_sub {
                sub_ids.get(&s.to_ascii_lowercase())
            } else {
                ids.get(&s.to_ascii_lowercase())
            };
            let (Some(source), Some(target), Some(k)) =
                (source, ids.get(&t.to_ascii_lowercase()), kind_of(&kind))
            else {
                continue;
            };
            out.push(Relationship {
                source_id: source.clone(),
                kind: k,
                target_id: target.clone(),
                via: format!("{VIA_PREFIX}{kind}"),
            });
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neo4j_datetimes_become_rfc3339_seconds() {
        assert_eq!(
            rfc3339_seconds("2026-03-01T10:07:00.858951184Z"),
            "2026-03-01T10:07:00Z"
        );
        assert_eq!(
            rfc3339_seconds("2026-03-01T10:07:00+01:00"),
            "2026-03-01T09:07:00Z"
        );
        assert_eq!(rfc3339_seconds("2026-03-01T10:07Z"), "2026-03-01T10:07:00Z");
        assert_eq!(rfc3339_seconds("yesterday"), "yesterday");
    }

    #[test]
    fn atg_py_edge_types_map_to_atg_kinds() {
        assert_eq!(kind_of("USES_SUBNET"), Some(RelationshipKind::UsesSubnet));
        assert_eq!(
            kind_of("CONNECTED_TO_PE"),
            Some(RelationshipKind::ConnectedTo)
        );
        assert_eq!(kind_of("USES"), Some(RelationshipKind::ConnectedTo));
        assert_eq!(kind_of("SENDS_DIAG_TO"), Some(RelationshipKind::LogsTo));
        assert_eq!(kind_of("RESOLVES_TO"), Some(RelationshipKind::References));
        assert_eq!(kind_of("SCAN_SOURCE_NODE"), None);
        assert_eq!(kind_of("TAGGED_WITH"), None);
        assert_eq!(kind_of("LOCATED_IN"), None);
    }
}
