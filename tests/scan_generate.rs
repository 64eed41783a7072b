//! `atg scan --from-file` and `atg generate` end to end, on the real binary.

mod common;
use common::*;

#[test]
fn scan_contoso_stores_subnets_and_counts_by_type() {
    let d = Dir::new();
    let out = d
        .atg()
        .args(["scan", "--from-file"])
        .arg(contoso())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    // 45 rows + 6 subnets extracted from the VNet.
    assert_eq!(v["resources"], 51);
    assert_eq!(v["extracted_subnets"], 6);
    assert_eq!(v["resource_groups"], 4);
    assert_eq!(v["status"], "finished");
    let subnets = v["by_type"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "microsoft.network/virtualnetworks/subnets")
        .unwrap();
    assert_eq!(subnets["count"], 6);
    assert!(
        v["relationships"].as_u64().unwrap() > 51,
        "containment plus property references"
    );
    assert!(
        d.path().join(".atg/graph.db").exists(),
        "embedded store at the default path"
    );
}

#[test]
fn graph_flag_and_env_choose_the_store() {
    let d = Dir::new();
    let fixture = root().join("fixtures/tenant-synthetic-small.json");
    d.atg()
        .args(["--graph", "sqlite:custom/g.db", "scan", "--from-file"])
        .arg(&fixture)
        .assert()
        .success();
    assert!(d.path().join("custom/g.db").exists());
    d.atg()
        .env("ATG_GRAPH", "sqlite:env.db")
        .args(["scan", "--from-file"])
        .arg(&fixture)
        .assert()
        .success();
    assert!(d.path().join("env.db").exists());
    assert!(!d.path().join(".atg/graph.db").exists());
}

#[test]
fn malformed_json_gives_line_and_column_and_stores_nothing() {
    let d = Dir::new();
    d.write(
        "bad.json",
        "{\n  \"resources\": [\n    {\"id\": \"/subscriptions/s\" \"type\": \"x\"}\n  ]\n}\n",
    );
    let out = d
        .atg()
        .args(["scan", "--from-file", "bad.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: `bad.json` line 3 column 31: expected `,` or `}`"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    let list = d
        .atg()
        .args(["scan", "--list", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&list).trim(),
        "[]",
        "a failed import leaves no snapshot"
    );
}

#[test]
fn resource_without_id_or_type_is_named() {
    let d = Dir::new();
    d.write(
        "noid.json",
        r#"{"resources": [{"name": "vm1", "type": "microsoft.compute/virtualmachines"}]}"#,
    );
    let out = d
        .atg()
        .args(["scan", "--from-file", "noid.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: `noid.json` resource #0 (name `vm1`): missing `id`\n"),
        "{}",
        stderr(&out)
    );
    d.write(
        "notype.json",
        r#"[{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm1"}]"#,
    );
    let out = d
        .atg()
        .args(["scan", "--from-file", "notype.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("resource #0: missing `type`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_export_file_is_an_input_error() {
    let d = Dir::new();
    let out = d
        .atg()
        .args(["scan", "--from-file", "nope.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: cannot read `nope.json`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_type_is_reported_not_emitted() {
    let d = Dir::new();
    d.write(
        "t.json",
        r#"{"resources": [
          {"id": "/subscriptions/s/resourceGroups/rg/providers/Contoso.Widgets/gadgets/g1", "type": "contoso.widgets/gadgets", "location": "eastus"},
          {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "type": "microsoft.network/virtualnetworks", "location": "eastus",
           "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
        ]}"#,
    );
    d.atg()
        .args(["scan", "--from-file", "t.json"])
        .assert()
        .success();
    let out = d.atg().args(["generate", "-o", "out"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let warning: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warning.len(), 1, "{err}");
    assert!(
        warning[0].contains("`contoso.widgets/gadgets` (1, not mapped yet)"),
        "{err}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&d.read("out/generation_report.json")).unwrap();
    assert_eq!(
        report["unmapped_types"]["contoso.widgets/gadgets"]["count"],
        1
    );
    assert_eq!(
        report["unmapped_types"]["contoso.widgets/gadgets"]["status"],
        "not_mapped_yet"
    );
    assert_eq!(report["emitted_resources"], 1);
    assert!(!d.read("out/network.tf").contains("gadget"));
}

/// Issue 13: the report told every unmapped type "no azurerm equivalent",
/// although azurerm had most of them. Now each unmapped type says whether
/// no azurerm resource exists or it is not mapped yet (naming the azurerm
/// type when atg knows it), and with a provider schema the generic fallback
/// writes types atg has no table for, marked `generic`, or skips them
/// naming the required argument it cannot derive.
#[test]
fn unmapped_types_say_why_and_the_generic_fallback_writes_known_ones() {
    let d = Dir::new();
    let net = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network";
    d.write(
        "t.json",
        &format!(
            r#"{{"resources": [
          {{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Graph/users/u1", "type": "microsoft.graph/users", "location": "global"}},
          {{"id": "{net}/virtualWans/vwan", "name": "vwan", "type": "microsoft.network/virtualwans", "location": "eastus", "properties": {{"type": "Standard"}}}},
          {{"id": "{net}/vpnSites/site1", "name": "site1", "type": "microsoft.network/vpnsites", "location": "eastus",
            "properties": {{"virtualWan": {{"id": "{net}/virtualWans/vwan"}}, "addressSpace": {{"addressPrefixes": ["10.50.0.0/16"]}}}}}},
          {{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/connections/office365", "name": "office365", "type": "microsoft.web/connections", "location": "eastus",
            "properties": {{"api": {{"id": "/subscriptions/s/providers/Microsoft.Web/locations/eastus/managedApis/office365"}}}}}}
        ]}}"#
        ),
    );
    d.atg()
        .args(["scan", "--from-file", "t.json"])
        .assert()
        .success();
    d.atg().args(["generate", "-o", "plain"]).assert().success();
    let report: serde_json::Value =
        serde_json::from_str(&d.read("plain/generation_report.json")).unwrap();
    let u = &report["unmapped_types"];
    assert_eq!(
        u["microsoft.graph/users"]["status"], "no_azurerm_resource",
        "{u}"
    );
    assert!(
        u["microsoft.graph/users"]["detail"]
            .as_str()
            .unwrap()
            .contains("azuread"),
        "{u}"
    );
    assert_eq!(u["microsoft.network/vpnsites"]["status"], "not_mapped_yet");
    assert_eq!(
        u["microsoft.network/vpnsites"]["azurerm_type"],
        "azurerm_vpn_site"
    );
    assert!(
        d.read("plain/generation_report.md")
            .contains("no azurerm resource exists")
    );

    d.atg()
        .args(["generate", "-o", "schema", "--provider-schema"])
        .arg(azurerm_schema())
        .assert()
        .success();
    let report: serde_json::Value =
        serde_json::from_str(&d.read("schema/generation_report.json")).unwrap();
    assert_eq!(report["generic_resources"], 1, "{report}");
    assert_eq!(
        report["by_type"]["microsoft.network/vpnsites"]["generic"],
        true
    );
    let site = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["address"] == "azurerm_vpn_site.site1")
        .expect("the VPN site is emitted");
    assert_eq!(site["generic"], true);
    let tf = d.read("schema/generic.tf");
    assert!(
        tf.contains("virtual_wan_id      = azurerm_virtual_wan.vwan.id"),
        "{tf}"
    );
    let skip = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["arm_type"] == "microsoft.web/connections")
        .expect("the connection is skipped");
    assert!(
        skip["detail"]
            .as_str()
            .unwrap()
            .contains("required argument `managed_api_id`"),
        "{skip}"
    );
    // What the fallback writes is valid at provider level.
    let out = d
        .atg()
        .args([
            "validate",
            "schema",
            "--validator",
            "builtin",
            "--provider-schema",
        ])
        .arg(azurerm_schema())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

/// `generate --provider-schema NAME.schema.json` reads the provider
/// validation data beside it, as `validate` does: the generic fallback
/// then meets the provider's "exactly one of" rules, so the API Management
/// named value of `fixtures/generic-fallback.json` gets its sensitive
/// `value` as a variable and the folder passes with the provider checks
/// (real terraform with azurerm 4.79 said "Invalid combination of
/// arguments" when `value` was left out).
#[test]
fn the_generic_fallback_meets_the_providers_one_of_rules() {
    let d = Dir::new();
    d.atg()
        .args(["scan", "--from-file"])
        .arg(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/generic-fallback.json"),
        )
        .assert()
        .success();
    d.atg()
        .args(["generate", "-q", "-o", "out", "--provider-schema"])
        .arg(azurerm_schema())
        .assert()
        .success();
    let tf = d.read("out/generic.tf");
    assert!(
        tf.contains("value               = var.apim_gen_fx_backend_url_value"),
        "{tf}"
    );
    let out = d
        .atg()
        .args([
            "validate",
            "out",
            "--validator",
            "builtin",
            "--provider-schema",
        ])
        .arg(azurerm_schema())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn generate_is_byte_for_byte_deterministic_in_both_syntaxes() {
    let d = Dir::new();
    d.atg()
        .args(["scan", "--from-file"])
        .arg(contoso())
        .assert()
        .success();
    // A second scan of the same data must not change the output either.
    d.atg()
        .args(["scan", "--from-file"])
        .arg(contoso())
        .assert()
        .success();
    for fmt in ["hcl", "json"] {
        d.atg()
            .args([
                "generate",
                "-o",
                &format!("a-{fmt}"),
                "--format",
                fmt,
                "--resource-group-prefix",
                "T1_",
            ])
            .assert()
            .success();
        d.atg()
            .args([
                "generate",
                "-o",
                &format!("b-{fmt}"),
                "--format",
                fmt,
                "--resource-group-prefix",
                "T1_",
            ])
            .assert()
            .success();
        let names = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(d.path().join(dir))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(&format!("a-{fmt}")), names(&format!("b-{fmt}")));
        for n in names(&format!("a-{fmt}")) {
            assert_eq!(
                d.read(&format!("a-{fmt}/{n}")),
                d.read(&format!("b-{fmt}/{n}")),
                "{n} differs between runs"
            );
        }
    }
    assert!(
        d.read("a-hcl/resource_groups.tf")
            .contains("\"T1_rg-network\"")
    );
}

#[test]
fn generate_without_a_scan_says_what_to_do() {
    let d = Dir::new();
    let out = d.atg().args(["generate", "-o", "out"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: no graph store at `.atg/graph.db`: nothing has been scanned into it"
        ),
        "{err}"
    );
    assert!(err.contains("hint: run `atg scan --from-file"), "{err}");
    assert!(
        !d.path().join(".atg").exists(),
        "no empty store is left behind"
    );
}

#[test]
fn az_graph_query_output_imports() {
    let d = Dir::new();
    d.write(
        "q.json",
        r#"{"count": 1, "data": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p", "name": "p", "type": "microsoft.network/publicipaddresses", "location": "eastus", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}], "skip_token": null}"#,
    );
    let out = d
        .atg()
        .args(["scan", "--from-file", "q.json", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["resources"], 1);
    assert_eq!(v["resource_groups"], 1, "derived from the resource's ID");
}

/// `--type-map` (aztft's resource map) widens the generic fallback to ARM
/// types atg's own map lacks: an Analysis Services server is "not mapped
/// yet" without it and written (or skipped naming the argument it lacks)
/// by the fallback with it; `microsoft.web/sites`-like types that several
/// azurerm types manage are named as such.
#[test]
fn a_type_map_widens_the_generic_fallback() {
    let resmap = shared("reference/aztft-resmap-v4.81.0.json");
    let d = Dir::new();
    let export = d.write(
        "export.json",
        r#"{"resources": [
          {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.AnalysisServices/servers/asfx", "name": "asfx",
           "type": "Microsoft.AnalysisServices/servers", "location": "westeurope", "resourceGroup": "rg", "subscriptionId": "s",
           "sku": {"name": "S0", "tier": "Standard"}, "properties": {"asAdministrators": {"members": []}}},
          {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ServiceLinker/linkers/lk", "name": "lk",
           "type": "Microsoft.ServiceLinker/linkers", "location": "westeurope", "resourceGroup": "rg", "subscriptionId": "s",
           "properties": {}}]}"#,
    );
    d.scan(&export);
    let report = |out: &str, with_map: bool| -> serde_json::Value {
        let mut cmd = d.atg();
        cmd.args(["generate", "-q", "-o", out, "--provider-schema"])
            .arg(azurerm_schema());
        if with_map {
            cmd.arg("--type-map").arg(&resmap);
        }
        cmd.assert().success();
        serde_json::from_str(&d.read(&format!("{out}/generation_report.json"))).unwrap()
    };
    let without = report("plain", false);
    let unmapped = &without["unmapped_types"]["microsoft.analysisservices/servers"];
    assert_eq!(unmapped["status"], "not_mapped_yet", "{without}");
    assert!(
        unmapped["detail"].as_str().unwrap().contains("--type-map"),
        "{unmapped}"
    );
    let with = report("mapped", true);
    assert!(
        with["unmapped_types"]
            .get("microsoft.analysisservices/servers")
            .is_none(),
        "{with}"
    );
    assert_eq!(
        with["by_type"]["microsoft.analysisservices/servers"]["generic"], true,
        "{with}"
    );
    let several = with["unmapped_types"]["microsoft.servicelinker/linkers"]["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        several.contains("several azurerm types manage it (azurerm_app_service_connection"),
        "{several}"
    );
    // A file that is not aztft's map is refused.
    let bad = d.write("bad.json", "[]");
    let out = d
        .atg()
        .args(["generate", "-o", "x", "--type-map"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not aztft's resource map"),
        "{}",
        stderr(&out)
    );
}
