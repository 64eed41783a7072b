//! `atg agent manifests` checked against the published schemas: every
//! object, and every resource manifest inside a template (after Argo's
//! `{{…}}` substitution), is walked against the facts in
//! `tests/data/agents/schema-facts.json` (Argo Workflows, Argo Events, the
//! CodeRun CRD, Lease, ConfigMap); the lock the templates compute is the
//! one `atg agent run` takes; and the sensors go through it.

mod common;

use common::{Dir, stderr, stdout};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

const CONFIG: &str = "[run]\nmodel = \"claude-sonnet-4-20250514\"\ngithub_app = \"5DLabs-Rex\"\ndocs_repository_url = \"https://github.com/org/docs\"\n[profiles.deployment-orchestrator]\ngithub_app = \"5DLabs-Deployer\"\n";

fn facts() -> Value {
    let path = common::root().join("tests/data/agents/schema-facts.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Walks `v` against type `ty` of the facts, collecting every violation.
fn check(facts: &Value, ty: &str, v: &Value, path: &str, errors: &mut Vec<String>) {
    if ty == "any" {
        return;
    }
    if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        match v.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(facts, inner, item, &format!("{path}[{i}]"), errors);
                }
            }
            None => errors.push(format!("{path}: expected a list of {inner}, found {v}")),
        }
        return;
    }
    if let Some(inner) = ty.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        match v.as_object() {
            Some(m) => {
                for (k, item) in m {
                    check(facts, inner, item, &format!("{path}.{k}"), errors);
                }
            }
            None => errors.push(format!("{path}: expected a map of {inner}, found {v}")),
        }
        return;
    }
    let ok = match ty {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        _ => {
            let def = &facts["types"][ty];
            assert!(def.is_object(), "the facts have no type `{ty}` (at {path})");
            let Some(obj) = v.as_object() else {
                errors.push(format!("{path}: expected a {ty} object, found {v}"));
                return;
            };
            for r in def["required"].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap();
                if !obj.contains_key(r) {
                    errors.push(format!("{path}: {ty} requires `{r}`"));
                }
            }
            for (k, item) in obj {
                match def["properties"][k].as_str() {
                    Some(t) => {
                        if item.is_null() {
                            continue; // a merge patch's deletion
                        }
                        if let Some(allowed) = facts["enums"][format!("{ty}.{k}")].as_array()
                            && !allowed.contains(item)
                        {
                            errors.push(format!("{path}.{k}: {item} is not one of {allowed:?}"));
                        }
                        check(facts, t, item, &format!("{path}.{k}"), errors);
                    }
                    None => errors.push(format!("{path}: {ty} has no field `{k}`")),
                }
            }
            true
        }
    };
    if !ok {
        errors.push(format!("{path}: expected {ty}, found {v}"));
    }
}

fn kind_type(facts: &Value, obj: &Value) -> String {
    let key = format!(
        "{} {}",
        obj["apiVersion"].as_str().unwrap(),
        obj["kind"].as_str().unwrap()
    );
    facts["kinds"][&key]
        .as_str()
        .unwrap_or_else(|| panic!("no facts for `{key}`"))
        .to_string()
}

/// Argo's substitution with sample values: simple tags by name,
/// `toJson(...)` as a JSON string.
fn substitute(manifest: &str) -> String {
    let mut out = String::new();
    let mut rest = manifest;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").expect("tags close") + i;
        let tag = &rest[i + 2..end];
        let value = match tag {
            "=toJson(inputs.parameters.prompt)" => {
                "\"Task: line one\\nline \\\"two\\\"\"".to_string()
            }
            "inputs.parameters.task-id" => "1029".to_string(),
            "inputs.parameters.subject-label" => "pr-number".to_string(),
            t => format!("sample-{}", t.rsplit('.').next().unwrap()),
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `atg agent run ci-pr-manager --pr PR --repository org/repo --dry-run EXTRA…`.
fn dry_run(d: &Dir, pr: &str, extra: &[&str]) -> std::process::Output {
    d.atg()
        .args([
            "agent",
            "run",
            "ci-pr-manager",
            "--pr",
            pr,
            "--repository",
            "org/repo",
            "--dry-run",
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn manifests(d: &Dir) -> Vec<(String, Value)> {
    d.write(".atg/agents.toml", CONFIG);
    let out = d
        .atg()
        .args(["agent", "manifests", "-o", "gitops"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let files: Vec<String> = stdout(&out).lines().map(String::from).collect();
    assert_eq!(
        files,
        [
            "gitops/semaphores.yaml",
            "gitops/workflowtemplate-coderun.yaml",
            "gitops/workflowtemplate-orchestrator.yaml",
            "gitops/sensor-github.yaml"
        ]
    );
    files
        .iter()
        .flat_map(|f| {
            let text = d.read(f);
            let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
            docs.into_iter().map(move |v| (f.clone(), v))
        })
        .collect()
}

fn find<'a>(objs: &'a [(String, Value)], kind: &str, name: &str) -> &'a Value {
    &objs
        .iter()
        .find(|(_, o)| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
        .1
}

fn template<'a>(wt: &'a Value, name: &str) -> &'a Value {
    wt["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no template {name}"))
}

#[test]
fn manifests_satisfy_the_argo_and_coderun_schemas() {
    let d = Dir::new();
    let facts = facts();
    let objs = manifests(&d);
    let mut errors = Vec::new();
    let mut embedded = 0;
    for (file, obj) in &objs {
        let ty = kind_type(&facts, obj);
        check(&facts, &ty, obj, &format!("{file}: {ty}"), &mut errors);
        for t in obj["spec"]["templates"].as_array().into_iter().flatten() {
            if let Some(m) = t["resource"]["manifest"].as_str() {
                let text = substitute(m);
                let inner: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("template {}: {e}\n{text}", t["name"]));
                let ity = kind_type(&facts, &inner);
                let at = format!("{file}: template {} manifest", t["name"]);
                if t["resource"]["action"] == "get" {
                    // `get` only names the object: identity, no required spec.
                    assert!(inner["metadata"]["name"].is_string(), "{at}");
                    let mut named = inner.clone();
                    named.as_object_mut().unwrap().retain(|k, _| k != "spec");
                    let mut errs = Vec::new();
                    check(&facts, &ity, &named, &at, &mut errs);
                    errors.extend(errs.into_iter().filter(|e| !e.contains("requires `spec`")));
                } else {
                    check(&facts, &ity, &inner, &at, &mut errors);
                }
                embedded += 1;
            }
        }
        for trig in obj["spec"]["triggers"].as_array().into_iter().flatten() {
            let wf = &trig["template"]["argoWorkflow"]["source"]["resource"];
            check(
                &facts,
                "Workflow",
                wf,
                &format!("{file}: trigger workflow"),
                &mut errors,
            );
        }
    }
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
    assert_eq!(
        embedded, 5,
        "acquire, read-lease, read-holder, take-over, coderun"
    );
}

#[test]
fn the_coderun_template_waits_on_phase_and_goes_through_the_lease() {
    let d = Dir::new();
    let objs = manifests(&d);
    let wt = find(&objs, "WorkflowTemplate", "atg-coderun");
    let coderun = &template(wt, "coderun")["resource"];
    assert_eq!(coderun["action"], "create");
    assert_eq!(coderun["successCondition"], "status.phase == Succeeded");
    assert_eq!(coderun["failureCondition"], "status.phase == Failed");
    let acquire = &template(wt, "acquire")["resource"];
    assert_eq!(acquire["action"], "create", "the Lease is taken by create");
    let take_over = &template(wt, "take-over")["resource"];
    assert_eq!(take_over["action"], "patch");
    assert_eq!(take_over["mergeStrategy"], "merge");
    assert!(
        take_over["manifest"]
            .as_str()
            .unwrap()
            .contains("\"resourceVersion\": \"{{inputs.parameters.resource-version}}\""),
        "the takeover is a compare-and-swap on resourceVersion"
    );
    let steps: Vec<&str> = template(wt, "run")["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[0]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "acquire",
            "read-lease",
            "read-holder",
            "take-over",
            "coderun"
        ]
    );
    let last = &template(wt, "run")["steps"][4][0];
    assert!(
        last["when"]
            .as_str()
            .unwrap()
            .contains("steps.acquire.status == 'Succeeded'")
    );
    // The CodeRun's inputs are all passed through.
    let inputs: BTreeSet<&str> = template(wt, "coderun")["inputs"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for p in last["arguments"]["parameters"].as_array().unwrap() {
        assert!(inputs.contains(p["name"].as_str().unwrap()));
    }
    // Per-profile values from the config file.
    let deploy_args =
        &template(wt, "deployment-orchestrator")["steps"][0][0]["arguments"]["parameters"];
    let github_app = deploy_args
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "github-app")
        .unwrap();
    assert_eq!(github_app["value"], "5DLabs-Deployer");
}

#[test]
fn semaphores_use_the_plural_form_and_the_config_map() {
    let d = Dir::new();
    let objs = manifests(&d);
    for (file, _) in &objs {
        let text = d.read(file);
        assert!(
            !text.contains("semaphore:"),
            "{file} uses the singular `semaphore:`"
        );
    }
    let cm = find(&objs, "ConfigMap", "atg-agent-semaphores");
    let wt = find(&objs, "WorkflowTemplate", "atg-coderun");
    for profile in [
        "iteration-analyzer",
        "ci-pr-manager",
        "deployment-orchestrator",
    ] {
        let sems = &template(wt, profile)["synchronization"]["semaphores"];
        let r = &sems[0]["configMapKeyRef"];
        assert_eq!(r["name"], "atg-agent-semaphores");
        assert_eq!(r["key"], profile);
        let limit: u32 = cm["data"][profile].as_str().unwrap().parse().unwrap();
        assert!(limit >= 1);
    }
    assert_eq!(cm["data"]["deployment-orchestrator"], "1");
}

/// The Lease name the templates compute (sprig `sha256sum` of the key) is
/// the one `atg agent run` takes for the same key, so webhook-started and
/// CLI-started runs exclude each other.
#[test]
fn templates_and_the_cli_guard_a_key_with_the_same_lease() {
    let d = Dir::new();
    let objs = manifests(&d);
    let wt = find(&objs, "WorkflowTemplate", "atg-coderun");
    let args = &template(wt, "ci-pr-manager")["steps"][0][0]["arguments"]["parameters"];
    let lock = args
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "lock")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();
    let prefix = lock
        .split("sha256sum('")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .unwrap();
    assert!(
        lock.ends_with("' + inputs.parameters.pr + '|' + inputs.parameters.repository))}}"),
        "{lock}"
    );
    let digest = Sha256::digest(format!("{prefix}1029|org/repo").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let from_template = format!("atg-lock-{}", &hex[..16]);
    let dry = dry_run(&d, "1029", &[]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stderr(&dry).contains(&format!(
            "the lock for this work is Lease `{from_template}`"
        )),
        "template lock {from_template} vs {}",
        stderr(&dry)
    );
}

#[test]
fn sensors_submit_the_coderun_template_for_pr_review_and_ci_events() {
    let d = Dir::new();
    let objs = manifests(&d);
    let sensor = find(&objs, "Sensor", "atg-github");
    let wt = find(&objs, "WorkflowTemplate", "atg-coderun");
    let deps: Vec<&str> = sensor["spec"]["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(deps, ["pr-changed", "review-approved", "ci-failed"]);
    for trig in sensor["spec"]["triggers"].as_array().unwrap() {
        let t = &trig["template"];
        assert!(deps.contains(&t["conditions"].as_str().unwrap()));
        let wf = &t["argoWorkflow"]["source"]["resource"];
        assert_eq!(t["argoWorkflow"]["operation"], "submit");
        assert_eq!(wf["spec"]["workflowTemplateRef"]["name"], "atg-coderun");
        let entry = wf["spec"]["entrypoint"].as_str().unwrap();
        // The entry template is semaphore-limited and runs `run`, which takes the Lease.
        assert_eq!(template(wt, entry)["steps"][0][0]["template"], "run");
        let params = wf["spec"]["arguments"]["parameters"].as_array().unwrap();
        for p in trig["parameters"].as_array().unwrap() {
            let dest = p["dest"].as_str().unwrap();
            let i: usize = dest
                .strip_prefix("spec.arguments.parameters.")
                .and_then(|r| r.strip_suffix(".value"))
                .unwrap()
                .parse()
                .unwrap();
            assert!(i < params.len(), "{dest}");
        }
    }
}

#[test]
fn the_orchestrator_dag_chains_the_three_profiles() {
    let d = Dir::new();
    let objs = manifests(&d);
    let wt = find(&objs, "WorkflowTemplate", "atg-coderun");
    let dag = find(&objs, "WorkflowTemplate", "atg-orchestrator");
    let tasks = dag["spec"]["templates"][0]["dag"]["tasks"]
        .as_array()
        .unwrap();
    let refs: Vec<&str> = tasks
        .iter()
        .map(|t| {
            assert_eq!(t["templateRef"]["name"], "atg-coderun");
            let name = t["templateRef"]["template"].as_str().unwrap();
            template(wt, name);
            name
        })
        .collect();
    assert_eq!(
        refs,
        [
            "iteration-analyzer",
            "ci-pr-manager",
            "deployment-orchestrator"
        ]
    );
    assert_eq!(tasks[1]["depends"], "analyze");
    assert_eq!(
        tasks[2]["depends"],
        "manage-pr.Succeeded || manage-pr.Skipped"
    );
}

#[test]
fn manifests_are_deterministic_and_need_the_required_fields() {
    let d = Dir::new();
    manifests(&d);
    let first = d.read("gitops/workflowtemplate-coderun.yaml");
    manifests(&d);
    assert_eq!(first, d.read("gitops/workflowtemplate-coderun.yaml"));
    let e = Dir::new();
    let out = e
        .atg()
        .args(["agent", "manifests", "-o", "gitops"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: the `iteration-analyzer` CodeRuns are missing required field(s) `docsRepositoryUrl`, `model`, `githubApp`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_cli_s_coderun_satisfies_the_crd_schema() {
    let d = Dir::new();
    d.write(".atg/agents.toml", CONFIG);
    let out = dry_run(&d, "7", &["--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let docs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let facts = facts();
    let mut errors = Vec::new();
    for doc in docs.as_array().unwrap() {
        let ty = kind_type(&facts, doc);
        check(&facts, &ty, doc, &ty, &mut errors);
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(docs[0]["spec"]["taskId"], 7);
    assert_eq!(
        docs[0]["spec"]["repositoryUrl"],
        "https://github.com/org/repo"
    );
}
