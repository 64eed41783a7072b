//! Configuration differences between a source resource and its copy, with
//! secrets redacted.
//!
//! Compared: `location`, `kind`, `sku`, `zones`, `tags`, `identity`,
//! `plan`, `managedBy` and `properties`, recursively. Not differences:
//! values Azure assigns when it creates a resource (`VOLATILE_KEYS`), ARM
//! IDs that point at the same (paired) resource, names that differ only by
//! the changes a copy makes on purpose (see `normalize`), a JSON `null`
//! against an absent key, and letter case in `location`. Pairing the
//! resources is left to `compare`.

use super::normalize::{Normalizer, Side, strip_iteration_prefix};
use crate::model::{Resource, looks_like_arm_id};
use foldhash::HashMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Property keys (compared lowercase) whose values Azure assigns when it
/// creates a resource, so a faithful copy never has the source's values:
/// GUIDs, keys, timestamps, states. Sources: the ARM GET responses in
/// Azure/azure-rest-api-specs examples.
pub const VOLATILE_KEYS: &[&str] = &[
    "provisioningstate",
    "resourceguid",
    "etag",
    "uniqueid",
    "principalid",
    "tenantid",
    "clientid",
    "customerid",
    "appid",
    "applicationid",
    "instrumentationkey",
    "connectionstring",
    "hockeyappid",
    "hockeyapptoken",
    "primarymasterkey",
    "secondarymasterkey",
    "primaryreadonlymasterkey",
    "secondaryreadonlymasterkey",
    "creationtime",
    "createdtime",
    "createdat",
    "createdon",
    "creationdate",
    "timecreated",
    "changedtime",
    "lastmodifiedtime",
    "lastmodifiedat",
    "lastmodifiedon",
    "lastmodified",
    "keycreationtime",
    "vmid",
    "serialnumber",
];

/// What replaces a secret value in every report.
pub const REDACTED: &str = "[redacted]";

/// One differing property: its path (e.g. `properties.hardwareProfile.vmSize`,
/// `tags.env`, `properties.subnets[0].name`) and both values, `null` where
/// one side lacks it. Secret values are replaced by `REDACTED`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// JSON path of the property.
    pub path: String,
    /// The source's value (redacted if secret).
    pub source: Value,
    /// The target's value (redacted if secret).
    pub target: Value,
}

/// True for property names that hold secrets: names ending in `password`,
/// `secret`, `key`, `keys`, `token`, `connectionstring(s)`, `credential(s)`
/// or `sas`, except public keys (`publicKey`, `keyData`...).
pub fn is_secret_key(name: &str) -> bool {
    let k = name.to_ascii_lowercase();
    if k.starts_with("public") {
        return false;
    }
    [
        "password",
        "secret",
        "key",
        "keys",
        "token",
        "connectionstring",
        "connectionstrings",
        "credential",
        "credentials",
        "sas",
    ]
    .iter()
    .any(|s| k.ends_with(s))
}

/// True for string values that carry a secret whatever their key:
/// connection strings and SAS URLs (`AccountKey=`, `SharedAccessKey=`,
/// `Password=`, `sig=`).
pub fn looks_secret(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    [
        "accountkey=",
        "sharedaccesskey=",
        "password=",
        "pwd=",
        "sig=",
    ]
    .iter()
    .any(|m| v.contains(m))
}

/// A copy of `value` with every secret replaced by `REDACTED`; `secret`
/// says the value itself sits under a secret key.
pub fn redact(value: &Value, secret: bool) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::String(s) if secret || looks_secret(s) => Value::String(REDACTED.into()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), redact(v, is_secret_key(k))))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| redact(v, secret)).collect()),
        _ if secret => Value::String(REDACTED.into()),
        other => other.clone(),
    }
}

/// What diffing needs to know about the pairing: the canonical form of ARM
/// IDs on each side, and renamed resources.
pub struct DiffContext<'a> {
    /// The name normaliser.
    pub norm: &'a Normalizer,
    /// Lowercase ARM ID of each paired source resource → its index.
    pub source_index: &'a HashMap<&'a str, usize>,
    /// Target lowercase ARM ID → pairing index of its source resource.
    pub target_to_source: &'a HashMap<&'a str, usize>,
    /// Lowercase target word → source word, for words a copy changes on
    /// purpose: names of paired resources that differ beyond letter case
    /// (generated suffixes), and the subscription and tenant GUIDs.
    pub aliases: &'a HashMap<String, String>,
}

impl DiffContext<'_> {
    /// The canonical form of an ARM ID: the paired resource `i` plus any
    /// child path for IDs at or below it (on either side), else its
    /// normalised key; `None` when it does not parse.
    fn canon_id(&self, id: &str, side: Side) -> Option<Canon> {
        let lower = id.trim_end_matches('/').to_ascii_lowercase();
        let index = match side {
            Side::Source => self.source_index,
            Side::Target => self.target_to_source,
        };
        // The lowest type/name pair that can be cut: the one after the namespace.
        let floor = lower
            .find("/providers/")
            .map(|p| p + "/providers/".len())
            .unwrap_or(lower.len());
        let mut cut = lower.len();
        for _ in 0..4 {
            if let Some(i) = index.get(&lower[..cut]) {
                let rest = if cut == lower.len() {
                    String::new()
                } else {
                    lower[cut..]
                        .split('/')
                        .map(|s| self.norm.segment(s))
                        .collect::<Vec<_>>()
                        .join("/")
                };
                return Some(Canon::Paired(*i, rest));
            }
            // Up one type/name pair, keeping at least namespace/type/name.
            let Some(b) = lower[..cut].rfind('/').and_then(|a| lower[..a].rfind('/')) else {
                break;
            };
            if b <= floor || lower[floor..b].matches('/').count() < 2 {
                break;
            }
            cut = b;
        }
        let parsed = crate::model::ResourceId::parse(id).ok()?;
        let name = parsed.name().unwrap_or_default().to_string();
        Some(Canon::Key(
            self.norm
                .keys(id, &parsed.resource_type(), None, &name, side)
                .exact,
        ))
    }

    /// A non-ID string with iteration prefixes stripped from its words and,
    /// on the target side, aliases put back.
    fn canon_text(&self, s: &str, side: Side) -> String {
        let mut out = String::with_capacity(s.len());
        for piece in
            s.split_inclusive(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            let split = piece
                .char_indices()
                .last()
                .filter(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
                .map(|(i, _)| i)
                .unwrap_or(piece.len());
            let (word, sep) = piece.split_at(split);
            let word = strip_iteration_prefix(word).0;
            match (side, self.aliases.get(&word.to_ascii_lowercase())) {
                (Side::Target, Some(src)) => out.push_str(src),
                _ => out.push_str(word),
            }
            out.push_str(sep);
        }
        out
    }

    fn strings_equal(&self, s: &str, t: &str) -> bool {
        if s == t {
            return true;
        }
        if looks_like_arm_id(s) && looks_like_arm_id(t) {
            return match (
                self.canon_id(s, Side::Source),
                self.canon_id(t, Side::Target),
            ) {
                (Some(a), Some(b)) => a == b,
                _ => s.eq_ignore_ascii_case(t),
            };
        }
        self.canon_text(s, Side::Source) == self.canon_text(t, Side::Target)
    }

    /// Every configuration difference between `s` and its copy `t`, in the
    /// order of the source's properties, then the target's extra ones.
    pub fn diff(&self, s: &Resource, t: &Resource) -> Vec<Difference> {
        let mut out = Vec::new();
        let loc = |l: &Option<String>| {
            l.as_deref()
                .map(|l| l.replace(' ', "").to_ascii_lowercase())
        };
        if loc(&s.location) != loc(&t.location) {
            out.push(Difference {
                path: "location".into(),
                source: s.location.clone().map(Value::String).unwrap_or(Value::Null),
                target: t.location.clone().map(Value::String).unwrap_or(Value::Null),
            });
        }
        let opt = |v: &Option<String>| v.clone().map(Value::String).unwrap_or(Value::Null);
        let mut path = String::new();
        for (name, a, b) in [
            ("kind", &opt(&s.kind), &opt(&t.kind)),
            ("sku", &s.sku, &t.sku),
            ("zones", &s.zones, &t.zones),
            ("tags", &s.tags, &t.tags),
            ("identity", &s.identity, &t.identity),
            ("plan", &s.plan, &t.plan),
            ("managedBy", &opt(&s.managed_by), &opt(&t.managed_by)),
            ("properties", &s.properties, &t.properties),
        ] {
            path.clear();
            path.push_str(name);
            self.walk(&mut path, false, a, b, &mut out);
        }
        out
    }

    fn walk(
        &self,
        path: &mut String,
        secret: bool,
        s: &Value,
        t: &Value,
        out: &mut Vec<Difference>,
    ) {
        match (s, t) {
            (Value::Object(a), Value::Object(b)) => self.walk_object(path, a, b, out),
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    self.walk(path, secret, x, y, out);
                    path.truncate(len);
                }
            }
            (Value::String(a), Value::String(b)) if self.strings_equal(a, b) => {}
            (a, b) if a == b => {}
            (a, b) => out.push(Difference {
                path: path.clone(),
                source: redact(a, secret),
                target: redact(b, secret),
            }),
        }
    }

    fn walk_object(
        &self,
        path: &mut String,
        a: &Map<String, Value>,
        b: &Map<String, Value>,
        out: &mut Vec<Difference>,
    ) {
        // Keys that are ARM IDs (userAssignedIdentities) pair by canonical form.
        let id_keys = a.keys().chain(b.keys()).any(|k| looks_like_arm_id(k));
        let canon = |k: &str, side| {
            if id_keys && looks_like_arm_id(k) {
                self.canon_id(k, side)
                    .unwrap_or_else(|| Canon::Key(k.to_ascii_lowercase()))
            } else {
                Canon::Key(k.to_string())
            }
        };
        let b_by: HashMap<Canon, (&String, &Value)> = if id_keys {
            b.iter()
                .map(|(k, v)| (canon(k, Side::Target), (k, v)))
                .collect()
        } else {
            HashMap::default()
        };
        let lookup = |k: &str| -> Option<&Value> {
            if id_keys {
                b_by.get(&canon(k, Side::Source)).map(|(_, v)| *v)
            } else {
                b.get(k)
            }
        };
        let null = Value::Null;
        let mut seen_in_a: Vec<Canon> = Vec::new();
        for (k, va) in a {
            if VOLATILE_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
                continue;
            }
            let vb = lookup(k).unwrap_or(&null);
            if id_keys {
                seen_in_a.push(canon(k, Side::Source));
            }
            let len = path.len();
            push_key(path, k);
            self.walk(path, is_secret_key(k), va, vb, out);
            path.truncate(len);
        }
        for (k, vb) in b {
            if VOLATILE_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
                continue;
            }
            let in_a = if id_keys {
                seen_in_a.contains(&canon(k, Side::Target))
            } else {
                a.contains_key(k)
            };
            if in_a {
                continue;
            }
            let len = path.len();
            push_key(path, k);
            self.walk(path, is_secret_key(k), &null, vb, out);
            path.truncate(len);
        }
    }
}

/// An ARM ID made comparable across sides.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Canon {
    /// At or below the paired source resource of this index (child path after).
    Paired(usize, String),
    /// The normalised key of an ID that is no paired resource.
    Key(String),
}

/// Appends `.key`, or `["key"]` for keys that are not plain identifiers.
fn push_key(path: &mut String, key: &str) {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$' || c == '@')
    {
        path.push('.');
        path.push_str(key);
    } else {
        path.push_str(&format!("[{}]", Value::String(key.to_string())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(id: &str, props: Value) -> Resource {
        serde_json::from_value(json!({"id": id, "name": id.rsplit('/').next().unwrap(),
            "type": "microsoft.web/sites", "location": "East US", "properties": props}))
        .unwrap()
    }

    #[test]
    fn secrets_are_redacted_and_public_keys_are_not() {
        assert!(is_secret_key("administratorLoginPassword"));
        assert!(is_secret_key("primaryKey"));
        assert!(is_secret_key("sasToken"));
        assert!(!is_secret_key("publicKey"));
        assert!(!is_secret_key("keyVaultUri"));
        assert!(!is_secret_key("disablePasswordAuthentication"));
        let v = redact(
            &json!({"a": "DefaultEndpointsProtocol=https;AccountKey=abc", "password": "p", "n": 1}),
            false,
        );
        assert_eq!(v, json!({"a": REDACTED, "password": REDACTED, "n": 1}));
    }

    #[test]
    fn differences_skip_volatile_values_paired_ids_and_renames() {
        let norm = Normalizer::new(&[], &[]);
        let source_index: HashMap<&str, usize> = [(
            "/subscriptions/a/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st",
            7,
        )]
        .into_iter()
        .collect();
        let target_to_source: HashMap<&str, usize> = [(
            "/subscriptions/b/resourcegroups/iteration2_rg/providers/microsoft.storage/storageaccounts/stabc123",
            7,
        )]
        .into_iter()
        .collect();
        let aliases: HashMap<String, String> = [
            ("stabc123".to_string(), "st".to_string()),
            ("b".to_string(), "a".to_string()),
        ]
        .into_iter()
        .collect();
        let cx = DiffContext {
            norm: &norm,
            source_index: &source_index,
            target_to_source: &target_to_source,
            aliases: &aliases,
        };
        let s = res(
            "/subscriptions/a/resourceGroups/rg/providers/Microsoft.Web/sites/app",
            json!({"provisioningState": "Succeeded", "size": "P1", "password": "old",
                   "storage": "/subscriptions/a/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st/blobServices/default",
                   "host": "https://st.blob.core.windows.net/", "list": [1, 2], "metric": "a:app",
                   "gone": "/subscriptions/a/resourceGroups/rg/providers/Microsoft.Compute/disks/d1"}),
        );
        let t = res(
            "/subscriptions/b/resourceGroups/ITERATION2_rg/providers/Microsoft.Web/sites/app",
            json!({"provisioningState": "Creating", "size": "P2", "password": "new", "extra": true,
                   "storage": "/subscriptions/b/resourceGroups/ITERATION2_rg/providers/Microsoft.Storage/storageAccounts/stabc123/blobServices/default",
                   "host": "https://stabc123.blob.core.windows.net/", "list": [1, 2, 3], "metric": "b:app",
                   "gone": "/subscriptions/b/resourceGroups/ITERATION2_rg/providers/Microsoft.Compute/disks/d1"}),
        );
        let d = cx.diff(&s, &t);
        let paths: Vec<&str> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "properties.size",
                "properties.password",
                "properties.list",
                "properties.extra"
            ]
        );
        assert_eq!(d[1].source, json!(REDACTED));
        assert_eq!(d[1].target, json!(REDACTED));
        assert_eq!(d[3].source, Value::Null);
    }
}
