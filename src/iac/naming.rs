//! Terraform labels and target names for generated resources.
//!
//! Labels must be HCL identifiers and unique per resource type; globally
//! unique Azure names (storage accounts, key vaults, registries, web apps...)
//! get a deterministic suffix within each type's length and character rules
//! (Azure's "Naming rules and restrictions for Azure resources"). Which rule
//! applies to which type is the emitters' business.

use sha2::{Digest, Sha256};

/// Characters a name may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Lowercase letters and digits (storage accounts).
    LowerAlnum,
    /// Letters and digits (container registries).
    Alnum,
    /// Lowercase letters, digits and hyphens (SQL servers, Cosmos DB, PostgreSQL).
    LowerAlnumHyphen,
    /// Letters, digits and hyphens (key vaults, web apps, namespaces, Redis).
    AlnumHyphen,
}

/// The naming rule of a globally unique resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRule {
    /// Minimum length in characters.
    pub min: usize,
    /// Maximum length in characters.
    pub max: usize,
    /// Allowed characters.
    pub charset: Charset,
}

impl NameRule {
    /// True when the rule allows hyphens (and `unique_name` joins the suffix with one).
    pub fn has_hyphen(self) -> bool {
        matches!(
            self.charset,
            Charset::LowerAlnumHyphen | Charset::AlnumHyphen
        )
    }

    /// Storage account: 3–24, lowercase letters and digits.
    pub const STORAGE: NameRule = NameRule {
        min: 3,
        max: 24,
        charset: Charset::LowerAlnum,
    };
    /// Key vault: 3–24, letters, digits, hyphens; starts with a letter.
    pub const KEY_VAULT: NameRule = NameRule {
        min: 3,
        max: 24,
        charset: Charset::AlnumHyphen,
    };
    /// Container registry: 5–50, letters and digits.
    pub const CONTAINER_REGISTRY: NameRule = NameRule {
        min: 5,
        max: 50,
        charset: Charset::Alnum,
    };
    /// App Service app: 2–60, letters, digits, hyphens.
    pub const WEB_APP: NameRule = NameRule {
        min: 2,
        max: 60,
        charset: Charset::AlnumHyphen,
    };
    /// SQL server: 1–63, lowercase letters, digits, hyphens.
    pub const SQL_SERVER: NameRule = NameRule {
        min: 1,
        max: 63,
        charset: Charset::LowerAlnumHyphen,
    };
    /// Cosmos DB account: 3–44, lowercase letters, digits, hyphens.
    pub const COSMOS: NameRule = NameRule {
        min: 3,
        max: 44,
        charset: Charset::LowerAlnumHyphen,
    };
    /// Event Hubs / Service Bus namespace: 6–50, letters, digits, hyphens.
    pub const NAMESPACE: NameRule = NameRule {
        min: 6,
        max: 50,
        charset: Charset::AlnumHyphen,
    };
    /// Azure Cache for Redis: 1–63, letters, digits, hyphens.
    pub const REDIS: NameRule = NameRule {
        min: 1,
        max: 63,
        charset: Charset::AlnumHyphen,
    };
    /// Traffic Manager relative DNS name: 1–63, letters, digits, hyphens.
    pub const TRAFFIC_MANAGER: NameRule = NameRule {
        min: 1,
        max: 63,
        charset: Charset::AlnumHyphen,
    };
    /// Container group DNS label (`<label>.<region>.azurecontainer.io`):
    /// 5–63, lowercase letters, digits, hyphens.
    pub const CONTAINER_GROUP_DNS: NameRule = NameRule {
        min: 5,
        max: 63,
        charset: Charset::LowerAlnumHyphen,
    };
    /// MySQL flexible server: 3–63, lowercase letters, digits, hyphens.
    pub const MYSQL: NameRule = NameRule {
        min: 3,
        max: 63,
        charset: Charset::LowerAlnumHyphen,
    };
    /// Azure Data Explorer cluster: 4–22, lowercase letters and digits.
    pub const KUSTO: NameRule = NameRule {
        min: 4,
        max: 22,
        charset: Charset::LowerAlnum,
    };
    /// AI services custom subdomain (`<name>.cognitiveservices.azure.com`):
    /// 2–64, lowercase letters, digits, hyphens.
    pub const COGNITIVE_SUBDOMAIN: NameRule = NameRule {
        min: 2,
        max: 64,
        charset: Charset::LowerAlnumHyphen,
    };
    /// AI Search service: 2–60, lowercase letters, digits, hyphens.
    pub const SEARCH: NameRule = NameRule {
        min: 2,
        max: 60,
        charset: Charset::LowerAlnumHyphen,
    };
    /// Data Factory: 3–63, letters, digits, hyphens.
    pub const DATA_FACTORY: NameRule = NameRule {
        min: 3,
        max: 63,
        charset: Charset::AlnumHyphen,
    };
    /// Synapse workspace: 1–50, lowercase letters, digits, hyphens.
    pub const SYNAPSE: NameRule = NameRule {
        min: 1,
        max: 50,
        charset: Charset::LowerAlnumHyphen,
    };
    /// Globally unique names of 3–50 letters, digits and hyphens (API
    /// Management, App Configuration).
    pub const SERVICE_50: NameRule = NameRule {
        min: 3,
        max: 50,
        charset: Charset::AlnumHyphen,
    };
    /// PostgreSQL flexible server: 3–63, lowercase letters, digits, hyphens.
    pub const POSTGRES: NameRule = NameRule {
        min: 3,
        max: 63,
        charset: Charset::LowerAlnumHyphen,
    };
}

/// Length of the deterministic suffix, in characters.
pub const SUFFIX_LEN: usize = 6;

/// A deterministic suffix of `SUFFIX_LEN` lowercase base-36 characters,
/// derived from the SHA-256 of the parts joined with `|`.
pub fn suffix(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b"|");
        }
        h.update(p.as_bytes());
    }
    let digest = h.finalize();
    let mut n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(SUFFIX_LEN);
    for _ in 0..SUFFIX_LEN {
        out.push(alphabet[(n % 36) as usize] as char);
        n /= 36;
    }
    out
}

/// Builds a globally unique name: the source name cut to the rule's
/// characters, then `SUFFIX_LEN` characters of `suffix`, within `rule.max`.
/// The result starts with a letter and, for hyphen rules, does not end with
/// or double a hyphen.
pub fn unique_name(source: &str, rule: NameRule, suffix: &str) -> String {
    let mut name = base_name(source, rule);
    if rule.has_hyphen() {
        name.push('-');
    }
    name.push_str(suffix);
    name
}

/// The part of `unique_name` before its suffix: `source` cut to the rule's
/// characters and to the room the suffix leaves. `fidelity` compares a
/// source name's base with a generated name stripped of its suffix.
pub fn base_name(source: &str, rule: NameRule) -> String {
    let lower = matches!(
        rule.charset,
        Charset::LowerAlnum | Charset::LowerAlnumHyphen
    );
    let hyphen = rule.has_hyphen();
    let mut base = String::new();
    for c in source.chars() {
        let c = if lower { c.to_ascii_lowercase() } else { c };
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if hyphen && !base.is_empty() && !base.ends_with('-') {
            base.push('-');
        }
    }
    while base.starts_with(|c: char| !c.is_ascii_alphabetic()) {
        base.remove(0);
    }
    let sep = if hyphen { 1 } else { 0 };
    let room = rule.max.saturating_sub(SUFFIX_LEN + sep);
    base.truncate(room);
    while base.ends_with('-') {
        base.pop();
    }
    if base.is_empty() {
        base.push('x');
    }
    base
}

/// Strips the suffix `unique_name` adds (a hyphen for hyphen rules, then
/// `SUFFIX_LEN` lowercase letters or digits) from a generated name; `None`
/// when `name` does not end like one.
pub fn strip_suffix(name: &str, rule: NameRule) -> Option<&str> {
    let cut = name.len().checked_sub(SUFFIX_LEN)?;
    let (base, suffix) = (name.get(..cut)?, &name[cut..]);
    if !suffix
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return None;
    }
    let base = if rule.has_hyphen() {
        base.strip_suffix('-')?
    } else {
        base
    };
    (!base.is_empty()).then_some(base)
}

/// Turns a name into a Terraform label: lowercase, anything but letters,
/// digits and `_` becomes `_` (Terraform's naming convention), a word
/// repeated right after itself is written once (`probe_probe_http` →
/// `probe_http`, when a load balancer's probe is itself named `probe-http`),
/// and a leading digit gets a `r_` prefix.
pub fn label(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_word: Option<&str> = None;
    let lower = name.to_ascii_lowercase();
    let clean: String = lower
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    for word in clean.split('_').filter(|w| !w.is_empty()) {
        if last_word == Some(word) {
            continue;
        }
        if last_word.is_some() {
            out.push('_');
        }
        out.push_str(word);
        last_word = Some(word);
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert_str(0, "r_");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_names_fit_the_rule() {
        let s = suffix(&["/subscriptions/x/.../stcontosodev", "ITERATION1_"]);
        let n = unique_name("st-Contoso_Dev-Logs-Archive-2024", NameRule::STORAGE, &s);
        assert!(n.len() <= 24 && n.len() >= 3, "{n}");
        assert!(
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "{n}"
        );
        assert!(n.ends_with(&s));
    }

    #[test]
    fn hyphen_names_start_with_a_letter_and_never_double_hyphens() {
        let n = unique_name("1--kv--contoso--", NameRule::KEY_VAULT, "abc123");
        assert_eq!(n, "kv-contoso-abc123");
    }

    #[test]
    fn suffix_is_deterministic_and_depends_on_every_part() {
        assert_eq!(suffix(&["a", "b"]), suffix(&["a", "b"]));
        assert_ne!(suffix(&["a", "b"]), suffix(&["a", "c"]));
        assert_eq!(suffix(&["a"]).len(), SUFFIX_LEN);
    }

    #[test]
    fn generated_names_strip_back_to_their_base() {
        for (source, rule) in [
            ("st-Contoso_Dev-Logs-Archive-2024", NameRule::STORAGE),
            ("kv-contoso-dev", NameRule::KEY_VAULT),
            ("acrContosoDev", NameRule::CONTAINER_REGISTRY),
        ] {
            let n = unique_name(source, rule, &suffix(&[source]));
            assert_eq!(
                strip_suffix(&n, rule),
                Some(base_name(source, rule).as_str())
            );
        }
        assert_eq!(strip_suffix("kv-contoso-dev", NameRule::KEY_VAULT), None);
        assert_eq!(strip_suffix("abc", NameRule::STORAGE), None);
    }

    #[test]
    fn labels_are_identifiers() {
        assert_eq!(label("vnet-Contoso.dev"), "vnet_contoso_dev");
        assert_eq!(label("1abc"), "r_1abc");
    }

    /// Issue 13: `…_probe_probe_http`, `…_rule_rule_http`, `…_pip_pip_…`.
    #[test]
    fn labels_do_not_repeat_a_word() {
        assert_eq!(label("lbi_web_probe_probe-http"), "lbi_web_probe_http");
        assert_eq!(label("natgw_pip_pip-natgw"), "natgw_pip_natgw");
        assert_eq!(label("a--b"), "a_b");
        assert_eq!(label("web_web_web"), "web");
    }
}
