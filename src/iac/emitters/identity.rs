//! Emitters for user-assigned managed identities, plus the `identity` block
//! and `zone` helpers that other service emitters share.
//!
//! Role assignments and federated credentials are left to other emitters;
//! principal and client IDs are computed by Azure and never copied.

use super::Emitter;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::model::Resource;
use serde_json::Value as Json;

/// The identity emitters.
pub static EMITTERS: &[Emitter] = &[Emitter {
    arm_type: "microsoft.managedidentity/userassignedidentities",
    azurerm_types: &["azurerm_user_assigned_identity"],
    group: "identity",
    select: |_| Ok("azurerm_user_assigned_identity"),
    emit: user_assigned_identity,
}];

fn user_assigned_identity(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let body = Body::new()
        .attr("name", r.name.as_str())
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
        .opt_attr("isolation_scope", r.prop_str("isolationScope"))
        .opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

/// The azurerm `identity` block for the source `identity` object, or `None`
/// when the resource has no managed identity. User-assigned identities
/// become references (`azurerm_user_assigned_identity.x.id`); one that is not
/// emitted is left out with a note, and when none is left the type falls
/// back to `SystemAssigned` or the block is dropped.
pub(crate) fn identity_block(r: &Resource, cx: &mut EmitCx) -> Option<Block> {
    let kind = r.identity.get("type").and_then(Json::as_str)?;
    let parts: Vec<String> = kind
        .split(',')
        .map(|p| p.trim().to_ascii_lowercase())
        .collect();
    let system = parts.iter().any(|p| p == "systemassigned");
    let user = parts.iter().any(|p| p == "userassigned");
    let mut ids = Vec::new();
    if user {
        let keys: Vec<String> = r
            .identity
            .get("userAssignedIdentities")
            .and_then(Json::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for id in keys {
            match cx.reference(&id, "id") {
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

/// The first availability zone of the resource, as azurerm's `zone` string.
pub(crate) fn zone(r: &Resource) -> Option<String> {
    match r.zones.as_array()?.first()? {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Shared test helpers: the contoso fixture generated once, block lookups,
/// and synthetic snapshots.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::iac::doc::{Block, Value};
    use crate::iac::{GenerateOptions, Generated, Syntax, generate, render};
    use crate::model::{Resource, Snapshot};
    use std::path::Path;
    use std::sync::LazyLock;

    /// The contoso fixture, relative to the crate root.
    pub(crate) const FIXTURE: &str = "../shared/fixtures/tenant-contoso.json";

    /// The contoso fixture, generated with default options.
    pub(crate) fn contoso() -> &'static Generated {
        static G: LazyLock<Generated> = LazyLock::new(|| {
            let path = Path::new(FIXTURE);
            assert!(
                path.exists(),
                "fixture `{FIXTURE}` is missing: these tests need /work/shared next to the crate"
            );
            let (snap, _) = crate::azure::load_file(path).expect("fixture loads");
            generate(&snap, &GenerateOptions::default())
        });
        &G
    }

    /// Generates a snapshot made of these resources (JSON in export form).
    pub(crate) fn generate_json(resources: &[serde_json::Value]) -> Generated {
        let resources: Vec<Resource> = resources
            .iter()
            .map(|j| serde_json::from_value(j.clone()).expect("synthetic resource parses"))
            .collect();
        let snap = Snapshot {
            resources,
            ..Default::default()
        };
        generate(&snap, &GenerateOptions::default())
    }

    /// The emitted block of this azurerm type whose source resource has this name.
    pub(crate) fn block<'g>(g: &'g Generated, ty: &str, name: &str) -> &'g Block {
        let address = g
            .report
            .resources
            .iter()
            .find(|e| {
                e.address.starts_with(&format!("{ty}."))
                    && e.arm_id
                        .rsplit('/')
                        .next()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .unwrap_or_else(|| panic!("no `{ty}` emitted for `{name}`: {:?}", g.report.skipped))
            .address
            .clone();
        g.document
            .blocks()
            .find(|b| b.address().as_deref() == Some(address.as_str()))
            .expect("emitted address has a block")
    }

    /// A string attribute of a block.
    pub(crate) fn s<'b>(b: &'b Block, attr: &str) -> &'b str {
        match b.body.get(attr) {
            Some(Value::Str(s)) => s,
            other => panic!("`{attr}` is not a string literal: {other:?}"),
        }
    }

    /// A reference attribute of a block.
    pub(crate) fn r<'b>(b: &'b Block, attr: &str) -> &'b str {
        match b.body.get(attr) {
            Some(Value::Ref(s)) => s,
            other => panic!("`{attr}` is not a reference: {other:?}"),
        }
    }

    /// A nested block by name.
    pub(crate) fn nested<'b>(b: &'b Block, ident: &str) -> &'b Block {
        b.body
            .blocks
            .iter()
            .find(|n| n.ident == ident)
            .unwrap_or_else(|| panic!("no nested `{ident}` block"))
    }

    /// The whole document rendered as HCL.
    pub(crate) fn hcl(g: &Generated) -> String {
        render::render(&g.document, Syntax::Hcl)
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    }

    /// The skip recorded for a source resource by name, as `(reason, detail)`.
    pub(crate) fn skip_of(g: &Generated, name: &str) -> Option<(String, String)> {
        g.report
            .skipped
            .iter()
            .find(|s| {
                s.arm_id
                    .rsplit('/')
                    .next()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(|s| (s.reason.clone(), s.detail.clone()))
    }

    /// Notes recorded for source resources whose ARM ID ends with `name`.
    pub(crate) fn notes_of(g: &Generated, name: &str) -> Vec<String> {
        let suffix = format!("/{}", name.to_ascii_lowercase());
        g.report
            .notes
            .iter()
            .filter(|n| n.subject.to_ascii_lowercase().ends_with(&suffix))
            .map(|n| n.message.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use serde_json::json;

    #[test]
    fn contoso_identities_are_emitted_without_source_ids() {
        let g = contoso();
        for name in ["id-contoso-dev-app", "id-contoso-dev-data"] {
            let b = block(g, "azurerm_user_assigned_identity", name);
            assert_eq!(s(b, "name"), name);
            assert!(r(b, "resource_group_name").starts_with("azurerm_resource_group."));
        }
        let text = hcl(g);
        // principal and client IDs of the source tenant never appear.
        assert!(!text.contains("af370c8e-35d1-411a-adab-f9b93e95d4d3"));
        assert!(!text.contains("c8ecc47c-06d4-4762-9070-4057fbcf15e5"));
    }

    fn rg() -> &'static str {
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x"
    }

    #[test]
    fn identity_block_keeps_emitted_user_identities_and_notes_missing_ones() {
        let id_ok = format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-ok",
            rg()
        );
        let id_gone = format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-gone",
            rg()
        );
        let g = generate_json(&[
            json!({"id": id_ok, "name": "id-ok", "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "eastus"}),
            json!({
                "id": format!("{}/providers/Microsoft.Storage/storageAccounts/stx", rg()),
                "name": "stx", "type": "Microsoft.Storage/storageAccounts", "location": "eastus",
                "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
                "identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {id_ok.clone(): {}, id_gone.clone(): {}}},
                "properties": {}
            }),
        ]);
        let st = block(&g, "azurerm_storage_account", "stx");
        let ident = nested(st, "identity");
        assert_eq!(s(ident, "type"), "SystemAssigned, UserAssigned");
        assert_eq!(
            ident.body.get("identity_ids"),
            Some(&crate::iac::doc::Value::List(vec![
                crate::iac::doc::Value::Ref("azurerm_user_assigned_identity.id_ok.id".into())
            ]))
        );
        assert!(
            notes_of(&g, "stx").iter().any(|n| n.contains("id-gone")),
            "{:?}",
            g.report.notes
        );
    }
}
