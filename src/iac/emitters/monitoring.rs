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
