//! Emitters for key vaults: SKU, target tenant, soft delete, purge
//! protection, RBAC mode, deployment flags and network ACLs, with a globally
//! unique target name.
//!
//! Access policies are not copied: their object IDs belong to the source
//! tenant. Secrets, keys and certificates are never read.

use super::Emitter;
use super::common::{acl_ip_rules, acl_subnet_refs};
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

/// The security emitters.
pub static EMITTERS: &[Emitter] = &[Emitter {
    arm_type: "microsoft.keyvault/vaults",
    azurerm_types: &["azurerm_key_vault"],
    group: "security",
    select: |_| Ok("azurerm_key_vault"),
    emit: key_vault,
}];

fn key_vault(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let sku = r
        .prop_str("sku/name")
        .or_else(|| r.sku.get("name").and_then(Json::as_str))
        .ok_or_else(|| Skip::missing("properties.sku.name"))?
        .to_ascii_lowercase();
    let name = cx.unique_name(NameRule::KEY_VAULT);
    if name != r.name {
        cx.note(format!(
            "key vault renamed `{}` → `{name}` (names are globally unique)",
            r.name
        ));
    }
    let flag = |path: &str| r.prop(path).and_then(Json::as_bool);
    let mut body = Body::new()
        .attr("name", name)
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
        .attr("tenant_id", cx.client_config("tenant_id"))
        .attr("sku_name", sku)
        .opt_attr(
            "soft_delete_retention_days",
            r.prop("softDeleteRetentionInDays").and_then(Json::as_i64),
        )
        .opt_attr("purge_protection_enabled", flag("enablePurgeProtection"))
        .opt_attr(
            "rbac_authorization_enabled",
            flag("enableRbacAuthorization"),
        )
        .opt_attr("enabled_for_deployment", flag("enabledForDeployment"))
        .opt_attr(
            "enabled_for_disk_encryption",
            flag("enabledForDiskEncryption"),
        )
        .opt_attr(
            "enabled_for_template_deployment",
            flag("enabledForTemplateDeployment"),
        )
        .opt_attr(
            "public_network_access_enabled",
            r.prop_str("publicNetworkAccess")
                .map(|s| s.eq_ignore_ascii_case("Enabled")),
        );
    let policies = r
        .prop("accessPolicies")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    if policies > 0 {
        cx.note(format!(
            "{policies} access polic{} not copied: their object IDs belong to the source tenant; grant access in the target tenant (azurerm_key_vault_access_policy or RBAC)",
            if policies == 1 { "y" } else { "ies" }
        ));
    }
    if let Some(acls) = network_acls(r, cx) {
        body = body.block(acls);
    }
    body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

/// The `network_acls` block from `properties.networkAcls`.
fn network_acls(r: &Resource, cx: &mut EmitCx) -> Option<Block> {
    let acls = r.prop("networkAcls").filter(|v| v.is_object())?;
    let default_action = acls.get("defaultAction").and_then(Json::as_str)?;
    // `bypass` is required by azurerm; the Key Vault API default is AzureServices.
    let bypass = match acls.get("bypass").and_then(Json::as_str) {
        Some(b) => b.to_string(),
        None => {
            cx.note("network ACL `bypass` absent: using the API default `AzureServices`");
            "AzureServices".to_string()
        }
    };
    let mut body = Body::new()
        .attr("bypass", bypass)
        .attr("default_action", default_action);
    let ips: Vec<&str> = acl_ip_rules(acls).collect();
    if !ips.is_empty() {
        body.set("ip_rules", Value::str_list(ips));
    }
    let subnets = acl_subnet_refs(acls, cx, "network ACL");
    if !subnets.is_empty() {
        body.set("virtual_network_subnet_ids", Value::List(subnets));
    }
    Some(Block::nested("network_acls", body))
}

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
                .any(|n| n.contains("access policy not copied")),
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
