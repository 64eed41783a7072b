//! Label and field selectors, as the API server parses them from the
//! `labelSelector` and `fieldSelector` query parameters.
//!
//! Label selector grammar (Kubernetes docs, "Labels and Selectors",
//! <https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors>):
//! comma-separated requirements, all of which must hold: `key`, `!key`,
//! `key=value`, `key==value`, `key!=value`, `key in (a,b)`,
//! `key notin (a,b)`. `!=` and `notin` also match objects without the key.
//! Field selectors ("Field Selectors",
//! <https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/>)
//! support `metadata.name` and `metadata.namespace` with `=`, `==` and
//! `!=` on every resource; other fields are refused with `400 BadRequest`,
//! as the API server does for fields a resource does not index.

use serde_json::Value;
use std::collections::BTreeMap;

/// One label requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(Vec<Requirement>);

/// Splits on commas outside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn set_values(s: &str) -> Result<Vec<String>, String> {
    let inner = s
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("expected `(values)`, found `{s}`"))?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
}

impl LabelSelector {
    /// Parses a `labelSelector` value.
    ///
    /// Errors: a one-line reason naming the requirement that does not parse.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top(s).into_iter().map(str::trim) {
            if part.is_empty() {
                continue;
            }
            let req = if let Some(key) = part.strip_prefix('!') {
                Requirement::NotExists(key.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotIn(k.trim().into(), vec![v.trim().into()])
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::In(k.trim().into(), vec![v.trim().into()])
            } else if let Some((k, v)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), set_values(v)?)
            } else if let Some((k, v)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), set_values(v)?)
            } else if part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            {
                Requirement::Exists(part.to_string())
            } else {
                return Err(format!("unable to parse requirement: `{part}`"));
            };
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    /// True when every requirement holds for `labels`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
        })
    }
}

/// A parsed field selector over `metadata.name` / `metadata.namespace`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    /// Parses a `fieldSelector` value.
    ///
    /// Errors: the API server's wording for an unsupported field label.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (f, true, v)
            } else {
                return Err(format!("invalid selector: `{part}`; can't understand it"));
            };
            let field = field.trim();
            if field != "metadata.name" && field != "metadata.namespace" {
                return Err(format!("field label not supported: {field}"));
            }
            out.push((field.to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector(out))
    }

    /// True when every requirement holds for `object`.
    pub fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(field, equal, value)| {
            let key = field.trim_start_matches("metadata.");
            let actual = object["metadata"][key].as_str().unwrap_or("");
            (actual == value) == *equal
        })
    }
}

/// The labels of an object (`metadata.labels`), empty when it has none.
pub fn labels_of(object: &Value) -> BTreeMap<String, String> {
    object["metadata"]["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn equality_set_and_existence_requirements() {
        let l = labels(&[("agent", "ci-pr-manager"), ("pr-number", "1029")]);
        let ok = |s: &str| LabelSelector::parse(s).unwrap().matches(&l);
        assert!(ok(""));
        assert!(ok("agent=ci-pr-manager,pr-number==1029"));
        assert!(ok("agent in (ci-pr-manager, iteration-analyzer)"));
        assert!(ok("agent,!iteration"));
        assert!(ok("iteration!=3"), "!= matches a missing key");
        assert!(ok("role notin (x)"), "notin matches a missing key");
        assert!(!ok("agent!=ci-pr-manager"));
        assert!(!ok("agent notin (ci-pr-manager),pr-number"));
        assert!(!ok("iteration"));
        assert!(LabelSelector::parse("a in b").is_err());
    }

    #[test]
    fn field_selectors_know_name_and_namespace_only() {
        let obj = serde_json::json!({"metadata": {"name": "run-1", "namespace": "agents"}});
        assert!(
            FieldSelector::parse("metadata.name=run-1")
                .unwrap()
                .matches(&obj)
        );
        assert!(
            !FieldSelector::parse("metadata.name!=run-1")
                .unwrap()
                .matches(&obj)
        );
        assert_eq!(
            FieldSelector::parse("status.phase=Running").unwrap_err(),
            "field label not supported: status.phase"
        );
    }
}
