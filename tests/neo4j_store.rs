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
    doc["resources"][1].as_object_mut().unwrap().remove("sku");
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
            "MATCH (r:Resource:Original) RETURN r.id AS id, r.tags AS tags, r.sku AS sku, r.scan_id AS scan ORDER BY id",
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
    assert_eq!(
        nsg["sku"],
        json!(null),
        "a field the newer scan lacks is cleared"
    );
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

/// Issue 14, item 8, on Neo4j: a killed scan stayed `running` forever. The
/// `:Scan` node records the process that writes it, and a running scan
/// whose process is gone reads as abandoned, as on SQLite.
#[tokio::test(flavor = "current_thread")]
async fn a_running_scan_whose_process_is_gone_reads_as_abandoned_as_on_sqlite() {
    let server = BoltServer::start();
    let neo = neo4j(&server);
    let dir = tempfile::tempdir().unwrap();
    let sql = SqliteStore::open(&dir.path().join("g.db")).unwrap();
    let snap = snapshot(ODD.as_bytes());
    let dead = common::bolt::dead_owner();
    let stores: [&dyn GraphStore; 2] = [&neo, &sql];
    for store in stores {
        store_snapshot(
            store,
            &info("scan-ok", "2026-01-01T00:00:00Z", &snap),
            &snap,
            100,
        )
        .await
        .unwrap();
        for id in ["scan-live", "scan-killed"] {
            store
                .begin_scan(&info(id, "2026-01-02T00:00:00Z", &snap))
                .await
                .unwrap();
        }
    }
    let rows = cypher(
        &server.uri(),
        &["MATCH (s:Scan {scan_id: 'scan-live'}) RETURN s.owner AS owner"],
        &[],
    );
    assert_eq!(rows[0]["owner"], json!(atg::graph::owner::current()));
    // The writer of `scan-killed` is gone.
    cypher(
        &server.uri(),
        &["MATCH (s:Scan {scan_id: 'scan-killed'}) SET s.owner = $owner"],
        &[("owner", neo4j::ValueSend::String(dead.clone()))],
    );
    rusqlite::Connection::open(dir.path().join("g.db"))
        .unwrap()
        .execute(
            "UPDATE scans SET owner = ?1 WHERE scan_id = 'scan-killed'",
            [&dead],
        )
        .unwrap();
    for store in stores {
        let status: Vec<(String, ScanStatus)> = store
            .scans()
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.scan_id, s.status))
            .collect();
        let status = |id: &str| status.iter().find(|s| s.0 == id).unwrap().1;
        assert_eq!(status("scan-live"), ScanStatus::Running);
        assert_eq!(status("scan-killed"), ScanStatus::Abandoned);
        assert_eq!(status("scan-ok"), ScanStatus::Finished);
        assert_eq!(
            select_scan(store, None, None).await.unwrap().scan_id,
            "scan-ok"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_atg_py_graph_reads_as_one_snapshot_each_resource_once_from_its_original() {
    use atg::model::RelationshipKind as K;
    let server = BoltServer::start();
    let ids = common::bolt::write_atg_py_graph(&server.uri());
    let store = neo4j(&server);
    let scans = store.scans().await.unwrap();
    assert_eq!(scans.len(), 1, "{scans:?}");
    let scan = &scans[0];
    assert_eq!(scan.scan_id, "atg-py");
    assert_eq!(scan.status, ScanStatus::Finished);
    assert_eq!(
        scan.resource_count, 8,
        "each ARM resource once, twins not counted"
    );
    assert_eq!(scan.started_at, "2026-03-01T10:06:00Z");
    assert_eq!(scan.subscriptions, [common::bolt::ATG_PY_SUB]);
    let snap = store.load_snapshot("atg-py").await.unwrap();
    assert_eq!(
        snap.resources
            .iter()
            .map(|r| r.id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    assert_eq!(scan.relationship_count, snap.relationships.len() as u64);
    let by_name = |n: &str| snap.resources.iter().find(|r| r.name == n).unwrap();
    // The original's values, JSON text parsed; ATG-py's subnet type read
    // from the ARM ID.
    let vm = by_name("vm-legacy");
    assert_eq!(vm.properties["hardwareProfile"]["vmSize"], "Standard_B2s");
    assert_eq!(vm.tags, json!({"env": "legacy"}));
    assert_eq!(vm.location.as_deref(), Some("westeurope"));
    assert_eq!(
        by_name("default").r#type,
        "microsoft.network/virtualnetworks/subnets"
    );
    assert_eq!(
        by_name("vnet-legacy").r#type,
        "Microsoft.Network/virtualNetworks"
    );
    // The cut-short value is kept as the text it is, and flagged.
    let st = by_name("stlegacy");
    assert!(st.is_truncated());
    assert!(snap.resources.iter().filter(|r| r.is_truncated()).count() == 1);
    assert_eq!(snap.resource_groups.len(), 1);
    assert_eq!(
        snap.subscriptions[0].display_name.as_deref(),
        Some("Legacy")
    );
    // Edges between originals (never twins), mapped to atg's kinds; none to
    // tag or region nodes.
    let edge = |from: &str, kind: K, to: &str| {
        snap.relationships
            .iter()
            .find(|r| r.source_id.ends_with(from) && r.kind == kind && r.target_id.ends_with(to))
            .unwrap_or_else(|| panic!("no {from} {kind} {to} in {:#?}", snap.relationships))
            .via
            .clone()
    };
    for (from, kind, to, via) in [
        ("nic-legacy", K::UsesSubnet, "default", "USES_SUBNET"),
        ("vm-legacy", K::ConnectedTo, "nic-legacy", "USES"),
        ("pe-legacy", K::ConnectedTo, "stlegacy", "CONNECTED_TO_PE"),
        ("default", K::SecuredBy, "nsg-legacy", "SECURED_BY"),
        ("vnet-legacy", K::Contains, "default", "CONTAINS"),
        (
            common::bolt::ATG_PY_SUB,
            K::Contains,
            "rg-legacy",
            "CONTAINS",
        ),
    ] {
        assert_eq!(edge(from, kind, to), format!("atg-py:{via}"));
    }
    edge("rg-legacy", K::Contains, "pip-legacy");
    assert_eq!(snap.relationships.len(), 1 + 8 + 6);
    assert_eq!(
        store.counts("atg-py", None).await.unwrap(),
        ScopeCounts {
            resources: 8,
            relationships: 15,
            resource_groups: 1,
            resource_types: 8
        }
    );

    // An atg scan written beside it is a scan of its own; the ATG-py
    // snapshot keeps exactly its own resources.
    let odd = snapshot(ODD.as_bytes());
    store_snapshot(
        &store,
        &info("scan-1", "2026-04-01T00:00:00Z", &odd),
        &odd,
        100,
    )
    .await
    .unwrap();
    let scans = store.scans().await.unwrap();
    assert_eq!(
        scans.iter().map(|s| s.scan_id.as_str()).collect::<Vec<_>>(),
        ["scan-1", "atg-py"]
    );
    assert_eq!(
        store.load_snapshot("atg-py").await.unwrap().resources,
        snap.resources
    );
    assert_eq!(
        store.load_snapshot("atg-py").await.unwrap().relationships,
        snap.relationships
    );
    assert_eq!(
        store.load_snapshot("scan-1").await.unwrap().resources,
        odd.resources
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_atg_scan_of_resources_atg_py_wrote_takes_over_their_nodes_and_keeps_the_twin_link() {
    let server = BoltServer::start();
    common::bolt::write_atg_py_graph(&server.uri());
    let store = neo4j(&server);
    let mut snap = store.load_snapshot("atg-py").await.unwrap();
    // atg re-reads the tenant: same resources, the storage account whole.
    let st = snap
        .resources
        .iter_mut()
        .find(|r| r.name == "stlegacy")
        .unwrap();
    st.properties = json!({"minimumTlsVersion": "TLS1_2"});
    snap.relationships = atg::graph::relationships::derive(&snap);
    store_snapshot(
        &store,
        &info("scan-1", "2026-04-01T00:00:00Z", &snap),
        &snap,
        3,
    )
    .await
    .unwrap();
    assert_eq!(
        store
            .scans()
            .await
            .unwrap()
            .iter()
            .map(|s| s.scan_id.clone())
            .collect::<Vec<_>>(),
        ["scan-1"],
        "no ATG-py resource is left outside an atg scan"
    );
    assert_eq!(
        store.load_snapshot("scan-1").await.unwrap().resources,
        snap.resources
    );
    // ATG-py's view: still one original per resource, the twin still links
    // to it, its properties now whole.
    let rows = cypher(
        &server.uri(),
        &["MATCH (t:Resource)-[:SCAN_SOURCE_NODE]->(o:Resource:Original) WHERE o.name = 'stlegacy'
           RETURN o.properties AS p, o.abstracted_id AS a, t.id AS t"],
        &[],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["p"], json!(r#"{"minimumTlsVersion":"TLS1_2"}"#));
    assert_eq!(rows[0]["a"], rows[0]["t"]);
    let n = cypher(
        &server.uri(),
        &[
            "MATCH (r:Resource:Original) WITH count(r) AS o MATCH (r:Resource) RETURN o, count(r) AS all",
        ],
        &[],
    );
    assert_eq!(
        (&n[0]["o"], &n[0]["all"]),
        (&json!(8), &json!(15)),
        "the plain pip node gains :Original; no node is added"
    );
}

/// The test server refuses Bolt messages over 16 MiB: a batch of resources
/// with large properties must still go in (cut into smaller statements).
#[tokio::test(flavor = "current_thread")]
async fn resources_with_large_properties_fit_the_servers_message_limit() {
    let server = BoltServer::start();
    let store = neo4j(&server);
    let rules: Vec<serde_json::Value> = (0..50_000)
        .map(|i| json!({"name": format!("rule-{i:05}"), "properties": {"priority": i, "access": "Allow"}}))
        .collect();
    let resources: Vec<serde_json::Value> = (0..6)
        .map(|n| {
            json!({
                "id": format!("/subscriptions/S1/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg{n}"),
                "type": "microsoft.network/networksecuritygroups",
                "properties": {"securityRules": rules},
            })
        })
        .collect();
    let doc = json!({"tenantId": "t", "resources": resources}).to_string();
    assert!(doc.len() > 16 << 20, "more than one Bolt message can carry");
    let snap = snapshot(doc.as_bytes());
    store_snapshot(
        &store,
        &info("scan-big", "2026-01-01T00:00:00Z", &snap),
        &snap,
        100,
    )
    .await
    .unwrap();
    assert_eq!(
        store.load_snapshot("scan-big").await.unwrap().resources,
        snap.resources
    );
}

/// Begins `scan_id` for `snap` and writes all of it but never finishes, as
/// a scan killed before its end leaves it, with its process gone.
async fn write_killed(server: &BoltServer, store: &Neo4jStore, scan_id: &str, snap: &Snapshot) {
    store
        .begin_scan(&info(scan_id, "2026-02-01T00:00:00Z", snap))
        .await
        .unwrap();
    store
        .write_subscriptions(scan_id, &snap.subscriptions)
        .await
        .unwrap();
    store
        .write_resource_groups(scan_id, &snap.resource_groups)
        .await
        .unwrap();
    // Small batches: the deletion must undo each of them.
    for chunk in snap.resources.chunks(2) {
        store.write_resources(scan_id, chunk).await.unwrap();
    }
    store
        .write_relationships(scan_id, &snap.relationships)
        .await
        .unwrap();
    cypher(
        &server.uri(),
        &["MATCH (s:Scan {scan_id: $id}) SET s.owner = $owner"],
        &[
            ("id", neo4j::ValueSend::String(scan_id.into())),
            (
                "owner",
                neo4j::ValueSend::String(common::bolt::dead_owner()),
            ),
        ],
    );
}

/// Issue 14, item 8, on Neo4j: `scan --prune` removes an abandoned scan
/// that rewrote the nodes of a finished one and added its own. The graph is
/// then exactly as it was before that scan began: the nodes it added are
/// gone, the nodes it rewrote hold the finished scan's values and
/// `scan_id` again, its edges are gone, and the finished snapshot reads
/// the same.
#[tokio::test(flavor = "current_thread")]
async fn pruning_an_abandoned_scan_leaves_the_graph_as_it_was_before_it() {
    let server = BoltServer::start();
    let store = neo4j(&server);
    let before = snapshot(ODD.as_bytes());
    store_snapshot(
        &store,
        &info("scan-1", "2026-01-01T00:00:00Z", &before),
        &before,
        100,
    )
    .await
    .unwrap();
    let graph = common::bolt::graph_dump(&server.uri());
    let scans = store.scans().await.unwrap();
    // The abandoned scan: a changed tag, a field dropped, a resource gone,
    // and a resource, a resource group and a subscription of its own.
    let mut doc: serde_json::Value = serde_json::from_str(ODD).unwrap();
    doc["resources"][1]["tags"] = json!({"env": "changed"});
    doc["resources"][1].as_object_mut().unwrap().remove("sku");
    doc["resources"].as_array_mut().unwrap().remove(2);
    doc["subscriptions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"subscriptionId": "S9", "displayName": "Other"}));
    doc["resourceGroups"].as_array_mut().unwrap().push(
        json!({"id": "/subscriptions/S9/resourceGroups/new", "name": "new", "location": "eastus"}),
    );
    doc["resources"].as_array_mut().unwrap().push(json!({
        "id": "/subscriptions/S9/resourceGroups/new/providers/Microsoft.Network/routeTables/rt",
        "type": "Microsoft.Network/routeTables", "properties": {}}));
    let killed = snapshot(doc.to_string().as_bytes());
    write_killed(&server, &store, "scan-2", &killed).await;
    assert_ne!(common::bolt::graph_dump(&server.uri()), graph);
    assert_eq!(
        store.scans().await.unwrap()[0].status,
        ScanStatus::Abandoned
    );

    let pruned = atg::scan::prune(Some(&store), false).await.unwrap();
    assert_eq!(
        pruned
            .iter()
            .map(|s| s.scan_id.as_str())
            .collect::<Vec<_>>(),
        ["scan-2"]
    );
    assert_eq!(store.scans().await.unwrap(), scans);
    assert_eq!(
        common::bolt::graph_dump(&server.uri()),
        graph,
        "the graph is as it was before the abandoned scan"
    );
    let one = store.load_snapshot("scan-1").await.unwrap();
    assert_eq!(one.resources, before.resources);
    assert_eq!(one.relationships, before.relationships);
    // Deleting a scan that is not there does nothing.
    store.delete_scan("scan-2").await.unwrap();
    store.delete_scan("atg-py").await.unwrap();
    assert_eq!(common::bolt::graph_dump(&server.uri()), graph);
}

/// An abandoned atg scan that took over the nodes of a graph Azure Tenant
/// Grapher wrote: pruning it deletes none of ATG-py's nodes or edges (the
/// twins still link to their originals), and those resources read as the
/// `atg-py` snapshot again, each once, with their relationships.
#[tokio::test(flavor = "current_thread")]
async fn pruning_a_scan_that_took_over_atg_py_nodes_gives_them_back() {
    let server = BoltServer::start();
    common::bolt::write_atg_py_graph(&server.uri());
    let store = neo4j(&server);
    let atg_py = store.load_snapshot("atg-py").await.unwrap();
    let listed = store.scans().await.unwrap();
    let census = |uri: &str| {
        cypher(
            uri,
            &["MATCH (n) OPTIONAL MATCH (n)-[e]->() WHERE e.scan_id IS NULL OR NOT e.scan_id STARTS WITH 'scan-'
               RETURN labels(n) AS labels, count(e) AS edges ORDER BY labels"],
            &[],
        )
    };
    let nodes_before = census(&server.uri());
    let mut snap = atg_py.clone();
    snap.relationships = atg::graph::relationships::derive(&snap);
    write_killed(&server, &store, "scan-1", &snap).await;
    assert_eq!(
        store
            .scans()
            .await
            .unwrap()
            .iter()
            .map(|s| s.scan_id.as_str())
            .collect::<Vec<_>>(),
        ["scan-1"],
        "the scan took over every ATG-py resource"
    );

    atg::scan::prune(Some(&store), false).await.unwrap();
    assert_eq!(store.scans().await.unwrap(), listed);
    let again = store.load_snapshot("atg-py").await.unwrap();
    assert_eq!(
        again.resources.iter().map(|r| &r.id).collect::<Vec<_>>(),
        atg_py.resources.iter().map(|r| &r.id).collect::<Vec<_>>()
    );
    assert_eq!(again.relationships, atg_py.relationships);
    assert_eq!(
        census(&server.uri()),
        nodes_before,
        "no node or ATG-py edge lost"
    );
    let left = cypher(
        &server.uri(),
        &["MATCH (n) WHERE n.scan_id = 'scan-1' RETURN count(n) AS n"],
        &[],
    );
    assert_eq!(left[0]["n"], json!(0));
    let twins = cypher(
        &server.uri(),
        &["MATCH (:Resource)-[l:SCAN_SOURCE_NODE]->(:Resource:Original) RETURN count(l) AS n"],
        &[],
    );
    assert_eq!(twins[0]["n"], json!(7));
}
