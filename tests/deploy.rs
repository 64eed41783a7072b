//! `atg deploy` end to end on the real terraform binary with provider-free
//! configurations: `terraform_data` resources whose `local-exec`
//! provisioners fail the way Azure does (throttling, missing roles, existing
//! resources). Covers retries with backoff, permanent errors, dry runs,
//! the registry, rollback, destroy, Ctrl-C, secrets and `iterate --auto-deploy`.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const TENANT: &str = "11111111-2222-3333-4444-555555555555";
const SUB: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const OTHER_SUB: &str = "aaaaaaaa-bbbb-cccc-dddd-ffffffffffff";

/// Environment isolating terraform in the test folder (an empty CLI
/// config, its own data dir) and making retries fast.
fn isolated_env(d: &Dir) -> Vec<(&'static str, PathBuf)> {
    let rc = d.path().join("terraformrc");
    if !rc.exists() {
        std::fs::write(&rc, "").unwrap();
    }
    vec![
        ("TF_CLI_CONFIG_FILE", rc),
        ("TF_DATA_DIR", d.path().join("tf-data")),
        ("ATG_RETRY_BASE_MS", PathBuf::from("40")),
    ]
}

/// `atg` in the test folder, terraform isolated (see `isolated_env`).
fn atg(d: &Dir) -> assert_cmd::Command {
    let mut c = d.atg();
    c.envs(isolated_env(d));
    c
}

/// `atg deploy --iac-dir cfg --target-subscription SUB --target-tenant-id TENANT ARGS`.
fn deploy(d: &Dir, args: &[&str]) -> std::process::Output {
    deploy_with(d, &[], args)
}

/// `deploy` with environment variables `env` set.
fn deploy_with(d: &Dir, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    atg(d)
        .envs(env.iter().copied())
        .args([
            "deploy",
            "--iac-dir",
            "cfg",
            "--target-subscription",
            SUB,
            "--target-tenant-id",
            TENANT,
        ])
        .args(args)
        .output()
        .unwrap()
}

/// A `terraform_data` resource whose provisioner fails on its first `fails`
/// runs (counted in `<name>.count`), printing `messages[k]` on run k+1 (the
/// last one after that), then succeeds. The script lives beside `cfg/`, so
/// terraform's error detail names `sh ../<name>.sh`, not the messages.
fn flaky(d: &Dir, name: &str, fails: u32, messages: &[&str]) -> String {
    for (i, m) in messages.iter().enumerate() {
        d.write(&format!("{name}.msg{}", i + 1), &format!("{m}\n"));
    }
    d.write(
        &format!("{name}.sh"),
        &format!(
            "n=$(cat ../{name}.count 2>/dev/null || echo 0); n=$((n+1)); echo $n > ../{name}.count\n\
             if [ $n -le {fails} ]; then\n\
             m=../{name}.msg$n; [ -f $m ] || m=../{name}.msg{last}\n\
             cat $m >&2; exit 1\n\
             fi\n",
            last = messages.len()
        ),
    );
    format!(
        "resource \"terraform_data\" \"{name}\" {{\n  input = \"{name}\"\n  provisioner \"local-exec\" {{\n    command = \"sh ../{name}.sh\"\n  }}\n}}\n"
    )
}

/// Asserts `out` exited with `code` and said `needle` on stderr.
fn assert_exit(out: &std::process::Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains(needle), "{err}");
}

fn plain(name: &str) -> String {
    format!("resource \"terraform_data\" \"{name}\" {{\n  input = \"{name}\"\n}}\n")
}

fn runs(d: &Dir, name: &str) -> u32 {
    std::fs::read_to_string(d.path().join(format!("{name}.count")))
        .map(|s| s.trim().parse().unwrap())
        .unwrap_or(0)
}

fn registry(d: &Dir) -> Vec<Value> {
    d.read("demos/deployments.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("registry line {l}: {e}")))
        .collect()
}

fn list(d: &Dir) -> Vec<Value> {
    let out = atg(d)
        .args(["deploy", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str::<Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Resource names in `cfg/terraform.tfstate` (empty without state).
fn state(d: &Dir) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(d.path().join("cfg/terraform.tfstate")) else {
        return Vec::new();
    };
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut names: Vec<String> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn log_of(d: &Dir, entry: &Value) -> String {
    d.read(entry["log"].as_str().unwrap())
}

#[test]
fn transient_errors_are_retried_with_exponential_backoff() {
    let d = Dir::new();
    let api = flaky(
        &d,
        "api",
        2,
        &[
            "Error: 429 Too Many Requests",
            "Error: RetryableError: the service asked for a retry",
        ],
    );
    d.write("cfg/main.tf", &(api + &plain("other")));
    let out = deploy(&d, &["--yes", "--format", "json", "--parallelism", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(runs(&d, "api"), 3, "two failures, then success");
    let o: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(o["outcome"], "succeeded");
    let retries = o["retries"].as_array().unwrap();
    assert_eq!(retries.len(), 2);
    assert_eq!(retries[0]["category"], "throttled");
    assert_eq!(retries[1]["category"], "retryable");
    // Base 40 ms, doubling, plus up to 100% jitter.
    let delays: Vec<u64> = retries
        .iter()
        .map(|r| r["delay_ms"].as_u64().unwrap())
        .collect();
    assert!((40..=80).contains(&delays[0]), "{delays:?}");
    assert!((80..=160).contains(&delays[1]), "{delays:?}");
    assert!(
        stderr(&out)
            .contains("Retried 2 time(s) after transient errors: throttled ×1, retryable ×1"),
        "{}",
        stderr(&out)
    );
    let reg = registry(&d);
    assert_eq!(reg.len(), 2, "a start and an end entry");
    assert_eq!(reg[0]["event"], "start");
    assert_eq!(reg[1]["event"], "end");
    assert_eq!(reg[1]["outcome"], "succeeded");
    assert_eq!(reg[1]["retries"], 2);
    assert_eq!(reg[1]["error_categories"]["throttled"], 1);
    assert_eq!(reg[1]["planned"]["add"], 2);
    assert_eq!(
        reg[1]["applied"],
        serde_json::json!({"add": 2, "change": 0, "destroy": 0}),
        "replacing the tainted leftovers of failed attempts is not a destroy"
    );
    let log = log_of(&d, &reg[0]);
    assert!(
        log.contains("transient error (throttled) in apply: retry 1 of 3"),
        "{log}"
    );
    assert!(
        log.contains("$ terraform apply -input=false -no-color -json -parallelism=2 "),
        "{log}"
    );
    assert!(
        log.contains("transient error (retryable) in apply: retry 2 of 3"),
        "{log}"
    );
    assert_eq!(state(&d), ["api", "other"]);
}

#[test]
fn transient_errors_stop_when_the_retries_run_out() {
    let d = Dir::new();
    let api = flaky(&d, "api", 99, &["Error: context deadline exceeded"]);
    d.write("cfg/main.tf", &api);
    let out = deploy(&d, &["--yes", "--max-retries", "2"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(runs(&d, "api"), 3, "the first try and two retries");
    let err = stderr(&out);
    assert!(err.contains("failed in apply (timeout)"), "{err}");
    assert!(err.contains("raise `--max-retries`"), "{err}");
    let end = &registry(&d)[1];
    assert_eq!(end["outcome"], "failed");
    assert_eq!(end["retries"], 2);
    assert_eq!(end["error_categories"]["timeout"], 3);
}

#[test]
fn permanent_errors_stop_at_once_with_a_hint() {
    let cases = [
        (
            "Error: Code=\"AuthorizationFailed\" Message=\"The client does not have authorization to perform action\"",
            "authorization_failed",
            "lacks a role on the target subscription",
        ),
        (
            "Error: A resource with the ID \"/subscriptions/s/resourceGroups/rg\" already exists - to be managed via Terraform this resource needs to be imported into the State.",
            "already_exists",
            "add an `import` block",
        ),
        (
            "Error: MissingSubscriptionRegistration: The subscription is not registered to use namespace 'Microsoft.Sql'",
            "provider_not_registered",
            "az provider register",
        ),
    ];
    for (message, category, hint) in cases {
        let d = Dir::new();
        let api = flaky(&d, "api", 99, &[message]);
        d.write("cfg/main.tf", &api);
        let out = deploy(&d, &["--yes"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert_eq!(runs(&d, "api"), 1, "{category}: never retried");
        assert!(
            err.contains(&format!("failed in apply ({category})")),
            "{err}"
        );
        assert!(err.contains(hint), "{err}");
        let end = &registry(&d)[1];
        assert_eq!(end["retries"], 0);
        assert_eq!(end["error_categories"][category], 1);
        assert!(!err.contains("Retried"), "{err}");
    }
}

#[test]
fn invalid_configuration_fails_in_plan_without_retries() {
    let d = Dir::new();
    d.write(
        "cfg/main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = var.missing\n}\n",
    );
    let out = deploy(&d, &["--yes"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("failed in plan (invalid_config)"), "{err}");
    assert!(err.contains("atg validate"), "{err}");
    assert_eq!(registry(&d)[1]["retries"], 0);
}

#[test]
fn dry_run_reports_the_counts_and_changes_nothing() {
    let d = Dir::new();
    d.write(
        "cfg/main.tf",
        &(plain("kept") + &plain("changed") + &plain("removed")),
    );
    let out = deploy(&d, &["--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // One resource changes in place, one goes, one is added with a
    // provisioner that would leave a marker file.
    d.write(
        "cfg/main.tf",
        &(plain("kept")
            + "resource \"terraform_data\" \"changed\" {\n  input = \"new value\"\n}\n"
            + "resource \"terraform_data\" \"added\" {\n  provisioner \"local-exec\" {\n    command = \"touch ../added.marker\"\n  }\n}\n"),
    );
    let before = d.read("cfg/terraform.tfstate");
    let out = deploy(&d, &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(
        table.contains("│ terraform_data ┆   1 ┆      1 ┆       1 │"),
        "{table}"
    );
    assert!(
        stderr(&out)
            .contains("Plan: 1 to add, 1 to change, 1 to destroy (dry run: nothing applied"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        d.read("cfg/terraform.tfstate"),
        before,
        "the state is untouched"
    );
    assert!(
        !d.path().join("added.marker").exists(),
        "nothing was applied"
    );
    let json = deploy(&d, &["--dry-run", "--format", "json"]);
    let o: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(
        o["plan"]["counts"],
        serde_json::json!({"add": 1, "change": 1, "destroy": 1})
    );
    assert_eq!(
        o["plan"]["creates"],
        serde_json::json!(["terraform_data.added"])
    );
    assert_eq!(
        o["applied"],
        serde_json::json!({"add": 0, "change": 0, "destroy": 0})
    );
    let deployments = list(&d);
    assert_eq!(deployments.len(), 3);
    assert_eq!(deployments[1]["end"]["outcome"], "planned");
    assert_eq!(deployments[1]["start"]["dry_run"], true);
    assert_eq!(deployments[1]["end"]["planned"]["destroy"], 1);
    // A dry run has nothing to destroy.
    let id = deployments[1]["start"]["id"].as_str().unwrap();
    let out = atg(&d)
        .args([
            "deploy",
            "destroy",
            id,
            "--yes",
            "--target-subscription",
            SUB,
        ])
        .args(["--target-tenant-id", TENANT])
        .output()
        .unwrap();
    assert_exit(&out, 2, "it was a dry run");
}

#[test]
fn rollback_destroys_only_what_the_failed_deployment_created() {
    let d = Dir::new();
    d.write("cfg/main.tf", &plain("existing"));
    assert!(deploy(&d, &["--yes"]).status.success());
    let denied = flaky(&d, "denied", 99, &["Error: AuthorizationFailed"]);
    d.write(
        "cfg/main.tf",
        &(plain("existing")
            + &plain("created")
            + &denied.replace(
                "input = \"denied\"",
                "input = \"denied\"\n  depends_on = [terraform_data.created]",
            )),
    );
    let out = deploy(&d, &["--yes", "--rollback-on-failure"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("Rolled back: destroyed 2 of 2 resources this deployment created"),
        "{err}"
    );
    assert_eq!(state(&d), ["existing"], "what existed before stays");
    let end = registry(&d).last().unwrap().clone();
    assert_eq!(end["outcome"], "failed");
    assert_eq!(end["rollback"]["outcome"], "destroyed");
    assert_eq!(
        end["rollback"]["targets"],
        serde_json::json!(["terraform_data.created", "terraform_data.denied"])
    );
    assert_eq!(end["rollback"]["destroyed"], 2);
    assert_eq!(list(&d)[1]["end"]["rollback"]["destroyed"], 2);

    // Rollback needs --yes.
    let out = deploy(&d, &["--rollback-on-failure", "--dry-run"]);
    assert_exit(&out, 2, "--yes");
}

#[test]
fn destroy_needs_yes_and_the_recorded_target() {
    let d = Dir::new();
    d.write("cfg/main.tf", &plain("a"));
    assert!(deploy(&d, &["--yes"]).status.success());
    // A later deployment of the same folder adds to the same state.
    d.write("cfg/main.tf", &(plain("a") + &plain("b")));
    assert!(deploy(&d, &["--yes"]).status.success());
    let id = list(&d)[0]["start"]["id"].as_str().unwrap().to_string();
    let later = list(&d)[1]["start"]["id"].as_str().unwrap().to_string();
    let destroy = |extra: &[&str]| {
        atg(&d)
            .args(["deploy", "destroy", &id])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = destroy(&["--target-subscription", SUB, "--target-tenant-id", TENANT]);
    assert_exit(&out, 2, "without `--yes`");
    assert_eq!(state(&d), ["a", "b"]);

    let out = destroy(&[
        "--yes",
        "--target-subscription",
        OTHER_SUB,
        "--target-tenant-id",
        TENANT,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("went to subscription `{SUB}`")),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("Destroying"),
        "refused before anything runs"
    );
    assert_eq!(state(&d), ["a", "b"]);

    let out = atg(&d)
        .args([
            "deploy",
            "destroy",
            "deploy-nope",
            "--yes",
            "--target-subscription",
            SUB,
        ])
        .args(["--target-tenant-id", TENANT])
        .output()
        .unwrap();
    assert_exit(&out, 2, "no deployment `deploy-nope`");

    let out = destroy(&[
        "--yes",
        "--target-subscription",
        SUB,
        "--target-tenant-id",
        TENANT,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Destroyed 2 resource(s)"), "{err}");
    assert!(
        err.contains(&format!(
            "this also destroys what later deployments of it applied: {later}"
        )),
        "{err}"
    );
    assert!(state(&d).is_empty());
    let reg = registry(&d);
    let events: Vec<&str> = reg.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        [
            "start",
            "end",
            "start",
            "end",
            "destroy_start",
            "destroy_end"
        ]
    );
    assert_eq!(reg[5]["destroyed"], 2);
    let listed = list(&d);
    assert_eq!(listed[0]["destroy"]["end"]["outcome"], "destroyed");
    let table = atg(&d).args(["deploy", "list"]).output().unwrap();
    assert!(stdout(&table).contains("destroyed"), "{}", stdout(&table));
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_apply_marks_the_deployment_interrupted_and_keeps_the_registry_whole() {
    let d = Dir::new();
    d.write(
        "cfg/main.tf",
        &(plain("fast")
            + "resource \"terraform_data\" \"slow\" {\n  depends_on = [terraform_data.fast]\n  provisioner \"local-exec\" {\n    command = \"touch ../started; exec sleep 60\"\n  }\n}\n"),
    );
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("atg"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AZURE_") || k.starts_with("ATG_") || k.starts_with("TF_") {
            cmd.env_remove(k);
        }
    }
    let child = cmd
        .current_dir(d.path())
        .envs(isolated_env(&d))
        .args([
            "deploy",
            "--iac-dir",
            "cfg",
            "--yes",
            "--target-subscription",
            SUB,
        ])
        .args(["--target-tenant-id", TENANT])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !d.path().join("started").exists() {
        assert!(start.elapsed().as_secs() < 120, "the apply never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let t0 = std::time::Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        t0.elapsed().as_secs() < 30,
        "terraform stopped instead of finishing the sleep"
    );
    assert!(
        err.contains("interrupted; terraform stopped gracefully and saved its state"),
        "{err}"
    );
    let reg = registry(&d);
    assert_eq!(reg.len(), 2, "{reg:?}");
    assert_eq!(reg[1]["outcome"], "interrupted");
    assert_eq!(reg[1]["applied"]["add"], 1);
    assert!(
        state(&d).contains(&"fast".to_string()),
        "terraform saved its state"
    );
    let log = log_of(&d, &reg[0]);
    assert!(
        log.contains("interrupt received; forwarded to terraform"),
        "{log}"
    );
    assert_eq!(list(&d)[0]["end"]["outcome"], "interrupted");
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn no_secret_reaches_stdout_stderr_logs_or_the_registry() {
    const ALIAS_SECRET: &str = "fake-Alias-S3cret-7f3a";
    const AZURE_SECRET: &str = "fake-Azure-S3cret-91c2";
    let d = Dir::new();
    // The provisioner proves terraform got the secret as ARM_CLIENT_SECRET,
    // and prints it, as careless provisioners and provider errors do.
    let script = "env | sort > ../env.txt; echo \\\"secret=$ARM_CLIENT_SECRET\\\"";
    d.write(
        "cfg/main.tf",
        &format!(
            "resource \"terraform_data\" \"a\" {{\n  provisioner \"local-exec\" {{\n    command = \"{script}\"\n  }}\n}}\n"
        ),
    );
    let mut outputs = Vec::new();
    let with_alias = |c: &mut assert_cmd::Command| {
        c.env("ATG_TENANT_PROD_CLIENT_ID", "app-prod")
            .env("ATG_TENANT_PROD_CLIENT_SECRET", ALIAS_SECRET)
            .env("ATG_TENANT_PROD_TENANT_ID", TENANT)
            .env("AZURE_CLIENT_SECRET", AZURE_SECRET);
    };
    let mut c = atg(&d);
    with_alias(&mut c);
    let out = c
        .args([
            "deploy",
            "--iac-dir",
            "cfg",
            "--yes",
            "--tenant-alias",
            "prod",
        ])
        .args(["--target-subscription", SUB, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let env = d.read("env.txt");
    assert!(
        env.contains(&format!("ARM_CLIENT_SECRET={ALIAS_SECRET}")),
        "terraform got the secret"
    );
    assert!(env.contains("ARM_CLIENT_ID=app-prod"));
    assert!(env.contains(&format!("ARM_TENANT_ID={TENANT}")));
    assert!(
        !env.contains("ATG_TENANT_"),
        "named-tenant variables are withheld"
    );
    assert!(
        !env.contains(AZURE_SECRET),
        "another tenant's secret is withheld"
    );
    std::fs::remove_file(d.path().join("env.txt")).unwrap();
    outputs.push(out);

    // A failure whose error text carries the secret, with the AZURE_* variables.
    d.write(
        "cfg/main.tf",
        "resource \"terraform_data\" \"b\" {\n  provisioner \"local-exec\" {\n    command = \"echo \\\"AuthorizationFailed for $ARM_CLIENT_SECRET\\\" >&2; exit 1\"\n  }\n}\n",
    );
    let out = atg(&d)
        .env("AZURE_CLIENT_ID", "app")
        .env("AZURE_CLIENT_SECRET", AZURE_SECRET)
        .args(["deploy", "--iac-dir", "cfg", "--yes", "--auth", "sp"])
        .args(["--target-subscription", SUB, "--target-tenant-id", TENANT])
        .output()
        .unwrap();
    assert_exit(&out, 3, "AuthorizationFailed for [REDACTED]");
    outputs.push(out);
    let mut c = atg(&d);
    with_alias(&mut c);
    outputs.push(
        c.args(["deploy", "list", "--format", "json"])
            .output()
            .unwrap(),
    );

    for o in &outputs {
        for (name, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            for s in [ALIAS_SECRET, AZURE_SECRET] {
                assert!(
                    !contains(bytes, s),
                    "{name} holds a secret: {}",
                    String::from_utf8_lossy(bytes)
                );
            }
        }
    }
    let all = files(d.path());
    assert!(
        all.iter()
            .any(|p| p.extension().is_some_and(|e| e == "log"))
    );
    for f in all {
        let bytes = std::fs::read(&f).unwrap();
        for s in [ALIAS_SECRET, AZURE_SECRET] {
            assert!(!contains(&bytes, s), "`{}` holds a secret", f.display());
        }
    }
    let reg = registry(&d);
    let log = log_of(&d, &reg[0]);
    assert!(log.contains("secret=[REDACTED]"), "{log}");
}

/// The spellings of `secret` that must never appear: as is, JSON-escaped
/// (serde's and Go's, which terraform's `-json` output uses: `<` as
/// `\u003c`…), HTML-escaped and URL-encoded.
fn spellings(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_string();
    let go = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028");
    let html = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    let url: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    vec![secret.to_string(), json, go, html, url]
}

/// Issue 14: `ATG_TENANT_TARGET_CLIENT_SECRET='abc<def&ghi-123456'` reached
/// the `caused by:` line and the registry's `error` field, because
/// terraform's JSON writes `<` and `&` as `\u003c` and `\u0026`. A table of
/// secrets with special characters goes through every command that prints
/// or stores terraform's words: deploy (table and JSON, success and
/// failure), deploy list (table and JSON) and deploy destroy (failing).
#[test]
fn issue14_secrets_with_special_characters_are_redacted_everywhere() {
    const SECRETS: [&str; 4] = [
        "abc<def&ghi-123456",
        "p\"w'd\\x y$z`!;|",
        "ümlaut€%2B+/=?#é",
        "a>b<c&d\u{2028}e-99",
    ];
    // The scripts read the secret from terraform's environment and print
    // it verbatim, as careless provisioners and provider errors do.
    let leaky = |name: &str, when_destroy: bool| {
        let script = if when_destroy {
            "printf 'create ok\\n'"
        } else {
            "sh ../fail.sh"
        };
        format!(
            "resource \"terraform_data\" \"{name}\" {{\n  provisioner \"local-exec\" {{\n    command = \"{script}\"\n  }}\n{}}}\n",
            if when_destroy {
                "  provisioner \"local-exec\" {\n    when    = destroy\n    command = \"sh ../fail.sh\"\n  }\n  provisioner \"local-exec\" {\n    command = \"sh ../print.sh\"\n  }\n"
            } else {
                ""
            }
        )
    };
    let threads: Vec<_> = SECRETS
        .iter()
        .map(|secret| {
            let (ok_cfg, bad_cfg) = (leaky("a", true), leaky("b", false));
            std::thread::spawn(move || {
                let d = Dir::new();
                d.write(
                    "fail.sh",
                    "printf 'AuthorizationFailed for %s\\n' \"$ARM_CLIENT_SECRET\" >&2; exit 1\n",
                );
                d.write("print.sh", "printf 'secret=%s\\n' \"$ARM_CLIENT_SECRET\"\n");
                d.write("ok/main.tf", &ok_cfg);
                d.write("bad/main.tf", &bad_cfg);
                let run = |args: &[&str]| {
                    atg(&d)
                        .env("ATG_TENANT_TARGET_CLIENT_ID", "app")
                        .env("ATG_TENANT_TARGET_CLIENT_SECRET", secret)
                        .env("ATG_TENANT_TARGET_TENANT_ID", TENANT)
                        .args(args)
                        .output()
                        .unwrap()
                };
                let deploy = |dir: &str, extra: &[&str]| {
                    let mut args = vec!["deploy", "--iac-dir", dir, "--yes"];
                    args.extend(["--tenant-alias", "target", "--target-subscription", SUB]);
                    args.extend(extra);
                    run(&args)
                };
                let mut outputs = vec![
                    (
                        "deploy --format json",
                        deploy("ok", &["--format", "json"]),
                        0,
                    ),
                    ("deploy (failing)", deploy("bad", &[]), 3),
                    (
                        "deploy --format json (failing)",
                        deploy("bad", &["--format", "json"]),
                        3,
                    ),
                    ("deploy list", run(&["deploy", "list"]), 0),
                    (
                        "deploy list --format json",
                        run(&["deploy", "list", "--format", "json"]),
                        0,
                    ),
                ];
                let id = list(&d)[0]["start"]["id"].as_str().unwrap().to_string();
                let destroy = run(&[
                    "deploy",
                    "destroy",
                    &id,
                    "--yes",
                    "--tenant-alias",
                    "target",
                    "--target-subscription",
                    SUB,
                ]);
                outputs.push(("deploy destroy (failing)", destroy, 3));
                let log = d.read(&format!("ok/{id}.log"));
                assert!(
                    log.contains("secret=[REDACTED]"),
                    "the secret was printed: {log}"
                );
                for (what, out, code) in &outputs {
                    assert_eq!(out.status.code(), Some(*code), "{what}: {}", stderr(out));
                    for s in spellings(secret) {
                        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                            assert!(
                                !contains(bytes, &s),
                                "{what}: {name} holds `{s}`: {}",
                                String::from_utf8_lossy(bytes)
                            );
                        }
                    }
                }
                assert!(stderr(&outputs[1].1).contains("AuthorizationFailed for [REDACTED]"));
                for f in files(d.path()) {
                    let bytes = std::fs::read(&f).unwrap();
                    for s in spellings(secret) {
                        assert!(
                            !contains(&bytes, &s),
                            "`{}` holds `{s}`: {}",
                            f.display(),
                            String::from_utf8_lossy(&bytes)
                        );
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// Issue 14, item 4: a configuration with a sensitive variable validated,
/// then `terraform plan` failed on the unset variable and the hint said
/// "fix the configuration". Deploy names the unset variables before plan and
/// says how to set them; given through TF_VAR_, a secret is redacted.
#[test]
fn issue14_unset_variables_are_named_before_plan_with_how_to_set_them() {
    let d = Dir::new();
    d.write(
        "cfg/main.tf",
        "variable \"admin_password\" {\n  type      = string\n  sensitive = true\n}\nvariable \"region\" {\n  type = string\n}\nvariable \"size\" {\n  default = 2\n}\nresource \"terraform_data\" \"vm\" {\n  input = \"${var.region}-${var.size}\"\n  provisioner \"local-exec\" {\n    command = \"sh ../pw.sh\"\n  }\n}\n",
    );
    // terraform hides var.admin_password in provisioner output itself; a
    // script reading the environment prints it, and atg must redact it.
    d.write(
        "pw.sh",
        "printf 'password=%s\\n' \"$TF_VAR_admin_password\"\n",
    );
    let out = deploy(&d, &["--yes"]);
    assert_exit(
        &out,
        2,
        "error: 2 variables in `cfg` have no value: `admin_password` (sensitive), `region`\nhint: set sensitive ones in the environment, e.g. `export TF_VAR_admin_password=…` (never in a file); set the others as `export TF_VAR_region=…` or as `region = \"…\"` in `cfg/terraform.tfvars`\n",
    );
    assert!(
        !d.path().join("cfg/.terraform").exists(),
        "terraform never ran"
    );
    assert!(!d.path().join("demos/deployments.jsonl").exists());
    // With the values given, it deploys; the sensitive one never shows.
    d.write("cfg/terraform.tfvars", "region = \"westeurope\"\n");
    let out = deploy_with(
        &d,
        &[("TF_VAR_admin_password", "Pw-from-env-42")],
        &["--yes"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let log = log_of(&d, &registry(&d)[0]);
    assert!(log.contains("password=[REDACTED]"), "{log}");
    for f in files(d.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!contains(&bytes, "Pw-from-env-42"), "`{}`", f.display());
    }
}

/// Issue 14, item 10: the confirmation prompt came before the per-type
/// plan table. On a terminal the table and the totals come first, then the
/// question; the table is not printed again on the same screen.
#[test]
fn issue14_the_prompt_shows_the_plan_table_first() {
    use std::io::{Read, Write};
    let d = Dir::new();
    d.write("cfg/main.tf", &(plain("a") + &plain("b")));
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = std::fs::File::from(pty.slave);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("atg"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AZURE_") || k.starts_with("ATG_") || k.starts_with("TF_") {
            cmd.env_remove(k);
        }
    }
    let child = cmd
        .current_dir(d.path())
        .envs(isolated_env(&d))
        .args(["deploy", "--iac-dir", "cfg", "--target-subscription", SUB])
        .args(["--target-tenant-id", TENANT])
        .stdin(slave.try_clone().unwrap())
        .stderr(slave)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read the terminal until the question, then answer no.
    let mut master = std::fs::File::from(pty.master);
    let mut screen = Vec::new();
    let start = std::time::Instant::now();
    while !String::from_utf8_lossy(&screen).contains("[y/N] ") {
        assert!(
            start.elapsed().as_secs() < 120,
            "no question: {}",
            String::from_utf8_lossy(&screen)
        );
        let mut buf = [0u8; 4096];
        let n = master.read(&mut buf).unwrap();
        screen.extend_from_slice(&buf[..n]);
    }
    master.write_all(b"n\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "declined");
    let screen = String::from_utf8_lossy(&screen).into_owned();
    let at = |needle: &str| {
        screen
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not shown: {screen}"))
    };
    assert!(at("│ terraform_data ┆   2 ┆") < at("Plan: 2 to add, 0 to change, 0 to destroy"));
    assert!(
        at("Plan: 2 to add")
            < at(&format!(
                "Apply these changes to subscription {SUB}? [y/N] "
            ))
    );
    // stdout is not the terminal: the table is printed there as the result.
    assert!(stdout(&out).contains("terraform_data"), "{}", stdout(&out));
    assert_eq!(list(&d)[0]["end"]["outcome"], "cancelled");
}

/// Issue 14, item 12: deploy's JSON did not say where it deployed.
#[test]
fn issue14_deploy_json_names_the_target() {
    let d = Dir::new();
    d.write("cfg/main.tf", &plain("a"));
    let out = deploy(&d, &["--dry-run", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["target"]["subscription_id"], SUB);
    assert_eq!(v["target"]["tenant_id"], TENANT);
}

#[test]
fn bad_targets_and_credentials_are_input_errors() {
    let d = Dir::new();
    d.write("cfg/main.tf", &plain("a"));
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = atg(&d);
        for (k, v) in env {
            c.env(k, v);
        }
        c.args(["deploy", "--iac-dir", "cfg", "--dry-run"])
            .args(args)
            .output()
            .unwrap()
    };
    // (arguments, environment, expected message)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec!["--target-tenant-id", TENANT],
            vec![],
            "the target subscription is missing",
        ),
        (
            vec!["--target-subscription", "prod"],
            vec![],
            "`--target-subscription prod` is not a subscription ID",
        ),
        (
            vec!["--target-subscription", SUB],
            vec![],
            "the target tenant is unknown",
        ),
        (
            vec![
                "--target-subscription",
                SUB,
                "--auth",
                "sp",
                "--target-tenant-id",
                TENANT,
            ],
            vec![("AZURE_CLIENT_ID", "app")],
            "`--auth sp` needs `AZURE_CLIENT_SECRET`",
        ),
        (
            vec!["--target-subscription", SUB, "--tenant-alias", "dev"],
            vec![],
            "no credentials for tenant alias `dev`",
        ),
        (
            vec![
                "--target-subscription",
                SUB,
                "--target-tenant-id",
                TENANT,
                "--tenant-alias",
                "prod",
            ],
            vec![(
                "ATG_TENANT_PROD_TENANT_ID",
                "99999999-2222-3333-4444-555555555555",
            )],
            "is not the tenant of the credentials in ATG_TENANT_PROD_*",
        ),
    ];
    for (args, env, want) in cases {
        let out = run(&args, &env);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("hint: "), "{}", stderr(&out));
    }
    // Applying off a terminal needs --yes; nothing is recorded.
    let out = atg(&d)
        .args(["deploy", "--iac-dir", "cfg", "--target-subscription", SUB])
        .args(["--target-tenant-id", TENANT])
        .output()
        .unwrap();
    assert_exit(&out, 2, "refusing to apply without `--yes`");
    assert!(!d.path().join("demos/deployments.jsonl").exists());
    // A folder without Terraform files.
    std::fs::create_dir_all(d.path().join("empty")).unwrap();
    let out = atg(&d)
        .args([
            "deploy",
            "--iac-dir",
            "empty",
            "--dry-run",
            "--target-subscription",
            SUB,
        ])
        .args(["--target-tenant-id", TENANT])
        .output()
        .unwrap();
    assert_exit(&out, 2, "no `.tf` or `.tf.json` files in `empty`");
}

#[test]
fn iterate_auto_deploy_deploys_the_last_stable_iteration() {
    let d = Dir::new();
    atg(&d)
        .args(["scan", "--from-file"])
        .arg(root().join("fixtures/tenant-synthetic-small.json"))
        .assert()
        .success();
    // Deploy flags need --auto-deploy.
    let out = atg(&d)
        .args([
            "iterate",
            "--validator",
            "builtin",
            "--target-subscription",
            SUB,
        ])
        .output()
        .unwrap();
    assert_exit(&out, 2, "without `--auto-deploy`");
    // A bad target fails before any iteration runs.
    let out = atg(&d)
        .args([
            "iterate",
            "--until-stable",
            "--validator",
            "builtin",
            "--auto-deploy",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.path().join("demos/iteration_state.json").exists());
    // Not stable: nothing is deployed.
    let out = atg(&d)
        .args([
            "iterate",
            "--validator",
            "builtin",
            "--auto-deploy",
            "--dry-run",
        ])
        .args(["--target-subscription", SUB, "--target-tenant-id", TENANT])
        .output()
        .unwrap();
    assert_exit(&out, 1, "Not deploying: 1 consecutive passes of 3 needed");
    assert!(!d.path().join("demos/deployments.jsonl").exists());
    // Stable: the last iteration is deployed once its secrets have values
    // (a dry run; offline, terraform cannot fetch azurerm, so the plan
    // fails, and the attempt is recorded).
    let stable = |c: &mut assert_cmd::Command| {
        c.args([
            "iterate",
            "--until-stable",
            "--validator",
            "builtin",
            "--auto-deploy",
            "--dry-run",
        ])
        .args([
            "--target-subscription",
            SUB,
            "--target-tenant-id",
            TENANT,
            "--max-retries",
            "0",
        ])
        .output()
        .unwrap()
    };
    let out = stable(&mut atg(&d));
    let err = stderr(&out);
    assert!(err.contains("Stable at structural level"), "{err}");
    assert!(err.contains("Deploying `demos/iteration3`"), "{err}");
    assert_exit(
        &out,
        2,
        "error: 2 variables in `demos/iteration3` have no value: `sql_wl00000_administrator_login_password` (sensitive), `sql_wl00001_administrator_login_password` (sensitive)",
    );
    assert!(!d.path().join("demos/deployments.jsonl").exists());
    let out = stable(
        atg(&d)
            .env(
                "TF_VAR_sql_wl00000_administrator_login_password",
                "pw-0-secret",
            )
            .env(
                "TF_VAR_sql_wl00001_administrator_login_password",
                "pw-1-secret",
            ),
    );
    let err = stderr(&out);
    assert!(err.contains("Deploying `demos/iteration4`"), "{err}");
    let reg = registry(&d);
    assert_eq!(reg[0]["iteration"], 4);
    assert_eq!(reg[0]["dir"], "demos/iteration4");
    assert_eq!(reg[0]["dry_run"], true);
    assert_eq!(reg.len(), 2, "the end entry is written whatever happens");
}

/// `text` with deployment IDs, RFC 3339 times and durations replaced by
/// placeholders, for snapshots.
fn scrub(text: &str) -> String {
    // D: a digit, H: a hex digit, anything else: itself.
    const PATTERNS: [(&str, &str); 2] = [
        ("deploy-DDDDDDDDTDDDDDDZ-HHHH", "[ID]"),
        ("DDDD-DD-DDTDD:DD:DDZ", "[TIME]"),
    ];
    let matches = |s: &[u8], p: &str| {
        s.len() >= p.len()
            && p.bytes().zip(s).all(|(p, c)| match p {
                b'D' => c.is_ascii_digit(),
                b'H' => c.is_ascii_hexdigit(),
                _ => p == *c,
            })
    };
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    'scan: while i < b.len() {
        for (p, with) in PATTERNS {
            if matches(&b[i..], p) {
                out.push_str(with);
                i += p.len();
                continue 'scan;
            }
        }
        let ch = text[i..].chars().next().unwrap();
        out.push(ch);
        i += ch.len_utf8();
    }
    out.lines()
        .map(|l| match l.find(" in ").zip(l.rfind(" s")) {
            Some((a, z)) if l.starts_with("Applied:") && a < z => {
                format!("{} in [SECS] s{}", &l[..a], &l[z + 2..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn deploy_output_snapshots() {
    let d = Dir::new();
    d.write("cfg/main.tf", &(plain("a") + &plain("b")));
    let sp = |c: &mut assert_cmd::Command| {
        c.env("AZURE_CLIENT_ID", "app")
            .env("AZURE_CLIENT_SECRET", "snapshot-secret");
    };
    let mut c = atg(&d);
    sp(&mut c);
    let out = c
        .args([
            "deploy",
            "--iac-dir",
            "cfg",
            "--dry-run",
            "--target-subscription",
            SUB,
        ])
        .args(["--target-tenant-id", TENANT])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("dry_run_stdout", stdout(&out));
    insta::assert_snapshot!("dry_run_stderr", scrub(&stderr(&out)));
    let mut c = atg(&d);
    sp(&mut c);
    let out = c
        .args([
            "deploy",
            "--iac-dir",
            "cfg",
            "--yes",
            "--target-subscription",
            SUB,
        ])
        .args(["--target-tenant-id", TENANT])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("apply_stderr", scrub(&stderr(&out)));
    let out = atg(&d).args(["deploy", "list"]).output().unwrap();
    insta::assert_snapshot!("list_stdout", scrub(&stdout(&out)));
    let id = list(&d)[1]["start"]["id"].as_str().unwrap().to_string();
    let out = atg(&d).args(["deploy", "destroy", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("destroy_without_yes_stderr", scrub(&stderr(&out)));
}
