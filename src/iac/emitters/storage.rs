//! Mappings for storage accounts: SKU split into tier and replication,
//! kind, access tier, TLS and HTTPS flags, routing and network rules, with a
//! globally unique target name.
//!
//! Account keys and connection strings are never read. Blob containers,
//! queues, file shares and tables are separate mappings below their account.

use super::common::sku_str;
use super::interpret::collect;
use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::Value;
use crate::iac::naming::NameRule;

/// The storage account a blob container, queue, share or table belongs to
/// (its parent is the account's `blobServices/default`, …).
const ACCOUNT: Arg = arg(
    "storage_account_id",
    Src::Ancestor(2, "id", "storage account"),
    Conv::AsIs,
);

/// A data-plane child of a storage account: named, in its account.
const fn child(arm: &'static str, azurerm: &'static str) -> Mapping {
    Mapping::new(arm, azurerm, "storage")
        .scope(Scope::Bare)
        .untagged()
        .label(child_label)
}

/// `<account>_<name>`: the service segment (`blobServices/default`) says nothing.
fn child_label(r: &crate::model::Resource) -> String {
    let names = crate::model::ResourceId::parse(&r.id)
        .map(|id| id.names)
        .unwrap_or_default();
    match (names.first(), names.last()) {
        (Some(account), Some(name)) if names.len() > 1 => format!("{account}_{name}"),
        _ => r.name.clone(),
    }
}

/// The storage mappings.
pub static MAPPINGS: &[Mapping] = &[
    child(
        "microsoft.storage/storageaccounts/blobservices/containers",
        "azurerm_storage_container",
    )
    .args(&[
        ACCOUNT,
        arg(
            "container_access_type",
            Src::P("publicAccess"),
            Conv::MapOnly(&[
                ("None", "private"),
                ("Blob", "blob"),
                ("Container", "container"),
            ]),
        ),
        arg("metadata", Src::P("metadata"), Conv::StrMap),
    ]),
    child(
        "microsoft.storage/storageaccounts/queueservices/queues",
        "azurerm_storage_queue",
    )
    .args(&[ACCOUNT, arg("metadata", Src::P("metadata"), Conv::StrMap)]),
    child(
        "microsoft.storage/storageaccounts/fileservices/shares",
        "azurerm_storage_share",
    )
    .args(&[
        ACCOUNT,
        n("quota", "shareQuota").req(),
        one_of(
            "access_tier",
            "accessTier",
            &["Premium", "Hot", "Cool", "TransactionOptimized"],
        ),
        one_of("enabled_protocol", "enabledProtocols", &["SMB", "NFS"]),
        arg("metadata", Src::P("metadata"), Conv::StrMap),
    ]),
    child(
        "microsoft.storage/storageaccounts/tableservices/tables",
        "azurerm_storage_table",
    )
    .args(&[ACCOUNT]),
    Mapping::new(
        "microsoft.storage/storageaccounts",
        "azurerm_storage_account",
        "storage",
    )
    .name(Src::Unique(NameRule::STORAGE))
    .args(&[
        compute("account_tier", account_tier).req(),
        compute("account_replication_type", replication_type).req(),
        arg("account_kind", Src::Kind, Conv::Str),
        one_of(
            "access_tier",
            "accessTier",
            &["Hot", "Cool", "Cold", "Premium"],
        ),
        b("https_traffic_only_enabled", "supportsHttpsTrafficOnly"),
        one_of(
            "min_tls_version",
            "minimumTlsVersion",
            &["TLS1_0", "TLS1_1", "TLS1_2"],
        ),
        b("is_hns_enabled", "isHnsEnabled"),
        b("nfsv3_enabled", "isNfsV3Enabled"),
        b("sftp_enabled", "isSftpEnabled"),
        b("local_user_enabled", "isLocalUserEnabled"),
        b("allow_nested_items_to_be_public", "allowBlobPublicAccess"),
        b("shared_access_key_enabled", "allowSharedKeyAccess"),
        b(
            "default_to_oauth_authentication",
            "defaultToOAuthAuthentication",
        ),
        b(
            "cross_tenant_replication_enabled",
            "allowCrossTenantReplication",
        ),
        arg(
            "public_network_access_enabled",
            Src::P("publicNetworkAccess"),
            Conv::EnabledElseFalse,
        ),
        arg(
            "large_file_share_enabled",
            Src::P("largeFileSharesState"),
            Conv::EnabledElseFalse,
        ),
        b(
            "infrastructure_encryption_enabled",
            "encryption/requireInfrastructureEncryption",
        ),
        one_of(
            "allowed_copy_scope",
            "allowedCopyScope",
            &["AAD", "PrivateLink"],
        ),
        one_of(
            "dns_endpoint_type",
            "dnsEndpointType",
            &["Standard", "AzureDnsZone"],
        ),
    ])
    .nests(&[
        block(
            "routing",
            "routingPreference",
            &[
                one_of(
                    "choice",
                    "routingChoice",
                    &["InternetRouting", "MicrosoftRouting"],
                ),
                b("publish_internet_endpoints", "publishInternetEndpoints"),
                b("publish_microsoft_endpoints", "publishMicrosoftEndpoints"),
            ],
        ),
        block(
            "network_rules",
            "networkAcls",
            &[
                one_of("default_action", "defaultAction", &["Allow", "Deny"]).key(),
                compute("bypass", network_bypass),
                compute("ip_rules", network_ip_rules),
                arg(
                    "virtual_network_subnet_ids",
                    Src::Refs("virtualNetworkRules", "id", "subnet"),
                    Conv::AsIs,
                ),
            ],
        )
        .nests(&[blocks(
            "private_link_access",
            "resourceAccessRules",
            Repeat::Each,
            &[reference(
                "endpoint_resource_id",
                "resourceId",
                "id",
                "resource access rule target (it may belong to another tenant)",
            )
            .key()],
        )]),
    ])
    .identity()
    .notes(&[note(
        When::Is(Src::P("encryption/keySource"), &["Microsoft.Keyvault"]),
        "customer-managed key encryption not copied: configure the key in the target tenant",
    )]),
];

/// The `Tier_Replication` halves of `sku.name` (`Standard_LRS`).
fn sku_parts(at: &At) -> Result<(&'static str, String), Skip> {
    let sku = sku_str(at.r, "name").ok_or_else(|| Skip::missing("sku.name"))?;
    let (tier, replication) = sku
        .split_once('_')
        .filter(|(t, rep)| !t.is_empty() && !rep.is_empty())
        .ok_or_else(|| Skip::missing("sku.name in the form `Tier_Replication`"))?;
    let tier = if tier.eq_ignore_ascii_case("premium") {
        "Premium"
    } else {
        "Standard"
    };
    Ok((tier, replication.to_ascii_uppercase()))
}

fn account_tier(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(Some(Value::str(sku_parts(at)?.0)))
}

fn replication_type(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(Some(Value::Str(sku_parts(at)?.1)))
}

/// `networkAcls.bypass` (`Logging, Metrics, AzureServices`) as a list.
fn network_bypass(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let Some(bypass) = at.here.get("bypass").and_then(serde_json::Value::as_str) else {
        return Ok(None);
    };
    let items: Vec<&str> = bypass
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    Ok(Some(Value::str_list(items)))
}

/// `networkAcls.ipRules[].value`; azurerm rejects /31 and /32 prefixes, and
/// a single address is the same rule.
fn network_ip_rules(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let ips: Vec<String> = collect(at.here, "ipRules/*/value")
        .into_iter()
        .filter_map(serde_json::Value::as_str)
        .map(|ip| ip.trim_end_matches("/32").to_string())
        .collect();
    Ok((!ips.is_empty()).then(|| Value::str_list(ips)))
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
