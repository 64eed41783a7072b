//! Mappings for DNS: record sets of public DNS zones (`dnszones/A`, …) and
//! of private DNS zones (`privateDnsZones/A`, …), and private DNS resolvers
//! with their inbound endpoints. The zones themselves are in `network`.
//!
//! The apex NS and SOA record sets are created by Azure with the zone and
//! are not emitted; a record set that aliases an Azure resource
//! (`targetResource`) references it when it is emitted.

use super::interpret::collect;
use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::Value;
use crate::model::Resource;
use serde_json::Value as Json;

/// A record set of a public zone: `zone_name` from its parent, `ttl` from `TTL`.
const fn public(arm: &'static str, azurerm: &'static str) -> Mapping {
    Mapping::new(arm, azurerm, "dns")
        .scope(Scope::GroupedIn("zone_name", "name", "DNS zone"))
        .label(record_label)
}

/// A record set of a private zone: `zone_name` from its parent, `ttl` from `ttl`.
const fn private(arm: &'static str, azurerm: &'static str) -> Mapping {
    Mapping::new(arm, azurerm, "dns")
        .scope(Scope::GroupedIn("zone_name", "name", "private DNS zone"))
        .label(record_label)
}

const TTL: Arg = n("ttl", "TTL").req();
const PRIVATE_TTL: Arg = n("ttl", "ttl").req();
const ALIAS: Arg = reference(
    "target_resource_id",
    "targetResource/id",
    "id",
    "alias target",
)
.strict();

/// The DNS mappings.
pub static MAPPINGS: &[Mapping] = &[
    public("microsoft.network/dnszones/a", "azurerm_dns_a_record").args(&[
        TTL,
        arg("records", Src::All("ARecords/*/ipv4Address"), Conv::Str),
        ALIAS,
    ]),
    public("microsoft.network/dnszones/aaaa", "azurerm_dns_aaaa_record").args(&[
        TTL,
        arg("records", Src::All("AAAARecords/*/ipv6Address"), Conv::Str),
        ALIAS,
    ]),
    public(
        "microsoft.network/dnszones/cname",
        "azurerm_dns_cname_record",
    )
    .args(&[TTL, s("record", "CNAMERecord/cname"), ALIAS]),
    public("microsoft.network/dnszones/mx", "azurerm_dns_mx_record")
        .args(&[TTL])
        .nests(&[blocks(
            "record",
            "MXRecords",
            Repeat::EachRequired,
            &[
                s("preference", "preference").req(),
                s("exchange", "exchange").req(),
            ],
        )]),
    public("microsoft.network/dnszones/txt", "azurerm_dns_txt_record")
        .args(&[TTL])
        .nests(&[blocks(
            "record",
            "TXTRecords",
            Repeat::EachRequired,
            &[compute("value", txt_value).req()],
        )]),
    public("microsoft.network/dnszones/ns", "azurerm_dns_ns_record")
        .choose(select_ns, &[])
        .args(&[
            TTL,
            arg("records", Src::All("NSRecords/*/nsdname"), Conv::Str).req(),
        ]),
    public("microsoft.network/dnszones/srv", "azurerm_dns_srv_record")
        .args(&[TTL])
        .nests(&[blocks("record", "SRVRecords", Repeat::EachRequired, SRV)]),
    public("microsoft.network/dnszones/caa", "azurerm_dns_caa_record")
        .args(&[TTL])
        .nests(&[blocks(
            "record",
            "CAARecords",
            Repeat::EachRequired,
            &[
                n("flags", "flags").req(),
                one_of(
                    "tag",
                    "tag",
                    &["issue", "issuewild", "iodef", "contactemail"],
                )
                .req(),
                s("value", "value").req(),
            ],
        )]),
    public("microsoft.network/dnszones/ptr", "azurerm_dns_ptr_record").args(&[
        TTL,
        arg("records", Src::All("PTRRecords/*/ptrdname"), Conv::Str).req(),
    ]),
    private(
        "microsoft.network/privatednszones/a",
        "azurerm_private_dns_a_record",
    )
    .args(&[
        PRIVATE_TTL,
        arg("records", Src::All("aRecords/*/ipv4Address"), Conv::Str).req(),
    ]),
    private(
        "microsoft.network/privatednszones/aaaa",
        "azurerm_private_dns_aaaa_record",
    )
    .args(&[
        PRIVATE_TTL,
        arg("records", Src::All("aaaaRecords/*/ipv6Address"), Conv::Str).req(),
    ]),
    private(
        "microsoft.network/privatednszones/cname",
        "azurerm_private_dns_cname_record",
    )
    .args(&[PRIVATE_TTL, s("record", "cnameRecord/cname").req()]),
    private(
        "microsoft.network/privatednszones/mx",
        "azurerm_private_dns_mx_record",
    )
    .args(&[PRIVATE_TTL])
    .nests(&[blocks(
        "record",
        "mxRecords",
        Repeat::EachRequired,
        &[
            n("preference", "preference").req(),
            s("exchange", "exchange").req(),
        ],
    )]),
    private(
        "microsoft.network/privatednszones/txt",
        "azurerm_private_dns_txt_record",
    )
    .args(&[PRIVATE_TTL])
    .nests(&[blocks(
        "record",
        "txtRecords",
        Repeat::EachRequired,
        &[compute("value", txt_value).req()],
    )]),
    private(
        "microsoft.network/privatednszones/srv",
        "azurerm_private_dns_srv_record",
    )
    .args(&[PRIVATE_TTL])
    .nests(&[blocks("record", "srvRecords", Repeat::EachRequired, SRV)]),
    private(
        "microsoft.network/privatednszones/ptr",
        "azurerm_private_dns_ptr_record",
    )
    .args(&[
        PRIVATE_TTL,
        arg("records", Src::All("ptrRecords/*/ptrdname"), Conv::Str).req(),
    ]),
    Mapping::new(
        "microsoft.network/dnsresolvers",
        "azurerm_private_dns_resolver",
        "dns",
    )
    .args(&[reference(
        "virtual_network_id",
        "virtualNetwork/id",
        "id",
        "virtual network",
    )
    .req()]),
    Mapping::new(
        "microsoft.network/dnsresolvers/inboundendpoints",
        "azurerm_private_dns_resolver_inbound_endpoint",
        "dns",
    )
    .scope(Scope::PlacedIn(
        "private_dns_resolver_id",
        "id",
        "private DNS resolver",
    ))
    .nests(&[blocks(
        "ip_configurations",
        "ipConfigurations/0",
        Repeat::Required,
        &[
            reference("subnet_id", "subnet/id", "id", "subnet").req(),
            one_of(
                "private_ip_allocation_method",
                "privateIpAllocationMethod",
                &["Dynamic", "Static"],
            ),
            s("private_ip_address", "privateIpAddress")
                .when(When::Is(Src::P("privateIpAllocationMethod"), &["Static"])),
        ],
    )]),
];

const SRV: &[Arg] = &[
    n("priority", "priority").req(),
    n("weight", "weight").req(),
    n("port", "port").req(),
    s("target", "target").req(),
];

/// `<zone>_<type>_<record>`: record sets of different types share names
/// (`www` A and AAAA), so the type is part of the label.
fn record_label(r: &Resource) -> String {
    let mut parts: Vec<&str> = r.id.rsplit('/').take(3).collect();
    parts.reverse();
    let name = if parts.last() == Some(&"@") {
        "apex"
    } else {
        parts.last().copied().unwrap_or_default()
    };
    format!(
        "{}_{}_{}",
        parts.first().copied().unwrap_or_default(),
        parts.get(1).copied().unwrap_or_default(),
        name
    )
}

/// A TXT record's value: ARM splits long values into strings of up to 255
/// characters (`value: [..]`); azurerm takes the whole text.
fn txt_value(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let text: String = collect(at.here, "value/*")
        .into_iter()
        .filter_map(Json::as_str)
        .collect();
    Ok((!text.is_empty()).then_some(Value::Str(text)))
}

/// The apex NS record set is created and managed with the zone.
fn select_ns(r: &Resource) -> Result<&'static str, Skip> {
    if r.name == "@" {
        return Err(Skip::managed(
            "the zone's own name servers, created by Azure with the zone",
        ));
    }
    Ok("azurerm_dns_ns_record")
}
