//! The embedded SQLite backend of `GraphStore` (rusqlite, bundled SQLite).
//!
//! WAL mode; each batch is one transaction; one index on `(scan_id,
//! type_key)` for counts by type. Resources and relationships are read back
//! in insertion (rowid) order, which needs no index. JSON fields are stored
//! as text and parsed on load.
//!
//! Schema versions (`PRAGMA user_version`): 1 had an `id_key` column with an
//! index that no query used and that cost a third of the import time; 2
//! drops both; 3 adds `scans.owner`, the process writing a running scan
//! (`graph::owner`), so one whose process is gone reads as `abandoned`.
//! Older stores are migrated in place when opened.
//! Relationship rules are left to `graph::relationships`.

use super::{GraphError, GraphStore, ScopeCounts, owner};
use crate::model::{
    Relationship, RelationshipKind, Resource, ResourceGroup, ScanInfo, ScanStatus, Snapshot,
    Subscription,
};
use async_trait::async_trait;
use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use std::path::Path;
use std::sync::Mutex;

const SCHEMA_VERSION: i64 = 3;

/// Version 1 → 2: drop the unused ARM ID index and its lowercased column.
const MIGRATE_1_TO_2: &str = "
DROP INDEX IF EXISTS resources_scan_id;
ALTER TABLE resources DROP COLUMN id_key;
";

/// Version 2 → 3: record which process writes a running scan.
const MIGRATE_2_TO_3: &str = "ALTER TABLE scans ADD COLUMN owner TEXT;";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS scans (
  scan_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, source TEXT NOT NULL,
  tenant_id TEXT, subscriptions TEXT NOT NULL, status TEXT NOT NULL,
  resource_count INTEGER NOT NULL DEFAULT 0, relationship_count INTEGER NOT NULL DEFAULT 0,
  failures TEXT NOT NULL DEFAULT '[]', owner TEXT);
CREATE TABLE IF NOT EXISTS subscriptions (
  scan_id TEXT NOT NULL, subscription_id TEXT NOT NULL, display_name TEXT, tenant_id TEXT);
CREATE TABLE IF NOT EXISTS resource_groups (
  scan_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, location TEXT, subscription_id TEXT, tags TEXT);
CREATE TABLE IF NOT EXISTS resources (
  scan_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,
  type TEXT NOT NULL, type_key TEXT NOT NULL, location TEXT, resource_group TEXT, subscription_id TEXT, tenant_id TEXT, kind TEXT,
  sku TEXT, identity TEXT, zones TEXT, tags TEXT, managed_by TEXT, plan TEXT, properties TEXT);
CREATE INDEX IF NOT EXISTS resources_scan_type ON resources (scan_id, type_key);
CREATE TABLE IF NOT EXISTS relationships (
  scan_id TEXT NOT NULL, source_id TEXT NOT NULL, kind TEXT NOT NULL, target_id TEXT NOT NULL, via TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS relationships_scan ON relationships (scan_id);
";

/// The SQLite store. One connection behind a mutex; the CLI is one process.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn q(e: rusqlite::Error) -> GraphError {
    GraphError::Query(e.to_string())
}

/// Resources parsed per parallel chunk when loading.
const LOAD_CHUNK: usize = 4096;

/// Resources serialised per sub-chunk when writing.
const WRITE_CHUNK: usize = 1024;

/// The JSON columns of a resource row, serialised: sku, identity, zones,
/// tags, plan, properties (`None` for JSON null).
struct JsonColumns([Option<String>; 6]);

impl JsonColumns {
    fn of(r: &Resource) -> Self {
        JsonColumns([
            json_text(&r.sku),
            json_text(&r.identity),
            json_text(&r.zones),
            json_text(&r.tags),
            json_text(&r.plan),
            Some(r.properties.to_string()),
        ])
    }
}

/// A resource row as stored, before its JSON columns are parsed.
struct RawResource {
    id: String,
    name: String,
    r#type: String,
    location: Option<String>,
    resource_group: Option<String>,
    subscription_id: Option<String>,
    tenant_id: Option<String>,
    kind: Option<String>,
    managed_by: Option<String>,
    /// sku, identity, zones, tags, plan, properties.
    json: [Option<String>; 6],
}

impl RawResource {
    fn parse(self) -> Result<Resource, GraphError> {
        let [sku, identity, zones, tags, plan, properties] = self.json;
        Ok(Resource {
            id: self.id,
            name: self.name,
            r#type: self.r#type,
            location: self.location,
            resource_group: self.resource_group,
            subscription_id: self.subscription_id,
            tenant_id: self.tenant_id,
            kind: self.kind,
            sku: parse_json(sku)?,
            identity: parse_json(identity)?,
            zones: parse_json(zones)?,
            tags: parse_json(tags)?,
            managed_by: self.managed_by,
            plan: parse_json(plan)?,
            properties: parse_json(properties)?,
        })
    }
}

fn json_text(v: &Value) -> Option<String> {
    (!v.is_null()).then(|| v.to_string())
}

fn parse_json(s: Option<String>) -> Result<Value, GraphError> {
    match s {
        None => Ok(Value::Null),
        Some(s) => serde_json::from_str(&s).map_err(|e| GraphError::Corrupt(e.to_string())),
    }
}

impl SqliteStore {
    /// Opens or creates the store at `path`, creating parent folders.
    ///
    /// Errors: `GraphError::Open` when the folder or file cannot be created,
    /// or the file is not a store of this version.
    pub fn open(path: &Path) -> Result<Self, GraphError> {
        let open_err = |message: String| GraphError::Open {
            path: path.display().to_string(),
            message,
        };
        let not_a_store = |message: String| GraphError::NotAStore {
            path: path.display().to_string(),
            message,
        };
        // SQLite reads a file's header only at the first statement: a file
        // that is not a database fails there, not at `open`.
        let first_use = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                not_a_store(e.to_string())
            }
            _ => open_err(e.to_string()),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.to_string()))?;
        }
        let conn = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(first_use)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| open_err(e.to_string()))?;
        // 64 MiB page cache (negative = KiB): bulk imports stay in memory.
        conn.pragma_update(None, "cache_size", -65536)
            .map_err(|e| open_err(e.to_string()))?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| open_err(e.to_string()))?;
        if version > SCHEMA_VERSION {
            return Err(not_a_store(format!(
                "store version {version} is newer than this atg supports ({SCHEMA_VERSION})"
            )));
        }
        if version == 1 {
            conn.execute_batch(MIGRATE_1_TO_2)
                .map_err(|e| open_err(format!("migrating store version 1 to 2: {e}")))?;
        }
        if (1..=2).contains(&version) {
            conn.execute_batch(MIGRATE_2_TO_3)
                .map_err(|e| open_err(format!("migrating store version {version} to 3: {e}")))?;
        }
        conn.execute_batch(SCHEMA)
            .map_err(|e| open_err(e.to_string()))?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(|e| open_err(e.to_string()))?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A `scans` row (columns as `scans` selects them) and its failures
    /// text. A running scan whose owner process is gone is `Abandoned`.
    fn scan_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(ScanInfo, String, String)> {
        let subs: String = row.get(5)?;
        let status: String = row.get(6)?;
        let failures: String = row.get(9)?;
        let owner: Option<String> = row.get(10)?;
        let parsed = owner::reported_status(
            ScanStatus::parse(&status).unwrap_or(ScanStatus::Failed),
            owner.as_deref(),
        );
        Ok((
            ScanInfo {
                scan_id: row.get(0)?,
                started_at: row.get(1)?,
                finished_at: row.get(2)?,
                source: row.get(3)?,
                tenant_id: row.get(4)?,
                subscriptions: serde_json::from_str(&subs).unwrap_or_default(),
                status: parsed,
                resource_count: row.get::<_, i64>(7)? as u64,
                relationship_count: row.get::<_, i64>(8)? as u64,
                failures: Vec::new(),
            },
            status,
            failures,
        ))
    }
}

/// The filter that cuts a scan to one subscription: the subscription, a
/// `LIKE` pattern for ARM IDs below it (`LIKE` ignores ASCII case), and
/// its own ARM ID. `Scope::ALL` keeps everything.
struct Scope {
    subscription: Option<String>,
    like: Option<String>,
    own_id: Option<String>,
}

impl Scope {
    const ALL: Scope = Scope {
        subscription: None,
        like: None,
        own_id: None,
    };

    fn of(subscription: Option<&str>) -> Scope {
        match subscription {
            None => Scope::ALL,
            Some(s) => {
                let escaped = s
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                Scope {
                    subscription: Some(s.to_string()),
                    like: Some(format!("/subscriptions/{escaped}/%")),
                    own_id: Some(format!("/subscriptions/{s}")),
                }
            }
        }
    }
}

/// Reads the resource rows of a scan (within `scope`) in rowid order and
/// sends them, in chunks of `LOAD_CHUNK`, to the parsing thread. Stops
/// quietly when that thread has stopped (it failed, and reports why).
fn read_resources(
    conn: &Connection,
    scan_id: &str,
    scope: &Scope,
    tx: &std::sync::mpsc::SyncSender<Vec<RawResource>>,
) -> Result<(), GraphError> {
    // A scan's rows are written together, so they lie in one rowid range:
    // reading that range in rowid order (`+scan_id` keeps SQLite off the
    // type index) avoids a lookup per row and a sort of the whole scan.
    let (first, last): (Option<i64>, Option<i64>) = conn
        .query_row(
            "SELECT min(rowid), max(rowid) FROM resources WHERE scan_id = ?1",
            [scan_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(q)?;
    let mut st = conn
        .prepare(
            "SELECT id, name, type, location, resource_group, subscription_id, tenant_id, kind, sku, identity, zones,
                    tags, managed_by, plan, properties FROM resources
             WHERE rowid BETWEEN ?3 AND ?4 AND +scan_id = ?1 AND (?2 IS NULL OR id LIKE ?2 ESCAPE '\\')
             ORDER BY rowid",
        )
        .map_err(q)?;
    let mut rows = st
        .query(params![
            scan_id,
            scope.like,
            first.unwrap_or(0),
            last.unwrap_or(-1)
        ])
        .map_err(q)?;
    let mut chunk: Vec<RawResource> = Vec::with_capacity(LOAD_CHUNK);
    while let Some(r) = rows.next().map_err(q)? {
        let text = |i| r.get::<_, Option<String>>(i).map_err(q);
        chunk.push(RawResource {
            id: r.get(0).map_err(q)?,
            name: r.get(1).map_err(q)?,
            r#type: r.get(2).map_err(q)?,
            location: text(3)?,
            resource_group: text(4)?,
            subscription_id: text(5)?,
            tenant_id: text(6)?,
            kind: text(7)?,
            managed_by: text(12)?,
            json: [
                text(8)?,
                text(9)?,
                text(10)?,
                text(11)?,
                text(13)?,
                text(14)?,
            ],
        });
        if chunk.len() == LOAD_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(LOAD_CHUNK));
            if tx.send(full).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _ = tx.send(chunk);
    }
    Ok(())
}

/// Reads the relationships of a scan whose source lies in `scope`, in
/// rowid order.
fn read_relationships(
    conn: &Connection,
    scan_id: &str,
    scope: &Scope,
) -> Result<Vec<Relationship>, GraphError> {
    let mut st = conn
        .prepare(
            "SELECT source_id, kind, target_id, via FROM relationships WHERE scan_id = ?1
             AND (?2 IS NULL OR source_id LIKE ?2 ESCAPE '\\' OR source_id = ?3 COLLATE NOCASE) ORDER BY rowid",
        )
        .map_err(q)?;
    let mut rows = st
        .query(params![scan_id, scope.like, scope.own_id])
        .map_err(q)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(q)? {
        let kind: String = r.get(1).map_err(q)?;
        out.push(Relationship {
            source_id: r.get(0).map_err(q)?,
            kind: RelationshipKind::parse(&kind)
                .ok_or_else(|| GraphError::Corrupt(format!("relationship kind `{kind}`")))?,
            target_id: r.get(2).map_err(q)?,
            via: r.get(3).map_err(q)?,
        });
    }
    Ok(out)
}

#[async_trait]
impl GraphStore for SqliteStore {
    async fn begin_scan(&self, info: &ScanInfo) -> Result<(), GraphError> {
        self.conn()
            .execute(
                "INSERT INTO scans (scan_id, started_at, source, tenant_id, subscriptions, status, owner) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)",
                params![
                    info.scan_id,
                    info.started_at,
                    info.source,
                    info.tenant_id,
                    serde_json::to_string(&info.subscriptions).expect("strings serialise"),
                    owner::current()
                ],
            )
            .map_err(q)?;
        Ok(())
    }

    async fn write_subscriptions(
        &self,
        scan_id: &str,
        batch: &[Subscription],
    ) -> Result<(), GraphError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q)?;
        {
            let mut st = tx
                .prepare_cached("INSERT INTO subscriptions (scan_id, subscription_id, display_name, tenant_id) VALUES (?1, ?2, ?3, ?4)")
                .map_err(q)?;
            for s in batch {
                st.execute(params![
                    scan_id,
                    s.subscription_id,
                    s.display_name,
                    s.tenant_id
                ])
                .map_err(q)?;
            }
        }
        tx.commit().map_err(q)
    }

    async fn write_resource_groups(
        &self,
        scan_id: &str,
        batch: &[ResourceGroup],
    ) -> Result<(), GraphError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q)?;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT INTO resource_groups (scan_id, id, name, location, subscription_id, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(q)?;
            for g in batch {
                st.execute(params![
                    scan_id,
                    g.id,
                    g.name,
                    g.location,
                    g.subscription_id,
                    json_text(&g.tags)
                ])
                .map_err(q)?;
            }
        }
        tx.commit().map_err(q)
    }

    async fn write_resources(&self, scan_id: &str, batch: &[Resource]) -> Result<(), GraphError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q)?;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT INTO resources (scan_id, id, name, type, type_key, location, resource_group, subscription_id,
                     tenant_id, kind, sku, identity, zones, tags, managed_by, plan, properties)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                )
                .map_err(q)?;
            // A second thread serialises the JSON columns, a sub-chunk at a
            // time, while this one inserts the previous sub-chunk; rows go in
            // in order.
            std::thread::scope(|scope| -> Result<(), GraphError> {
                let (tx_json, rx_json) = std::sync::mpsc::sync_channel::<Vec<JsonColumns>>(2);
                scope.spawn(move || {
                    for part in batch.chunks(WRITE_CHUNK) {
                        let json = part.iter().map(JsonColumns::of).collect();
                        if tx_json.send(json).is_err() {
                            return;
                        }
                    }
                });
                for (part, json) in batch.chunks(WRITE_CHUNK).zip(rx_json) {
                    for (r, JsonColumns([sku, identity, zones, tags, plan, properties])) in
                        part.iter().zip(json)
                    {
                        st.execute(params![
                            scan_id,
                            r.id,
                            r.name,
                            r.r#type,
                            r.type_key(),
                            r.location,
                            r.resource_group,
                            r.subscription_id,
                            r.tenant_id,
                            r.kind,
                            sku,
                            identity,
                            zones,
                            tags,
                            r.managed_by,
                            plan,
                            properties,
                        ])
                        .map_err(q)?;
                    }
                }
                Ok(())
            })?;
        }
        tx.commit().map_err(q)
    }

    async fn write_relationships(
        &self,
        scan_id: &str,
        batch: &[Relationship],
    ) -> Result<(), GraphError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q)?;
        {
            let mut st = tx
                .prepare_cached("INSERT INTO relationships (scan_id, source_id, kind, target_id, via) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(q)?;
            for r in batch {
                st.execute(params![
                    scan_id,
                    r.source_id,
                    r.kind.as_str(),
                    r.target_id,
                    r.via
                ])
                .map_err(q)?;
            }
        }
        tx.commit().map_err(q)
    }

    async fn finish_scan(
        &self,
        scan_id: &str,
        status: ScanStatus,
        failures: &[String],
    ) -> Result<ScanInfo, GraphError> {
        let finished_at = crate::clock::now_rfc3339();
        {
            let conn = self.conn();
            let n = conn
                .execute(
                    "UPDATE scans SET status = ?2, finished_at = ?3, failures = ?4,
                       resource_count = (SELECT COUNT(*) FROM resources WHERE scan_id = ?1),
                       relationship_count = (SELECT COUNT(*) FROM relationships WHERE scan_id = ?1)
                     WHERE scan_id = ?1",
                    params![
                        scan_id,
                        status.as_str(),
                        finished_at,
                        serde_json::to_string(failures).expect("strings serialise")
                    ],
                )
                .map_err(q)?;
            if n == 0 {
                return Err(GraphError::NoSuchScan(scan_id.to_string()));
            }
        }
        self.scans()
            .await?
            .into_iter()
            .find(|s| s.scan_id == scan_id)
            .ok_or_else(|| GraphError::NoSuchScan(scan_id.to_string()))
    }

    async fn scans(&self) -> Result<Vec<ScanInfo>, GraphError> {
        let conn = self.conn();
        let mut st = conn
            .prepare(
                "SELECT scan_id, started_at, finished_at, source, tenant_id, subscriptions, status, resource_count,
                        relationship_count, failures, owner FROM scans ORDER BY started_at DESC, rowid DESC",
            )
            .map_err(q)?;
        let rows = st.query_map([], Self::scan_row).map_err(q)?;
        let mut out = Vec::new();
        for row in rows {
            let (mut info, _, failures) = row.map_err(q)?;
            info.failures =
                serde_json::from_str(&failures).map_err(|e| GraphError::Corrupt(e.to_string()))?;
            out.push(info);
        }
        Ok(out)
    }

    async fn delete_scan(&self, scan_id: &str) -> Result<(), GraphError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q)?;
        for table in [
            "relationships",
            "resources",
            "resource_groups",
            "subscriptions",
            "scans",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE scan_id = ?1"),
                [scan_id],
            )
            .map_err(q)?;
        }
        tx.commit().map_err(q)
    }

    async fn load_snapshot(&self, scan_id: &str) -> Result<Snapshot, GraphError> {
        self.load_scope(scan_id, None).await
    }

    async fn load_scope(
        &self,
        scan_id: &str,
        subscription: Option<&str>,
    ) -> Result<Snapshot, GraphError> {
        let cut = Scope::of(subscription);
        let conn = self.conn();
        let exists: Option<String> = conn
            .query_row(
                "SELECT scan_id FROM scans WHERE scan_id = ?1",
                [scan_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(q)?;
        if exists.is_none() {
            return Err(GraphError::NoSuchScan(scan_id.to_string()));
        }
        let mut snap = Snapshot::default();
        let mut st = conn
            .prepare("SELECT subscription_id, display_name, tenant_id FROM subscriptions WHERE scan_id = ?1 AND (?2 IS NULL OR subscription_id = ?2 COLLATE NOCASE) ORDER BY rowid")
            .map_err(q)?;
        for row in st
            .query_map(params![scan_id, cut.subscription], |r| {
                Ok(Subscription {
                    subscription_id: r.get(0)?,
                    display_name: r.get(1)?,
                    tenant_id: r.get(2)?,
                })
            })
            .map_err(q)?
        {
            snap.subscriptions.push(row.map_err(q)?);
        }
        let mut st = conn
            .prepare("SELECT id, name, location, subscription_id, tags FROM resource_groups WHERE scan_id = ?1 AND (?2 IS NULL OR id LIKE ?2 ESCAPE '\\') ORDER BY rowid")
            .map_err(q)?;
        let rows = st
            .query_map(params![scan_id, cut.like], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .map_err(q)?;
        for row in rows {
            let (id, name, location, subscription_id, tags) = row.map_err(q)?;
            snap.resource_groups.push(ResourceGroup {
                id,
                name,
                location,
                subscription_id,
                tags: parse_json(tags)?,
            });
        }
        // Rows are read here in chunks; a second thread parses each chunk's
        // JSON columns (in parallel) while the next chunk and then the
        // relationships are read. Order is kept, and at most a few chunks of
        // raw text are held at once.
        let (resources, relationships) = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RawResource>>(2);
            let parser = scope.spawn(move || -> Result<Vec<Resource>, GraphError> {
                let mut out = Vec::new();
                for chunk in rx {
                    let parsed: Result<Vec<Resource>, GraphError> =
                        chunk.into_par_iter().map(RawResource::parse).collect();
                    out.extend(parsed?);
                }
                Ok(out)
            });
            let read = read_resources(&conn, scan_id, &cut, &tx);
            drop(tx);
            let relationships = read.and_then(|()| read_relationships(&conn, scan_id, &cut));
            let resources = parser
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            // A parse error stops the reader early, so it is the one to report.
            Ok::<_, GraphError>((resources?, relationships?))
        })?;
        snap.resources = resources;
        snap.relationships = relationships;
        Ok(snap)
    }

    async fn type_counts(&self, scan_id: &str) -> Result<Vec<(String, u64)>, GraphError> {
        let conn = self.conn();
        let mut st = conn
            .prepare("SELECT type_key, COUNT(*) FROM resources WHERE scan_id = ?1 GROUP BY type_key ORDER BY type_key")
            .map_err(q)?;
        let rows = st
            .query_map([scan_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(q)?;
        rows.map(|r| r.map_err(q)).collect()
    }

    async fn counts(
        &self,
        scan_id: &str,
        subscription: Option<&str>,
    ) -> Result<ScopeCounts, GraphError> {
        let scope = Scope::of(subscription);
        self.conn()
            .query_row(
                "SELECT
                   (SELECT COUNT(DISTINCT lower(id)) FROM resources
                      WHERE scan_id = ?1 AND (?2 IS NULL OR id LIKE ?2 ESCAPE '\\')),
                   (SELECT COUNT(*) FROM relationships
                      WHERE scan_id = ?1 AND (?2 IS NULL OR source_id LIKE ?2 ESCAPE '\\' OR source_id = ?3 COLLATE NOCASE)),
                   (SELECT COUNT(DISTINCT lower(name)) FROM resource_groups
                      WHERE scan_id = ?1 AND (?2 IS NULL OR id LIKE ?2 ESCAPE '\\')),
                   (SELECT COUNT(DISTINCT type_key) FROM resources
                      WHERE scan_id = ?1 AND (?2 IS NULL OR id LIKE ?2 ESCAPE '\\'))",
                params![scan_id, scope.like, scope.own_id],
                |r| {
                    Ok(ScopeCounts {
                        resources: r.get::<_, i64>(0)? as u64,
                        relationships: r.get::<_, i64>(1)? as u64,
                        resource_groups: r.get::<_, i64>(2)? as u64,
                        resource_types: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
            .map_err(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{select_scan, store_snapshot};

    fn info(id: &str, at: &str) -> ScanInfo {
        ScanInfo {
            scan_id: id.into(),
            started_at: at.into(),
            finished_at: None,
            source: "file:t.json".into(),
            tenant_id: Some("t".into()),
            subscriptions: vec!["s".into()],
            status: ScanStatus::Running,
            resource_count: 0,
            relationship_count: 0,
            failures: vec![],
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn snapshot_round_trips_whole_and_latest_scan_wins() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("nested/graph.db")).unwrap();
        let doc = br#"{"tenantId": "t", "resources": [
          {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "type": "microsoft.network/virtualnetworks",
           "location": "eastus", "sku": {"name": "x"}, "zones": ["1"], "tags": {"a": "b"},
           "properties": {"deep": {"list": [1, 2.5, "three", null]}, "subnets": [{"name": "a", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a", "properties": {}}]}}
        ]}"#;
        let (mut snap, _) =
            crate::azure::normalize::normalize(crate::azure::export::parse(doc, "t").unwrap());
        snap.relationships = crate::graph::relationships::derive(&snap);
        let first = store_snapshot(&store, &info("scan-1", "2026-01-01T00:00:00Z"), &snap, 1)
            .await
            .unwrap();
        assert_eq!(first.status, ScanStatus::Finished);
        assert_eq!(first.resource_count, 2);
        let loaded = store.load_snapshot("scan-1").await.unwrap();
        assert_eq!(
            loaded.resources, snap.resources,
            "resources, properties, sku, zones, tags survive whole"
        );
        assert_eq!(loaded.relationships, snap.relationships);
        assert_eq!(loaded.resource_groups, snap.resource_groups);
        store_snapshot(&store, &info("scan-2", "2026-01-02T00:00:00Z"), &snap, 500)
            .await
            .unwrap();
        assert_eq!(
            select_scan(&store, None, None).await.unwrap().scan_id,
            "scan-2"
        );
        assert_eq!(
            select_scan(&store, Some("scan-1"), None)
                .await
                .unwrap()
                .scan_id,
            "scan-1"
        );
        assert!(matches!(
            select_scan(&store, None, Some("other")).await,
            Err(GraphError::NoScan(_))
        ));
        assert_eq!(
            store.type_counts("scan-1").await.unwrap(),
            vec![
                ("microsoft.network/virtualnetworks".into(), 1),
                ("microsoft.network/virtualnetworks/subnets".into(), 1)
            ]
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn scopes_and_counts_cut_to_one_subscription() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("g.db")).unwrap();
        let doc = br#"{"tenantId": "t", "resources": [
          {"id": "/subscriptions/S1/resourceGroups/a/providers/Microsoft.Network/networkSecurityGroups/n1", "type": "microsoft.network/networksecuritygroups"},
          {"id": "/subscriptions/S1/resourceGroups/b/providers/Microsoft.Network/routeTables/r1", "type": "Microsoft.Network/routeTables"},
          {"id": "/subscriptions/S2/resourceGroups/a/providers/Microsoft.Network/networkSecurityGroups/n2", "type": "microsoft.network/networksecuritygroups"}
        ]}"#;
        let (mut snap, _) =
            crate::azure::normalize::normalize(crate::azure::export::parse(doc, "t").unwrap());
        snap.relationships = crate::graph::relationships::derive(&snap);
        let mut i = info("scan-1", "2026-01-01T00:00:00Z");
        i.subscriptions = vec!["S1".into(), "S2".into()];
        store_snapshot(&store, &i, &snap, 100).await.unwrap();
        let one = store.load_scope("scan-1", Some("s1")).await.unwrap();
        assert_eq!(one.resources.len(), 2);
        assert_eq!(one.resource_groups.len(), 2);
        assert_eq!(one.subscriptions.len(), 1);
        assert!(
            one.relationships
                .iter()
                .all(|r| r.source_id.starts_with("/subscriptions/S1"))
        );
        assert_eq!(
            store.counts("scan-1", Some("s1")).await.unwrap(),
            ScopeCounts {
                resources: 2,
                relationships: one.relationships.len() as u64,
                resource_groups: 2,
                resource_types: 2,
            }
        );
        let all = store.counts("scan-1", None).await.unwrap();
        assert_eq!((all.resources, all.resource_types), (3, 2));
        assert_eq!(all.relationships as usize, snap.relationships.len());
        assert_eq!(
            store
                .load_scope("scan-1", None)
                .await
                .unwrap()
                .resources
                .len(),
            3
        );
        assert_eq!(
            store.counts("nope", None).await.unwrap(),
            ScopeCounts::default()
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn running_scans_are_never_selected() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("g.db")).unwrap();
        store
            .begin_scan(&info("scan-r", "2026-01-03T00:00:00Z"))
            .await
            .unwrap();
        assert!(matches!(
            select_scan(&store, None, None).await,
            Err(GraphError::NoScan(_))
        ));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_version_1_store_is_migrated_and_keeps_its_scans() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.db");
        {
            // The version-1 layout of `resources`, with one finished scan.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE scans (scan_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
                   source TEXT NOT NULL, tenant_id TEXT, subscriptions TEXT NOT NULL, status TEXT NOT NULL,
                   resource_count INTEGER NOT NULL DEFAULT 0, relationship_count INTEGER NOT NULL DEFAULT 0,
                   failures TEXT NOT NULL DEFAULT '[]');
                 CREATE TABLE resources (scan_id TEXT NOT NULL, id TEXT NOT NULL, id_key TEXT NOT NULL,
                   name TEXT NOT NULL, type TEXT NOT NULL, type_key TEXT NOT NULL, location TEXT,
                   resource_group TEXT, subscription_id TEXT, tenant_id TEXT, kind TEXT, sku TEXT,
                   identity TEXT, zones TEXT, tags TEXT, managed_by TEXT, plan TEXT, properties TEXT);
                 CREATE INDEX resources_scan_id ON resources (scan_id, id_key);
                 INSERT INTO scans VALUES ('old', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z',
                   'file:t.json', NULL, '[]', 'finished', 1, 0, '[]');
                 INSERT INTO resources (scan_id, id, id_key, name, type, type_key, properties) VALUES
                   ('old', '/subscriptions/s/resourceGroups/RG/providers/Microsoft.Web/sites/App',
                    '/subscriptions/s/resourcegroups/rg/providers/microsoft.web/sites/app', 'App',
                    'Microsoft.Web/sites', 'microsoft.web/sites', '{\"a\":1}');
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let snap = store.load_snapshot("old").await.unwrap();
        assert_eq!(snap.resources.len(), 1);
        assert_eq!(snap.resources[0].name, "App");
        assert_eq!(snap.resources[0].properties, serde_json::json!({"a": 1}));
        let conn = store.conn();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let has_index: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'resources_scan_id'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(has_index, 0, "the unused index is gone");
    }
}
