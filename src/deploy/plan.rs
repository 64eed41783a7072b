//! A saved plan in numbers: add/change/destroy counts, the same per resource
//! type, and which addresses the plan creates (what a rollback may destroy),
//! read from `terraform show -json PLANFILE`.
//!
//! The JSON shape is terraform's documented "JSON Output Format"
//! (`resource_changes[].{address, mode, type, change.actions}`). Running
//! `terraform show` is left to `runner`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Resource changes by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Resources created (a replacement counts one here and one in `destroy`).
    pub add: u64,
    /// Resources updated in place.
    pub change: u64,
    /// Resources destroyed.
    pub destroy: u64,
}

impl Counts {
    /// add + change + destroy: the number of resource operations.
    pub fn total(&self) -> u64 {
        self.add + self.change + self.destroy
    }

    /// Adds one operation by terraform's action name (`create`, `update`, `delete`).
    pub fn count_action(&mut self, action: &str) {
        match action {
            "create" => self.add += 1,
            "update" => self.change += 1,
            "delete" => self.destroy += 1,
            _ => {}
        }
    }

    /// `+2 ~0 -1`.
    pub fn short(&self) -> String {
        format!("+{} ~{} -{}", self.add, self.change, self.destroy)
    }
}

/// What a saved plan does.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanSummary {
    /// The totals.
    pub counts: Counts,
    /// Totals per resource type, by type name.
    pub by_type: BTreeMap<String, Counts>,
    /// Addresses the plan creates outright (not replacements), in plan order.
    pub creates: Vec<String>,
    /// Addresses the plan destroys (including replacements), in plan order.
    pub destroys: Vec<String>,
}

#[derive(Deserialize)]
struct ShowJson {
    #[serde(default)]
    resource_changes: Vec<ResourceChange>,
}

#[derive(Deserialize)]
struct ResourceChange {
    address: String,
    #[serde(default)]
    mode: String,
    #[serde(rename = "type")]
    type_name: String,
    change: Change,
}

#[derive(Deserialize)]
struct Change {
    actions: Vec<String>,
}

/// Parses `terraform show -json PLANFILE` output. Data sources and no-op
/// or read actions are not counted; `["delete","create"]` and
/// `["create","delete"]` (replacements) count as one add and one destroy.
///
/// Errors: the bytes are not that JSON (the serde error's text).
pub fn parse_show_json(bytes: &[u8]) -> Result<PlanSummary, String> {
    let v: ShowJson = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let mut out = PlanSummary::default();
    for rc in v.resource_changes {
        if rc.mode == "data" {
            continue;
        }
        let mut c = Counts::default();
        for a in &rc.change.actions {
            c.count_action(a);
        }
        if c.total() == 0 {
            continue;
        }
        if rc.change.actions == ["create"] {
            out.creates.push(rc.address.clone());
        }
        if c.destroy > 0 {
            out.destroys.push(rc.address.clone());
        }
        out.counts.add += c.add;
        out.counts.change += c.change;
        out.counts.destroy += c.destroy;
        let t = out.by_type.entry(rc.type_name).or_default();
        t.add += c.add;
        t.change += c.change;
        t.destroy += c.destroy;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_creates_updates_replacements_and_skips_data_sources() {
        let json = serde_json::json!({
            "format_version": "1.2",
            "resource_changes": [
                {"address": "terraform_data.a", "mode": "managed", "type": "terraform_data", "change": {"actions": ["create"]}},
                {"address": "azurerm_resource_group.rg", "mode": "managed", "type": "azurerm_resource_group", "change": {"actions": ["update"]}},
                {"address": "terraform_data.b", "mode": "managed", "type": "terraform_data", "change": {"actions": ["delete", "create"]}},
                {"address": "terraform_data.c", "mode": "managed", "type": "terraform_data", "change": {"actions": ["no-op"]}},
                {"address": "data.azurerm_client_config.c", "mode": "data", "type": "azurerm_client_config", "change": {"actions": ["read"]}}
            ]
        });
        let p = parse_show_json(json.to_string().as_bytes()).unwrap();
        assert_eq!(
            p.counts,
            Counts {
                add: 2,
                change: 1,
                destroy: 1
            }
        );
        assert_eq!(p.by_type["terraform_data"].short(), "+2 ~0 -1");
        assert_eq!(p.creates, ["terraform_data.a"]);
        assert_eq!(p.destroys, ["terraform_data.b"]);
        assert!(parse_show_json(b"not json").is_err());
    }
}
