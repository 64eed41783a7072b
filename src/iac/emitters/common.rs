//! Helpers shared by the service emitters: reading values out of a source
//! resource or its JSON (non-empty strings, string lists, booleans, numbers,
//! `Enabled`/`Disabled` flags, SKU fields, zones), ARM ID pieces (parent,
//! last segment), the `identity` block, and optional references that leave
//! a note when their target is not emitted.
//!
//! Each emitter module owns only what is particular to its service; a helper
//! that two modules need lives here, once.

use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::model::{Resource, ResourceId};
use serde_json::Value as Json;

/// `name`, `resource_group_name` and `location` (in that order), the
/// arguments most resources start with. Skips when the resource group is
/// not emitted or no location is known.
pub(super) fn located(r: &Resource, cx: &mut EmitCx) -> Result<Body, Skip> {
    Ok(Body::new()
        .attr("name", r.name.as_str())
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?))
}

/// Sets `name` on a borrowed body when `value` is `Some`; does nothing on
/// `None`.
pub(super) fn set_opt(body: &mut Body, name: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        body.set(name, v);
    }
}

/// The non-empty string at a JSON pointer (`/a/b`) below `v`; `None` when
/// absent, not a string, or empty.
pub(super) fn str_at<'j>(v: &'j Json, pointer: &str) -> Option<&'j str> {
    v.pointer(pointer)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

/// The non-empty `id` string of the `{ "id": ... }` object at a JSON pointer
/// below `v`.
pub(super) fn id_at<'j>(v: &'j Json, pointer: &str) -> Option<&'j str> {
    v.pointer(pointer)
        .and_then(|o| o.get("id"))
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

/// The elements of the JSON array at a pointer below `v`; empty when absent
/// or not an array.
pub(super) fn items<'j>(v: &'j Json, pointer: &str) -> &'j [Json] {
    v.pointer(pointer)
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The strings of the JSON array at a pointer below `v`, skipping
/// non-strings and empty strings.
pub(super) fn non_empty_strings(v: &Json, pointer: &str) -> Vec<String> {
    items(v, pointer)
        .iter()
        .filter_map(Json::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The strings of a JSON array `v` (e.g. `zones`), skipping non-strings but
/// keeping empty strings; empty when `v` is not an array.
pub(super) fn json_strs(v: &Json) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The strings of the JSON array at `path` (slash-separated) below
/// `properties`, as `json_strs` reads them.
pub(super) fn str_list(r: &Resource, path: &str) -> Vec<String> {
    r.prop(path).map(json_strs).unwrap_or_default()
}

/// The boolean at `path` below `properties`; `None` when absent or not a bool.
pub(super) fn prop_bool(r: &Resource, path: &str) -> Option<bool> {
    r.prop(path).and_then(Json::as_bool)
}

/// The integer at `path` below `properties`; `None` when absent or not an
/// integer.
pub(super) fn prop_i64(r: &Resource, path: &str) -> Option<i64> {
    r.prop(path).and_then(Json::as_i64)
}

/// A property holding `Enabled`/`Disabled` (any case) as `Some(true)` /
/// `Some(false)`; `None` when absent, empty or any other value.
pub(super) fn enabled_flag(r: &Resource, path: &str) -> Option<bool> {
    match r.prop_str(path)? {
        s if s.eq_ignore_ascii_case("Enabled") => Some(true),
        s if s.eq_ignore_ascii_case("Disabled") => Some(false),
        _ => None,
    }
}

/// A string property compared with `Enabled` (any case): `Some(true)` for
/// `Enabled`, `Some(false)` for any other non-empty string, `None` when
/// absent or empty. Unlike `enabled_flag`, unknown values read as `false`.
pub(super) fn enabled_else_false(r: &Resource, path: &str) -> Option<bool> {
    r.prop_str(path).map(|s| s.eq_ignore_ascii_case("Enabled"))
}

/// `sku.<field>` of a resource (e.g. `name`, `tier`) as a non-empty string.
pub(super) fn sku_str<'r>(r: &'r Resource, field: &str) -> Option<&'r str> {
    r.sku
        .get(field)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

/// The resource's zones as azurerm's `zones` string list; `None` when it has
/// no string zones.
pub(super) fn zones(r: &Resource) -> Option<Value> {
    let z = json_strs(&r.zones);
    (!z.is_empty()).then(|| Value::str_list(z))
}

/// The first availability zone of the resource, as azurerm's singular `zone`
/// string (a number is written as its digits); `None` when there is none.
pub(super) fn zone(r: &Resource) -> Option<String> {
    match r.zones.as_array()?.first()? {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The last segment of an ARM ID (a sub-resource's own name), ignoring a
/// trailing `/`.
pub(super) fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

/// The ARM ID of the parent resource (a database's server, a queue's
/// namespace); skips with `MissingRequiredValue` when the ID has no parent.
pub(super) fn parent_id(r: &Resource) -> Result<String, Skip> {
    ResourceId::parse(&r.id)
        .ok()
        .and_then(|id| id.parent())
        .map(|p| p.as_str().to_string())
        .ok_or_else(|| Skip::missing("parent resource in id"))
}

/// A reference to `id` of the resource `arm_id` when it is emitted; else
/// `None`, with the note "`<arg>` omitted: `<arm_id>` is not in the emitted
/// set".
pub(super) fn optional_ref(cx: &mut EmitCx, arg: &str, arm_id: &str) -> Option<Value> {
    let v = cx.reference(arm_id, "id");
    if v.is_none() {
        cx.note(format!(
            "`{arg}` omitted: `{arm_id}` is not in the emitted set"
        ));
    }
    v
}

/// References to `id` of the subnets in `acls.virtualNetworkRules[].id` (a
/// `networkAcls` object); each subnet that is not emitted is left out with
/// the note "`<what>` for subnet `<id>` omitted: it is not in the emitted
/// set". Rules without an `id` string are ignored.
pub(super) fn acl_subnet_refs(acls: &Json, cx: &mut EmitCx, what: &str) -> Vec<Value> {
    let mut subnets = Vec::new();
    for rule in items(acls, "/virtualNetworkRules") {
        let Some(id) = rule.get("id").and_then(Json::as_str) else {
            continue;
        };
        match cx.reference(id, "id") {
            Some(v) => subnets.push(v),
            None => cx.note(format!(
                "{what} for subnet `{id}` omitted: it is not in the emitted set"
            )),
        }
    }
    subnets
}

/// The `value` strings of `acls.ipRules[]` (a `networkAcls` object), in order.
pub(super) fn acl_ip_rules(acls: &Json) -> impl Iterator<Item = &str> {
    items(acls, "/ipRules")
        .iter()
        .filter_map(|ip| ip.get("value").and_then(Json::as_str))
}

/// The wording of the notes `identity_block` records. The emitters were
/// written with two wordings; each keeps its own so reports do not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdentityNotes {
    /// "user-assigned identity `<id>` omitted from `identity`: …" and
    /// "`identity` block omitted: …" (compute, storage, monitoring).
    NameTheBlock,
    /// "user-assigned identity `<id>` omitted: …" and "identity omitted: …"
    /// (web, database, containers, messaging, automation).
    Short,
}

/// The azurerm `identity` block for the source `identity` object, or `None`
/// when the resource has no managed identity. `SystemAssigned`,
/// `UserAssigned` or both; user-assigned identities become references
/// (`azurerm_user_assigned_identity.x.id`) in `identity_ids`. One that is not
/// emitted is left out with a note; when none is left the type falls back to
/// `SystemAssigned` (if the source had it) or the block is dropped with a
/// note. `notes` chooses the wording of those notes.
pub(super) fn identity_block(r: &Resource, cx: &mut EmitCx, notes: IdentityNotes) -> Option<Block> {
    let kind = r.identity.get("type").and_then(Json::as_str)?;
    let parts: Vec<String> = kind
        .split(',')
        .map(|p| p.trim().to_ascii_lowercase())
        .collect();
    let system = parts.iter().any(|p| p == "systemassigned");
    let user = parts.iter().any(|p| p == "userassigned");
    let mut ids = Vec::new();
    if user {
        for id in r
            .identity
            .get("userAssignedIdentities")
            .and_then(Json::as_object)
            .into_iter()
            .flat_map(|o| o.keys())
        {
            match cx.reference(id, "id") {
                Some(v) => ids.push(v),
                None => cx.note(match notes {
                    IdentityNotes::NameTheBlock => format!(
                        "user-assigned identity `{id}` omitted from `identity`: it is not in the emitted set"
                    ),
                    IdentityNotes::Short => format!(
                        "user-assigned identity `{id}` omitted: it is not in the emitted set"
                    ),
                }),
            }
        }
    }
    let ty = match (system, !ids.is_empty()) {
        (true, true) => "SystemAssigned, UserAssigned",
        (true, false) => "SystemAssigned",
        (false, true) => "UserAssigned",
        (false, false) => {
            if user {
                cx.note(match notes {
                    IdentityNotes::NameTheBlock => {
                        "`identity` block omitted: none of its user-assigned identities is emitted"
                    }
                    IdentityNotes::Short => {
                        "identity omitted: none of its user-assigned identities is emitted"
                    }
                });
            }
            return None;
        }
    };
    let mut body = Body::new().attr("type", ty);
    if !ids.is_empty() {
        body.set("identity_ids", Value::List(ids));
    }
    Some(Block::nested("identity", body))
}
