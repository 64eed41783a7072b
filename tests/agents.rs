//! `atg agent` against the Kubernetes API emulator (dev/emulators, module
//! `kube`), through the real binary: the one-active-run rule under ten
//! concurrent processes, stale lock takeover, waiting by watch through
//! Succeeded and Failed, Ctrl-C, RBAC refusals, a missing CRD, and what a
//! CodeRun carries (and never carries).

mod common;

use atg_emulators::kube::{EmulatorOptions, Faults, Forbid, KubeEmulator, Simulation};
use common::{Dir, stderr, stdout};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const NS: &str = "agents";
const PR_ARGS: [&str; 7] = [
    "agent",
    "run",
    "ci-pr-manager",
    "--pr",
    "1029",
    "--repository",
    "org/repo",
];

/// A temp folder with a kubeconfig for a running emulator and an agent
/// config file holding the required CodeRun fields.
struct Cluster {
    dir: Dir,
    emu: KubeEmulator,
    kubeconfig: PathBuf,
}

impl Cluster {
    fn new() -> Self {
        Self::with(EmulatorOptions::default())
    }

    fn with(options: EmulatorOptions) -> Self {
        let dir = Dir::new();
        let emu = KubeEmulator::spawn(options).expect("the emulator starts");
        let kubeconfig = dir.path().join("kubeconfig.yaml");
        emu.write_kubeconfig(&kubeconfig, NS).unwrap();
        dir.write(
            ".atg/agents.toml",
            "[run]\nmodel = \"claude-sonnet-4-20250514\"\ngithub_app = \"5DLabs-Rex\"\ndocs_repository_url = \"https://github.com/org/docs\"\n",
        );
        Cluster {
            dir,
            emu,
            kubeconfig,
        }
    }

    /// `atg` in the folder, pointed at the emulator.
    fn command(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("atg"));
        for (k, _) in std::env::vars() {
            if k.starts_with("AZURE_")
                || k.starts_with("ATG_")
                || k.starts_with("KUBE")
                || k.starts_with("TF_")
            {
                cmd.env_remove(k);
            }
        }
        cmd.current_dir(self.dir.path())
            .env("KUBECONFIG", &self.kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn atg(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command().args(args).spawn().unwrap()
    }

    fn runs(&self) -> Vec<Value> {
        self.emu.objects("coderuns")
    }

    fn leases(&self) -> Vec<Value> {
        self.emu.objects("leases")
    }

    fn set_phase(&self, name: &str, phase: &str) {
        self.emu
            .set_status(
                "coderuns",
                NS,
                name,
                json!({"phase": phase, "message": format!("now {phase}")}),
            )
            .unwrap();
    }
}

fn name_of(v: &Value) -> String {
    v["metadata"]["name"].as_str().unwrap().to_string()
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

/// Regression: a production cluster ran 25+ duplicate guardian CodeRuns for
/// ~90 minutes because a sensor's "dedup" was a non-atomic
/// `kubectl get … | create`. Ten processes started at once for one key
/// create exactly one run; the other nine name it.
#[test]
fn ten_concurrent_runs_for_one_key_create_exactly_one_coderun() {
    let c = Cluster::new();
    let children: Vec<Child> = (0..10).map(|_| c.spawn(&PR_ARGS)).collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|ch| ch.wait_with_output().unwrap())
        .collect();
    let runs = c.runs();
    assert_eq!(runs.len(), 1, "exactly one CodeRun: {runs:#?}");
    let name = name_of(&runs[0]);
    let mut created = 0;
    for o in &outs {
        assert_eq!(code(o), Some(0), "{}", stderr(o));
        assert_eq!(stdout(o).trim(), name, "every process names the one run");
        if stderr(o).contains("Created CodeRun") {
            created += 1;
        } else {
            assert!(
                stderr(o).contains(&format!("A run is already active for this work: `{name}`")),
                "{}",
                stderr(o)
            );
        }
    }
    assert_eq!(created, 1);
    // The lock, not a listing, decided: no process listed runs.
    let listed = c.emu.requests().iter().filter(|r| r.verb == "list").count();
    assert_eq!(listed, 0, "never list-then-create");
    assert_eq!(c.leases().len(), 1);
    assert_eq!(c.leases()[0]["spec"]["holderIdentity"], name.as_str());

    // With --fail-if-active the nine that found an active run exit 1.
    let mut args = PR_ARGS.to_vec();
    args[4] = "1030";
    args.push("--fail-if-active");
    let children: Vec<Child> = (0..10).map(|_| c.spawn(&args)).collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|ch| ch.wait_with_output().unwrap())
        .collect();
    let mut codes: Vec<i32> = outs.iter().map(|o| code(o).unwrap()).collect();
    codes.sort();
    assert_eq!(codes, [0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    let new: Vec<String> = c
        .runs()
        .iter()
        .filter(|r| r["metadata"]["labels"]["pr-number"] == "1030")
        .map(name_of)
        .collect();
    assert_eq!(new.len(), 1);
    assert!(outs.iter().all(|o| stdout(o).trim() == new[0]));
}

#[test]
fn a_finished_holder_s_lock_is_taken_over() {
    let c = Cluster::new();
    let first = c.atg(&PR_ARGS);
    assert_eq!(code(&first), Some(0), "{}", stderr(&first));
    let first_name = stdout(&first).trim().to_string();
    c.set_phase(&first_name, "Succeeded");
    let second = c.atg(&PR_ARGS);
    assert_eq!(code(&second), Some(0), "{}", stderr(&second));
    let second_name = stdout(&second).trim().to_string();
    assert_ne!(first_name, second_name);
    assert!(
        stderr(&second).contains(&format!(
            "from `{first_name}`: its run `{first_name}` is Succeeded"
        )),
        "{}",
        stderr(&second)
    );
    let leases = c.leases();
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0]["spec"]["holderIdentity"], second_name.as_str());
    assert_eq!(leases[0]["spec"]["leaseTransitions"], 1);
}

fn plant_lease(c: &Cluster, holder: &str, renewed: &str) -> String {
    let dry = c.atg(&[&PR_ARGS[..], &["--dry-run"]].concat());
    let lock = stderr(&dry)
        .split("Lease `")
        .nth(1)
        .and_then(|s| s.split('`').next())
        .unwrap()
        .to_string();
    c.emu
        .create(
            "leases",
            NS,
            json!({"metadata": {"name": lock}, "spec": {"holderIdentity": holder,
                "leaseDurationSeconds": 15, "acquireTime": renewed, "renewTime": renewed}}),
        )
        .unwrap();
    lock
}

#[test]
fn a_vanished_holder_s_lock_is_taken_over() {
    let c = Cluster::new();
    plant_lease(
        &c,
        "ci-pr-manager-pr1029-gone1",
        "2020-01-01T00:00:00.000000Z",
    );
    let out = c.atg(&PR_ARGS);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("its run `ci-pr-manager-pr1029-gone1` no longer exists"),
        "{}",
        stderr(&out)
    );
    assert_eq!(c.runs().len(), 1);
}

#[test]
fn a_fresh_lock_whose_run_is_being_created_is_waited_for_not_taken() {
    let c = Cluster::new();
    let now = k8s_now();
    plant_lease(&c, "ci-pr-manager-pr1029-early", &now);
    let child = c.spawn(&PR_ARGS);
    std::thread::sleep(Duration::from_millis(800));
    // The holder's run appears, as the winning process would create it.
    let stored = c.runs();
    assert!(stored.is_empty(), "nothing created meanwhile: {stored:#?}");
    c.emu
        .create(
            "coderuns",
            NS,
            json!({"metadata": {"name": "ci-pr-manager-pr1029-early"}, "spec": {
                "service": "atg", "repositoryUrl": "u", "docsRepositoryUrl": "d",
                "workingDirectory": ".", "model": "m", "githubApp": "a"}}),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "ci-pr-manager-pr1029-early");
    assert_eq!(c.runs().len(), 1);
}

fn k8s_now() -> String {
    let out = Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%S.000000Z"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn wait_for(c: &Cluster, name: &str, phase: &str) -> Output {
    let child = c.spawn(&["agent", "wait", name]);
    std::thread::sleep(Duration::from_millis(700));
    c.set_phase(name, "Running");
    std::thread::sleep(Duration::from_millis(300));
    c.set_phase(name, phase);
    child.wait_with_output().unwrap()
}

#[test]
fn wait_watches_until_succeeded_or_failed() {
    let c = Cluster::new();
    let name = stdout(&c.atg(&PR_ARGS)).trim().to_string();
    let before = c.emu.requests().len();
    let ok = wait_for(&c, &name, "Succeeded");
    assert_eq!(code(&ok), Some(0), "{}", stderr(&ok));
    assert_eq!(stdout(&ok).trim(), format!("{name} Succeeded"));
    let err = stderr(&ok);
    assert!(err.contains(&format!("{name}: Pending")), "{err}");
    assert!(
        err.contains(&format!("{name}: Running (now Running)")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{name}: Succeeded (now Succeeded)")),
        "{err}"
    );
    // One watch, not a poll: a handful of requests for a second of waiting.
    let used: Vec<_> = c.emu.requests()[before..].to_vec();
    assert_eq!(
        used.iter().filter(|r| r.verb == "watch").count(),
        1,
        "{used:#?}"
    );
    let run_gets = used
        .iter()
        .filter(|r| r.verb == "get" && r.path.contains("/coderuns/"))
        .count();
    assert!(run_gets <= 2, "{used:#?}");
    // Waiting released the lock: the next run is created, not taken over.
    assert!(c.leases().is_empty());

    let name = stdout(&c.atg(&PR_ARGS)).trim().to_string();
    let failed = wait_for(&c, &name, "Failed");
    assert_eq!(code(&failed), Some(1), "{}", stderr(&failed));
    assert_eq!(stdout(&failed).trim(), format!("{name} Failed"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_waiting_not_the_run() {
    let c = Cluster::new();
    let name = stdout(&c.atg(&PR_ARGS)).trim().to_string();
    c.set_phase(&name, "Running");
    let child = c.spawn(&["agent", "wait", &name]);
    std::thread::sleep(Duration::from_millis(800));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), Some(130), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "stopped waiting for `{name}` (Running); the run goes on"
        )),
        "{}",
        stderr(&out)
    );
    let run = c
        .emu
        .get("coderuns", NS, &name)
        .expect("the run is still there");
    assert_eq!(run["status"]["phase"], "Running");
    assert_eq!(c.leases().len(), 1, "the lock still guards the running run");
}

#[test]
fn forbidden_gives_one_line_and_exit_3() {
    let c = Cluster::with(EmulatorOptions {
        faults: Faults {
            forbid: vec![Forbid {
                verb: Some("create".into()),
                resource: Some("coderuns".into()),
            }],
            ..Faults::default()
        },
        ..EmulatorOptions::default()
    });
    let out = c.atg(&PR_ARGS);
    assert_eq!(code(&out), Some(3));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        err.trim_end(),
        "error: Kubernetes refused to create coderuns in namespace `agents` (coderuns.agents.platform is forbidden: User \"system:serviceaccount:agents:atg\" cannot create resource \"coderuns\" in API group \"agents.platform\" in the namespace \"agents\")"
    );
    assert!(
        c.leases().is_empty(),
        "the lock taken before the refusal is released"
    );
}

#[test]
fn a_missing_crd_says_so() {
    let c = Cluster::new();
    c.emu.uninstall_group("agents.platform");
    for args in [&PR_ARGS[..], &["agent", "list"]] {
        let out = c.atg(args);
        assert_eq!(code(&out), Some(3), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!(
                "error: the cluster at `{}` does not serve `coderuns.agents.platform/v1` (404 on the API group): the CodeRun CRD is not installed\nhint: install the CodeRun controller",
                c.emu.url()
            )),
            "{err}"
        );
    }
    assert!(c.leases().is_empty(), "nothing was locked");
}

#[test]
fn required_fields_are_checked_before_any_api_call() {
    let c = Cluster::new();
    std::fs::remove_file(c.dir.path().join(".atg/agents.toml")).unwrap();
    let out = c.atg(&PR_ARGS);
    assert_eq!(code(&out), Some(2));
    assert_eq!(
        stderr(&out),
        "error: the CodeRun is missing required field(s) `docsRepositoryUrl`, `model`, `githubApp`\nhint: pass --docs-repository-url, --model, --github-app or set docs_repository_url, model, github_app in `.atg/agents.toml` (see docs/AGENTS.md#configuration)\n"
    );
    assert!(
        c.emu.requests().is_empty(),
        "no request reached the cluster"
    );
}

fn write_iteration(d: &Dir, n: u32, diagnostics: &[Value]) {
    d.write(
        &format!("demos/iteration{n}/generation_report.json"),
        "{\"emitted_resources\": 40}",
    );
    d.write(
        &format!("demos/iteration{n}/validate.json"),
        &json!({"validator": "builtin", "level": "provider", "valid": diagnostics.is_empty(),
            "error_count": diagnostics.len(), "warning_count": 0, "diagnostics": diagnostics})
        .to_string(),
    );
    d.write(
        &format!("demos/iteration{n}/analysis.json"),
        &json!({"errors_by_category": {"unsupported_argument": diagnostics.len()},
            "remediations_learned": 0, "unremediated": []})
        .to_string(),
    );
}

fn diag(address: &str, detail: &str) -> Value {
    json!({"severity": "error", "summary": "Unsupported argument", "detail": detail,
        "address": address, "attribute": "address_spaces"})
}

#[test]
fn iteration_analyzer_carries_error_patterns_and_never_a_secret() {
    let c = Cluster::new();
    let secret = "sup3r-s3cret-value-42";
    for n in 3..=4 {
        write_iteration(
            &c.dir,
            n,
            &[diag(
                "azurerm_virtual_network.vnet_app",
                &format!("An argument named \"address_spaces\" is not expected here ({secret})"),
            )],
        );
    }
    let out = c
        .command()
        .env("AZURE_CLIENT_SECRET", secret)
        .args(["agent", "run", "iteration-analyzer", "--iterations", "3-4"])
        .args(["--repository-url", "https://github.com/org/atg-demo.git"])
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let run = &c.runs()[0];
    let labels = &run["metadata"]["labels"];
    assert_eq!(labels["agent"], "iteration-analyzer");
    assert_eq!(labels["role"], "analyzer");
    assert_eq!(labels["iteration"], "3-4");
    assert_eq!(labels["repository"], "org.atg-demo");
    assert_eq!(run["spec"]["taskId"], 4);
    let prompt = run["spec"]["promptModification"].as_str().unwrap();
    assert!(
        prompt.contains("analyse the validation errors of atg iterations 3-4"),
        "{prompt}"
    );
    assert!(
        prompt.contains(
            "| Unsupported argument | azurerm_virtual_network | address_spaces | 2 | 3, 4 |"
        ),
        "{prompt}"
    );
    assert!(
        prompt.contains("| unsupported_argument | 1 | 1 |"),
        "{prompt}"
    );
    let stored = serde_json::to_string(run).unwrap();
    assert!(!stored.contains(secret), "the secret reached the cluster");
    assert!(prompt.contains("[REDACTED]"));
}

#[test]
fn long_facts_go_into_an_owned_config_map() {
    let c = Cluster::new();
    let many: Vec<Value> = (0..200)
        .map(|i| diag(&format!("azurerm_type_{i}.x"), &"long detail ".repeat(10)))
        .collect();
    write_iteration(&c.dir, 1, &many);
    let out = c.atg(&[
        "agent",
        "run",
        "iteration-analyzer",
        "--iterations",
        "1",
        "--repository",
        "org/repo",
    ]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let run = &c.runs()[0];
    let name = name_of(run);
    let prompt = run["spec"]["promptModification"].as_str().unwrap();
    assert!(
        prompt.contains(&format!("are in ConfigMap `{name}-facts`, key `prompt.md`")),
        "{prompt}"
    );
    let cm = c
        .emu
        .get("configmaps", NS, &format!("{name}-facts"))
        .unwrap();
    let facts = cm["data"]["prompt.md"].as_str().unwrap();
    assert!(
        facts.contains("The 100 most frequent of 200 patterns."),
        "{facts}"
    );
    assert!(
        facts.contains("| Unsupported argument | azurerm_type_0 |"),
        "{facts}"
    );
    assert_eq!(
        cm["metadata"]["ownerReferences"][0]["uid"],
        run["metadata"]["uid"]
    );
    // Cancelling deletes the run, and with it its facts and its lock.
    let out = c.atg(&["agent", "cancel", &name]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(c.runs().is_empty());
    assert!(
        c.emu
            .get("configmaps", NS, &format!("{name}-facts"))
            .is_none()
    );
    assert!(c.leases().is_empty());
}

#[test]
fn simulated_runs_have_logs_status_and_list() {
    let c = Cluster::with(EmulatorOptions {
        simulation: Some(Simulation {
            start_after: Duration::from_millis(100),
            finish_after: Duration::from_millis(300),
            outcome: "Succeeded".into(),
        }),
        ..EmulatorOptions::default()
    });
    let out = c.atg(&[&PR_ARGS[..], &["--wait"]].concat());
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let name = stdout(&out).lines().next().unwrap().to_string();
    let logs = c.atg(&["agent", "logs", &name]);
    assert_eq!(code(&logs), Some(0), "{}", stderr(&logs));
    assert!(stdout(&logs).contains(&format!("starting agent for CodeRun {name}")));
    assert!(stdout(&logs).contains("agent finished: Succeeded"));
    let status = c.atg(&["agent", "status", &name, "--format", "json"]);
    let v: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["run"]["phase"], "Succeeded");
    assert_eq!(v["run"]["job_name"], format!("{name}-job"));
    assert_eq!(v["spec"]["githubApp"], "5DLabs-Rex");
    let list = c.atg(&["agent", "list", "--format", "json"]);
    let v: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["active"], false);
    let active = c.atg(&["agent", "list", "--active", "--format", "json"]);
    assert_eq!(stdout(&active).trim(), "[]");
    let start = Instant::now();
    let gone = c.atg(&["agent", "status", "nope"]);
    assert_eq!(code(&gone), Some(2));
    assert!(stderr(&gone).starts_with("error: no CodeRun `nope` in namespace `agents`"));
    assert!(start.elapsed() < Duration::from_secs(10));
}

fn plant_run(c: &Cluster, name: &str, labels: Value) {
    c.emu
        .create(
            "coderuns",
            NS,
            json!({"metadata": {"name": name, "labels": labels}, "spec": {
                "service": "atg", "repositoryUrl": "https://github.com/org/repo",
                "docsRepositoryUrl": "https://github.com/org/docs", "workingDirectory": ".",
                "model": "m", "githubApp": "a"}}),
        )
        .unwrap();
}

/// Regression (the guardian incident): a sensor that created a run per
/// event left many active runs for one PR; doctor names them and says
/// which to keep.
#[test]
fn doctor_finds_a_planted_duplicate() {
    let c = Cluster::new();
    let clean = c.atg(&["agent", "doctor"]);
    assert_eq!(code(&clean), Some(0), "{}", stderr(&clean));
    assert!(stderr(&clean).contains("No problems: checked 0 runs (0 active), 0 locks"));
    let key = json!({"agent": "ci-pr-manager", "role": "pr-manager", "pr-number": "1029", "repository": "org.repo"});
    plant_run(&c, "guardian-a", key.clone());
    plant_run(&c, "guardian-b", key.clone());
    plant_run(&c, "guardian-c", key);
    c.set_phase("guardian-c", "Succeeded");
    plant_run(
        &c,
        "other-pr",
        json!({"agent": "ci-pr-manager", "role": "pr-manager", "pr-number": "7", "repository": "org.repo"}),
    );
    let out = c.atg(&["agent", "doctor", "--format", "json"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["check"], "duplicate-runs");
    assert_eq!(
        findings[0]["object"],
        "CodeRun/guardian-a, CodeRun/guardian-b"
    );
    assert_eq!(
        findings[0]["action"],
        "keep the oldest, `guardian-a`; cancel the others: `atg agent cancel guardian-b`"
    );
    assert_eq!(
        (report["runs"].as_u64(), report["active_runs"].as_u64()),
        (Some(4), Some(3))
    );
    let table = c.atg(&["agent", "doctor"]);
    assert_eq!(code(&table), Some(1));
    insta::assert_snapshot!("doctor_duplicate_stdout", stdout(&table));
    insta::assert_snapshot!("doctor_duplicate_stderr", stderr(&table));
}

#[test]
fn doctor_reports_stale_locks_and_runs_active_too_long() {
    let c = Cluster::new();
    let name = stdout(&c.atg(&PR_ARGS)).trim().to_string();
    std::thread::sleep(Duration::from_millis(1100));
    let out = c.atg(&[
        "agent",
        "doctor",
        "--max-active-minutes",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"][0]["check"], "active-too-long");
    assert_eq!(report["findings"][0]["object"], format!("CodeRun/{name}"));
    // A finished holder's lock is no problem: both CLI and workflows take it over.
    c.set_phase(&name, "Failed");
    let out = c.atg(&["agent", "doctor"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    // A lock whose holder vanished blocks workflows until the CLI takes it over.
    let mut args = PR_ARGS.to_vec();
    args[4] = "77";
    let c2 = Cluster::new();
    let lock = {
        let dry = c2.atg(&[&args[..], &["--dry-run"]].concat());
        stderr(&dry)
            .split("Lease `")
            .nth(1)
            .unwrap()
            .split('`')
            .next()
            .unwrap()
            .to_string()
    };
    c2.emu
        .create("leases", NS, json!({"metadata": {"name": lock, "labels": {"app.kubernetes.io/managed-by": "atg"}},
            "spec": {"holderIdentity": "gone", "leaseDurationSeconds": 15, "renewTime": "2020-01-01T00:00:00.000000Z"}}))
        .unwrap();
    let out = c2.atg(&["agent", "doctor", "--format", "json"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"][0]["check"], "stale-lock", "{report:#}");
    assert_eq!(report["findings"][0]["object"], format!("Lease/{lock}"));
    assert!(
        report["findings"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("the lock is held by `gone`, which no longer exists"),
        "{report:#}"
    );
}

fn doctor_json(c: &Cluster) -> Output {
    c.atg(&[
        "agent",
        "doctor",
        "--manifests",
        "gitops",
        "--format",
        "json",
    ])
}

fn apply(c: &Cluster, dir: &str) {
    for entry in std::fs::read_dir(c.dir.path().join(dir)).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
        for mut doc in docs {
            let plural = match doc["kind"].as_str().unwrap() {
                "WorkflowTemplate" => "workflowtemplates",
                "Sensor" => "sensors",
                "ConfigMap" => "configmaps",
                k => panic!("unexpected kind {k}"),
            };
            doc["metadata"].as_object_mut().unwrap().remove("namespace");
            c.emu.create(plural, NS, doc).unwrap();
        }
    }
}

#[test]
fn doctor_reports_live_objects_that_drifted_from_the_manifests() {
    let c = Cluster::new();
    let out = c.atg(&["agent", "manifests", "-o", "gitops"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let missing = doctor_json(&c);
    assert_eq!(code(&missing), Some(1));
    let report: Value = serde_json::from_slice(&missing.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 4);
    assert_eq!(report["findings"][0]["detail"], "not in namespace `agents`");
    apply(&c, "gitops");
    let ok = c.atg(&["agent", "doctor", "--manifests", "gitops"]);
    assert_eq!(code(&ok), Some(0), "{}{}", stdout(&ok), stderr(&ok));
    assert!(
        stderr(&ok).contains("4 manifest objects"),
        "{}",
        stderr(&ok)
    );
    // Someone edits the live sensor by hand: one more trigger, another filter.
    let mut sensor = c.emu.get("sensors", NS, "atg-github").unwrap();
    c.emu.delete("sensors", NS, "atg-github").unwrap();
    sensor["spec"]["dependencies"][0]["filters"]["data"][1]["value"] = json!(["opened"]);
    let extra = sensor["spec"]["triggers"][0].clone();
    sensor["spec"]["triggers"]
        .as_array_mut()
        .unwrap()
        .push(extra);
    let meta = sensor["metadata"].as_object_mut().unwrap();
    meta.retain(|k, _| k == "name" || k == "labels");
    c.emu.create("sensors", NS, sensor).unwrap();
    let drifted = doctor_json(&c);
    assert_eq!(code(&drifted), Some(1));
    let report: Value = serde_json::from_slice(&drifted.stdout).unwrap();
    let f = &report["findings"][0];
    assert_eq!(f["check"], "drift");
    assert_eq!(f["object"], "Sensor/atg-github");
    let detail = f["detail"].as_str().unwrap();
    assert!(
        detail.contains("`spec.dependencies[0].filters.data[1].value` has 1 items in the cluster, 3 in the manifests"),
        "{detail}"
    );
    assert!(
        detail.contains("`spec.triggers` has 4 items in the cluster, 3 in the manifests"),
        "{detail}"
    );
}

/// The CodeRun a dry run prints, with the random part of its name filtered.
#[test]
fn dry_run_prints_the_coderun_as_yaml() {
    let c = Cluster::new();
    let out = c.atg(&[&PR_ARGS[..], &["--dry-run"]].concat());
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let start =
        text.find("ci-pr-manager-pr1029-").expect("the run's name") + "ci-pr-manager-pr1029-".len();
    let suffix = &text[start..start + 5];
    insta::assert_snapshot!("dry_run_stdout", text.replace(suffix, "[RAND]"));
    insta::assert_snapshot!("dry_run_stderr", stderr(&out));
    assert!(c.emu.requests().is_empty(), "a dry run contacts no cluster");
}

/// `--context` picks a kubeconfig context (here the only one that reaches
/// the emulator), `--kubeconfig` a file; an unknown context is an input error.
#[test]
fn context_and_kubeconfig_flags_pick_the_cluster() {
    let c = Cluster::new();
    let good = c.emu.kubeconfig(NS);
    // A second file whose current context points at a closed port, with the
    // emulator as context `real`.
    let two = good
        .replace("name: emulator\n  cluster:", "name: real-cluster\n  cluster:")
        .replace("cluster: emulator\n", "cluster: real-cluster\n")
        .replace("- name: emulator\n  context:", "- name: real\n  context:")
        .replace(
            "current-context: emulator\n",
            "- name: dead\n  context:\n    cluster: dead\n    user: emulator\ncurrent-context: dead\n",
        )
        .replace(
            "clusters:\n",
            "clusters:\n- name: dead\n  cluster:\n    server: https://127.0.0.1:9\n",
        );
    c.dir.write("two.yaml", &two);
    let dead = c.atg(&["agent", "list", "--kubeconfig", "two.yaml"]);
    assert_eq!(code(&dead), Some(3), "{}", stderr(&dead));
    assert!(
        stderr(&dead)
            .starts_with("error: cannot reach the Kubernetes API at `https://127.0.0.1:9`"),
        "{}",
        stderr(&dead)
    );
    let real = c.atg(&[
        "agent",
        "list",
        "--kubeconfig",
        "two.yaml",
        "--context",
        "real",
    ]);
    assert_eq!(code(&real), Some(0), "{}", stderr(&real));
    assert!(stderr(&real).contains("No agent runs in namespace `agents`"));
    let unknown = c.atg(&[
        "agent",
        "list",
        "--kubeconfig",
        "two.yaml",
        "--context",
        "nope",
    ]);
    assert_eq!(code(&unknown), Some(2), "{}", stderr(&unknown));
    assert!(
        stderr(&unknown).starts_with("error: cannot use the kubeconfig `two.yaml`"),
        "{}",
        stderr(&unknown)
    );
    // The config file's context and namespace are defaults for the flags.
    c.dir.write(
        ".atg/agents.toml",
        "kubeconfig = \"two.yaml\"\ncontext = \"real\"\nnamespace = \"team-a\"\n",
    );
    let from_file = c
        .command()
        .env_remove("KUBECONFIG")
        .args(["agent", "list"])
        .output()
        .unwrap();
    assert_eq!(code(&from_file), Some(0), "{}", stderr(&from_file));
    assert!(
        stderr(&from_file).contains("No agent runs in namespace `team-a`"),
        "{}",
        stderr(&from_file)
    );
}

#[test]
fn logs_follow_streams_until_the_agent_pod_ends() {
    let c = Cluster::with(EmulatorOptions {
        simulation: Some(Simulation {
            start_after: Duration::from_millis(100),
            finish_after: Duration::from_millis(1500),
            outcome: "Failed".into(),
        }),
        ..EmulatorOptions::default()
    });
    let name = stdout(&c.atg(&PR_ARGS)).trim().to_string();
    std::thread::sleep(Duration::from_millis(600));
    let started = Instant::now();
    let out = c.atg(&["agent", "logs", &name, "-f", "--format", "json"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "it followed the pod to its end"
    );
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().all(|l| {
        l["pod"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{name}-job-"))
    }));
    assert!(
        lines.last().unwrap()["line"]
            .as_str()
            .unwrap()
            .ends_with("agent finished: Failed")
    );
}
