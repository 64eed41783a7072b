//! Mappings for Azure Automation: accounts and runbooks.
//!
//! Credentials and variables are never read. A runbook carries over through
//! its published content link; ARM does not return inline content.

use super::spec::*;

/// The automation mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.automation/automationaccounts/runbooks",
        "azurerm_automation_runbook",
        "automation",
    )
    .scope(Scope::LocatedIn(
        "automation_account_name",
        "name",
        "automation account",
    ))
    .args(&[
        one_of(
            "runbook_type",
            "runbookType",
            &[
                "Graph",
                "GraphPowerShell",
                "GraphPowerShellWorkflow",
                "PowerShell",
                "PowerShell72",
                "Python",
                "Python2",
                "Python3",
                "PowerShellWorkflow",
                "Script",
            ],
        )
        .req(),
        b("log_progress", "logProgress").always(Lit::Bool(false)),
        b("log_verbose", "logVerbose").always(Lit::Bool(false)),
        n("log_activity_trace_level", "logActivityTrace"),
        s("description", "description"),
    ])
    .nests(&[blocks(
        "publish_content_link",
        "publishContentLink",
        Repeat::Required,
        &[s("uri", "uri").req(), s("version", "version")],
    )]),
    Mapping::new(
        "microsoft.automation/automationaccounts",
        "azurerm_automation_account",
        "automation",
    )
    .args(&[
        arg(
            "sku_name",
            Src::First(&[Src::P("sku/name"), Src::R("sku/name")]),
            Conv::Enum(&["Basic", "Free"]),
        )
        .req(),
        not("local_authentication_enabled", "disableLocalAuth"),
        flag("public_network_access_enabled", "publicNetworkAccess"),
    ])
    .identity(),
];

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use serde_json::json;

    #[test]
    fn automation_account_takes_sku_from_properties() {
        let g = gen_default(&fixture());
        let aa = one(&g, "azurerm_automation_account");
        assert_eq!(attr(aa, "name"), &Value::str("aa-contoso-dev"));
        assert_eq!(attr(aa, "sku_name"), &Value::str("Free"));
        assert!(is_ref_to(
            attr(aa, "resource_group_name"),
            "azurerm_resource_group."
        ));
    }

    #[test]
    fn automation_account_without_sku_is_skipped_with_reason() {
        let mut snap = fixture();
        let id = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-shared/providers/Microsoft.Automation/automationAccounts/aa-nosku";
        snap.resources.push(resource(json!({
            "id": id, "name": "aa-nosku", "type": "Microsoft.Automation/automationAccounts",
            "location": "eastus", "properties": {"state": "Ok"}
        })));
        let g = gen_default(&snap);
        let skip = skip_by_id(&g, id).unwrap();
        assert_eq!(skip.reason, "missing_required_value");
        assert!(skip.detail.contains("properties.sku.name"));
    }
}
