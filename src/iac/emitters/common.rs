//! Helpers shared by the generic emitter and the service hooks: reading
//! values out of a source resource or its JSON (non-empty strings, string
//! lists, booleans, numbers, `Enabled`/`Disabled` flags, SKU fields, zones),
//! ARM ID pieces (parent, last segment), the `identity` block, and optional
//! references that leave a note when their target is not emitted.
//!
//! Each service module owns only what is particular to its service; a helper
//! that two modules need lives here, once.

use crate::iac::context::EmitCx;
use crate::iac::doc::{Block, Body, Value};
use crate::model::Resource;
use serde_json::Value as Json;

/// `s` when it is not empty.
pub(super) fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
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

/// `sku.<field>` of a resource (e.g. `name`, `tier`) as a non-empty string.
pub(super) fn sku_str<'r>(r: &'r Resource, field: &str) -> Option<&'r str> {
    r.sku
        .get(field)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
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

/// The azurerm `identity` block for the source `identity` object, or `None`
/// when the resource has no managed identity. `SystemAssigned`,
/// `UserAssigned` or both; user-assigned identities become references
/// (`azurerm_user_assigned_identity.x.id`) in `identity_ids`. One that is not
/// emitted is left out with a note; when none is left the type falls back to
/// `SystemAssigned` (if the source had it) or the block is dropped with a
/// note.
pub(super) fn identity_block(r: &Resource, cx: &mut EmitCx) -> Option<Block> {
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
                None => cx.note(format!(
                    "user-assigned identity `{id}` omitted from `identity`: it is not in the emitted set"
                )),
            }
        }
    }
    let ty = match (system, !ids.is_empty()) {
        (true, true) => "SystemAssigned, UserAssigned",
        (true, false) => "SystemAssigned",
        (false, true) => "UserAssigned",
        (false, false) => {
            if user {
                cx.note(
                    "`identity` block omitted: none of its user-assigned identities is emitted",
                );
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

/// Sets `name` on a borrowed body when `value` is `Some`; does nothing on
/// `None`.
pub(super) fn set_opt(body: &mut Body, name: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        body.set(name, v);
    }
}
