//! Mappings for Event Hubs and Service Bus: namespaces, event hubs, queues
//! and topics.
//!
//! Shared access keys are never copied; a customer-managed key is noted,
//! not carried over.

use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::Value;
use crate::iac::naming::NameRule;
use crate::model::Resource;

/// The namespace SKU: `sku.name`, else `sku.tier`.
const SKU: Src = Src::First(&[Src::R("sku/name"), Src::R("sku/tier")]);

/// The note every namespace gives when its source uses a customer-managed key.
const CMK_NOTE: Note = note(
    When::Is(Src::P("encryption/keySource"), &["Microsoft.KeyVault"]),
    "customer-managed key encryption not copied: it needs a key vault key in the target",
);

/// The namespace SKU.
const NAMESPACE_SKU: Arg = arg("sku", SKU, Conv::Enum(&["Basic", "Standard", "Premium"])).req();
/// Public network access of a namespace.
const PUBLIC_ACCESS: Arg = flag("public_network_access_enabled", "publicNetworkAccess");
/// Minimum TLS version of a namespace.
const MINIMUM_TLS: Arg = one_of(
    "minimum_tls_version",
    "minimumTlsVersion",
    &["1.0", "1.1", "1.2"],
);

/// Arguments queues and topics share.
macro_rules! entity_args {
    ($($extra:expr),* $(,)?) => {
        &[
            s("auto_delete_on_idle", "autoDeleteOnIdle"),
            s("default_message_ttl", "defaultMessageTimeToLive"),
            s(
                "duplicate_detection_history_time_window",
                "duplicateDetectionHistoryTimeWindow",
            ),
            b("batched_operations_enabled", "enableBatchedOperations"),
            b("express_enabled", "enableExpress"),
            b("partitioning_enabled", "enablePartitioning"),
            b("requires_duplicate_detection", "requiresDuplicateDetection"),
            n("max_size_in_megabytes", "maxSizeInMegabytes"),
            $($extra),*
        ]
    };
}

/// The messaging mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.eventhub/namespaces",
        "azurerm_eventhub_namespace",
        "messaging",
    )
    .name(Src::Unique(NameRule::NAMESPACE))
    .args(&[
        NAMESPACE_SKU,
        arg("capacity", Src::R("sku/capacity"), Conv::Int),
        b("auto_inflate_enabled", "isAutoInflateEnabled"),
        n("maximum_throughput_units", "maximumThroughputUnits").when(When::Fn(|at| {
            at.r.prop("isAutoInflateEnabled") == Some(&serde_json::Value::Bool(true))
                && at
                    .r
                    .sku
                    .get("name")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case("Standard"))
        })),
        not("local_authentication_enabled", "disableLocalAuth"),
        PUBLIC_ACCESS,
        MINIMUM_TLS,
    ])
    .identity()
    .notes(&[CMK_NOTE]),
    Mapping::new(
        "microsoft.eventhub/namespaces/eventhubs",
        "azurerm_eventhub",
        "messaging",
    )
    .scope(Scope::In("namespace_id", "id", "Event Hubs namespace"))
    .untagged()
    .args(&[
        n("partition_count", "partitionCount").req(),
        n("message_retention", "messageRetentionInDays"),
        one_of("status", "status", &["Active", "Disabled", "SendDisabled"]),
    ]),
    Mapping::new(
        "microsoft.servicebus/namespaces",
        "azurerm_servicebus_namespace",
        "messaging",
    )
    .name(Src::Unique(NameRule::NAMESPACE))
    .args(&[
        NAMESPACE_SKU,
        // Messaging units and partitions exist only in Premium.
        arg("capacity", Src::R("sku/capacity"), Conv::Int)
            .when(When::Is(Src::R("sku/name"), &["Premium"])),
        n("premium_messaging_partitions", "premiumMessagingPartitions")
            .when(When::Is(Src::R("sku/name"), &["Premium"])),
        not("local_auth_enabled", "disableLocalAuth"),
        PUBLIC_ACCESS,
        MINIMUM_TLS,
    ])
    .identity()
    .notes(&[CMK_NOTE]),
    Mapping::new(
        "microsoft.servicebus/namespaces/queues",
        "azurerm_servicebus_queue",
        "messaging",
    )
    .scope(Scope::In("namespace_id", "id", "Service Bus namespace"))
    .untagged()
    .args(entity_args![
        one_of(
            "status",
            "status",
            &[
                "Active",
                "Creating",
                "Deleting",
                "Disabled",
                "ReceiveDisabled",
                "Renaming",
                "SendDisabled",
                "Unknown"
            ]
        ),
        s("lock_duration", "lockDuration"),
        n("max_delivery_count", "maxDeliveryCount"),
        b("requires_session", "requiresSession"),
        b(
            "dead_lettering_on_message_expiration",
            "deadLetteringOnMessageExpiration"
        ),
        s("forward_to", "forwardTo"),
        s(
            "forward_dead_lettered_messages_to",
            "forwardDeadLetteredMessagesTo"
        ),
    ]),
    Mapping::new(
        "microsoft.servicebus/namespaces/topics",
        "azurerm_servicebus_topic",
        "messaging",
    )
    .scope(Scope::In("namespace_id", "id", "Service Bus namespace"))
    .untagged()
    .args(entity_args![
        one_of("status", "status", &["Active", "Disabled"]),
        b("support_ordering", "supportOrdering"),
    ]),
];

/// More messaging mappings: Event Hubs consumer groups and namespace
/// authorization rules, Service Bus subscriptions and namespace rules,
/// Event Grid topics, system topics, domains and system topic
/// subscriptions, SignalR, Web PubSub, Relay and Notification Hubs
/// namespaces.
pub static MORE: &[Mapping] = &[
    Mapping::new(
        "microsoft.eventhub/namespaces/eventhubs/consumergroups",
        "azurerm_eventhub_consumer_group",
        "messaging",
    )
    .scope(Scope::GroupedIn("eventhub_name", "name", "event hub"))
    .untagged()
    .args(&[
        arg(
            "namespace_name",
            Src::Ancestor(2, "name", "Event Hubs namespace"),
            Conv::AsIs,
        ),
        s("user_metadata", "userMetadata"),
    ]),
    Mapping::new(
        "microsoft.eventhub/namespaces/authorizationrules",
        "azurerm_eventhub_namespace_authorization_rule",
        "messaging",
    )
    .choose(select_rule, &[])
    .scope(Scope::GroupedIn("namespace_name", "name", "Event Hubs namespace"))
    .untagged()
    .args(RULE_RIGHTS),
    Mapping::new(
        "microsoft.servicebus/namespaces/topics/subscriptions",
        "azurerm_servicebus_subscription",
        "messaging",
    )
    .scope(Scope::In("topic_id", "id", "Service Bus topic"))
    .untagged()
    .args(&[
        n("max_delivery_count", "maxDeliveryCount").req(),
        s("auto_delete_on_idle", "autoDeleteOnIdle"),
        s("default_message_ttl", "defaultMessageTimeToLive"),
        s("lock_duration", "lockDuration"),
        b(
            "dead_lettering_on_message_expiration",
            "deadLetteringOnMessageExpiration",
        ),
        b(
            "dead_lettering_on_filter_evaluation_error",
            "deadLetteringOnFilterEvaluationExceptions",
        ),
        b("batched_operations_enabled", "enableBatchedOperations"),
        b("requires_session", "requiresSession"),
        one_of("status", "status", &["Active", "Disabled", "ReceiveDisabled"]),
        s("forward_to", "forwardTo"),
        s(
            "forward_dead_lettered_messages_to",
            "forwardDeadLetteredMessagesTo",
        ),
    ]),
    Mapping::new(
        "microsoft.servicebus/namespaces/authorizationrules",
        "azurerm_servicebus_namespace_authorization_rule",
        "messaging",
    )
    .choose(select_rule, &[])
    .scope(Scope::In("namespace_id", "id", "Service Bus namespace"))
    .untagged()
    .args(RULE_RIGHTS),
    Mapping::new(
        "microsoft.eventgrid/topics",
        "azurerm_eventgrid_topic",
        "messaging",
    )
    .args(&[
        one_of(
            "input_schema",
            "inputSchema",
            &["CloudEventSchemaV1_0", "CustomEventSchema", "EventGridSchema"],
        ),
        not("local_auth_enabled", "disableLocalAuth"),
        flag("public_network_access_enabled", "publicNetworkAccess"),
    ])
    .nests(&[EG_IP_RULES])
    .identity(),
    Mapping::new(
        "microsoft.eventgrid/domains",
        "azurerm_eventgrid_domain",
        "messaging",
    )
    .args(&[
        one_of(
            "input_schema",
            "inputSchema",
            &["CloudEventSchemaV1_0", "CustomEventSchema", "EventGridSchema"],
        ),
        not("local_auth_enabled", "disableLocalAuth"),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        b(
            "auto_create_topic_with_first_subscription",
            "autoCreateTopicWithFirstSubscription",
        ),
        b(
            "auto_delete_topic_with_last_subscription",
            "autoDeleteTopicWithLastSubscription",
        ),
    ])
    .nests(&[EG_IP_RULES])
    .identity(),
    Mapping::new(
        "microsoft.eventgrid/systemtopics",
        "azurerm_eventgrid_system_topic",
        "messaging",
    )
    .args(&[
        s("topic_type", "topicType").req(),
        compute("source_resource_id", system_topic_source).req(),
    ])
    .identity(),
    Mapping::new(
        "microsoft.eventgrid/systemtopics/eventsubscriptions",
        "azurerm_eventgrid_system_topic_event_subscription",
        "messaging",
    )
    .scope(Scope::GroupedIn("system_topic", "name", "Event Grid system topic"))
    .untagged()
    .args(&[
        strs("included_event_types", "filter/includedEventTypes"),
        one_of(
            "event_delivery_schema",
            "eventDeliverySchema",
            &["CloudEventSchemaV1_0", "CustomInputSchema", "EventGridSchema"],
        ),
        strs("labels", "labels"),
        reference(
            "service_bus_queue_endpoint_id",
            "destination/properties/resourceId",
            "id",
            "Service Bus queue",
        )
        .strict()
        .when(When::Is(Src::P("destination/endpointType"), &["ServiceBusQueue"])),
        reference(
            "service_bus_topic_endpoint_id",
            "destination/properties/resourceId",
            "id",
            "Service Bus topic",
        )
        .strict()
        .when(When::Is(Src::P("destination/endpointType"), &["ServiceBusTopic"])),
        reference(
            "eventhub_endpoint_id",
            "destination/properties/resourceId",
            "id",
            "event hub",
        )
        .strict()
        .when(When::Is(Src::P("destination/endpointType"), &["EventHub"])),
    ])
    .nests(&[
        block(
            "subject_filter",
            "filter",
            &[
                s("subject_begins_with", "subjectBeginsWith"),
                s("subject_ends_with", "subjectEndsWith"),
                b("case_sensitive", "isSubjectCaseSensitive"),
            ],
        ),
        block(
            "retry_policy",
            "retryPolicy",
            &[
                n("max_delivery_attempts", "maxDeliveryAttempts").key(),
                n("event_time_to_live", "eventTimeToLiveInMinutes").key(),
            ],
        ),
        block(
            "storage_queue_endpoint",
            "destination/properties",
            &[
                reference("storage_account_id", "resourceId", "id", "storage account").key(),
                s("queue_name", "queueName").key(),
            ],
        )
        .when(When::Is(Src::P("destination/endpointType"), &["StorageQueue"])),
    ])
    .notes(&[note(
        When::Is(Src::P("destination/endpointType"), &["WebHook", "AzureFunction"]),
        "webhook and function endpoints are not copied: their URLs and keys are secrets; set the endpoint in the target",
    )]),
    Mapping::new(
        "microsoft.signalrservice/signalr",
        "azurerm_signalr_service",
        "messaging",
    )
    .args(&[
        compute("service_mode", signalr_service_mode),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        not("local_auth_enabled", "disableLocalAuth"),
        not("aad_auth_enabled", "disableAadAuth"),
        b("tls_client_cert_enabled", "tls/clientCertEnabled"),
    ])
    .nests(&[
        blocks(
            "sku",
            "/sku",
            Repeat::Required,
            &[
                one_of(
                    "name",
                    "name",
                    &["Free_F1", "Standard_S1", "Premium_P1", "Premium_P2"],
                )
                .req(),
                n("capacity", "capacity").req(),
            ],
        ),
        blocks(
            "cors",
            "cors",
            Repeat::One,
            &[strs("allowed_origins", "allowedOrigins").key()],
        ),
    ])
    .identity(),
    Mapping::new(
        "microsoft.signalrservice/webpubsub",
        "azurerm_web_pubsub",
        "messaging",
    )
    .args(&[
        arg(
            "sku",
            Src::R("sku/name"),
            Conv::Enum(&["Premium_P1", "Premium_P2", "Standard_S1", "Free_F1"]),
        )
        .req(),
        arg("capacity", Src::R("sku/capacity"), Conv::Int),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        not("local_auth_enabled", "disableLocalAuth"),
        not("aad_auth_enabled", "disableAadAuth"),
        b("tls_client_cert_enabled", "tls/clientCertEnabled"),
    ])
    .identity(),
    Mapping::new(
        "microsoft.relay/namespaces",
        "azurerm_relay_namespace",
        "messaging",
    )
    .name(Src::Unique(NameRule::NAMESPACE))
    .args(&[arg("sku_name", Src::R("sku/name"), Conv::Enum(&["Standard"])).req()]),
    Mapping::new(
        "microsoft.notificationhubs/namespaces",
        "azurerm_notification_hub_namespace",
        "messaging",
    )
    .name(Src::Unique(NameRule::NAMESPACE))
    .args(&[
        arg(
            "sku_name",
            Src::R("sku/name"),
            Conv::Enum(&["Basic", "Free", "Standard"]),
        )
        .req(),
        one_of(
            "namespace_type",
            "namespaceType",
            &["Messaging", "NotificationHub"],
        )
        .req(),
        b("enabled", "enabled"),
        arg(
            "zone_redundancy_enabled",
            Src::P("zoneRedundancy"),
            Conv::Enabled,
        ),
    ]),
];

/// The rights of a namespace authorization rule (`rights: [Listen, Send, Manage]`).
const RULE_RIGHTS: &[Arg] = &[
    compute("listen", right_listen),
    compute("send", right_send),
    compute("manage", right_manage),
];

fn has_right(at: &At, right: &str) -> Option<Value> {
    Some(Value::Bool(
        at.r.prop("rights")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .any(|r| r.eq_ignore_ascii_case(right)),
    ))
}

fn right_listen(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(has_right(at, "Listen"))
}

fn right_send(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(has_right(at, "Send"))
}

fn right_manage(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(has_right(at, "Manage"))
}

/// Azure creates `RootManageSharedAccessKey` with every namespace.
fn select_rule(r: &Resource) -> Result<&'static str, Skip> {
    if r.name.eq_ignore_ascii_case("RootManageSharedAccessKey") {
        return Err(Skip::managed("created by Azure with the namespace"));
    }
    Ok(if r.type_key().starts_with("microsoft.eventhub/") {
        "azurerm_eventhub_namespace_authorization_rule"
    } else {
        "azurerm_servicebus_namespace_authorization_rule"
    })
}

/// The resource a system topic publishes the events of.
fn system_topic_source(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let source =
        at.r.prop_str("source")
            .ok_or_else(|| Skip::missing("properties.source"))?;
    if source.split('/').filter(|p| !p.is_empty()).count() == 2 {
        // A subscription's events (`/subscriptions/<id>`).
        return Ok(Some(cx.subscription_id()));
    }
    cx.require_reference("system topic source", source, "id")
        .map(Some)
}

/// SignalR's service mode, from its `ServiceMode` feature flag.
fn signalr_service_mode(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(super::interpret::collect(&at.r.properties, "features/*")
        .into_iter()
        .find(|f| f.get("flag").and_then(serde_json::Value::as_str) == Some("ServiceMode"))
        .and_then(|f| f.get("value")?.as_str())
        .and_then(|v| {
            ["Serverless", "Classic", "Default"]
                .into_iter()
                .find(|m| m.eq_ignore_ascii_case(v))
        })
        .map(Value::str))
}

/// Event Grid inbound IP rules (an "attributes as blocks" list).
const EG_IP_RULES: Nest = blocks(
    "inbound_ip_rule",
    "inboundIpRules",
    Repeat::Each,
    &[
        s("ip_mask", "ipMask").req(),
        one_of("action", "action", &["Allow"]).always(Lit::Str("Allow")),
    ],
);

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use crate::iac::naming::NameRule;
    use serde_json::json;

    const EVH: &str = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-data/providers/Microsoft.EventHub/namespaces/evhns-contoso-dev";
    const SB: &str = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-data/providers/Microsoft.ServiceBus/namespaces/sbns-contoso-dev";

    fn fits_namespace_rule(b: &crate::iac::doc::Block, source: &str) {
        let Value::Str(name) = attr(b, "name") else {
            panic!("name")
        };
        let rule = NameRule::NAMESPACE;
        assert!(name.len() >= rule.min && name.len() <= rule.max, "{name}");
        assert!(name.starts_with(source), "{name}");
    }

    #[test]
    fn namespaces_are_emitted_with_sku_and_unique_names() {
        let g = gen_default(&fixture());
        let evh = one(&g, "azurerm_eventhub_namespace");
        fits_namespace_rule(evh, "evhns-contoso-dev-");
        assert_eq!(attr(evh, "sku"), &Value::str("Standard"));
        assert_eq!(attr(evh, "capacity"), &Value::Int(1));
        assert_eq!(
            attr(evh, "local_authentication_enabled"),
            &Value::Bool(true)
        );
        assert!(
            notes_by_id(&g, EVH)
                .iter()
                .any(|n| n.contains("customer-managed key"))
        );
        let sb = one(&g, "azurerm_servicebus_namespace");
        fits_namespace_rule(sb, "sbns-contoso-dev-");
        assert_eq!(attr(sb, "sku"), &Value::str("Standard"));
        assert!(
            sb.body.get("capacity").is_none(),
            "capacity is Premium-only"
        );
    }

    #[test]
    fn children_reference_their_namespace_or_are_skipped() {
        let mut snap = fixture();
        snap.resources.push(resource(json!({
            "id": format!("{EVH}/eventhubs/telemetry"), "name": "telemetry",
            "type": "Microsoft.EventHub/namespaces/eventhubs",
            "properties": {"partitionCount": 4, "messageRetentionInDays": 1, "status": "Active"}
        })));
        snap.resources.push(resource(json!({
            "id": format!("{EVH}/eventhubs/nopartitions"), "name": "nopartitions",
            "type": "Microsoft.EventHub/namespaces/eventhubs", "properties": {}
        })));
        snap.resources.push(resource(json!({
            "id": format!("{SB}/queues/orders"), "name": "orders",
            "type": "Microsoft.ServiceBus/namespaces/queues",
            "properties": {"lockDuration": "PT1M", "maxDeliveryCount": 10, "requiresSession": false}
        })));
        snap.resources.push(resource(json!({
            "id": format!("{SB}/topics/events"), "name": "events",
            "type": "Microsoft.ServiceBus/namespaces/topics",
            "properties": {"supportOrdering": true}
        })));
        let other = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-data/providers/Microsoft.ServiceBus/namespaces/elsewhere/queues/q";
        snap.resources.push(resource(json!({
            "id": other, "name": "q", "type": "Microsoft.ServiceBus/namespaces/queues", "properties": {}
        })));
        let g = gen_default(&snap);
        let hub = one(&g, "azurerm_eventhub");
        assert!(is_ref_to(
            attr(hub, "namespace_id"),
            "azurerm_eventhub_namespace."
        ));
        assert_eq!(attr(hub, "partition_count"), &Value::Int(4));
        let skip = skip_by_id(&g, &format!("{EVH}/eventhubs/nopartitions")).unwrap();
        assert_eq!(skip.reason, "missing_required_value");
        let q = one(&g, "azurerm_servicebus_queue");
        assert!(is_ref_to(
            attr(q, "namespace_id"),
            "azurerm_servicebus_namespace."
        ));
        assert_eq!(attr(q, "lock_duration"), &Value::str("PT1M"));
        let t = one(&g, "azurerm_servicebus_topic");
        assert_eq!(attr(t, "support_ordering"), &Value::Bool(true));
        assert_eq!(
            skip_by_id(&g, other).unwrap().reason,
            "reference_outside_set"
        );
    }
}
