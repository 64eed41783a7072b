//! Mappings for Azure Firewall: firewalls, firewall policies with their rule
//! collection groups, and IP groups.
//!
//! A rule collection group's ARM `ruleCollections` mixes three kinds; each
//! becomes the azurerm block of its kind (`network_rule_collection`,
//! `application_rule_collection`, `nat_rule_collection`), chosen by the
//! type of its rules.

use super::spec::*;

const RULE_KIND: &str = "rules/0/ruleType";

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
        strs("private_ip_ranges", "snat/privateRanges"),
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
            &[
                s("name", "name").req(),
                n("priority", "priority").req(),
                one_of("action", "action/type", &["Allow", "Deny"]).req(),
            ],
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
                arg(
                    "source_ip_groups",
                    Src::Refs("sourceIpGroups", "id", "IP group"),
                    Conv::AsIs,
                )
                .strict(),
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
            &[
                s("name", "name").req(),
                n("priority", "priority").req(),
                one_of("action", "action/type", &["Allow", "Deny"]).req(),
            ],
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
                arg(
                    "source_ip_groups",
                    Src::Refs("sourceIpGroups", "id", "IP group"),
                    Conv::AsIs,
                )
                .strict(),
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
                arg(
                    "source_ip_groups",
                    Src::Refs("sourceIpGroups", "id", "IP group"),
                    Conv::AsIs,
                )
                .strict(),
                s("destination_address", "destinationAddresses/0"),
                strs("destination_ports", "destinationPorts"),
                s("translated_address", "translatedAddress"),
                s("translated_fqdn", "translatedFqdn"),
                n("translated_port", "translatedPort").req(),
            ],
        )]),
    ]),
];
