//! What makes two runs the same work: the run key (agent, role, pull
//! request or iteration, repository), its labels, the name of the Lease
//! that guards it, and the names of new runs.
//!
//! The Lease name is `atg-lock-` plus the first 16 hex digits of the
//! SHA-256 of `RunKey::canonical()`, so atg and the Argo manifests (which
//! compute the same with sprig's `sha256sum`) guard the same key with the
//! same object. Acquiring it is `lock`'s job.

use super::coderun::{
    ANNOTATION_KEY, LABEL_AGENT, LABEL_ITERATION, LABEL_MANAGED_BY, LABEL_PR, LABEL_REPOSITORY,
    LABEL_ROLE,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The work a run is for, besides agent and role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A pull request number.
    Pr(u64),
    /// Iterations, as a label value: `7`, `3-7`, or `1_3-5` for a list
    /// (label values cannot hold commas).
    Iteration(String),
}

impl Subject {
    /// The subject's label: (`pr-number`, `1029`) or (`iteration`, `3-7`).
    pub fn label(&self) -> (&'static str, String) {
        match self {
            Subject::Pr(n) => (LABEL_PR, n.to_string()),
            Subject::Iteration(s) => (LABEL_ITERATION, s.clone()),
        }
    }

    /// Short form for run names: `pr1029`, `i3-7`.
    fn short(&self) -> String {
        match self {
            Subject::Pr(n) => format!("pr{n}"),
            Subject::Iteration(s) => format!("i{}", s.replace('_', "-")),
        }
    }
}

/// Compresses iteration numbers into a label value: runs of consecutive
/// numbers become `a-b`, parts are joined with `_` (e.g. `[1,3,4,5]` →
/// `1_3-5`).
pub fn iterations_label(numbers: &[u32]) -> String {
    let mut sorted = numbers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join("_")
}

/// (agent, role, pull request or iteration, repository): at most one
/// active run per key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunKey {
    /// The agent profile, e.g. `ci-pr-manager`.
    pub agent: String,
    /// The role, e.g. `pr-manager`.
    pub role: String,
    /// The pull request or iteration(s).
    pub subject: Subject,
    /// The repository, `org/repo`.
    pub repository: String,
}

/// Most characters in a label value (Kubernetes "Labels and Selectors":
/// 63, alphanumerics, `-`, `_`, `.`, beginning and ending alphanumeric).
const LABEL_MAX: usize = 63;

/// A label value for any text: disallowed characters become `.`, and a
/// value too long keeps its first 54 characters plus `-` and 8 hex digits
/// of its SHA-256, so distinct values stay distinct.
pub fn label_value(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '.'
            }
        })
        .collect();
    let trimmed = clean.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.len() <= LABEL_MAX {
        return trimmed.to_string();
    }
    let digest = hex(&Sha256::digest(text.as_bytes()));
    let head = trimmed[..54].trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    format!("{head}-{}", &digest[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl RunKey {
    /// `agent|role|LABEL=VALUE|repository`: what the Lease name hashes.
    pub fn canonical(&self) -> String {
        let (label, value) = self.subject.label();
        format!(
            "{}|{}|{label}={value}|{}",
            self.agent, self.role, self.repository
        )
    }

    /// The Lease guarding this key: `atg-lock-` and 16 hex digits.
    pub fn lock_name(&self) -> String {
        let digest = hex(&Sha256::digest(self.canonical().as_bytes()));
        format!("atg-lock-{}", &digest[..16])
    }

    /// The labels every run (and its Lease) carries, plus
    /// `app.kubernetes.io/managed-by=atg`.
    pub fn labels(&self) -> BTreeMap<String, String> {
        let (label, value) = self.subject.label();
        BTreeMap::from([
            (LABEL_AGENT.to_string(), label_value(&self.agent)),
            (LABEL_ROLE.to_string(), label_value(&self.role)),
            (label.to_string(), label_value(&value)),
            (LABEL_REPOSITORY.to_string(), label_value(&self.repository)),
            (LABEL_MANAGED_BY.to_string(), "atg".to_string()),
        ])
    }

    /// Annotations: the canonical key, unabridged.
    pub fn annotations(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(ANNOTATION_KEY.to_string(), self.canonical())])
    }

    /// A new run name: `AGENT-SUBJECT-xxxxx`, with five random characters
    /// from the API server's `generateName` alphabet.
    pub fn new_run_name(&self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let suffix: String = (0..5)
            .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
            .collect();
        format!("{}-{}-{suffix}", self.agent, self.subject.short())
    }
}

/// The key a run's labels describe, when it carries atg's labels: agent,
/// role, the PR or iteration label and the repository label. Runs made by
/// hand without them have no key.
pub fn key_of_labels(labels: &BTreeMap<String, String>) -> Option<Vec<(String, String)>> {
    let agent = labels.get(LABEL_AGENT)?;
    let mut key = vec![(LABEL_AGENT.to_string(), agent.clone())];
    for l in [LABEL_ROLE, LABEL_PR, LABEL_ITERATION, LABEL_REPOSITORY] {
        if let Some(v) = labels.get(l) {
            key.push((l.to_string(), v.clone()));
        }
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RunKey {
        RunKey {
            agent: "ci-pr-manager".into(),
            role: "pr-manager".into(),
            subject: Subject::Pr(1029),
            repository: "org/repo".into(),
        }
    }

    #[test]
    fn lock_name_is_the_sha256_of_the_canonical_key() {
        assert_eq!(
            key().canonical(),
            "ci-pr-manager|pr-manager|pr-number=1029|org/repo"
        );
        // sha256("ci-pr-manager|pr-manager|pr-number=1029|org/repo"), computed with sha256sum.
        assert_eq!(key().lock_name(), "atg-lock-8741f44c454efe7b");
    }

    #[test]
    fn labels_are_valid_label_values() {
        let l = key().labels();
        assert_eq!(l["repository"], "org.repo");
        assert_eq!(l["pr-number"], "1029");
        let long = label_value(&"x".repeat(100));
        assert_eq!(long.len(), 63);
        assert_ne!(long, label_value(&"x".repeat(101)));
        assert_eq!(label_value("/a b/"), "a.b");
    }

    #[test]
    fn iteration_lists_compress() {
        assert_eq!(iterations_label(&[7]), "7");
        assert_eq!(iterations_label(&[3, 4, 5, 6, 7]), "3-7");
        assert_eq!(iterations_label(&[5, 1, 3, 4]), "1_3-5");
    }

    #[test]
    fn run_names_are_dns_labels() {
        let n = key().new_run_name();
        assert!(
            n.starts_with("ci-pr-manager-pr1029-") && n.len() == 26,
            "{n}"
        );
        assert!(
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
    }
}
