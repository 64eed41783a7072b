//! Keeps credentials that ARM shows in plain text out of generated files.
//!
//! Some ARM properties carry a secret inside an ordinary value: a Logic App
//! HTTP action's `authentication.password`, an `Authorization` header, a
//! webhook URL whose query holds a SAS signature (`sig=`) or a function key
//! (`code=`). atg never writes such a value: it is replaced by an empty
//! string and the emitter notes which part was left out, so the user sets it
//! for the target. Which names count as secret follows Azure's own naming of
//! credential properties (ARM's `secureString` parameters, SAS query
//! parameters per "Create a service SAS", Azure Functions' `code` key).

use crate::iac::doc::Value;
use serde_json::Value as Json;

/// Property names (compared case-insensitively, `-` and `_` ignored) whose
/// value is a credential.
const SECRET_KEYS: &[&str] = &[
    "password",
    "secret",
    "clientsecret",
    "pfx",
    "accesskey",
    "accountkey",
    "sharedaccesskey",
    "primarykey",
    "secondarykey",
    "connectionstring",
    "token",
    "accesstoken",
    "sastoken",
    "apikey",
    "authorization",
    "signature",
];

/// URL query parameters (case-insensitive) whose value is a credential:
/// SAS signatures, function keys, tokens and API keys.
const SECRET_QUERY: &[&str] = &[
    "sig",
    "code",
    "token",
    "access_token",
    "api-key",
    "apikey",
    "key",
    "client_secret",
    "password",
];

/// True when a property named `key` holds a credential.
pub fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_KEYS.contains(&k.as_str())
}

/// `url` with the values of credential query parameters emptied
/// (`https://h/x?sig=abc&sv=1` → `https://h/x?sig=&sv=1`), or `None` when it
/// holds none (or is not a URL with a query).
pub fn scrub_url(url: &str) -> Option<String> {
    let (base, rest) = url.split_once('?')?;
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return None;
    }
    let (query, fragment) = match rest.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (rest, None),
    };
    let mut changed = false;
    let parts: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, v))
                if !v.is_empty() && SECRET_QUERY.iter().any(|s| s.eq_ignore_ascii_case(k)) =>
            {
                changed = true;
                format!("{k}=")
            }
            _ => p.to_string(),
        })
        .collect();
    changed.then(|| {
        let mut out = format!("{base}?{}", parts.join("&"));
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(f);
        }
        out
    })
}

/// Empties every credential in a JSON document in place: string values of
/// secret-named properties (objects and arrays under them are emptied too)
/// and credential query parameters of URLs. Returns the dotted paths of what
/// was emptied, in document order (`actions.Call.inputs.authentication.password`).
pub fn scrub_json(doc: &mut Json) -> Vec<String> {
    let mut found = Vec::new();
    walk(doc, &mut String::new(), &mut found);
    found
}

fn walk(v: &mut Json, path: &mut String, found: &mut Vec<String>) {
    match v {
        Json::Object(o) => {
            for (k, child) in o.iter_mut() {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                if is_secret_key(k) && !is_blank(child) {
                    *child = Json::String(String::new());
                    found.push(path.clone());
                } else {
                    walk(child, path, found);
                }
                path.truncate(len);
            }
        }
        Json::Array(a) => {
            for (i, child) in a.iter_mut().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(child, path, found);
                path.truncate(len);
            }
        }
        Json::String(s) => {
            if let Some(clean) = scrub_url(s) {
                *s = clean;
                found.push(path.clone());
            }
        }
        _ => {}
    }
}

/// Empties the credentials in an argument's value in place: a JSON
/// document as `scrub_json` does, a URL's credential query parameters, and
/// the secret-named or credential-URL entries of a string map. Returns what
/// was emptied: JSON paths, map keys, or one empty path for the value
/// itself (for `note`).
pub fn scrub_value(v: &mut Value) -> Vec<String> {
    match v {
        Value::Json(doc) => scrub_json(doc),
        Value::Str(s) => match scrub_url(s) {
            Some(clean) => {
                *s = clean;
                vec![String::new()]
            }
            None => Vec::new(),
        },
        Value::Map(m) => {
            let mut found = Vec::new();
            for (k, item) in m.iter_mut() {
                let Value::Str(s) = item else { continue };
                if is_secret_key(k) && !s.is_empty() {
                    s.clear();
                    found.push(k.clone());
                } else if let Some(clean) = scrub_url(s) {
                    *s = clean;
                    found.push(k.clone());
                }
            }
            found
        }
        _ => Vec::new(),
    }
}

/// True for a value that holds nothing to hide: null, `""`, `{}`, `[]`, or
/// a parameter reference such as `@parameters('pwd')` (the secret lives
/// elsewhere).
fn is_blank(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => {
            s.is_empty() || s.starts_with("@parameters(") || s.starts_with("[parameters(")
        }
        Json::Object(o) => o.is_empty(),
        Json::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The note an emitter records for what `scrub_json` / `scrub_url` emptied
/// in argument `arg`.
pub fn note(arg: &str, paths: &[String]) -> String {
    let what = if paths.iter().all(String::is_empty) {
        String::new()
    } else {
        format!(
            " ({})",
            paths
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "`{arg}`: credentials left empty{what}: the source shows them in plain text; set them for the target"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credentials_in_bodies_and_urls_are_emptied_and_named() {
        let mut body = json!({
            "type": "Http",
            "inputs": {
                "uri": "https://api.example.com/x?sig=SUPERSECRET&sv=2024",
                "headers": {"Authorization": "Bearer abc", "Accept": "json"},
                "authentication": {"type": "Basic", "username": "u", "password": "P@ss"},
                "other": {"password": "@parameters('pwd')"}
            }
        });
        let paths = scrub_json(&mut body);
        let text = body.to_string();
        for secret in ["SUPERSECRET", "Bearer abc", "P@ss"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("sv=2024") && text.contains("\"u\""), "{text}");
        assert!(
            text.contains("@parameters('pwd')"),
            "a parameter reference is kept: {text}"
        );
        assert_eq!(
            paths,
            [
                "inputs.uri",
                "inputs.headers.Authorization",
                "inputs.authentication.password"
            ]
        );
    }

    #[test]
    fn urls_without_credentials_are_left_alone() {
        assert_eq!(scrub_url("https://h/x?api-version=1"), None);
        assert_eq!(scrub_url("https://h/x"), None);
        assert_eq!(scrub_url("not a url?sig=1"), None);
        assert_eq!(
            scrub_url("https://h/api/f?code=K3Y#frag").as_deref(),
            Some("https://h/api/f?code=#frag")
        );
    }
}
