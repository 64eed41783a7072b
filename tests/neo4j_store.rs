//! The Neo4j store through the `GraphStore` trait, beside the SQLite store,
//! against a real Bolt server: the same snapshots, counts and scan lists;
//! snapshots that stay as they were when a later scan rewrites their
//! resources; and imports that never finished are never read.

mod common;

use atg::graph::neo4j::{Neo4jSettings, Neo4jStore};
use atg::graph::sqlite::SqliteStore;
use atg::graph::{GraphError, GraphStore, ScopeCounts, select_scan, store_snapshot};
use atg::model::{ScanInfo, ScanStatus, Snapshot};
use common::bolt::{BoltServer, cypher};
use serde_json::json;

fn snapshot(doc: &[u8]) -> Snapshot {
    let export = atg::azure::export::parse(doc, "t.json").unwrap();
    let (mut snap, _) = atg::azure::normalize::normalize(export);
    snap.relationships = atg::graph::relationships::derive(&snap);
    snap
}

fn info(scan_id: &str, at: &str, snap: &Snapshot) -> ScanInfo {
    ScanInfo::running(scan_id.into(), at.into(), "file:t.json".into(), snap)
}

fn neo4j(server: &BoltServer) -> Neo4jStore {
    Neo4jStore::open(Neo4jSettings::new(&server.uri(), "neo4j", None)).unwrap()
}

/// Odd values: nulls, unicode, numbers, nested arrays, a case-variant
/// resource group, zones that are not all strings, and two subscriptions.
const ODD: &str = r#"{"tenantId": "t-1", "subscriptions": [{"subscriptionId": "S1", "displayName": "Prod ✓"}],
  "resourceGroups": [{"id": "/subscriptions/S1/resourceGroups/RG-A", "name": "RG-A", "location": "westeurope", "tags": {"owner": "ops"}}],
  "resources": [
  {"id": "/subscriptions/S1/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/v", "type": "Microsoft.Network/virtualNetworks",
   "location": "westeurope", "zones": ["1", 2], "tags": {"ü": "ß"},
   "properties": {"n": 1.5, "big": 12345678901234, "neg": -0.25, "nul": null, "list": [[1], {"a": []}],
     "subnets": [{"id": "/subscriptions/S1/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/v/subnets/s", "name": "s",
                  "properties": {"networkSecurityGroup": {"id": "/subscriptions/S1/resourceGroups/rg-a/providers/Microsoft.Network/networkSecurityGroups/n"}}}]}},
  {"id": "/subscriptions/S1/resourceGroups/rg-a/providers/Microsoft.Network/networkSecurityGroups/n", "type": "Microsoft.Network/networkSecurityGroups",
   "kind": "", "sku": {"name": "Standard"}, "identity": {"type": "SystemAssigned"}, "plan": {"name": "p"}, "managedBy": "/x", "properties": {}},
  {"id": "/subscriptions/S2/resourceGroups/b/providers/Microsoft.Web/sites/app", "type": "microsoft.web/sites", "kind": "app,linux",
   "tenantId": "t-1", "properties": {"serverFarmId": "/subscriptions/S1/resourceGroups/rg-a/providers/Microsoft.Network/networkSecurityGroups/n"}}
]}"#;

fn fixtures() -> Vec<Snapshot> {
    let read = |p: std::path::PathBuf| std::fs::read(p).unwrap();
    vec![
        snapshot(&read(common::contoso())),
        snapshot(&read(
            common::root().join("fixtures/tenant-synthetic-small.json"),
        )),
        snapshot(ODD.as_bytes()),
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn snapshots_counts_and_scan_lists_read_back_as_from_sqlite() {
    let server = BoltServer::start();
    let neo = neo4j(&server);
    let dir = tempfile::tempdir().unwrap();
    let sql = SqliteStore::open(&dir.path().join("g.db")).unwrap();
    for (n, snap) in fixtures().iter().enumerate() {
        let i = info(
            &format!("scan-{n}"),
            &format!("2026-01-0{}T00:00:00Z", n + 1),
            snap,
        );
        // Batches of 7 put each fixture through several transactions.
        let a = store_snapshot(&neo, &i, snap, 7).await.unwrap();
        let b = store_snapshot(&sql, &i, snap, 7).await.unwrap();
        assert_eq!(a.status, ScanStatus::Finished);
        assert_eq!(
            (a.resource_count, a.relationship_count),
            (b.resource_count, b.relationship_count)
        );
        let (x, y) = (
            neo.load_snapshot(&i.scan_id).await.unwrap(),
            sql.load_snapshot(&i.scan_id).await.unwrap(),
        );
        assert_eq!(x.resources, y.resources, "resources of fixture {n}");
        assert_eq!(
            x.resources, snap.resources,
            "resources of fixture {n}, whole"
        );
        assert_eq!(
            x.relationships, y.relationships,
            "relationships of fixture {n}"
        );
        assert_eq!(x.resource_groups, y.resource_groups);
        assert_eq!(x.subscriptions, y.subscriptions);
        assert_eq!(
            neo.type_counts(&i.scan_id).await.unwrap(),
            sql.type_counts(&i.scan_id).await.unwrap()
        );
        let mut subs: Vec<Option<&str>> = vec![None, Some("nope")];
        subs.extend(
            snap.subscriptions
                .iter()
                .map(|s| Some(s.subscription_id.as_str())),
        );
        subs.push(Some("s1"));
        for sub in subs {
            assert_eq!(
                neo.counts(&i.scan_id, sub).await.unwrap(),
                sql.counts(&i.scan_id, sub).await.unwrap(),
                "counts of fixture {n} for {sub:?}"
            );
            let (x, y) = (
                neo.load_scope(&i.scan_id, sub).await.unwrap(),
                sql.load_scope(&i.scan_id, sub).await.unwrap(),
            );
            assert_eq!(x.resources, y.resources);
            assert_eq!(x.relationships, y.relationships);
            assert_eq!(x.resource_groups, y.resource_groups);
        }
    }
    let strip = |mut v: Vec<ScanInfo>| {
        for s in &mut v {
            s.finished_at = None;
        }
        v
    };
    assert_eq!(
        strip(neo.scans().await.unwrap()),
        strip(sql.scans().await.unwrap())
    );
    assert_eq!(
        neo.counts("no-such-scan", None).await.unwrap(),
        ScopeCounts::default()
    );
    assert!(matches!(
        neo.load_snapshot("no-such-scan").await,
        Err(GraphError::NoSuchScan(_))
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn a_later_scan_leaves_earlier_snapshots_whole_and_atg_py_sees_one_node_per_resource() {
    let server = BoltServer::start();
    let store = neo4j(&server);
    let before = snapshot(ODD.as_bytes());
    let mut doc: serde_json::Value = serde_json::from_str(ODD).unwrap();
    doc["resources"][1]["tags"] = json!({"env": "changed"});
    doc["resources"].as_array_mut().unwrap().remove(2);
    let after = snapshot(doc.to_string().as_bytes());
    store_snapshot(
        &store,
        &info("scan-1", "2026-01-01T00:00:00Z", &before),
        &before,
        100,
    )
    .await
    .unwrap();
    store_snapshot(
        &store,
        &info("scan-2", "2026-01-02T00:00:00Z", &after),
        &after,
        100,
    )
    .await
    .unwrap();
    let one = store.load_snapshot("scan-1").await.unwrap();
    assert_eq!(one.resources, before.resources, "scan-1 as it was");
    assert_eq!(one.relationships, before.relationships);
    let two = store.load_snapshot("scan-2").await.unwrap();
    assert_eq!(two.resources, after.resources);
    assert_eq!(two.relationships, after.relationships);
    assert_eq!(
        select_scan(&store, None, None).await.unwrap().scan_id,
        "scan-2"
    );

    // What an ATG-py reader sees: one :Resource:Original per ARM ID, the
    // newest values, properties and tags as JSON text, CONTAINS from the
    // resource group.
    let rows = cypher(
        &server.uri(),
        &[
            "MATCH (r:Resource:Original) RETURN r.id AS id, r.tags AS tags, r.scan_id AS scan ORDER BY id",
        ],
        &[],
    );
    assert_eq!(rows.len(), 4, "{rows:?}");
    let nsg = rows
        .iter()
        .find(|r| {
            r["id"]
                .as_str()
                .unwrap()
                .ends_with("networkSecurityGroups/n")
        })
        .unwrap();
    assert_eq!(nsg["tags"], json!(r#"{"env":"changed"}"#));
    assert_eq!(nsg["scan"], json!("scan-2"));
    let rows = cypher(
        &server.uri(),
        &["MATCH (:Subscription {id: 'S1'})-[:CONTAINS]->(g:ResourceGroup)-[:CONTAINS]->(r:Resource)
           RETURN DISTINCT g.id AS g, r.name AS r ORDER BY r"],
        &[],
    );
    assert_eq!(
        rows.iter()
            .map(|r| r["r"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["n", "v"]
    );
    let rows = cypher(
        &server.uri(),
        &["MATCH (r:Resource:Original) WHERE r.name = 'v' RETURN r.properties AS p"],
        &[],
    );
    let p: serde_json::Value = serde_json::from_str(rows[0]["p"].as_str().unwrap()).unwrap();
    assert_eq!(p["big"], json!(12345678901234u64));
}

#[tokio::test(flavor = "current_thread")]
async fn imports_that_never_finished_are_never_read() {
    let server = BoltServer::start();
    let store = neo4j(&server);
    let snap = snapshot(ODD.as_bytes());
    store_snapshot(
        &store,
        &info("scan-ok", "2026-01-01T00:00:00Z", &snap),
        &snap,
        100,
    )
    .await
    .unwrap();
    // Interrupted: begun, half written, never finished.
    let cut = info("scan-cut", "2026-01-02T00:00:00Z", &snap);
    store.begin_scan(&cut).await.unwrap();
    store
        .write_resources("scan-cut", &snap.resources[..1])
        .await
        .unwrap();
    // Failed: a relationship to a node that is not there fails the batch,
    // and the scan is marked failed.
    let mut broken = snap.clone();
    broken.relationships[0].target_id =
        "/subscriptions/S1/resourceGroups/rg-a/providers/X/y/gone".into();
    let failed = store_snapshot(
        &store,
        &info("scan-bad", "2026-01-03T00:00:00Z", &broken),
        &broken,
        100,
    )
    .await;
    assert!(failed.is_err());
    let scans = store.scans().await.unwrap();
    let status = |id: &str| scans.iter().find(|s| s.scan_id == id).unwrap().status;
    assert_eq!(status("scan-cut"), ScanStatus::Running);
    assert_eq!(status("scan-bad"), ScanStatus::Failed);
    assert_eq!(
        select_scan(&store, None, None).await.unwrap().scan_id,
        "scan-ok"
    );
    assert_eq!(
        store.load_snapshot("scan-ok").await.unwrap().resources,
        snap.resources
    );
}
