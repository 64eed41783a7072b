//! The `GraphStore` trait that every command reads and writes snapshots
//! through, and the function that opens a backend from `--graph`/`ATG_GRAPH`.
//!
//! The embedded SQLite backend lives in `sqlite`, the Neo4j backend in
//! `neo4j`; relationship rules in `relationships`; copying snapshots
//! between stores in `copy`.

pub mod copy;
pub mod neo4j;
pub mod owner;
pub mod relationships;
pub mod sqlite;

use crate::model::{
    Relationship, Resource, ResourceGroup, ScanInfo, ScanStatus, Snapshot, Subscription,
};
use async_trait::async_trait;
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

/// The default embedded store location, relative to the working directory.
pub const DEFAULT_GRAPH: &str = ".atg/graph.db";

/// Errors of a graph store.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The `--graph` value names no supported backend.
    #[error(
        "unsupported graph store `{0}`: use `sqlite:PATH` (the embedded store) or `neo4j://HOST:PORT`"
    )]
    UnsupportedSpec(String),
    /// `sqlite:` names no file, or one SQLite keeps in memory only: the
    /// scan would be lost when atg exits.
    #[error("`--graph {0}` names no store file: a scan stored there would be lost")]
    NoStorePath(String),
    /// A reading command found no store file at all (nothing was scanned
    /// here yet); none is created.
    #[error("no graph store at `{0}`: nothing has been scanned into it")]
    NoStore(String),
    /// A Neo4j URI that cannot be used.
    #[error("cannot use the Neo4j URI `{uri}`: {why}")]
    BadUri {
        /// The URI.
        uri: String,
        /// What is wrong with it.
        why: String,
    },
    /// No Neo4j server answered at the URI.
    #[error("cannot reach the Neo4j server at `{uri}`: {message}")]
    Unreachable {
        /// The URI.
        uri: String,
        /// The driver's account of the failure.
        message: String,
    },
    /// The Neo4j server refused the user or password.
    #[error(
        "the Neo4j server at `{uri}` refused user `{user}`: wrong user or password ({message})"
    )]
    Unauthorized {
        /// The URI.
        uri: String,
        /// The user (`NEO4J_USER`).
        user: String,
        /// The server's message.
        message: String,
    },
    /// The Neo4j server requires credentials and none were given.
    #[error(
        "the Neo4j server at `{uri}` requires a user and password, and NEO4J_PASSWORD is not set"
    )]
    NeedsPassword {
        /// The URI.
        uri: String,
    },
    /// The Neo4j server has no database of that name.
    #[error("the Neo4j server at `{uri}` has no database `{database}`")]
    NoDatabase {
        /// The URI.
        uri: String,
        /// The database (`--neo4j-database`).
        database: String,
    },
    /// The store file could not be opened or created.
    #[error("cannot open graph store `{path}`: {message}")]
    Open {
        /// Store path.
        path: String,
        /// The cause.
        message: String,
    },
    /// The file exists but is not a store this atg can read: not SQLite,
    /// damaged, or written by a newer atg.
    #[error("`{path}` is not a graph store this atg can read: {message}")]
    NotAStore {
        /// Store path.
        path: String,
        /// The cause.
        message: String,
    },
    /// A query failed.
    #[error("graph store query failed: {0}")]
    Query(String),
    /// The requested scan does not exist.
    #[error("no scan `{0}` in the graph store")]
    NoSuchScan(String),
    /// No finished scan exists for the scope.
    #[error("the graph store has no finished scan{0}")]
    NoScan(String),
    /// A stored record could not be decoded.
    #[error("corrupt record in the graph store: {0}")]
    Corrupt(String),
}

impl GraphError {
    /// A one-line hint for the user.
    pub fn hint(&self) -> &'static str {
        match self {
            GraphError::NoStorePath(_) => "pass `--graph sqlite:.atg/graph.db` or unset ATG_GRAPH",
            GraphError::UnsupportedSpec(_) | GraphError::BadUri { .. } => {
                "pass `--graph sqlite:.atg/graph.db` or `--graph neo4j://localhost:7687` (also ATG_GRAPH or NEO4J_URI)"
            }
            GraphError::Unreachable { .. } => {
                "check the server is running and the host and port are right (`--graph`, ATG_GRAPH or NEO4J_URI)"
            }
            GraphError::Unauthorized { .. } | GraphError::NeedsPassword { .. } => {
                "set NEO4J_USER (default `neo4j`) and NEO4J_PASSWORD to an account of that server"
            }
            GraphError::NoDatabase { .. } => {
                "pass an existing `--neo4j-database` (or NEO4J_DATABASE), or leave it out for the server's default"
            }
            GraphError::Open { .. } => {
                "check the folder exists and is writable, or pass another `--graph sqlite:PATH`"
            }
            GraphError::NotAStore { .. } => {
                "move the file aside (the next scan creates a new store), or pass another `--graph sqlite:PATH`"
            }
            GraphError::NoSuchScan(_) | GraphError::NoScan(_) | GraphError::NoStore(_) => {
                "run `atg scan --from-file EXPORT.json` first, or list scans with `atg scan --list`"
            }
            GraphError::Query(_) | GraphError::Corrupt(_) => {
                "the store may be damaged: scan again into a new `--graph sqlite:PATH`"
            }
        }
    }

    /// True when the error comes from the user's input rather than the store.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            GraphError::UnsupportedSpec(_)
                | GraphError::NoStorePath(_)
                | GraphError::NotAStore { .. }
                | GraphError::NoStore(_)
                | GraphError::BadUri { .. }
                | GraphError::NoDatabase { .. }
                | GraphError::NoSuchScan(_)
                | GraphError::NoScan(_)
        )
    }
}

/// A store of immutable snapshots.
///
/// Writing follows a protocol: `begin_scan`, any number of batch writes,
/// then `finish_scan`. Readers only see scans whose status is `Finished` or
/// `Incomplete` through `latest_scan`.
#[async_trait]
pub trait GraphStore: Send + Sync {
    /// Registers a new scan in state `Running`.
    async fn begin_scan(&self, info: &ScanInfo) -> Result<(), GraphError>;
    /// Stores subscriptions of a running scan.
    async fn write_subscriptions(
        &self,
        scan_id: &str,
        batch: &[Subscription],
    ) -> Result<(), GraphError>;
    /// Stores resource groups of a running scan.
    async fn write_resource_groups(
        &self,
        scan_id: &str,
        batch: &[ResourceGroup],
    ) -> Result<(), GraphError>;
    /// Stores a batch of resources of a running scan, in one transaction.
    async fn write_resources(&self, scan_id: &str, batch: &[Resource]) -> Result<(), GraphError>;
    /// Stores a batch of relationships of a running scan, in one transaction.
    async fn write_relationships(
        &self,
        scan_id: &str,
        batch: &[Relationship],
    ) -> Result<(), GraphError>;
    /// Marks a scan `Finished`, `Incomplete` or `Failed`, records its
    /// failures and counts, and returns its final metadata.
    async fn finish_scan(
        &self,
        scan_id: &str,
        status: ScanStatus,
        failures: &[String],
    ) -> Result<ScanInfo, GraphError>;
    /// All scans, newest first. A running scan whose writing process is
    /// gone (see `owner`) is reported `Abandoned`.
    async fn scans(&self) -> Result<Vec<ScanInfo>, GraphError>;
    /// Deletes a scan and every record of it (`scan --prune`); deleting an
    /// unknown scan does nothing.
    ///
    /// Errors: a query failure, or a backend that cannot delete.
    async fn delete_scan(&self, scan_id: &str) -> Result<(), GraphError> {
        Err(GraphError::Query(format!(
            "this graph store cannot delete scan `{scan_id}`"
        )))
    }
    /// Loads a whole snapshot.
    async fn load_snapshot(&self, scan_id: &str) -> Result<Snapshot, GraphError>;
    /// Resource counts by lowercase ARM type, sorted by type.
    async fn type_counts(&self, scan_id: &str) -> Result<Vec<(String, u64)>, GraphError>;
    /// Loads the part of a snapshot in one subscription (case-insensitive,
    /// by ARM ID prefix): its subscription record, resource groups and
    /// resources, and the relationships whose source lies in it. `None` loads the whole
    /// snapshot, like `load_snapshot`.
    ///
    /// Errors: `NoSuchScan`, or a query or decoding failure.
    async fn load_scope(
        &self,
        scan_id: &str,
        subscription: Option<&str>,
    ) -> Result<Snapshot, GraphError>;
    /// Counts of a scan, or of one subscription of it (case-insensitive), in
    /// one query; a running scan gives the counts written so far.
    ///
    /// Errors: a query failure (an unknown scan gives zeros).
    async fn counts(
        &self,
        scan_id: &str,
        subscription: Option<&str>,
    ) -> Result<ScopeCounts, GraphError>;
}

/// What a scan (or one subscription of it) holds, as counted by the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScopeCounts {
    /// Resources (each ARM ID once).
    pub resources: u64,
    /// Relationships whose source lies in the scope.
    pub relationships: u64,
    /// Resource groups.
    pub resource_groups: u64,
    /// Distinct ARM resource types (case-insensitive).
    pub resource_types: u64,
}

/// The SQLite file a `--graph` value names: `sqlite:PATH` or a plain path.
///
/// Errors: `UnsupportedSpec` for any other scheme, `NoStorePath` for an
/// empty path or SQLite's `:memory:` (nothing would last).
fn sqlite_path(spec: &str) -> Result<PathBuf, GraphError> {
    let path = match spec.split_once(':') {
        Some(("sqlite", p)) => p,
        Some((scheme, _)) if scheme.len() > 1 => {
            return Err(GraphError::UnsupportedSpec(spec.to_string()));
        }
        _ => spec,
    };
    // SQLite opens "" as a temporary file and ":memory:" in memory.
    if path.trim().is_empty() || path == ":memory:" {
        return Err(GraphError::NoStorePath(spec.to_string()));
    }
    Ok(PathBuf::from(path))
}

/// Opens the store named by a `--graph` value, creating it if needed (for
/// commands that write: `scan`, and `monitor`, which waits for one):
/// `sqlite:PATH`, a plain path, or a Neo4j URI (`neo4j://`, `bolt://`,
/// `neo4j+s://`, … with NEO4J_USER and NEO4J_PASSWORD from the environment,
/// and an optional database added by `with_database`).
///
/// Errors: those of `sqlite_path`, `Open` when the file cannot be created;
/// for Neo4j `BadUri`, `Unreachable`, `Unauthorized`, `NeedsPassword`.
pub fn open(spec: &str) -> Result<Box<dyn GraphStore>, GraphError> {
    if neo4j::connect::is_neo4j(spec) {
        let settings = neo4j::Neo4jSettings::from_spec(spec)?;
        return Ok(Box::new(neo4j::Neo4jStore::open(settings)?));
    }
    Ok(Box::new(sqlite::SqliteStore::open(&sqlite_path(spec)?)?))
}

/// Opens an existing store for a command that only reads (`generate`,
/// `iterate`, `fidelity`, `compare`): a SQLite file that was never created
/// is an error, and no empty store is left behind. A Neo4j database is
/// opened as `open` does (a server has no file to look for).
///
/// Errors: `NoStore` when the file does not exist; those of `open`.
pub fn open_existing(spec: &str) -> Result<Box<dyn GraphStore>, GraphError> {
    if neo4j::connect::is_neo4j(spec) {
        return open(spec);
    }
    let path = sqlite_path(spec)?;
    if !path.exists() {
        return Err(GraphError::NoStore(path.display().to_string()));
    }
    open(spec)
}

/// The `--graph` value that names `spec` with `database` (for a Neo4j URI;
/// other stores have no databases and are returned as they are).
pub fn with_database(spec: &str, database: Option<&str>) -> String {
    match database {
        Some(db) if neo4j::connect::is_neo4j(spec) && !db.is_empty() => {
            format!("{spec}{}{db}", neo4j::connect::DATABASE_MARK)
        }
        _ => spec.to_string(),
    }
}

/// The `--graph` value to use: `--graph` (or ATG_GRAPH) when given, else
/// `neo4j_uri` (NEO4J_URI) when set, else `DEFAULT_GRAPH`; a Neo4j URI gets
/// `database` (`--neo4j-database` or NEO4J_DATABASE).
pub fn resolve_spec(
    graph: Option<&str>,
    neo4j_uri: Option<&str>,
    database: Option<&str>,
) -> String {
    let spec = graph
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .or_else(|| neo4j_uri.filter(|u| !u.is_empty()).map(str::to_string))
        .unwrap_or_else(|| format!("sqlite:{DEFAULT_GRAPH}"));
    with_database(&spec, database)
}

/// The part of a snapshot in one subscription (case-insensitive, by ARM ID
/// prefix), as `GraphStore::load_scope` defines it; for backends that cut
/// in memory.
pub fn cut_to_subscription(snapshot: Snapshot, subscription: &str) -> Snapshot {
    let sub = subscription.to_ascii_lowercase();
    let prefix = format!("/subscriptions/{sub}/");
    let own = format!("/subscriptions/{sub}");
    let inside = |id: &str| id.to_ascii_lowercase().starts_with(&prefix);
    Snapshot {
        subscriptions: snapshot
            .subscriptions
            .into_iter()
            .filter(|s| s.subscription_id.eq_ignore_ascii_case(&sub))
            .collect(),
        resource_groups: snapshot
            .resource_groups
            .into_iter()
            .filter(|g| inside(&g.id))
            .collect(),
        resources: snapshot
            .resources
            .into_iter()
            .filter(|r| inside(&r.id))
            .collect(),
        relationships: snapshot
            .relationships
            .into_iter()
            .filter(|r| inside(&r.source_id) || r.source_id.eq_ignore_ascii_case(&own))
            .collect(),
    }
}

/// The counts of a loaded snapshot, as `GraphStore::counts` defines them.
pub fn counts_of(snapshot: &Snapshot) -> ScopeCounts {
    use std::collections::HashSet;
    let distinct = |it: &mut dyn Iterator<Item = String>| it.collect::<HashSet<_>>().len() as u64;
    ScopeCounts {
        resources: distinct(&mut snapshot.resources.iter().map(|r| r.id_key())),
        relationships: snapshot.relationships.len() as u64,
        resource_groups: distinct(
            &mut snapshot
                .resource_groups
                .iter()
                .map(|g| g.name.to_ascii_lowercase()),
        ),
        resource_types: distinct(&mut snapshot.resources.iter().map(|r| r.type_key())),
    }
}

/// Resource counts by lowercase ARM type of a loaded snapshot, sorted by
/// type, as `GraphStore::type_counts` gives them.
pub fn type_counts_of(snapshot: &Snapshot) -> Vec<(String, u64)> {
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for r in &snapshot.resources {
        *counts.entry(r.type_key()).or_default() += 1;
    }
    counts.into_iter().collect()
}

/// Picks the scan to read: `scan_id` if given, else the newest finished
/// (or incomplete) scan that covers `subscription` when given.
///
/// Errors: `NoSuchScan` / `NoScan`.
pub async fn select_scan(
    store: &dyn GraphStore,
    scan_id: Option<&str>,
    subscription: Option<&str>,
) -> Result<ScanInfo, GraphError> {
    let scans = store.scans().await?;
    if let Some(id) = scan_id {
        return scans
            .into_iter()
            .find(|s| s.scan_id == id)
            .ok_or_else(|| GraphError::NoSuchScan(id.to_string()));
    }
    scans
        .into_iter()
        .filter(|s| matches!(s.status, ScanStatus::Finished | ScanStatus::Incomplete))
        .find(|s| {
            subscription
                .is_none_or(|sub| s.subscriptions.iter().any(|x| x.eq_ignore_ascii_case(sub)))
        })
        .ok_or_else(|| {
            GraphError::NoScan(
                subscription
                    .map(|s| format!(" for subscription `{s}`"))
                    .unwrap_or_default(),
            )
        })
}

/// Writes a whole snapshot as a new scan, with the relationships it
/// already holds, in batches of `batch` resources, and finishes it. On any
/// error the scan is marked `Failed` so no partial snapshot is ever read as
/// finished.
///
/// Errors: those of the store's writes; the scan is then `Failed`.
pub async fn store_snapshot(
    store: &dyn GraphStore,
    info: &ScanInfo,
    snapshot: &Snapshot,
    batch: usize,
) -> Result<ScanInfo, GraphError> {
    write_scan(store, info, snapshot, batch, async {
        Cow::Borrowed(snapshot.relationships.as_slice())
    })
    .await
}

/// Like `store_snapshot` for a snapshot whose relationships are not derived
/// yet (`snapshot.relationships` is ignored): `relationships::derive` runs on
/// a blocking thread while the subscriptions, resource groups and resources
/// are written, and its edges are written after them. On two cores this
/// hides the derivation behind the store's writes.
///
/// Errors: as `store_snapshot`. A panic in the derivation is resumed here.
pub async fn import_snapshot(
    store: &dyn GraphStore,
    info: &ScanInfo,
    snapshot: Arc<Snapshot>,
    batch: usize,
) -> Result<ScanInfo, GraphError> {
    let shared = Arc::clone(&snapshot);
    let derived = tokio::task::spawn_blocking(move || relationships::derive(&shared));
    write_scan(store, info, &snapshot, batch, async move {
        match derived.await {
            Ok(edges) => Cow::Owned(edges),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    })
    .await
}

async fn write_scan<'a>(
    store: &dyn GraphStore,
    info: &ScanInfo,
    snapshot: &Snapshot,
    batch: usize,
    relationships: impl Future<Output = Cow<'a, [Relationship]>>,
) -> Result<ScanInfo, GraphError> {
    store.begin_scan(info).await?;
    let result = async {
        store
            .write_subscriptions(&info.scan_id, &snapshot.subscriptions)
            .await?;
        store
            .write_resource_groups(&info.scan_id, &snapshot.resource_groups)
            .await?;
        // Yielding between batches lets the caller notice Ctrl-C.
        for chunk in snapshot.resources.chunks(batch.max(1)) {
            store.write_resources(&info.scan_id, chunk).await?;
            tokio::task::yield_now().await;
        }
        let relationships = relationships.await;
        for chunk in relationships.chunks(batch.max(1)) {
            store.write_relationships(&info.scan_id, chunk).await?;
            tokio::task::yield_now().await;
        }
        Ok::<_, GraphError>(())
    }
    .await;
    match result {
        Ok(()) => {
            let status = if info.failures.is_empty() {
                ScanStatus::Finished
            } else {
                ScanStatus::Incomplete
            };
            store
                .finish_scan(&info.scan_id, status, &info.failures)
                .await
        }
        Err(e) => {
            let _ = store
                .finish_scan(&info.scan_id, ScanStatus::Failed, &[e.to_string()])
                .await;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_graph_flag_wins_over_neo4j_uri_and_the_database_goes_with_a_neo4j_uri() {
        assert_eq!(
            resolve_spec(Some("sqlite:x.db"), Some("bolt://h:7687"), Some("db")),
            "sqlite:x.db"
        );
        assert_eq!(
            resolve_spec(None, Some("bolt://h:7687"), Some("db")),
            "bolt://h:7687#database=db"
        );
        assert_eq!(
            resolve_spec(Some(""), None, None),
            format!("sqlite:{DEFAULT_GRAPH}")
        );
        assert_eq!(resolve_spec(Some("neo4j://h"), None, None), "neo4j://h");
        let s =
            neo4j::Neo4jSettings::from_spec(&resolve_spec(None, Some("bolt://h"), Some("tenants")))
                .unwrap();
        assert_eq!(
            (s.uri.as_str(), s.database.as_deref()),
            ("bolt://h", Some("tenants"))
        );
    }
}
