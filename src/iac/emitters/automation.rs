//! Emitters for Azure Automation accounts.
//!
//! Runbooks, schedules, credentials and variables are left to other
//! emitters; credentials and encrypted variables are secrets and are never
//! copied.

use super::Emitter;
use super::common::{IdentityNotes, enabled_flag, identity_block, located, prop_bool};
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::Block;
use crate::model::Resource;
use serde_json::Value as Json;

/// The automation emitters.
pub static EMITTERS: &[Emitter] = &[Emitter {
    arm_type: "microsoft.automation/automationaccounts",
    azurerm_types: &["azurerm_automation_account"],
    group: "automation",
    select: |_| Ok("azurerm_automation_account"),
    emit: automation_account,
}];

fn automation_account(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    // ARM keeps the SKU under properties; some exports lift it to the top.
    let sku = r
        .prop_str("sku/name")
        .or_else(|| r.sku.get("name").and_then(Json::as_str))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Skip::missing("properties.sku.name"))?;
    let mut body = located(r, cx)?
        .attr("sku_name", sku)
        .opt_attr(
            "local_authentication_enabled",
            prop_bool(r, "disableLocalAuth").map(|d| !d),
        )
        .opt_attr(
            "public_network_access_enabled",
            prop_bool(r, "publicNetworkAccess").or_else(|| enabled_flag(r, "publicNetworkAccess")),
        )
        .opt_attr("tags", cx.tags());
    if let Some(id) = identity_block(r, cx, IdentityNotes::Short) {
        body = body.block(id);
    }
    Ok(vec![cx.resource(body)])
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use serde_json::json;

    #[test]
    fn automation_account_takes_sku_from_properties() {
        let g = gen_default(&fixture());
        let aa = one(&g, "azurerm_automation_account");
        assert_eq!(attr(aa, "name"), &Value::str("aa-contoso-dev"));
        assert_eq!(attr(aa, "sku_name"), &Value::str("Free"));
        assert!(is_ref_to(
            attr(aa, "resource_group_name"),
            "azurerm_resource_group."
        ));
    }

    #[test]
    fn automation_account_without_sku_is_skipped_with_reason() {
        let mut snap = fixture();
        let id = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-shared/providers/Microsoft.Automation/automationAccounts/aa-nosku";
        snap.resources.push(resource(json!({
            "id": id, "name": "aa-nosku", "type": "Microsoft.Automation/automationAccounts",
            "location": "eastus", "properties": {"state": "Ok"}
        })));
        let g = gen_default(&snap);
        let skip = skip_by_id(&g, id).unwrap();
        assert_eq!(skip.reason, "missing_required_value");
        assert!(skip.detail.contains("properties.sku.name"));
    }
}
