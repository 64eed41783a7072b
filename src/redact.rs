//! Redaction of known secret values from every line atg logs, prints or
//! records. terraform marks nothing sensitive in provisioner output or in
//! provider error details, so atg replaces the values it knows (the client
//! secret it handed over, and other secret-named variables of its own
//! environment) before a line goes anywhere: the output layer redacts what
//! it prints, the deploy log and the registry what they store.
//!
//! A secret is matched in every spelling the text may carry it in:
//! - as is;
//! - JSON-escaped, as serde_json writes it (`\"`, `\\`, `\n`…) and as Go's
//!   `encoding/json` does, which terraform's `-json` output uses: it also
//!   writes `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`, `\u003e`,
//!   `\u0026`, `\u2028`, `\u2029` (Go's `json.Marshal` documentation);
//!   and escaped twice, for a JSON body quoted inside a JSON string;
//! - HTML-escaped (`&lt;`, `&gt;`, `&amp;`, `&#34;` or `&quot;`, `&#39;`),
//!   as Go's `html.EscapeString` and HTML error pages write it;
//! - URL-encoded (RFC 3986 percent-encoding of every byte outside
//!   `A-Z a-z 0-9 - . _ ~`, upper- or lowercase hex, a space as `%20` or
//!   `+`), as a secret carried in a query string or a form body appears;
//! - and the JSON spellings of the HTML and URL ones.
//!
//! Which values are secret is decided by `deploy::env` and the command
//! layer; this module only replaces.

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Replaces known secret values in text.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every spelling of every secret, longest first.
    needles: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} spellings)", self.needles.len())
    }
}

/// The inside of serde_json's string literal for `s`.
fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("strings serialise");
    quoted[1..quoted.len() - 1].to_string()
}

/// The inside of Go `encoding/json`'s string literal for `s` (HTML-safe).
fn go_json_escape(s: &str) -> String {
    json_escape(s)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// HTML escaping with numeric quotes (Go's `html.EscapeString`) or named ones.
fn html_escape(s: &str, named_quotes: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if named_quotes => out.push_str("&quot;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// RFC 3986 percent-encoding of every byte outside the unreserved set; a
/// space as `+` when `plus_for_space` (forms, Go's `url.QueryEscape`).
fn url_escape(s: &str, plus_for_space: bool, lower_hex: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            b' ' if plus_for_space => out.push('+'),
            b if lower_hex => out.push_str(&format!("%{b:02x}")),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Every spelling of `secret` that text may carry (see the module doc).
fn spellings(secret: &str) -> Vec<String> {
    let mut base = vec![
        secret.to_string(),
        html_escape(secret, false),
        html_escape(secret, true),
    ];
    for plus in [false, true] {
        for lower in [false, true] {
            base.push(url_escape(secret, plus, lower));
        }
    }
    let mut out = Vec::new();
    for b in base {
        let once = [json_escape(&b), go_json_escape(&b)];
        for j in &once {
            out.push(json_escape(j));
            out.push(go_json_escape(j));
        }
        out.extend(once);
        out.push(b);
    }
    out
}

impl Redactor {
    /// A redactor for `secrets` (empty values are ignored), matching each in
    /// every spelling the module doc lists, so terraform's `-json` lines can
    /// be redacted before they are parsed.
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut r = Redactor::default();
        r.extend(secrets);
        r
    }

    /// Adds `secrets` (empty values are ignored).
    pub fn extend<S: AsRef<str>>(&mut self, secrets: impl IntoIterator<Item = S>) {
        for s in secrets {
            let s = s.as_ref();
            if !s.is_empty() {
                self.needles.extend(spellings(s));
            }
        }
        // Longest first, so a secret containing another is replaced whole.
        self.needles
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.needles.dedup();
    }

    /// Adds the secrets of another redactor.
    pub fn merge(&mut self, other: &Redactor) {
        self.needles.extend(other.needles.iter().cloned());
        self.needles
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.needles.dedup();
    }

    /// True when no secret is known.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
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

    /// Issue 14: `abc<def&ghi-123456` reached stderr and the registry
    /// because terraform's JSON writes it `abc\u003cdef\u0026ghi-123456`.
    #[test]
    fn issue14_every_escaping_of_special_characters_is_redacted() {
        let secret = "abc<def&ghi-1 'x\"y>z%+/é";
        let r = Redactor::new([secret]);
        let go_json = "abc\\u003cdef\\u0026ghi-1 'x\\\"y\\u003ez%+/é";
        let html = "abc&lt;def&amp;ghi-1 &#39;x&#34;y&gt;z%+/é";
        let html_named = "abc&lt;def&amp;ghi-1 &#39;x&quot;y&gt;z%+/é";
        let url = "abc%3Cdef%26ghi-1%20%27x%22y%3Ez%25%2B%2F%C3%A9";
        let form = "abc%3cdef%26ghi-1+%27x%22y%3ez%25%2b%2f%c3%a9";
        for spelling in [secret, go_json, html, html_named, url, form] {
            let text = format!("before {spelling} after");
            assert_eq!(r.redact(&text), "before [REDACTED] after", "{spelling}");
        }
        // HTML inside terraform's JSON, and JSON quoted inside JSON.
        let nested = go_json_escape(html);
        assert_eq!(r.redact(&nested), REDACTED);
        let twice = json_escape(&go_json_escape(secret));
        assert_eq!(r.redact(&twice), REDACTED);
    }

    #[test]
    fn merged_redactors_know_both_secrets() {
        let mut a = Redactor::new(["first-secret"]);
        a.merge(&Redactor::new(["second-secret"]));
        assert_eq!(
            a.redact("first-secret second-secret"),
            "[REDACTED] [REDACTED]"
        );
        assert!(!a.is_empty() && Redactor::default().is_empty());
    }
}
