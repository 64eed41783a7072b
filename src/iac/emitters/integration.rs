//! Mappings for integration and platform services: API Management, App
//! Configuration, Logic Apps (Consumption) workflows with their triggers and
//! actions, integration accounts, Recovery Services and Backup vaults,
//! Azure Maps, Communication Services and Load Testing.
//!
//! Backup policies and protected items, APIs and App Configuration keys are
//! data, not ARM resources Resource Graph lists; they are left to the user.

use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

/// The integration mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.apimanagement/service",
        "azurerm_api_management",
        "integration",
    )
    .name(Src::Unique(NameRule::SERVICE_50))
    .args(&[
        s("publisher_name", "publisherName").req(),
        s("publisher_email", "publisherEmail").req(),
        compute("sku_name", apim_sku).req(),
        one_of(
            "virtual_network_type",
            "virtualNetworkType",
            &["None", "External", "Internal"],
        ),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        s("min_api_version", "apiVersionConstraint/minApiVersion"),
        s("notification_sender_email", "notificationSenderEmail"),
        arg("zones", Src::Zones, Conv::AsIs),
    ])
    .nests(&[block(
        "virtual_network_configuration",
        "virtualNetworkConfiguration",
        &[reference("subnet_id", "subnetResourceId", "id", "subnet").key()],
    )
    .when(When::IsNot(Src::P("virtualNetworkType"), &["None"]))])
    .identity()
    .notes(&[note(
        When::Always,
        "APIs, products and policies are not copied: export them from the source (APIOps) and publish them to the target",
    )]),
    Mapping::new(
        "microsoft.appconfiguration/configurationstores",
        "azurerm_app_configuration",
        "integration",
    )
    .name(Src::Unique(NameRule::SERVICE_50))
    .args(&[
        arg(
            "sku",
            Src::R("sku/name"),
            Conv::Enum(&["free", "developer", "standard", "premium"]),
        ),
        not("local_auth_enabled", "disableLocalAuth"),
        one_of(
            "public_network_access",
            "publicNetworkAccess",
            &["Disabled", "Enabled"],
        ),
        b("purge_protection_enabled", "enablePurgeProtection"),
        n("soft_delete_retention_days", "softDeleteRetentionInDays"),
    ])
    .identity()
    .notes(&[note(
        When::Always,
        "configuration keys and values are data, not copied: export them from the source store",
    )]),
    Mapping::new(
        "microsoft.logic/workflows",
        "azurerm_logic_app_workflow",
        "integration",
    )
    .args(&[
        s("workflow_schema", "definition/$schema"),
        s("workflow_version", "definition/contentVersion"),
        flag("enabled", "state"),
        reference(
            "logic_app_integration_account_id",
            "integrationAccount/id",
            "id",
            "integration account",
        )
        .strict(),
    ])
    .hook(
        workflow_parts,
        &[],
        &["azurerm_logic_app_trigger_custom", "azurerm_logic_app_action_custom"],
    )
    .identity()
    .notes(&[note(
        When::Has(Src::P("parameters/$connections")),
        "API connections (`$connections`) hold credentials and are not copied: create them in the target",
    )]),
    Mapping::new(
        "microsoft.logic/integrationaccounts",
        "azurerm_logic_app_integration_account",
        "integration",
    )
    .args(&[arg(
        "sku_name",
        Src::R("sku/name"),
        Conv::Enum(&["Basic", "Free", "Standard"]),
    )
    .req()]),
    Mapping::new(
        "microsoft.recoveryservices/vaults",
        "azurerm_recovery_services_vault",
        "backup",
    )
    .args(&[
        arg("sku", Src::R("sku/name"), Conv::Enum(&["RS0", "Standard"])).req(),
        arg(
            "storage_mode_type",
            Src::P("redundancySettings/standardTierStorageRedundancy"),
            Conv::Enum(&["GeoRedundant", "LocallyRedundant", "ZoneRedundant"]),
        ),
        flag(
            "cross_region_restore_enabled",
            "redundancySettings/crossRegionRestore",
        ),
        compute("soft_delete_enabled", vault_soft_delete),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        one_of(
            "immutability",
            "securitySettings/immutabilitySettings/state",
            &["Locked", "Unlocked", "Disabled"],
        ),
    ])
    .identity(),
    Mapping::new(
        "microsoft.dataprotection/backupvaults",
        "azurerm_data_protection_backup_vault",
        "backup",
    )
    .args(&[
        one_of(
            "datastore_type",
            "storageSettings/0/datastoreType",
            &["ArchiveStore", "OperationalStore", "VaultStore"],
        )
        .req(),
        one_of(
            "redundancy",
            "storageSettings/0/type",
            &["GeoRedundant", "LocallyRedundant", "ZoneRedundant"],
        )
        .req(),
        one_of(
            "soft_delete",
            "securitySettings/softDeleteSettings/state",
            &["AlwaysOn", "Off", "On"],
        ),
        f(
            "retention_duration_in_days",
            "securitySettings/softDeleteSettings/retentionDurationInDays",
        ),
        one_of(
            "immutability",
            "securitySettings/immutabilitySettings/state",
            &["Disabled", "Locked", "Unlocked"],
        ),
        flag(
            "cross_region_restore_enabled",
            "featureSettings/crossRegionRestoreSettings/state",
        ),
    ])
    .identity(),
    Mapping::new("microsoft.maps/accounts", "azurerm_maps_account", "integration")
        .args(&[
            arg("sku_name", Src::R("sku/name"), Conv::Enum(&["S0", "S1", "G2"])).req(),
            not("local_authentication_enabled", "disableLocalAuth"),
        ]),
    Mapping::new(
        "microsoft.communication/communicationservices",
        "azurerm_communication_service",
        "integration",
    )
    .scope(Scope::Grouped)
    .args(&[one_of(
        "data_location",
        "dataLocation",
        &[
            "Africa",
            "Asia Pacific",
            "Australia",
            "Brazil",
            "Canada",
            "Europe",
            "France",
            "Germany",
            "India",
            "Japan",
            "Korea",
            "Norway",
            "Switzerland",
            "UAE",
            "UK",
            "United States",
            "usgov",
        ],
    )]),
    Mapping::new(
        "microsoft.loadtestservice/loadtests",
        "azurerm_load_test",
        "integration",
    )
    .args(&[s("description", "description")])
    .identity(),
];

/// Soft delete is on unless the vault says `Disabled` (`Enabled` and
/// `AlwaysON` are both on).
fn vault_soft_delete(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(at
        .r
        .prop_str("securitySettings/softDeleteSettings/softDeleteState")
        .map(|s| Value::Bool(!s.eq_ignore_ascii_case("Disabled"))))
}

/// An API Management SKU is `<name>_<units>` in azurerm (`Developer_1`,
/// `Consumption_0`).
fn apim_sku(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let name =
        at.r.sku
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| Skip::missing("sku.name"))?;
    let units = at.r.sku.get("capacity").and_then(Json::as_i64).unwrap_or(
        if name.eq_ignore_ascii_case("Consumption") {
            0
        } else {
            1
        },
    );
    Ok(Some(Value::Str(format!("{name}_{units}"))))
}

/// A workflow's triggers and actions, each an `azurerm_logic_app_*_custom`
/// resource whose body is its definition (`jsonencode({...})`), with the
/// credentials it shows in plain text emptied (`iac::secrets`).
fn workflow_parts(r: &Resource, cx: &mut EmitCx, _: &mut Body) -> Result<Vec<Block>, Skip> {
    let own = Value::reference(&cx.address(), "id");
    let mut out = Vec::new();
    for (key, ty, suffix) in [
        (
            "definition/triggers",
            "azurerm_logic_app_trigger_custom",
            "trigger",
        ),
        (
            "definition/actions",
            "azurerm_logic_app_action_custom",
            "action",
        ),
    ] {
        for (name, body) in r.prop(key).and_then(Json::as_object).into_iter().flatten() {
            let mut body = body.clone();
            let found = crate::iac::secrets::scrub_json(&mut body);
            if !found.is_empty() {
                cx.note(crate::iac::secrets::note(
                    &format!("{suffix} {name}"),
                    &found,
                ));
            }
            out.push(
                cx.secondary(
                    ty,
                    &format!("{suffix}_{name}"),
                    Body::new()
                        .attr("name", name.as_str())
                        .attr("logic_app_id", own.clone())
                        .attr("body", Value::Json(Box::new(body))),
                ),
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use serde_json::json;

    /// A Logic App HTTP action shows its password and a SAS-signed URL in
    /// plain text: neither reaches the generated files, and the report says
    /// what was left empty.
    #[test]
    fn workflow_credentials_never_reach_the_output() {
        let g = generate_json(&[json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/wf",
            "name": "wf", "type": "Microsoft.Logic/workflows", "location": "eastus",
            "resourceGroup": "rg", "subscriptionId": "s",
            "properties": {"definition": {
                "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
                "contentVersion": "1.0.0.0",
                "triggers": {"manual": {"type": "Request", "kind": "Http"}},
                "actions": {"Call_API": {"type": "Http", "inputs": {
                    "method": "POST",
                    "uri": "https://api.example.com/x?sig=SIGNATURE-VALUE&sv=2024-01-01",
                    "authentication": {"type": "Basic", "username": "svc", "password": "Literal-P@ss"}
                }}}
            }}
        })]);
        let text = hcl(&g);
        assert!(text.contains("azurerm_logic_app_action_custom"), "{text}");
        assert!(
            !text.contains("SIGNATURE-VALUE") && !text.contains("Literal-P@ss"),
            "{text}"
        );
        assert!(
            text.contains("sv=2024-01-01") && text.contains("svc"),
            "{text}"
        );
        let notes = notes_by_name(&g, "wf").join("\n");
        assert!(
            notes.contains(
                "credentials left empty (`inputs.uri`, `inputs.authentication.password`)"
            ),
            "{notes}"
        );
    }
}
