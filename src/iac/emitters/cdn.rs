//! Mappings for Azure Front Door (Standard/Premium) and classic CDN:
//! profiles (the SKU chooses which), Front Door endpoints, origin groups and
//! origins, and classic CDN endpoints.
//!
//! Routes, rule sets and custom domains (with their certificates and DNS
//! validation) are left to the generic fallback or to the user.

use super::spec::*;
use crate::iac::context::Skip;
use crate::model::Resource;

const FRONT_DOOR: &str = "azurerm_cdn_frontdoor_profile";
const CLASSIC: &str = "azurerm_cdn_profile";

/// The CDN mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new("microsoft.cdn/profiles", FRONT_DOOR, "cdn")
        .choose(select_profile, &[CLASSIC])
        .scope(Scope::Grouped)
        .args(&[
            arg(
                "sku_name",
                Src::R("sku/name"),
                Conv::Enum(&["Premium_AzureFrontDoor", "Standard_AzureFrontDoor"]),
            )
            .req()
            .when(When::Type(FRONT_DOOR)),
            n("response_timeout_seconds", "originResponseTimeoutSeconds")
                .when(When::Type(FRONT_DOOR)),
            arg("location", Src::Location, Conv::AsIs).when(When::Type(CLASSIC)),
            arg(
                "sku",
                Src::R("sku/name"),
                Conv::Enum(&[
                    "Standard_Akamai",
                    "Standard_ChinaCdn",
                    "Standard_Verizon",
                    "Standard_Microsoft",
                    "Premium_Verizon",
                ]),
            )
            .req()
            .when(When::Type(CLASSIC)),
        ])
        .hook(front_door_identity, &["identity"], &[]),
    Mapping::new(
        "microsoft.cdn/profiles/afdendpoints",
        "azurerm_cdn_frontdoor_endpoint",
        "cdn",
    )
    .scope(Scope::In("cdn_frontdoor_profile_id", "id", "Front Door profile"))
    .args(&[flag("enabled", "enabledState")])
    .notes(&[note(
        When::Always,
        "routes are not copied: add azurerm_cdn_frontdoor_route resources linking the endpoint to its origin groups",
    )]),
    Mapping::new(
        "microsoft.cdn/profiles/origingroups",
        "azurerm_cdn_frontdoor_origin_group",
        "cdn",
    )
    .scope(Scope::In("cdn_frontdoor_profile_id", "id", "Front Door profile"))
    .untagged()
    .args(&[
        arg(
            "session_affinity_enabled",
            Src::P("sessionAffinityState"),
            Conv::Enabled,
        ),
        n(
            "restore_traffic_time_to_healed_or_new_endpoint_in_minutes",
            "trafficRestorationTimeToHealedOrNewEndpointsInMinutes",
        ),
    ])
    .nests(&[
        blocks(
            "load_balancing",
            "loadBalancingSettings",
            Repeat::Always,
            &[
                n("sample_size", "sampleSize"),
                n("successful_samples_required", "successfulSamplesRequired"),
                n(
                    "additional_latency_in_milliseconds",
                    "additionalLatencyInMilliseconds",
                ),
            ],
        ),
        block(
            "health_probe",
            "healthProbeSettings",
            &[
                one_of("protocol", "probeProtocol", &["Http", "Https"]).key(),
                n("interval_in_seconds", "probeIntervalInSeconds").key(),
                s("path", "probePath"),
                one_of("request_type", "probeRequestType", &["GET", "HEAD"]),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.cdn/profiles/origingroups/origins",
        "azurerm_cdn_frontdoor_origin",
        "cdn",
    )
    .scope(Scope::In(
        "cdn_frontdoor_origin_group_id",
        "id",
        "Front Door origin group",
    ))
    .untagged()
    .args(&[
        s("host_name", "hostName").req(),
        b("certificate_name_check_enabled", "enforceCertificateNameCheck")
            .always(Lit::Bool(true)),
        flag("enabled", "enabledState"),
        n("http_port", "httpPort"),
        n("https_port", "httpsPort"),
        s("origin_host_header", "originHostHeader"),
        n("priority", "priority"),
        n("weight", "weight"),
    ]),
    Mapping::new("microsoft.cdn/profiles/endpoints", "azurerm_cdn_endpoint", "cdn")
        .scope(Scope::LocatedIn("profile_name", "name", "CDN profile"))
        .args(&[
            b("is_http_allowed", "isHttpAllowed"),
            b("is_https_allowed", "isHttpsAllowed"),
            b("is_compression_enabled", "isCompressionEnabled"),
            strs("content_types_to_compress", "contentTypesToCompress"),
            s("origin_host_header", "originHostHeader"),
            s("origin_path", "originPath"),
            s("probe_path", "probePath"),
            one_of(
                "optimization_type",
                "optimizationType",
                &[
                    "DynamicSiteAcceleration",
                    "GeneralMediaStreaming",
                    "GeneralWebDelivery",
                    "LargeFileDownload",
                    "VideoOnDemandMediaStreaming",
                ],
            ),
            one_of(
                "querystring_caching_behaviour",
                "queryStringCachingBehavior",
                &["BypassCaching", "IgnoreQueryString", "NotSet", "UseQueryString"],
            ),
        ])
        .nests(&[blocks(
            "origin",
            "origins",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                s("host_name", "properties/hostName").req(),
                n("http_port", "properties/httpPort"),
                n("https_port", "properties/httpsPort"),
            ],
        )]),
];

/// Front Door (Standard/Premium) SKUs make a Front Door profile; the others
/// a classic CDN profile.
fn select_profile(r: &Resource) -> Result<&'static str, Skip> {
    let sku = r
        .sku
        .get("name")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| Skip::missing("sku.name"))?;
    Ok(if sku.ends_with("_AzureFrontDoor") {
        FRONT_DOOR
    } else {
        CLASSIC
    })
}

/// Only Front Door profiles take a managed identity.
fn front_door_identity(
    r: &Resource,
    cx: &mut crate::iac::context::EmitCx,
    body: &mut crate::iac::doc::Body,
) -> Result<Vec<crate::iac::doc::Block>, Skip> {
    if cx.primary_type() == FRONT_DOOR
        && let Some(id) = super::common::identity_block(r, cx)
    {
        body.blocks.push(id);
    }
    Ok(Vec::new())
}
