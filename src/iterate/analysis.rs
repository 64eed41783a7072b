//! Classifies diagnostics into the error categories the Python tool uses,
//! and proposes the remediations the next iteration applies.
//!
//! Classification works on Terraform's summaries, which both validators
//! use, so it does not care which validator produced a diagnostic.
//! Applying remediations is left to `iac::generate` (through `Adjustments`).

use crate::iac::Adjustments;
use crate::validate::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Error categories (as in Azure Tenant Grapher's iteration analysis).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// "Missing required argument".
    MissingRequiredArgument,
    /// "Unsupported argument" / "Unsupported block type" / a computed-only value set.
    UnsupportedArgument,
    /// A reference to something undeclared, or to an attribute a type lacks.
    UndeclaredResource,
    /// "Insufficient X blocks".
    InsufficientBlocks,
    /// Wrong type, too many blocks, or a value the provider rejects.
    InvalidValue,
    /// Anything else.
    Other,
}

impl Category {
    /// All categories, in report order.
    pub const ALL: [Category; 6] = [
        Category::MissingRequiredArgument,
        Category::UnsupportedArgument,
        Category::UndeclaredResource,
        Category::InsufficientBlocks,
        Category::InvalidValue,
        Category::Other,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::MissingRequiredArgument => "missing_required_argument",
            Category::UnsupportedArgument => "unsupported_argument",
            Category::UndeclaredResource => "undeclared_resource",
            Category::InsufficientBlocks => "insufficient_blocks",
            Category::InvalidValue => "invalid_value",
            Category::Other => "other",
        }
    }
}

/// The category of a diagnostic, from Terraform's summary wording (and the
/// wording of provider SDKs for values set on computed-only attributes:
/// terraform-plugin-sdk/v2, terraform-plugin-framework, the builtin provider).
pub fn classify(d: &Diagnostic) -> Category {
    let s = d.summary.as_str();
    if s == "Missing required argument" {
        Category::MissingRequiredArgument
    } else if s == "Unsupported argument"
        || s == "Unsupported block type"
        || s == "Extraneous JSON object property"
        || s == "Value for unconfigurable attribute"
        || s == "Invalid Configuration for Read-Only Attribute"
        || (s.starts_with('"') && s.ends_with("\" attribute is read-only"))
    {
        Category::UnsupportedArgument
    } else if s.starts_with("Reference to undeclared") || s == "Unsupported attribute" {
        Category::UndeclaredResource
    } else if s.starts_with("Insufficient ") && s.ends_with(" blocks")
        || s.starts_with("Missing ") && s.ends_with(" block")
    {
        Category::InsufficientBlocks
    } else if s == "Incorrect attribute value type"
        || s == "Conflicting configuration arguments"
        || s == "Invalid combination of arguments"
        || s.starts_with("Too many ")
        || s.starts_with("Invalid value")
        || s.starts_with("expected ")
        || s.contains("invalid")
        || provider_value_message(d)
    {
        Category::InvalidValue
    } else {
        Category::Other
    }
}

/// A provider's validation function reports its message as the summary,
/// with no detail, on the argument it rejects (terraform-plugin-sdk/v2):
/// `"name" cannot be blank`, `name ("x") can only consist of ...`.
fn provider_value_message(d: &Diagnostic) -> bool {
    d.detail.is_empty()
        && d.attribute.is_some()
        && d.address.is_some()
        && !d.summary.starts_with("Reference to ")
        && !d.summary.starts_with("Cycle: ")
}

/// What one recorded remediation does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Remediation {
    /// Drop an argument or block the schema rejects, for every resource of a type.
    DropArgument {
        /// azurerm resource type.
        resource_type: String,
        /// Dotted path, e.g. `os_disk.foo`.
        path: String,
    },
    /// Replace a value the provider rejects by one it accepts, for every
    /// resource of a type: an enum value in the provider's spelling, or a
    /// number clamped into its range.
    SetValue {
        /// azurerm resource type.
        resource_type: String,
        /// Dotted path, e.g. `sku_name`.
        path: String,
        /// The rejected value, as the provider printed it.
        from: String,
        /// The value written instead.
        to: String,
        /// Why this value, one line.
        note: String,
    },
    /// Skip one source resource.
    SkipResource {
        /// ARM resource ID.
        arm_id: String,
        /// Why, one line.
        reason: String,
    },
}

impl Remediation {
    /// One line for logs and reports.
    pub fn describe(&self) -> String {
        match self {
            Remediation::DropArgument {
                resource_type,
                path,
            } => format!("drop argument `{path}` of `{resource_type}`"),
            Remediation::SetValue {
                resource_type,
                path,
                from,
                to,
                note,
            } => format!(
                "set `{path}` of `{resource_type}` to \"{to}\" where it is \"{from}\" ({note})"
            ),
            Remediation::SkipResource { arm_id, reason } => format!("skip `{arm_id}`: {reason}"),
        }
    }

    /// Records it in `adj`; returns false when it was already there.
    pub fn apply_to(&self, adj: &mut Adjustments) -> bool {
        match self {
            Remediation::DropArgument {
                resource_type,
                path,
            } => adj
                .drop_arguments
                .entry(resource_type.clone())
                .or_default()
                .insert(path.clone()),
            Remediation::SetValue {
                resource_type,
                path,
                from,
                to,
                ..
            } => {
                let values = adj
                    .replace_values
                    .entry(resource_type.clone())
                    .or_default()
                    .entry(path.clone())
                    .or_default();
                values.insert(from.clone(), to.clone()).as_ref() != Some(to)
            }
            Remediation::SkipResource { arm_id, reason } => {
                match adj.skip.entry(arm_id.to_ascii_lowercase()) {
                    std::collections::btree_map::Entry::Occupied(_) => false,
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(reason.clone());
                        true
                    }
                }
            }
        }
    }
}

/// A remediation with the diagnostic that caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The remediation.
    #[serde(flatten)]
    pub remediation: Remediation,
    /// The cause: category, summary and location of the diagnostic.
    pub cause: String,
}

/// The analysis of one validation: counts by category and proposals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Error count by category name (every category present, zeros included).
    pub errors_by_category: BTreeMap<String, usize>,
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Remediations proposed, deduplicated, in diagnostic order.
    pub proposals: Vec<Proposal>,
    /// Errors no rule could remediate, one line each.
    pub unremediated: Vec<String>,
}

/// Analyses diagnostics: counts by category, and one proposal per error a
/// rule covers. `deprecated(resource type, dotted path)` says whether the
/// provider schema deprecates an argument.
///
/// Rules: an unsupported argument is dropped from its resource type; an
/// enum value the provider spells differently (`Standard` for `standard`)
/// is set to the provider's spelling, and a number out of range is clamped
/// into it, for the whole resource type; of two conflicting arguments the
/// deprecated one is dropped; a missing required argument, missing blocks,
/// any other invalid value or a dangling reference skips the source
/// resource (its `arm_id`). Errors without a resource or ARM ID (the
/// provider block, resource groups) cannot be remediated and are listed.
pub fn analyse(diagnostics: &[Diagnostic], deprecated: &dyn Fn(&str, &str) -> bool) -> Analysis {
    let mut a = Analysis {
        errors_by_category: Category::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), 0))
            .collect(),
        ..Default::default()
    };
    for d in diagnostics {
        if !d.is_error() {
            a.warnings += 1;
            continue;
        }
        a.errors += 1;
        let cat = classify(d);
        *a.errors_by_category
            .entry(cat.as_str().to_string())
            .or_default() += 1;
        let at = d.address.as_deref().unwrap_or("(no resource)");
        let what = d
            .attribute
            .as_deref()
            .map(|p| format!(" `{p}`"))
            .unwrap_or_default();
        let cause = format!("{}: {}{} at `{at}`", cat.as_str(), d.summary, what);
        let fixed = (cat == Category::InvalidValue)
            .then(|| value_fix(d, deprecated))
            .flatten();
        let remediation = match (
            cat,
            d.address.as_deref(),
            d.attribute.as_deref(),
            d.arm_id.as_deref(),
        ) {
            _ if fixed.is_some() => fixed,
            (Category::UnsupportedArgument, Some(addr), Some(path), _)
                if !addr.starts_with("data.") =>
            {
                addr.split('.').next().map(|ty| Remediation::DropArgument {
                    resource_type: ty.to_string(),
                    path: strip_indices(path),
                })
            }
            (Category::MissingRequiredArgument, _, path, Some(id)) => {
                Some(Remediation::SkipResource {
                    arm_id: id.to_string(),
                    reason: format!(
                        "azurerm requires `{}`, which the source does not have",
                        path.unwrap_or("an argument")
                    ),
                })
            }
            (Category::InsufficientBlocks, _, path, Some(id)) => Some(Remediation::SkipResource {
                arm_id: id.to_string(),
                reason: format!(
                    "azurerm requires a `{}` block the source does not have",
                    path.unwrap_or("nested")
                ),
            }),
            (Category::UndeclaredResource, _, _, Some(id)) => Some(Remediation::SkipResource {
                arm_id: id.to_string(),
                reason: "a reference leaves the emitted set".to_string(),
            }),
            (Category::InvalidValue | Category::Other, _, _, Some(id))
                if !d.summary.starts_with("Duplicate resource ") =>
            {
                Some(Remediation::SkipResource {
                    arm_id: id.to_string(),
                    reason: format!("Terraform rejects it: {}", d.summary),
                })
            }
            _ => None,
        };
        match remediation {
            Some(r) if !a.proposals.iter().any(|p| p.remediation == r) => {
                a.proposals.push(Proposal {
                    remediation: r,
                    cause,
                })
            }
            Some(_) => {}
            None => a.unremediated.push(cause),
        }
    }
    a
}

/// The remediation of a value the provider rejects, when one is known:
/// the enum value in the provider's spelling, a number clamped into the
/// provider's range, or the deprecated one of two conflicting arguments
/// dropped. Messages are terraform-plugin-sdk/v2's (`StringInSlice`,
/// `IntBetween`/`FloatBetween`, `IntAtLeast`/`IntAtMost`, `ConflictsWith`).
fn value_fix(d: &Diagnostic, deprecated: &dyn Fn(&str, &str) -> bool) -> Option<Remediation> {
    let address = d.address.as_deref().filter(|a| !a.starts_with("data."))?;
    let resource_type = address.split('.').next()?.to_string();
    let path = strip_indices(d.attribute.as_deref()?);
    let s = d.summary.as_str();
    if s == "Conflicting configuration arguments" {
        // `"a": conflicts with b` (flatmap keys).
        let other = d.detail.split_once(": conflicts with ")?.1;
        let other = flatmap_path(other);
        let drop = [path.clone(), other]
            .into_iter()
            .find(|p| deprecated(&resource_type, p))?;
        return Some(Remediation::DropArgument {
            resource_type,
            path: drop,
        });
    }
    let rest = s.strip_prefix("expected ")?;
    if let Some((_, tail)) = rest.split_once(" to be one of [") {
        let (list, got) = tail.rsplit_once("], got ")?;
        let allowed = go_quoted_list(list)?;
        let to = allowed
            .iter()
            .find(|a| a.to_lowercase() == got.to_lowercase())?
            .clone();
        return Some(Remediation::SetValue {
            resource_type,
            path,
            from: got.to_string(),
            note: "the provider's spelling of the value".into(),
            to,
        });
    }
    let clamp = |bound: &str, got: &str, range: String| {
        let b: f64 = bound.trim().parse().ok()?;
        got.trim().parse::<f64>().ok()?;
        Some(Remediation::SetValue {
            resource_type: resource_type.clone(),
            path: path.clone(),
            from: plain_number(got),
            to: plain_number(&b.to_string()),
            note: format!("clamped into the provider's range {range}"),
        })
    };
    if let Some((_, tail)) = rest.split_once(" to be in the range (") {
        let (range, got) = tail.rsplit_once("), got ")?;
        let (lo, hi) = range.split_once(" - ")?;
        let v: f64 = got.trim().parse().ok()?;
        let bound = if v < lo.trim().parse().ok()? { lo } else { hi };
        return clamp(
            bound,
            got,
            format!("{} to {}", plain_number(lo), plain_number(hi)),
        );
    }
    for (kind, words) in [("at least", "at least"), ("at most", "at most")] {
        if let Some((_, tail)) = rest.split_once(&format!(" to be {kind} (")) {
            let (bound, got) = tail.rsplit_once("), got ")?;
            return clamp(bound, got, format!("{words} {}", plain_number(bound)));
        }
    }
    None
}

/// `7.000000` → `7`, `0.5` → `0.5`: a number as a configuration writes it.
fn plain_number(s: &str) -> String {
    match s.trim().parse::<f64>() {
        Ok(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
        Ok(n) => format!("{n}"),
        Err(_) => s.trim().to_string(),
    }
}

/// `os_disk.0.caching` → `os_disk.caching`.
fn flatmap_path(key: &str) -> String {
    key.split('.')
        .filter(|p| !p.chars().all(|c| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(".")
}

/// Go's `%q` of a string list's items: `"A" "B"` → `[A, B]`.
fn go_quoted_list(list: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = list.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        match chars.next() {
            None => return Some(out),
            Some('"') => {}
            Some(_) => return None,
        }
        let mut item = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => item.push('\n'),
                    't' => item.push('\t'),
                    c => item.push(c),
                },
                c => item.push(c),
            }
        }
        out.push(item);
    }
}

/// `ip_configuration[0].subnet_id` → `ip_configuration.subnet_id`.
fn strip_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(
        summary: &str,
        address: &str,
        attribute: Option<&str>,
        arm: Option<&str>,
    ) -> Diagnostic {
        let mut d = Diagnostic::error(summary, "");
        d.address = Some(address.into());
        d.attribute = attribute.map(str::to_string);
        d.arm_id = arm.map(str::to_string);
        d
    }

    #[test]
    fn each_category_maps_to_its_rule() {
        let ds = vec![
            diag(
                "Unsupported argument",
                "azurerm_linux_virtual_machine.a",
                Some("os_disk[0].foo"),
                Some("/x/a"),
            ),
            diag(
                "Missing required argument",
                "azurerm_subnet.b",
                Some("address_prefixes"),
                Some("/x/b"),
            ),
            diag(
                "Reference to undeclared resource",
                "azurerm_network_interface.c",
                None,
                Some("/x/c"),
            ),
            diag(
                "Insufficient os_disk blocks",
                "azurerm_linux_virtual_machine.d",
                Some("os_disk"),
                Some("/x/d"),
            ),
            diag(
                "Incorrect attribute value type",
                "azurerm_subnet.e",
                Some("name"),
                Some("/x/e"),
            ),
            diag(
                "Unsupported argument",
                "azurerm_resource_group.rg",
                Some("foo"),
                None,
            ),
            diag(
                "Unsupported argument",
                "azurerm_resource_group.rg2",
                Some("foo"),
                None,
            ),
        ];
        let a = analyse(&ds, &|_, _| false);
        assert_eq!(a.errors, 7);
        assert_eq!(a.errors_by_category["unsupported_argument"], 3);
        assert_eq!(a.errors_by_category["other"], 0);
        assert_eq!(
            a.proposals[0].remediation,
            Remediation::DropArgument {
                resource_type: "azurerm_linux_virtual_machine".into(),
                path: "os_disk.foo".into()
            }
        );
        assert!(
            matches!(&a.proposals[1].remediation, Remediation::SkipResource { arm_id, reason } if arm_id == "/x/b" && reason.contains("address_prefixes"))
        );
        assert!(
            matches!(&a.proposals[2].remediation, Remediation::SkipResource { reason, .. } if reason.contains("leaves the emitted set"))
        );
        // The resource-group drop is shared by both rg diagnostics: proposed once.
        assert_eq!(a.proposals.len(), 6);
        assert!(a.unremediated.is_empty());
    }

    // The builtin validator gives these summaries for JSON syntax and for
    // providers not built with terraform-plugin-sdk/v2 (issue 3); each must
    // land in the category Terraform's own wording would.
    #[test]
    fn summaries_of_every_syntax_and_provider_flavor_are_classified() {
        let cases = [
            (
                "Extraneous JSON object property",
                Category::UnsupportedArgument,
            ),
            (
                "Invalid Configuration for Read-Only Attribute",
                Category::UnsupportedArgument,
            ),
            (
                "\"output\" attribute is read-only",
                Category::UnsupportedArgument,
            ),
            (
                "Value for unconfigurable attribute",
                Category::UnsupportedArgument,
            ),
            ("Missing features block", Category::InsufficientBlocks),
            ("Insufficient os_disk blocks", Category::InsufficientBlocks),
            ("Too many os_disk blocks", Category::InvalidValue),
            (
                "Reference to undeclared local value",
                Category::UndeclaredResource,
            ),
            ("Duplicate resource \"x\" configuration", Category::Other),
        ];
        for (summary, want) in cases {
            assert_eq!(
                classify(&diag(summary, "a.b", None, None)),
                want,
                "{summary}"
            );
        }
        let dup = analyse(
            &[diag(
                "Duplicate resource \"azurerm_subnet\" configuration",
                "azurerm_subnet.a",
                None,
                Some("/x/a"),
            )],
            &|_, _| false,
        );
        assert!(
            dup.proposals.is_empty(),
            "a duplicate is not the source resource's fault"
        );
    }

    fn value(summary: &str, detail: &str, address: &str, attr: &str) -> Diagnostic {
        let mut d = diag(summary, address, Some(attr), Some("/x/r"));
        d.detail = detail.into();
        d
    }

    // Issue 15: values the provider rejects are `invalid_value`, and the
    // ones a rule can fix are fixed for the whole type instead of
    // skipping the resource.
    #[test]
    fn rejected_values_are_case_fixed_clamped_or_the_deprecated_conflict_dropped() {
        let ds = vec![
            value(
                "expected sku_name to be one of [\"standard\" \"premium\"], got Standard",
                "",
                "azurerm_key_vault.kv",
                "sku_name",
            ),
            value(
                "expected soft_delete_retention_days to be in the range (7 - 90), got 3",
                "",
                "azurerm_key_vault.kv",
                "soft_delete_retention_days",
            ),
            value(
                "expected network_acls.0.ratio to be in the range (0.500000 - 1.000000), got 2.000000",
                "",
                "azurerm_key_vault.kv",
                "network_acls.ratio",
            ),
            value(
                "expected retention to be at least (30), got 7",
                "",
                "azurerm_log_analytics_workspace.w",
                "retention",
            ),
            value(
                "Conflicting configuration arguments",
                "\"enable_rbac_authorization\": conflicts with rbac_authorization_enabled",
                "azurerm_key_vault.kv",
                "enable_rbac_authorization",
            ),
            value(
                "Conflicting configuration arguments",
                "\"rbac_authorization_enabled\": conflicts with enable_rbac_authorization",
                "azurerm_key_vault.kv",
                "rbac_authorization_enabled",
            ),
            // No case-insensitive match, no deprecated side: the resource is skipped.
            value(
                "expected allocation_method to be one of [\"Static\" \"Dynamic\"], got Fixed",
                "",
                "azurerm_public_ip.p",
                "allocation_method",
            ),
            value(
                "Conflicting configuration arguments",
                "\"a\": conflicts with b",
                "azurerm_thing.t",
                "a",
            ),
            value(
                "\"name\" cannot be blank",
                "",
                "azurerm_resource_group.rg",
                "name",
            ),
        ];
        let deprecated =
            |t: &str, p: &str| t == "azurerm_key_vault" && p == "enable_rbac_authorization";
        let a = analyse(&ds, &deprecated);
        assert_eq!(a.errors_by_category["invalid_value"], 9, "{a:?}");
        let set = |ty: &str, path: &str, from: &str, to: &str, note: &str| Remediation::SetValue {
            resource_type: ty.into(),
            path: path.into(),
            from: from.into(),
            to: to.into(),
            note: note.into(),
        };
        let got: Vec<Remediation> = a.proposals.iter().map(|p| p.remediation.clone()).collect();
        assert_eq!(
            got[..5],
            [
                set(
                    "azurerm_key_vault",
                    "sku_name",
                    "Standard",
                    "standard",
                    "the provider's spelling of the value"
                ),
                set(
                    "azurerm_key_vault",
                    "soft_delete_retention_days",
                    "3",
                    "7",
                    "clamped into the provider's range 7 to 90"
                ),
                set(
                    "azurerm_key_vault",
                    "network_acls.ratio",
                    "2",
                    "1",
                    "clamped into the provider's range 0.5 to 1"
                ),
                set(
                    "azurerm_log_analytics_workspace",
                    "retention",
                    "7",
                    "30",
                    "clamped into the provider's range at least 30"
                ),
                Remediation::DropArgument {
                    resource_type: "azurerm_key_vault".into(),
                    path: "enable_rbac_authorization".into()
                },
            ]
        );
        // Both conflict diagnostics propose the same drop; the other three skip.
        assert_eq!(got.len(), 8, "{got:?}");
        assert!(
            got[5..]
                .iter()
                .all(|r| matches!(r, Remediation::SkipResource { arm_id, .. } if arm_id == "/x/r"))
        );
        let mut adj = Adjustments::default();
        assert!(got[0].apply_to(&mut adj));
        assert!(!got[0].apply_to(&mut adj));
        assert_eq!(
            adj.replace_values["azurerm_key_vault"]["sku_name"]["Standard"],
            "standard"
        );
        assert!(
            got[1].describe().contains("clamped"),
            "{}",
            got[1].describe()
        );
    }

    #[test]
    fn applying_twice_changes_nothing_the_second_time() {
        let mut adj = Adjustments::default();
        let r = Remediation::SkipResource {
            arm_id: "/X/A".into(),
            reason: "r".into(),
        };
        assert!(r.apply_to(&mut adj));
        assert!(!r.apply_to(&mut adj));
        assert!(adj.skip.contains_key("/x/a"));
    }
}
