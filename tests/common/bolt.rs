//! A Bolt server for the Neo4j tests: kglite-bolt-server (crates.io), the
//! one real Bolt 5 server that installs on these machines, started on a
//! free loopback port with an in-memory graph and stopped when dropped.
//!
//! The binary comes from `ATG_TEST_BOLT_SERVER`, which `.ci/run` sets, else
//! `target/tools/kglite/bin/kglite-bolt-server`, where `.ci/run` installs it.
//! A missing binary fails the test with the command that installs it: these
//! tests never skip.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The version `.ci/run` installs.
pub const VERSION: &str = "0.21.5";

/// The server binary; panics with the install command when it is missing.
pub fn binary() -> PathBuf {
    let path = std::env::var_os("ATG_TEST_BOLT_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/tools/kglite/bin/kglite-bolt-server")
        });
    assert!(
        path.is_file(),
        "the Neo4j tests need kglite-bolt-server at `{}` (or ATG_TEST_BOLT_SERVER): run `.ci/run`, or \
         `cargo install --locked kglite-bolt-server --version {VERSION} --root target/tools/kglite`",
        path.display()
    );
    path
}

/// A running server; killed on drop.
pub struct BoltServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl BoltServer {
    /// A server without authentication.
    pub fn start() -> Self {
        Self::spawn(None)
    }

    /// A server that requires this user and password (basic auth).
    pub fn with_auth(user: &str, password: &str) -> Self {
        Self::spawn(Some((user, password)))
    }

    fn spawn(auth: Option<(&str, &str)>) -> Self {
        let bin = binary();
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let dir = tempfile::tempdir().expect("temp dir");
            let mut cmd = Command::new(&bin);
            cmd.arg("--graph")
                .arg(dir.path().join("graph.kgl"))
                .args([
                    "--storage",
                    "memory",
                    "--durability",
                    "off",
                    "--neo4j-compat",
                ])
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Some((user, password)) = auth {
                cmd.args([
                    "--auth",
                    "basic",
                    "--auth-user",
                    user,
                    "--auth-pass",
                    password,
                ]);
            }
            let mut child = cmd.spawn().expect("start kglite-bolt-server");
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("exited with {status}");
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    // Another test's server may have taken the port first, in
                    // which case this one exits at once for want of it.
                    std::thread::sleep(Duration::from_millis(200));
                    if let Ok(None) = child.try_wait() {
                        return BoltServer {
                            child,
                            port,
                            _dir: dir,
                        };
                    }
                    last = "the port was taken".to_string();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            if last.is_empty() {
                last = "did not listen within 20 s".to_string();
            }
        }
        panic!(
            "kglite-bolt-server `{}` would not start: {last}",
            bin.display()
        );
    }

    /// `bolt://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("bolt://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// CPU seconds the server has used so far (user + system; Linux).
    pub fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds(&format!("/proc/{}/stat", self.child.id()))
    }

    /// The server's peak resident memory so far, in MiB (Linux `VmHWM`).
    pub fn peak_rss_mib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kib: u64 = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kib / 1024)
    }
}

impl Drop for BoltServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU seconds (user + system) of the process whose `/proc/PID/stat` is
/// `path`, at the usual 100 ticks a second.
pub fn cpu_seconds(path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Runs Cypher statements against `uri` (no auth), each in its own write
/// transaction, with `params` for all of them, and returns the last one's
/// rows as JSON objects. Panics on any error.
#[allow(clippy::result_large_err)] // the driver's closures return its own error type
pub fn cypher(
    uri: &str,
    statements: &[&str],
    params: &[(&str, neo4j::ValueSend)],
) -> Vec<serde_json::Map<String, serde_json::Value>> {
    use neo4j::driver::{ConnectionConfig, Driver, DriverConfig, RoutingControl};
    let driver = Driver::new(
        ConnectionConfig::try_from(uri).expect("bolt URI"),
        DriverConfig::new(),
    );
    let params: std::collections::HashMap<String, neo4j::ValueSend> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut last = Vec::new();
    for statement in statements {
        let mut session = driver.session(neo4j::session::SessionConfig::new());
        last = session
            .transaction()
            .with_routing_control(RoutingControl::Write)
            .run(|tx| {
                let records = tx
                    .query(statement)
                    .with_parameters(&params)
                    .run()?
                    .collect::<Result<Vec<_>, _>>()?;
                tx.commit()?;
                Ok(records)
            })
            .unwrap_or_else(|e| panic!("`{statement}`: {e}"))
            .into_iter()
            .map(|r| {
                r.into_entries()
                    .map(|(k, v)| (k.to_string(), atg::graph::neo4j::rows::to_json(v)))
                    .collect()
            })
            .collect();
    }
    last
}

/// The subscription of `write_atg_py_graph`.
pub const ATG_PY_SUB: &str = "7c1e2d3f-0000-4000-8000-00000000a1b2";

/// Writes a small tenant into `uri` the way Azure Tenant Grapher (ATG-py)
/// lays it out, with no atg scan: subscription and resource group nodes
/// with `updated_at`; each resource as a `:Resource:Original` node (ARM ID,
/// SDK-spelled type, `properties` and `tags` as JSON text) and, for all but
/// one, an abstracted twin `:Resource` (hashed `id`, `original_id`) linked
/// `(twin)-[:SCAN_SOURCE_NODE]->(original)`; one public IP as a plain
/// `:Resource` of ATG-py's older single-graph layout; its subnet node typed
/// `Microsoft.Network/subnets`; its rule edges (CONTAINS, USES_SUBNET,
/// SECURED_BY, USES, CONNECTED_TO_PE, plus TAGGED_WITH and LOCATED_IN to
/// tag and region nodes) in both graphs; and one storage account whose
/// `properties` ATG-py cut at 5000 characters.
///
/// Returns the ARM IDs of its eight resources, sorted.
pub fn write_atg_py_graph(uri: &str) -> Vec<String> {
    use neo4j::ValueSend as V;
    let rg = format!("/subscriptions/{ATG_PY_SUB}/resourceGroups/rg-legacy");
    let id = |t: &str, n: &str| format!("{rg}/providers/{t}/{n}");
    let vnet = id("Microsoft.Network/virtualNetworks", "vnet-legacy");
    let subnet = format!("{vnet}/subnets/default");
    let nsg = id("Microsoft.Network/networkSecurityGroups", "nsg-legacy");
    let nic = id("Microsoft.Network/networkInterfaces", "nic-legacy");
    let vm = id("Microsoft.Compute/virtualMachines", "vm-legacy");
    let st = id("Microsoft.Storage/storageAccounts", "stlegacy");
    let pe = id("Microsoft.Network/privateEndpoints", "pe-legacy");
    let pip = id("Microsoft.Network/publicIPAddresses", "pip-legacy");
    let long_rules: Vec<serde_json::Value> = (0..120)
        .map(|i| serde_json::json!({"name": format!("rule-{i}"), "properties": {"ipAddressOrRange": format!("10.{i}.0.0/16"), "action": "Allow"}}))
        .collect();
    let whole =
        serde_json::json!({"networkAcls": {"ipRules": long_rules}, "minimumTlsVersion": "TLS1_2"})
            .to_string();
    assert!(whole.len() > 5000);
    let cut = format!("{}...(truncated)", &whole[..5000]);
    let resources: Vec<(String, &str, String, bool)> = vec![
        // (id, type as ATG-py stores it, properties JSON text, has a twin)
        (vnet.clone(), "Microsoft.Network/virtualNetworks", serde_json::json!({"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}).to_string(), true),
        (subnet.clone(), "Microsoft.Network/subnets", serde_json::json!({"addressPrefix": "10.1.0.0/24", "networkSecurityGroup": {"id": nsg}}).to_string(), true),
        (nsg.clone(), "Microsoft.Network/networkSecurityGroups", serde_json::json!({"securityRules": []}).to_string(), true),
        (nic.clone(), "Microsoft.Network/networkInterfaces", serde_json::json!({"ipConfigurations": [{"name": "ip1", "properties": {"subnet": {"id": subnet}, "privateIPAllocationMethod": "Dynamic"}}]}).to_string(), true),
        (vm.clone(), "Microsoft.Compute/virtualMachines", serde_json::json!({"hardwareProfile": {"vmSize": "Standard_B2s"}, "networkProfile": {"networkInterfaces": [{"id": nic}]}}).to_string(), true),
        (st.clone(), "Microsoft.Storage/storageAccounts", cut, true),
        (pe.clone(), "Microsoft.Network/privateEndpoints", serde_json::json!({"subnet": {"id": subnet}}).to_string(), true),
    ];
    let mut statements: Vec<String> = vec![
        format!(
            "MERGE (s:Subscription {{id: '{ATG_PY_SUB}'}}) SET s.name = 'Legacy', s.updated_at = datetime('2026-03-01T10:00:00Z')"
        ),
        format!(
            "MERGE (g:ResourceGroup {{id: '{rg}'}}) SET g.name = 'rg-legacy', g.subscription_id = '{ATG_PY_SUB}', g.type = 'ResourceGroup', g.updated_at = datetime('2026-03-01T10:00:00Z'), g.llm_description = ''"
        ),
        format!(
            "MATCH (s:Subscription {{id: '{ATG_PY_SUB}'}}) MATCH (g:ResourceGroup {{id: '{rg}'}}) MERGE (s)-[:CONTAINS]->(g)"
        ),
        "MERGE (:Region {name: 'westeurope'})".to_string(),
        "MERGE (:Tag {id: 'env:legacy'}) ".to_string(),
    ];
    let mut params: Vec<(String, V)> = Vec::new();
    for (n, (rid, ty, props, twin)) in resources.iter().enumerate() {
        let name = rid.rsplit('/').next().unwrap();
        params.push((format!("props{n}"), V::String(props.clone())));
        statements.push(format!(
            "MERGE (r:Resource:Original {{id: '{rid}'}})
             SET r += {{name: '{name}', type: '{ty}', location: 'westeurope', subscription_id: '{ATG_PY_SUB}',
                        resource_group: 'rg-legacy', tags: '{{\"env\": \"legacy\"}}', llm_description: '',
                        processing_status: 'completed'}},
                 r.properties = $props{n}, r.abstracted_id = 'net-{n:016x}', r.updated_at = datetime('2026-03-01T10:0{n}:00Z')"
        ));
        if *twin {
            statements.push(format!(
                "MERGE (a:Resource {{id: 'net-{n:016x}'}})
                 SET a += {{name: 'net-{n:016x}', original_name: '{name}', type: '{ty}', location: 'westeurope',
                            subscription_id: '{ATG_PY_SUB}', resource_group: 'rg-legacy', tags: '{{\"env\": \"legacy\"}}'}},
                     a.properties = $props{n}, a.original_id = '{rid}', a.abstracted_id = 'net-{n:016x}',
                     a.abstraction_type = 'net', a.updated_at = datetime('2026-03-01T10:0{n}:00Z')"
            ));
            statements.push(format!(
                "MATCH (a:Resource {{id: 'net-{n:016x}'}}) MATCH (o:Resource:Original {{id: '{rid}'}})
                 MERGE (a)-[e:SCAN_SOURCE_NODE]->(o) SET e.scan_id = 'atg-py-scan-1', e.confidence = 'exact'"
            ));
        }
        statements.push(format!(
            "MATCH (g:ResourceGroup {{id: '{rg}'}}) MATCH (r:Resource {{id: '{rid}'}}) MERGE (g)-[:CONTAINS]->(r)"
        ));
        statements.push(format!(
            "MATCH (r:Resource:Original {{id: '{rid}'}}) MATCH (t:Tag {{id: 'env:legacy'}}) MATCH (l:Region {{name: 'westeurope'}})
             MERGE (r)-[:TAGGED_WITH]->(t) MERGE (r)-[:LOCATED_IN]->(l)"
        ));
    }
    // The older single-graph layout: a plain :Resource, no twin.
    statements.push(format!(
        "MERGE (r:Resource {{id: '{pip}'}}) SET r += {{name: 'pip-legacy', type: 'Microsoft.Network/publicIPAddresses',
           location: 'westeurope', subscription_id: '{ATG_PY_SUB}', resource_group: 'rg-legacy',
           properties: '{{\"publicIPAllocationMethod\": \"Static\"}}'}}"
    ));
    statements.push(format!(
        "MATCH (g:ResourceGroup {{id: '{rg}'}}) MATCH (r:Resource {{id: '{pip}'}}) MERGE (g)-[:CONTAINS]->(r)"
    ));
    // Rule edges, between originals and between twins (the dual graph).
    let index = |x: &str| resources.iter().position(|r| r.0 == x).unwrap();
    for (from, ty, to) in [
        (&vnet, "CONTAINS", &subnet),
        (&subnet, "SECURED_BY", &nsg),
        (&nic, "USES_SUBNET", &subnet),
        (&vm, "USES", &nic),
        (&pe, "CONNECTED_TO_PE", &st),
        (&pe, "USES_SUBNET", &subnet),
    ] {
        statements.push(format!(
            "MATCH (a:Resource:Original {{id: '{from}'}}) MATCH (b:Resource:Original {{id: '{to}'}}) MERGE (a)-[:{ty}]->(b)"
        ));
        statements.push(format!(
            "MATCH (a:Resource {{id: 'net-{:016x}'}}) MATCH (b:Resource {{id: 'net-{:016x}'}}) MERGE (a)-[:{ty}]->(b)",
            index(from),
            index(to)
        ));
    }
    let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
    let p: Vec<(&str, V)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    cypher(uri, &refs, &p);
    let mut ids: Vec<String> = resources.into_iter().map(|r| r.0).collect();
    ids.push(pip);
    ids.sort_by_key(|i| i.to_ascii_lowercase());
    ids
}

/// An owner string (`atg::graph::owner`) naming a process of this host
/// that has exited: a scan recorded with it reads as abandoned.
pub fn dead_owner() -> String {
    let mut child = Command::new("true").spawn().expect("run `true`");
    let pid = child.id();
    child.wait().expect("wait for `true`");
    let me: Vec<&str> = atg::graph::owner::current().split(' ').collect();
    // This host and boot, the exited pid, a start time it never had.
    format!("{} {} {pid} 1", me[0], me[1])
}

/// Every node (labels, properties) and edge (ends, type, properties) of the
/// graph, as sorted JSON text: all that any reader of the graph can see.
pub fn graph_dump(uri: &str) -> Vec<String> {
    let rows = |q: &str| {
        cypher(uri, &[q], &[])
            .into_iter()
            .map(|r| serde_json::Value::Object(r).to_string())
            .collect::<Vec<_>>()
    };
    let mut out = rows("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props");
    out.extend(rows(
        "MATCH (a)-[e]->(b) RETURN a.id AS a, type(e) AS type, b.id AS b, properties(e) AS props",
    ));
    out.sort();
    out
}
