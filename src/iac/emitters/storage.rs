//! Emitters for storage accounts: SKU split into tier and replication, kind,
//! access tier, TLS and HTTPS flags, routing and network rules, with a
//! globally unique target name.
//!
//! Blob, file, queue and table services and their containers are separate
//! ARM resources and are left to other emitters. Account keys and
//! connection strings are never read.

use super::Emitter;
use super::common::{IdentityNotes, acl_ip_rules, acl_subnet_refs, identity_block, items};
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

/// The storage emitters.
pub static EMITTERS: &[Emitter] = &[Emitter {
    arm_type: "microsoft.storage/storageaccounts",
    azurerm_types: &["azurerm_storage_account"],
    group: "storage",
    select: |_| Ok("azurerm_storage_account"),
    emit: storage_account,
}];

fn storage_account(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let sku = r
        .sku
        .get("name")
        .and_then(Json::as_str)
        .ok_or_else(|| Skip::missing("sku.name"))?;
    let (tier, replication) = sku
        .split_once('_')
        .filter(|(t, rep)| !t.is_empty() && !rep.is_empty())
        .ok_or_else(|| Skip::missing("sku.name in the form `Tier_Replication`"))?;
    let name = cx.unique_name(NameRule::STORAGE);
    if name != r.name {
        cx.note(format!(
            "storage account renamed `{}` → `{name}` (names are globally unique)",
            r.name
        ));
    }
    let flag = |path: &str| r.prop(path).and_then(Json::as_bool);
    let enabled = |path: &str| r.prop_str(path).map(|s| s.eq_ignore_ascii_case("Enabled"));
    let mut body = Body::new()
        .attr("name", name)
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
        .attr("account_tier", tier)
        .attr("account_replication_type", replication)
        .opt_attr("account_kind", r.kind.as_deref().filter(|k| !k.is_empty()))
        .opt_attr("access_tier", r.prop_str("accessTier"))
        .opt_attr(
            "https_traffic_only_enabled",
            flag("supportsHttpsTrafficOnly"),
        )
        .opt_attr("min_tls_version", r.prop_str("minimumTlsVersion"))
        .opt_attr("is_hns_enabled", flag("isHnsEnabled"))
        .opt_attr("nfsv3_enabled", flag("isNfsV3Enabled"))
        .opt_attr("sftp_enabled", flag("isSftpEnabled"))
        .opt_attr("local_user_enabled", flag("isLocalUserEnabled"))
        .opt_attr(
            "allow_nested_items_to_be_public",
            flag("allowBlobPublicAccess"),
        )
        .opt_attr("shared_access_key_enabled", flag("allowSharedKeyAccess"))
        .opt_attr(
            "default_to_oauth_authentication",
            flag("defaultToOAuthAuthentication"),
        )
        .opt_attr(
            "cross_tenant_replication_enabled",
            flag("allowCrossTenantReplication"),
        )
        .opt_attr(
            "public_network_access_enabled",
            enabled("publicNetworkAccess"),
        )
        .opt_attr("large_file_share_enabled", enabled("largeFileSharesState"))
        .opt_attr(
            "infrastructure_encryption_enabled",
            flag("encryption/requireInfrastructureEncryption"),
        )
        .opt_attr("allowed_copy_scope", r.prop_str("allowedCopyScope"))
        .opt_attr("dns_endpoint_type", r.prop_str("dnsEndpointType"));
    if r.prop_str("encryption/keySource")
        .is_some_and(|k| k.eq_ignore_ascii_case("Microsoft.Keyvault"))
    {
        cx.note(
            "customer-managed key encryption not copied: configure the key in the target tenant",
        );
    }
    if let Some(id) = identity_block(r, cx, IdentityNotes::NameTheBlock) {
        body = body.block(id);
    }
    if let Some(routing) = r.prop("routingPreference").filter(|v| v.is_object()) {
        let rb = Body::new()
            .opt_attr(
                "choice",
                routing.get("routingChoice").and_then(Json::as_str),
            )
            .opt_attr(
                "publish_internet_endpoints",
                routing
                    .get("publishInternetEndpoints")
                    .and_then(Json::as_bool),
            )
            .opt_attr(
                "publish_microsoft_endpoints",
                routing
                    .get("publishMicrosoftEndpoints")
                    .and_then(Json::as_bool),
            );
        body = body.block(Block::nested("routing", rb));
    }
    if let Some(rules) = network_rules(r, cx) {
        body = body.block(rules);
    }
    body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

/// The `network_rules` block from `properties.networkAcls`.
fn network_rules(r: &Resource, cx: &mut EmitCx) -> Option<Block> {
    let acls = r.prop("networkAcls").filter(|v| v.is_object())?;
    let default_action = acls.get("defaultAction").and_then(Json::as_str)?;
    let mut body = Body::new().attr("default_action", default_action);
    if let Some(bypass) = acls.get("bypass").and_then(Json::as_str) {
        let items: Vec<&str> = bypass
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        body.set("bypass", Value::str_list(items));
    }
    let ips: Vec<String> = acl_ip_rules(acls)
        // azurerm rejects /31 and /32 prefixes; a single address is the same rule.
        .map(|ip| ip.trim_end_matches("/32").to_string())
        .collect();
    if !ips.is_empty() {
        body.set("ip_rules", Value::str_list(ips));
    }
    let subnets = acl_subnet_refs(acls, cx, "network rule");
    if !subnets.is_empty() {
        body.set("virtual_network_subnet_ids", Value::List(subnets));
    }
    for rule in items(acls, "/resourceAccessRules") {
        let Some(id) = rule.get("resourceId").and_then(Json::as_str) else {
            continue;
        };
        match cx.reference(id, "id") {
            Some(v) => {
                body = body.block(Block::nested(
                    "private_link_access",
                    Body::new().attr("endpoint_resource_id", v),
                ))
            }
            None => cx.note(format!(
                "resource access rule for `{id}` omitted: it is not in the emitted set (it may belong to another tenant)"
            )),
        }
    }
    Some(Block::nested("network_rules", body))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use serde_json::json;

    #[test]
    fn contoso_storage_accounts_split_sku_and_get_unique_names() {
        let g = contoso();
        for name in ["stcontosodev", "stcontosodevdiag"] {
            let b = block(g, "azurerm_storage_account", name);
            assert_eq!(s(b, "account_tier"), "Standard");
            assert_eq!(s(b, "account_replication_type"), "GRS");
            assert_eq!(s(b, "account_kind"), "StorageV2");
            assert_eq!(
                b.body.get("https_traffic_only_enabled"),
                Some(&Value::Bool(false))
            );
            assert_eq!(b.body.get("is_hns_enabled"), Some(&Value::Bool(true)));
            let n = s(b, "name");
            assert!(
                (3..=24).contains(&n.len())
                    && n.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{n}"
            );
            assert_ne!(n, name, "a globally unique name gets a suffix");
            let rules = nested(b, "network_rules");
            assert_eq!(s(rules, "default_action"), "Allow");
            assert_eq!(
                rules.body.get("bypass"),
                Some(&Value::str_list(["AzureServices"]))
            );
            assert_eq!(s(nested(b, "routing"), "choice"), "MicrosoftRouting");
        }
    }

    #[test]
    fn cross_tenant_resource_access_rule_is_omitted_with_a_note() {
        let g = contoso();
        let b = block(g, "azurerm_storage_account", "stcontosodev");
        assert!(
            !nested(b, "network_rules")
                .body
                .blocks
                .iter()
                .any(|n| n.ident == "private_link_access")
        );
        assert!(!hcl(g).contains("syn-partner-analytics"));
        assert!(
            notes_by_name(g, "stcontosodev")
                .iter()
                .any(|n| n.contains("syn-partner-analytics")),
            "{:?}",
            g.report.notes
        );
    }

    #[test]
    fn missing_sku_skips_with_reason() {
        let g = generate_json(&[json!({
            "id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x/providers/Microsoft.Storage/storageAccounts/stnosku",
            "name": "stnosku", "type": "Microsoft.Storage/storageAccounts", "location": "eastus",
            "properties": {}
        })]);
        let (reason, detail) = skip_by_name(&g, "stnosku").expect("skipped");
        assert_eq!(reason, "missing_required_value");
        assert!(detail.contains("sku.name"), "{detail}");
    }

    #[test]
    fn subnet_rules_become_references_and_single_ips_lose_their_prefix() {
        let rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x";
        let vnet = format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet1");
        let g = generate_json(&[
            json!({"id": vnet, "name": "vnet1", "type": "Microsoft.Network/virtualNetworks", "location": "eastus",
                   "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
            json!({"id": format!("{vnet}/subnets/app"), "name": "app", "type": "Microsoft.Network/virtualNetworks/subnets",
                   "properties": {"addressPrefix": "10.0.1.0/24"}}),
            json!({
                "id": format!("{rg}/providers/Microsoft.Storage/storageAccounts/stnet"),
                "name": "stnet", "type": "Microsoft.Storage/storageAccounts", "location": "eastus",
                "kind": "StorageV2", "sku": {"name": "Premium_ZRS"},
                "properties": {"networkAcls": {"defaultAction": "Deny", "bypass": "Logging, Metrics",
                    "ipRules": [{"value": "203.0.113.7/32", "action": "Allow"}, {"value": "198.51.100.0/24"}],
                    "virtualNetworkRules": [{"id": format!("{vnet}/subnets/app")}, {"id": format!("{vnet}/subnets/gone")}]}}
            }),
        ]);
        let b = block(&g, "azurerm_storage_account", "stnet");
        assert_eq!(s(b, "account_tier"), "Premium");
        assert_eq!(s(b, "account_replication_type"), "ZRS");
        let rules = nested(b, "network_rules");
        assert_eq!(s(rules, "default_action"), "Deny");
        assert_eq!(
            rules.body.get("bypass"),
            Some(&Value::str_list(["Logging", "Metrics"]))
        );
        assert_eq!(
            rules.body.get("ip_rules"),
            Some(&Value::str_list(["203.0.113.7", "198.51.100.0/24"]))
        );
        assert_eq!(
            rules.body.get("virtual_network_subnet_ids"),
            Some(&Value::List(vec![Value::Ref(
                "azurerm_subnet.vnet1_app.id".into()
            )]))
        );
        assert!(
            notes_by_name(&g, "stnet")
                .iter()
                .any(|n| n.contains("gone"))
        );
    }
}
