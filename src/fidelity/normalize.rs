//! Normalised names: the keys that pair a source resource with its copy.
//!
//! A copy differs from its source in ways `atg generate` and deploys
//! introduce on purpose: the subscription, an `ITERATION{N}_` (or
//! `--resource-group-prefix`) prefix on resource groups, the deterministic
//! suffix of globally unique names (`iac::naming`), and letter case (ARM
//! names compare case-insensitively). A key drops all of them. Pairing
//! resources by key is left to `compare`.

use crate::iac::{emitters, naming};
use crate::model::ResourceId;
use std::collections::HashMap;

/// Which side of a comparison a name comes from: generated suffixes are
/// stripped from target names, and source names are cut the way generation
/// cuts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The original (the scanned source tenant).
    Source,
    /// The copy (a deployed iteration, another subscription).
    Target,
}

/// The keys of one resource: `exact` uses normalised names;
/// `generated` also accounts for generated unique-name suffixes and is
/// `None` when no segment of the ARM ID has a globally unique name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// `type \x1f resource group \x1f name/child name...`, normalised.
    pub exact: String,
    /// As `exact`, with unique names reduced to their generated base.
    pub generated: Option<String>,
}

/// Splits an `ITERATION{N}_` prefix (any case) off a name: the rest and `N`.
/// A name without one comes back whole with `None`.
pub fn strip_iteration_prefix(name: &str) -> (&str, Option<u32>) {
    let b = name.as_bytes();
    if b.len() < 11 || !b[..9].eq_ignore_ascii_case(b"iteration") {
        return (name, None);
    }
    let digits = b[9..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || b.get(9 + digits) != Some(&b'_') {
        return (name, None);
    }
    let n = name[9..9 + digits].parse().ok();
    (&name[10 + digits..], n)
}

/// Normalises names of both sides of a comparison.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    /// Extra prefixes (lowercase) stripped from names, beside `ITERATION{N}_`.
    prefixes: Vec<String>,
    /// Target resource group (lowercase) → source resource group (lowercase).
    group_map: HashMap<String, String>,
}

impl Normalizer {
    /// A normaliser stripping `prefixes` (besides `ITERATION{N}_`) and
    /// mapping target resource groups to source ones by `group_map`
    /// (`(source, target)` pairs), all case-insensitively.
    pub fn new(prefixes: &[String], group_map: &[(String, String)]) -> Self {
        Normalizer {
            prefixes: prefixes
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| p.to_ascii_lowercase())
                .collect(),
            group_map: group_map
                .iter()
                .map(|(s, t)| (t.to_ascii_lowercase(), s.to_ascii_lowercase()))
                .collect(),
        }
    }

    /// A name segment: lowercase, without an iteration or given prefix.
    pub fn segment(&self, name: &str) -> String {
        let lower = name.to_ascii_lowercase();
        let (rest, _) = strip_iteration_prefix(&lower);
        let rest = self
            .prefixes
            .iter()
            .find_map(|p| rest.strip_prefix(p.as_str()))
            .unwrap_or(rest);
        rest.to_string()
    }

    /// A resource group name: mapped (target side) then as `segment`.
    pub fn resource_group(&self, name: &str, side: Side) -> String {
        if side == Side::Target
            && let Some(mapped) = self.group_map.get(&name.to_ascii_lowercase())
        {
            return self.segment(mapped);
        }
        self.segment(name)
    }

    /// The keys of a resource from its ARM ID, lowercase type and name.
    /// An ID that does not parse falls back to the type, the given resource
    /// group and the name.
    pub fn keys(
        &self,
        id: &str,
        type_key: &str,
        resource_group: Option<&str>,
        name: &str,
        side: Side,
    ) -> Keys {
        let parsed = ResourceId::parse(id).ok().filter(|p| !p.names.is_empty());
        let fallback = [name.to_string()];
        let (rg, names, namespace, types): (Option<&str>, &[String], &str, &[String]) =
            match &parsed {
                Some(p) => (
                    p.resource_group.as_deref().or(resource_group),
                    &p.names,
                    p.namespace.as_deref().unwrap_or(""),
                    &p.types,
                ),
                None => (resource_group, &fallback, "", &[]),
            };
        let rg = rg.map(|g| self.resource_group(g, side)).unwrap_or_default();
        let mut exact = format!("{type_key}\u{1f}{rg}\u{1f}");
        let mut generated = exact.clone();
        let mut any_rule = false;
        let mut seg_type = namespace.to_ascii_lowercase();
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                exact.push('/');
                generated.push('/');
            }
            let seg = self.segment(n);
            exact.push_str(&seg);
            if let Some(t) = types.get(i) {
                seg_type.push('/');
                seg_type.push_str(&t.to_ascii_lowercase());
            }
            let rule = if types.is_empty() {
                emitters::global_name_rule(type_key)
            } else {
                emitters::global_name_rule(&seg_type)
            };
            match rule {
                Some(rule) => {
                    any_rule = true;
                    let base = match side {
                        Side::Source => naming::base_name(&seg, rule).to_ascii_lowercase(),
                        Side::Target => {
                            naming::strip_suffix(&seg, rule).unwrap_or(&seg).to_string()
                        }
                    };
                    generated.push_str(&base);
                }
                None => generated.push_str(&seg),
            }
        }
        Keys {
            exact,
            generated: any_rule.then_some(generated),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_prefixes_strip_in_any_case() {
        assert_eq!(
            strip_iteration_prefix("ITERATION12_rg-app"),
            ("rg-app", Some(12))
        );
        assert_eq!(strip_iteration_prefix("iteration3_x"), ("x", Some(3)));
        assert_eq!(strip_iteration_prefix("ITERATION_x"), ("ITERATION_x", None));
        assert_eq!(strip_iteration_prefix("ITERATION3x"), ("ITERATION3x", None));
        assert_eq!(strip_iteration_prefix("rg"), ("rg", None));
    }

    #[test]
    fn keys_ignore_subscription_prefix_case_and_generated_suffixes() {
        let n = Normalizer::new(&[], &[]);
        let s = n.keys(
            "/subscriptions/A/resourceGroups/rg-Data/providers/Microsoft.Storage/storageAccounts/stContosoDev",
            "microsoft.storage/storageaccounts",
            None,
            "stContosoDev",
            Side::Source,
        );
        let generated = naming::unique_name("stContosoDev", naming::NameRule::STORAGE, "q3x9ab");
        let t = n.keys(
            &format!("/subscriptions/B/resourceGroups/ITERATION4_rg-data/providers/Microsoft.Storage/storageAccounts/{generated}"),
            "microsoft.storage/storageaccounts",
            None,
            &generated,
            Side::Target,
        );
        assert_ne!(s.exact, t.exact);
        assert_eq!(s.generated, t.generated);
        let same = n.keys(
            "/subscriptions/B/resourceGroups/ITERATION4_RG-DATA/providers/Microsoft.Storage/storageAccounts/STCONTOSODEV",
            "microsoft.storage/storageaccounts",
            None,
            "STCONTOSODEV",
            Side::Target,
        );
        assert_eq!(s.exact, same.exact);
    }

    #[test]
    fn child_names_use_their_parents_rule_and_groups_map() {
        let n = Normalizer::new(&["copy-".into()], &[("rg-data".into(), "moved".into())]);
        let s = n.keys(
            "/subscriptions/A/resourceGroups/rg-data/providers/Microsoft.Sql/servers/sql-contoso/databases/db1",
            "microsoft.sql/servers/databases",
            None,
            "db1",
            Side::Source,
        );
        let t = n.keys(
            "/subscriptions/B/resourceGroups/moved/providers/Microsoft.Sql/servers/sql-contoso-abc123/databases/db1",
            "microsoft.sql/servers/databases",
            None,
            "db1",
            Side::Target,
        );
        assert_eq!(s.generated, t.generated);
        assert_eq!(n.resource_group("copy-rg-x", Side::Source), "rg-x");
    }
}
