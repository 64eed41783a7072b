//! Emitters for App Service plans and web apps.
//!
//! App settings and connection strings are never copied: their values may be
//! secrets. Function apps, slots and site extensions are left to others.

use super::Emitter;
use super::common::{
    IdentityNotes, enabled_flag, identity_block, located, prop_bool, prop_i64, sku_str, str_list,
};
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

/// The App Service emitters.
pub static EMITTERS: &[Emitter] = &[
    Emitter {
        arm_type: "microsoft.web/serverfarms",
        azurerm_types: &["azurerm_service_plan"],
        group: "web",
        select: |_| Ok("azurerm_service_plan"),
        emit: service_plan,
    },
    Emitter {
        arm_type: "microsoft.web/sites",
        azurerm_types: &["azurerm_windows_web_app", "azurerm_linux_web_app"],
        group: "web",
        select: select_site,
        emit: web_app,
    },
];

/// Service plan SKUs azurerm 4.x accepts that are not plain ARM SKU names:
/// the classic Premium tier (`P1`–`P3`) is retired and has no azurerm value.
fn plan_sku(name: &str, cx: &mut EmitCx) -> String {
    match name {
        "P1" | "P2" | "P3" => {
            let v2 = format!("{name}v2");
            cx.note(format!(
                "classic Premium SKU `{name}` is not accepted by azurerm; using its successor `{v2}`"
            ));
            v2
        }
        other => other.to_string(),
    }
}

/// Whether a plan or site runs Linux: `kind` contains `linux`, or `reserved` is true.
fn is_linux(r: &Resource) -> bool {
    r.kind
        .as_deref()
        .is_some_and(|k| k.to_ascii_lowercase().contains("linux"))
        || prop_bool(r, "reserved") == Some(true)
        || r.prop_str("siteConfig/linuxFxVersion").is_some()
}

fn service_plan(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let sku = sku_str(r, "name").ok_or_else(|| Skip::missing("sku.name"))?;
    let sku = plan_sku(sku, cx);
    let windows_container = prop_bool(r, "hyperV") == Some(true)
        || r.kind
            .as_deref()
            .is_some_and(|k| k.to_ascii_lowercase().contains("xenon"));
    let os_type = if is_linux(r) {
        "Linux"
    } else if windows_container {
        "WindowsContainer"
    } else {
        "Windows"
    };
    let mut body = located(r, cx)?
        .attr("os_type", os_type)
        .attr("sku_name", sku.as_str())
        .opt_attr("worker_count", r.sku.get("capacity").and_then(Json::as_i64))
        .opt_attr("per_site_scaling_enabled", prop_bool(r, "perSiteScaling"))
        .opt_attr("zone_balancing_enabled", prop_bool(r, "zoneRedundant"));
    if sku.starts_with("EP") {
        body = body.opt_attr(
            "maximum_elastic_worker_count",
            prop_i64(r, "maximumElasticWorkerCount"),
        );
    }
    if let Some(ase) = r.prop_str("hostingEnvironmentProfile/id") {
        match cx.reference(ase, "id") {
            Some(v) => body.set("app_service_environment_id", v),
            None => {
                return Err(Skip::outside("App Service Environment", ase));
            }
        }
    }
    body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

fn select_site(r: &Resource) -> Result<&'static str, Skip> {
    let kind = r.kind.as_deref().unwrap_or("app").to_ascii_lowercase();
    if kind.contains("functionapp") || kind.contains("workflowapp") {
        return Err(Skip::managed(format!(
            "kind `{kind}` is a function or logic app, not a web app; no emitter handles it yet"
        )));
    }
    Ok(if is_linux(r) {
        "azurerm_linux_web_app"
    } else {
        "azurerm_windows_web_app"
    })
}

/// `application_stack` for a Linux app from `linuxFxVersion` (`NODE|18-lts`,
/// `DOCKER|nginx:latest`, ...).
fn linux_stack(fx: &str, cx: &mut EmitCx) -> Option<Block> {
    let (runtime, version) = fx.split_once('|')?;
    let body = match runtime.to_ascii_uppercase().as_str() {
        "NODE" => Body::new().attr("node_version", version),
        "PYTHON" => Body::new().attr("python_version", version),
        "PHP" => Body::new().attr("php_version", version),
        "DOTNETCORE" | "DOTNET" => Body::new().attr("dotnet_version", version),
        "GO" => Body::new().attr("go_version", version),
        "DOCKER" => {
            // `registry/image:tag` → docker_registry_url + docker_image_name.
            match version.split_once('/') {
                Some((host, image)) if host.contains('.') => Body::new()
                    .attr("docker_image_name", image)
                    .attr("docker_registry_url", format!("https://{host}")),
                _ => Body::new().attr("docker_image_name", version),
            }
        }
        other => {
            cx.note(format!(
                "runtime stack `{other}|{version}` not mapped; set `site_config.application_stack` by hand"
            ));
            return None;
        }
    };
    Some(Block::nested("application_stack", body))
}

/// `application_stack` for a Windows app from `netFrameworkVersion` and `phpVersion`.
fn windows_stack(r: &Resource) -> Option<Block> {
    let mut body = Body::new();
    if let Some(v) = r
        .prop_str("siteConfig/netFrameworkVersion")
        .filter(|v| v.starts_with('v'))
    {
        body.set("dotnet_version", v);
    }
    // PHP 5.x is what ARM reports for a site that never chose PHP; azurerm 4.x
    // accepts only current versions or `Off`.
    if let Some(v) = r
        .prop_str("siteConfig/phpVersion")
        .filter(|v| !v.starts_with('5'))
    {
        body.set("php_version", v);
    }
    if let Some(v) = r.prop_str("siteConfig/nodeVersion") {
        body.set("node_version", v);
    }
    (!body.attributes.is_empty()).then(|| Block::nested("application_stack", body))
}

fn site_config(r: &Resource, linux: bool, cx: &mut EmitCx) -> Body {
    let s = |p: &str| r.prop_str(&format!("siteConfig/{p}"));
    let b = |p: &str| prop_bool(r, &format!("siteConfig/{p}"));
    let mut body = Body::new()
        .opt_attr("always_on", b("alwaysOn"))
        .opt_attr("http2_enabled", b("http20Enabled"))
        .opt_attr("websockets_enabled", b("webSocketsEnabled"))
        .opt_attr("use_32_bit_worker", b("use32BitWorkerProcess"))
        .opt_attr("remote_debugging_enabled", b("remoteDebuggingEnabled"))
        .opt_attr("vnet_route_all_enabled", b("vnetRouteAllEnabled"))
        .opt_attr("ftps_state", s("ftpsState"))
        .opt_attr("minimum_tls_version", s("minTlsVersion"))
        .opt_attr("scm_minimum_tls_version", s("scmMinTlsVersion"))
        .opt_attr("load_balancing_mode", s("loadBalancing"))
        .opt_attr("managed_pipeline_mode", s("managedPipelineMode"))
        .opt_attr("app_command_line", s("appCommandLine"))
        .opt_attr("health_check_path", s("healthCheckPath"));
    let docs = str_list(r, "siteConfig/defaultDocuments");
    if !docs.is_empty() {
        body.set("default_documents", Value::str_list(docs));
    }
    let stack = if linux {
        s("linuxFxVersion").and_then(|fx| linux_stack(fx, cx))
    } else {
        windows_stack(r)
    };
    if let Some(stack) = stack {
        body = body.block(stack);
    }
    body
}

fn web_app(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let linux = is_linux(r);
    let plan_id = r
        .prop_str("serverFarmId")
        .ok_or_else(|| Skip::missing("properties.serverFarmId"))?;
    let plan = cx.require_reference("App Service plan", plan_id, "id")?;
    let mut body = Body::new()
        .attr("name", cx.unique_name(NameRule::WEB_APP))
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
        .attr("service_plan_id", plan)
        .opt_attr("enabled", prop_bool(r, "enabled"))
        .opt_attr("https_only", prop_bool(r, "httpsOnly"))
        .opt_attr(
            "client_affinity_enabled",
            prop_bool(r, "clientAffinityEnabled"),
        )
        .opt_attr(
            "client_certificate_enabled",
            prop_bool(r, "clientCertEnabled"),
        );
    if prop_bool(r, "clientCertEnabled") == Some(true) {
        body = body.opt_attr("client_certificate_mode", r.prop_str("clientCertMode"));
    }
    body = body.opt_attr(
        "public_network_access_enabled",
        enabled_flag(r, "publicNetworkAccess"),
    );
    if let Some(subnet) = r.prop_str("virtualNetworkSubnetId") {
        match cx.reference(subnet, "id") {
            Some(v) => body.set("virtual_network_subnet_id", v),
            None => cx.note(format!(
                "VNet integration subnet `{subnet}` omitted: it is not in the emitted set"
            )),
        }
    }
    if let Some(kv_identity) = r
        .prop_str("keyVaultReferenceIdentity")
        .filter(|v| !v.eq_ignore_ascii_case("SystemAssigned"))
    {
        match cx.reference(kv_identity, "id") {
            Some(v) => body.set("key_vault_reference_identity_id", v),
            None => cx.note(format!(
                "key vault reference identity `{kv_identity}` omitted: it is not in the emitted set"
            )),
        }
    }
    let settings: Vec<String> = r
        .prop("siteConfig/appSettings")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("name")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if !settings.is_empty() {
        cx.note(format!(
            "app settings not copied (values may be secrets): {}",
            settings.join(", ")
        ));
    }
    if r.prop("siteConfig/connectionStrings")
        .and_then(Json::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        cx.note("connection strings not copied (they hold secrets)");
    }
    body = body.opt_attr("tags", cx.tags());
    let config = site_config(r, linux, cx);
    body = body.block(Block::nested("site_config", config));
    if let Some(identity) = identity_block(r, cx, IdentityNotes::Short) {
        body = body.block(identity);
    }
    Ok(vec![cx.resource(body)])
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use serde_json::json;

    const SITE: &str = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-app/providers/Microsoft.Web/sites/app-contoso-dev-api";

    #[test]
    fn plan_and_windows_app_are_emitted_with_references() {
        let g = gen_default(&fixture());
        let plan = one(&g, "azurerm_service_plan");
        assert_eq!(attr(plan, "os_type"), &Value::str("Windows"));
        assert_eq!(attr(plan, "sku_name"), &Value::str("P1v2"));
        let app = one(&g, "azurerm_windows_web_app");
        assert!(blocks(&g, "azurerm_linux_web_app").is_empty());
        let plan_addr = format!("azurerm_service_plan.{}", plan.labels[1]);
        assert_eq!(
            attr(app, "service_plan_id"),
            &Value::reference(&plan_addr, "id")
        );
        assert_eq!(attr(app, "https_only"), &Value::Bool(false));
        let sc = nested(app, "site_config");
        assert_eq!(sc.body.get("minimum_tls_version"), Some(&Value::str("1.2")));
        assert_eq!(sc.body.get("always_on"), Some(&Value::Bool(false)));
        let Value::Str(name) = attr(app, "name") else {
            panic!("name is a literal")
        };
        assert!(
            name.starts_with("app-contoso-dev-api-") && name.len() <= 60,
            "{name}"
        );
        assert!(
            g.report
                .skipped
                .iter()
                .all(|s| !s.arm_type.starts_with("microsoft.web/"))
        );
    }

    #[test]
    fn linux_app_gets_stack_and_app_settings_values_are_never_copied() {
        let mut snap = fixture();
        let mut site = snap
            .resources
            .iter()
            .find(|r| r.id == SITE)
            .cloned()
            .unwrap();
        site.id = SITE.replace("app-contoso-dev-api", "app-linux");
        site.name = "app-linux".into();
        site.kind = Some("app,linux".into());
        site.properties["siteConfig"]["linuxFxVersion"] = json!("NODE|18-lts");
        site.properties["siteConfig"]["appSettings"] =
            json!([{"name": "DB_PASSWORD", "value": "hunter2-s3cret"}]);
        site.identity = json!({"type": "UserAssigned", "userAssignedIdentities": {
            "/subscriptions/x/resourceGroups/rg-elsewhere/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gone": {}
        }});
        let id = site.id.clone();
        snap.resources.push(site);
        let g = gen_default(&snap);
        let app = one(&g, "azurerm_linux_web_app");
        let stack = nested(nested(app, "site_config"), "application_stack");
        assert_eq!(stack.body.get("node_version"), Some(&Value::str("18-lts")));
        assert!(app.body.blocks.iter().all(|b| b.ident != "identity"));
        assert!(!hcl(&g).contains("hunter2-s3cret"));
        let notes = notes_by_id(&g, &id);
        assert!(notes.iter().any(|n| n.contains("DB_PASSWORD")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("gone")), "{notes:?}");
    }

    #[test]
    fn app_whose_plan_is_outside_the_snapshot_is_skipped() {
        let mut snap = fixture();
        snap.resources
            .retain(|r| r.type_key() != "microsoft.web/serverfarms");
        let g = gen_default(&snap);
        assert!(blocks(&g, "azurerm_windows_web_app").is_empty());
        let skip = skip_by_id(&g, SITE).expect("skipped");
        assert_eq!(skip.reason, "reference_outside_set");
        assert!(skip.detail.contains("App Service plan"), "{}", skip.detail);
    }

    #[test]
    fn plan_without_sku_is_skipped_with_reason() {
        let mut snap = fixture();
        snap.resources.push(resource(json!({
            "id": "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-app/providers/Microsoft.Web/serverfarms/nosku",
            "name": "nosku", "type": "Microsoft.Web/serverfarms", "location": "eastus",
            "kind": "linux", "properties": {"reserved": true}
        })));
        let g = gen_default(&snap);
        let skip = skip_by_id(&g, "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-app/providers/Microsoft.Web/serverfarms/nosku").unwrap();
        assert_eq!(skip.reason, "missing_required_value");
        assert!(skip.detail.contains("sku.name"));
    }

    /// Every emitter of this worktree names azurerm types that exist, and the
    /// fixture's blocks of those types use only known, settable arguments and
    /// set every required one (nested blocks included).
    #[test]
    fn emitted_blocks_match_the_provider_schema() {
        let types = provider_resource_schemas();
        let mine = [
            super::EMITTERS,
            super::super::database::EMITTERS,
            super::super::containers::EMITTERS,
            super::super::messaging::EMITTERS,
            super::super::automation::EMITTERS,
        ];
        let mut names = Vec::new();
        for e in mine.iter().copied().flatten() {
            for t in e.azurerm_types {
                assert!(types.get(*t).is_some(), "{t} not in the provider schema");
                names.push(*t);
            }
        }
        let g = gen_default(&fixture());
        let mut checked = 0;
        for t in names {
            for b in blocks(&g, t) {
                check_schema(&b.labels.join("."), &types[t]["block"], &b.body);
                checked += 1;
            }
        }
        assert!(checked >= 12, "only {checked} blocks checked");
    }
}
