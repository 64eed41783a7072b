//! Mappings for managed identities: user-assigned identities and their
//! federated credentials.
//!
//! The `identity` blocks of other resources are built by the generic
//! emitter (`common::identity_block`); role assignments are left to
//! `authorization`.

use super::spec::*;

/// The identity mappings.
pub static MAPPINGS: &[Mapping] = &[
Mapping::new(
    "microsoft.managedidentity/userassignedidentities",
    "azurerm_user_assigned_identity",
    "identity",
)
.args(&[
    // `None` is the default, which azurerm expresses by leaving the argument out.
    one_of("isolation_scope", "isolationScope", &["Regional"])
        .when(When::IsNot(Src::P("isolationScope"), &["None"])),
]),
Mapping::new(
    "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials",
    "azurerm_federated_identity_credential",
    "identity",
)
.scope(Scope::In("user_assigned_identity_id", "id", "user-assigned identity"))
.untagged()
.args(&[
    s("issuer", "issuer").req(),
    s("subject", "subject").req(),
    strs("audience", "audiences").req(),
])
.notes(&[note(
    When::Fn(|at| at.r.prop_str("issuer").is_some_and(|i| i.contains(".oic.prod-aks.azure.com"))),
    "the issuer is the source AKS cluster's OIDC issuer: point it at the target cluster's `oidc_issuer_url`",
)])];

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use serde_json::json;

    #[test]
    fn contoso_identities_are_emitted_without_source_ids() {
        let g = contoso();
        for name in ["id-contoso-dev-app", "id-contoso-dev-data"] {
            let b = block(g, "azurerm_user_assigned_identity", name);
            assert_eq!(s(b, "name"), name);
            assert!(r(b, "resource_group_name").starts_with("azurerm_resource_group."));
        }
        let text = hcl(g);
        // principal and client IDs of the source tenant never appear.
        assert!(!text.contains("af370c8e-35d1-411a-adab-f9b93e95d4d3"));
        assert!(!text.contains("c8ecc47c-06d4-4762-9070-4057fbcf15e5"));
    }

    fn rg() -> &'static str {
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x"
    }

    #[test]
    fn identity_block_keeps_emitted_user_identities_and_notes_missing_ones() {
        let id_ok = format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-ok",
            rg()
        );
        let id_gone = format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-gone",
            rg()
        );
        let g = generate_json(&[
            json!({"id": id_ok, "name": "id-ok", "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "eastus"}),
            json!({
                "id": format!("{}/providers/Microsoft.Storage/storageAccounts/stx", rg()),
                "name": "stx", "type": "Microsoft.Storage/storageAccounts", "location": "eastus",
                "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
                "identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {id_ok.clone(): {}, id_gone.clone(): {}}},
                "properties": {}
            }),
        ]);
        let st = block(&g, "azurerm_storage_account", "stx");
        let ident = nested(st, "identity");
        assert_eq!(s(ident, "type"), "SystemAssigned, UserAssigned");
        assert_eq!(
            ident.body.get("identity_ids"),
            Some(&crate::iac::doc::Value::List(vec![
                crate::iac::doc::Value::Ref("azurerm_user_assigned_identity.id_ok.id".into())
            ]))
        );
        assert!(
            notes_by_name(&g, "stx")
                .iter()
                .any(|n| n.contains("id-gone")),
            "{:?}",
            g.report.notes
        );
    }
}
