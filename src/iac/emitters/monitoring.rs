//! Mappings for Log Analytics workspaces and Application Insights
//! components: SKU, retention, public access flags, and the workspace link
//! of workspace-based components.
//!
//! Instrumentation keys and connection strings are computed by Azure and
//! never copied.

use super::common::prop_i64;
use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::Value;

/// Ingestion over the public internet (`publicNetworkAccessForIngestion`).
const INTERNET_INGESTION: Arg = arg(
    "internet_ingestion_enabled",
    Src::P("publicNetworkAccessForIngestion"),
    Conv::EnabledElseFalse,
);
/// Queries over the public internet (`publicNetworkAccessForQuery`).
const INTERNET_QUERY: Arg = arg(
    "internet_query_enabled",
    Src::P("publicNetworkAccessForQuery"),
    Conv::EnabledElseFalse,
);

/// The monitoring mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.operationalinsights/workspaces",
        "azurerm_log_analytics_workspace",
        "monitoring",
    )
    .args(&[
        arg("sku", Src::P("sku/name"), Conv::MapOnly(WORKSPACE_SKUS)),
        n(
            "reservation_capacity_in_gb_per_day",
            "sku/capacityReservationLevel",
        )
        .when(When::Is(Src::P("sku/name"), &["CapacityReservation"])),
        compute("retention_in_days", workspace_retention),
        f("daily_quota_gb", "workspaceCapping/dailyQuotaGb")
            .when(When::Fn(|at| {
                at.here
                    .pointer("/workspaceCapping/dailyQuotaGb")
                    .and_then(serde_json::Value::as_f64)
                    .is_some_and(|q| q >= 0.0)
            })),
        INTERNET_INGESTION,
        INTERNET_QUERY,
        not("local_authentication_enabled", "features/disableLocalAuth"),
        b(
            "allow_resource_only_permissions",
            "features/enableLogAccessUsingOnlyResourcePermissions",
        ),
    ])
    .identity()
    .notes(&[note(
        When::Is(Src::P("sku/name"), &["Free"]),
        "legacy `Free` pricing tier mapped to `PerGB2018`: new Free workspaces cannot be created (since July 2022)",
    )]),
    Mapping::new(
        "microsoft.insights/components",
        "azurerm_application_insights",
        "monitoring",
    )
    .args(&[
        compute("application_type", application_type).req(),
        reference(
            "workspace_id",
            "WorkspaceResourceId",
            "id",
            "Log Analytics workspace",
        ),
        n("retention_in_days", "RetentionInDays"),
        f("sampling_percentage", "SamplingPercentage"),
        not("ip_masking_enabled", "DisableIpMasking"),
        not("local_authentication_enabled", "DisableLocalAuth"),
        INTERNET_INGESTION,
        INTERNET_QUERY,
    ]),
];

/// More monitoring mappings: data collection, workbooks, diagnostic
/// settings, web tests, private link scopes, query packs, solutions,
/// dashboards, Managed Grafana and Azure Monitor workspaces.
pub static MORE: &[Mapping] = &[
    Mapping::new(
        "microsoft.insights/datacollectionendpoints",
        "azurerm_monitor_data_collection_endpoint",
        "monitoring",
    )
    .args(&[
        arg("kind", Src::Kind, Conv::Enum(&["Linux", "Windows"])),
        s("description", "description"),
        flag(
            "public_network_access_enabled",
            "networkAcls/publicNetworkAccess",
        ),
    ]),
    Mapping::new(
        "microsoft.insights/datacollectionrules",
        "azurerm_monitor_data_collection_rule",
        "monitoring",
    )
    .args(&[
        arg(
            "kind",
            Src::Kind,
            Conv::Enum(&[
                "Linux",
                "Windows",
                "AgentDirectToStore",
                "WorkspaceTransforms",
            ]),
        ),
        s("description", "description"),
        reference(
            "data_collection_endpoint_id",
            "dataCollectionEndpointId",
            "id",
            "data collection endpoint",
        )
        .strict(),
    ])
    .nests(&[
        blocks("destinations", "destinations", Repeat::Required, &[]).nests(&[
            blocks(
                "log_analytics",
                "logAnalytics",
                Repeat::Each,
                &[
                    s("name", "name").req(),
                    reference(
                        "workspace_resource_id",
                        "workspaceResourceId",
                        "id",
                        "Log Analytics workspace",
                    )
                    .req(),
                ],
            ),
            block(
                "azure_monitor_metrics",
                "azureMonitorMetrics",
                &[s("name", "name").key()],
            ),
        ]),
        blocks(
            "data_flow",
            "dataFlows",
            Repeat::EachRequired,
            &[
                strs("streams", "streams").req(),
                strs("destinations", "destinations").req(),
                s("transform_kql", "transformKql"),
                s("output_stream", "outputStream"),
            ],
        ),
        block("data_sources", "dataSources", &[]).nests(&[
            blocks(
                "performance_counter",
                "performanceCounters",
                Repeat::Each,
                &[
                    s("name", "name").req(),
                    strs("streams", "streams").req(),
                    n(
                        "sampling_frequency_in_seconds",
                        "samplingFrequencyInSeconds",
                    )
                    .req(),
                    strs("counter_specifiers", "counterSpecifiers").req(),
                ],
            ),
            blocks(
                "windows_event_log",
                "windowsEventLogs",
                Repeat::Each,
                &[
                    s("name", "name").req(),
                    strs("streams", "streams").req(),
                    strs("x_path_queries", "xPathQueries").req(),
                ],
            ),
            blocks(
                "syslog",
                "syslog",
                Repeat::Each,
                &[
                    s("name", "name").req(),
                    strs("streams", "streams").req(),
                    strs("facility_names", "facilityNames").req(),
                    strs("log_levels", "logLevels").req(),
                ],
            ),
        ]),
    ]),
    Mapping::new(
        "microsoft.insights/workbooks",
        "azurerm_application_insights_workbook",
        "monitoring",
    )
    .label(|r| r.prop_str("displayName").unwrap_or(&r.name).to_string())
    .args(&[
        s("display_name", "displayName").req(),
        compute("data_json", workbook_data).req(),
        s("category", "category"),
        s("description", "description"),
        compute("source_id", workbook_source),
    ]),
    Mapping::new(
        "microsoft.insights/diagnosticsettings",
        "azurerm_monitor_diagnostic_setting",
        "monitoring",
    )
    .scope(Scope::Bare)
    .untagged()
    .label(diagnostic_label)
    .args(&[
        compute("target_resource_id", diagnostic_target).req(),
        reference(
            "log_analytics_workspace_id",
            "workspaceId",
            "id",
            "Log Analytics workspace",
        )
        .strict(),
        reference(
            "storage_account_id",
            "storageAccountId",
            "id",
            "storage account",
        )
        .strict(),
        reference(
            "eventhub_authorization_rule_id",
            "eventHubAuthorizationRuleId",
            "id",
            "Event Hubs authorization rule",
        )
        .strict(),
        s("eventhub_name", "eventHubName"),
        one_of(
            "log_analytics_destination_type",
            "logAnalyticsDestinationType",
            &["Dedicated", "AzureDiagnostics"],
        ),
    ])
    .nests(&[
        blocks(
            "enabled_log",
            "logs",
            Repeat::Each,
            &[
                s("category", "category"),
                s("category_group", "categoryGroup"),
            ],
        )
        .when(When::True(Src::P("enabled"))),
        blocks(
            "enabled_metric",
            "metrics",
            Repeat::Each,
            &[s("category", "category").req()],
        )
        .when(When::True(Src::P("enabled"))),
    ]),
    Mapping::new(
        "microsoft.insights/webtests",
        "azurerm_application_insights_standard_web_test",
        "monitoring",
    )
    .untagged()
    .args(&[
        compute("application_insights_id", web_test_component).req(),
        arg("geo_locations", Src::All("Locations/*/Id"), Conv::Str).req(),
        s("description", "Description"),
        b("enabled", "Enabled"),
        n("frequency", "Frequency"),
        n("timeout", "Timeout"),
        b("retry_enabled", "RetryEnabled"),
    ])
    .nests(&[
        blocks(
            "request",
            "Request",
            Repeat::Required,
            &[
                s("url", "RequestUrl").req(),
                one_of(
                    "http_verb",
                    "HttpVerb",
                    &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                ),
                b("follow_redirects_enabled", "FollowRedirects"),
                b("parse_dependent_requests_enabled", "ParseDependentRequests"),
            ],
        )
        .nests(&[blocks(
            "header",
            "Headers",
            Repeat::Each,
            &[s("name", "key").key(), s("value", "value").key()],
        )]),
        block(
            "validation_rules",
            "ValidationRules",
            &[
                n("expected_status_code", "ExpectedHttpStatusCode"),
                b("ssl_check_enabled", "SSLCheck"),
                n(
                    "ssl_cert_remaining_lifetime",
                    "SSLCertRemainingLifetimeCheck",
                ),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.insights/privatelinkscopes",
        "azurerm_monitor_private_link_scope",
        "monitoring",
    )
    .scope(Scope::Grouped)
    .args(&[
        one_of(
            "ingestion_access_mode",
            "accessModeSettings/ingestionAccessMode",
            &["Open", "PrivateOnly"],
        ),
        one_of(
            "query_access_mode",
            "accessModeSettings/queryAccessMode",
            &["Open", "PrivateOnly"],
        ),
    ]),
    Mapping::new(
        "microsoft.operationalinsights/querypacks",
        "azurerm_log_analytics_query_pack",
        "monitoring",
    ),
    Mapping::new(
        "microsoft.operationsmanagement/solutions",
        "azurerm_log_analytics_solution",
        "monitoring",
    )
    .unnamed()
    .args(&[
        compute("solution_name", solution_name).req(),
        reference(
            "workspace_name",
            "workspaceResourceId",
            "name",
            "Log Analytics workspace",
        )
        .req(),
        reference(
            "workspace_resource_id",
            "workspaceResourceId",
            "id",
            "Log Analytics workspace",
        )
        .req(),
    ])
    .nests(&[blocks(
        "plan",
        "/plan",
        Repeat::Required,
        &[
            s("publisher", "publisher").req(),
            s("product", "product").req(),
            s("promotion_code", "promotionCode"),
        ],
    )]),
    Mapping::new(
        "microsoft.portal/dashboards",
        "azurerm_portal_dashboard",
        "monitoring",
    )
    .args(&[json("dashboard_properties", "").req()])
    .notes(&[note(
        When::Always,
        "the dashboard's tiles name source-tenant resource IDs: point them at the target's",
    )]),
    Mapping::new(
        "microsoft.dashboard/grafana",
        "azurerm_dashboard_grafana",
        "monitoring",
    )
    .args(&[
        arg(
            "grafana_major_version",
            Src::P("grafanaMajorVersion"),
            Conv::MapOnly(&[("11", "11"), ("12", "12")]),
        )
        .or(Lit::Str("11")),
        arg(
            "sku",
            Src::R("sku/name"),
            Conv::Enum(&["Standard", "Essential"]),
        ),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        flag("zone_redundancy_enabled", "zoneRedundancy"),
        flag("api_key_enabled", "apiKey"),
        flag(
            "deterministic_outbound_ip_enabled",
            "deterministicOutboundIP",
        ),
    ])
    .nests(&[blocks(
        "azure_monitor_workspace_integrations",
        "grafanaIntegrations/azureMonitorWorkspaceIntegrations",
        Repeat::Each,
        &[reference(
            "resource_id",
            "azureMonitorWorkspaceResourceId",
            "id",
            "Azure Monitor workspace",
        )
        .key()],
    )])
    .identity(),
    Mapping::new(
        "microsoft.monitor/accounts",
        "azurerm_monitor_workspace",
        "monitoring",
    )
    .args(&[flag("public_network_access_enabled", "publicNetworkAccess")]),
];

/// A workbook's `serializedData` (JSON in a string) as `jsonencode({...})`.
fn workbook_data(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let Some(text) = at.r.prop_str("serializedData") else {
        return Ok(None);
    };
    Ok(Some(
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(j) => Value::Json(Box::new(j)),
            Err(_) => Value::str(text),
        },
    ))
}

/// A workbook's source: a resource in the emitted set by reference, a
/// category such as `azure monitor` as is; another tenant's resource is
/// left out with a note.
fn workbook_source(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let Some(source) = at.r.prop_str("sourceId") else {
        return Ok(None);
    };
    if !source.starts_with('/') {
        return Ok(Some(Value::str(source.to_ascii_lowercase())));
    }
    Ok(match cx.reference(source, "id") {
        Some(v) => Some(v),
        None => {
            cx.note(format!(
                "`source_id` omitted: `{source}` is not in the emitted set"
            ));
            None
        }
    })
}

/// The resource a diagnostic setting belongs to: its ARM ID up to
/// `/providers/microsoft.insights/diagnosticSettings/`.
fn diagnostic_target_id(r: &crate::model::Resource) -> Option<&str> {
    let at =
        r.id.to_ascii_lowercase()
            .find("/providers/microsoft.insights/diagnosticsettings/")?;
    Some(&r.id[..at])
}

fn diagnostic_target(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let target = diagnostic_target_id(at.r)
        .ok_or_else(|| Skip::missing("target resource in the diagnostic setting's id"))?;
    cx.require_reference("diagnostic setting target", target, "id")
        .map(Some)
}

/// `<target name>_<setting name>`.
fn diagnostic_label(r: &crate::model::Resource) -> String {
    let target = diagnostic_target_id(r)
        .map(super::common::last_segment)
        .unwrap_or_default();
    format!("{target}_{}", r.name)
}

/// The component a standard web test belongs to: its `hidden-link:<id>` tag.
fn web_test_component(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let component =
        at.r.tags
            .as_object()
            .into_iter()
            .flatten()
            .find_map(|(k, _)| k.strip_prefix("hidden-link:"))
            .ok_or_else(|| Skip::missing("tags.hidden-link:<Application Insights ID>"))?;
    cx.require_reference("Application Insights component", component, "id")
        .map(Some)
}

/// The solution's name: the product after `OMSGallery/` (`ContainerInsights`).
fn solution_name(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(at
        .r
        .plan
        .get("product")
        .and_then(serde_json::Value::as_str)
        .map(|p| Value::str(p.rsplit('/').next().unwrap_or(p))))
}

/// ARM's Log Analytics SKUs (the API returns them lowercase) to azurerm's
/// spelling; the legacy `Free` tier becomes `PerGB2018`.
const WORKSPACE_SKUS: &[(&str, &str)] = &[
    ("Free", "PerGB2018"),
    ("PerGB2018", "PerGB2018"),
    ("PerNode", "PerNode"),
    ("Premium", "Premium"),
    ("Standard", "Standard"),
    ("Standalone", "Standalone"),
    ("Unlimited", "Unlimited"),
    ("CapacityReservation", "CapacityReservation"),
    ("LACluster", "LACluster"),
];

/// `retentionInDays`, raised to 30 (the PerGB2018 minimum) for a legacy
/// Free workspace that kept less.
fn workspace_retention(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let days = prop_i64(at.r, "retentionInDays");
    let free =
        at.r.prop_str("sku/name")
            .is_some_and(|s| s.eq_ignore_ascii_case("free"));
    Ok(days.map(|d| {
        if free && d < 30 {
            cx.note("retention raised to 30 days, the PerGB2018 minimum");
            Value::Int(30)
        } else {
            Value::Int(d)
        }
    }))
}

/// azurerm's spelling of the Application Insights application types.
const APPLICATION_TYPES: &[&str] = &[
    "ios",
    "java",
    "MobileCenter",
    "Node.JS",
    "other",
    "phone",
    "store",
    "web",
];

/// `Application_Type` (or `kind`) in azurerm's spelling; `other`, with a
/// note, for values azurerm does not know.
fn application_type(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let Some(source) =
        at.r.prop_str("Application_Type")
            .or(at.r.kind.as_deref().filter(|k| !k.is_empty()))
    else {
        return Err(Skip::missing("properties.Application_Type"));
    };
    Ok(Some(Value::str(
        match APPLICATION_TYPES
            .iter()
            .find(|t| t.eq_ignore_ascii_case(source))
        {
            Some(t) => t,
            None => {
                cx.note(format!(
                    "application type `{source}` is not an azurerm value: using `other`"
                ));
                "other"
            }
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use serde_json::json;

    #[test]
    fn contoso_workspace_maps_legacy_free_tier() {
        let g = contoso();
        let b = block(g, "azurerm_log_analytics_workspace", "log-contoso-dev");
        assert_eq!(s(b, "sku"), "PerGB2018");
        assert_eq!(b.body.get("retention_in_days"), Some(&Value::Int(30)));
        assert_eq!(
            b.body.get("internet_query_enabled"),
            Some(&Value::Bool(true))
        );
        assert!(
            notes_by_name(g, "log-contoso-dev")
                .iter()
                .any(|n| n.contains("Free"))
        );
    }

    #[test]
    fn contoso_app_insights_links_its_workspace_and_copies_no_keys() {
        let g = contoso();
        let b = block(g, "azurerm_application_insights", "appi-contoso-dev");
        assert_eq!(s(b, "application_type"), "web");
        assert_eq!(
            r(b, "workspace_id"),
            "azurerm_log_analytics_workspace.log_contoso_dev.id"
        );
        assert_eq!(
            b.body.get("sampling_percentage"),
            Some(&Value::Float(100.0))
        );
        let text = hcl(g);
        assert!(!text.contains("9673f051-0276-4a65-9b4f-6c7f427e56c7"));
    }

    #[test]
    fn component_with_missing_workspace_omits_the_link_and_without_type_is_skipped() {
        let rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x";
        let g = generate_json(&[
            json!({"id": format!("{rg}/providers/Microsoft.Insights/components/appi-a"), "name": "appi-a",
                   "type": "Microsoft.Insights/components", "location": "eastus", "kind": "java",
                   "properties": {"WorkspaceResourceId": format!("{rg}/providers/Microsoft.OperationalInsights/workspaces/gone")}}),
            json!({"id": format!("{rg}/providers/Microsoft.Insights/components/appi-b"), "name": "appi-b",
                   "type": "Microsoft.Insights/components", "location": "eastus", "properties": {}}),
        ]);
        let a = block(&g, "azurerm_application_insights", "appi-a");
        assert_eq!(s(a, "application_type"), "java");
        assert!(a.body.get("workspace_id").is_none());
        assert!(
            notes_by_name(&g, "appi-a")
                .iter()
                .any(|n| n.contains("workspace_id"))
        );
        let (reason, detail) = skip_by_name(&g, "appi-b").expect("skipped");
        assert_eq!(reason, "missing_required_value");
        assert!(detail.contains("Application_Type"));
    }
}
