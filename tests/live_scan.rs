//! `atg scan --tenant-id` against the ARM emulator, started in-process:
//! real HTTPS, the real azure_identity credentials, the real atg binary.
//! Issue 4: a live scan must store exactly what `scan --from-file` stores for
//! the same data, and survive paging, throttling, 5xx, a failing
//! subscription and bad credentials.

mod common;
use atg::model::Snapshot;
use atg_emulators::arm::{
    Emulator, EmulatorClient, EmulatorConfig, Faults, GraphQuota, TenantData,
};
use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "11111111-2222-4333-8444-555555555555";
const SECRET: &str = "s3cret-value";

/// An emulator serving `tenant`, a temp folder with its CA, and the atg command.
struct Live {
    dir: Dir,
    emulator: Emulator,
    ca: PathBuf,
}

fn client() -> EmulatorClient {
    EmulatorClient {
        client_id: CLIENT_ID.into(),
        secret: Some(SECRET.into()),
        federated_token: Some("federated-token-from-the-cluster".into()),
        secret_expired: false,
    }
}

fn start(tenant: &Path, tweak: impl FnOnce(&mut EmulatorConfig)) -> Live {
    let mut config = EmulatorConfig {
        clients: vec![client()],
        ..EmulatorConfig::default()
    };
    tweak(&mut config);
    let emulator = Emulator::spawn(TenantData::load(tenant).unwrap(), config).unwrap();
    let dir = Dir::new();
    let ca = dir.write("ca.pem", emulator.ca_pem());
    Live { dir, emulator, ca }
}

impl Live {
    /// `atg scan --tenant-id … --format json` against the emulator, as the service principal.
    fn scan(&self) -> assert_cmd::Command {
        let mut cmd = self.dir.atg();
        cmd.env("AZURE_CLIENT_ID", CLIENT_ID)
            .env("AZURE_CLIENT_SECRET", SECRET)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .args(["scan", "--format", "json", "--tenant-id"])
            .arg(self.emulator.tenant_id())
            .args(["--arm-endpoint", self.emulator.url()])
            .args(["--authority-host", self.emulator.url()]);
        cmd
    }

    fn scan_trusted(&self) -> assert_cmd::Command {
        let mut cmd = self.scan();
        cmd.arg("--ca-cert").arg(&self.ca);
        cmd
    }

    fn snapshots(&self) -> Vec<(atg::model::ScanInfo, Snapshot)> {
        let store = atg::graph::open(&format!(
            "sqlite:{}",
            self.dir.path().join(".atg/graph.db").display()
        ))
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut out = Vec::new();
            for info in store.scans().await.unwrap() {
                let snap = store.load_snapshot(&info.scan_id).await.unwrap();
                out.push((info, snap));
            }
            out
        })
    }
}

fn ok_json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\n{}",
        out.status.code(),
        stderr(out)
    );
    serde_json::from_str(&stdout(out)).unwrap()
}

/// A snapshot in an order-free form: sorted records, as JSON values.
fn canonical(s: &Snapshot) -> Vec<Vec<Value>> {
    let sorted = |mut v: Vec<Value>| {
        v.sort_by_key(|x| x.to_string());
        v
    };
    let all = |items: Vec<Value>| sorted(items);
    vec![
        all(s.subscriptions.iter().map(|x| json!(x)).collect()),
        all(s.resource_groups.iter().map(|x| json!(x)).collect()),
        all(s.resources.iter().map(|x| json!(x)).collect()),
        all(s.relationships.iter().map(|x| json!(x)).collect()),
    ]
}

/// Scans `live` from the emulator and `file` with `--from-file` into the
/// same store, and asserts both snapshots hold the same records.
fn assert_same_as_from_file(live: &Live, file: &Path) -> Value {
    let summary = ok_json(&live.scan_trusted().output().unwrap());
    live.dir
        .atg()
        .args(["scan", "--from-file"])
        .arg(file)
        .assert()
        .success();
    let snaps = live.snapshots();
    let by_source = |prefix: &str| {
        snaps
            .iter()
            .find(|(i, _)| i.source.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` scan"))
    };
    let (live_info, live_snap) = by_source("live:");
    let (file_info, file_snap) = by_source("file:");
    assert_eq!(live_info.status, atg::model::ScanStatus::Finished);
    assert_eq!(live_info.resource_count, file_info.resource_count);
    assert_eq!(live_info.relationship_count, file_info.relationship_count);
    let (l, f) = (canonical(live_snap), canonical(file_snap));
    for (i, what) in [
        "subscriptions",
        "resource groups",
        "resources",
        "relationships",
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(l[i].len(), f[i].len(), "number of {what}");
        for (a, b) in l[i].iter().zip(&f[i]) {
            assert_eq!(a, b, "{what} differ");
        }
    }
    summary
}

#[test]
fn live_scan_of_contoso_stores_what_scan_from_file_stores() {
    // 7 rows a page: the resources take 7 pages, so $skipToken paging is exercised.
    let live = start(&contoso(), |c| c.graph_page_rows = 7);
    let summary = assert_same_as_from_file(&live, &contoso());
    assert_eq!(summary["resources"], 51);
    assert_eq!(summary["status"], "finished");
    assert_eq!(summary["failures"], json!([]));
    let stats = live.emulator.stats();
    assert!(stats.graph_queries >= 11, "paged: {stats:?}");
    assert_eq!(
        stats.throttled, 0,
        "the quota was never exceeded: {stats:?}"
    );
    assert_eq!(stats.tokens, 1, "one token, cached for every request");
}

/// The contoso export plus the child types only ARM LIST returns.
fn contoso_with_children(dir: &Dir) -> PathBuf {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(contoso()).unwrap()).unwrap();
    let resources = doc["resources"].as_array_mut().unwrap();
    let mut extra = Vec::new();
    for (parent_type, child_type, collection, names) in [
        (
            "microsoft.servicebus/namespaces",
            "microsoft.servicebus/namespaces/queues",
            "queues",
            vec!["orders", "billing", "audit"],
        ),
        (
            "microsoft.servicebus/namespaces",
            "microsoft.servicebus/namespaces/topics",
            "topics",
            vec!["events", "alerts"],
        ),
        (
            "microsoft.eventhub/namespaces",
            "microsoft.eventhub/namespaces/eventhubs",
            "eventhubs",
            vec!["telemetry", "clicks"],
        ),
        (
            "microsoft.documentdb/databaseaccounts",
            "microsoft.documentdb/databaseaccounts/sqldatabases",
            "sqlDatabases",
            vec!["catalog", "sessions"],
        ),
    ] {
        let parent = resources
            .iter()
            .find(|r| r["type"] == parent_type)
            .unwrap()
            .clone();
        for name in names {
            extra.push(json!({
                "id": format!("{}/{collection}/{name}", parent["id"].as_str().unwrap()),
                "name": name,
                "type": child_type,
                "resourceGroup": parent["resourceGroup"],
                "subscriptionId": parent["subscriptionId"],
                "tenantId": parent["tenantId"],
                "properties": {"status": "Active", "parentName": parent["name"]},
            }));
        }
    }
    resources.extend(extra);
    dir.write("contoso-children.json", &doc.to_string())
}

#[test]
fn child_types_come_from_arm_list_with_next_link_paging() {
    let files = Dir::new();
    let tenant = contoso_with_children(&files);
    // Two items a page: three queues take two pages, linked by nextLink.
    let live = start(&tenant, |c| c.list_page_items = 2);
    let summary = assert_same_as_from_file(&live, &tenant);
    assert_eq!(summary["resources"], 51 + 9);
    assert_eq!(summary["live"]["list_calls"], 4);
    let queues = summary["by_type"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "microsoft.servicebus/namespaces/queues")
        .unwrap();
    assert_eq!(queues["count"], 3);
    // Queues take two pages (3 items, 2 a page); topics, event hubs and
    // SQL databases one each.
    assert_eq!(
        live.emulator.stats().list_requests,
        5,
        "{:?}",
        live.emulator.stats()
    );
}

/// The contoso export plus what Resource Graph keeps in
/// `AuthorizationResources`: a role assignment to a managed identity, a
/// custom role definition with an assignment, and a built-in definition.
fn contoso_with_authorization(dir: &Dir) -> PathBuf {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(contoso()).unwrap()).unwrap();
    let sub = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab";
    let kv = format!(
        "{sub}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-contoso-dev"
    );
    let custom = format!(
        "{sub}/providers/Microsoft.Authorization/roleDefinitions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    );
    let assignment = |scope: &str, guid: &str, role: &str| {
        json!({
            "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}"),
            "name": guid, "type": "microsoft.authorization/roleassignments",
            "subscriptionId": "50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab",
            "resourceGroup": if scope.contains("resourceGroups") { "rg-shared" } else { "" },
            "properties": {"roleDefinitionId": role, "principalId": "c8ecc47c-06d4-4762-9070-4057fbcf15e5",
                           "principalType": "ServicePrincipal", "scope": scope}
        })
    };
    let rows = doc["resources"].as_array_mut().unwrap();
    rows.push(assignment(
        &kv,
        "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
        &format!("{sub}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"),
    ));
    rows.push(assignment(
        sub,
        "6f7a8b9c-0d1e-4f2a-b3c4-d5e6f7a8b9c0",
        &custom,
    ));
    for (id, kind, name) in [
        (custom.clone(), "CustomRole", "Contoso Vault Reader"),
        (
            format!(
                "{sub}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
            ),
            "BuiltInRole",
            "Reader",
        ),
    ] {
        rows.push(json!({
            "id": id, "name": id.rsplit('/').next().unwrap(),
            "type": "microsoft.authorization/roledefinitions",
            "subscriptionId": "50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab",
            "properties": {"roleName": name, "type": kind, "assignableScopes": [sub],
                           "permissions": [{"actions": ["Microsoft.KeyVault/vaults/read"], "notActions": []}]}
        }));
    }
    dir.write("contoso-authorization.json", &doc.to_string())
}

/// Issue 13: role assignments and custom role definitions live in Resource
/// Graph's `authorizationresources` table, and a live scan reads both;
/// built-in definitions (the same in every tenant) are not read. The
/// assignments to an emitted managed identity become Terraform.
#[test]
fn role_assignments_and_custom_roles_come_from_authorization_resources() {
    let files = Dir::new();
    let tenant = contoso_with_authorization(&files);
    let live = start(&tenant, |_| {});
    live.scan_trusted().assert().success();
    let snapshots = live.snapshots();
    let snap = &snapshots[0].1;
    let of_type = |t: &str| {
        snap.resources
            .iter()
            .filter(|r| r.type_key() == t)
            .map(|r| r.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(of_type("microsoft.authorization/roleassignments").len(), 2);
    assert_eq!(
        of_type("microsoft.authorization/roledefinitions"),
        vec!["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"],
        "only the custom role definition is read"
    );
    live.dir
        .atg()
        .args(["generate", "-o", "out"])
        .assert()
        .success();
    let tf = live.dir.read("out/authorization.tf");
    assert_eq!(
        tf.matches("resource \"azurerm_role_assignment\"").count(),
        2,
        "{tf}"
    );
    assert!(tf.contains("resource \"azurerm_role_definition\""), "{tf}");
    assert!(
        tf.contains(
            "principal_id       = azurerm_user_assigned_identity.id_contoso_dev_app.principal_id"
        ),
        "{tf}"
    );
}

#[test]
fn throttled_scan_slows_down_and_loses_nothing() {
    // A tight quota (3 queries a second), 5 rows a page (13 queries), and a
    // 429 with Retry-After on every 4th request.
    let live = start(&contoso(), |c| {
        c.graph_page_rows = 5;
        c.graph_quota = Some(GraphQuota {
            queries: 3,
            window: Duration::from_secs(1),
        });
        c.faults = Faults {
            throttle_every: Some(4),
            retry_after: Duration::from_millis(300),
            ..Faults::default()
        };
    });
    let started = Instant::now();
    let summary = assert_same_as_from_file(&live, &contoso());
    let elapsed = started.elapsed();
    assert_eq!(summary["resources"], 51);
    let traffic = &summary["live"]["traffic"];
    assert!(traffic["throttled"].as_u64().unwrap() >= 2, "{traffic}");
    assert!(traffic["paced_ms"].as_u64().unwrap() > 0, "{traffic}");
    assert!(
        elapsed >= Duration::from_secs(3),
        "13 queries at 3 a second take at least 3 s, took {elapsed:?}"
    );
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let live = start(&contoso(), |c| {
        c.graph_page_rows = 10;
        c.faults.server_error_every = Some(3);
    });
    let summary = assert_same_as_from_file(&live, &contoso());
    assert_eq!(summary["resources"], 51);
    let errors = summary["live"]["traffic"]["server_errors"]
        .as_u64()
        .unwrap();
    assert!(errors >= 2, "{summary}");
    assert_eq!(live.emulator.stats().server_errors, errors);
}

/// A tenant of three subscriptions, one resource group and two resources each.
fn three_subscriptions(dir: &Dir) -> (PathBuf, Vec<String>) {
    let tenant = "7c1a6d8e-0f5b-4b7e-9d3c-2a1e4f6b8c0d";
    let subs: Vec<String> = (1..=3)
        .map(|i| format!("{i:08x}-aaaa-4bbb-8ccc-{i:012x}"))
        .collect();
    let mut resources = Vec::new();
    let mut groups = Vec::new();
    for (i, s) in subs.iter().enumerate() {
        let rg = format!("rg-team{i}");
        groups.push(json!({"id": format!("/subscriptions/{s}/resourceGroups/{rg}"), "name": rg, "location": "westeurope", "subscriptionId": s}));
        for (ty, name) in [
            (
                "Microsoft.Network/networkSecurityGroups",
                format!("nsg-{i}"),
            ),
            ("Microsoft.Network/publicIPAddresses", format!("pip-{i}")),
        ] {
            resources.push(json!({
                "id": format!("/subscriptions/{s}/resourceGroups/{rg}/providers/{ty}/{name}"),
                "name": name, "type": ty.to_ascii_lowercase(), "location": "westeurope",
                "resourceGroup": rg, "subscriptionId": s, "tenantId": tenant, "properties": {}
            }));
        }
    }
    let doc = json!({
        "tenantId": tenant,
        "subscriptions": subs.iter().enumerate().map(|(i, s)| json!({"subscriptionId": s, "displayName": format!("team{i}"), "tenantId": tenant})).collect::<Vec<_>>(),
        "resourceGroups": groups,
        "resources": resources,
    });
    (dir.write("three.json", &doc.to_string()), subs)
}

#[test]
fn one_failing_subscription_leaves_the_others_scanned_and_the_scan_incomplete() {
    let files = Dir::new();
    let (tenant, subs) = three_subscriptions(&files);
    let failing = subs[1].clone();
    let live = start(&tenant, |c| {
        c.faults.failing_subscriptions = vec![failing.clone()]
    });
    let out = live.scan_trusted().output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("warning: not scanned: subscription `{failing}`"))
            && err.contains("HTTP 403 AuthorizationFailed"),
        "{err}"
    );
    assert!(err.contains("is stored as incomplete"), "{err}");
    let summary: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["status"], "incomplete");
    assert_eq!(
        summary["resources"], 4,
        "two subscriptions of two resources"
    );

    let snaps = live.snapshots();
    let (info, snap) = &snaps[0];
    assert_eq!(info.status, atg::model::ScanStatus::Incomplete);
    assert_eq!(info.failures.len(), 1);
    assert!(info.failures[0].contains(&failing), "{:?}", info.failures);
    assert_eq!(info.subscriptions.len(), 3, "the failed one is in scope");
    assert!(
        snap.resources
            .iter()
            .all(|r| !r.id.contains(failing.as_str()))
    );
    for ok in [&subs[0], &subs[2]] {
        assert_eq!(
            snap.resources
                .iter()
                .filter(|r| r.id.contains(ok.as_str()))
                .count(),
            2
        );
    }
    // `scan --list` shows it as incomplete, never finished.
    let list = live.dir.atg().args(["scan", "--list"]).output().unwrap();
    assert!(stdout(&list).contains("incomplete"), "{}", stdout(&list));
}

#[test]
fn resource_group_filter_and_unknown_subscription() {
    let live = start(&contoso(), |_| {});
    let summary = ok_json(
        &live
            .scan_trusted()
            .args(["--resource-group", "RG-DATA"])
            .output()
            .unwrap(),
    );
    assert_eq!(summary["resource_groups"], 1);
    let snaps = live.snapshots();
    assert!(!snaps[0].1.resources.is_empty());
    assert!(
        snaps[0]
            .1
            .resources
            .iter()
            .all(|r| r.resource_group.as_deref() == Some("rg-data")),
        "only rg-data"
    );

    let out = live
        .scan_trusted()
        .args(["--subscription", "00000000-0000-4000-8000-000000000000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\nerror: no subscription to scan in tenant"),
        "{}",
        stderr(&out)
    );
}

/// Replaces what changes between runs (ports, Entra's timestamps) in stderr.
fn stable(text: &str, live: &Live) -> String {
    let s = text.replace(live.emulator.url(), "https://[EMULATOR]");
    s.lines()
        .map(|l| match l.find("Timestamp: ") {
            Some(i) => {
                let start = i + "Timestamp: ".len();
                let end = l[start..]
                    .find(char::is_whitespace)
                    .map_or(l.len(), |e| start + e);
                format!("{}[TIMESTAMP]{}", &l[..start], &l[end..])
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn invalid_client_secret_is_a_clear_error_and_stores_nothing() {
    let live = start(&contoso(), |_| {});
    let out = live
        .scan_trusted()
        .env("AZURE_CLIENT_SECRET", "not-the-secret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("live_invalid_secret_stderr", stable(&stderr(&out), &live));
    assert!(!live.dir.path().join(".atg/graph.db").exists() || live.snapshots().is_empty());
}

#[test]
fn expired_client_secret_says_it_expired() {
    let live = start(&contoso(), |c| c.clients[0].secret_expired = true);
    let out = live.scan_trusted().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("AADSTS7000222"), "{err}");
    assert!(
        err.contains("hint: the client secret has expired: create a new one"),
        "{err}"
    );
}

#[test]
fn an_untrusted_certificate_is_refused_with_a_hint() {
    let live = start(&contoso(), |_| {});
    let out = live.scan().env_remove("SSL_CERT_FILE").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cannot reach Microsoft Entra ID"),
        "{err}"
    );
    assert!(err.contains("--ca-cert"), "{err}");
}

#[test]
fn workload_identity_with_the_ca_from_ssl_cert_file() {
    let live = start(&contoso(), |_| {});
    let token = live.dir.write("token", "federated-token-from-the-cluster");
    let summary = ok_json(
        &live
            .scan()
            .env_remove("AZURE_CLIENT_SECRET")
            .env("AZURE_FEDERATED_TOKEN_FILE", &token)
            .env("SSL_CERT_FILE", &live.ca)
            .args(["--auth", "workload"])
            .output()
            .unwrap(),
    );
    assert_eq!(summary["resources"], 51);
    assert!(
        summary["live"]["credential"]
            .as_str()
            .unwrap()
            .starts_with("workload identity"),
        "{summary}"
    );
}

#[test]
fn sp_without_its_variables_names_them() {
    let d = Dir::new();
    let out = d
        .atg()
        .args([
            "scan",
            "--tenant-id",
            "contoso.onmicrosoft.com",
            "--auth",
            "sp",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("live_sp_missing_env_stderr", stderr(&out));
}

#[test]
fn live_only_flags_are_refused_with_from_file() {
    let d = Dir::new();
    let out = d
        .atg()
        .args(["scan", "--from-file", "x.json", "--resource-group", "rg"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: the argument '--from-file <FILE>' cannot be used with '--resource-group <NAME>'"
        ),
        "{}",
        stderr(&out)
    );
}

/// Issue 14: secrets with special characters never reach a live scan's
/// output or the store, whether the token endpoint takes them or refuses
/// one (the emulator decodes the form body azure_identity URL-encodes).
#[test]
fn issue14_special_character_secrets_never_reach_scan_output() {
    for secret in [
        "abc<def&ghi-123456",
        "p\"w'd\\x y$z`!;|",
        "ümlaut€%2B+/=?#é",
    ] {
        let live = start(&contoso(), |c| c.clients[0].secret = Some(secret.into()));
        let ok = live
            .scan_trusted()
            .env("AZURE_CLIENT_SECRET", secret)
            .output()
            .unwrap();
        assert!(ok.status.success(), "{secret}: {}", stderr(&ok));
        let wrong = format!("{secret}-wrong");
        let refused = live
            .scan_trusted()
            .env("AZURE_CLIENT_SECRET", &wrong)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
        let db = std::fs::read(live.dir.path().join(".atg/graph.db")).unwrap_or_default();
        for s in [secret, wrong.as_str()] {
            let url: String = s
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            let json = serde_json::to_string(s).unwrap();
            for spelling in [s.to_string(), url, json[1..json.len() - 1].to_string()] {
                for (what, bytes) in [
                    ("stdout", &ok.stdout),
                    ("stderr", &ok.stderr),
                    ("refused stdout", &refused.stdout),
                    ("refused stderr", &refused.stderr),
                    ("graph.db", &db),
                ] {
                    assert!(
                        !bytes
                            .windows(spelling.len())
                            .any(|w| w == spelling.as_bytes()),
                        "{what} holds `{spelling}`"
                    );
                }
            }
        }
    }
}
