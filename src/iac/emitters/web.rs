//! Mappings for App Service plans and web apps.
//!
//! App settings and connection strings are never copied: their values may be
//! secrets.

use super::common::{prop_bool, sku_str};
use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

const LINUX_WEB: &str = "azurerm_linux_web_app";
const WINDOWS_WEB: &str = "azurerm_windows_web_app";
const LINUX_FUNCTION: &str = "azurerm_linux_function_app";
const WINDOWS_FUNCTION: &str = "azurerm_windows_function_app";
const WEB_APPS: When = When::Types(&[LINUX_WEB, WINDOWS_WEB]);
const FUNCTION_APPS: When = When::Types(&[LINUX_FUNCTION, WINDOWS_FUNCTION]);

/// `site_config.health_check_eviction_time_in_min`, written with every
/// `health_check_path`: azurerm 4.79 requires the two together
/// (`RequiredWith`; real `terraform validate` says "Missing required
/// argument"). It is the app setting `WEBSITE_HEALTHCHECK_MAXPINGFAILURES`,
/// which ARM's site document does not carry, so the value is Azure's
/// default when the setting is absent, 10 (Microsoft Learn, "Monitor App
/// Service instances by using Health check").
const fn health_check_eviction() -> Arg {
    arg(
        "health_check_eviction_time_in_min",
        Src::Const(Lit::Int(10)),
        Conv::Int,
    )
    .when(When::Has(Src::P("healthCheckPath")))
}

/// Says where `health_check_eviction_time_in_min` comes from.
const HEALTH_CHECK_EVICTION_NOTE: Note = note(
    When::Has(Src::P("siteConfig/healthCheckPath")),
    "`health_check_eviction_time_in_min = 10` is Azure's default: the source's `WEBSITE_HEALTHCHECK_MAXPINGFAILURES` app setting is not read; set it if the source differs",
);

/// The App Service mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new("microsoft.web/serverfarms", "azurerm_service_plan", "web").args(&[
        compute("os_type", plan_os_type),
        compute("sku_name", plan_sku).req(),
        arg("worker_count", Src::R("sku/capacity"), Conv::Int),
        b("per_site_scaling_enabled", "perSiteScaling"),
        b("zone_balancing_enabled", "zoneRedundant"),
        n("maximum_elastic_worker_count", "maximumElasticWorkerCount").when(When::Fn(|at| {
            sku_str(at.r, "name").is_some_and(|s| s.starts_with("EP"))
        })),
        reference(
            "app_service_environment_id",
            "hostingEnvironmentProfile/id",
            "id",
            "App Service Environment",
        )
        .strict(),
    ]),
    Mapping::new("microsoft.web/sites", WINDOWS_WEB, "web")
        .choose(select_site, &[LINUX_WEB, LINUX_FUNCTION, WINDOWS_FUNCTION])
        .name(Src::Unique(NameRule::WEB_APP))
        .args(&[
            reference("service_plan_id", "serverFarmId", "id", "App Service plan").req(),
            b("enabled", "enabled"),
            b("https_only", "httpsOnly"),
            b("client_affinity_enabled", "clientAffinityEnabled").when(WEB_APPS),
            arg(
                "storage_account_name",
                Src::Input("storage_account_name"),
                Conv::AsIs,
            )
            .when(FUNCTION_APPS),
            b("client_certificate_enabled", "clientCertEnabled"),
            one_of(
                "client_certificate_mode",
                "clientCertMode",
                &["Required", "Optional", "OptionalInteractiveUser"],
            )
            .when(When::True(Src::P("clientCertEnabled"))),
            flag("public_network_access_enabled", "publicNetworkAccess"),
            reference(
                "virtual_network_subnet_id",
                "virtualNetworkSubnetId",
                "id",
                "VNet integration subnet",
            ),
            reference(
                "key_vault_reference_identity_id",
                "keyVaultReferenceIdentity",
                "id",
                "key vault reference identity",
            )
            .when(When::IsNot(
                Src::P("keyVaultReferenceIdentity"),
                &["SystemAssigned"],
            )),
        ])
        .nests(&[blocks(
            "site_config",
            "siteConfig",
            Repeat::Always,
            &[
                b("always_on", "alwaysOn"),
                b("http2_enabled", "http20Enabled"),
                b("websockets_enabled", "webSocketsEnabled"),
                b("use_32_bit_worker", "use32BitWorkerProcess"),
                b("remote_debugging_enabled", "remoteDebuggingEnabled"),
                b("vnet_route_all_enabled", "vnetRouteAllEnabled"),
                one_of(
                    "ftps_state",
                    "ftpsState",
                    &["AllAllowed", "Disabled", "FtpsOnly"],
                ),
                one_of(
                    "minimum_tls_version",
                    "minTlsVersion",
                    &["1.0", "1.1", "1.2", "1.3"],
                ),
                one_of(
                    "scm_minimum_tls_version",
                    "scmMinTlsVersion",
                    &["1.0", "1.1", "1.2", "1.3"],
                ),
                one_of(
                    "load_balancing_mode",
                    "loadBalancing",
                    &[
                        "LeastRequests",
                        "WeightedRoundRobin",
                        "LeastResponseTime",
                        "WeightedTotalTraffic",
                        "RequestHash",
                        "PerSiteRoundRobin",
                    ],
                ),
                one_of(
                    "managed_pipeline_mode",
                    "managedPipelineMode",
                    &["Classic", "Integrated"],
                ),
                s("app_command_line", "appCommandLine"),
                s("health_check_path", "healthCheckPath"),
                health_check_eviction(),
                strs("default_documents", "defaultDocuments"),
            ],
        )])
        .hook(web_app, &["site_config"], &[])
        .identity()
        .notes(&[
            note(
                When::Has(Src::P("siteConfig/connectionStrings")),
                "connection strings not copied (they hold secrets)",
            ),
            HEALTH_CHECK_EVICTION_NOTE,
            note(
                FUNCTION_APPS,
                "the function app's storage account is named in a secret app setting ARM does not return: set `storage_account_name` (and its access) for the target",
            ),
        ]),
    Mapping::new("microsoft.web/staticsites", "azurerm_static_web_app", "web")
        .args(&[
            arg("sku_tier", Src::R("sku/tier"), Conv::Enum(&["Standard", "Free"])),
            arg("sku_size", Src::R("sku/name"), Conv::Enum(&["Standard", "Free"])),
            b("configuration_file_changes_enabled", "allowConfigFileUpdates"),
            arg(
                "preview_environments_enabled",
                Src::P("stagingEnvironmentPolicy"),
                Conv::Enabled,
            ),
            flag("public_network_access_enabled", "publicNetworkAccess"),
        ])
        .identity()
        .notes(&[note(
            When::Has(Src::P("repositoryUrl")),
            "the linked repository is not connected: its deployment token is a secret; connect it in the target",
        )]),
    Mapping::new("microsoft.web/sites/slots", "azurerm_windows_web_app_slot", "web")
        .choose(select_slot, &["azurerm_linux_web_app_slot"])
        .scope(Scope::In("app_service_id", "id", "web app"))
        .args(&[
            b("enabled", "enabled"),
            b("https_only", "httpsOnly"),
            b("client_affinity_enabled", "clientAffinityEnabled"),
            flag("public_network_access_enabled", "publicNetworkAccess"),
        ])
        .nests(&[blocks(
            "site_config",
            "siteConfig",
            Repeat::Always,
            &[
                b("always_on", "alwaysOn"),
                b("http2_enabled", "http20Enabled"),
                one_of("ftps_state", "ftpsState", &["AllAllowed", "Disabled", "FtpsOnly"]),
                one_of("minimum_tls_version", "minTlsVersion", &["1.0", "1.1", "1.2", "1.3"]),
                s("health_check_path", "healthCheckPath"),
                health_check_eviction(),
            ],
        )])
        .hook(web_app, &["site_config"], &[])
        .identity()
        .notes(&[HEALTH_CHECK_EVICTION_NOTE]),
    Mapping::new(
        "microsoft.web/hostingenvironments",
        "azurerm_app_service_environment_v3",
        "web",
    )
    .scope(Scope::Grouped)
    .args(&[
        reference("subnet_id", "virtualNetwork/id", "id", "subnet").req(),
        one_of(
            "internal_load_balancing_mode",
            "internalLoadBalancingMode",
            &["None", "Web, Publishing"],
        ),
        b("zone_redundant", "zoneRedundant"),
        // 0 means shared hosts; azurerm takes only 2 (dedicated) or nothing.
        n("dedicated_host_count", "dedicatedHostCount").when(When::Fn(|at| {
            at.r.prop("zoneRedundant") != Some(&Json::Bool(true))
                && at
                    .r
                    .prop("dedicatedHostCount")
                    .and_then(Json::as_i64)
                    .is_some_and(|n| n > 0)
        })),
        b(
            "allow_new_private_endpoint_connections",
            "networkingConfiguration/allowNewPrivateEndpointConnections",
        ),
    ])
    .nests(&[blocks(
        "cluster_setting",
        "clusterSettings",
        Repeat::Each,
        &[s("name", "name").key(), s("value", "value").key()],
    )]),
];

/// Service plan SKUs azurerm 4.x accepts that are not plain ARM SKU names:
/// the classic Premium tier (`P1`–`P3`) is retired and has no azurerm value.
fn plan_sku(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let name = sku_str(at.r, "name").ok_or_else(|| Skip::missing("sku.name"))?;
    Ok(Some(Value::Str(match name {
        "P1" | "P2" | "P3" => {
            let v2 = format!("{name}v2");
            cx.note(format!(
                "classic Premium SKU `{name}` is not accepted by azurerm; using its successor `{v2}`"
            ));
            v2
        }
        other => other.to_string(),
    })))
}

/// Whether a plan or site runs Linux: `kind` contains `linux`, or `reserved` is true.
fn is_linux(r: &Resource) -> bool {
    r.kind
        .as_deref()
        .is_some_and(|k| k.to_ascii_lowercase().contains("linux"))
        || prop_bool(r, "reserved") == Some(true)
        || r.prop_str("siteConfig/linuxFxVersion").is_some()
}

fn plan_os_type(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let r = at.r;
    let windows_container = prop_bool(r, "hyperV") == Some(true)
        || r.kind
            .as_deref()
            .is_some_and(|k| k.to_ascii_lowercase().contains("xenon"));
    Ok(Some(Value::str(if is_linux(r) {
        "Linux"
    } else if windows_container {
        "WindowsContainer"
    } else {
        "Windows"
    })))
}

fn select_site(r: &Resource) -> Result<&'static str, Skip> {
    let kind = r.kind.as_deref().unwrap_or("app").to_ascii_lowercase();
    if kind.contains("workflowapp") {
        return Err(Skip::managed(format!(
            "kind `{kind}` is a Logic App (Standard): its workflows live in the app's storage, not in ARM"
        )));
    }
    let linux = is_linux(r);
    Ok(match (kind.contains("functionapp"), linux) {
        (true, true) => LINUX_FUNCTION,
        (true, false) => WINDOWS_FUNCTION,
        (false, true) => LINUX_WEB,
        (false, false) => WINDOWS_WEB,
    })
}

/// A slot runs the OS of its app; function app slots are not mapped.
fn select_slot(r: &Resource) -> Result<&'static str, Skip> {
    let kind = r.kind.as_deref().unwrap_or("app").to_ascii_lowercase();
    if kind.contains("functionapp") || kind.contains("workflowapp") {
        return Err(Skip {
            reason: crate::iac::context::SkipReason::MissingRequiredValue,
            detail: format!(
                "slots of kind `{kind}` have no table yet; only web app slots are mapped"
            ),
        });
    }
    Ok(if is_linux(r) {
        "azurerm_linux_web_app_slot"
    } else {
        "azurerm_windows_web_app_slot"
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
        "DOTNETCORE" | "DOTNET" | "DOTNET-ISOLATED" => Body::new().attr("dotnet_version", version),
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

/// The runtime stack inside `site_config` (parsed from `linuxFxVersion` or
/// the Windows version fields), and the note naming app settings that were
/// not copied.
fn web_app(r: &Resource, cx: &mut EmitCx, body: &mut Body) -> Result<Vec<Block>, Skip> {
    let function = matches!(cx.primary_type(), LINUX_FUNCTION | WINDOWS_FUNCTION);
    let mut stack = if is_linux(r) {
        r.prop_str("siteConfig/linuxFxVersion")
            .and_then(|fx| linux_stack(fx, cx))
    } else {
        windows_stack(r)
    };
    // Function app stacks take no PHP, Go or registry URL.
    if function && let Some(s) = stack.as_mut() {
        s.body.attributes.retain(|(k, _)| {
            matches!(
                k.as_str(),
                "node_version" | "python_version" | "dotnet_version"
            )
        });
        if s.body.attributes.is_empty() {
            stack = None;
        }
    }
    if let Some(stack) = stack
        && let Some(config) = body.blocks.iter_mut().find(|b| b.ident == "site_config")
    {
        config.body.blocks.push(stack);
    }
    let settings: Vec<&str> = r
        .prop("siteConfig/appSettings")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(|s| s.get("name")?.as_str()).collect())
        .unwrap_or_default();
    if !settings.is_empty() {
        cx.note(format!(
            "app settings not copied (values may be secrets): {}",
            settings.join(", ")
        ));
    }
    Ok(Vec::new())
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
            super::MAPPINGS,
            super::super::database::MAPPINGS,
            super::super::containers::MAPPINGS,
            super::super::messaging::MAPPINGS,
            super::super::automation::MAPPINGS,
        ];
        let mut names = Vec::new();
        for e in mine.iter().copied().flatten() {
            for t in e.azurerm_types() {
                assert!(types.get(t).is_some(), "{t} not in the provider schema");
                names.push(t);
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
