//! Emitters for Microsoft.Network: virtual networks, subnets and their
//! associations, network security groups, NICs, public IPs, load balancers,
//! bastions, private endpoints, private DNS zones, route tables and NAT
//! gateways.

use super::Emitter;
use crate::iac::context::{EmitCx, Skip};
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
];

/// Strings of a JSON array at `path` below `properties`, skipping non-strings.
pub(crate) fn str_list(r: &Resource, path: &str) -> Vec<String> {
    r.prop(path)
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn virtual_network(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let prefixes = str_list(r, "addressSpace/addressPrefixes");
    if prefixes.is_empty() {
        return Err(Skip::missing("properties.addressSpace.addressPrefixes"));
    }
    let dns = str_list(r, "dhcpOptions/dnsServers");
    let body = Body::new()
        .attr("name", r.name.as_str())
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
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
