//! Mappings for Application Gateway and web application firewall
//! policies: application gateways, their WAF policies, and Front Door WAF
//! policies.
//!
//! ARM links an application gateway's parts by sub-resource ID
//! (`…/applicationGateways/agw/frontendPorts/port-80`); azurerm links them
//! by name, so each link is the last segment of the ID. TLS certificates
//! are secrets ARM does not return: only those in a key vault carry over.

use super::spec::*;

const SECRETS_NOTE: Note = note(
    When::Has(Src::P("sslCertificates")),
    "TLS certificates are not returned by ARM: only certificates held in a key vault (`key_vault_secret_id`) carry over; upload the others in the target",
);

/// The application gateway and WAF policy mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.network/applicationgateways",
        "azurerm_application_gateway",
        "network",
    )
    .args(&[
        b("http2_enabled", "enableHttp2"),
        b("fips_enabled", "enableFips"),
        reference(
            "firewall_policy_id",
            "firewallPolicy/id",
            "id",
            "WAF policy",
        )
        .strict(),
        b(
            "force_firewall_policy_association",
            "forceFirewallPolicyAssociation",
        ),
        arg("zones", Src::Zones, Conv::AsIs),
    ])
    .nests(&[
        blocks(
            "sku",
            "sku",
            Repeat::Required,
            &[
                one_of(
                    "name",
                    "name",
                    &[
                        "Basic",
                        "Standard_Small",
                        "Standard_Medium",
                        "Standard_Large",
                        "Standard_v2",
                        "WAF_Large",
                        "WAF_Medium",
                        "WAF_v2",
                    ],
                )
                .req(),
                one_of(
                    "tier",
                    "tier",
                    &["Basic", "Standard", "Standard_v2", "WAF", "WAF_v2"],
                )
                .req(),
                n("capacity", "capacity")
                    .when(When::Lacks(Src::R("properties/autoscaleConfiguration"))),
            ],
        ),
        block(
            "autoscale_configuration",
            "autoscaleConfiguration",
            &[
                n("min_capacity", "minCapacity").key(),
                n("max_capacity", "maxCapacity"),
            ],
        ),
        blocks(
            "gateway_ip_configuration",
            "gatewayIPConfigurations",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                reference("subnet_id", "properties/subnet/id", "id", "gateway subnet").req(),
            ],
        ),
        blocks(
            "frontend_ip_configuration",
            "frontendIPConfigurations",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                reference(
                    "public_ip_address_id",
                    "properties/publicIPAddress/id",
                    "id",
                    "public IP address",
                )
                .strict(),
                reference("subnet_id", "properties/subnet/id", "id", "subnet").strict(),
                s("private_ip_address", "properties/privateIPAddress"),
                one_of(
                    "private_ip_address_allocation",
                    "properties/privateIPAllocationMethod",
                    &["Dynamic", "Static"],
                )
                .when(When::Has(Src::P("properties/subnet/id"))),
            ],
        ),
        blocks(
            "frontend_port",
            "frontendPorts",
            Repeat::EachRequired,
            &[s("name", "name").req(), n("port", "properties/port").req()],
        ),
        blocks(
            "backend_address_pool",
            "backendAddressPools",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                arg(
                    "fqdns",
                    Src::All("properties/backendAddresses/*/fqdn"),
                    Conv::Str,
                ),
                arg(
                    "ip_addresses",
                    Src::All("properties/backendAddresses/*/ipAddress"),
                    Conv::Str,
                ),
            ],
        ),
        blocks(
            "backend_http_settings",
            "backendHttpSettingsCollection",
            Repeat::Each,
            &[
                s("name", "name").req(),
                n("port", "properties/port").req(),
                one_of("protocol", "properties/protocol", &["Http", "Https"]).req(),
                one_of(
                    "cookie_based_affinity",
                    "properties/cookieBasedAffinity",
                    &["Disabled", "Enabled"],
                )
                .or(Lit::Str("Disabled")),
                s("affinity_cookie_name", "properties/affinityCookieName"),
                n("request_timeout", "properties/requestTimeout"),
                s("host_name", "properties/hostName"),
                s("path", "properties/path"),
                b(
                    "pick_host_name_from_backend_address",
                    "properties/pickHostNameFromBackendAddress",
                ),
                arg("probe_name", Src::LastOf("properties/probe/id"), Conv::Str),
            ],
        ),
        blocks(
            "http_listener",
            "httpListeners",
            Repeat::Each,
            &[
                s("name", "name").req(),
                arg(
                    "frontend_ip_configuration_name",
                    Src::LastOf("properties/frontendIPConfiguration/id"),
                    Conv::Str,
                )
                .req(),
                arg(
                    "frontend_port_name",
                    Src::LastOf("properties/frontendPort/id"),
                    Conv::Str,
                )
                .req(),
                one_of("protocol", "properties/protocol", &["Http", "Https"]).req(),
                s("host_name", "properties/hostName"),
                strs("host_names", "properties/hostNames"),
                b("require_sni", "properties/requireServerNameIndication"),
                arg(
                    "ssl_certificate_name",
                    Src::LastOf("properties/sslCertificate/id"),
                    Conv::Str,
                ),
            ],
        ),
        blocks(
            "request_routing_rule",
            "requestRoutingRules",
            Repeat::Each,
            &[
                s("name", "name").req(),
                one_of(
                    "rule_type",
                    "properties/ruleType",
                    &["Basic", "PathBasedRouting"],
                )
                .req(),
                n("priority", "properties/priority"),
                arg(
                    "http_listener_name",
                    Src::LastOf("properties/httpListener/id"),
                    Conv::Str,
                )
                .req(),
                arg(
                    "backend_address_pool_name",
                    Src::LastOf("properties/backendAddressPool/id"),
                    Conv::Str,
                ),
                arg(
                    "backend_http_settings_name",
                    Src::LastOf("properties/backendHttpSettings/id"),
                    Conv::Str,
                ),
                arg(
                    "redirect_configuration_name",
                    Src::LastOf("properties/redirectConfiguration/id"),
                    Conv::Str,
                ),
                arg(
                    "url_path_map_name",
                    Src::LastOf("properties/urlPathMap/id"),
                    Conv::Str,
                ),
            ],
        ),
        blocks(
            "probe",
            "probes",
            Repeat::Each,
            &[
                s("name", "name").req(),
                one_of(
                    "protocol",
                    "properties/protocol",
                    &["Http", "Https", "Tcp", "Tls"],
                )
                .req(),
                s("host", "properties/host"),
                s("path", "properties/path"),
                n("port", "properties/port"),
                n("interval", "properties/interval").req(),
                n("timeout", "properties/timeout").req(),
                n("unhealthy_threshold", "properties/unhealthyThreshold").req(),
                n("minimum_servers", "properties/minServers"),
                b(
                    "pick_host_name_from_backend_http_settings",
                    "properties/pickHostNameFromBackendHttpSettings",
                ),
            ],
        )
        .nests(&[block(
            "match",
            "properties/match",
            &[strs("status_code", "statusCodes").key(), s("body", "body")],
        )]),
        blocks(
            "redirect_configuration",
            "redirectConfigurations",
            Repeat::Each,
            &[
                s("name", "name").req(),
                one_of(
                    "redirect_type",
                    "properties/redirectType",
                    &["Permanent", "Temporary", "Found", "SeeOther"],
                )
                .req(),
                arg(
                    "target_listener_name",
                    Src::LastOf("properties/targetListener/id"),
                    Conv::Str,
                ),
                s("target_url", "properties/targetUrl"),
                b("include_path", "properties/includePath"),
                b("include_query_string", "properties/includeQueryString"),
            ],
        ),
        blocks(
            "ssl_certificate",
            "sslCertificates",
            Repeat::Each,
            &[
                s("name", "name").req(),
                s("key_vault_secret_id", "properties/keyVaultSecretId").key(),
            ],
        ),
        block(
            "ssl_policy",
            "sslPolicy",
            &[
                one_of(
                    "policy_type",
                    "policyType",
                    &["Custom", "CustomV2", "Predefined"],
                ),
                s("policy_name", "policyName"),
                one_of(
                    "min_protocol_version",
                    "minProtocolVersion",
                    &["TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3"],
                ),
            ],
        ),
    ])
    .identity()
    .notes(&[SECRETS_NOTE]),
    Mapping::new(
        "microsoft.network/applicationgatewaywebapplicationfirewallpolicies",
        "azurerm_web_application_firewall_policy",
        "network",
    )
    .nests(&[
        block(
            "policy_settings",
            "policySettings",
            &[
                arg("enabled", Src::P("state"), Conv::Enabled),
                one_of("mode", "mode", &["Prevention", "Detection"]),
                b("request_body_check", "requestBodyCheck"),
                n("max_request_body_size_in_kb", "maxRequestBodySizeInKb"),
                n("file_upload_limit_in_mb", "fileUploadLimitInMb"),
            ],
        ),
        blocks("managed_rules", "managedRules", Repeat::Required, &[]).nests(&[blocks(
            "managed_rule_set",
            "managedRuleSets",
            Repeat::EachRequired,
            &[
                one_of(
                    "type",
                    "ruleSetType",
                    &[
                        "OWASP",
                        "Microsoft_BotManagerRuleSet",
                        "Microsoft_DefaultRuleSet",
                    ],
                ),
                one_of(
                    "version",
                    "ruleSetVersion",
                    &[
                        "0.1", "1.0", "1.1", "2.1", "2.2", "2.2.9", "3.0", "3.1", "3.2",
                    ],
                )
                .req(),
            ],
        )]),
        blocks(
            "custom_rules",
            "customRules",
            Repeat::Each,
            &[
                s("name", "name"),
                n("priority", "priority").req(),
                one_of(
                    "rule_type",
                    "ruleType",
                    &["MatchRule", "RateLimitRule", "Invalid"],
                )
                .req(),
                one_of(
                    "action",
                    "action",
                    &["Allow", "Block", "Log", "JSChallenge"],
                )
                .req(),
                arg("enabled", Src::P("state"), Conv::Enabled),
            ],
        )
        .nests(&[blocks(
            "match_conditions",
            "matchConditions",
            Repeat::EachRequired,
            &[
                s("operator", "operator").req(),
                b("negation_condition", "negationConditon"),
                strs("match_values", "matchValues"),
            ],
        )
        .nests(&[blocks(
            "match_variables",
            "matchVariables",
            Repeat::EachRequired,
            &[
                one_of(
                    "variable_name",
                    "variableName",
                    &[
                        "RemoteAddr",
                        "RequestMethod",
                        "QueryString",
                        "PostArgs",
                        "RequestUri",
                        "RequestHeaders",
                        "RequestBody",
                        "RequestCookies",
                    ],
                )
                .req(),
                s("selector", "selector"),
            ],
        )])]),
    ]),
    Mapping::new(
        "microsoft.network/frontdoorwebapplicationfirewallpolicies",
        "azurerm_cdn_frontdoor_firewall_policy",
        "cdn",
    )
    .scope(Scope::Grouped)
    .args(&[
        arg(
            "sku_name",
            Src::R("sku/name"),
            Conv::Enum(&["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"]),
        )
        .req(),
        one_of("mode", "policySettings/mode", &["Detection", "Prevention"]).req(),
        arg(
            "enabled",
            Src::P("policySettings/enabledState"),
            Conv::Enabled,
        ),
        flag(
            "request_body_check_enabled",
            "policySettings/requestBodyCheck",
        ),
        s("redirect_url", "policySettings/redirectUrl"),
        n(
            "custom_block_response_status_code",
            "policySettings/customBlockResponseStatusCode",
        ),
    ])
    .nests(&[
        blocks(
            "custom_rule",
            "customRules/rules",
            Repeat::Each,
            &[
                s("name", "name").req(),
                one_of(
                    "action",
                    "action",
                    &[
                        "Allow",
                        "Block",
                        "Log",
                        "Redirect",
                        "JSChallenge",
                        "CAPTCHA",
                    ],
                )
                .req(),
                arg("enabled", Src::P("enabledState"), Conv::Enabled),
                n("priority", "priority"),
                one_of("type", "ruleType", &["MatchRule", "RateLimitRule"]).req(),
                n(
                    "rate_limit_duration_in_minutes",
                    "rateLimitDurationInMinutes",
                ),
                n("rate_limit_threshold", "rateLimitThreshold"),
            ],
        )
        .nests(&[blocks(
            "match_condition",
            "matchConditions",
            Repeat::Each,
            &[
                one_of(
                    "match_variable",
                    "matchVariable",
                    &[
                        "Cookies",
                        "PostArgs",
                        "QueryString",
                        "RemoteAddr",
                        "RequestBody",
                        "RequestHeader",
                        "RequestMethod",
                        "RequestUri",
                        "SocketAddr",
                    ],
                )
                .req(),
                s("operator", "operator").req(),
                b("negation_condition", "negateCondition"),
                s("selector", "selector"),
                strs("match_values", "matchValue").req(),
            ],
        )]),
        blocks(
            "managed_rule",
            "managedRules/managedRuleSets",
            Repeat::Each,
            &[
                s("type", "ruleSetType").req(),
                s("version", "ruleSetVersion").req(),
                one_of(
                    "action",
                    "ruleSetAction",
                    &["Allow", "Log", "Block", "Redirect"],
                )
                .or(Lit::Str("Block")),
            ],
        ),
    ]),
];
