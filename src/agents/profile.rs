//! The three agent profiles and how each builds its CodeRun from atg's
//! data: what work it takes (`Work`), its role, its run key, its task
//! number and its prompt (the facts from `facts` plus what the agent is
//! to do). Cluster settings and the one-active-run rule are left to
//! `settings` and `lock`.

use super::coderun::{self, CodeRunSpec};
use super::error::AgentError;
use super::facts;
use super::key::{RunKey, Subject, iterations_label};
use crate::deploy::env::secret_values;
use crate::redact::Redactor;
use std::path::PathBuf;

/// An agent profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Analyses validation error patterns across iteration folders.
    IterationAnalyzer,
    /// Watches a pull request's CI, fixes failures, merges when green.
    CiPrManager,
    /// Plans and applies an iteration, scans the target, reports fidelity.
    DeploymentOrchestrator,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 3] = [
        Profile::IterationAnalyzer,
        Profile::CiPrManager,
        Profile::DeploymentOrchestrator,
    ];

    /// The profile's name, also its `agent` label.
    pub fn name(self) -> &'static str {
        match self {
            Profile::IterationAnalyzer => "iteration-analyzer",
            Profile::CiPrManager => "ci-pr-manager",
            Profile::DeploymentOrchestrator => "deployment-orchestrator",
        }
    }

    /// The profile called `name`.
    pub fn from_name(name: &str) -> Option<Profile> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Every profile's name.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|p| p.name()).collect()
    }

    /// The default role (the `role` label): `analyzer`, `pr-manager`,
    /// `orchestrator`. Every trigger of one profile for one subject shares
    /// it, so a CI failure and a review of one PR never run side by side.
    pub fn role(self) -> &'static str {
        match self {
            Profile::IterationAnalyzer => "analyzer",
            Profile::CiPrManager => "pr-manager",
            Profile::DeploymentOrchestrator => "orchestrator",
        }
    }
}

/// The work a run is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// Iteration numbers to analyse.
    Iterations(Vec<u32>),
    /// A pull request number.
    PullRequest(u64),
    /// An iteration to deploy into a subscription.
    Deployment {
        /// The iteration.
        iteration: u32,
        /// The target subscription.
        target_subscription: String,
    },
}

/// The work flags of `atg agent run`, before checking.
#[derive(Debug, Clone, Default)]
pub struct WorkFlags {
    /// `--iterations 3-7`.
    pub iterations: Option<String>,
    /// `--pr N`.
    pub pr: Option<u64>,
    /// `--iteration N`.
    pub iteration: Option<u32>,
    /// `--target-subscription S`.
    pub target_subscription: Option<String>,
}

impl Work {
    /// The work `profile` takes from `flags`.
    ///
    /// Errors: `Input` naming the flag the profile needs, or a flag it
    /// does not take.
    pub fn from_flags(profile: Profile, flags: &WorkFlags) -> Result<Work, AgentError> {
        let need = |flag: &str, example: &str| {
            AgentError::input(
                format!("`{}` needs `{flag}`", profile.name()),
                format!("e.g. `atg agent run {} {example}`", profile.name()),
            )
        };
        let stray = |flag: &str| {
            AgentError::input(
                format!("`{}` does not take `{flag}`", profile.name()),
                "see `atg agent run --help` for which flags go with which profile",
            )
        };
        match profile {
            Profile::IterationAnalyzer => {
                if flags.pr.is_some() {
                    return Err(stray("--pr"));
                }
                let text = flags
                    .iterations
                    .as_deref()
                    .ok_or_else(|| need("--iterations", "--iterations 3-7"))?;
                let numbers = crate::fidelity::iterations::parse_list(text).map_err(|e| {
                    AgentError::input(
                        format!("`--iterations {text}`: {e}"),
                        "list iteration numbers and ranges, e.g. `--iterations 3-7` or `--iterations 1,3-5`",
                    )
                })?;
                Ok(Work::Iterations(numbers))
            }
            Profile::CiPrManager => {
                if flags.iterations.is_some() || flags.iteration.is_some() {
                    return Err(stray("--iteration(s)"));
                }
                let pr = flags
                    .pr
                    .ok_or_else(|| need("--pr", "--pr 1029 --repository org/repo"))?;
                Ok(Work::PullRequest(pr))
            }
            Profile::DeploymentOrchestrator => {
                if flags.pr.is_some() {
                    return Err(stray("--pr"));
                }
                let iteration = flags
                    .iteration
                    .ok_or_else(|| need("--iteration", "--iteration 7 --target-subscription S"))?;
                let target_subscription = flags
                    .target_subscription
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| {
                        need(
                            "--target-subscription",
                            "--iteration 7 --target-subscription S",
                        )
                    })?;
                Ok(Work::Deployment {
                    iteration,
                    target_subscription,
                })
            }
        }
    }

    fn subject(&self) -> Subject {
        match self {
            Work::Iterations(ns) => Subject::Iteration(iterations_label(ns)),
            Work::PullRequest(n) => Subject::Pr(*n),
            Work::Deployment { iteration, .. } => Subject::Iteration(iteration.to_string()),
        }
    }

    fn task_id(&self) -> u64 {
        match self {
            Work::Iterations(ns) => u64::from(ns.iter().copied().max().unwrap_or(0)),
            Work::PullRequest(n) => *n,
            Work::Deployment { iteration, .. } => u64::from(*iteration),
        }
    }
}

/// Everything `build` needs.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The profile.
    pub profile: Profile,
    /// Its work.
    pub work: Work,
    /// `--repository org/repo`, if given.
    pub repository: Option<String>,
    /// `--role`, overriding the profile's.
    pub role: Option<String>,
    /// Where the iteration folders, state, history and registry are.
    pub output_root: PathBuf,
    /// Spec fields from flags and the config file (`settings::spec_fields`).
    pub fields: CodeRunSpec,
}

/// A run ready to start: key, spec without its prompt, and the prompt.
#[derive(Debug, Clone)]
pub struct BuiltRun {
    /// The run key.
    pub key: RunKey,
    /// The spec; `prompt_modification` is set by `start`.
    pub spec: CodeRunSpec,
    /// The prompt: task plus facts, Markdown, secrets redacted.
    pub prompt: String,
}

/// `org/repo` from a GitHub-style URL (`https://host/org/repo(.git)`).
pub fn repository_of_url(url: &str) -> Option<String> {
    let path = url.split("://").nth(1)?.split_once('/')?.1;
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        [org, repo] if !org.is_empty() && !repo.is_empty() => {
            Some(format!("{org}/{}", repo.trim_end_matches(".git")))
        }
        _ => None,
    }
}

fn check_repository(repo: &str) -> Result<(), AgentError> {
    let ok = repo.split('/').count() == 2
        && repo.split('/').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(AgentError::input(
            format!("`--repository {repo}` is not `owner/name`"),
            "pass the GitHub repository as `owner/name`, e.g. `--repository org/repo`",
        ))
    }
}

/// What the agent is asked to do, for `subject` (iterations `3-7`, PR
/// `1029` or iteration `7`), `repository` and, for deployments, `target`
/// (the subscription). The first line of every prompt; the Argo manifests
/// call it with `{{…}}` placeholders.
pub fn task_text(profile: Profile, subject: &str, repository: &str, target: &str) -> String {
    match profile {
        Profile::IterationAnalyzer => format!(
            "Task (atg iteration-analyzer): analyse the validation errors of atg iterations {subject} in {repository}. \
             Group them by root cause in atg's ARM-to-azurerm emitters (src/iac), fix the rules that produce them, \
             check with `atg iterate --until-stable`, and open one pull request with the fixes and the patterns you found."
        ),
        Profile::CiPrManager => format!(
            "Task (atg ci-pr-manager): watch the CI of pull request #{subject} in {repository}. \
             When a check fails, find the cause, push the smallest fix to the PR's branch and wait for CI again. \
             Merge when every check is green and the PR is approved; never force-push, never bypass branch protection."
        ),
        Profile::DeploymentOrchestrator => format!(
            "Task (atg deployment-orchestrator): deploy iteration {subject} of {repository} to subscription {target}. \
             Run `atg deploy --iteration {subject} --target-subscription {target}` (plan, then apply), \
             scan the target with `atg scan`, measure with `atg fidelity --track`, and report the fidelity and any failed resources."
        ),
    }
}

fn task(profile: Profile, work: &Work, repository: &str) -> String {
    match work {
        Work::Iterations(ns) => task_text(
            profile,
            &iterations_label(ns).replace('_', ","),
            repository,
            "",
        ),
        Work::PullRequest(n) => task_text(profile, &n.to_string(), repository, ""),
        Work::Deployment {
            iteration,
            target_subscription,
        } => task_text(
            profile,
            &iteration.to_string(),
            repository,
            target_subscription,
        ),
    }
}

/// Builds the run: fills the spec (repository URL, task number, run type),
/// checks the CRD's required fields, derives the key, and reads the facts.
/// No API call is made.
///
/// Errors: `Input` for a missing required field (naming its flag and
/// config key), a bad repository, or unreadable atg data.
pub fn build(req: &RunRequest) -> Result<BuiltRun, AgentError> {
    if let Some(r) = &req.repository {
        check_repository(r)?;
    }
    let mut spec = req.fields.clone();
    if spec.repository_url.is_empty()
        && let Some(r) = &req.repository
    {
        spec.repository_url = format!("https://github.com/{r}");
    }
    let missing = coderun::missing_required(&spec);
    if !missing.is_empty() {
        let fields: Vec<String> = missing.iter().map(|m| format!("`{}`", m.0)).collect();
        let flags: Vec<&str> = missing.iter().map(|m| m.1).collect();
        let keys: Vec<&str> = missing.iter().map(|m| m.2).collect();
        return Err(AgentError::input(
            format!(
                "the CodeRun is missing required field(s) {}",
                fields.join(", ")
            ),
            format!(
                "pass {} or set {} in `.atg/agents.toml` (see docs/AGENTS.md#configuration)",
                flags.join(", "),
                keys.join(", ")
            ),
        ));
    }
    let repository = match &req.repository {
        Some(r) => r.clone(),
        None => repository_of_url(&spec.repository_url).ok_or_else(|| {
            AgentError::input(
                format!(
                    "cannot tell the repository from `{}` for the run key",
                    spec.repository_url
                ),
                "pass `--repository owner/name`",
            )
        })?,
    };
    spec.task_id = Some(req.work.task_id());
    spec.run_type = Some("implementation".into());
    let key = RunKey {
        agent: req.profile.name().into(),
        role: req
            .role
            .clone()
            .unwrap_or_else(|| req.profile.role().into()),
        subject: req.work.subject(),
        repository: repository.clone(),
    };
    let facts = match &req.work {
        Work::Iterations(ns) => facts::iteration_analysis(&req.output_root, ns)?,
        Work::PullRequest(n) => facts::pull_request(&req.output_root, *n, &repository)?,
        Work::Deployment {
            iteration,
            target_subscription,
        } => facts::deployment(&req.output_root, *iteration, target_subscription)?,
    };
    let text = format!(
        "{}\n\n{}",
        task(req.profile, &req.work, &repository),
        facts.to_markdown()
    );
    let redactor = Redactor::new(secret_values(std::env::vars()));
    Ok(BuiltRun {
        key,
        spec,
        prompt: redactor.redact(&text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_from_urls() {
        assert_eq!(
            repository_of_url("https://github.com/org/repo.git").as_deref(),
            Some("org/repo")
        );
        assert_eq!(
            repository_of_url("https://github.com/org/repo/").as_deref(),
            Some("org/repo")
        );
        assert_eq!(repository_of_url("https://github.com/org"), None);
        assert_eq!(repository_of_url("not a url"), None);
    }

    #[test]
    fn each_profile_needs_its_work_flags() {
        let e = Work::from_flags(Profile::CiPrManager, &WorkFlags::default()).unwrap_err();
        assert_eq!(e.to_string(), "`ci-pr-manager` needs `--pr`");
        let flags = WorkFlags {
            iterations: Some("3-5".into()),
            ..Default::default()
        };
        assert_eq!(
            Work::from_flags(Profile::IterationAnalyzer, &flags).unwrap(),
            Work::Iterations(vec![3, 4, 5])
        );
        assert!(Work::from_flags(Profile::CiPrManager, &flags).is_err());
    }
}
