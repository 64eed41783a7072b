//! Mappings for Event Hubs and Service Bus: namespaces, event hubs, queues
//! and topics.
//!
//! Shared access keys are never copied; a customer-managed key is noted,
//! not carried over.

use super::spec::*;
use crate::iac::naming::NameRule;

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
