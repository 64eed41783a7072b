//! Mappings for hybrid and WAN connectivity: virtual network gateways (VPN
//! and ExpressRoute) and their connections, local network gateways,
//! ExpressRoute circuits and gateways, Virtual WANs and hubs, VPN gateways
//! of hubs, and route filters.
//!
//! Pre-shared keys and authorization keys are secrets: ARM does not return
//! them, and they become sensitive variables.

use super::spec::*;

/// The gateway mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.network/virtualnetworkgateways",
        "azurerm_virtual_network_gateway",
        "network",
    )
    .args(&[
        one_of("type", "gatewayType", &["ExpressRoute", "Vpn"]).req(),
        one_of("vpn_type", "vpnType", &["RouteBased", "PolicyBased"]),
        // azurerm's SKU list depends on the type; the service checks it.
        s("sku", "sku/name").req(),
        one_of(
            "generation",
            "vpnGatewayGeneration",
            &["Generation1", "Generation2", "None"],
        ),
        b("active_active", "activeActive"),
        b("bgp_enabled", "enableBgp"),
        b("private_ip_address_enabled", "enablePrivateIpAddress"),
        b("dns_forwarding_enabled", "enableDnsForwarding"),
        b(
            "bgp_route_translation_for_nat_enabled",
            "enableBgpRouteTranslationForNat",
        ),
    ])
    .nests(&[
        blocks(
            "ip_configuration",
            "ipConfigurations",
            Repeat::EachRequired,
            &[
                s("name", "name"),
                one_of(
                    "private_ip_address_allocation",
                    "properties/privateIPAllocationMethod",
                    &["Static", "Dynamic"],
                ),
                reference("subnet_id", "properties/subnet/id", "id", "gateway subnet").req(),
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
            "bgp_settings",
            "bgpSettings",
            &[n("asn", "asn"), n("peer_weight", "peerWeight")],
        )
        .when(When::True(Src::P("enableBgp"))),
        block(
            "vpn_client_configuration",
            "vpnClientConfiguration",
            &[
                strs("address_space", "vpnClientAddressPool/addressPrefixes").key(),
                arg(
                    "vpn_client_protocols",
                    Src::P("vpnClientProtocols"),
                    Conv::Strs,
                ),
                arg(
                    "vpn_auth_types",
                    Src::P("vpnAuthenticationTypes"),
                    Conv::Strs,
                ),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.network/connections",
        "azurerm_virtual_network_gateway_connection",
        "network",
    )
    .args(&[
        one_of(
            "type",
            "connectionType",
            &["ExpressRoute", "IPsec", "Vnet2Vnet"],
        )
        .req(),
        reference(
            "virtual_network_gateway_id",
            "virtualNetworkGateway1/id",
            "id",
            "virtual network gateway",
        )
        .req(),
        reference(
            "local_network_gateway_id",
            "localNetworkGateway2/id",
            "id",
            "local network gateway",
        )
        .strict(),
        reference(
            "peer_virtual_network_gateway_id",
            "virtualNetworkGateway2/id",
            "id",
            "peer virtual network gateway",
        )
        .strict(),
        reference(
            "express_route_circuit_id",
            "peer/id",
            "id",
            "ExpressRoute circuit",
        )
        .strict(),
        arg("shared_key", Src::Secret("shared_key"), Conv::AsIs)
            .when(When::Is(Src::P("connectionType"), &["IPsec", "Vnet2Vnet"])),
        one_of(
            "connection_protocol",
            "connectionProtocol",
            &["IKEv1", "IKEv2"],
        ),
        one_of(
            "connection_mode",
            "connectionMode",
            &["InitiatorOnly", "ResponderOnly", "Default"],
        ),
        n("routing_weight", "routingWeight"),
        n("dpd_timeout_seconds", "dpdTimeoutSeconds"),
        b("bgp_enabled", "enableBgp"),
        b(
            "use_policy_based_traffic_selectors",
            "usePolicyBasedTrafficSelectors",
        ),
        b("express_route_gateway_bypass", "expressRouteGatewayBypass"),
    ])
    .nests(&[blocks(
        "ipsec_policy",
        "ipsecPolicies/0",
        Repeat::One,
        &[
            one_of(
                "dh_group",
                "dhGroup",
                &[
                    "DHGroup1",
                    "DHGroup14",
                    "DHGroup2",
                    "DHGroup2048",
                    "DHGroup24",
                    "ECP256",
                    "ECP384",
                    "None",
                ],
            )
            .key(),
            one_of(
                "ike_encryption",
                "ikeEncryption",
                &[
                    "AES128",
                    "AES192",
                    "AES256",
                    "DES",
                    "DES3",
                    "GCMAES128",
                    "GCMAES256",
                ],
            )
            .key(),
            one_of(
                "ike_integrity",
                "ikeIntegrity",
                &["GCMAES128", "GCMAES256", "MD5", "SHA1", "SHA256", "SHA384"],
            )
            .key(),
            one_of(
                "ipsec_encryption",
                "ipsecEncryption",
                &[
                    "AES128",
                    "AES192",
                    "AES256",
                    "DES",
                    "DES3",
                    "GCMAES128",
                    "GCMAES192",
                    "GCMAES256",
                    "None",
                ],
            )
            .key(),
            one_of(
                "ipsec_integrity",
                "ipsecIntegrity",
                &[
                    "GCMAES128",
                    "GCMAES192",
                    "GCMAES256",
                    "MD5",
                    "SHA1",
                    "SHA256",
                ],
            )
            .key(),
            one_of(
                "pfs_group",
                "pfsGroup",
                &[
                    "ECP256", "ECP384", "None", "PFS1", "PFS14", "PFS2", "PFS2048", "PFS24",
                    "PFSMM",
                ],
            )
            .key(),
            n("sa_datasize", "saDataSizeKilobytes"),
            n("sa_lifetime", "saLifeTimeSeconds"),
        ],
    )])
    .notes(&[note(
        When::Is(Src::P("connectionType"), &["IPsec", "Vnet2Vnet"]),
        "the pre-shared key is not returned by ARM: set it as a variable, the same on both ends",
    )]),
    Mapping::new(
        "microsoft.network/localnetworkgateways",
        "azurerm_local_network_gateway",
        "network",
    )
    .args(&[
        s("gateway_address", "gatewayIpAddress"),
        s("gateway_fqdn", "fqdn").when(When::Lacks(Src::P("gatewayIpAddress"))),
        strs("address_space", "localNetworkAddressSpace/addressPrefixes"),
    ])
    .nests(&[block(
        "bgp_settings",
        "bgpSettings",
        &[
            n("asn", "asn").key(),
            s("bgp_peering_address", "bgpPeeringAddress").key(),
            n("peer_weight", "peerWeight"),
        ],
    )]),
    Mapping::new(
        "microsoft.network/expressroutecircuits",
        "azurerm_express_route_circuit",
        "network",
    )
    .args(&[
        s(
            "service_provider_name",
            "serviceProviderProperties/serviceProviderName",
        ),
        s(
            "peering_location",
            "serviceProviderProperties/peeringLocation",
        ),
        n(
            "bandwidth_in_mbps",
            "serviceProviderProperties/bandwidthInMbps",
        ),
        reference(
            "express_route_port_id",
            "expressRoutePort/id",
            "id",
            "ExpressRoute port",
        )
        .strict(),
        arg("bandwidth_in_gbps", Src::P("bandwidthInGbps"), Conv::Float)
            .when(When::Has(Src::P("expressRoutePort/id"))),
        b("allow_classic_operations", "allowClassicOperations"),
    ])
    .nests(&[blocks(
        "sku",
        "/sku",
        Repeat::Required,
        &[
            one_of("tier", "tier", &["Basic", "Local", "Standard", "Premium"]).req(),
            one_of("family", "family", &["MeteredData", "UnlimitedData"]).req(),
        ],
    )])
    .notes(&[note(
        When::Always,
        "a new circuit gets a new service key: the connectivity provider must provision it again",
    )]),
    Mapping::new(
        "microsoft.network/expressroutegateways",
        "azurerm_express_route_gateway",
        "network",
    )
    .args(&[
        reference("virtual_hub_id", "virtualHub/id", "id", "virtual hub").req(),
        n("scale_units", "autoScaleConfiguration/bounds/min").always(Lit::Int(1)),
        b("allow_non_virtual_wan_traffic", "allowNonVirtualWanTraffic"),
    ]),
    Mapping::new(
        "microsoft.network/virtualwans",
        "azurerm_virtual_wan",
        "network",
    )
    .args(&[
        s("type", "type"),
        b("disable_vpn_encryption", "disableVpnEncryption"),
        b(
            "allow_branch_to_branch_traffic",
            "allowBranchToBranchTraffic",
        ),
        one_of(
            "office365_local_breakout_category",
            "office365LocalBreakoutCategory",
            &["All", "None", "Optimize", "OptimizeAndAllow"],
        ),
    ]),
    Mapping::new(
        "microsoft.network/virtualhubs",
        "azurerm_virtual_hub",
        "network",
    )
    .args(&[
        reference("virtual_wan_id", "virtualWan/id", "id", "virtual WAN").strict(),
        s("address_prefix", "addressPrefix"),
        one_of("sku", "sku", &["Basic", "Standard"]),
        one_of(
            "hub_routing_preference",
            "hubRoutingPreference",
            &["ExpressRoute", "VpnGateway", "ASPath"],
        ),
        n(
            "virtual_router_auto_scale_min_capacity",
            "virtualRouterAutoScaleConfiguration/minCapacity",
        ),
    ])
    .nests(&[blocks(
        "route",
        "routeTable/routes",
        Repeat::Each,
        &[
            strs("address_prefixes", "addressPrefixes").key(),
            s("next_hop_ip_address", "nextHopIpAddress").key(),
        ],
    )]),
    Mapping::new(
        "microsoft.network/vpngateways",
        "azurerm_vpn_gateway",
        "network",
    )
    .args(&[
        reference("virtual_hub_id", "virtualHub/id", "id", "virtual hub").req(),
        n("scale_unit", "vpnGatewayScaleUnit"),
        b(
            "bgp_route_translation_for_nat_enabled",
            "enableBgpRouteTranslationForNat",
        ),
    ])
    .nests(&[block(
        "bgp_settings",
        "bgpSettings",
        &[n("asn", "asn").key(), n("peer_weight", "peerWeight").key()],
    )]),
    Mapping::new(
        "microsoft.network/routefilters",
        "azurerm_route_filter",
        "network",
    )
    .nests(&[blocks(
        "rule",
        "rules",
        Repeat::Each,
        &[
            s("name", "name").req(),
            one_of("access", "properties/access", &["Allow"]).req(),
            one_of(
                "rule_type",
                "properties/routeFilterRuleType",
                &["Community"],
            )
            .req(),
            strs("communities", "properties/communities").req(),
        ],
    )]),
];
