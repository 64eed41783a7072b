//! Mappings for Azure RBAC: role assignments and custom role definitions,
//! which Resource Graph keeps in its `authorizationresources` table (the
//! scan reads them there; see `azure::coverage`).
//!
//! A role assignment's principal is an object of the source tenant's
//! directory. One that is a managed identity atg emits becomes a reference
//! to that identity's principal in the target; users, groups and
//! applications have no counterpart atg can know, so their assignments are
//! skipped with the reason. Built-in roles exist in every tenant under the
//! same GUID; custom roles are emitted and referenced.

use super::common::last_segment;
use super::spec::*;
use crate::iac::context::{EmitCx, Skip, SkipReason};
use crate::iac::doc::Value;
use crate::model::Resource;
use serde_json::Value as Json;

/// The authorization mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.authorization/roleassignments",
        "azurerm_role_assignment",
        "authorization",
    )
    .unnamed()
    .untagged()
    .scope(Scope::Bare)
    .label(role_assignment_label)
    .args(&[
        compute("scope", assignment_scope).req(),
        compute("role_definition_id", role_definition).req(),
        compute("principal_id", assignment_principal).req(),
        one_of(
            "principal_type",
            "principalType",
            &["User", "Group", "ServicePrincipal"],
        ),
        s("description", "description"),
        s("condition", "condition"),
        one_of("condition_version", "conditionVersion", &["1.0", "2.0"]),
    ]),
    Mapping::new(
        "microsoft.authorization/roledefinitions",
        "azurerm_role_definition",
        "authorization",
    )
    .choose(select_role_definition, &[])
    .check(once_per_role)
    .name(Src::P("roleName"))
    .untagged()
    .scope(Scope::Bare)
    .label(|r| r.prop_str("roleName").unwrap_or(&r.name).to_string())
    .args(&[
        compute("scope", definition_scope).req(),
        s("description", "description"),
        compute("assignable_scopes", assignable_scopes),
    ])
    .nests(&[blocks(
        "permissions",
        "permissions",
        Repeat::Each,
        &[
            strs("actions", "actions"),
            strs("not_actions", "notActions"),
            strs("data_actions", "dataActions"),
            strs("not_data_actions", "notDataActions"),
        ],
    )]),
];

/// `ra_<scope name>_<first 8 characters of the assignment GUID>`; the
/// scope name of a subscription is `subscription`.
fn role_assignment_label(r: &Resource) -> String {
    let scope = r
        .prop_str("scope")
        .filter(|s| s.contains("/providers/") || s.contains("/resourceGroups/"))
        .map(last_segment)
        .unwrap_or("subscription");
    let short: String = r.name.chars().take(8).collect();
    format!("ra_{scope}_{short}")
}

/// The assignment's scope in the target; skips when it is outside the
/// emitted set.
fn assignment_scope(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let scope =
        at.r.prop_str("scope")
            .ok_or_else(|| Skip::missing("properties.scope"))?;
    cx.scope(scope)
        .map(Some)
        .ok_or_else(|| Skip::outside("scope", scope))
}

/// A custom role in the emitted set by reference, a custom role left out
/// skips the assignment, anything else is a built-in role: its tenant-level
/// ID (`/providers/Microsoft.Authorization/roleDefinitions/<guid>`), the
/// same in every tenant.
fn role_definition(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let id =
        at.r.prop_str("roleDefinitionId")
            .ok_or_else(|| Skip::missing("properties.roleDefinitionId"))?;
    if let Some(v) = cx.custom_role(last_segment(id)) {
        return Ok(Some(v));
    }
    if let Some(def) = cx.lookup(id)
        && def
            .prop_str("type")
            .is_some_and(|t| t.eq_ignore_ascii_case("CustomRole"))
    {
        return Err(Skip::outside("custom role definition", id));
    }
    Ok(Some(Value::Str(format!(
        "/providers/Microsoft.Authorization/roleDefinitions/{}",
        last_segment(id)
    ))))
}

/// The principal in the target: an emitted managed identity; otherwise the
/// assignment is skipped (a source-tenant user, group or application).
fn assignment_principal(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let id =
        at.r.prop_str("principalId")
            .ok_or_else(|| Skip::missing("properties.principalId"))?;
    cx.principal(id).map(Some).ok_or_else(|| Skip {
        reason: SkipReason::ReferenceOutsideSet,
        detail: format!(
            "principal `{id}` ({}) is not a managed identity in the emitted set: it belongs to the source tenant's directory; assign the role to its counterpart in the target tenant",
            at.r.prop_str("principalType").unwrap_or("unknown type")
        ),
    })
}

/// Built-in roles exist in every tenant: only custom roles are emitted.
fn select_role_definition(r: &Resource) -> Result<&'static str, Skip> {
    match r.prop_str("type") {
        Some(t) if t.eq_ignore_ascii_case("BuiltInRole") => Err(Skip::managed(
            "built-in role: it exists in every tenant under the same ID",
        )),
        _ => Ok("azurerm_role_definition"),
    }
}

/// Resource Graph lists a custom role once per subscription it is assignable
/// in, under that subscription's ID: the role is written once, for its first
/// ID, and assignments reference that one.
fn once_per_role(r: &Resource, cx: &EmitCx) -> Result<(), Skip> {
    match cx.custom_role_address(last_segment(&r.id)) {
        Some(first) if first != cx.address() => Err(Skip::managed(format!(
            "the same custom role (GUID `{}`) as `{first}`, listed again under another subscription: written once",
            last_segment(&r.id)
        ))),
        _ => Ok(()),
    }
}

/// The scope the definition is created at: its first assignable scope in
/// the target (the target subscription when it is a subscription).
fn definition_scope(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let first =
        at.r.prop("assignableScopes")
            .and_then(Json::as_array)
            .and_then(|a| a.first())
            .and_then(Json::as_str)
            .ok_or_else(|| Skip::missing("properties.assignableScopes"))?;
    cx.scope(first)
        .map(Some)
        .ok_or_else(|| Skip::outside("assignable scope", first))
}

/// Every assignable scope in the target; those outside the emitted set are
/// left out with a note.
fn assignable_scopes(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let mut out = Vec::new();
    for s in
        at.r.prop("assignableScopes")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
    {
        match cx.scope(s) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => cx.note(format!(
                "assignable scope `{s}` left out: it is not in the emitted set"
            )),
        }
    }
    Ok((!out.is_empty()).then_some(Value::List(out)))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use serde_json::json;

    const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000001";

    fn assignment(
        guid: &str,
        scope: &str,
        role: &str,
        principal: &str,
        kind: &str,
    ) -> serde_json::Value {
        json!({"id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}"), "name": guid,
               "type": "Microsoft.Authorization/roleAssignments",
               "properties": {"scope": scope, "roleDefinitionId": role, "principalId": principal, "principalType": kind}})
    }

    /// A user-assigned identity in `rg` with this principal.
    fn identity(rg: &str, name: &str, principal: &str) -> serde_json::Value {
        json!({"id": format!("{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"), "name": name,
               "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "eastus",
               "properties": {"principalId": principal}})
    }

    #[test]
    fn assignments_to_source_directory_principals_and_missing_custom_roles_are_skipped() {
        let rg = format!("{SUB}/resourceGroups/rg-x");
        let custom = format!(
            "{SUB}/providers/Microsoft.Authorization/roleDefinitions/cccccccc-0000-4000-8000-000000000000"
        );
        let g = generate_json(&[
            identity(&rg, "id-a", "11111111-1111-4111-8111-111111111111"),
            assignment(
                "aaaaaaaa-0000-4000-8000-000000000001",
                &rg,
                &format!(
                    "{SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
                ),
                "22222222-2222-4222-8222-222222222222",
                "User",
            ),
            assignment(
                "aaaaaaaa-0000-4000-8000-000000000002",
                &rg,
                &custom,
                "11111111-1111-4111-8111-111111111111",
                "ServicePrincipal",
            ),
            json!({"id": custom, "name": "cccccccc-0000-4000-8000-000000000000", "type": "Microsoft.Authorization/roleDefinitions",
                   "properties": {"roleName": "Custom", "type": "CustomRole", "assignableScopes": ["/providers/Microsoft.Management/managementGroups/mg"]}}),
            json!({"id": format!("{SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"),
                   "name": "acdd72a7-3385-48ef-bd42-f606fba81ae7", "type": "Microsoft.Authorization/roleDefinitions",
                   "properties": {"roleName": "Reader", "type": "BuiltInRole", "assignableScopes": ["/"]}}),
        ]);
        let (reason, detail) = skip_by_name(&g, "aaaaaaaa-0000-4000-8000-000000000001")
            .expect("user assignment skipped");
        assert_eq!(reason, "reference_outside_set");
        assert!(
            detail.contains("source tenant's directory") && detail.contains("User"),
            "{detail}"
        );
        let (reason, detail) = skip_by_name(&g, "cccccccc-0000-4000-8000-000000000000")
            .expect("custom role at a management group");
        assert_eq!(reason, "reference_outside_set");
        assert!(detail.contains("managementGroups"), "{detail}");
        let (reason, _) = skip_by_name(&g, "aaaaaaaa-0000-4000-8000-000000000002")
            .expect("its custom role is not emitted");
        assert_eq!(reason, "reference_outside_set");
        let (reason, _) =
            skip_by_name(&g, "acdd72a7-3385-48ef-bd42-f606fba81ae7").expect("built-in role");
        assert_eq!(reason, "managed_by_platform");
        assert!(blocks(&g, "azurerm_role_assignment").is_empty());
    }

    /// Resource Graph lists a custom role under each subscription it is
    /// assignable in: the role is written once, and an assignment in either
    /// subscription references that one.
    #[test]
    fn a_custom_role_listed_under_two_subscriptions_is_written_once() {
        let sub2 = "/subscriptions/00000000-0000-0000-0000-000000000002";
        let guid = "dddddddd-0000-4000-8000-000000000000";
        let role = |sub: &str| {
            json!({"id": format!("{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"), "name": guid,
                   "type": "Microsoft.Authorization/roleDefinitions",
                   "properties": {"roleName": "VM Operator", "type": "CustomRole", "assignableScopes": [SUB, sub2],
                                  "permissions": [{"actions": ["Microsoft.Compute/virtualMachines/start/action"]}]}})
        };
        let rg = format!("{sub2}/resourceGroups/rg-y");
        let g = generate_json(&[
            role(SUB),
            role(sub2),
            identity(&rg, "id-b", "33333333-3333-4333-8333-333333333333"),
            assignment(
                "bbbbbbbb-0000-4000-8000-000000000001",
                &rg,
                &format!("{sub2}/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
                "33333333-3333-4333-8333-333333333333",
                "ServicePrincipal",
            ),
        ]);
        let defs = blocks(&g, "azurerm_role_definition");
        assert_eq!(defs.len(), 1);
        let address = defs[0].address().unwrap();
        let skip = skip_by_id(
            &g,
            &format!("{sub2}/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
        )
        .expect("the second listing is skipped");
        assert_eq!(skip.reason, "managed_by_platform");
        assert!(skip.detail.contains(&address), "{}", skip.detail);
        let a = one(&g, "azurerm_role_assignment");
        assert_eq!(
            r(a, "role_definition_id"),
            format!("{address}.role_definition_resource_id")
        );
    }
}
