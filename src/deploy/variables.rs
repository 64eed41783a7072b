//! The input variables of a configuration before it is planned: which ones
//! have no value (no `default`, no `TF_VAR_<name>` in the environment, no
//! entry in an automatically loaded variable file), so deploy can name them
//! and say how to set them instead of letting `terraform plan` fail with
//! "No value for required variable"; and the values given to sensitive
//! ones, so they join the secrets atg redacts.
//!
//! The sources follow terraform's documented rules ("Assigning values to
//! root module variables"): environment variables `TF_VAR_<name>`
//! (case-sensitive), then `terraform.tfvars`, `terraform.tfvars.json`, and
//! `*.auto.tfvars` / `*.auto.tfvars.json` in the configuration folder. atg
//! passes no `-var` or `-var-file`. Parsing the configuration is left to
//! `validate::config`; running terraform to `runner`.

use crate::validate::config::{Config, ExprKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A variable that would have no value at plan time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsetVariable {
    /// The variable's name.
    pub name: String,
    /// Declared `sensitive = true` (a secret: best set through the environment).
    pub sensitive: bool,
}

/// What deploy needs to know of a folder's variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Variables without any value, in name order.
    pub unset: Vec<UnsetVariable>,
    /// Values given to sensitive variables (to redact), from the environment
    /// or a variable file.
    pub sensitive_values: Vec<String>,
}

/// The variable files terraform loads by itself from `dir`, in its order:
/// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars(.json)`
/// by name.
fn auto_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                })
        })
        .collect();
    auto.sort();
    out.extend(auto);
    out
}

/// Names assigned in one variable file, with their string values (other
/// values map to `None`). A file that does not parse assigns nothing:
/// terraform reports it at plan time with its own words.
fn assigned(path: &Path) -> BTreeMap<String, Option<String>> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    if path.extension().is_some_and(|e| e == "json") {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&text) else {
            return BTreeMap::new();
        };
        return map
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map(str::to_string)))
            .collect();
    }
    let Ok(body) = hcl_edit::parser::parse_body(&text) else {
        return BTreeMap::new();
    };
    body.attributes()
        .map(|a| {
            (
                a.key.as_str().to_string(),
                a.value.as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Reads the variables of the configuration in `dir` and where each gets
/// its value; `env` looks up environment variables (`TF_VAR_<name>`).
///
/// Errors: the folder or a configuration file cannot be read.
pub fn inputs(dir: &Path, env: &dyn Fn(&str) -> Option<String>) -> std::io::Result<Inputs> {
    let cfg = Config::parse_dir(dir)?;
    let files: Vec<BTreeMap<String, Option<String>>> =
        auto_files(dir).iter().map(|p| assigned(p)).collect();
    let mut out = Inputs::default();
    let mut seen = BTreeSet::new();
    for v in &cfg.variables {
        if !seen.insert(v.name.as_str()) {
            continue;
        }
        let attr = |name: &str| v.body.attributes.iter().find(|a| a.name == name);
        let sensitive = attr("sensitive").is_some_and(|a| a.expr.kind == ExprKind::Bool(true));
        let from_env = env(&format!("TF_VAR_{}", v.name));
        let from_files: Vec<&Option<String>> =
            files.iter().filter_map(|f| f.get(&v.name)).collect();
        if sensitive {
            out.sensitive_values.extend(from_env.iter().cloned());
            out.sensitive_values
                .extend(from_files.iter().filter_map(|s| s.as_ref()).cloned());
        }
        // An empty string in a file is what `terraform.tfvars.example`
        // holds before it is filled in: copied as is, it sets nothing.
        let set_in_file = from_files.iter().any(|v| v.as_deref() != Some(""));
        if attr("default").is_none() && from_env.is_none() && !set_in_file {
            out.unset.push(UnsetVariable {
                name: v.name.clone(),
                sensitive,
            });
        }
    }
    out.unset.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// How to set `unset` variables of the folder `dir`, in one line: the
/// environment for sensitive ones (kept out of files), a variable file for
/// the others.
pub fn how_to_set(dir: &Path, unset: &[UnsetVariable]) -> String {
    let example = |v: &UnsetVariable| format!("`export TF_VAR_{}=…`", v.name);
    let mut parts = Vec::new();
    if let Some(v) = unset.iter().find(|v| v.sensitive) {
        parts.push(format!(
            "set sensitive ones in the environment, e.g. {} (never in a file)",
            example(v)
        ));
    }
    if let Some(v) = unset.iter().find(|v| !v.sensitive) {
        parts.push(format!(
            "set the others as {} or as `{} = \"…\"` in `{}`",
            example(v),
            v.name,
            dir.join("terraform.tfvars").display()
        ));
    }
    let mut hint = parts.join("; ");
    if dir.join("terraform.tfvars.example").is_file() {
        hint.push_str(&format!(
            " (`{}` lists them)",
            dir.join("terraform.tfvars.example").display()
        ));
    }
    hint
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::test_folder as folder;

    #[test]
    fn variables_without_default_env_or_file_are_unset() {
        let dir = folder(&[
            (
                "main.tf",
                "variable \"password\" {\n  type      = string\n  sensitive = true\n}\nvariable \"region\" {}\nvariable \"size\" {\n  default = 1\n}\nvariable \"from_file\" {}\nvariable \"from_json\" {\n  sensitive = true\n}\nvariable \"from_env\" {}\n",
            ),
            ("terraform.tfvars", "from_file = \"x\"\n"),
            ("b.auto.tfvars.json", "{\"from_json\": \"json-s3cret\"}"),
            ("variables.tf.json", "{\"variable\": {\"in_json\": {}}}"),
        ]);
        let env = |k: &str| (k == "TF_VAR_from_env").then(|| "e".to_string());
        let got = inputs(dir.path(), &env).unwrap();
        let names: Vec<(&str, bool)> = got
            .unset
            .iter()
            .map(|v| (v.name.as_str(), v.sensitive))
            .collect();
        assert_eq!(
            names,
            [("in_json", false), ("password", true), ("region", false)]
        );
        assert_eq!(got.sensitive_values, ["json-s3cret"]);
        let env = |k: &str| (k == "TF_VAR_password").then(|| "env-s3cret".to_string());
        let got = inputs(dir.path(), &env).unwrap();
        assert!(got.sensitive_values.contains(&"env-s3cret".to_string()));
        assert!(!got.unset.iter().any(|v| v.name == "password"));
    }

    /// `terraform.tfvars.example` copied without filling it in (`name = ""`)
    /// leaves the variable unset: deploy stops before plan, not in Azure.
    #[test]
    fn an_empty_string_from_the_example_file_counts_as_unset() {
        let dir = folder(&[
            (
                "main.tf",
                "variable \"password\" {\n  sensitive = true\n}\nvariable \"region\" {}\n",
            ),
            (
                "terraform.tfvars",
                "password = \"\"\nregion = \"westeurope\"\n",
            ),
        ]);
        let got = inputs(dir.path(), &|_: &str| None).unwrap();
        let names: Vec<&str> = got.unset.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["password"]);
    }

    #[test]
    fn the_hint_says_environment_for_secrets_and_tfvars_for_the_rest() {
        let unset = [
            UnsetVariable {
                name: "password".into(),
                sensitive: true,
            },
            UnsetVariable {
                name: "region".into(),
                sensitive: false,
            },
        ];
        let hint = how_to_set(Path::new("cfg"), &unset);
        assert_eq!(
            hint,
            "set sensitive ones in the environment, e.g. `export TF_VAR_password=…` (never in a file); set the others as `export TF_VAR_region=…` or as `region = \"…\"` in `cfg/terraform.tfvars`"
        );
    }
}
