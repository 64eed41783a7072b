//! The Neo4j backend of `GraphStore`, in Azure Tenant Grapher's layout so
//! that atg and Azure Tenant Grapher (ATG-py) read each other's graphs.
//!
//! Layout (docs/NEO4J.md has the whole story):
//!
//! ```text
//! (:Subscription {id: GUID})-[:CONTAINS]->(:ResourceGroup {id: ARM ID})-[:CONTAINS]->(:Resource:Original {id: ARM ID, …})
//! (:Resource:Original)-[:USES_SUBNET|SECURED_BY|… {scan_id, via, seq}]->(:Resource:Original)
//! (:Scan {scan_id, status, started_at, …})-[:INCLUDES {scan_id, seq, …}]->(:Subscription|:ResourceGroup|:Resource)
//! ```
//!
//! ATG-py keeps one `:Resource` node per ARM ID (a uniqueness constraint)
//! holding the resource as last seen, so atg does too: a scan writes the
//! node's properties as ATG-py would (plus `scan_id`, the newest atg scan
//! that wrote it). What a scan saw is kept on its `INCLUDES` edge (a
//! resource's whole record as JSON in `record`; a resource group's or
//! subscription's fields as properties), and every
//! edge between nodes carries its scan's `scan_id`; a later scan adds its own
//! edges and never changes an earlier scan's, so finished snapshots stay as
//! they were while ATG-py readers see one node per resource. Nodes that no
//! atg scan wrote (a graph ATG-py built) read as the one snapshot `atg-py`
//! (`atgpy`).
//!
//! Writes are `UNWIND $rows … MERGE/CREATE` statements, one explicit
//! transaction per batch; constraints and indexes are created
//! `IF NOT EXISTS` before the first write. Connection settings and error
//! mapping are left to `connect`, value layout to `rows`, removing a scan
//! from the shared nodes to `delete`.
//!
//! The test server, kglite-bolt-server, differs from Neo4j 5 in ways noted
//! where they matter (it cannot change a node's first label, and gives
//! nodes that lack them synthetic `id`, `name` and `title` properties); the
//! Cypher here is what Neo4j 5 accepts.

pub mod atgpy;
pub mod connect;
mod delete;
pub mod rows;

use super::{GraphError, GraphStore, ScopeCounts, owner};
use crate::model::{
    Relationship, RelationshipKind, Resource, ResourceGroup, ResourceId, ScanInfo, ScanStatus,
    Snapshot, Subscription,
};
use async_trait::async_trait;
pub use connect::Neo4jSettings;
use neo4j::ValueSend;
use neo4j::driver::{Driver, Record, RoutingControl};
use neo4j::session::SessionConfig;
use rayon::prelude::*;
use rows::{Columns, map, opt, text};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Rows per `UNWIND` statement; a batch larger than this is several
/// statements in one transaction.
const STATEMENT_ROWS: usize = 5000;

/// Bytes of row data per statement, roughly. kglite-bolt-server refuses a
/// Bolt message over 16 MiB (Neo4j has no such small limit), so resources
/// with large properties go in smaller statements.
const STATEMENT_BYTES: usize = 4 << 20;

/// Splits `rows` into runs of at most `STATEMENT_ROWS` rows and about
/// `STATEMENT_BYTES` bytes (`size` estimates a row; a row larger than that
/// goes alone).
fn statement_chunks<T>(rows: &[T], size: impl Fn(&T) -> usize) -> Vec<&[T]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        let n = size(row);
        if i > start && (i - start == STATEMENT_ROWS || bytes + n > STATEMENT_BYTES) {
            out.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += n;
    }
    if start < rows.len() {
        out.push(&rows[start..]);
    }
    out
}

/// The bytes a value takes on the wire, roughly.
fn wire_size(v: &ValueSend) -> usize {
    match v {
        ValueSend::String(s) => s.len() + 4,
        ValueSend::List(items) => items.iter().map(wire_size).sum::<usize>() + 4,
        ValueSend::Map(m) => m.iter().map(|(k, v)| k.len() + wire_size(v)).sum::<usize>() + 4,
        _ => 9,
    }
}

/// Constraints and indexes, each `IF NOT EXISTS`. The first three and
/// `resource_scan_id` are ATG-py's own (migrations 0002 and 0010), so an
/// ATG-py database already has them.
const SCHEMA: [&str; 5] = [
    "CREATE CONSTRAINT IF NOT EXISTS FOR (r:Resource) REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT IF NOT EXISTS FOR (rg:ResourceGroup) REQUIRE rg.id IS UNIQUE",
    "CREATE CONSTRAINT IF NOT EXISTS FOR (s:Subscription) REQUIRE s.id IS UNIQUE",
    "CREATE CONSTRAINT atg_scan_id IF NOT EXISTS FOR (s:Scan) REQUIRE s.scan_id IS UNIQUE",
    "CREATE INDEX resource_scan_id IF NOT EXISTS FOR (r:Resource) ON (r.scan_id)",
];

/// What the store remembers about a scan this process is writing.
#[derive(Default)]
struct WriteState {
    /// Next `seq` for subscriptions, resource groups, resources, edges.
    next: [i64; 4],
    /// Subscription GUIDs written, lowercase → as spelled.
    subscriptions: HashMap<String, String>,
}

/// The Neo4j store.
pub struct Neo4jStore {
    settings: Neo4jSettings,
    driver: Driver,
    writes: Mutex<HashMap<String, WriteState>>,
    schema_ready: std::sync::OnceLock<()>,
}

/// Query parameters.
type Params = HashMap<String, ValueSend>;

/// Runs one statement of a transaction (`Neo4jStore::write_with`) and
/// returns its records.
type Statements<'a> = dyn FnMut(&str, &Params) -> Result<Vec<Record>, GraphError> + 'a;

fn params<const N: usize>(pairs: [(&str, ValueSend); N]) -> Params {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Which kind of node an ARM ID names in the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Endpoint {
    Subscription,
    ResourceGroup,
    Resource,
}

impl Endpoint {
    fn of(id: &str) -> Self {
        match ResourceId::parse(id) {
            Ok(p) if p.namespace.is_none() && p.resource_group.is_some() => Self::ResourceGroup,
            Ok(p) if p.namespace.is_none() && p.subscription.is_some() => Self::Subscription,
            _ => Self::Resource,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Subscription => "Subscription",
            Self::ResourceGroup => "ResourceGroup",
            Self::Resource => "Resource",
        }
    }
}

impl Neo4jStore {
    /// Connects to the server the settings name and checks the credentials.
    ///
    /// Errors: those of `Neo4jSettings::connect`.
    pub fn open(settings: Neo4jSettings) -> Result<Self, GraphError> {
        let driver = settings.connect()?;
        Ok(Neo4jStore {
            settings,
            driver,
            writes: Mutex::new(HashMap::new()),
            schema_ready: std::sync::OnceLock::new(),
        })
    }

    /// The URI this store talks to.
    pub fn uri(&self) -> &str {
        &self.settings.uri
    }

    fn session_config(&self) -> SessionConfig {
        match &self.settings.database {
            Some(db) => SessionConfig::new().with_database(Arc::new(db.clone())),
            None => SessionConfig::new(),
        }
    }

    /// Runs `statements` in one write transaction and returns each one's
    /// records; nothing is kept unless all succeed.
    // The driver's closures return its own (large) error type.
    #[allow(clippy::result_large_err)]
    fn write(
        &self,
        doing: &str,
        statements: &[(String, Params)],
    ) -> Result<Vec<Vec<Record>>, GraphError> {
        let mut session = self.driver.session(self.session_config());
        session
            .transaction()
            .with_routing_control(RoutingControl::Write)
            .run(|tx| {
                let mut out = Vec::with_capacity(statements.len());
                for (query, p) in statements {
                    let stream = tx.query(query).with_parameters(p).run()?;
                    out.push(stream.collect::<Result<Vec<Record>, _>>()?);
                }
                tx.commit()?;
                Ok(out)
            })
            .map_err(|e| self.settings.error(e, doing))
    }

    /// Runs `work` in one write transaction, handing it a function that
    /// runs a statement and returns its records, so that what a statement
    /// writes can depend on what an earlier one read. The transaction is
    /// committed when `work` returns `Ok`, and rolled back when it returns
    /// an error (a failed statement, or its own).
    #[allow(clippy::result_large_err)]
    fn write_with<R>(
        &self,
        doing: &str,
        work: impl FnOnce(&mut Statements<'_>) -> Result<R, GraphError>,
    ) -> Result<R, GraphError> {
        let mut session = self.driver.session(self.session_config());
        session
            .transaction()
            .with_routing_control(RoutingControl::Write)
            .run(|tx| {
                let mut run = |query: &str, p: &Params| -> Result<Vec<Record>, GraphError> {
                    tx.query(query)
                        .with_parameters(p)
                        .run()
                        .and_then(|stream| stream.collect::<Result<Vec<Record>, _>>())
                        .map_err(|e| self.settings.error(e, doing))
                };
                let out = work(&mut run);
                if out.is_ok() {
                    tx.commit()?;
                }
                Ok(out)
            })
            .map_err(|e| self.settings.error(e, doing))?
    }

    /// Runs one read query and returns its records.
    #[allow(clippy::result_large_err)]
    fn read(&self, doing: &str, query: &str, p: Params) -> Result<Vec<Record>, GraphError> {
        let mut session = self.driver.session(self.session_config());
        session
            .transaction()
            .with_routing_control(RoutingControl::Read)
            .run(|tx| {
                let stream = tx.query(query).with_parameters(&p).run()?;
                let records = stream.collect::<Result<Vec<Record>, _>>()?;
                tx.commit()?;
                Ok(records)
            })
            .map_err(|e| self.settings.error(e, doing))
    }

    /// Creates the constraints and indexes, once per store. Schema changes
    /// run in auto-commit transactions (Neo4j does not mix them with data
    /// writes).
    fn ensure_schema(&self) -> Result<(), GraphError> {
        if self.schema_ready.get().is_some() {
            return Ok(());
        }
        let mut session = self.driver.session(self.session_config());
        for statement in SCHEMA {
            match session.auto_commit(statement).run() {
                Ok(_) => {}
                // A schema rule the database already has in another form
                // (say a plain index where atg asks for a uniqueness
                // constraint) is not worth failing the write for: the
                // writes MERGE either way.
                Err(neo4j::Neo4jError::ServerError { error, .. })
                    if error.code().starts_with("Neo.ClientError.Schema.") => {}
                Err(e) => return Err(self.settings.error(e, "create constraints and indexes")),
            }
        }
        let _ = self.schema_ready.set(());
        Ok(())
    }

    /// The IDs of atg's scans.
    fn scan_ids(&self) -> Result<Vec<String>, GraphError> {
        self.read(
            "list scans",
            "MATCH (s:Scan) RETURN s.scan_id AS id",
            Params::new(),
        )?
        .into_iter()
        .map(|r| Columns::of(r).required("id", "a scan node"))
        .collect()
    }

    /// Runs `f` on what this process remembers of a scan it writes.
    fn state<R>(&self, scan_id: &str, f: impl FnOnce(&mut WriteState) -> R) -> R {
        let mut writes = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        f(writes.entry(scan_id.to_string()).or_default())
    }

    /// Takes the next `n` sequence numbers of counter `which` for a scan.
    fn take_seq(&self, scan_id: &str, which: usize, n: usize) -> i64 {
        self.state(scan_id, |w| {
            let first = w.next[which];
            w.next[which] += n as i64;
            first
        })
    }

    fn scan_exists(&self, scan_id: &str) -> Result<bool, GraphError> {
        Ok(!self
            .read(
                "read a scan",
                "MATCH (s:Scan {scan_id: $scan_id}) RETURN s.scan_id AS id",
                params([("scan_id", text(scan_id))]),
            )?
            .is_empty())
    }

    fn scan_info(c: &mut Columns) -> Result<ScanInfo, GraphError> {
        let status = c.required("status", "a scan node")?;
        Ok(ScanInfo {
            scan_id: c.required("scan_id", "a scan node")?,
            started_at: c.string("started_at").unwrap_or_default(),
            finished_at: c.string("finished_at"),
            source: c.string("source").unwrap_or_default(),
            tenant_id: c.string("tenant_id"),
            subscriptions: c.strings("subscriptions"),
            status: owner::reported_status(
                ScanStatus::parse(&status).unwrap_or(ScanStatus::Failed),
                c.string("owner").as_deref(),
            ),
            resource_count: c.int("resource_count").max(0) as u64,
            relationship_count: c.int("relationship_count").max(0) as u64,
            failures: c.strings("failures"),
        })
    }

    /// Resources of an atg scan, in the order they were written, as the
    /// scan saw them (the JSON `record` on its `INCLUDES` edges, parsed in
    /// parallel).
    fn read_resources(&self, scan_id: &str) -> Result<Vec<Resource>, GraphError> {
        let texts: Vec<Option<String>> = self
            .read(
                "read resources",
                "MATCH (:Scan {scan_id: $scan_id})-[i:INCLUDES]->(:Resource)
                 RETURN i.record AS record ORDER BY i.seq",
                params([("scan_id", text(scan_id))]),
            )?
            .into_iter()
            .map(|record| match record.into_values().next() {
                Some(neo4j::ValueReceive::String(s)) => Some(s),
                _ => None,
            })
            .collect();
        texts
            .into_par_iter()
            .map(|t| {
                let t = t.ok_or_else(|| {
                    GraphError::Corrupt("an INCLUDES edge without its record".into())
                })?;
                serde_json::from_str::<Resource>(&t)
                    .map_err(|e| GraphError::Corrupt(format!("a resource record: {e}")))
            })
            .collect()
    }

    /// Relationships of an atg scan, in the order they were written: the
    /// edges that carry its `scan_id` and leave a node it includes.
    fn read_relationships(&self, scan_id: &str) -> Result<Vec<Relationship>, GraphError> {
        let records = self.read(
            "read relationships",
            "MATCH (:Scan {scan_id: $scan_id})-[:INCLUDES]->(a)-[e]->(b) WHERE e.scan_id = $scan_id
             RETURN coalesce(e.source_id, a.id) AS s, type(e) AS kind, b.id AS t, e.via AS via
             ORDER BY e.seq",
            params([("scan_id", text(scan_id))]),
        )?;
        let rows: Vec<Vec<neo4j::ValueReceive>> = records
            .into_iter()
            .map(|r| r.into_values().collect())
            .collect();
        rows.into_par_iter()
            .map(|row| {
                let mut it = row.into_iter().map(|v| match v {
                    neo4j::ValueReceive::String(s) => Some(s),
                    _ => None,
                });
                let mut next = |what: &str| {
                    it.next()
                        .flatten()
                        .ok_or_else(|| GraphError::Corrupt(format!("an edge without {what}")))
                };
                let (source_id, kind, target_id) =
                    (next("a source")?, next("a type")?, next("a target")?);
                Ok(Relationship {
                    source_id,
                    kind: RelationshipKind::parse(&kind).ok_or_else(|| {
                        GraphError::Corrupt(format!("relationship kind `{kind}`"))
                    })?,
                    target_id,
                    via: next("via").unwrap_or_default(),
                })
            })
            .collect()
    }

    fn read_scan(&self, scan_id: &str) -> Result<Snapshot, GraphError> {
        if !self.scan_exists(scan_id)? {
            return Err(GraphError::NoSuchScan(scan_id.to_string()));
        }
        let p = || params([("scan_id", text(scan_id))]);
        let mut snap = Snapshot::default();
        for record in self.read(
            "read subscriptions",
            "MATCH (:Scan {scan_id: $scan_id})-[i:INCLUDES]->(s:Subscription)
             RETURN s.id AS id, i.display_name AS display_name, i.tenant_id AS tenant_id ORDER BY i.seq",
            p(),
        )? {
            let mut c = Columns::of(record);
            snap.subscriptions.push(Subscription {
                subscription_id: c.required("id", "a subscription node")?,
                display_name: c.string("display_name"),
                tenant_id: c.string("tenant_id"),
            });
        }
        for record in self.read(
            "read resource groups",
            "MATCH (:Scan {scan_id: $scan_id})-[i:INCLUDES]->(g:ResourceGroup)
             RETURN g.id AS id, i.name AS name, i.location AS location,
                    i.subscription_id AS subscription_id, i.tags AS tags ORDER BY i.seq",
            p(),
        )? {
            let mut c = Columns::of(record);
            snap.resource_groups.push(ResourceGroup {
                id: c.required("id", "a resource group node")?,
                name: c.string("name").unwrap_or_default(),
                location: c.string("location"),
                subscription_id: c.string("subscription_id"),
                tags: c.json("tags"),
            });
        }
        snap.resources = self.read_resources(scan_id)?;
        snap.relationships = self.read_relationships(scan_id)?;
        Ok(snap)
    }

    /// Counts of an atg scan (see `GraphStore::counts`), in four queries.
    fn scan_counts(
        &self,
        scan_id: &str,
        subscription: Option<&str>,
    ) -> Result<ScopeCounts, GraphError> {
        // `toLower(x) STARTS WITH $prefix` cuts to one subscription
        // (case-insensitively, like SQLite's LIKE); an empty prefix keeps all.
        let (prefix, own) = match subscription {
            Some(s) => (
                format!("/subscriptions/{}/", s.to_ascii_lowercase()),
                format!("/subscriptions/{}", s.to_ascii_lowercase()),
            ),
            None => (String::new(), String::new()),
        };
        let p = || {
            params([
                ("scan_id", text(scan_id)),
                ("prefix", text(&prefix)),
                ("own", text(&own)),
            ])
        };
        let one = |doing: &str, query: &str| -> Result<Columns, GraphError> {
            self.read(doing, query, p())?
                .into_iter()
                .next()
                .map(Columns::of)
                .ok_or_else(|| GraphError::Query(format!("{doing}: no result row")))
        };
        let mut resources = 0;
        let mut types = 0;
        for record in self.read(
            "count resources",
            "MATCH (:Scan {scan_id: $scan_id})-[i:INCLUDES]->(r:Resource)
             WHERE toLower(r.id) STARTS WITH $prefix
             RETURN toLower(i.type) AS type, count(DISTINCT toLower(r.id)) AS n",
            p(),
        )? {
            resources += Columns::of(record).int("n").max(0) as u64;
            types += 1;
        }
        let groups = one(
            "count resource groups",
            "MATCH (:Scan {scan_id: $scan_id})-[i:INCLUDES]->(g:ResourceGroup)
             WHERE toLower(g.id) STARTS WITH $prefix
             RETURN count(DISTINCT toLower(i.name)) AS n",
        )?
        .int("n");
        let relationships = one(
            "count relationships",
            "MATCH (:Scan {scan_id: $scan_id})-[:INCLUDES]->(a)-[e]->() WHERE e.scan_id = $scan_id
               AND (toLower(coalesce(e.source_id, a.id)) STARTS WITH $prefix
                    OR toLower(coalesce(e.source_id, a.id)) = $own)
             RETURN count(e) AS n",
        )?
        .int("n")
        .max(0) as u64;
        Ok(ScopeCounts {
            resources,
            relationships,
            resource_groups: groups.max(0) as u64,
            resource_types: types,
        })
    }

    /// The statements that write edges of one batch, grouped by kind and
    /// by the kinds of node at each end (Cypher cannot take a relationship
    /// type as a parameter; kinds come from a closed list).
    fn edge_statements(&self, scan_id: &str, batch: &[Relationship]) -> Vec<(String, Params)> {
        let first = self.take_seq(scan_id, 3, batch.len());
        let subs = self.state(scan_id, |w| w.subscriptions.clone());
        let mut groups: HashMap<(RelationshipKind, Endpoint, Endpoint), Vec<ValueSend>> =
            HashMap::new();
        for (i, r) in batch.iter().enumerate() {
            let (from, to) = (Endpoint::of(&r.source_id), Endpoint::of(&r.target_id));
            let node_id = |id: &str, e: Endpoint| match e {
                // Subscription nodes hold the GUID, as the subscription
                // record spells it.
                Endpoint::Subscription => {
                    let guid = id.rsplit('/').next().unwrap_or_default();
                    subs.get(&guid.to_ascii_lowercase())
                        .cloned()
                        .unwrap_or_else(|| guid.to_string())
                }
                _ => id.to_string(),
            };
            groups.entry((r.kind, from, to)).or_default().push(map([
                ("s", text(&node_id(&r.source_id, from))),
                ("t", text(&node_id(&r.target_id, to))),
                (
                    "sid",
                    if from == Endpoint::Subscription {
                        text(&r.source_id)
                    } else {
                        ValueSend::Null
                    },
                ),
                ("via", text(&r.via)),
                ("seq", ValueSend::Integer(first + i as i64)),
            ]));
        }
        let mut keys: Vec<_> = groups.keys().copied().collect();
        keys.sort_by_key(|(k, a, b)| (*k, *a as u8, *b as u8));
        let mut out = Vec::new();
        for key in keys {
            let (kind, from, to) = key;
            let query = format!(
                "UNWIND $rows AS row
                 MATCH (a:{} {{id: row.s}})
                 MATCH (b:{} {{id: row.t}})
                 CREATE (a)-[e:{} {{scan_id: $scan_id, via: row.via, seq: row.seq{}}}]->(b)
                 RETURN count(e) AS n",
                from.label(),
                to.label(),
                kind.as_str(),
                // A subscription node holds the GUID; the edge keeps the
                // source ID as the relationship spelled it.
                if from == Endpoint::Subscription {
                    ", source_id: row.sid"
                } else {
                    ""
                }
            );
            for chunk in statement_chunks(&groups[&key], wire_size) {
                out.push((
                    query.clone(),
                    params([
                        ("rows", ValueSend::List(chunk.to_vec())),
                        ("scan_id", text(scan_id)),
                    ]),
                ));
            }
        }
        out
    }
}

#[async_trait]
impl GraphStore for Neo4jStore {
    async fn begin_scan(&self, info: &ScanInfo) -> Result<(), GraphError> {
        self.ensure_schema()?;
        self.write(
            "register the scan",
            &[(
                // The other properties are SET rather than given in CREATE's
                // map: kglite-bolt-server fixes a label's property names at
                // its first CREATE (Neo4j does not), and older scans may lack
                // newer ones.
                "CREATE (s:Scan {scan_id: $scan_id})
                 SET s.started_at = $started_at, s.source = $source, s.tenant_id = $tenant_id,
                     s.subscriptions = $subscriptions, s.status = 'running',
                     s.resource_count = 0, s.relationship_count = 0, s.failures = '[]',
                     s.created_ns = $created_ns, s.owner = $owner"
                    .to_string(),
                params([
                    ("scan_id", text(&info.scan_id)),
                    ("started_at", text(&info.started_at)),
                    // Orders scans begun in the same second, as SQLite's rowid does.
                    (
                        "created_ns",
                        ValueSend::Integer(
                            std::time::SystemTime::now()
                                .duration_since(std::time::UNIX_EPOCH)
                                .map_or(0, |d| d.as_nanos() as i64),
                        ),
                    ),
                    ("source", text(&info.source)),
                    // The process writing the scan (`graph::owner`): once it
                    // is gone, a scan still running reads as abandoned.
                    ("owner", text(owner::current())),
                    ("tenant_id", opt(&info.tenant_id)),
                    (
                        "subscriptions",
                        text(&serde_json::to_string(&info.subscriptions).expect("strings")),
                    ),
                ]),
            )],
        )?;
        self.state(&info.scan_id, |w| *w = WriteState::default());
        Ok(())
    }

    async fn write_subscriptions(
        &self,
        scan_id: &str,
        batch: &[Subscription],
    ) -> Result<(), GraphError> {
        let first = self.take_seq(scan_id, 0, batch.len());
        self.state(scan_id, |w| {
            w.subscriptions.extend(batch.iter().map(|s| {
                (
                    s.subscription_id.to_ascii_lowercase(),
                    s.subscription_id.clone(),
                )
            }))
        });
        let rows: Vec<ValueSend> = batch
            .iter()
            .enumerate()
            .map(|(i, s)| {
                map([
                    ("id", text(&s.subscription_id)),
                    ("display_name", opt(&s.display_name)),
                    ("tenant_id", opt(&s.tenant_id)),
                    ("seq", ValueSend::Integer(first + i as i64)),
                ])
            })
            .collect();
        // ATG-py keeps the display name in `name`.
        self.write(
            "write subscriptions",
            &[(
                "MATCH (scan:Scan {scan_id: $scan_id})
                 UNWIND $rows AS row
                 MERGE (s:Subscription {id: row.id})
                 SET s.name = coalesce(row.display_name, s.name, row.id),
                     s.tenant_id = coalesce(row.tenant_id, s.tenant_id)
                 CREATE (scan)-[:INCLUDES {scan_id: $scan_id, seq: row.seq, display_name: row.display_name,
                   tenant_id: row.tenant_id}]->(s)"
                    .to_string(),
                params([("rows", ValueSend::List(rows)), ("scan_id", text(scan_id))]),
            )],
        )?;
        Ok(())
    }

    async fn write_resource_groups(
        &self,
        scan_id: &str,
        batch: &[ResourceGroup],
    ) -> Result<(), GraphError> {
        let first = self.take_seq(scan_id, 1, batch.len());
        let rows: Vec<ValueSend> = batch
            .iter()
            .enumerate()
            .map(|(i, g)| {
                map([
                    ("id", text(&g.id)),
                    ("name", text(&g.name)),
                    ("location", opt(&g.location)),
                    ("subscription_id", opt(&g.subscription_id)),
                    ("tags", rows::json_text(&g.tags)),
                    ("seq", ValueSend::Integer(first + i as i64)),
                ])
            })
            .collect();
        let statements: Vec<(String, Params)> = statement_chunks(&rows, wire_size)
            .into_iter()
            .map(|chunk| {
                (
                    "MATCH (scan:Scan {scan_id: $scan_id})
                     UNWIND $rows AS row
                     MERGE (g:ResourceGroup {id: row.id})
                     SET g.name = row.name, g.subscription_id = row.subscription_id,
                         g.location = row.location, g.tags = row.tags, g.type = 'ResourceGroup'
                     CREATE (scan)-[:INCLUDES {scan_id: $scan_id, seq: row.seq, name: row.name,
                       location: row.location, subscription_id: row.subscription_id, tags: row.tags}]->(g)"
                        .to_string(),
                    params([
                        ("rows", ValueSend::List(chunk.to_vec())),
                        ("scan_id", text(scan_id)),
                    ]),
                )
            })
            .collect();
        self.write("write resource groups", &statements)?;
        Ok(())
    }

    async fn write_resources(&self, scan_id: &str, batch: &[Resource]) -> Result<(), GraphError> {
        let first = self.take_seq(scan_id, 2, batch.len());
        let rows: Vec<ValueSend> = batch
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (set, clear) = rows::resource_props(r);
                map([
                    ("id", text(&r.id)),
                    ("seq", ValueSend::Integer(first + i as i64)),
                    ("type", text(&r.type_key())),
                    ("set", set),
                    ("clear", clear),
                    (
                        "record",
                        ValueSend::String(serde_json::to_string(r).expect("a resource serialises")),
                    ),
                ])
            })
            .collect();
        // MERGE on `:Resource` alone also finds a node ATG-py wrote in its
        // older single-graph layout (no `:Original`), which its uniqueness
        // constraint would not let a second node join.
        let statements: Vec<(String, Params)> = statement_chunks(&rows, wire_size)
            .into_iter()
            .map(|chunk| {
                (
                    "MATCH (scan:Scan {scan_id: $scan_id})
                     UNWIND $rows AS row
                     MERGE (r:Resource {id: row.id})
                     ON MATCH SET r += row.clear
                     SET r:Original
                     SET r += row.set, r.scan_id = $scan_id
                     CREATE (scan)-[:INCLUDES {scan_id: $scan_id, seq: row.seq, type: row.type, record: row.record}]->(r)"
                        .to_string(),
                    params([
                        ("rows", ValueSend::List(chunk.to_vec())),
                        ("scan_id", text(scan_id)),
                    ]),
                )
            })
            .collect();
        self.write("write resources", &statements)?;
        Ok(())
    }

    async fn write_relationships(
        &self,
        scan_id: &str,
        batch: &[Relationship],
    ) -> Result<(), GraphError> {
        let statements = self.edge_statements(scan_id, batch);
        let written: i64 = self
            .write("write relationships", &statements)?
            .into_iter()
            .flatten()
            .map(|r| Columns::of(r).int("n"))
            .sum();
        if written != batch.len() as i64 {
            return Err(GraphError::Corrupt(format!(
                "{} of {} relationships found no node at one end",
                batch.len() as i64 - written,
                batch.len()
            )));
        }
        Ok(())
    }

    async fn finish_scan(
        &self,
        scan_id: &str,
        status: ScanStatus,
        failures: &[String],
    ) -> Result<ScanInfo, GraphError> {
        // Rows this process wrote, when every write succeeded (a scan is
        // written by one process); otherwise count what the store holds.
        let written = (status != ScanStatus::Failed)
            .then(|| {
                let writes = self.writes.lock().unwrap_or_else(|p| p.into_inner());
                writes
                    .get(scan_id)
                    .map(|w| (w.next[2] as u64, w.next[3] as u64))
            })
            .flatten();
        let (resources, relationships) = match written {
            Some(counts) => counts,
            None => {
                let c = self.scan_counts(scan_id, None)?;
                (c.resources, c.relationships)
            }
        };
        let records = self.write(
            "finish the scan",
            &[(
                "MATCH (s:Scan {scan_id: $scan_id})
                 SET s.status = $status, s.finished_at = $finished_at, s.failures = $failures,
                     s.resource_count = $resources, s.relationship_count = $relationships
                 RETURN s.scan_id AS id"
                    .to_string(),
                params([
                    ("scan_id", text(scan_id)),
                    ("status", text(status.as_str())),
                    ("finished_at", text(&crate::clock::now_rfc3339())),
                    (
                        "failures",
                        text(&serde_json::to_string(failures).expect("strings")),
                    ),
                    ("resources", ValueSend::Integer(resources as i64)),
                    ("relationships", ValueSend::Integer(relationships as i64)),
                ]),
            )],
        )?;
        if records.iter().all(Vec::is_empty) {
            return Err(GraphError::NoSuchScan(scan_id.to_string()));
        }
        self.writes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(scan_id);
        self.scans()
            .await?
            .into_iter()
            .find(|s| s.scan_id == scan_id)
            .ok_or_else(|| GraphError::NoSuchScan(scan_id.to_string()))
    }

    async fn scans(&self) -> Result<Vec<ScanInfo>, GraphError> {
        let mut out: Vec<(i64, ScanInfo)> = Vec::new();
        for record in self.read(
            "list scans",
            "MATCH (s:Scan) RETURN s.scan_id AS scan_id, s.started_at AS started_at,
               s.finished_at AS finished_at, s.source AS source, s.tenant_id AS tenant_id,
               s.subscriptions AS subscriptions, s.status AS status, s.resource_count AS resource_count,
               s.relationship_count AS relationship_count, s.failures AS failures,
               s.created_ns AS created_ns, s.owner AS owner",
            Params::new(),
        )? {
            let mut c = Columns::of(record);
            out.push((c.int("created_ns"), Self::scan_info(&mut c)?));
        }
        // Newest first, as SQLite lists them (start time, then write order).
        out.sort_by(|(an, a), (bn, b)| b.started_at.cmp(&a.started_at).then(bn.cmp(an)));
        let mut out: Vec<ScanInfo> = out.into_iter().map(|(_, s)| s).collect();
        let ids: Vec<String> = out.iter().map(|s| s.scan_id.clone()).collect();
        if let Some(info) = atgpy::scan_info(self, &ids)? {
            out.push(info);
        }
        Ok(out)
    }

    async fn delete_scan(&self, scan_id: &str) -> Result<(), GraphError> {
        self.remove_scan(scan_id)
    }

    async fn load_snapshot(&self, scan_id: &str) -> Result<Snapshot, GraphError> {
        if scan_id == atgpy::SCAN_ID {
            let ids = self.scan_ids()?;
            return atgpy::load(self, &ids);
        }
        self.read_scan(scan_id)
    }

    async fn type_counts(&self, scan_id: &str) -> Result<Vec<(String, u64)>, GraphError> {
        if scan_id == atgpy::SCAN_ID {
            let snap = self.load_snapshot(scan_id).await?;
            return Ok(super::type_counts_of(&snap));
        }
        self.read(
            "count resources by type",
            "MATCH (:Scan {scan_id: $scan_id})-[i:INCLUDES]->(:Resource)
             RETURN toLower(i.type) AS type, count(i) AS n ORDER BY type",
            params([("scan_id", text(scan_id))]),
        )?
        .into_iter()
        .map(|record| {
            let mut c = Columns::of(record);
            let n = c.int("n").max(0) as u64;
            Ok((c.required("type", "a resource")?, n))
        })
        .collect()
    }

    async fn load_scope(
        &self,
        scan_id: &str,
        subscription: Option<&str>,
    ) -> Result<Snapshot, GraphError> {
        let snap = self.load_snapshot(scan_id).await?;
        Ok(match subscription {
            None => snap,
            Some(s) => super::cut_to_subscription(snap, s),
        })
    }

    async fn counts(
        &self,
        scan_id: &str,
        subscription: Option<&str>,
    ) -> Result<ScopeCounts, GraphError> {
        if scan_id == atgpy::SCAN_ID {
            return match self.load_scope(scan_id, subscription).await {
                Ok(snap) => Ok(super::counts_of(&snap)),
                Err(GraphError::NoSuchScan(_)) => Ok(ScopeCounts::default()),
                Err(e) => Err(e),
            };
        }
        self.scan_counts(scan_id, subscription)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_cut_by_rows_and_by_bytes() {
        let small = vec![1usize; STATEMENT_ROWS * 2 + 1];
        let runs = statement_chunks(&small, |n| *n);
        assert_eq!(
            runs.iter().map(|r| r.len()).collect::<Vec<_>>(),
            [STATEMENT_ROWS, STATEMENT_ROWS, 1]
        );
        let big = vec![STATEMENT_BYTES / 3; 7];
        assert_eq!(
            statement_chunks(&big, |n| *n)
                .iter()
                .map(|r| r.len())
                .collect::<Vec<_>>(),
            [3, 3, 1]
        );
        let huge = vec![STATEMENT_BYTES * 2, 1];
        assert_eq!(
            statement_chunks(&huge, |n| *n).len(),
            2,
            "a huge row goes alone"
        );
        assert!(statement_chunks(&[] as &[usize], |n| *n).is_empty());
    }
}
