//! Mappings for Azure Firewall: firewalls, firewall policies with their rule
//! collection groups, and IP groups.
//!
//! A rule collection group's ARM `ruleCollections` mixes three kinds; each
//! becomes the azurerm block of its kind (`network_rule_collection`,
//! `application_rule_collection`, `nat_rule_collection`), chosen by the
//! type of its rules.

use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::Value;

const RULE_KIND: &str = "rules/0/ruleType";

/// The head of a network or application rule collection: its name,
/// priority and Allow/Deny action.
const ALLOW_DENY_COLLECTION: &[Arg] = &[
    s("name", "name").req(),
    n("priority", "priority").req(),
    one_of("action", "action/type", &["Allow", "Deny"]).req(),
];

/// A rule's source IP groups, as references to the emitted IP groups
/// (`strict`: a group the source names must be emitted).
const SOURCE_IP_GROUPS: Arg = arg(
    "source_ip_groups",
    Src::Refs("sourceIpGroups", "id", "IP group"),
    Conv::AsIs,
)
.strict();

/// ARM's keyword for the ranges Azure Firewall does not SNAT by default.
const IANA_KEYWORD: &str = "IANAPrivateRanges";

/// What the keyword stands for: the private ranges of RFC 1918 and the
/// shared address space of RFC 6598 (Microsoft Learn, "Azure Firewall SNAT
/// private IP address ranges").
const IANA_RANGES: [&str; 4] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
];

/// `private_ip_ranges` from ARM's `snat.privateRanges`. azurerm takes only
/// CIDRs and IP addresses (real `terraform validate` with azurerm 4.79:
/// `expected "private_ip_ranges.0" to be a valid CIDR Value, got
/// IANAPrivateRanges`), so the keyword alone, Azure's default, is left out,
/// and beside other ranges it becomes the ranges it stands for.
fn private_ip_ranges(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let ranges: Vec<&str> = super::interpret::read(&Src::P("snat/privateRanges"), at)
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    if ranges.iter().all(|r| r.eq_ignore_ascii_case(IANA_KEYWORD)) {
        return Ok(None);
    }
    let mut out: Vec<String> = Vec::new();
    for r in ranges {
        let expanded: Vec<&str> = if r.eq_ignore_ascii_case(IANA_KEYWORD) {
            IANA_RANGES.to_vec()
        } else {
            vec![r]
        };
        for e in expanded {
            if !out.iter().any(|o| o == e) {
                out.push(e.to_string());
            }
        }
    }
    Ok(Some(Value::str_list(out)))
}

/// The firewall mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new("microsoft.network/ipgroups", "azurerm_ip_group", "network")
        .args(&[strs("cidrs", "ipAddresses")]),
    Mapping::new(
        "microsoft.network/azurefirewalls",
        "azurerm_firewall",
        "network",
    )
    .args(&[
        one_of("sku_name", "sku/name", &["AZFW_Hub", "AZFW_VNet"]).req(),
        one_of("sku_tier", "sku/tier", &["Premium", "Standard", "Basic"]).req(),
        reference(
            "firewall_policy_id",
            "firewallPolicy/id",
            "id",
            "firewall policy",
        )
        .strict(),
        // With a policy, the policy holds the threat intelligence mode.
        one_of(
            "threat_intel_mode",
            "threatIntelMode",
            &["Off", "Alert", "Deny"],
        )
        .when(When::Lacks(Src::P("firewallPolicy/id"))),
        arg(
            "dns_proxy_enabled",
            Src::P("additionalProperties/Network.DNS.EnableProxy"),
            Conv::Equals("true"),
        ),
        arg("zones", Src::Zones, Conv::AsIs),
    ])
    .nests(&[
        blocks(
            "ip_configuration",
            "ipConfigurations",
            Repeat::Each,
            &[
                s("name", "name").req(),
                reference("subnet_id", "properties/subnet/id", "id", "firewall subnet").strict(),
                reference(
                    "public_ip_address_id",
                    "properties/publicIPAddress/id",
                    "id",
                    "public IP address",
                )
                .strict(),
            ],
        ),
        block(
            "management_ip_configuration",
            "managementIpConfiguration",
            &[
                s("name", "name").req(),
                reference(
                    "subnet_id",
                    "properties/subnet/id",
                    "id",
                    "firewall management subnet",
                )
                .req(),
                reference(
                    "public_ip_address_id",
                    "properties/publicIPAddress/id",
                    "id",
                    "public IP address",
                )
                .req(),
            ],
        ),
        block(
            "virtual_hub",
            "virtualHub",
            &[
                reference("virtual_hub_id", "id", "id", "virtual hub").req(),
                arg(
                    "public_ip_count",
                    Src::R("properties/hubIPAddresses/publicIPs/count"),
                    Conv::Int,
                ),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.network/firewallpolicies",
        "azurerm_firewall_policy",
        "network",
    )
    .args(&[
        one_of("sku", "sku/tier", &["Premium", "Standard", "Basic"]),
        one_of(
            "threat_intelligence_mode",
            "threatIntelMode",
            &["Alert", "Deny", "Off"],
        ),
        reference(
            "base_policy_id",
            "basePolicy/id",
            "id",
            "base firewall policy",
        )
        .strict(),
        compute("private_ip_ranges", private_ip_ranges),
        b("sql_redirect_allowed", "sql/allowSqlRedirect"),
    ])
    .nests(&[
        block(
            "dns",
            "dnsSettings",
            &[
                b("proxy_enabled", "enableProxy"),
                strs("servers", "servers"),
            ],
        ),
        block(
            "threat_intelligence_allowlist",
            "threatIntelWhitelist",
            &[strs("fqdns", "fqdns"), strs("ip_addresses", "ipAddresses")],
        ),
        block(
            "intrusion_detection",
            "intrusionDetection",
            &[one_of("mode", "mode", &["Off", "Alert", "Deny"])],
        ),
    ])
    .identity(),
    Mapping::new(
        "microsoft.network/firewallpolicies/rulecollectiongroups",
        "azurerm_firewall_policy_rule_collection_group",
        "network",
    )
    .scope(Scope::In("firewall_policy_id", "id", "firewall policy"))
    .untagged()
    .args(&[n("priority", "priority").req()])
    .nests(&[
        blocks(
            "network_rule_collection",
            "ruleCollections",
            Repeat::Each,
            ALLOW_DENY_COLLECTION,
        )
        .when(When::Is(Src::P(RULE_KIND), &["NetworkRule"]))
        .nests(&[blocks(
            "rule",
            "rules",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                s("description", "description"),
                arg("protocols", Src::P("ipProtocols"), Conv::Strs).req(),
                strs("source_addresses", "sourceAddresses"),
                SOURCE_IP_GROUPS,
                strs("destination_addresses", "destinationAddresses"),
                arg(
                    "destination_ip_groups",
                    Src::Refs("destinationIpGroups", "id", "IP group"),
                    Conv::AsIs,
                )
                .strict(),
                strs("destination_fqdns", "destinationFqdns"),
                strs("destination_ports", "destinationPorts").req(),
            ],
        )]),
        blocks(
            "application_rule_collection",
            "ruleCollections",
            Repeat::Each,
            ALLOW_DENY_COLLECTION,
        )
        .when(When::Is(Src::P(RULE_KIND), &["ApplicationRule"]))
        .nests(&[blocks(
            "rule",
            "rules",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                s("description", "description"),
                strs("source_addresses", "sourceAddresses"),
                SOURCE_IP_GROUPS,
                strs("destination_addresses", "destinationAddresses"),
                strs("destination_fqdns", "targetFqdns"),
                strs("destination_urls", "targetUrls"),
                strs("web_categories", "webCategories"),
                b("terminate_tls", "terminateTLS"),
            ],
        )
        .nests(&[blocks(
            "protocols",
            "protocols",
            Repeat::Each,
            &[
                one_of("type", "protocolType", &["Http", "Https", "Mssql"]).req(),
                n("port", "port").req(),
            ],
        )])]),
        blocks(
            "nat_rule_collection",
            "ruleCollections",
            Repeat::Each,
            &[
                s("name", "name").req(),
                n("priority", "priority").req(),
                arg(
                    "action",
                    Src::P("action/type"),
                    Conv::MapOnly(&[("DNAT", "Dnat")]),
                )
                .req(),
            ],
        )
        .when(When::Is(Src::P(RULE_KIND), &["NatRule"]))
        .nests(&[blocks(
            "rule",
            "rules",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                s("description", "description"),
                arg("protocols", Src::P("ipProtocols"), Conv::Strs).req(),
                strs("source_addresses", "sourceAddresses"),
                SOURCE_IP_GROUPS,
                s("destination_address", "destinationAddresses/0"),
                strs("destination_ports", "destinationPorts"),
                s("translated_address", "translatedAddress"),
                s("translated_fqdn", "translatedFqdn"),
                n("translated_port", "translatedPort").req(),
            ],
        )]),
    ]),
];

#[cfg(test)]
mod tests {
    use super::super::testutil::{attr, generate_json, one};
    use crate::iac::doc::Value;

    fn policy(ranges: serde_json::Value) -> crate::iac::Generated {
        generate_json(&[serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/firewallPolicies/fwp",
            "name": "fwp", "type": "microsoft.network/firewallpolicies", "location": "eastus", "resourceGroup": "rg",
            "properties": {"sku": {"tier": "Standard"}, "snat": {"privateRanges": ranges}}
        })])
    }

    /// ARM's `IANAPrivateRanges` keyword is no CIDR: the real azurerm 4.79
    /// provider refuses it (a check the builtin validator cannot run
    /// offline). Alone it is Azure's default and left out; beside other
    /// ranges it becomes the four ranges it stands for.
    #[test]
    fn the_iana_keyword_is_never_written_as_a_range() {
        let g = policy(serde_json::json!(["IANAPrivateRanges"]));
        let b = one(&g, "azurerm_firewall_policy");
        assert!(b.body.get("private_ip_ranges").is_none(), "{b:?}");

        let g = policy(serde_json::json!(["203.0.113.0/24", "IANAPrivateRanges"]));
        let b = one(&g, "azurerm_firewall_policy");
        assert_eq!(
            attr(b, "private_ip_ranges"),
            &Value::str_list(
                [
                    "203.0.113.0/24",
                    "10.0.0.0/8",
                    "172.16.0.0/12",
                    "192.168.0.0/16",
                    "100.64.0.0/10"
                ]
                .map(String::from)
                .to_vec()
            )
        );
    }
}
