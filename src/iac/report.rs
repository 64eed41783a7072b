//! `generation_report.json` and `generation_report.md`: what was emitted,
//! what was skipped and why, and which types have no emitter.
//!
//! The report carries no timestamps, so the same input gives the same bytes.

use super::context::Skip;
use super::doc::Block;
use super::emitters::Unmapped;
use crate::model::Resource;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Per-type counts in the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TypeCounts {
    /// Resources of this ARM type in scope.
    pub in_scope: usize,
    /// Resources emitted.
    pub emitted: usize,
    /// Resources skipped.
    pub skipped: usize,
    /// Whether the generic (schema-guided) fallback writes this type
    /// rather than a table.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generic: bool,
}

/// An ARM type no emitter writes, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmappedType {
    /// Resources of this type in scope.
    pub count: usize,
    /// `no_azurerm_resource`: azurerm has no resource for it;
    /// `not_mapped_yet`: azurerm has (or may have) one, atg does not write it.
    pub status: String,
    /// The azurerm type that manages it, when atg knows one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azurerm_type: Option<String>,
    /// One line: why, and what to do.
    pub detail: String,
}

/// One skipped resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedResource {
    /// ARM resource ID.
    pub arm_id: String,
    /// ARM resource type.
    pub arm_type: String,
    /// Category, e.g. `reference_outside_set`.
    pub reason: String,
    /// One line of detail.
    pub detail: String,
}

/// One emitted resource: its primary address and the source ARM ID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmittedResource {
    /// Primary resource address, e.g. `azurerm_subnet.vnet_app`.
    pub address: String,
    /// Source ARM resource ID.
    pub arm_id: String,
    /// Addresses of secondary blocks emitted for the same resource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secondary: Vec<String>,
    /// Whether the generic (schema-guided) fallback wrote it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generic: bool,
}

/// A note attached to a source resource (omitted optional reference, dropped argument...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// ARM resource ID or resource address the note is about.
    pub subject: String,
    /// The note.
    pub message: String,
}

/// The generation report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationReport {
    /// Resources in scope (after subscription/resource group filters).
    pub resources_in_scope: usize,
    /// Resources of mapped types (those with an azurerm equivalent).
    pub mapped_resources: usize,
    /// Resources emitted.
    pub emitted_resources: usize,
    /// Resources skipped.
    pub skipped_resources: usize,
    /// Resources of types with no emitter.
    pub unmapped_resources: usize,
    /// Resources emitted by the generic fallback (part of `emitted_resources`).
    #[serde(default)]
    pub generic_resources: usize,
    /// Emitted share of mapped resources, percent 0–100 (100 when none are mapped).
    pub emitted_percent: f64,
    /// Terraform resource blocks written, including resource groups and associations.
    pub terraform_blocks: usize,
    /// Counts by ARM type (mapped types).
    pub by_type: BTreeMap<String, TypeCounts>,
    /// Unmapped ARM type → count and why: no azurerm resource exists, or
    /// not mapped yet.
    pub unmapped_types: BTreeMap<String, UnmappedType>,
    /// Skipped resources, in generation order.
    pub skipped: Vec<SkippedResource>,
    /// Notes, in generation order.
    pub notes: Vec<Note>,
    /// Variables without a default the user sets before `terraform apply`:
    /// sensitive ones in place of secrets, and values the source does not
    /// show (listed in `terraform.tfvars.example`).
    pub variables: Vec<String>,
    /// Emitted resources: address ↔ ARM ID.
    pub resources: Vec<EmittedResource>,
}

impl GenerationReport {
    pub(crate) fn count_unmapped(&mut self, arm_type: &str, why: Unmapped) {
        self.unmapped_resources += 1;
        self.unmapped_types
            .entry(arm_type.to_string())
            .or_insert_with(|| {
                let (status, azurerm_type, detail) = match why {
                    Unmapped::NoAzurermResource(reason) => (
                        "no_azurerm_resource",
                        None,
                        format!("no azurerm resource exists for this type: {reason}"),
                    ),
                    Unmapped::NeedsSchema(ty) => (
                        "not_mapped_yet",
                        Some(ty.to_string()),
                        format!(
                            "not mapped yet: azurerm has `{ty}`; pass `--provider-schema FILE` to emit it with the generic fallback"
                        ),
                    ),
                    Unmapped::Several(types) => (
                        "not_mapped_yet",
                        None,
                        format!(
                            "not mapped yet: several azurerm types manage it ({types}) and atg has no table to choose"
                        ),
                    ),
                    Unmapped::NotMappedYet => (
                        "not_mapped_yet",
                        None,
                        "not mapped yet: atg knows no azurerm type for it (`--type-map FILE` adds aztft's map to the generic fallback)".to_string(),
                    ),
                };
                UnmappedType {
                    count: 0,
                    status: status.to_string(),
                    azurerm_type,
                    detail,
                }
            })
            .count += 1;
    }

    pub(crate) fn count_in_snapshot(&mut self, arm_type: &str, generic: bool) {
        self.mapped_resources += 1;
        let c = self.by_type.entry(arm_type.to_string()).or_default();
        c.in_scope += 1;
        c.generic = generic;
    }

    pub(crate) fn skip(&mut self, r: &Resource, skip: Skip) {
        self.skipped_resources += 1;
        self.by_type.entry(r.type_key()).or_default().skipped += 1;
        self.skipped.push(SkippedResource {
            arm_id: r.id.clone(),
            arm_type: r.type_key(),
            reason: skip.reason.as_str().to_string(),
            detail: skip.detail,
        });
    }

    pub(crate) fn emitted(&mut self, r: &Resource, address: &str, blocks: &[Block], generic: bool) {
        self.emitted_resources += 1;
        if generic {
            self.generic_resources += 1;
        }
        self.terraform_blocks += blocks.len();
        self.by_type.entry(r.type_key()).or_default().emitted += 1;
        self.resources.push(EmittedResource {
            address: address.to_string(),
            arm_id: r.id.clone(),
            secondary: blocks.iter().skip(1).filter_map(Block::address).collect(),
            generic,
        });
    }

    pub(crate) fn note(&mut self, subject: &str, message: String) {
        self.notes.push(Note {
            subject: subject.to_string(),
            message,
        });
    }

    pub(crate) fn note_drop(&mut self, address: &str, path: &str) {
        self.note(address, format!("dropped argument `{path}` (remediation)"));
    }

    pub(crate) fn finish(&mut self) {
        self.emitted_percent = if self.mapped_resources == 0 {
            100.0
        } else {
            (self.emitted_resources as f64 * 1000.0 / self.mapped_resources as f64).round() / 10.0
        };
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("report serialises");
        s.push('\n');
        s
    }

    /// A Markdown summary: counts, per-type table, skips and unmapped types.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Generation report\n");
        let _ = writeln!(md, "| | count |\n|---|---:|");
        let _ = writeln!(md, "| resources in scope | {} |", self.resources_in_scope);
        let _ = writeln!(
            md,
            "| with an azurerm equivalent | {} |",
            self.mapped_resources
        );
        let _ = writeln!(
            md,
            "| emitted | {} ({}%) |",
            self.emitted_resources, self.emitted_percent
        );
        let _ = writeln!(
            md,
            "| emitted by the generic fallback | {} |",
            self.generic_resources
        );
        let _ = writeln!(md, "| skipped | {} |", self.skipped_resources);
        let _ = writeln!(
            md,
            "| not emitted (unmapped) | {} |",
            self.unmapped_resources
        );
        let _ = writeln!(
            md,
            "| Terraform resource blocks | {} |",
            self.terraform_blocks
        );
        let _ = writeln!(
            md,
            "\n## By type\n\n| ARM type | in scope | emitted | skipped | mapping |\n|---|---:|---:|---:|---|"
        );
        for (t, c) in &self.by_type {
            let _ = writeln!(
                md,
                "| `{t}` | {} | {} | {} | {} |",
                c.in_scope,
                c.emitted,
                c.skipped,
                if c.generic { "generic" } else { "table" }
            );
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(
                md,
                "\n## Skipped\n\n| resource | reason | detail |\n|---|---|---|"
            );
            for s in &self.skipped {
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {} |",
                    s.arm_id,
                    s.reason,
                    s.detail.replace('|', "\\|")
                );
            }
        }
        if !self.unmapped_types.is_empty() {
            let _ = writeln!(
                md,
                "\n## Unmapped types\n\n| ARM type | count | why |\n|---|---:|---|"
            );
            for (t, u) in &self.unmapped_types {
                let _ = writeln!(
                    md,
                    "| `{t}` | {} | {} |",
                    u.count,
                    u.detail.replace('|', "\\|")
                );
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(md, "\n## Notes\n");
            for n in &self.notes {
                let _ = writeln!(md, "- `{}`: {}", n.subject, n.message.replace('|', "\\|"));
            }
        }
        if !self.variables.is_empty() {
            let _ = writeln!(
                md,
                "\n## Variables to set\n\nSecrets and values the source does not show are never copied; set these before `terraform apply` (see `terraform.tfvars.example`):\n"
            );
            for v in &self.variables {
                let _ = writeln!(md, "- `{v}`");
            }
        }
        md
    }
}
