//! Deleting one of atg's scans from a Neo4j graph (`GraphStore::delete_scan`,
//! which `scan --prune` and a Ctrl-C'd scan use), leaving every other
//! snapshot whole and Azure Tenant Grapher's (ATG-py's) view as it was
//! before the scan wrote.
//!
//! Nodes are shared (one per ARM ID, holding the values of the scan that
//! wrote it last, named by its `scan_id`), so a scan's nodes cannot simply
//! go. For each node the scan included, its own edges go (its `INCLUDES`
//! edge, and the edges leaving the node that carry its `scan_id`), and then:
//! - another atg scan includes the node: it stays, and if the deleted scan
//!   wrote it last it takes back the values of the newest scan that
//!   includes it (from that scan's `INCLUDES` edge);
//! - nothing else uses it (no edge left but the deleted scan's, and no
//!   `updated_at`, the stamp ATG-py puts on every node it writes): it is
//!   deleted;
//! - else (ATG-py's twin link, its edges or its stamp): it stays, with the
//!   values the deleted scan read, and loses `scan_id`, so it reads as part
//!   of the `atg-py` snapshot again.
//!
//! A graph ATG-py wrote has no `:Scan`, so nothing of it is ever deleted
//! here. The work goes in batches of `BATCH` nodes, one explicit
//! transaction each, every statement finding its nodes through the
//! uniqueness index on `id`: no round trip per node, and no batch walks
//! the whole scan. (kglite-bolt-server, the test server, refuses write
//! clauses inside `CALL { } IN TRANSACTIONS`, which would otherwise do the
//! batching.) The scan is marked failed first and its node goes last, so
//! a deletion cut short leaves a failed scan that `scan --prune` finishes.

use super::rows::{self, Columns, map, opt, text};
use super::{Endpoint, Neo4jStore, params, statement_chunks, wire_size};
use crate::graph::GraphError;
use crate::model::Resource;
use neo4j::ValueSend;
use std::collections::{HashMap, HashSet};

/// Nodes per transaction.
const BATCH: usize = 5000;

/// What a scan that still includes a node saw of it: its order among scans
/// (start time, then creation time in nanoseconds, as `scans` orders them)
/// and the columns the kind's `SAW` query returns.
struct Saw {
    order: (String, i64),
    scan_id: String,
    columns: Columns,
}

impl Endpoint {
    /// The columns of an `INCLUDES` edge `i` (into node `n`) that restore
    /// a node of this kind. A resource's record is only read when the
    /// deleted scan (`$scan_id`) wrote the node last.
    fn saw(self) -> &'static str {
        match self {
            Endpoint::Resource => "CASE WHEN n.scan_id = $scan_id THEN i.record END AS record",
            Endpoint::ResourceGroup => {
                "i.name AS name, i.location AS location, i.subscription_id AS subscription_id, i.tags AS tags"
            }
            Endpoint::Subscription => "i.display_name AS display_name, i.tenant_id AS tenant_id",
        }
    }

    /// The statement that gives nodes of this kind back the values in
    /// `$rows` (made by `restore_row`), as the writes set them.
    fn restore(self) -> &'static str {
        match self {
            Endpoint::Resource => {
                "UNWIND $rows AS row MATCH (r:Resource {id: row.id})
                 SET r += row.clear
                 SET r += row.set, r.scan_id = row.scan"
            }
            Endpoint::ResourceGroup => {
                "UNWIND $rows AS row MATCH (g:ResourceGroup {id: row.id})
                 SET g.name = row.name, g.location = row.location,
                     g.subscription_id = row.subscription_id, g.tags = row.tags"
            }
            Endpoint::Subscription => {
                "UNWIND $rows AS row MATCH (s:Subscription {id: row.id})
                 SET s.name = coalesce(row.display_name, s.name, row.id),
                     s.tenant_id = coalesce(row.tenant_id, s.tenant_id)"
            }
        }
    }

    /// The row `restore` takes for node `id`, from what the newest scan
    /// that includes it saw; `None` when nothing needs restoring (a
    /// resource the deleted scan did not write last).
    ///
    /// Errors: `Corrupt` for a resource record that does not parse.
    fn restore_row(self, id: &str, saw: Saw) -> Result<Option<ValueSend>, GraphError> {
        let Saw {
            scan_id,
            mut columns,
            ..
        } = saw;
        Ok(Some(match self {
            Endpoint::Resource => {
                let Some(record) = columns.string("record") else {
                    return Ok(None);
                };
                let r: Resource = serde_json::from_str(&record)
                    .map_err(|e| GraphError::Corrupt(format!("a resource record: {e}")))?;
                let (set, clear) = rows::resource_props(&r);
                map([
                    ("id", text(id)),
                    ("set", set),
                    ("clear", clear),
                    ("scan", text(&scan_id)),
                ])
            }
            Endpoint::ResourceGroup => map([
                ("id", text(id)),
                ("name", opt(&columns.string("name"))),
                ("location", opt(&columns.string("location"))),
                ("subscription_id", opt(&columns.string("subscription_id"))),
                ("tags", opt(&columns.string("tags"))),
            ]),
            Endpoint::Subscription => map([
                ("id", text(id)),
                ("display_name", opt(&columns.string("display_name"))),
                ("tenant_id", opt(&columns.string("tenant_id"))),
            ]),
        }))
    }
}

impl Neo4jStore {
    /// Deletes atg scan `scan_id` as the module doc says; a scan that does
    /// not exist (or the `atg-py` snapshot, which has no `:Scan`) is left
    /// alone.
    ///
    /// Errors: a query failure, or `Corrupt` for a record that cannot be
    /// restored; batches done by then stay done, and the scan stays
    /// `failed` for `scan --prune` to finish.
    pub(super) fn remove_scan(&self, scan_id: &str) -> Result<(), GraphError> {
        let marked = self.write(
            "mark the scan for removal",
            &[(
                "MATCH (s:Scan {scan_id: $scan_id})
                 SET s.status = 'failed', s.failures = $failures
                 RETURN s.scan_id AS id"
                    .to_string(),
                params([
                    ("scan_id", text(scan_id)),
                    (
                        "failures",
                        text(r#"["its removal did not finish: run `atg scan --prune`"]"#),
                    ),
                ]),
            )],
        )?;
        if marked.iter().all(Vec::is_empty) {
            return Ok(());
        }
        for kind in [
            Endpoint::Resource,
            Endpoint::ResourceGroup,
            Endpoint::Subscription,
        ] {
            let ids = self.included(scan_id, kind)?;
            for chunk in ids.chunks(BATCH) {
                self.remove_batch(scan_id, kind, chunk)?;
            }
        }
        self.write(
            "delete the scan",
            &[(
                "MATCH (s:Scan {scan_id: $scan_id}) DETACH DELETE s".to_string(),
                params([("scan_id", text(scan_id))]),
            )],
        )?;
        self.writes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(scan_id);
        Ok(())
    }

    /// The IDs of the nodes of one kind that a scan includes, each once.
    fn included(&self, scan_id: &str, kind: Endpoint) -> Result<Vec<String>, GraphError> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for record in self.read(
            "list the scan's nodes",
            &format!(
                "MATCH (:Scan {{scan_id: $scan_id}})-[:INCLUDES]->(n:{}) RETURN n.id AS id",
                kind.label()
            ),
            params([("scan_id", text(scan_id))]),
        )? {
            if let Some(id) = Columns::of(record).string("id")
                && seen.insert(id.clone())
            {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Removes a scan from one batch of the nodes it includes, in one
    /// transaction (see the module doc).
    fn remove_batch(
        &self,
        scan_id: &str,
        kind: Endpoint,
        ids: &[String],
    ) -> Result<(), GraphError> {
        let label = kind.label();
        let batch = || {
            params([
                (
                    "ids",
                    ValueSend::List(ids.iter().map(|i| text(i)).collect()),
                ),
                ("scan_id", text(scan_id)),
            ])
        };
        self.write_with("remove the scan's nodes", |run| {
            // The scan's edges leaving these nodes, and its INCLUDES edges
            // into them (found from the node, not from the :Scan, whose
            // INCLUDES edges are as many as the scan's nodes).
            run(
                &format!(
                    "UNWIND $ids AS id MATCH (n:{label} {{id: id}})-[e]->()
                     WHERE e.scan_id = $scan_id DELETE e"
                ),
                &batch(),
            )?;
            run(
                &format!(
                    "UNWIND $ids AS id MATCH (n:{label} {{id: id}})<-[i:INCLUDES]-()
                     WHERE i.scan_id = $scan_id DELETE i"
                ),
                &batch(),
            )?;
            // The newest other scan that includes each node.
            let mut newest: HashMap<String, Saw> = HashMap::new();
            for record in run(
                &format!(
                    "UNWIND $ids AS id MATCH (n:{label} {{id: id}})<-[i:INCLUDES]-(s:Scan)
                     RETURN id, s.scan_id AS by, s.started_at AS started_at, s.created_ns AS created_ns, {}",
                    kind.saw()
                ),
                &batch(),
            )? {
                let mut c = Columns::of(record);
                let (Some(id), Some(by)) = (c.string("id"), c.string("by")) else {
                    continue;
                };
                let order = (c.string("started_at").unwrap_or_default(), c.int("created_ns"));
                if newest.get(&id).is_none_or(|s| s.order < order) {
                    newest.insert(
                        id,
                        Saw {
                            order,
                            scan_id: by,
                            columns: c,
                        },
                    );
                }
            }
            let mut restore = Vec::new();
            let mut lonely = Vec::new();
            for id in ids {
                match newest.remove(id) {
                    Some(saw) => restore.extend(kind.restore_row(id, saw)?),
                    None => lonely.push(text(id)),
                }
            }
            for chunk in statement_chunks(&restore, wire_size) {
                run(
                    kind.restore(),
                    &params([("rows", ValueSend::List(chunk.to_vec()))]),
                )?;
            }
            if !lonely.is_empty() {
                let lonely = params([
                    ("ids", ValueSend::List(lonely)),
                    ("scan_id", text(scan_id)),
                ]);
                // Edges of the deleted scan still to be removed (those
                // leaving nodes of later batches) do not count as a use.
                run(
                    &format!(
                        "UNWIND $ids AS id MATCH (n:{label} {{id: id}})
                         OPTIONAL MATCH (n)-[e]-() WHERE e.scan_id IS NULL OR e.scan_id <> $scan_id
                         WITH n, count(e) AS uses WHERE uses = 0 AND n.updated_at IS NULL
                         DETACH DELETE n"
                    ),
                    &lonely,
                )?;
                run(
                    &format!(
                        "UNWIND $ids AS id MATCH (n:{label} {{id: id}}) WHERE n.scan_id = $scan_id
                         REMOVE n.scan_id"
                    ),
                    &lonely,
                )?;
            }
            Ok(())
        })
    }
}
