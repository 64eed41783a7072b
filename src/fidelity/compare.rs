//! Resource-level comparison of a source scope with a target scope: pairs
//! resources by normalised key, classifies each one, diffs paired ones,
//! and compares resource groups and relationships over paired endpoints.
//!
//! Cost: O(n) hash lookups to pair (no pairwise comparison), then one walk
//! over each pair's properties, in parallel. Every ARM ID, resource group
//! and relationship counts once, however often a store lists it. Scores
//! (`score`) and rendering (`commands`) are left to others.

use super::diff::{DiffContext, Difference};
use super::normalize::{Keys, Normalizer, Side, strip_iteration_prefix};
use crate::model::{RelationshipKind, Resource, ResourceId, Snapshot};
use foldhash::{HashMap, HashSet};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One side of a comparison: the scan, the subscription it was cut to
/// (if any) and its records.
#[derive(Debug, Clone)]
pub struct ScopeData {
    /// The scan the records come from.
    pub scan_id: String,
    /// The subscription the records were limited to, if any.
    pub subscription: Option<String>,
    /// The records.
    pub snapshot: Snapshot,
}

/// How to pair resources.
#[derive(Debug, Clone, Default)]
pub struct MatchOptions {
    /// Only these ARM types (any case); all when empty.
    pub resource_types: Vec<String>,
    /// Prefixes stripped from names besides `ITERATION{N}_`.
    pub prefixes: Vec<String>,
    /// `(source, target)` resource group names that correspond.
    pub group_map: Vec<(String, String)>,
}

/// The resource-level verdict on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Paired, and no configuration difference.
    ExactMatch,
    /// Paired, with configuration differences.
    Drifted,
    /// In the source, with no copy in the target.
    MissingTarget,
    /// In the target, with no original in the source.
    MissingSource,
}

impl Status {
    /// The spelling in reports, e.g. `EXACT_MATCH`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::ExactMatch => "EXACT_MATCH",
            Status::Drifted => "DRIFTED",
            Status::MissingTarget => "MISSING_TARGET",
            Status::MissingSource => "MISSING_SOURCE",
        }
    }
}

/// The verdict on one resource, with the differences of a drifted one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceResult {
    /// The verdict.
    pub status: Status,
    /// Lowercase ARM type.
    #[serde(rename = "type")]
    pub r#type: String,
    /// The source resource's ARM ID (absent for `MISSING_SOURCE`).
    pub source_id: Option<String>,
    /// The target resource's ARM ID (absent for `MISSING_TARGET`).
    pub target_id: Option<String>,
    /// Differing properties of a `DRIFTED` resource, secrets redacted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
}

/// Counts for one ARM type, or for all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Source resources.
    pub source: u64,
    /// Target resources.
    pub target: u64,
    /// Paired without differences.
    pub exact_match: u64,
    /// Paired with differences.
    pub drifted: u64,
    /// Source resources without a copy.
    pub missing_target: u64,
    /// Target resources without an original.
    pub missing_source: u64,
}

impl StatusCounts {
    fn add(&mut self, s: Status) {
        match s {
            Status::ExactMatch => self.exact_match += 1,
            Status::Drifted => self.drifted += 1,
            Status::MissingTarget => self.missing_target += 1,
            Status::MissingSource => self.missing_source += 1,
        }
    }

    /// Paired resources (exact or drifted).
    pub fn matched(&self) -> u64 {
        self.exact_match + self.drifted
    }
}

/// What one side holds, counted once per ARM ID.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeSummary {
    /// The scan.
    pub scan_id: String,
    /// The subscription the scope was cut to, or the scan's only one.
    pub subscription_id: Option<String>,
    /// Resources.
    pub resources: u64,
    /// Relationships (each source, kind and target once).
    pub relationships: u64,
    /// Resource groups.
    pub resource_groups: u64,
    /// Distinct ARM types.
    pub resource_types: u64,
    /// Resources per lowercase ARM type.
    pub by_type: BTreeMap<String, u64>,
    /// Rows dropped because their ARM ID (or relationship) was already counted.
    pub duplicates_ignored: u64,
}

/// Resource groups paired by normalised name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupResult {
    /// Source resource groups.
    pub source: u64,
    /// Target resource groups.
    pub target: u64,
    /// Paired.
    pub matched: u64,
    /// Source resource groups without a copy (names).
    pub missing_target: Vec<String>,
    /// Target resource groups without an original (names).
    pub missing_source: Vec<String>,
}

/// Relationships compared over paired endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipResult {
    /// Source relationships.
    pub source: u64,
    /// Target relationships.
    pub target: u64,
    /// Source relationships whose two endpoints both have a copy.
    pub comparable: u64,
    /// Comparable relationships the target has too (same kind, paired endpoints).
    pub preserved: u64,
    /// Comparable relationships the target lacks.
    pub missing: u64,
    /// Target relationships between paired endpoints that the source lacks.
    pub extra: u64,
}

/// The whole comparison.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The source side.
    pub source: ScopeSummary,
    /// The target side.
    pub target: ScopeSummary,
    /// `N` of the target's `ITERATION{N}_` resource groups, when they carry one.
    pub iteration: Option<u32>,
    /// Counts over all types.
    pub totals: StatusCounts,
    /// Counts per lowercase ARM type.
    pub by_type: BTreeMap<String, StatusCounts>,
    /// Resource groups.
    pub resource_groups: GroupResult,
    /// Relationships.
    pub relationships: RelationshipResult,
    /// Every resource's verdict, ordered by type, verdict, then ARM ID.
    pub resources: Vec<ResourceResult>,
}

/// A side's resources, each ARM ID once and within the type filter.
fn unique_resources<'a>(
    snapshot: &'a Snapshot,
    types: &HashSet<String>,
) -> (Vec<&'a Resource>, HashMap<String, usize>, u64) {
    let mut index = HashMap::with_capacity_and_hasher(snapshot.resources.len(), Default::default());
    let mut out = Vec::with_capacity(snapshot.resources.len());
    let mut dups = 0;
    for r in &snapshot.resources {
        if !types.is_empty() && !types.contains(&r.type_key()) {
            continue;
        }
        match index.entry(r.id_key()) {
            std::collections::hash_map::Entry::Occupied(_) => dups += 1,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(out.len());
                out.push(r);
            }
        }
    }
    (out, index, dups)
}

fn keys_of(resources: &[&Resource], norm: &Normalizer, side: Side) -> Vec<Keys> {
    resources
        .par_iter()
        .map(|r| {
            norm.keys(
                &r.id,
                &r.type_key(),
                r.resource_group.as_deref(),
                &r.name,
                side,
            )
        })
        .collect()
}

/// Pairs targets with sources: first by exact key, then leftovers by
/// generated key. Ties go to the first in stored order. Returns, per
/// target index, its source index.
fn pair(source: &[Keys], target: &[Keys]) -> Vec<Option<usize>> {
    let mut paired = vec![None; target.len()];
    let mut taken = vec![false; source.len()];
    for generated in [false, true] {
        fn key(k: &Keys, generated: bool) -> Option<&str> {
            if generated {
                k.generated.as_deref()
            } else {
                Some(k.exact.as_str())
            }
        }
        let mut by_key: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, k) in source.iter().enumerate().rev() {
            if !taken[i]
                && let Some(k) = key(k, generated)
            {
                by_key.entry(k).or_default().push(i);
            }
        }
        for (j, k) in target.iter().enumerate() {
            if paired[j].is_some() {
                continue;
            }
            if let Some(i) = key(k, generated)
                .and_then(|k| by_key.get_mut(k))
                .and_then(Vec::pop)
            {
                paired[j] = Some(i);
                taken[i] = true;
            }
        }
    }
    paired
}

/// A node of one side's graph: one of its resources (by index), or any
/// other ARM ID (numbered as met).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    Resource(u32),
    Other(u32),
}

/// Endpoint of a relationship, comparable across sides: a source resource
/// index, a resource group name index, or the scope's subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Endpoint {
    Resource(u32),
    Group(u32),
    Subscription(u32),
}

/// Compares two scopes.
pub fn compare(source: &ScopeData, target: &ScopeData, opts: &MatchOptions) -> Comparison {
    let norm = Normalizer::new(&opts.prefixes, &opts.group_map);
    let types: HashSet<String> = opts
        .resource_types
        .iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let (src, src_index, src_dups) = unique_resources(&source.snapshot, &types);
    let (tgt, tgt_index, tgt_dups) = unique_resources(&target.snapshot, &types);
    let (src_keys, tgt_keys) = rayon::join(
        || keys_of(&src, &norm, Side::Source),
        || keys_of(&tgt, &norm, Side::Target),
    );
    let paired = pair(&src_keys, &tgt_keys);
    drop((src_keys, tgt_keys));

    let mut aliases = scope_aliases(source, target);
    let mut source_paired = vec![None; src.len()];
    for (j, p) in paired.iter().enumerate() {
        if let Some(i) = *p {
            source_paired[i] = Some(j);
            if !tgt[j].name.eq_ignore_ascii_case(&src[i].name) {
                aliases.insert(tgt[j].name.to_ascii_lowercase(), src[i].name.clone());
            }
        }
    }
    let target_to_source: HashMap<&str, usize> = tgt_index
        .iter()
        .filter_map(|(k, j)| Some((k.as_str(), paired[*j]?)))
        .collect();
    let paired_index: HashMap<&str, usize> = src_index
        .iter()
        .filter(|(_, i)| source_paired[**i].is_some())
        .map(|(k, i)| (k.as_str(), *i))
        .collect();
    let cx = DiffContext {
        norm: &norm,
        source_index: &paired_index,
        target_to_source: &target_to_source,
        aliases: &aliases,
    };
    let mut resources: Vec<ResourceResult> = src
        .par_iter()
        .enumerate()
        .map(|(i, s)| match source_paired[i] {
            Some(j) => {
                let differences = cx.diff(s, tgt[j]);
                ResourceResult {
                    status: if differences.is_empty() {
                        Status::ExactMatch
                    } else {
                        Status::Drifted
                    },
                    r#type: s.type_key(),
                    source_id: Some(s.id.clone()),
                    target_id: Some(tgt[j].id.clone()),
                    differences,
                }
            }
            None => ResourceResult {
                status: Status::MissingTarget,
                r#type: s.type_key(),
                source_id: Some(s.id.clone()),
                target_id: None,
                differences: Vec::new(),
            },
        })
        .collect();
    resources.extend(
        tgt.iter()
            .zip(&paired)
            .filter(|(_, p)| p.is_none())
            .map(|(t, _)| ResourceResult {
                status: Status::MissingSource,
                r#type: t.type_key(),
                source_id: None,
                target_id: Some(t.id.clone()),
                differences: Vec::new(),
            }),
    );
    fn id_of(r: &ResourceResult) -> impl Iterator<Item = u8> + '_ {
        r.source_id
            .as_deref()
            .or(r.target_id.as_deref())
            .unwrap_or_default()
            .bytes()
            .map(|b| b.to_ascii_lowercase())
    }
    resources.par_sort_unstable_by(|a, b| {
        (a.r#type.as_str(), a.status)
            .cmp(&(b.r#type.as_str(), b.status))
            .then_with(|| id_of(a).cmp(id_of(b)))
            .then_with(|| a.source_id.cmp(&b.source_id))
            .then_with(|| a.target_id.cmp(&b.target_id))
    });

    let mut totals = StatusCounts::default();
    let mut by_type: BTreeMap<String, StatusCounts> = BTreeMap::new();
    for r in &resources {
        let t = by_type.entry(r.r#type.clone()).or_default();
        t.add(r.status);
        totals.add(r.status);
        if r.source_id.is_some() {
            t.source += 1;
            totals.source += 1;
        }
        if r.target_id.is_some() {
            t.target += 1;
            totals.target += 1;
        }
    }

    // Resource groups, paired by normalised name.
    let group_names = |d: &ScopeData, side: Side| -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for g in &d.snapshot.resource_groups {
            m.entry(norm.resource_group(&g.name, side))
                .or_insert_with(|| g.name.clone());
        }
        m
    };
    let (src_groups, tgt_groups) = (
        group_names(source, Side::Source),
        group_names(target, Side::Target),
    );
    let resource_groups = GroupResult {
        source: src_groups.len() as u64,
        target: tgt_groups.len() as u64,
        matched: src_groups
            .keys()
            .filter(|k| tgt_groups.contains_key(*k))
            .count() as u64,
        missing_target: src_groups
            .iter()
            .filter(|(k, _)| !tgt_groups.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect(),
        missing_source: tgt_groups
            .iter()
            .filter(|(k, _)| !src_groups.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect(),
    };

    // Relationships over paired endpoints.
    let group_ids: HashMap<&str, u32> = src_groups
        .keys()
        .filter(|k| tgt_groups.contains_key(*k))
        .enumerate()
        .map(|(i, k)| (k.as_str(), i as u32))
        .collect();
    let single_sub = |d: &ScopeData| -> Option<String> {
        d.subscription.clone().or_else(|| {
            (d.snapshot.subscriptions.len() == 1)
                .then(|| d.snapshot.subscriptions[0].subscription_id.clone())
        })
    };
    let (src_sub, tgt_sub) = (single_sub(source), single_sub(target));
    // An endpoint that is no resource of the side: a resource group or the
    // subscription when paired, else nothing comparable.
    let other_endpoint = |id: &str, side: Side| -> Option<Endpoint> {
        let parsed = ResourceId::parse(id).ok()?;
        if parsed.namespace.is_some() {
            return None;
        }
        match &parsed.resource_group {
            Some(g) => group_ids
                .get(norm.resource_group(g, side).as_str())
                .map(|i| Endpoint::Group(*i)),
            None => {
                let sub = parsed.subscription.as_deref()?;
                let own = match side {
                    Side::Source => src_sub.as_deref(),
                    Side::Target => tgt_sub.as_deref(),
                };
                own.filter(|o| o.eq_ignore_ascii_case(sub))
                    .map(|_| Endpoint::Subscription(0))
            }
        }
    };
    // Each side's relationships, each (source, kind, target) once, and
    // those between paired endpoints as comparable edges.
    let edges = |side: Side| {
        let (d, list, index) = match side {
            Side::Source => (source, &src, &src_index),
            Side::Target => (target, &tgt, &tgt_index),
        };
        // Stored relationships spell IDs as their resources do: look up the
        // exact spelling first, then case-insensitively.
        let exact: HashMap<&str, u32> = list
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i as u32))
            .collect();
        let mut others: HashMap<String, (u32, Option<Endpoint>)> = HashMap::default();
        let mut node = |id: &str| -> Node {
            if let Some(i) = exact.get(id) {
                return Node::Resource(*i);
            }
            let key = id.to_ascii_lowercase();
            if let Some(i) = index.get(&key) {
                return Node::Resource(*i as u32);
            }
            let n = others.len() as u32;
            let (k, _) = *others
                .entry(key)
                .or_insert_with(|| (n, other_endpoint(id, side)));
            Node::Other(k)
        };
        let mut seen: HashSet<(Node, RelationshipKind, Node)> = HashSet::default();
        let mut nodes: Vec<(Node, RelationshipKind, Node)> = Vec::new();
        let mut dups = 0u64;
        for r in &d.snapshot.relationships {
            let a = node(&r.source_id);
            if !types.is_empty() && !matches!(a, Node::Resource(_)) {
                continue;
            }
            let b = node(&r.target_id);
            if seen.insert((a, r.kind, b)) {
                nodes.push((a, r.kind, b));
            } else {
                dups += 1;
            }
        }
        let other_ends: HashMap<u32, Option<Endpoint>> = others.into_values().collect();
        let end = |n: Node| -> Option<Endpoint> {
            match n {
                Node::Resource(i) => match side {
                    Side::Source => source_paired[i as usize].map(|_| Endpoint::Resource(i)),
                    Side::Target => paired[i as usize].map(|s| Endpoint::Resource(s as u32)),
                },
                Node::Other(k) => other_ends.get(&k).copied().flatten(),
            }
        };
        let comparable: HashSet<(Endpoint, RelationshipKind, Endpoint)> = nodes
            .iter()
            .filter_map(|(a, k, b)| Some((end(*a)?, *k, end(*b)?)))
            .collect();
        (seen.len() as u64, comparable, dups)
    };
    let ((src_rel, src_edges, src_rel_dups), (tgt_rel, tgt_edges, tgt_rel_dups)) =
        rayon::join(|| edges(Side::Source), || edges(Side::Target));
    let preserved = src_edges.intersection(&tgt_edges).count() as u64;
    let relationships = RelationshipResult {
        source: src_rel,
        target: tgt_rel,
        comparable: src_edges.len() as u64,
        preserved,
        missing: src_edges.len() as u64 - preserved,
        extra: tgt_edges.len() as u64 - preserved,
    };

    let summary =
        |d: &ScopeData, n: &StatusCounts, side: Side, dups: u64, rels: u64, groups: usize| {
            let by_type: BTreeMap<String, u64> = by_type
                .iter()
                .map(|(t, c)| {
                    (
                        t.clone(),
                        if side == Side::Source {
                            c.source
                        } else {
                            c.target
                        },
                    )
                })
                .filter(|(_, c)| *c > 0)
                .collect();
            ScopeSummary {
                scan_id: d.scan_id.clone(),
                subscription_id: single_sub(d),
                resources: if side == Side::Source {
                    n.source
                } else {
                    n.target
                },
                relationships: rels,
                resource_groups: groups as u64,
                resource_types: by_type.len() as u64,
                by_type,
                duplicates_ignored: dups,
            }
        };
    Comparison {
        source: summary(
            source,
            &totals,
            Side::Source,
            src_dups + src_rel_dups,
            src_rel,
            src_groups.len(),
        ),
        target: summary(
            target,
            &totals,
            Side::Target,
            tgt_dups + tgt_rel_dups,
            tgt_rel,
            tgt_groups.len(),
        ),
        iteration: detect_iteration(&target.snapshot),
        totals,
        by_type,
        resource_groups,
        relationships,
        resources,
    }
}

/// The subscription and tenant GUIDs of the target (lowercase) → the
/// source's, when each side has exactly one.
fn scope_aliases(source: &ScopeData, target: &ScopeData) -> HashMap<String, String> {
    let one = |d: &ScopeData, tenant: bool| -> Option<String> {
        let mut ids: Vec<String> = if tenant {
            d.snapshot
                .subscriptions
                .iter()
                .filter_map(|s| s.tenant_id.clone())
                .collect()
        } else {
            d.subscription.clone().into_iter().collect::<Vec<_>>()
        };
        if !tenant && ids.is_empty() {
            ids = d
                .snapshot
                .subscriptions
                .iter()
                .map(|s| s.subscription_id.clone())
                .collect();
        }
        ids.sort_by_key(|s| s.to_ascii_lowercase());
        ids.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        (ids.len() == 1).then(|| ids.remove(0))
    };
    let mut out = HashMap::default();
    for tenant in [false, true] {
        if let (Some(s), Some(t)) = (one(source, tenant), one(target, tenant))
            && !s.eq_ignore_ascii_case(&t)
        {
            out.insert(t.to_ascii_lowercase(), s);
        }
    }
    out
}

/// The most common `N` among the target's `ITERATION{N}_` resource groups.
fn detect_iteration(snapshot: &Snapshot) -> Option<u32> {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for g in &snapshot.resource_groups {
        if let (_, Some(n)) = strip_iteration_prefix(&g.name) {
            *counts.entry(n).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iac::doc::Value as Hcl;
    use crate::iac::emitters;

    fn contoso() -> Snapshot {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures/tenant-contoso.json");
        assert!(
            path.exists(),
            "missing `{}`: this test needs the shared fixtures beside the repo (../shared)",
            path.display()
        );
        crate::azure::load_file(&path).expect("contoso loads").0
    }

    fn scope(snapshot: Snapshot) -> ScopeData {
        ScopeData {
            scan_id: "s".into(),
            subscription: None,
            snapshot,
        }
    }

    /// Every globally unique name `generate` gives a contoso resource (with
    /// `ITERATION5_` groups) pairs back with its source: `global_name_rule`
    /// and the emitters agree.
    #[test]
    fn generated_names_pair_back_with_their_source() {
        let source = contoso();
        let mut opts = crate::iac::GenerateOptions::default();
        opts.target.resource_group_prefix = "ITERATION5_".into();
        let generated = crate::iac::generate(&source, &opts);
        let names: HashMap<String, String> = generated
            .document
            .blocks()
            .filter_map(|b| match b.body.get("name") {
                Some(Hcl::Str(s)) => Some((b.address()?, s.clone())),
                _ => None,
            })
            .collect();
        let mut target = source.clone();
        let mut moves: Vec<(String, String)> = Vec::new();
        for e in &generated.report.resources {
            let r = target
                .resources
                .iter_mut()
                .find(|r| r.id == e.arm_id)
                .unwrap();
            if emitters::global_name_rule(&r.type_key()).is_some() {
                let new = names[&e.address].clone();
                assert_ne!(new, r.name, "`{}` got a suffix", r.id);
                let new_id = format!("{}/{new}", r.id.rsplit_once('/').unwrap().0);
                moves.push((r.id.clone(), new_id.clone()));
                r.id = new_id;
                r.name = new;
            }
        }
        assert_eq!(
            moves.len(),
            11,
            "contoso has 11 resources with globally unique names"
        );
        for r in &mut target.resources {
            for (old, new) in &moves {
                if let Some(rest) = r.id.strip_prefix(&format!("{old}/")) {
                    r.id = format!("{new}/{rest}");
                }
            }
            r.id =
                r.id.replace("/resourceGroups/rg-", "/resourceGroups/ITERATION5_rg-");
            r.resource_group = r.resource_group.as_ref().map(|g| format!("ITERATION5_{g}"));
        }
        let c = compare(&scope(source), &scope(target), &MatchOptions::default());
        assert_eq!(c.totals.source, 51);
        assert_eq!(c.totals.matched(), 51, "{:?}", c.by_type);
        assert_eq!(c.totals.missing_source, 0);
    }

    /// A store that lists a resource or relationship twice counts it once
    /// (the Python tool counted its dual graph twice).
    #[test]
    fn duplicates_count_once() {
        let mut source = contoso();
        source.relationships = crate::graph::relationships::derive(&source);
        let mut doubled = source.clone();
        doubled
            .resources
            .extend(source.resources[..5].iter().cloned());
        doubled
            .relationships
            .extend(source.relationships[..7].iter().cloned());
        let c = compare(
            &scope(source.clone()),
            &scope(doubled),
            &MatchOptions::default(),
        );
        assert_eq!(c.target.resources, 51);
        assert_eq!(c.target.relationships, source.relationships.len() as u64);
        assert_eq!(c.target.duplicates_ignored, 12);
        assert_eq!(c.totals.exact_match, 51);
        assert_eq!(c.relationships.preserved, c.relationships.comparable);
    }
}
