//! Mappings for Microsoft.Network: virtual networks, subnets and their
//! associations, peerings, network security groups, application security
//! groups, NICs, public IPs and prefixes, load balancers, bastions, private
//! endpoints, DNS and private DNS zones with their VNet links, route tables,
//! NAT gateways, DDoS plans, network watchers and flow logs, and Traffic
//! Manager profiles. Gateways, firewalls, application gateways and DNS
//! record sets have modules of their own.

use super::common::{id_at, items, last_segment, non_empty_strings, str_at};
use super::spec::*;
use crate::iac::context::{EmitCx, Skip, SkipReason};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

const SKU_NAME: Src = Src::R("sku/name");
const SKU_TIERS: &[&str] = &["Regional", "Global"];
/// The public IP of an IP configuration (NIC, bastion, load balancer frontend).
const PUBLIC_IP: Arg = reference(
    "public_ip_address_id",
    "properties/publicIPAddress/id",
    "id",
    "public IP address",
);

/// The network mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.network/virtualnetworks",
        "azurerm_virtual_network",
        "network",
    )
    .args(&[
        strs("address_space", "addressSpace/addressPrefixes").req(),
        strs("dns_servers", "dhcpOptions/dnsServers"),
    ]),
    Mapping::new(
        "microsoft.network/virtualnetworks/subnets",
        "azurerm_subnet",
        "network",
    )
    .scope(Scope::GroupedIn(
        "virtual_network_name",
        "name",
        "virtual network",
    ))
    .untagged()
    .args(&[
        arg(
            "address_prefixes",
            Src::First(&[Src::P("addressPrefixes"), Src::P("addressPrefix")]),
            Conv::Strs,
        )
        .req(),
        arg(
            "service_endpoints",
            Src::All("serviceEndpoints/*/service"),
            Conv::Str,
        ),
        b("default_outbound_access_enabled", "defaultOutboundAccess"),
        one_of(
            "private_endpoint_network_policies",
            "privateEndpointNetworkPolicies",
            &[
                "Disabled",
                "Enabled",
                "NetworkSecurityGroupEnabled",
                "RouteTableEnabled",
            ],
        ),
        arg(
            "private_link_service_network_policies_enabled",
            Src::P("privateLinkServiceNetworkPolicies"),
            Conv::EnabledElseFalse,
        ),
    ])
    .nests(&[blocks(
        "delegation",
        "delegations",
        Repeat::Each,
        &[s("name", "name").key()],
    )
    .nests(&[blocks(
        "service_delegation",
        "properties",
        Repeat::Required,
        &[s("name", "serviceName").req(), strs("actions", "actions")],
    )])])
    .assocs(&[
        Assoc {
            azurerm: "azurerm_subnet_network_security_group_association",
            ids: "networkSecurityGroup/id",
            suffix: "nsg",
            many: false,
            own: "subnet_id",
            target: "network_security_group_id",
        },
        Assoc {
            azurerm: "azurerm_subnet_route_table_association",
            ids: "routeTable/id",
            suffix: "route_table",
            many: false,
            own: "subnet_id",
            target: "route_table_id",
        },
        Assoc {
            azurerm: "azurerm_subnet_nat_gateway_association",
            ids: "natGateway/id",
            suffix: "nat_gateway",
            many: false,
            own: "subnet_id",
            target: "nat_gateway_id",
        },
    ]),
    Mapping::new(
        "microsoft.network/networksecuritygroups",
        "azurerm_network_security_group",
        "network",
    )
    .hook(security_rules, &["security_rule"], &[]),
    Mapping::new(
        "microsoft.network/networkinterfaces",
        "azurerm_network_interface",
        "network",
    )
    .choose(select_network_interface, &[])
    .args(&[
        b(
            "accelerated_networking_enabled",
            "enableAcceleratedNetworking",
        ),
        b("ip_forwarding_enabled", "enableIPForwarding"),
        strs("dns_servers", "dnsSettings/dnsServers"),
        s(
            "internal_dns_name_label",
            "dnsSettings/internalDnsNameLabel",
        ),
    ])
    .nests(&[blocks(
        "ip_configuration",
        "ipConfigurations",
        Repeat::EachRequired,
        &[
            s("name", "name").req(),
            reference("subnet_id", "properties/subnet/id", "id", "subnet").strict(),
            compute("private_ip_address_allocation", nic_ip_allocation),
            s("private_ip_address", "properties/privateIPAddress").when(When::Is(
                Src::P("properties/privateIPAllocationMethod"),
                &["Static"],
            )),
            one_of(
                "private_ip_address_version",
                "properties/privateIPAddressVersion",
                &["IPv4", "IPv6"],
            ),
            PUBLIC_IP,
            b("primary", "properties/primary"),
        ],
    )])
    .assocs(&[
        Assoc {
            azurerm: "azurerm_network_interface_security_group_association",
            ids: "networkSecurityGroup/id",
            suffix: "nsg",
            many: false,
            own: "network_interface_id",
            target: "network_security_group_id",
        },
        // Application security groups are set per IP configuration in ARM
        // but associated per NIC in azurerm: one association per distinct group.
        Assoc {
            azurerm: "azurerm_network_interface_application_security_group_association",
            ids: "ipConfigurations/*/properties/applicationSecurityGroups/*/id",
            suffix: "asg",
            many: true,
            own: "network_interface_id",
            target: "application_security_group_id",
        },
    ]),
    Mapping::new(
        "microsoft.network/publicipaddresses",
        "azurerm_public_ip",
        "network",
    )
    .args(&[
        compute("allocation_method", public_ip_allocation),
        arg("sku", SKU_NAME, Conv::Enum(&["Basic", "Standard"])),
        arg("sku_tier", Src::R("sku/tier"), Conv::Enum(SKU_TIERS)),
        arg("zones", Src::Zones, Conv::AsIs),
        one_of("ip_version", "publicIPAddressVersion", &["IPv4", "IPv6"]),
        n("idle_timeout_in_minutes", "idleTimeoutInMinutes"),
        s("domain_name_label", "dnsSettings/domainNameLabel"),
        one_of(
            "domain_name_label_scope",
            "dnsSettings/domainNameLabelScope",
            &[
                "NoReuse",
                "ResourceGroupReuse",
                "SubscriptionReuse",
                "TenantReuse",
            ],
        ),
        s("reverse_fqdn", "dnsSettings/reverseFqdn"),
        one_of(
            "ddos_protection_mode",
            "ddosSettings/protectionMode",
            &["Disabled", "Enabled", "VirtualNetworkInherited"],
        ),
        reference(
            "ddos_protection_plan_id",
            "ddosSettings/ddosProtectionPlan/id",
            "id",
            "DDoS protection plan",
        ),
        reference(
            "public_ip_prefix_id",
            "publicIPPrefix/id",
            "id",
            "public IP prefix",
        ),
        compute("ip_tags", public_ip_tags),
    ])
    .notes(&[note(
        When::Is(SKU_NAME, &["Basic"]),
        "Basic SKU public IPs are retired by Azure; creating one may be refused",
    )]),
    Mapping::new(
        "microsoft.network/bastionhosts",
        "azurerm_bastion_host",
        "network",
    )
    .args(&[
        arg(
            "sku",
            SKU_NAME,
            Conv::Enum(&["Developer", "Basic", "Standard", "Premium"]),
        )
        .or(Lit::Str("Basic")),
        reference(
            "virtual_network_id",
            "virtualNetwork/id",
            "id",
            "virtual network",
        )
        .req()
        .when(When::Is(SKU_NAME, &["Developer"])),
        arg("zones", Src::Zones, Conv::AsIs),
        n("scale_units", "scaleUnits").when(When::IsNot(SKU_NAME, &["Basic", "Developer"])),
        // Feature flags: only non-default values, since several are refused
        // on lower SKUs even when false.
        not("copy_paste_enabled", "disableCopyPaste").when(When::True(Src::P("disableCopyPaste"))),
        b("file_copy_enabled", "enableFileCopy").when(When::True(Src::P("enableFileCopy"))),
        b("ip_connect_enabled", "enableIpConnect").when(When::True(Src::P("enableIpConnect"))),
        b("kerberos_enabled", "enableKerberos").when(When::True(Src::P("enableKerberos"))),
        b("shareable_link_enabled", "enableShareableLink")
            .when(When::True(Src::P("enableShareableLink"))),
        b("tunneling_enabled", "enableTunneling").when(When::True(Src::P("enableTunneling"))),
        b("session_recording_enabled", "enableSessionRecording")
            .when(When::True(Src::P("enableSessionRecording"))),
    ])
    .nests(&[blocks(
        "ip_configuration",
        "ipConfigurations/0",
        Repeat::Required,
        &[
            s("name", "name").req(),
            reference("subnet_id", "properties/subnet/id", "id", "subnet").req(),
            PUBLIC_IP.strict(),
        ],
    )
    .when(When::Fn(|at| {
        !at.r
            .sku
            .get("name")
            .and_then(Json::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("Developer"))
    }))]),
    Mapping::new("microsoft.network/loadbalancers", "azurerm_lb", "network")
        .args(&[
            arg(
                "sku",
                SKU_NAME,
                Conv::Enum(&["Basic", "Standard", "Gateway"]),
            ),
            arg("sku_tier", Src::R("sku/tier"), Conv::Enum(SKU_TIERS)),
        ])
        .nests(&[blocks(
            "frontend_ip_configuration",
            "frontendIPConfigurations",
            Repeat::Each,
            &[
                s("name", "name").req(),
                reference("subnet_id", "properties/subnet/id", "id", "subnet").strict(),
                one_of(
                    "private_ip_address_allocation",
                    "properties/privateIPAllocationMethod",
                    &["Dynamic", "Static"],
                )
                .always(Lit::Str("Dynamic"))
                .when(When::Has(Src::P("properties/subnet/id"))),
                s("private_ip_address", "properties/privateIPAddress").when(When::Fn(|at| {
                    str_at(at.here, "/properties/subnet/id").is_some()
                        && str_at(at.here, "/properties/privateIPAllocationMethod")
                            .is_some_and(|a| a.eq_ignore_ascii_case("static"))
                })),
                one_of(
                    "private_ip_address_version",
                    "properties/privateIPAddressVersion",
                    &["IPv4", "IPv6"],
                )
                .when(When::Has(Src::P("properties/subnet/id"))),
                PUBLIC_IP.strict(),
                reference(
                    "public_ip_prefix_id",
                    "properties/publicIPPrefix/id",
                    "id",
                    "public IP prefix",
                )
                .strict(),
                strs("zones", "zones"),
            ],
        )])
        .hook(
            load_balancer_parts,
            &[],
            &[
                "azurerm_lb_backend_address_pool",
                "azurerm_lb_probe",
                "azurerm_lb_rule",
                "azurerm_lb_nat_rule",
            ],
        )
        .notes(&[note(
            When::Is(SKU_NAME, &["Basic"]),
            "Basic SKU load balancers are retired by Azure; creating one may be refused",
        )]),
    Mapping::new(
        "microsoft.network/privateendpoints",
        "azurerm_private_endpoint",
        "network",
    )
    .args(&[
        reference("subnet_id", "subnet/id", "id", "subnet").req(),
        s(
            "custom_network_interface_name",
            "customNetworkInterfaceName",
        ),
    ])
    .nests(&[blocks(
        "ip_configuration",
        "ipConfigurations",
        Repeat::Each,
        &[
            s("name", "name").key(),
            s("private_ip_address", "properties/privateIPAddress").key(),
            s("subresource_name", "properties/groupId"),
            s("member_name", "properties/memberName"),
        ],
    )])
    .hook(
        private_service_connection,
        &["private_service_connection"],
        &[],
    ),
    Mapping::new(
        "microsoft.network/privatednszones",
        "azurerm_private_dns_zone",
        "network",
    )
    .scope(Scope::Grouped),
    Mapping::new(
        "microsoft.network/privatednszones/virtualnetworklinks",
        "azurerm_private_dns_zone_virtual_network_link",
        "network",
    )
    .scope(Scope::GroupedIn(
        "private_dns_zone_name",
        "name",
        "private DNS zone",
    ))
    .args(&[
        reference(
            "virtual_network_id",
            "virtualNetwork/id",
            "id",
            "virtual network",
        )
        .req(),
        b("registration_enabled", "registrationEnabled"),
        one_of(
            "resolution_policy",
            "resolutionPolicy",
            &["Default", "NxDomainRedirect"],
        ),
    ]),
    Mapping::new(
        "microsoft.network/routetables",
        "azurerm_route_table",
        "network",
    )
    .args(&[not(
        "bgp_route_propagation_enabled",
        "disableBgpRoutePropagation",
    )])
    .nests(&[blocks(
        "route",
        "routes",
        Repeat::Each,
        // `route` is an "attributes as blocks" argument: every key is
        // written, null when unused, so JSON syntax accepts it too.
        &[
            s("name", "name").req(),
            s("address_prefix", "properties/addressPrefix").req(),
            one_of(
                "next_hop_type",
                "properties/nextHopType",
                &[
                    "VirtualNetworkGateway",
                    "VnetLocal",
                    "Internet",
                    "VirtualAppliance",
                    "None",
                ],
            )
            .req(),
            s("next_hop_in_ip_address", "properties/nextHopIpAddress").always(Lit::Null),
        ],
    )]),
    Mapping::new(
        "microsoft.network/natgateways",
        "azurerm_nat_gateway",
        "network",
    )
    .args(&[
        arg(
            "sku_name",
            SKU_NAME,
            Conv::Enum(&["Standard", "StandardV2"]),
        ),
        n("idle_timeout_in_minutes", "idleTimeoutInMinutes"),
        arg("zones", Src::Zones, Conv::AsIs),
    ])
    .assocs(&[
        Assoc {
            azurerm: "azurerm_nat_gateway_public_ip_association",
            ids: "publicIpAddresses/*/id",
            suffix: "pip",
            many: true,
            own: "nat_gateway_id",
            target: "public_ip_address_id",
        },
        Assoc {
            azurerm: "azurerm_nat_gateway_public_ip_prefix_association",
            ids: "publicIpPrefixes/*/id",
            suffix: "prefix",
            many: true,
            own: "nat_gateway_id",
            target: "public_ip_prefix_id",
        },
    ]),
    Mapping::new(
        "microsoft.network/applicationsecuritygroups",
        "azurerm_application_security_group",
        "network",
    ),
    Mapping::new("microsoft.network/dnszones", "azurerm_dns_zone", "network")
        .choose(select_dns_zone, &[])
        .scope(Scope::Grouped)
        .notes(&[note(
            When::Always,
            "name servers are assigned by Azure: delegate the zone to the new `name_servers`",
        )]),
    Mapping::new(
        "microsoft.network/networkwatchers",
        "azurerm_network_watcher",
        "network",
    )
    .choose(select_network_watcher, &[]),
    Mapping::new(
        "microsoft.network/virtualnetworks/virtualnetworkpeerings",
        "azurerm_virtual_network_peering",
        "network",
    )
    .scope(Scope::GroupedIn(
        "virtual_network_name",
        "name",
        "virtual network",
    ))
    .untagged()
    .args(&[
        reference(
            "remote_virtual_network_id",
            "remoteVirtualNetwork/id",
            "id",
            "remote virtual network",
        )
        .req(),
        b("allow_virtual_network_access", "allowVirtualNetworkAccess"),
        b("allow_forwarded_traffic", "allowForwardedTraffic"),
        b("allow_gateway_transit", "allowGatewayTransit"),
        b("use_remote_gateways", "useRemoteGateways"),
    ]),
    Mapping::new(
        "microsoft.network/ddosprotectionplans",
        "azurerm_network_ddos_protection_plan",
        "network",
    ),
    Mapping::new(
        "microsoft.network/publicipprefixes",
        "azurerm_public_ip_prefix",
        "network",
    )
    .args(&[
        n("prefix_length", "prefixLength"),
        one_of("ip_version", "publicIPAddressVersion", &["IPv4", "IPv6"]),
        arg("sku", SKU_NAME, Conv::Enum(&["Standard", "StandardV2"])),
        arg("sku_tier", Src::R("sku/tier"), Conv::Enum(SKU_TIERS)),
        arg("zones", Src::Zones, Conv::AsIs),
    ]),
    Mapping::new(
        "microsoft.network/networkwatchers/flowlogs",
        "azurerm_network_watcher_flow_log",
        "network",
    )
    .scope(Scope::GroupedIn(
        "network_watcher_name",
        "name",
        "network watcher",
    ))
    .args(&[
        arg("location", Src::Location, Conv::AsIs),
        reference(
            "target_resource_id",
            "targetResourceId",
            "id",
            "flow log target",
        )
        .req(),
        reference("storage_account_id", "storageId", "id", "storage account").req(),
        b("enabled", "enabled").always(Lit::Bool(true)),
        n("version", "format/version"),
    ])
    .nests(&[
        blocks(
            "retention_policy",
            "retentionPolicy",
            Repeat::Always,
            &[
                n("days", "days").always(Lit::Int(0)),
                b("enabled", "enabled").always(Lit::Bool(false)),
            ],
        ),
        block(
            "traffic_analytics",
            "flowAnalyticsConfiguration/networkWatcherFlowAnalyticsConfiguration",
            &[
                b("enabled", "enabled").key(),
                reference(
                    "workspace_id",
                    "workspaceResourceId",
                    "workspace_id",
                    "Log Analytics workspace",
                )
                .key(),
                reference(
                    "workspace_region",
                    "workspaceResourceId",
                    "location",
                    "Log Analytics workspace",
                )
                .key(),
                reference(
                    "workspace_resource_id",
                    "workspaceResourceId",
                    "id",
                    "Log Analytics workspace",
                )
                .key(),
                n("interval_in_minutes", "trafficAnalyticsInterval"),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.network/trafficmanagerprofiles",
        "azurerm_traffic_manager_profile",
        "network",
    )
    .scope(Scope::Grouped)
    .args(&[
        one_of(
            "traffic_routing_method",
            "trafficRoutingMethod",
            &["Geographic", "Weighted", "Performance", "Priority", "Subnet", "MultiValue"],
        )
        .req(),
        one_of("profile_status", "profileStatus", &["Enabled", "Disabled"]),
        arg(
            "traffic_view_enabled",
            Src::P("trafficViewEnrollmentStatus"),
            Conv::Enabled,
        ),
        n("max_return", "maxReturn"),
    ])
    .nests(&[
        blocks(
            "dns_config",
            "dnsConfig",
            Repeat::Required,
            &[
                arg("relative_name", Src::Unique(NameRule::TRAFFIC_MANAGER), Conv::AsIs),
                n("ttl", "ttl").req(),
            ],
        ),
        blocks(
            "monitor_config",
            "monitorConfig",
            Repeat::Required,
            &[
                one_of("protocol", "protocol", &["HTTP", "HTTPS", "TCP"]).req(),
                n("port", "port").req(),
                s("path", "path"),
                n("interval_in_seconds", "intervalInSeconds"),
                n("timeout_in_seconds", "timeoutInSeconds"),
                n("tolerated_number_of_failures", "toleratedNumberOfFailures"),
                compute("expected_status_code_ranges", status_code_ranges),
            ],
        ),
    ])
    .notes(&[
        note(
            When::Always,
            "the DNS name (`<relative_name>.trafficmanager.net`) is global: the target gets a new one",
        ),
        note(
            When::Has(Src::P("endpoints")),
            "endpoints are not copied: add azurerm_traffic_manager_*_endpoint resources for the target's endpoints",
        ),
    ]),
];

/// `expectedStatusCodeRanges[] {min, max}` as azurerm's `"200-299"` strings.
fn status_code_ranges(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let ranges: Vec<String> = items(at.here, "/expectedStatusCodeRanges")
        .iter()
        .filter_map(|r| {
            Some(format!(
                "{}-{}",
                r.get("min")?.as_i64()?,
                r.get("max")?.as_i64()?
            ))
        })
        .collect();
    Ok((!ranges.is_empty()).then(|| Value::str_list(ranges)))
}

/// `privateIPAllocationMethod` of a NIC IP configuration (`Dynamic`, the
/// Azure default, when absent, with a note); a private IP prefix, which
/// azurerm cannot express, is noted.
fn nic_ip_allocation(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let p = at.here.get("properties").unwrap_or(&Json::Null);
    let name = str_at(at.here, "/name").unwrap_or_default();
    let allocation = match str_at(p, "/privateIPAllocationMethod") {
        Some(a) if a.eq_ignore_ascii_case("static") => "Static",
        Some(_) => "Dynamic",
        None => {
            cx.note(format!(
                "ip configuration `{name}`: no `privateIPAllocationMethod`, using the Azure default `Dynamic`"
            ));
            "Dynamic"
        }
    };
    if str_at(p, "/privateIPAddressPrefix").is_some()
        || p.get("privateIPAddressPrefixSize")
            .is_some_and(|v| !v.is_null())
    {
        cx.note(format!(
            "ip configuration `{name}`: the private IP prefix has no azurerm argument; a single dynamic address is configured instead"
        ));
    }
    Ok(Some(Value::str(allocation)))
}

/// `publicIPAllocationMethod`; when absent, `Static` for a Standard SKU
/// (the only method it allows), else the Azure default `Dynamic`.
fn public_ip_allocation(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let r = at.r;
    let standard = r
        .sku
        .get("name")
        .and_then(Json::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("standard"));
    Ok(Some(Value::str(
        match r.prop_str("publicIPAllocationMethod") {
            Some(a) if a.eq_ignore_ascii_case("static") => "Static",
            Some(_) => "Dynamic",
            None if standard => {
                cx.note(
                "no `publicIPAllocationMethod`: `Static`, the only method a Standard SKU allows",
            );
                "Static"
            }
            None => {
                cx.note("no `publicIPAllocationMethod`: using the Azure default `Dynamic`");
                "Dynamic"
            }
        },
    )))
}

/// `ipTags[]` as azurerm's `ip_tags` map (tag type → tag).
fn public_ip_tags(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let tags: std::collections::BTreeMap<String, Value> = items(at.here, "/ipTags")
        .iter()
        .filter_map(|t| {
            Some((
                str_at(t, "/ipTagType")?.to_string(),
                Value::str(str_at(t, "/tag")?),
            ))
        })
        .collect();
    Ok((!tags.is_empty()).then_some(Value::Map(tags)))
}

/// A legacy private zone (`zoneType: Private`) has no `azurerm_dns_zone` form.
fn select_dns_zone(r: &Resource) -> Result<&'static str, Skip> {
    if r.prop_str("zoneType")
        .is_some_and(|t| t.eq_ignore_ascii_case("private"))
    {
        return Err(Skip {
            reason: SkipReason::MissingRequiredValue,
            detail: "legacy private zone (`zoneType: Private`) has no azurerm_dns_zone form; \
                     recreate it as a private DNS zone"
                .into(),
        });
    }
    Ok("azurerm_dns_zone")
}
/// Canonical spelling of an NSG rule protocol as the provider validates it.
fn nsg_protocol(p: &str) -> String {
    ["*", "Tcp", "Udp", "Icmp", "Esp", "Ah"]
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(p))
        .unwrap_or(p)
        .to_string()
}

/// The name of a load balancer sub-resource this load balancer owns, from
/// its ID (`.../loadBalancers/<lb>/<kind>/<name>`).
fn own_child<'j>(r: &Resource, id: &'j str, kind: &str) -> Option<&'j str> {
    let prefix = format!("{}/{}/", r.id.trim_end_matches('/'), kind);
    (id.len() > prefix.len()
        && id
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(&prefix)))
    .then(|| last_segment(id))
}

fn select_network_interface(r: &Resource) -> Result<&'static str, Skip> {
    if let Some(pe) = id_at(&r.properties, "/privateEndpoint") {
        return Err(Skip::managed(format!(
            "created and managed by private endpoint `{pe}`"
        )));
    }
    if let Some(pls) = id_at(&r.properties, "/privateLinkService") {
        return Err(Skip::managed(format!(
            "created and managed by private link service `{pls}`"
        )));
    }
    Ok("azurerm_network_interface")
}

/// Azure creates `NetworkWatcher_<region>` in `NetworkWatcherRG` by itself when
/// a virtual network is created, and allows one watcher per region and
/// subscription, so emitting that one would collide with the platform's.
fn select_network_watcher(r: &Resource) -> Result<&'static str, Skip> {
    let rg = crate::model::ResourceId::parse(&r.id)
        .ok()
        .and_then(|id| id.resource_group)
        .or_else(|| r.resource_group.clone())
        .unwrap_or_default();
    if rg.eq_ignore_ascii_case("NetworkWatcherRG")
        && r.name.to_ascii_lowercase().starts_with("networkwatcher_")
    {
        return Err(Skip::managed(
            "created by Azure in `NetworkWatcherRG` when a virtual network is created (one watcher per region)",
        ));
    }
    Ok("azurerm_network_watcher")
}
/// `security_rule` blocks. The schema allows one of `x` / `xs` per rule;
/// each rule takes the plural when the source has a non-empty list, else
/// the singular, and writes every key (null when unused): `security_rule`
/// is an "attributes as blocks" argument, which JSON syntax needs complete.
fn security_rules(r: &Resource, cx: &mut EmitCx, body: &mut Body) -> Result<Vec<Block>, Skip> {
    for (i, rule) in items(&r.properties, "/securityRules").iter().enumerate() {
        let p = rule.get("properties").unwrap_or(&Json::Null);
        let at = |f: &str| format!("properties.securityRules[{i}].properties.{f}");
        let name = rule
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| Skip::missing(&format!("properties.securityRules[{i}].name")))?;
        let protocol = str_at(p, "/protocol").ok_or_else(|| Skip::missing(&at("protocol")))?;
        let access = str_at(p, "/access").ok_or_else(|| Skip::missing(&at("access")))?;
        let direction = str_at(p, "/direction").ok_or_else(|| Skip::missing(&at("direction")))?;
        let priority = p
            .get("priority")
            .and_then(Json::as_i64)
            .ok_or_else(|| Skip::missing(&at("priority")))?;
        let mut rb = Body::new()
            .attr("name", name)
            .attr("priority", priority)
            .attr("direction", direction)
            .attr("access", access)
            .attr("protocol", nsg_protocol(protocol))
            .attr(
                "description",
                str_at(p, "/description").map_or(Value::Null, Value::str),
            );
        for (single, plural, src_single, src_plural) in [
            (
                "source_port_range",
                "source_port_ranges",
                "/sourcePortRange",
                "/sourcePortRanges",
            ),
            (
                "destination_port_range",
                "destination_port_ranges",
                "/destinationPortRange",
                "/destinationPortRanges",
            ),
            (
                "source_address_prefix",
                "source_address_prefixes",
                "/sourceAddressPrefix",
                "/sourceAddressPrefixes",
            ),
            (
                "destination_address_prefix",
                "destination_address_prefixes",
                "/destinationAddressPrefix",
                "/destinationAddressPrefixes",
            ),
        ] {
            let many = non_empty_strings(p, src_plural);
            if many.is_empty() {
                rb.set(
                    single,
                    str_at(p, src_single).map_or(Value::Null, Value::str),
                );
                rb.set(plural, Value::Null);
            } else {
                rb.set(single, Value::Null);
                rb.set(plural, Value::str_list(many));
            }
        }
        for (arg, src) in [
            (
                "source_application_security_group_ids",
                "/sourceApplicationSecurityGroups",
            ),
            (
                "destination_application_security_group_ids",
                "/destinationApplicationSecurityGroups",
            ),
        ] {
            let mut ids = Vec::new();
            for g in items(p, src) {
                let Some(id) = g.get("id").and_then(Json::as_str) else {
                    continue;
                };
                // A rule without its group would match different traffic:
                // skip the NSG rather than widen or narrow a rule.
                ids.push(cx.require_reference("application security group", id, "id")?);
            }
            rb.set(
                arg,
                if ids.is_empty() {
                    Value::Null
                } else {
                    Value::List(ids)
                },
            );
        }
        body.blocks.push(Block::nested("security_rule", rb));
    }
    Ok(Vec::new())
}

/// Backend pools, probes, load balancing rules and inbound NAT rules: each
/// its own azurerm resource, rules referring to pools and probes by address.
fn load_balancer_parts(r: &Resource, cx: &mut EmitCx, _: &mut Body) -> Result<Vec<Block>, Skip> {
    let lb_id = Value::reference(&cx.address(), "id");
    let mut blocks = Vec::new();

    // Backend pools and probes first: rules refer to them by address.
    let mut pools: Vec<(String, String)> = Vec::new();
    for pool in items(&r.properties, "/backendAddressPools") {
        let Some(name) = pool.get("name").and_then(Json::as_str) else {
            continue;
        };
        let b = cx.secondary(
            "azurerm_lb_backend_address_pool",
            &format!("pool_{name}"),
            Body::new()
                .attr("name", name)
                .attr("loadbalancer_id", lb_id.clone()),
        );
        pools.push((name.to_ascii_lowercase(), b.address().unwrap_or_default()));
        blocks.push(b);
    }
    let mut probes: Vec<(String, String)> = Vec::new();
    for probe in items(&r.properties, "/probes") {
        let p = probe.get("properties").unwrap_or(&Json::Null);
        let (Some(name), Some(port)) = (
            probe.get("name").and_then(Json::as_str),
            p.get("port").and_then(Json::as_i64),
        ) else {
            cx.note("a probe without `name` or `port` was left out");
            continue;
        };
        let mut pb = Body::new()
            .attr("name", name)
            .attr("loadbalancer_id", lb_id.clone())
            .attr("port", port);
        if let Some(proto) = str_at(p, "/protocol") {
            pb.set("protocol", proto);
            if !proto.eq_ignore_ascii_case("tcp")
                && let Some(path) = str_at(p, "/requestPath")
            {
                pb.set("request_path", path);
            }
        }
        for (src, arg) in [
            ("/intervalInSeconds", "interval_in_seconds"),
            ("/numberOfProbes", "number_of_probes"),
            ("/probeThreshold", "probe_threshold"),
        ] {
            if let Some(n) = p.pointer(src).and_then(Json::as_i64) {
                pb.set(arg, n);
            }
        }
        let b = cx.secondary("azurerm_lb_probe", &format!("probe_{name}"), pb);
        probes.push((name.to_ascii_lowercase(), b.address().unwrap_or_default()));
        blocks.push(b);
    }
    let find = |list: &[(String, String)], id: &str, kind: &str| -> Option<Value> {
        let n = own_child(r, id, kind)?.to_ascii_lowercase();
        list.iter()
            .find(|(k, _)| *k == n)
            .map(|(_, a)| Value::reference(a, "id"))
    };
    for rule in items(&r.properties, "/loadBalancingRules") {
        let p = rule.get("properties").unwrap_or(&Json::Null);
        let Some(name) = rule.get("name").and_then(Json::as_str) else {
            continue;
        };
        let fe = id_at(p, "/frontendIPConfiguration")
            .and_then(|id| own_child(r, id, "frontendIPConfigurations"));
        let (Some(fe), Some(protocol), Some(fport), Some(bport)) = (
            fe,
            str_at(p, "/protocol"),
            p.get("frontendPort").and_then(Json::as_i64),
            p.get("backendPort").and_then(Json::as_i64),
        ) else {
            cx.note(format!(
                "load balancing rule `{name}` left out: it lacks a frontend, protocol or port"
            ));
            continue;
        };
        let mut rb = Body::new()
            .attr("name", name)
            .attr("loadbalancer_id", lb_id.clone())
            .attr("frontend_ip_configuration_name", fe)
            .attr("protocol", protocol)
            .attr("frontend_port", fport)
            .attr("backend_port", bport);
        let mut pool_refs: Vec<Value> = Vec::new();
        let pool_ids = id_at(p, "/backendAddressPool").into_iter().chain(
            items(p, "/backendAddressPools")
                .iter()
                .filter_map(|v| v.get("id").and_then(Json::as_str)),
        );
        for id in pool_ids {
            if let Some(v) = find(&pools, id, "backendAddressPools")
                && !pool_refs.contains(&v)
            {
                pool_refs.push(v);
            }
        }
        if !pool_refs.is_empty() {
            rb.set("backend_address_pool_ids", Value::List(pool_refs));
        }
        if let Some(v) = id_at(p, "/probe").and_then(|id| find(&probes, id, "probes")) {
            rb.set("probe_id", v);
        }
        for (src, arg) in [
            ("enableFloatingIP", "floating_ip_enabled"),
            ("enableTcpReset", "tcp_reset_enabled"),
            ("disableOutboundSnat", "disable_outbound_snat"),
        ] {
            if let Some(b) = p.get(src).and_then(Json::as_bool) {
                rb.set(arg, b);
            }
        }
        if let Some(n) = p.get("idleTimeoutInMinutes").and_then(Json::as_i64) {
            rb.set("idle_timeout_in_minutes", n);
        }
        if let Some(d) = str_at(p, "/loadDistribution") {
            rb.set("load_distribution", d);
        }
        blocks.push(cx.secondary("azurerm_lb_rule", &format!("rule_{name}"), rb));
    }
    for rule in items(&r.properties, "/inboundNatRules") {
        let p = rule.get("properties").unwrap_or(&Json::Null);
        let Some(name) = rule.get("name").and_then(Json::as_str) else {
            continue;
        };
        let fe = id_at(p, "/frontendIPConfiguration")
            .and_then(|id| own_child(r, id, "frontendIPConfigurations"));
        let (Some(fe), Some(protocol), Some(bport)) = (
            fe,
            str_at(p, "/protocol"),
            p.get("backendPort").and_then(Json::as_i64),
        ) else {
            cx.note(format!(
                "inbound NAT rule `{name}` left out: it lacks a frontend, protocol or backend port"
            ));
            continue;
        };
        let mut nb = Body::new()
            .attr("name", name)
            .attr("resource_group_name", cx.resource_group_name()?)
            .attr("loadbalancer_id", lb_id.clone())
            .attr("frontend_ip_configuration_name", fe)
            .attr("protocol", protocol)
            .attr("backend_port", bport);
        match (
            p.get("frontendPort")
                .and_then(Json::as_i64)
                .filter(|n| *n > 0),
            p.get("frontendPortRangeStart").and_then(Json::as_i64),
            p.get("frontendPortRangeEnd").and_then(Json::as_i64),
        ) {
            (Some(port), _, _) => nb.set("frontend_port", port),
            (None, Some(start), Some(end)) => {
                nb.set("frontend_port_start", start);
                nb.set("frontend_port_end", end);
                if let Some(v) = id_at(p, "/backendAddressPool")
                    .and_then(|id| find(&pools, id, "backendAddressPools"))
                {
                    nb.set("backend_address_pool_id", v);
                }
            }
            _ => {
                cx.note(format!(
                    "inbound NAT rule `{name}` left out: it has no frontend port"
                ));
                continue;
            }
        }
        for (src, arg) in [
            ("enableFloatingIP", "floating_ip_enabled"),
            ("enableTcpReset", "tcp_reset_enabled"),
        ] {
            if let Some(b) = p.get(src).and_then(Json::as_bool) {
                nb.set(arg, b);
            }
        }
        if let Some(n) = p.get("idleTimeoutInMinutes").and_then(Json::as_i64) {
            nb.set("idle_timeout_in_minutes", n);
        }
        blocks.push(cx.secondary("azurerm_lb_nat_rule", &format!("nat_{name}"), nb));
    }
    Ok(blocks)
}

/// `private_service_connection`: azurerm allows one, automatic or manual;
/// the first of the source's is kept.
fn private_service_connection(
    r: &Resource,
    cx: &mut EmitCx,
    body: &mut Body,
) -> Result<Vec<Block>, Skip> {
    let auto = items(&r.properties, "/privateLinkServiceConnections");
    let manual = items(&r.properties, "/manualPrivateLinkServiceConnections");
    let (conn, is_manual) = match (auto.first(), manual.first()) {
        (Some(c), _) => (c, false),
        (None, Some(c)) => (c, true),
        (None, None) => return Err(Skip::missing("properties.privateLinkServiceConnections")),
    };
    if auto.len() + manual.len() > 1 {
        cx.note("only the first private link service connection is kept (azurerm allows one)");
    }
    let p = conn.get("properties").unwrap_or(&Json::Null);
    let target = str_at(p, "/privateLinkServiceId").ok_or_else(|| {
        Skip::missing("properties.privateLinkServiceConnections[0].properties.privateLinkServiceId")
    })?;
    let mut sc = Body::new()
        .attr(
            "name",
            conn.get("name").and_then(Json::as_str).unwrap_or(&r.name),
        )
        .attr("is_manual_connection", is_manual)
        .attr(
            "private_connection_resource_id",
            cx.require_reference("private link target", target, "id")?,
        );
    let groups = non_empty_strings(p, "/groupIds");
    if !groups.is_empty() {
        sc.set("subresource_names", Value::str_list(groups));
    }
    if is_manual && let Some(m) = str_at(p, "/requestMessage") {
        sc.set("request_message", m);
    }
    body.blocks
        .insert(0, Block::nested("private_service_connection", sc));
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fixture, resource};
    use crate::iac::doc::{Block, Value};
    use crate::iac::render::{Syntax, render};
    use crate::iac::{GenerateOptions, Generated, generate};
    use serde_json::json;
    const SUB: &str = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab";
    const NET: &str = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-network/providers/Microsoft.Network";

    fn gen_with(extra: Vec<serde_json::Value>) -> Generated {
        let mut snap = fixture();
        snap.resources.extend(extra.into_iter().map(resource));
        generate(&snap, &GenerateOptions::default())
    }

    /// The resource block of this type whose `name` argument is `name`.
    fn block<'g>(g: &'g Generated, ty: &str, name: &str) -> &'g Block {
        g.document
            .blocks()
            .find(|b| {
                b.labels.first().map(String::as_str) == Some(ty)
                    && b.body.get("name") == Some(&Value::str(name))
            })
            .unwrap_or_else(|| panic!("no `{ty}` named `{name}` in the output"))
    }

    fn nested<'b>(b: &'b Block, ident: &str) -> Vec<&'b Block> {
        b.body.blocks.iter().filter(|n| n.ident == ident).collect()
    }

    fn r(s: &str) -> Value {
        Value::Ref(s.to_string())
    }

    fn skip_of<'g>(
        g: &'g Generated,
        name: &str,
    ) -> Option<&'g crate::iac::report::SkippedResource> {
        g.report
            .skipped
            .iter()
            .find(|s| s.arm_id.rsplit('/').next() == Some(name))
    }

    fn address_of(g: &Generated, arm_id: &str) -> Option<String> {
        g.report
            .resources
            .iter()
            .find(|e| e.arm_id.eq_ignore_ascii_case(arm_id))
            .map(|e| e.address.clone())
    }

    fn network_text(g: &Generated) -> String {
        render(&g.document, Syntax::Hcl)
            .into_iter()
            .filter(|(name, _)| name.starts_with("network"))
            .map(|(_, text)| text)
            .collect()
    }

    #[test]
    fn every_fixture_network_resource_is_emitted_or_skipped_with_a_reason() {
        let g = gen_with(vec![]);
        for (ty, counts) in &g.report.by_type {
            if ty.starts_with("microsoft.network/") {
                assert_eq!(counts.in_scope, counts.emitted + counts.skipped, "{ty}");
            }
        }
        for s in g
            .report
            .skipped
            .iter()
            .filter(|s| s.arm_type.starts_with("microsoft.network/"))
        {
            assert!(!s.detail.is_empty(), "{s:?}");
            // Only the private endpoints' own NICs and private endpoints whose
            // target is not emitted may be left out.
            match s.arm_type.as_str() {
                "microsoft.network/networkinterfaces" => {
                    assert_eq!(s.reason, "managed_by_platform", "{s:?}");
                    assert!(s.detail.contains("private endpoint"), "{s:?}");
                }
                "microsoft.network/privateendpoints" => {
                    assert_eq!(s.reason, "reference_outside_set", "{s:?}")
                }
                other => panic!("unexpected skip of {other}: {s:?}"),
            }
        }
    }

    #[test]
    fn nsg_rules_are_inline_with_one_of_each_singular_or_plural_argument() {
        let g = gen_with(vec![]);
        let nsg = block(&g, "azurerm_network_security_group", "nsg-contoso-dev-app");
        let rules = nested(nsg, "security_rule");
        // Only `securityRules`: the default rules are Azure's own.
        assert_eq!(rules.len(), 1);
        let rule = &rules[0].body;
        assert_eq!(rule.get("name"), Some(&Value::str("Allow-HTTP-Inbound")));
        assert_eq!(rule.get("priority"), Some(&Value::Int(130)));
        assert_eq!(rule.get("destination_port_range"), Some(&Value::str("80")));
        assert_eq!(rule.get("destination_port_ranges"), Some(&Value::Null));
        assert_eq!(rule.get("protocol"), Some(&Value::str("*")));
        assert_eq!(rule.get("direction"), Some(&Value::str("Inbound")));
    }

    #[test]
    fn nics_reference_their_subnet_and_get_an_nsg_association() {
        let g = gen_with(vec![]);
        let nic = block(&g, "azurerm_network_interface", "nic-vm-contoso-dev-lnx01");
        let configs = nested(nic, "ip_configuration");
        assert_eq!(configs.len(), 2);
        assert_eq!(
            configs[0].body.get("subnet_id"),
            Some(&r("azurerm_subnet.vnet_contoso_dev_eus_snet_app.id"))
        );
        assert_eq!(configs[0].body.get("primary"), Some(&Value::Bool(true)));
        assert_eq!(
            configs[0].body.get("private_ip_address_allocation"),
            Some(&Value::str("Dynamic"))
        );
        assert_eq!(
            nic.body.get("accelerated_networking_enabled"),
            Some(&Value::Bool(true))
        );
        let assoc = g
            .document
            .blocks()
            .find(|b| {
                b.labels.first().map(String::as_str)
                    == Some("azurerm_network_interface_security_group_association")
                    && b.body.get("network_interface_id")
                        == Some(&r(&format!("{}.id", nic.address().unwrap())))
            })
            .expect("NSG association of the NIC");
        assert_eq!(
            assoc.body.get("network_security_group_id"),
            Some(&r("azurerm_network_security_group.nsg_contoso_dev_app.id"))
        );
        for pe_nic in ["pe-stcontosodev-blob-nic", "pe-kv-contoso-dev-nic"] {
            let s = skip_of(&g, pe_nic).expect("private endpoint NICs are skipped");
            assert_eq!(s.reason, "managed_by_platform");
        }
    }

    #[test]
    fn public_ips_bastion_and_nat_gateway_are_wired_by_reference() {
        let g = gen_with(vec![]);
        let pip = block(&g, "azurerm_public_ip", "pip-bas-contoso-dev");
        assert_eq!(
            pip.body.get("allocation_method"),
            Some(&Value::str("Static"))
        );
        assert_eq!(pip.body.get("sku"), Some(&Value::str("Standard")));
        assert_eq!(pip.body.get("ip_version"), Some(&Value::str("IPv4")));
        assert_eq!(
            pip.body.get("zones"),
            Some(&Value::str_list(["1", "2", "3"]))
        );

        let bas = block(&g, "azurerm_bastion_host", "bas-contoso-dev");
        assert_eq!(bas.body.get("sku"), Some(&Value::str("Standard")));
        assert_eq!(bas.body.get("scale_units"), Some(&Value::Int(2)));
        let ipc = nested(bas, "ip_configuration");
        assert_eq!(ipc.len(), 1);
        assert_eq!(
            ipc[0].body.get("subnet_id"),
            Some(&r(
                "azurerm_subnet.vnet_contoso_dev_eus_azurebastionsubnet.id"
            ))
        );
        assert_eq!(
            ipc[0].body.get("public_ip_address_id"),
            Some(&r(&format!("{}.id", pip.address().unwrap())))
        );

        let ng = block(&g, "azurerm_nat_gateway", "ng-contoso-dev-eus");
        assert_eq!(ng.body.get("sku_name"), Some(&Value::str("Standard")));
        assert_eq!(ng.body.get("idle_timeout_in_minutes"), Some(&Value::Int(5)));
        let ng_pip = block(&g, "azurerm_public_ip", "pip-ng-contoso-dev-eus");
        assert!(g.document.blocks().any(|b| {
            b.labels.first().map(String::as_str)
                == Some("azurerm_nat_gateway_public_ip_association")
                && b.body.get("nat_gateway_id")
                    == Some(&r(&format!("{}.id", ng.address().unwrap())))
                && b.body.get("public_ip_address_id")
                    == Some(&r(&format!("{}.id", ng_pip.address().unwrap())))
        }));

        let rt = block(&g, "azurerm_route_table", "rt-contoso-dev-app");
        assert_eq!(
            rt.body.get("bgp_route_propagation_enabled"),
            Some(&Value::Bool(true))
        );
        let routes = nested(rt, "route");
        assert_eq!(routes.len(), 1);
        assert_eq!(
            routes[0].body.get("next_hop_type"),
            Some(&Value::str("VirtualNetworkGateway"))
        );
        assert_eq!(
            routes[0].body.get("next_hop_in_ip_address"),
            Some(&Value::Null)
        );

        for zone in [
            "privatelink.blob.core.windows.net",
            "privatelink.vaultcore.azure.net",
            "contoso-dev.private.postgres.database.azure.com",
        ] {
            block(&g, "azurerm_private_dns_zone", zone);
        }
    }

    #[test]
    fn load_balancer_rules_reference_pools_and_probes_by_address() {
        let g = gen_with(vec![]);
        let lb = block(&g, "azurerm_lb", "lbi-contoso-dev-web");
        let lb_id = r(&format!("{}.id", lb.address().unwrap()));
        let fe = nested(lb, "frontend_ip_configuration");
        assert_eq!(fe.len(), 1);
        assert_eq!(fe[0].body.get("name"), Some(&Value::str("fe-web")));
        assert_eq!(
            fe[0].body.get("subnet_id"),
            Some(&r("azurerm_subnet.vnet_contoso_dev_eus_snet_web.id"))
        );
        let pool = block(&g, "azurerm_lb_backend_address_pool", "be-web");
        let probe = block(&g, "azurerm_lb_probe", "probe-http");
        let rule = block(&g, "azurerm_lb_rule", "rule-http");
        let nat = block(&g, "azurerm_lb_nat_rule", "nat-rdp-win01");
        for b in [pool, probe, rule, nat] {
            assert_eq!(b.body.get("loadbalancer_id"), Some(&lb_id));
        }
        assert_eq!(probe.body.get("port"), Some(&Value::Int(80)));
        assert_eq!(
            rule.body.get("frontend_ip_configuration_name"),
            Some(&Value::str("fe-web"))
        );
        assert_eq!(
            rule.body.get("backend_address_pool_ids"),
            Some(&Value::List(vec![r(&format!(
                "{}.id",
                pool.address().unwrap()
            ))]))
        );
        assert_eq!(
            rule.body.get("probe_id"),
            Some(&r(&format!("{}.id", probe.address().unwrap())))
        );
        assert_eq!(nat.body.get("frontend_port"), Some(&Value::Int(3389)));
    }

    #[test]
    fn private_endpoints_reference_their_target_or_are_skipped() {
        let partner = "/subscriptions/85a7ccd2-0419-447b-8831-0407844c188d/resourceGroups/rg-partner-analytics/providers/Microsoft.Synapse/workspaces/syn-partner-analytics";
        let pe = |name: &str, target: &str| {
            json!({
                "id": format!("{NET}/privateEndpoints/{name}"),
                "name": name,
                "type": "microsoft.network/privateendpoints",
                "location": "eastus",
                "resourceGroup": "rg-network",
                "properties": {
                    "subnet": {"id": format!("{NET}/virtualNetworks/vnet-contoso-dev-eus/subnets/snet-pe")},
                    "privateLinkServiceConnections": [{
                        "name": name,
                        "properties": {"privateLinkServiceId": target, "groupIds": ["x"]}
                    }],
                    "manualPrivateLinkServiceConnections": []
                }
            })
        };
        // The emitter does not check what kind of resource the target is, so an
        // emitted network resource stands in for a private link target.
        let local_target = format!("{NET}/loadBalancers/lbi-contoso-dev-web");
        let g = gen_with(vec![
            pe("pe-partner", partner),
            pe("pe-local", &local_target),
        ]);

        let s = skip_of(&g, "pe-partner").expect("dangling target skips the endpoint");
        assert_eq!(s.reason, "reference_outside_set");
        assert!(s.detail.contains("syn-partner-analytics"), "{}", s.detail);
        assert!(!network_text(&g).contains("85a7ccd2"));

        let local = block(&g, "azurerm_private_endpoint", "pe-local");
        assert_eq!(
            local.body.get("subnet_id"),
            Some(&r("azurerm_subnet.vnet_contoso_dev_eus_snet_pe.id"))
        );
        let sc = nested(local, "private_service_connection");
        assert_eq!(sc.len(), 1);
        assert_eq!(
            sc[0].body.get("private_connection_resource_id"),
            Some(&r("azurerm_lb.lbi_contoso_dev_web.id"))
        );
        assert_eq!(
            sc[0].body.get("is_manual_connection"),
            Some(&Value::Bool(false))
        );

        // The fixture's endpoints: a reference when their target is emitted
        // (by another service's emitter), else a reasoned skip.
        for (name, target) in [
            (
                "pe-stcontosodev-blob",
                format!(
                    "{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stcontosodev"
                ),
            ),
            (
                "pe-kv-contoso-dev",
                format!(
                    "{SUB}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-contoso-dev"
                ),
            ),
        ] {
            match address_of(&g, &target) {
                Some(addr) => {
                    let b = block(&g, "azurerm_private_endpoint", name);
                    let sc = nested(b, "private_service_connection");
                    assert_eq!(
                        sc[0].body.get("private_connection_resource_id"),
                        Some(&r(&format!("{addr}.id")))
                    );
                    assert_eq!(
                        sc[0].body.get("request_message"),
                        None,
                        "only manual connections carry a request message"
                    );
                }
                None => {
                    let s = skip_of(&g, name).expect("skipped when its target is not emitted");
                    assert_eq!(s.reason, "reference_outside_set");
                }
            }
        }
    }

    #[test]
    fn network_output_never_carries_source_ids() {
        let g = gen_with(vec![]);
        let text = network_text(&g);
        assert!(
            !text.contains("50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab"),
            "source subscription leaked"
        );
        assert!(
            !text.contains("96b90620-b55a-4b3f-b364-b255040dae8d"),
            "source tenant leaked"
        );
        assert!(!text.to_ascii_lowercase().contains("/subscriptions/"));
    }

    fn nsg_with_rule(name: &str, rule: serde_json::Value) -> serde_json::Value {
        json!({
            "id": format!("{NET}/networkSecurityGroups/{name}"),
            "name": name,
            "type": "Microsoft.Network/networkSecurityGroups",
            "location": "eastus",
            "resourceGroup": "rg-network",
            "properties": {"securityRules": [{"name": "r1", "properties": rule}]}
        })
    }

    #[test]
    fn nsg_plural_ranges_and_application_security_groups() {
        let asg = format!("{NET}/applicationSecurityGroups/asg-web");
        let g = gen_with(vec![
            json!({
                "id": asg, "name": "asg-web", "location": "eastus", "resourceGroup": "rg-network",
                "type": "microsoft.network/applicationsecuritygroups", "properties": {}
            }),
            nsg_with_rule(
                "nsg-plural",
                json!({
                    "protocol": "TCP", "access": "Deny", "direction": "Outbound", "priority": 200,
                    "sourcePortRange": "*",
                    "destinationPortRange": "", "destinationPortRanges": ["80", "443-445"],
                    "sourceAddressPrefixes": ["10.0.0.0/8", "192.168.0.0/16"],
                    "destinationApplicationSecurityGroups": [{"id": asg}]
                }),
            ),
            json!({
                "id": format!("{NET}/networkInterfaces/nic-asg"), "name": "nic-asg",
                "location": "eastus", "resourceGroup": "rg-network",
                "type": "microsoft.network/networkinterfaces",
                "properties": {"ipConfigurations": [{
                    "name": "ipconfig1",
                    "properties": {
                        "privateIPAllocationMethod": "Static",
                        "privateIPAddress": "10.10.1.10",
                        "subnet": {"id": format!("{NET}/virtualNetworks/vnet-contoso-dev-eus/subnets/snet-app")},
                        "applicationSecurityGroups": [{"id": asg}, {"id": format!("{NET}/applicationSecurityGroups/gone")}]
                    }
                }]}
            }),
            nsg_with_rule(
                "nsg-missing-asg",
                json!({
                    "protocol": "Tcp", "access": "Allow", "direction": "Inbound", "priority": 300,
                    "sourcePortRange": "*", "destinationPortRange": "22",
                    "sourceApplicationSecurityGroups": [{"id": format!("{NET}/applicationSecurityGroups/gone")}]
                }),
            ),
            nsg_with_rule(
                "nsg-no-priority",
                json!({"protocol": "Tcp", "access": "Allow", "direction": "Inbound"}),
            ),
        ]);
        let asg_block = block(&g, "azurerm_application_security_group", "asg-web");
        let nsg = block(&g, "azurerm_network_security_group", "nsg-plural");
        let rule = &nested(nsg, "security_rule")[0].body;
        assert_eq!(rule.get("protocol"), Some(&Value::str("Tcp")));
        assert_eq!(rule.get("destination_port_range"), Some(&Value::Null));
        assert_eq!(
            rule.get("destination_port_ranges"),
            Some(&Value::str_list(["80", "443-445"]))
        );
        assert_eq!(rule.get("source_address_prefix"), Some(&Value::Null));
        assert_eq!(
            rule.get("source_address_prefixes"),
            Some(&Value::str_list(["10.0.0.0/8", "192.168.0.0/16"]))
        );
        assert_eq!(
            rule.get("destination_application_security_group_ids"),
            Some(&Value::List(vec![r(&format!(
                "{}.id",
                asg_block.address().unwrap()
            ))]))
        );
        let nic = block(&g, "azurerm_network_interface", "nic-asg");
        let ipc = &nested(nic, "ip_configuration")[0].body;
        assert_eq!(
            ipc.get("private_ip_address"),
            Some(&Value::str("10.10.1.10"))
        );
        let assoc: Vec<&Block> = g
            .document
            .blocks()
            .filter(|b| {
                b.labels.first().map(String::as_str)
                    == Some("azurerm_network_interface_application_security_group_association")
                    && b.body.get("network_interface_id")
                        == Some(&r(&format!("{}.id", nic.address().unwrap())))
            })
            .collect();
        assert_eq!(assoc.len(), 1, "only the emitted group is associated");
        assert_eq!(
            assoc[0].body.get("application_security_group_id"),
            Some(&r(&format!("{}.id", asg_block.address().unwrap())))
        );
        assert!(g.report.notes.iter().any(|n| n.subject.ends_with("nic-asg")
            && n.message.contains("applicationSecurityGroups/gone")));
        assert_eq!(
            skip_of(&g, "nsg-missing-asg").map(|s| s.reason.as_str()),
            Some("reference_outside_set")
        );
        let s = skip_of(&g, "nsg-no-priority").expect("skipped");
        assert_eq!(s.reason, "missing_required_value");
        assert!(s.detail.contains("priority"), "{}", s.detail);
    }

    #[test]
    fn private_dns_zone_links_reference_zone_and_network() {
        let zone = format!("{NET}/privateDnsZones/privatelink.blob.core.windows.net");
        let link = |name: &str, vnet: &str| {
            json!({
                "id": format!("{zone}/virtualNetworkLinks/{name}"),
                "name": name,
                "type": "microsoft.network/privatednszones/virtualnetworklinks",
                "location": "global",
                "resourceGroup": "rg-network",
                "properties": {
                    "virtualNetwork": {"id": vnet},
                    "registrationEnabled": false,
                    "resolutionPolicy": "NxDomainRedirect"
                }
            })
        };
        let g = gen_with(vec![
            link(
                "link-hub",
                &format!("{NET}/virtualNetworks/vnet-contoso-dev-eus"),
            ),
            link(
                "link-elsewhere",
                "/subscriptions/85a7ccd2-0419-447b-8831-0407844c188d/resourceGroups/x/providers/Microsoft.Network/virtualNetworks/v",
            ),
        ]);
        let b = block(
            &g,
            "azurerm_private_dns_zone_virtual_network_link",
            "link-hub",
        );
        assert_eq!(
            b.body.get("private_dns_zone_name"),
            Some(&r(
                "azurerm_private_dns_zone.privatelink_blob_core_windows_net.name"
            ))
        );
        assert_eq!(
            b.body.get("virtual_network_id"),
            Some(&r("azurerm_virtual_network.vnet_contoso_dev_eus.id"))
        );
        assert_eq!(
            b.body.get("registration_enabled"),
            Some(&Value::Bool(false))
        );
        assert_eq!(b.body.get("location"), None);
        assert_eq!(
            skip_of(&g, "link-elsewhere").map(|s| s.reason.as_str()),
            Some("reference_outside_set")
        );
    }

    #[test]
    fn edge_cases_skip_with_reasons_or_use_documented_defaults() {
        let rg = format!("{SUB}/resourceGroups/rg-edge/providers/Microsoft.Network");
        let g = gen_with(vec![
            json!({
                "id": format!("{rg}/networkInterfaces/nic-empty"), "name": "nic-empty",
                "type": "microsoft.network/networkinterfaces", "location": "eastus",
                "properties": {"ipConfigurations": []}
            }),
            json!({
                "id": format!("{rg}/publicIPAddresses/pip-noalloc"), "name": "pip-noalloc",
                "type": "microsoft.network/publicipaddresses", "location": "eastus",
                "sku": {"name": "Standard"},
                "properties": {"dnsSettings": {"domainNameLabel": "contoso-edge"}}
            }),
            json!({
                "id": format!("{rg}/routeTables/rt-bad"), "name": "rt-bad",
                "type": "microsoft.network/routetables", "location": "eastus",
                "properties": {"routes": [{"name": "r", "properties": {"addressPrefix": "0.0.0.0/0"}}]}
            }),
            json!({
                "id": format!("{rg}/dnszones/contoso.example"), "name": "contoso.example",
                "type": "microsoft.network/dnszones", "location": "global",
                "properties": {"zoneType": "Public"}
            }),
            json!({
                "id": format!("{SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_eastus"),
                "name": "NetworkWatcher_eastus",
                "type": "microsoft.network/networkwatchers", "location": "eastus", "properties": {}
            }),
            json!({
                "id": format!("{rg}/networkWatchers/nw-edge"), "name": "nw-edge",
                "type": "microsoft.network/networkwatchers", "location": "eastus", "properties": {}
            }),
        ]);
        let s = skip_of(&g, "nic-empty").expect("NIC without ip configurations is skipped");
        assert_eq!(s.reason, "missing_required_value");
        assert!(s.detail.contains("ipConfigurations"));

        let pip = block(&g, "azurerm_public_ip", "pip-noalloc");
        assert_eq!(
            pip.body.get("allocation_method"),
            Some(&Value::str("Static"))
        );
        assert_eq!(
            pip.body.get("domain_name_label"),
            Some(&Value::str("contoso-edge"))
        );
        assert!(
            g.report
                .notes
                .iter()
                .any(|n| n.subject.ends_with("pip-noalloc")
                    && n.message.contains("publicIPAllocationMethod"))
        );

        let s = skip_of(&g, "rt-bad").expect("route without next hop is skipped");
        assert!(s.detail.contains("nextHopType"), "{}", s.detail);

        let dns = block(&g, "azurerm_dns_zone", "contoso.example");
        assert_eq!(dns.body.get("location"), None);

        let s = skip_of(&g, "NetworkWatcher_eastus").expect("platform watcher is skipped");
        assert_eq!(s.reason, "managed_by_platform");
        block(&g, "azurerm_network_watcher", "nw-edge");
    }
}
