//! Emitters for Log Analytics workspaces and Application Insights
//! components: SKU, retention, public access flags, and the workspace link
//! of workspace-based components.
//!
//! Instrumentation keys and connection strings are computed by Azure and
//! never copied; diagnostic settings and linked storage are left to others.

use super::Emitter;
use super::common::{
    IdentityNotes, enabled_else_false, identity_block, located, prop_bool, prop_i64,
};
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::model::Resource;
use serde_json::Value as Json;

/// The monitoring emitters.
pub static EMITTERS: &[Emitter] = &[
    Emitter {
        arm_type: "microsoft.operationalinsights/workspaces",
        azurerm_types: &["azurerm_log_analytics_workspace"],
        group: "monitoring",
        select: |_| Ok("azurerm_log_analytics_workspace"),
        emit: log_analytics_workspace,
    },
    Emitter {
        arm_type: "microsoft.insights/components",
        azurerm_types: &["azurerm_application_insights"],
        group: "monitoring",
        select: |_| Ok("azurerm_application_insights"),
        emit: application_insights,
    },
];

/// azurerm's spelling of the Log Analytics SKUs (the API returns lowercase).
const WORKSPACE_SKUS: &[&str] = &[
    "PerGB2018",
    "PerNode",
    "Premium",
    "Standard",
    "Standalone",
    "Unlimited",
    "CapacityReservation",
    "LACluster",
];

/// `body` with `internet_ingestion_enabled` and `internet_query_enabled` from
/// the `publicNetworkAccessForIngestion`/`…ForQuery` properties, each when
/// present.
fn internet_access(body: Body, r: &Resource) -> Body {
    body.opt_attr(
        "internet_ingestion_enabled",
        enabled_else_false(r, "publicNetworkAccessForIngestion"),
    )
    .opt_attr(
        "internet_query_enabled",
        enabled_else_false(r, "publicNetworkAccessForQuery"),
    )
}

fn log_analytics_workspace(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let mut body = located(r, cx)?;
    let mut retention = prop_i64(r, "retentionInDays");
    if let Some(sku) = r.prop_str("sku/name") {
        if sku.eq_ignore_ascii_case("free") {
            // The legacy Free tier no longer accepts new workspaces (since July 2022).
            body.set("sku", "PerGB2018");
            cx.note("legacy `Free` pricing tier mapped to `PerGB2018`: new Free workspaces cannot be created");
            if retention.is_some_and(|d| d < 30) {
                retention = Some(30);
                cx.note("retention raised to 30 days, the PerGB2018 minimum");
            }
        } else if let Some(known) = WORKSPACE_SKUS.iter().find(|k| k.eq_ignore_ascii_case(sku)) {
            body.set("sku", *known);
            if *known == "CapacityReservation" {
                body = body.opt_attr(
                    "reservation_capacity_in_gb_per_day",
                    prop_i64(r, "sku/capacityReservationLevel"),
                );
            }
        } else {
            cx.note(format!("unknown workspace SKU `{sku}` left to the default"));
        }
    }
    body = body.opt_attr("retention_in_days", retention).opt_attr(
        "daily_quota_gb",
        r.prop("workspaceCapping/dailyQuotaGb")
            .and_then(Json::as_f64)
            .filter(|q| *q >= 0.0)
            .map(Value::Float),
    );
    body = internet_access(body, r)
        .opt_attr(
            "local_authentication_enabled",
            prop_bool(r, "features/disableLocalAuth").map(|d| !d),
        )
        .opt_attr(
            "allow_resource_only_permissions",
            prop_bool(r, "features/enableLogAccessUsingOnlyResourcePermissions"),
        );
    if let Some(id) = identity_block(r, cx, IdentityNotes::NameTheBlock) {
        body = body.block(id);
    }
    body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
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

fn application_insights(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let source_type = r
        .prop_str("Application_Type")
        .or(r.kind.as_deref().filter(|k| !k.is_empty()))
        .ok_or_else(|| Skip::missing("properties.Application_Type"))?;
    let application_type = match APPLICATION_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(source_type))
    {
        Some(t) => *t,
        None => {
            cx.note(format!(
                "application type `{source_type}` is not an azurerm value: using `other`"
            ));
            "other"
        }
    };
    let mut body = located(r, cx)?.attr("application_type", application_type);
    if let Some(ws) = r.prop_str("WorkspaceResourceId") {
        match cx.reference(ws, "id") {
            Some(v) => body.set("workspace_id", v),
            None => cx.note(format!(
                "`workspace_id` omitted: workspace `{ws}` is not in the emitted set; set it in the target (classic components can no longer be created)"
            )),
        }
    }
    body = body
        .opt_attr("retention_in_days", prop_i64(r, "RetentionInDays"))
        .opt_attr(
            "sampling_percentage",
            r.prop("SamplingPercentage")
                .and_then(Json::as_f64)
                .map(Value::Float),
        )
        .opt_attr(
            "ip_masking_enabled",
            prop_bool(r, "DisableIpMasking").map(|d| !d),
        )
        .opt_attr(
            "local_authentication_enabled",
            prop_bool(r, "DisableLocalAuth").map(|d| !d),
        );
    body = internet_access(body, r).opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
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
