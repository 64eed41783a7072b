//! `atg patch`: the patch lifecycle against real git on temporary
//! repositories (issue 12): verification in throwaway worktrees (several at
//! once, failures kept, hanging tests killed), apply with trailers, rollback
//! only on confirmation, and the provenance log under concurrent writers.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const MAIN_TF: &str = "resource \"terraform_data\" \"a\" {\n  input = \"one\"\n}\n";

/// A git repository in a temp folder, with one commit holding `main.tf`
/// and `net/net.tf`. atg runs in the temp folder with `--repo repo` and
/// `TMPDIR` inside it, so verification worktrees go away with the test.
struct Fixture {
    dir: Dir,
    repo: PathBuf,
}

/// git with no user or system configuration (so a developer's signing or
/// hooks settings never leak into a test).
fn git_cmd(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    for v in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"] {
        c.env_remove(v);
    }
    c
}

impl Fixture {
    fn new() -> Self {
        let dir = Dir::new();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("net")).unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        let f = Fixture { dir, repo };
        f.git(&["init", "-q", "-b", "main"]);
        f.git(&["config", "user.name", "Jane Doe"]);
        f.git(&["config", "user.email", "jane@example.com"]);
        f.write("main.tf", MAIN_TF);
        f.write(
            "net/net.tf",
            "resource \"terraform_data\" \"net\" {\n  input = \"10.0.0.0/16\"\n}\n",
        );
        f.git(&["add", "."]);
        f.git(&["commit", "-q", "-m", "first"]);
        f
    }

    fn git(&self, args: &[&str]) -> String {
        let out = git_cmd(&self.repo).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.repo.join(rel), text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.repo.join(rel)).unwrap()
    }

    /// A patch that sets `rel` to `text`, as `git diff` writes it, saved as
    /// `name` beside the repository; the worktree is left as it was.
    fn patch(&self, name: &str, rel: &str, text: &str) -> PathBuf {
        let path = self.repo.join(rel);
        let before = std::fs::read_to_string(&path).ok();
        std::fs::write(&path, text).unwrap();
        self.git(&["add", "-N", rel]);
        let diff = self.git(&["diff", "--", rel]) + "\n";
        self.git(&["reset", "-q", "--", rel]);
        match before {
            Some(b) => std::fs::write(&path, b).unwrap(),
            None => std::fs::remove_file(&path).unwrap(),
        }
        let out = self.dir.path().join(name);
        std::fs::write(&out, diff).unwrap();
        out
    }

    /// `atg ARGS --repo repo`, in the temp folder.
    fn atg(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = self.dir.atg();
        c.args(args)
            .arg("--repo")
            .arg(&self.repo)
            .env("TMPDIR", self.dir.path().join("tmp"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1");
        c
    }

    /// `atg ARGS --repo repo` as a plain `Command`, to run several at once.
    fn spawn(&self, args: &[&str]) -> std::process::Child {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("atg"));
        c.current_dir(self.dir.path())
            .args(args)
            .arg("--repo")
            .arg(&self.repo)
            .env("TMPDIR", self.dir.path().join("tmp"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, _) in std::env::vars() {
            if k.starts_with("ATG_") || k.starts_with("TF_") {
                c.env_remove(k);
            }
        }
        c.spawn().unwrap()
    }

    fn log(&self) -> Vec<Value> {
        let out = self
            .atg(&["patch", "log", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str::<Value>(&stdout(&out))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn events(&self) -> Vec<String> {
        self.log()
            .iter()
            .map(|r| r["event"].as_str().unwrap().to_string())
            .collect()
    }

    /// Worktrees git knows of, the main one included.
    fn worktrees(&self) -> usize {
        self.git(&["worktree", "list", "--porcelain"])
            .lines()
            .filter(|l| l.starts_with("worktree "))
            .count()
    }
}

/// Asserts that the process whose ID `pid_file` holds (a test's background
/// child) no longer runs: gone, or a zombie waiting for init to reap it.
fn assert_gone(pid_file: &Path) {
    let pid = std::fs::read_to_string(pid_file).unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    let state = stat.rsplit(") ").next().unwrap_or("").chars().next();
    assert!(
        matches!(state, None | Some('Z') | Some('X')),
        "the test's child survived: {stat}"
    );
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

/// Verifies `patch` with `args`, expecting exit `code`; the JSON result.
fn verify(f: &Fixture, patch: &Path, args: &[&str], code: i32) -> Value {
    let out = f
        .atg(&[
            "patch",
            "verify",
            patch.to_str().unwrap(),
            "--format",
            "json",
        ])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(code), "stderr:\n{}", stderr(&out));
    json(&out)
}

#[test]
fn a_verified_patch_is_applied_with_trailers_and_the_main_worktree_is_untouched_until_then() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let head = f.git(&["rev-parse", "HEAD"]);
    let v = verify(
        &f,
        &p,
        &[
            "--build",
            "grep -q two main.tf",
            "--test",
            "test \"$ATG_PATCH_ID\" != ''",
            "--proposed-by",
            "agent:guardian",
            "--confidence",
            "85",
            "--triggered-by",
            "iteration 7: invalid input",
            "--title",
            "Set input to two",
        ],
        0,
    );
    assert_eq!(v["passed"], true);
    assert_eq!(v["base"], head.as_str());
    assert_eq!(v["kept"], false);
    assert!(!Path::new(v["worktree"].as_str().unwrap()).exists());
    let wt_name = Path::new(v["worktree"].as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(wt_name.starts_with("atg-verify-"), "{wt_name}");
    assert_eq!(v["verification_id"], wt_name.as_str());
    assert_eq!(v["steps"].as_array().unwrap().len(), 2);
    assert_eq!(v["steps"][0]["kind"], "build");
    assert_eq!(v["steps"][1]["outcome"], "passed");
    // The main worktree was never touched, and no worktree is left.
    assert_eq!(f.read("main.tf"), MAIN_TF);
    assert_eq!(f.git(&["status", "--porcelain"]), "");
    assert_eq!(f.worktrees(), 1);

    let id = v["patch_id"].as_str().unwrap().to_string();
    let out = f.atg(&["patch", "apply", &id, "--yes"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let commit = stdout(&out).trim().to_string();
    assert_eq!(commit, f.git(&["rev-parse", "HEAD"]));
    assert_eq!(f.read("main.tf"), MAIN_TF.replace("one", "two"));

    let trailer = |k: &str| {
        f.git(&[
            "log",
            "-1",
            &format!("--format=%(trailers:key={k},valueonly)"),
        ])
    };
    assert_eq!(trailer("Proposed-by"), "agent:guardian");
    assert_eq!(trailer("Confidence"), "85%");
    assert_eq!(trailer("Triggered-by"), "iteration 7: invalid input");
    assert_eq!(trailer("Atg-Patch-Id"), id);
    let verified_in = trailer("Verified-in");
    assert!(
        verified_in.starts_with(&format!("{wt_name} at {}", &head[..12])),
        "{verified_in}"
    );
    assert!(
        verified_in.contains("build and 1 test passed"),
        "{verified_in}"
    );
    let body = f.git(&["log", "-1", "--format=%B"]);
    assert!(
        body.starts_with("Set input to two\n\nAffected files:\n  M main.tf\n"),
        "{body}"
    );

    assert_eq!(f.events(), ["propose", "verify_pass", "apply"]);
    let log = f.log();
    assert_eq!(log[0]["proposed_by"], "agent:guardian");
    assert_eq!(log[0]["confidence"], 85.0);
    assert_eq!(log[0]["files"], serde_json::json!(["main.tf"]));
    assert_eq!(log[2]["commit"], commit.as_str());
    assert_eq!(
        log[2]["confirmed_by"],
        "Jane Doe <jane@example.com> (--yes)"
    );
    assert!(log.iter().all(|r| r["patch_id"] == id.as_str()));

    // Applying twice is refused.
    let again = f.atg(&["patch", "apply", &id, "--yes"]).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("is already applied"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_failing_test_keeps_its_worktree_and_blocks_apply() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let out = f
        .atg(&["patch", "verify", p.to_str().unwrap()])
        .args([
            "--test",
            "echo checking; grep -q three main.tf",
            "--test",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Worktree kept at "), "{err}");
    assert!(
        err.contains("checking"),
        "the failing test's output is shown: {err}"
    );
    let table = stdout(&out);
    assert!(
        table.contains("failed") && table.contains("passed"),
        "{table}"
    );
    let log = f.log();
    let fail = &log[1];
    assert_eq!(fail["event"], "verify_fail");
    assert_eq!(fail["kept"], true);
    assert_eq!(fail["steps"][0]["exit_code"], 1);
    assert_eq!(
        fail["steps"][1]["outcome"], "passed",
        "later tests still run"
    );
    let wt = PathBuf::from(fail["worktree"].as_str().unwrap());
    assert!(err.contains(&wt.display().to_string()), "{err}");
    // The kept worktree holds the patched file, for a look.
    assert_eq!(
        std::fs::read_to_string(wt.join("main.tf")).unwrap(),
        MAIN_TF.replace("one", "two")
    );
    assert_eq!(f.worktrees(), 2);
    let step_log = fail["steps"][0]["log"].as_str().unwrap();
    assert_eq!(std::fs::read_to_string(step_log).unwrap(), "checking\n");

    let id = fail["patch_id"].as_str().unwrap();
    let apply = f.atg(&["patch", "apply", id, "--yes"]).output().unwrap();
    assert_eq!(apply.status.code(), Some(2));
    assert!(
        stderr(&apply).contains("failed its last verification"),
        "{}",
        stderr(&apply)
    );
    assert_eq!(f.read("main.tf"), MAIN_TF);
    let rollback = f
        .atg(&["patch", "rollback", id, "--reason", "x", "--yes"])
        .output()
        .unwrap();
    assert_eq!(rollback.status.code(), Some(2));
    assert!(
        stderr(&rollback).contains("was never applied"),
        "{}",
        stderr(&rollback)
    );

    // `--cleanup` removes the worktree of a failure too; the patch can be
    // named by its ID prefix.
    let v = verify(
        &f,
        Path::new(&id[..10]),
        &["--test", "false", "--cleanup"],
        1,
    );
    assert_eq!(v["kept"], false);
    assert!(!Path::new(v["worktree"].as_str().unwrap()).exists());
    assert_eq!(f.worktrees(), 2);
}

#[test]
fn several_verifications_run_at_once_in_their_own_worktrees() {
    let f = Fixture::new();
    let children: Vec<_> = (0..4)
        .map(|i| {
            let p = f.patch(
                &format!("p{i}.diff"),
                "main.tf",
                &MAIN_TF.replace("one", &format!("v{i}")),
            );
            f.spawn(&[
                "patch",
                "verify",
                p.to_str().unwrap(),
                "--format",
                "json",
                "--test",
                &format!("sleep 1; grep -q v{i} main.tf"),
            ])
        })
        .collect();
    let mut ids = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let v = json(&out);
        ids.push(v["verification_id"].as_str().unwrap().to_string());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each verification has its own worktree");
    assert_eq!(f.worktrees(), 1, "all removed");
    assert_eq!(f.git(&["status", "--porcelain"]), "");
    let events = f.events();
    assert_eq!(events.iter().filter(|e| *e == "verify_pass").count(), 4);
    assert_eq!(events.iter().filter(|e| *e == "propose").count(), 4);
}

#[test]
fn a_hanging_test_is_killed_at_the_timeout_with_its_process_group() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let pid_file = f.dir.path().join("sleeper.pid");
    let test = format!("sleep 300 & echo $! > {}; wait", pid_file.display());
    let started = std::time::Instant::now();
    let v = verify(&f, &p, &["--test", &test, "--timeout", "1"], 1);
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    let step = &v["steps"][0];
    assert_eq!(step["outcome"], "timed_out");
    assert_eq!(step["exit_code"], Value::Null);
    assert!(step["duration_seconds"].as_f64().unwrap() < 10.0);
    assert_gone(&pid_file);
    let log = f.log();
    assert_eq!(log[1]["event"], "verify_fail");
    assert_eq!(log[1]["steps"][0]["outcome"], "timed_out");
    assert!(
        log[1]["reason"]
            .as_str()
            .unwrap()
            .contains("timed out after 1 s"),
        "{}",
        log[1]["reason"]
    );
}

#[test]
fn a_patch_that_does_not_apply_exits_2_with_gits_reason() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    f.write("main.tf", &MAIN_TF.replace("one", "zero"));
    f.git(&["commit", "-q", "-am", "moved on"]);
    let out = f
        .atg(&["patch", "verify", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("does not apply at"), "{err}");
    assert!(
        err.contains("caused by: error: patch failed: main.tf:1"),
        "{err}"
    );
    assert_eq!(
        f.worktrees(),
        1,
        "nothing to look at: the worktree is removed"
    );
    let log = f.log();
    assert_eq!(log[1]["event"], "verify_fail");
    assert!(
        log[1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("the patch does not apply: ")
    );

    // Input that is no patch at all is refused before anything is recorded.
    let junk = f.dir.write("junk.diff", "hello\n");
    let out = f
        .atg(&["patch", "verify", junk.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a patch git can read"),
        "{}",
        stderr(&out)
    );
    let missing = f.atg(&["patch", "verify", "nope.diff"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("cannot read the patch `nope.diff`"));
    assert_eq!(f.log().len(), 2);
}

#[test]
fn a_patch_can_come_from_stdin() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let out = f
        .atg(&[
            "patch",
            "verify",
            "-",
            "--test",
            "grep -q two main.tf",
            "--format",
            "json",
        ])
        .write_stdin(std::fs::read(&p).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["passed"], true);
    assert_eq!(f.log()[0]["source"], "-");
    let junk = f
        .atg(&["patch", "verify", "-"])
        .write_stdin("not a diff\n")
        .output()
        .unwrap();
    assert_eq!(junk.status.code(), Some(2));
    assert!(
        stderr(&junk).contains("`stdin` is not a patch git can read"),
        "{}",
        stderr(&junk)
    );
}

#[test]
fn apply_refuses_a_dirty_worktree_and_a_stale_verification() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let v = verify(&f, &p, &[], 0);
    let id = v["patch_id"].as_str().unwrap();
    assert_eq!(
        v["steps"][0]["command"], "atg validate .",
        "a Terraform folder gets `atg validate` by default"
    );

    f.write("net/net.tf", "# edited by hand\n");
    let out = f.atg(&["patch", "apply", id, "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("has uncommitted changes in `net/net.tf`"),
        "{err}"
    );
    assert_eq!(f.read("main.tf"), MAIN_TF, "nothing applied");

    f.git(&["commit", "-q", "-am", "hand edit"]);
    let out = f.atg(&["patch", "apply", id, "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("was verified at") && err.contains("but HEAD is now"),
        "{err}"
    );
    assert!(err.contains(&format!("atg patch verify {id}")), "{err}");

    // Verified again at the new HEAD (by ID), it applies.
    verify(&f, Path::new(id), &[], 0);
    let out = f.atg(&["patch", "apply", id, "--yes"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(f.read("main.tf"), MAIN_TF.replace("one", "two"));
}

#[test]
fn terraform_folders_get_atg_validate_as_their_default_test() {
    let f = Fixture::new();
    let bad = f.patch(
        "bad.diff",
        "net/net.tf",
        "resource \"terraform_data\" \"net\" {\n  input = terraform_data.missing.id\n}\n",
    );
    let v = verify(&f, &bad, &[], 1);
    assert_eq!(v["steps"].as_array().unwrap().len(), 1);
    assert_eq!(v["steps"][0]["command"], "atg validate net");
    assert_eq!(v["steps"][0]["exit_code"], 1);
    let tail = v["steps"][0]["output_tail"].to_string();
    assert!(tail.contains("missing"), "{tail}");

    let docs = f.patch("docs.diff", "README.md", "# repo\n");
    let v = verify(&f, &docs, &[], 0);
    assert_eq!(
        v["steps"].as_array().unwrap().len(),
        0,
        "no Terraform touched"
    );
}

#[test]
fn rollback_runs_only_after_confirmation_and_names_reason_id_and_confirmer() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let v = verify(&f, &p, &["--test", "true"], 0);
    let id = v["patch_id"].as_str().unwrap();
    f.atg(&["patch", "apply", id, "--yes"]).assert().success();
    let applied = f.git(&["rev-parse", "HEAD"]);

    // No `--yes` and no terminal: refused, nothing reverted, recorded.
    let out = f
        .atg(&[
            "patch",
            "rollback",
            &applied,
            "--reason",
            "plan shows drift",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("Prepared rollback rollback-"), "{err}");
    assert!(err.contains("git revert --no-edit"), "{err}");
    assert!(
        err.contains("refusing to revert without confirmation"),
        "{err}"
    );
    assert_eq!(f.git(&["rev-parse", "HEAD"]), applied);
    assert_eq!(f.read("main.tf"), MAIN_TF.replace("one", "two"));
    let last = f.log().last().unwrap().clone();
    assert_eq!(last["event"], "rollback");
    assert_eq!(last["outcome"], "declined");
    assert_eq!(last["confirmed_by"], Value::Null);

    // Answering anything but `y` on stdin is no confirmation either.
    let out = f
        .atg(&["patch", "rollback", &applied, "--reason", "x"])
        .write_stdin("y\n")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdin is not a terminal: no prompt"
    );
    assert_eq!(f.git(&["rev-parse", "HEAD"]), applied);

    let out = f
        .atg(&[
            "patch",
            "rollback",
            id,
            "--reason",
            "plan shows drift",
            "--yes",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let done = json(&out);
    assert_eq!(
        done["commit"],
        applied.as_str(),
        "a patch ID names its commit"
    );
    let revert = f.git(&["rev-parse", "HEAD"]);
    assert_eq!(done["revert_commit"], revert.as_str());
    assert_eq!(f.read("main.tf"), MAIN_TF);
    let body = f.git(&["log", "-1", "--format=%B"]);
    assert!(body.starts_with(&format!(
        "Revert \"Apply atg patch {id}\"\n\nThis reverts commit {applied}.\n\nReason: plan shows drift\n"
    )), "{body}");
    let trailer = |k: &str| {
        f.git(&[
            "log",
            "-1",
            &format!("--format=%(trailers:key={k},valueonly)"),
        ])
    };
    assert_eq!(
        trailer("Rollback-Id"),
        done["rollback_id"].as_str().unwrap()
    );
    assert_eq!(
        trailer("Confirmed-by"),
        "Jane Doe <jane@example.com> (--yes)"
    );
    assert_eq!(trailer("Atg-Patch-Id"), id);
    let last = f.log().last().unwrap().clone();
    assert_eq!(last["outcome"], "reverted");
    assert_eq!(last["revert_commit"], revert.as_str());

    // Rolling back the same commit again is refused.
    let out = f
        .atg(&["patch", "rollback", &applied, "--reason", "again", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("was already rolled back"),
        "{}",
        stderr(&out)
    );
    // Applying the rolled-back patch again needs a new verification.
    let out = f.atg(&["patch", "apply", id, "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("but HEAD is now"), "{}", stderr(&out));
    verify(&f, Path::new(id), &["--test", "true"], 0);
    f.atg(&["patch", "apply", id, "--yes"]).assert().success();
    assert_eq!(f.read("main.tf"), MAIN_TF.replace("one", "two"));
}

/// `atg ARGS --repo repo` on a pseudo-terminal (util-linux `script`),
/// with `answer` typed at the prompt; its exit code and output.
fn on_terminal(f: &Fixture, args: &[&str], answer: &str) -> (Option<i32>, String) {
    let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    let bin = assert_cmd::cargo::cargo_bin("atg");
    let mut line = quote(&bin.display().to_string());
    for a in args
        .iter()
        .copied()
        .chain(["--repo", f.repo.to_str().unwrap()])
    {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let mut cmd = Command::new("script");
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("ATG_")) {
        cmd.env_remove(k);
    }
    let mut child = cmd
        .args(["-qec", &line, "/dev/null"])
        .current_dir(f.dir.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("these tests need util-linux `script` on PATH to give atg a terminal");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stdout(&out) + &stderr(&out))
}

#[test]
fn on_a_terminal_rollback_waits_for_a_typed_y() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let v = verify(&f, &p, &["--test", "true"], 0);
    f.atg(&["patch", "apply", v["patch_id"].as_str().unwrap(), "--yes"])
        .assert()
        .success();
    let applied = f.git(&["rev-parse", "HEAD"]);

    let (code, out) = on_terminal(
        &f,
        &["patch", "rollback", "HEAD", "--reason", "drift"],
        "n\n",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("? [y/N]"), "{out}");
    assert!(out.contains("declined: nothing changed"), "{out}");
    assert_eq!(f.git(&["rev-parse", "HEAD"]), applied);

    let (code, out) = on_terminal(
        &f,
        &["patch", "rollback", "HEAD", "--reason", "drift"],
        "y\n",
    );
    assert_eq!(code, Some(0), "{out}");
    assert_ne!(f.git(&["rev-parse", "HEAD"]), applied);
    assert_eq!(f.read("main.tf"), MAIN_TF);
    let confirmed = f.git(&[
        "log",
        "-1",
        "--format=%(trailers:key=Confirmed-by,valueonly)",
    ]);
    assert_eq!(confirmed, "Jane Doe <jane@example.com> (interactive)");
    let outcomes: Vec<Value> = f
        .log()
        .iter()
        .filter(|r| r["event"] == "rollback")
        .map(|r| r["outcome"].clone())
        .collect();
    assert_eq!(outcomes, ["declined", "reverted"]);
}

#[test]
fn a_conflicting_revert_is_aborted_cleanly_with_exit_3() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let v = verify(&f, &p, &["--test", "true"], 0);
    f.atg(&["patch", "apply", v["patch_id"].as_str().unwrap(), "--yes"])
        .assert()
        .success();
    let applied = f.git(&["rev-parse", "HEAD"]);
    f.write("main.tf", &MAIN_TF.replace("one", "three"));
    f.git(&["commit", "-q", "-am", "later change to the same line"]);
    let head = f.git(&["rev-parse", "HEAD"]);

    let out = f
        .atg(&["patch", "rollback", &applied, "--reason", "bad", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("conflicts in `main.tf`"), "{err}");
    assert!(
        err.contains("the revert was aborted and nothing changed"),
        "{err}"
    );
    assert_eq!(f.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(f.git(&["status", "--porcelain"]), "");
    assert!(!f.repo.join(".git/REVERT_HEAD").exists());
    assert_eq!(f.read("main.tf"), MAIN_TF.replace("one", "three"));
    let last = f.log().last().unwrap().clone();
    assert_eq!(last["outcome"], "conflict");
    assert_eq!(last["revert_commit"], Value::Null);
}

#[test]
fn ctrl_c_stops_the_running_test_and_exits_130() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let pid_file = f.dir.path().join("sleeper.pid");
    let test = format!("sleep 300 & echo $! > {}; wait", pid_file.display());
    let child = f.spawn(&[
        "patch",
        "verify",
        p.to_str().unwrap(),
        "--test",
        &test,
        "--test",
        "true",
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !pid_file.exists()
        || std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the test never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("was interrupted"), "{}", stderr(&out));
    assert_gone(&pid_file);
    let last = f.log().last().unwrap().clone();
    assert_eq!(last["event"], "verify_fail");
    assert_eq!(last["reason"], "interrupted");
    assert_eq!(last["steps"][0]["outcome"], "interrupted");
    assert_eq!(last["steps"][1]["outcome"], "skipped");
}

#[test]
fn secrets_of_the_environment_never_reach_the_log() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let secret = "s3cr3t-value-of-the-token";
    let out = f
        .atg(&["patch", "verify", p.to_str().unwrap()])
        .args(["--test", &format!("echo {secret}; false")])
        .args(["--triggered-by", &format!("run with {secret}")])
        .env("DEPLOY_TOKEN", secret)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains(secret), "{}", stderr(&out));
    assert!(!stdout(&out).contains(secret), "{}", stdout(&out));
    let text = std::fs::read_to_string(f.repo.join(".git/atg/provenance.jsonl")).unwrap();
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("echo [REDACTED]; false"), "{text}");
    assert!(text.contains("run with [REDACTED]"), "{text}");
    // Nor the test's output, kept under .git/atg/runs.
    let last = f.log().last().unwrap().clone();
    let output = std::fs::read_to_string(last["steps"][0]["log"].as_str().unwrap()).unwrap();
    assert_eq!(output, "[REDACTED]\n");
    let mut stack = vec![f.repo.join(".git/atg")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                let bytes = std::fs::read(e.path()).unwrap();
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(secret),
                    "{}",
                    e.path().display()
                );
            }
        }
    }
}

/// Issue 12: concurrent atg processes must never interleave or lose a
/// provenance line.
#[test]
fn twenty_processes_appending_to_the_provenance_log_lose_no_line() {
    let f = Fixture::new();
    let children: Vec<_> = (0..20)
        .map(|i| {
            let p = f.patch(
                &format!("p{i}.diff"),
                "main.tf",
                &MAIN_TF.replace("one", &format!("value {i} {}", "x".repeat(i * 200))),
            );
            // Lines longer than PIPE_BUF (4096 bytes): only the lock keeps them whole.
            let title = "t".repeat(5000 + i);
            f.spawn(&[
                "patch",
                "verify",
                p.to_str().unwrap(),
                "--test",
                "true",
                "--title",
                &title,
            ])
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let text = std::fs::read_to_string(f.repo.join(".git/atg/provenance.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 40, "20 proposals and 20 verifications");
    let mut per_patch = std::collections::BTreeMap::<String, Vec<String>>::new();
    for l in lines {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line ({e}): {l}"));
        per_patch
            .entry(v["patch_id"].as_str().unwrap().to_string())
            .or_default()
            .push(v["event"].as_str().unwrap().to_string());
    }
    assert_eq!(per_patch.len(), 20);
    assert!(
        per_patch.values().all(|e| e == &["propose", "verify_pass"]),
        "{per_patch:?}"
    );
}

#[test]
fn log_table_and_refusals_as_users_see_them() {
    let f = Fixture::new();
    let p = f.patch("fix.diff", "main.tf", &MAIN_TF.replace("one", "two"));
    let v = verify(
        &f,
        &p,
        &["--test", "true", "--proposed-by", "agent:guardian"],
        0,
    );
    let id = v["patch_id"].as_str().unwrap();
    f.write("main.tf", "# dirty\n");
    let dirty = f.atg(&["patch", "apply", id, "--yes"]).output().unwrap();
    insta::assert_snapshot!("patch_apply_dirty_stderr", normalize(&f, &stderr(&dirty)));
    f.git(&["checkout", "-q", "main.tf"]);
    f.atg(&["patch", "apply", id, "--yes"]).assert().success();
    let no_yes = f
        .atg(&["patch", "rollback", "HEAD", "--reason", "drift"])
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "patch_rollback_unconfirmed_stderr",
        normalize(&f, &stderr(&no_yes))
    );
    let table = f.atg(&["patch", "log"]).output().unwrap();
    assert!(table.status.success());
    insta::assert_snapshot!("patch_log_table", normalize(&f, &stdout(&table)));
}

/// Output with what changes from run to run replaced: the temp folder,
/// commit hashes, patch, verification and rollback IDs, times and
/// durations; table padding is collapsed, since those widths vary.
fn normalize(f: &Fixture, text: &str) -> String {
    let text = text.replace(&f.dir.path().display().to_string(), "[TMP]");
    let words = |line: &str| -> String {
        let mut out = String::new();
        let mut word = String::new();
        let flush = |w: &mut String, out: &mut String| {
            let t = w.trim_end_matches([',', ')', ';', ':', '.', '"']);
            let rest = &w[t.len()..];
            let hex = |s: &str| {
                s.len() >= 7
                    && s.chars().all(|c| c.is_ascii_hexdigit())
                    && s.chars().any(|c| c.is_ascii_digit())
            };
            let repl = if t.starts_with("patch-") {
                "[PATCH]".to_string()
            } else if t.starts_with("atg-verify-") {
                "[VERIFICATION]".to_string()
            } else if t.starts_with("(rollback-") {
                "([ROLLBACK]".to_string()
            } else if t.starts_with("rollback-") {
                "[ROLLBACK]".to_string()
            } else if t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T' {
                "[TIME]".to_string()
            } else if hex(t) {
                "[COMMIT]".to_string()
            } else {
                t.to_string()
            };
            out.push_str(&repl);
            out.push_str(rest);
            w.clear();
        };
        for c in line.chars() {
            if c == ' ' {
                flush(&mut word, &mut out);
                out.push(c);
            } else {
                word.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    };
    text.lines()
        .map(|l| {
            let l = words(l);
            // `in 0.6 s` → `in [DURATION]`
            let mut parts: Vec<String> = l.split(' ').map(str::to_string).collect();
            for i in 0..parts.len() {
                if i + 1 < parts.len()
                    && parts[i + 1] == "s"
                    && parts[i].parse::<f64>().is_ok()
                    && i > 0
                    && parts[i - 1] == "in"
                {
                    parts[i] = "[DURATION]".into();
                }
            }
            let l = parts.join(" ");
            let mut collapsed = String::new();
            let mut prev = '\0';
            for c in l.chars() {
                if (c == ' ' || c == '─' || c == '═') && c == prev {
                    continue;
                }
                collapsed.push(c);
                prev = c;
            }
            collapsed.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
