//! Mappings for Key Vault: vaults, with a globally unique target name, the
//! target tenant, and network ACLs.
//!
//! Access policies name source-tenant object IDs and are never copied;
//! keys, secrets and certificates are never read.

use super::spec::*;
use crate::iac::naming::NameRule;

/// The key vault mappings.
pub static MAPPINGS: &[Mapping] = &[Mapping::new(
    "microsoft.keyvault/vaults",
    "azurerm_key_vault",
    "security",
)
.name(Src::Unique(NameRule::KEY_VAULT))
.args(&[
    arg("tenant_id", Src::TenantId, Conv::AsIs),
    arg(
        "sku_name",
        Src::First(&[Src::P("sku/name"), Src::R("sku/name")]),
        Conv::Enum(&["standard", "premium"]),
    )
    .req(),
    n("soft_delete_retention_days", "softDeleteRetentionInDays"),
    b("purge_protection_enabled", "enablePurgeProtection"),
    b("rbac_authorization_enabled", "enableRbacAuthorization"),
    b("enabled_for_deployment", "enabledForDeployment"),
    b("enabled_for_disk_encryption", "enabledForDiskEncryption"),
    b("enabled_for_template_deployment", "enabledForTemplateDeployment"),
    arg(
        "public_network_access_enabled",
        Src::P("publicNetworkAccess"),
        Conv::EnabledElseFalse,
    ),
])
.nests(&[block(
    "network_acls",
    "networkAcls",
    &[
        one_of("default_action", "defaultAction", &["Allow", "Deny"]).key(),
        one_of("bypass", "bypass", &["AzureServices", "None"]).or(Lit::Str("AzureServices")),
        arg("ip_rules", Src::All("ipRules/*/value"), Conv::Str),
        arg(
            "virtual_network_subnet_ids",
            Src::Refs("virtualNetworkRules", "id", "subnet"),
            Conv::AsIs,
        ),
    ],
)])
.notes(&[note(
    When::Has(Src::P("accessPolicies")),
    "access policies not copied: their object IDs belong to the source tenant; grant access in the target tenant (azurerm_key_vault_access_policy or RBAC)",
)])];

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use serde_json::json;

    #[test]
    fn contoso_key_vault_uses_target_tenant_and_unique_name() {
        let g = contoso();
        let b = block(g, "azurerm_key_vault", "kv-contoso-dev");
        assert_eq!(
            r(b, "tenant_id"),
            "data.azurerm_client_config.current.tenant_id"
        );
        assert_eq!(s(b, "sku_name"), "standard");
        assert_eq!(
            b.body.get("enabled_for_disk_encryption"),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            b.body.get("public_network_access_enabled"),
            Some(&Value::Bool(true))
        );
        assert!(b.body.get("access_policy").is_none());
        let n = s(b, "name");
        assert!(
            (3..=24).contains(&n.len())
                && n.starts_with(|c: char| c.is_ascii_alphabetic())
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !n.contains("--"),
            "{n}"
        );
        assert_ne!(n, "kv-contoso-dev");
        let text = hcl(g);
        assert!(text.contains("data \"azurerm_client_config\" \"current\""));
        // neither the source tenant nor the access policy's object ID is copied.
        assert!(!text.contains("96b90620-b55a-4b3f-b364-b255040dae8d"));
        assert!(!text.contains("c8ecc47c-06d4-4762-9070-4057fbcf15e5"));
        assert!(
            notes_by_name(g, "kv-contoso-dev")
                .iter()
                .any(|n| n.contains("access policies not copied")),
            "{:?}",
            g.report.notes
        );
    }

    #[test]
    fn vault_without_sku_is_skipped_and_acls_default_bypass() {
        let rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x";
        let g = generate_json(&[
            json!({"id": format!("{rg}/providers/Microsoft.KeyVault/vaults/kv-nosku"), "name": "kv-nosku",
                   "type": "Microsoft.KeyVault/vaults", "location": "eastus", "properties": {"tenantId": "t"}}),
            json!({"id": format!("{rg}/providers/Microsoft.KeyVault/vaults/kv-acl"), "name": "kv-acl",
                   "type": "Microsoft.KeyVault/vaults", "location": "eastus",
                   "properties": {"sku": {"family": "A", "name": "Premium"}, "enableRbacAuthorization": true,
                       "softDeleteRetentionInDays": 7, "enablePurgeProtection": true,
                       "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}]}}}),
        ]);
        let (reason, detail) = skip_by_name(&g, "kv-nosku").expect("skipped");
        assert_eq!(reason, "missing_required_value");
        assert!(detail.contains("properties.sku.name"));
        let b = block(&g, "azurerm_key_vault", "kv-acl");
        assert_eq!(s(b, "sku_name"), "premium");
        assert_eq!(
            b.body.get("soft_delete_retention_days"),
            Some(&Value::Int(7))
        );
        assert_eq!(
            b.body.get("rbac_authorization_enabled"),
            Some(&Value::Bool(true))
        );
        let acls = nested(b, "network_acls");
        assert_eq!(s(acls, "bypass"), "AzureServices");
        assert_eq!(s(acls, "default_action"), "Deny");
    }
}
