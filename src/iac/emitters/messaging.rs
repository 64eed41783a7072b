//! Emitters for Event Hubs and Service Bus: namespaces, event hubs, queues
//! and topics.
//!
//! Shared access keys and authorization rules are never copied; customer
//! managed keys, subscriptions, consumer groups and network rule sets are
//! left to other emitters.

use super::Emitter;
use super::common::{
    IdentityNotes, enabled_flag, identity_block, parent_id, prop_bool, prop_i64, sku_str,
};
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body};
use crate::iac::naming::NameRule;
use crate::model::Resource;

/// The messaging emitters.
pub static EMITTERS: &[Emitter] = &[
    Emitter {
        arm_type: "microsoft.eventhub/namespaces",
        azurerm_types: &["azurerm_eventhub_namespace"],
        group: "messaging",
        select: |_| Ok("azurerm_eventhub_namespace"),
        emit: eventhub_namespace,
    },
    Emitter {
        arm_type: "microsoft.eventhub/namespaces/eventhubs",
        azurerm_types: &["azurerm_eventhub"],
        group: "messaging",
        select: |_| Ok("azurerm_eventhub"),
        emit: eventhub,
    },
    Emitter {
        arm_type: "microsoft.servicebus/namespaces",
        azurerm_types: &["azurerm_servicebus_namespace"],
        group: "messaging",
        select: |_| Ok("azurerm_servicebus_namespace"),
        emit: servicebus_namespace,
    },
    Emitter {
        arm_type: "microsoft.servicebus/namespaces/queues",
        azurerm_types: &["azurerm_servicebus_queue"],
        group: "messaging",
        select: |_| Ok("azurerm_servicebus_queue"),
        emit: servicebus_queue,
    },
    Emitter {
        arm_type: "microsoft.servicebus/namespaces/topics",
        azurerm_types: &["azurerm_servicebus_topic"],
        group: "messaging",
        select: |_| Ok("azurerm_servicebus_topic"),
        emit: servicebus_topic,
    },
];

/// Arguments every namespace shares: name, group, location, SKU.
fn namespace_body(r: &Resource, cx: &mut EmitCx) -> Result<(Body, String), Skip> {
    let sku = sku_str(r, "name")
        .or_else(|| sku_str(r, "tier"))
        .ok_or_else(|| Skip::missing("sku.name"))?
        .to_string();
    let body = Body::new()
        .attr("name", cx.unique_name(NameRule::NAMESPACE))
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
        .attr("sku", sku.as_str());
    Ok((body, sku))
}

/// Arguments every namespace ends with (local auth under `local_auth_arg`,
/// public access, TLS version, tags, identity), plus the customer-managed key
/// note; returns the namespace block.
fn finish_namespace(r: &Resource, cx: &mut EmitCx, body: Body, local_auth_arg: &str) -> Vec<Block> {
    let mut body = body
        .opt_attr(local_auth_arg, prop_bool(r, "disableLocalAuth").map(|d| !d))
        .opt_attr(
            "public_network_access_enabled",
            enabled_flag(r, "publicNetworkAccess"),
        )
        .opt_attr("minimum_tls_version", r.prop_str("minimumTlsVersion"))
        .opt_attr("tags", cx.tags());
    if let Some(id) = identity_block(r, cx, IdentityNotes::Short) {
        body = body.block(id);
    }
    note_cmk(r, cx);
    vec![cx.resource(body)]
}

/// Notes that a customer-managed key was not copied, when the source uses one.
fn note_cmk(r: &Resource, cx: &mut EmitCx) {
    if r.prop_str("encryption/keySource")
        .is_some_and(|k| k.eq_ignore_ascii_case("Microsoft.KeyVault"))
    {
        cx.note(
            "customer-managed key encryption not copied: it needs a key vault key in the target",
        );
    }
}

fn eventhub_namespace(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let (mut body, sku) = namespace_body(r, cx)?;
    body = body.opt_attr("capacity", r.sku.get("capacity").and_then(|c| c.as_i64()));
    let inflate = prop_bool(r, "isAutoInflateEnabled");
    body = body.opt_attr("auto_inflate_enabled", inflate);
    if inflate == Some(true) && sku.eq_ignore_ascii_case("Standard") {
        body = body.opt_attr(
            "maximum_throughput_units",
            prop_i64(r, "maximumThroughputUnits"),
        );
    }
    Ok(finish_namespace(
        r,
        cx,
        body,
        "local_authentication_enabled",
    ))
}

fn eventhub(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let partitions =
        prop_i64(r, "partitionCount").ok_or_else(|| Skip::missing("properties.partitionCount"))?;
    let ns = parent_id(r)?;
    let body = Body::new()
        .attr("name", r.name.as_str())
        .attr(
            "namespace_id",
            cx.require_reference("Event Hubs namespace", &ns, "id")?,
        )
        .attr("partition_count", partitions)
        .opt_attr("message_retention", prop_i64(r, "messageRetentionInDays"))
        .opt_attr("status", r.prop_str("status"));
    Ok(vec![cx.resource(body)])
}

fn servicebus_namespace(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let (mut body, sku) = namespace_body(r, cx)?;
    if sku.eq_ignore_ascii_case("Premium") {
        // Messaging units and partitions exist only in Premium.
        body = body
            .opt_attr("capacity", r.sku.get("capacity").and_then(|c| c.as_i64()))
            .opt_attr(
                "premium_messaging_partitions",
                prop_i64(r, "premiumMessagingPartitions"),
            );
    }
    Ok(finish_namespace(r, cx, body, "local_auth_enabled"))
}

/// Arguments queues and topics share, from their ARM properties.
fn entity_body(r: &Resource, cx: &mut EmitCx) -> Result<Body, Skip> {
    let ns = parent_id(r)?;
    Ok(Body::new()
        .attr("name", r.name.as_str())
        .attr(
            "namespace_id",
            cx.require_reference("Service Bus namespace", &ns, "id")?,
        )
        .opt_attr("auto_delete_on_idle", r.prop_str("autoDeleteOnIdle"))
        .opt_attr(
            "default_message_ttl",
            r.prop_str("defaultMessageTimeToLive"),
        )
        .opt_attr(
            "duplicate_detection_history_time_window",
            r.prop_str("duplicateDetectionHistoryTimeWindow"),
        )
        .opt_attr(
            "batched_operations_enabled",
            prop_bool(r, "enableBatchedOperations"),
        )
        .opt_attr("express_enabled", prop_bool(r, "enableExpress"))
        .opt_attr("partitioning_enabled", prop_bool(r, "enablePartitioning"))
        .opt_attr(
            "requires_duplicate_detection",
            prop_bool(r, "requiresDuplicateDetection"),
        )
        .opt_attr("max_size_in_megabytes", prop_i64(r, "maxSizeInMegabytes"))
        .opt_attr("status", r.prop_str("status")))
}

fn servicebus_queue(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let body = entity_body(r, cx)?
        .opt_attr("lock_duration", r.prop_str("lockDuration"))
        .opt_attr("max_delivery_count", prop_i64(r, "maxDeliveryCount"))
        .opt_attr("requires_session", prop_bool(r, "requiresSession"))
        .opt_attr(
            "dead_lettering_on_message_expiration",
            prop_bool(r, "deadLetteringOnMessageExpiration"),
        )
        .opt_attr("forward_to", r.prop_str("forwardTo"))
        .opt_attr(
            "forward_dead_lettered_messages_to",
            r.prop_str("forwardDeadLetteredMessagesTo"),
        );
    Ok(vec![cx.resource(body)])
}

fn servicebus_topic(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let body = entity_body(r, cx)?.opt_attr("support_ordering", prop_bool(r, "supportOrdering"));
    Ok(vec![cx.resource(body)])
}

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
