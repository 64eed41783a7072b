//! Emitters for Microsoft.Network: virtual networks, subnets and their
//! associations, network security groups, NICs, public IPs, load balancers,
//! bastions, private endpoints, private DNS zones, route tables and NAT
//! gateways.

use super::Emitter;
use super::common::{
    id_at, items, last_segment, located, non_empty_strings, optional_ref, sku_str, str_at,
    str_list, zones,
};
use crate::iac::context::{EmitCx, Skip, SkipReason};
use crate::iac::doc::{Block, Body, Value};
use crate::model::Resource;
use serde_json::Value as Json;

/// The network emitters.
pub static EMITTERS: &[Emitter] = &[
    Emitter {
        arm_type: "microsoft.network/virtualnetworks",
        azurerm_types: &["azurerm_virtual_network"],
        group: "network",
        select: |_| Ok("azurerm_virtual_network"),
        emit: virtual_network,
    },
    Emitter {
        arm_type: "microsoft.network/virtualnetworks/subnets",
        azurerm_types: &[
            "azurerm_subnet",
            "azurerm_subnet_network_security_group_association",
            "azurerm_subnet_route_table_association",
            "azurerm_subnet_nat_gateway_association",
        ],
        group: "network",
        select: |_| Ok("azurerm_subnet"),
        emit: subnet,
    },
    Emitter {
        arm_type: "microsoft.network/networksecuritygroups",
        azurerm_types: &["azurerm_network_security_group"],
        group: "network",
        select: |_| Ok("azurerm_network_security_group"),
        emit: network_security_group,
    },
    Emitter {
        arm_type: "microsoft.network/networkinterfaces",
        azurerm_types: &[
            "azurerm_network_interface",
            "azurerm_network_interface_security_group_association",
            "azurerm_network_interface_application_security_group_association",
        ],
        group: "network",
        select: select_network_interface,
        emit: network_interface,
    },
    Emitter {
        arm_type: "microsoft.network/publicipaddresses",
        azurerm_types: &["azurerm_public_ip"],
        group: "network",
        select: |_| Ok("azurerm_public_ip"),
        emit: public_ip,
    },
    Emitter {
        arm_type: "microsoft.network/bastionhosts",
        azurerm_types: &["azurerm_bastion_host"],
        group: "network",
        select: |_| Ok("azurerm_bastion_host"),
        emit: bastion_host,
    },
    Emitter {
        arm_type: "microsoft.network/loadbalancers",
        azurerm_types: &[
            "azurerm_lb",
            "azurerm_lb_backend_address_pool",
            "azurerm_lb_probe",
            "azurerm_lb_rule",
            "azurerm_lb_nat_rule",
        ],
        group: "network",
        select: |_| Ok("azurerm_lb"),
        emit: load_balancer,
    },
    Emitter {
        arm_type: "microsoft.network/privateendpoints",
        azurerm_types: &["azurerm_private_endpoint"],
        group: "network",
        select: |_| Ok("azurerm_private_endpoint"),
        emit: private_endpoint,
    },
    Emitter {
        arm_type: "microsoft.network/privatednszones",
        azurerm_types: &["azurerm_private_dns_zone"],
        group: "network",
        select: |_| Ok("azurerm_private_dns_zone"),
        emit: private_dns_zone,
    },
    Emitter {
        arm_type: "microsoft.network/privatednszones/virtualnetworklinks",
        azurerm_types: &["azurerm_private_dns_zone_virtual_network_link"],
        group: "network",
        select: |_| Ok("azurerm_private_dns_zone_virtual_network_link"),
        emit: private_dns_zone_link,
    },
    Emitter {
        arm_type: "microsoft.network/routetables",
        azurerm_types: &["azurerm_route_table"],
        group: "network",
        select: |_| Ok("azurerm_route_table"),
        emit: route_table,
    },
    Emitter {
        arm_type: "microsoft.network/natgateways",
        azurerm_types: &[
            "azurerm_nat_gateway",
            "azurerm_nat_gateway_public_ip_association",
            "azurerm_nat_gateway_public_ip_prefix_association",
        ],
        group: "network",
        select: |_| Ok("azurerm_nat_gateway"),
        emit: nat_gateway,
    },
    Emitter {
        arm_type: "microsoft.network/applicationsecuritygroups",
        azurerm_types: &["azurerm_application_security_group"],
        group: "network",
        select: |_| Ok("azurerm_application_security_group"),
        emit: application_security_group,
    },
    Emitter {
        arm_type: "microsoft.network/dnszones",
        azurerm_types: &["azurerm_dns_zone"],
        group: "network",
        select: |_| Ok("azurerm_dns_zone"),
        emit: dns_zone,
    },
    Emitter {
        arm_type: "microsoft.network/networkwatchers",
        azurerm_types: &["azurerm_network_watcher"],
        group: "network",
        select: select_network_watcher,
        emit: network_watcher,
    },
];

fn virtual_network(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let prefixes = str_list(r, "addressSpace/addressPrefixes");
    if prefixes.is_empty() {
        return Err(Skip::missing("properties.addressSpace.addressPrefixes"));
    }
    let dns = str_list(r, "dhcpOptions/dnsServers");
    let body = located(r, cx)?
        .attr("address_space", Value::str_list(prefixes))
        .opt_attr(
            "dns_servers",
            (!dns.is_empty()).then(|| Value::str_list(dns)),
        )
        .opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

fn subnet(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let mut prefixes = str_list(r, "addressPrefixes");
    if prefixes.is_empty() {
        prefixes.extend(r.prop_str("addressPrefix").map(str::to_string));
    }
    if prefixes.is_empty() {
        return Err(Skip::missing("properties.addressPrefix"));
    }
    let vnet_id = crate::model::ResourceId::parse(&r.id)
        .ok()
        .and_then(|id| id.parent())
        .ok_or_else(|| Skip::missing("parent virtual network in id"))?;
    let mut body = Body::new()
        .attr("name", r.name.as_str())
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr(
            "virtual_network_name",
            cx.require_reference("virtual network", vnet_id.as_str(), "name")?,
        )
        .attr("address_prefixes", Value::str_list(prefixes));
    let endpoints: Vec<String> = r
        .prop("serviceEndpoints")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.get("service")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if !endpoints.is_empty() {
        body.set("service_endpoints", Value::str_list(endpoints));
    }
    if let Some(b) = r.prop("defaultOutboundAccess").and_then(Json::as_bool) {
        body.set("default_outbound_access_enabled", b);
    }
    if let Some(p) = r.prop_str("privateEndpointNetworkPolicies") {
        body.set("private_endpoint_network_policies", p);
    }
    if let Some(p) = r.prop_str("privateLinkServiceNetworkPolicies") {
        body.set(
            "private_link_service_network_policies_enabled",
            p.eq_ignore_ascii_case("Enabled"),
        );
    }
    for d in r
        .prop("delegations")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(service)) = (
            d.get("name").and_then(Json::as_str),
            d.pointer("/properties/serviceName").and_then(Json::as_str),
        ) else {
            continue;
        };
        let actions: Vec<String> = d
            .pointer("/properties/actions")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let mut sd = Body::new().attr("name", service);
        if !actions.is_empty() {
            sd.set("actions", Value::str_list(actions));
        }
        body = body.block(Block::nested(
            "delegation",
            Body::new()
                .attr("name", name)
                .block(Block::nested("service_delegation", sd)),
        ));
    }
    let subnet_ref = Value::reference(&cx.address(), "id");
    let mut blocks = vec![cx.resource(body)];
    let associations = [
        (
            "networkSecurityGroup/id",
            "network_security_group_id",
            "azurerm_subnet_network_security_group_association",
            "nsg",
        ),
        (
            "routeTable/id",
            "route_table_id",
            "azurerm_subnet_route_table_association",
            "route_table",
        ),
        (
            "natGateway/id",
            "nat_gateway_id",
            "azurerm_subnet_nat_gateway_association",
            "nat_gateway",
        ),
    ];
    for (path, arg, ty, suffix) in associations {
        let Some(target) = r.prop_str(path) else {
            continue;
        };
        match cx.reference(target, "id") {
            Some(v) => blocks.push(
                cx.secondary(
                    ty,
                    suffix,
                    Body::new()
                        .attr("subnet_id", subnet_ref.clone())
                        .attr(arg, v),
                ),
            ),
            None => cx.note(format!(
                "association to `{target}` omitted: it is not in the emitted set"
            )),
        }
    }
    Ok(blocks)
}

/// Canonical spelling of an NSG rule protocol as the provider validates it.
fn nsg_protocol(p: &str) -> String {
    ["*", "Tcp", "Udp", "Icmp", "Esp", "Ah"]
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(p))
        .unwrap_or(p)
        .to_string()
}

fn network_security_group(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let mut body = located(r, cx)?;
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
        // The schema allows one of `x` / `xs` per rule; take the plural when
        // the source has a non-empty list, else the singular. Every key is
        // written (null when unused): `security_rule` is an "attributes as
        // blocks" argument, which JSON syntax needs complete.
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
        body = body.block(Block::nested("security_rule", rb));
    }
    let body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
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

fn network_interface(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let configs = items(&r.properties, "/ipConfigurations");
    if configs.is_empty() {
        return Err(Skip::missing("properties.ipConfigurations"));
    }
    let mut body = located(r, cx)?;
    if let Some(b) = r
        .prop("enableAcceleratedNetworking")
        .and_then(Json::as_bool)
    {
        body.set("accelerated_networking_enabled", b);
    }
    if let Some(b) = r.prop("enableIPForwarding").and_then(Json::as_bool) {
        body.set("ip_forwarding_enabled", b);
    }
    let dns = non_empty_strings(&r.properties, "/dnsSettings/dnsServers");
    if !dns.is_empty() {
        body.set("dns_servers", Value::str_list(dns));
    }
    if let Some(l) = str_at(&r.properties, "/dnsSettings/internalDnsNameLabel") {
        body.set("internal_dns_name_label", l);
    }
    for (i, c) in configs.iter().enumerate() {
        let p = c.get("properties").unwrap_or(&Json::Null);
        let name = c
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| Skip::missing(&format!("properties.ipConfigurations[{i}].name")))?;
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
        let mut cb = Body::new().attr("name", name);
        if let Some(subnet) = id_at(p, "/subnet") {
            cb.set("subnet_id", cx.require_reference("subnet", subnet, "id")?);
        }
        cb.set("private_ip_address_allocation", allocation);
        if allocation == "Static"
            && let Some(ip) = str_at(p, "/privateIPAddress")
        {
            cb.set("private_ip_address", ip);
        }
        if let Some(v) = str_at(p, "/privateIPAddressVersion") {
            cb.set("private_ip_address_version", v);
        }
        if let Some(pip) = id_at(p, "/publicIPAddress")
            && let Some(v) = optional_ref(cx, "public_ip_address_id", pip)
        {
            cb.set("public_ip_address_id", v);
        }
        if let Some(b) = p.get("primary").and_then(Json::as_bool) {
            cb.set("primary", b);
        }
        if str_at(p, "/privateIPAddressPrefix").is_some()
            || p.get("privateIPAddressPrefixSize")
                .is_some_and(|v| !v.is_null())
        {
            cx.note(format!(
                "ip configuration `{name}`: the private IP prefix has no azurerm argument; a single dynamic address is configured instead"
            ));
        }
        body = body.block(Block::nested("ip_configuration", cb));
    }
    let body = body.opt_attr("tags", cx.tags());
    let nic_ref = Value::reference(&cx.address(), "id");
    let mut blocks = vec![cx.resource(body)];
    if let Some(nsg) = id_at(&r.properties, "/networkSecurityGroup") {
        match cx.reference(nsg, "id") {
            Some(v) => blocks.push(
                cx.secondary(
                    "azurerm_network_interface_security_group_association",
                    "nsg",
                    Body::new()
                        .attr("network_interface_id", nic_ref)
                        .attr("network_security_group_id", v),
                ),
            ),
            None => cx.note(format!(
                "association to `{nsg}` omitted: it is not in the emitted set"
            )),
        }
    }
    // Application security groups are set per IP configuration in ARM but
    // associated per NIC in azurerm: one association per distinct group.
    let mut asgs: Vec<&str> = Vec::new();
    for c in configs {
        for g in items(c, "/properties/applicationSecurityGroups") {
            if let Some(id) = g.get("id").and_then(Json::as_str)
                && !asgs.iter().any(|a| a.eq_ignore_ascii_case(id))
            {
                asgs.push(id);
            }
        }
    }
    for id in asgs {
        match cx.reference(id, "id") {
            Some(v) => blocks.push(
                cx.secondary(
                    "azurerm_network_interface_application_security_group_association",
                    &format!("asg_{}", last_segment(id)),
                    Body::new()
                        .attr(
                            "network_interface_id",
                            Value::reference(&cx.address(), "id"),
                        )
                        .attr("application_security_group_id", v),
                ),
            ),
            None => cx.note(format!(
                "association to `{id}` omitted: it is not in the emitted set"
            )),
        }
    }
    Ok(blocks)
}

/// Sets `sku` (noting that Basic `what` are retired) and `sku_tier` from the
/// source SKU, each when present.
fn sku_and_tier(r: &Resource, cx: &mut EmitCx, body: &mut Body, what: &str) {
    if let Some(s) = sku_str(r, "name") {
        body.set("sku", s);
        if s.eq_ignore_ascii_case("basic") {
            cx.note(format!(
                "Basic SKU {what} are retired by Azure; creating one may be refused"
            ));
        }
    }
    if let Some(t) = sku_str(r, "tier") {
        body.set("sku_tier", t);
    }
}

fn public_ip(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let mut body = located(r, cx)?;
    let sku = sku_str(r, "name");
    let allocation = match r.prop_str("publicIPAllocationMethod") {
        Some(a) if a.eq_ignore_ascii_case("static") => "Static",
        Some(_) => "Dynamic",
        None if sku.is_some_and(|s| s.eq_ignore_ascii_case("standard")) => {
            cx.note(
                "no `publicIPAllocationMethod`: `Static`, the only method a Standard SKU allows",
            );
            "Static"
        }
        None => {
            cx.note("no `publicIPAllocationMethod`: using the Azure default `Dynamic`");
            "Dynamic"
        }
    };
    body.set("allocation_method", allocation);
    sku_and_tier(r, cx, &mut body, "public IPs");
    if let Some(z) = zones(r) {
        body.set("zones", z);
    }
    if let Some(v) = r.prop_str("publicIPAddressVersion") {
        body.set("ip_version", v);
    }
    if let Some(n) = r.prop("idleTimeoutInMinutes").and_then(Json::as_i64) {
        body.set("idle_timeout_in_minutes", n);
    }
    if let Some(l) = r.prop_str("dnsSettings/domainNameLabel") {
        body.set("domain_name_label", l);
    }
    if let Some(s) = r.prop_str("dnsSettings/domainNameLabelScope") {
        body.set("domain_name_label_scope", s);
    }
    if let Some(f) = r.prop_str("dnsSettings/reverseFqdn") {
        body.set("reverse_fqdn", f);
    }
    if let Some(m) = r.prop_str("ddosSettings/protectionMode") {
        body.set("ddos_protection_mode", m);
    }
    if let Some(plan) = id_at(&r.properties, "/ddosSettings/ddosProtectionPlan")
        && let Some(v) = optional_ref(cx, "ddos_protection_plan_id", plan)
    {
        body.set("ddos_protection_plan_id", v);
    }
    if let Some(prefix) = id_at(&r.properties, "/publicIPPrefix")
        && let Some(v) = optional_ref(cx, "public_ip_prefix_id", prefix)
    {
        body.set("public_ip_prefix_id", v);
    }
    let tags: std::collections::BTreeMap<String, Value> = items(&r.properties, "/ipTags")
        .iter()
        .filter_map(|t| {
            Some((
                str_at(t, "/ipTagType")?.to_string(),
                Value::str(str_at(t, "/tag")?),
            ))
        })
        .collect();
    if !tags.is_empty() {
        body.set("ip_tags", Value::Map(tags));
    }
    let body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

fn bastion_host(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let mut body = located(r, cx)?;
    let sku = sku_str(r, "name").unwrap_or("Basic");
    if sku_str(r, "name").is_none() {
        cx.note("no `sku.name`: using the Azure default `Basic`");
    }
    body.set("sku", sku);
    if sku.eq_ignore_ascii_case("developer") {
        let vnet = id_at(&r.properties, "/virtualNetwork")
            .ok_or_else(|| Skip::missing("properties.virtualNetwork"))?;
        body.set(
            "virtual_network_id",
            cx.require_reference("virtual network", vnet, "id")?,
        );
    } else {
        let configs = items(&r.properties, "/ipConfigurations");
        let c = configs
            .first()
            .ok_or_else(|| Skip::missing("properties.ipConfigurations"))?;
        let p = c.get("properties").unwrap_or(&Json::Null);
        let name = c
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| Skip::missing("properties.ipConfigurations[0].name"))?;
        let subnet = id_at(p, "/subnet")
            .ok_or_else(|| Skip::missing("properties.ipConfigurations[0].properties.subnet"))?;
        let mut cb = Body::new()
            .attr("name", name)
            .attr("subnet_id", cx.require_reference("subnet", subnet, "id")?);
        if let Some(pip) = id_at(p, "/publicIPAddress") {
            cb.set(
                "public_ip_address_id",
                cx.require_reference("public IP address", pip, "id")?,
            );
        }
        body = body.block(Block::nested("ip_configuration", cb));
    }
    if let Some(z) = zones(r) {
        body.set("zones", z);
    }
    if !sku.eq_ignore_ascii_case("basic")
        && !sku.eq_ignore_ascii_case("developer")
        && let Some(n) = r.prop("scaleUnits").and_then(Json::as_i64)
    {
        body.set("scale_units", n);
    }
    // Feature flags: only non-default values, since several are refused on
    // lower SKUs even when false.
    if r.prop("disableCopyPaste").and_then(Json::as_bool) == Some(true) {
        body.set("copy_paste_enabled", false);
    }
    for (src, arg) in [
        ("enableFileCopy", "file_copy_enabled"),
        ("enableIpConnect", "ip_connect_enabled"),
        ("enableKerberos", "kerberos_enabled"),
        ("enableShareableLink", "shareable_link_enabled"),
        ("enableTunneling", "tunneling_enabled"),
        ("enableSessionRecording", "session_recording_enabled"),
    ] {
        if r.prop(src).and_then(Json::as_bool) == Some(true) {
            body.set(arg, true);
        }
    }
    let body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

/// The name of a load balancer sub-resource this load balancer owns, from
/// its ID (`.../loadBalancers/<lb>/<kind>/<name>`).
fn own_child<'j>(r: &Resource, id: &'j str, kind: &str) -> Option<&'j str> {
    let prefix = format!("{}/{}/", r.id.trim_end_matches('/'), kind);
    (id.len() > prefix.len() && id[..prefix.len()].eq_ignore_ascii_case(&prefix))
        .then(|| last_segment(id))
}

fn load_balancer(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let mut body = located(r, cx)?;
    sku_and_tier(r, cx, &mut body, "load balancers");
    for (i, fe) in items(&r.properties, "/frontendIPConfigurations")
        .iter()
        .enumerate()
    {
        let p = fe.get("properties").unwrap_or(&Json::Null);
        let name = fe.get("name").and_then(Json::as_str).ok_or_else(|| {
            Skip::missing(&format!("properties.frontendIPConfigurations[{i}].name"))
        })?;
        let mut fb = Body::new().attr("name", name);
        if let Some(subnet) = id_at(p, "/subnet") {
            fb.set("subnet_id", cx.require_reference("subnet", subnet, "id")?);
            let allocation = match str_at(p, "/privateIPAllocationMethod") {
                Some(a) if a.eq_ignore_ascii_case("static") => "Static",
                _ => "Dynamic",
            };
            fb.set("private_ip_address_allocation", allocation);
            if allocation == "Static"
                && let Some(ip) = str_at(p, "/privateIPAddress")
            {
                fb.set("private_ip_address", ip);
            }
            if let Some(v) = str_at(p, "/privateIPAddressVersion") {
                fb.set("private_ip_address_version", v);
            }
        }
        if let Some(pip) = id_at(p, "/publicIPAddress") {
            fb.set(
                "public_ip_address_id",
                cx.require_reference("public IP address", pip, "id")?,
            );
        }
        if let Some(prefix) = id_at(p, "/publicIPPrefix") {
            fb.set(
                "public_ip_prefix_id",
                cx.require_reference("public IP prefix", prefix, "id")?,
            );
        }
        let z = non_empty_strings(fe, "/zones");
        if !z.is_empty() {
            fb.set("zones", Value::str_list(z));
        }
        body = body.block(Block::nested("frontend_ip_configuration", fb));
    }
    let body = body.opt_attr("tags", cx.tags());
    let lb_id = Value::reference(&cx.address(), "id");
    let mut blocks = vec![cx.resource(body)];

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

fn private_endpoint(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let subnet =
        id_at(&r.properties, "/subnet").ok_or_else(|| Skip::missing("properties.subnet"))?;
    let mut body = located(r, cx)?;
    body.set("subnet_id", cx.require_reference("subnet", subnet, "id")?);
    if let Some(n) = r.prop_str("customNetworkInterfaceName") {
        body.set("custom_network_interface_name", n);
    }
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
    body = body.block(Block::nested("private_service_connection", sc));
    for c in items(&r.properties, "/ipConfigurations") {
        let p = c.get("properties").unwrap_or(&Json::Null);
        let (Some(name), Some(ip)) = (
            c.get("name").and_then(Json::as_str),
            str_at(p, "/privateIPAddress"),
        ) else {
            continue;
        };
        let mut ib = Body::new()
            .attr("name", name)
            .attr("private_ip_address", ip);
        if let Some(g) = str_at(p, "/groupId") {
            ib.set("subresource_name", g);
        }
        if let Some(m) = str_at(p, "/memberName") {
            ib.set("member_name", m);
        }
        body = body.block(Block::nested("ip_configuration", ib));
    }
    let body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

fn private_dns_zone(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let body = Body::new()
        .attr("name", r.name.as_str())
        .attr("resource_group_name", cx.resource_group_name()?)
        .opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

fn private_dns_zone_link(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let zone_id = crate::model::ResourceId::parse(&r.id)
        .ok()
        .and_then(|id| id.parent())
        .ok_or_else(|| Skip::missing("parent private DNS zone in id"))?;
    let vnet = id_at(&r.properties, "/virtualNetwork")
        .ok_or_else(|| Skip::missing("properties.virtualNetwork"))?;
    let mut body = Body::new()
        .attr("name", r.name.as_str())
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr(
            "private_dns_zone_name",
            cx.require_reference("private DNS zone", zone_id.as_str(), "name")?,
        )
        .attr(
            "virtual_network_id",
            cx.require_reference("virtual network", vnet, "id")?,
        );
    if let Some(b) = r.prop("registrationEnabled").and_then(Json::as_bool) {
        body.set("registration_enabled", b);
    }
    if let Some(p) = r.prop_str("resolutionPolicy") {
        body.set("resolution_policy", p);
    }
    let body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

fn route_table(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let mut body = located(r, cx)?;
    if let Some(b) = r.prop("disableBgpRoutePropagation").and_then(Json::as_bool) {
        body.set("bgp_route_propagation_enabled", !b);
    }
    for (i, route) in items(&r.properties, "/routes").iter().enumerate() {
        let p = route.get("properties").unwrap_or(&Json::Null);
        let at = |f: &str| format!("properties.routes[{i}].{f}");
        let name = route
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| Skip::missing(&at("name")))?;
        let prefix = str_at(p, "/addressPrefix")
            .ok_or_else(|| Skip::missing(&at("properties.addressPrefix")))?;
        let hop = str_at(p, "/nextHopType")
            .ok_or_else(|| Skip::missing(&at("properties.nextHopType")))?;
        // `route` is an "attributes as blocks" argument: every key is
        // written, null when unused, so JSON syntax accepts it too.
        body = body.block(Block::nested(
            "route",
            Body::new()
                .attr("name", name)
                .attr("address_prefix", prefix)
                .attr("next_hop_type", hop)
                .attr(
                    "next_hop_in_ip_address",
                    str_at(p, "/nextHopIpAddress").map_or(Value::Null, Value::str),
                ),
        ));
    }
    let body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

fn nat_gateway(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let mut body = located(r, cx)?;
    if let Some(s) = sku_str(r, "name") {
        body.set("sku_name", s);
    }
    if let Some(n) = r.prop("idleTimeoutInMinutes").and_then(Json::as_i64) {
        body.set("idle_timeout_in_minutes", n);
    }
    if let Some(z) = zones(r) {
        body.set("zones", z);
    }
    let body = body.opt_attr("tags", cx.tags());
    let ng_ref = Value::reference(&cx.address(), "id");
    let mut blocks = vec![cx.resource(body)];
    for (src, ty, arg, what) in [
        (
            "/publicIpAddresses",
            "azurerm_nat_gateway_public_ip_association",
            "public_ip_address_id",
            "pip",
        ),
        (
            "/publicIpPrefixes",
            "azurerm_nat_gateway_public_ip_prefix_association",
            "public_ip_prefix_id",
            "prefix",
        ),
    ] {
        for item in items(&r.properties, src) {
            let Some(id) = item.get("id").and_then(Json::as_str) else {
                continue;
            };
            match cx.reference(id, "id") {
                Some(v) => blocks.push(
                    cx.secondary(
                        ty,
                        &format!("{what}_{}", last_segment(id)),
                        Body::new()
                            .attr("nat_gateway_id", ng_ref.clone())
                            .attr(arg, v),
                    ),
                ),
                None => cx.note(format!(
                    "association to `{id}` omitted: it is not in the emitted set"
                )),
            }
        }
    }
    Ok(blocks)
}

fn application_security_group(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let body = located(r, cx)?.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

fn dns_zone(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
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
    let body = Body::new()
        .attr("name", r.name.as_str())
        .attr("resource_group_name", cx.resource_group_name()?)
        .opt_attr("tags", cx.tags());
    cx.note("name servers are assigned by Azure: delegate the zone to the new `name_servers`");
    Ok(vec![cx.resource(body)])
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

fn network_watcher(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let body = located(r, cx)?.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
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
