//! Redaction of known secret values from every line atg logs, prints or
//! records. terraform marks nothing sensitive in provisioner output or in
//! provider error details, so atg replaces the values it knows (the client
//! secret it handed over, and other secret-named variables of its own
//! environment) before a line goes anywhere.
//!
//! Which values are secret is decided by `env`; this module only replaces.

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Replaces known secret values in text.
#[derive(Clone, Default)]
pub struct Redactor {
    /// The secrets and their JSON-escaped spellings, longest first.
    needles: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} values)", self.needles.len())
    }
}

impl Redactor {
    /// A redactor for `secrets` (empty values are ignored). Each secret is
    /// also matched in its JSON-escaped spelling, so terraform's `-json`
    /// lines can be redacted before they are parsed.
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut needles: Vec<String> = Vec::new();
        for s in secrets {
            let s = s.as_ref();
            if s.is_empty() {
                continue;
            }
            needles.push(s.to_string());
            let escaped = serde_json::to_string(s).expect("strings serialise");
            let escaped = &escaped[1..escaped.len() - 1];
            if escaped != s {
                needles.push(escaped.to_string());
            }
        }
        // Longest first, so a secret containing another is replaced whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        Redactor { needles }
    }

    /// `text` with every known secret replaced by `[REDACTED]`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), REDACTED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_plain_and_json_escaped_spellings() {
        let r = Redactor::new(["p\"w\\d", "", "abc"]);
        assert_eq!(r.redact("x p\"w\\d y abc"), "x [REDACTED] y [REDACTED]");
        let line = serde_json::json!({"output": "secret=p\"w\\d"}).to_string();
        let red = r.redact(&line);
        assert!(!red.contains("p\\\"w"), "{red}");
        let v: serde_json::Value = serde_json::from_str(&red).unwrap();
        assert_eq!(v["output"], "secret=[REDACTED]");
        assert_eq!(r.redact("nothing here"), "nothing here");
    }
}
