//! Commit messages of the patch lifecycle, with git trailers (`Key: value`
//! lines in the message's last paragraph, as `git interpret-trailers` reads
//! them).
//!
//! An applied patch's commit ends with `Proposed-by`, `Confidence`,
//! `Triggered-by`, `Verified-in` and `Atg-Patch-Id`, after a paragraph
//! listing the files it changes. A rollback's revert commit names the
//! reason, and ends with `Rollback-Id`, `Confirmed-by` and, when the commit
//! came from a patch, `Atg-Patch-Id`. Trailer values are kept to one line.

use super::git::ChangedFile;
use super::provenance::{StepOutcome, Verification};
use super::short;

/// What the trailers of an applied patch say.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyTrailers {
    /// Who proposed the patch.
    pub proposed_by: String,
    /// Their confidence, percent 0–100, when stated.
    pub confidence: Option<f64>,
    /// What triggered it.
    pub triggered_by: String,
    /// The verification: `atg-verify-… at <commit> (…)`.
    pub verified_in: String,
    /// The patch ID.
    pub patch_id: String,
}

/// `text` on one line: runs of whitespace (newlines too) become one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A confidence for people: `85%`, `92.5%`, or `not stated`.
pub fn confidence_text(c: Option<f64>) -> String {
    match c {
        Some(c) if c.fract() == 0.0 => format!("{c:.0}%"),
        Some(c) => format!("{c}%"),
        None => "not stated".into(),
    }
}

/// What a verification ran, for `Verified-in`: `atg-verify-… at
/// 1a2b3c4d5e6f (build and 2 tests passed)`.
pub fn verified_in(v: &Verification) -> String {
    let count = |kind: &str| {
        v.steps
            .iter()
            .filter(|s| s.kind == kind && s.outcome == StepOutcome::Passed)
            .count()
    };
    let (builds, tests) = (count("build"), count("test"));
    let what = match (builds, tests) {
        (0, 0) => "applied cleanly; no build or test command".to_string(),
        (0, 1) => "1 test passed".to_string(),
        (0, t) => format!("{t} tests passed"),
        (_, 0) => "build passed".to_string(),
        (_, 1) => "build and 1 test passed".to_string(),
        (_, t) => format!("build and {t} tests passed"),
    };
    format!("{} at {} ({what})", v.verification_id, short(&v.base))
}

/// The commit message of an applied patch: `title` (or `Apply atg patch
/// ID`), the affected files, then the trailers.
pub fn apply_message(title: Option<&str>, files: &[ChangedFile], t: &ApplyTrailers) -> String {
    let subject = title
        .map(one_line)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("Apply atg patch {}", t.patch_id));
    let mut m = format!("{subject}\n\nAffected files:\n");
    for f in files {
        m.push_str(&format!("  {} {}\n", f.status, f.path));
    }
    m.push('\n');
    m.push_str(&format!("Proposed-by: {}\n", one_line(&t.proposed_by)));
    m.push_str(&format!("Confidence: {}\n", confidence_text(t.confidence)));
    m.push_str(&format!("Triggered-by: {}\n", one_line(&t.triggered_by)));
    m.push_str(&format!("Verified-in: {}\n", one_line(&t.verified_in)));
    m.push_str(&format!("Atg-Patch-Id: {}\n", t.patch_id));
    m
}

/// What a rollback's revert commit says.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackText<'a> {
    /// The subject of the commit reverted.
    pub subject: &'a str,
    /// Its full hash.
    pub commit: &'a str,
    /// Why.
    pub reason: &'a str,
    /// `rollback-…`.
    pub rollback_id: &'a str,
    /// Who confirmed, and how.
    pub confirmed_by: &'a str,
    /// The patch the commit applied, when atg made it.
    pub patch_id: Option<&'a str>,
}

/// The message of a revert commit: git's own first lines for `git revert`
/// (`Revert "…"`, `This reverts commit ….`), the reason, then the trailers.
pub fn rollback_message(r: &RollbackText<'_>) -> String {
    let mut m = format!(
        "Revert \"{}\"\n\nThis reverts commit {}.\n\nReason: {}\n\n",
        one_line(r.subject),
        r.commit,
        one_line(r.reason)
    );
    m.push_str(&format!("Rollback-Id: {}\n", r.rollback_id));
    m.push_str(&format!("Confirmed-by: {}\n", one_line(r.confirmed_by)));
    if let Some(p) = r.patch_id {
        m.push_str(&format!("Atg-Patch-Id: {p}\n"));
    }
    m
}

/// The value of trailer `key` in a commit message (the last paragraph's
/// `key: value` line), if any.
pub fn trailer<'a>(message: &'a str, key: &str) -> Option<&'a str> {
    let last = message.trim_end().rsplit("\n\n").next()?;
    last.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_message_ends_with_the_five_trailers() {
        let files = vec![
            ChangedFile {
                status: 'M',
                path: "main.tf".into(),
            },
            ChangedFile {
                status: 'A',
                path: "net/subnet.tf".into(),
            },
        ];
        let t = ApplyTrailers {
            proposed_by: "agent:guardian".into(),
            confidence: Some(85.0),
            triggered_by: "iteration 7\nundeclared reference".into(),
            verified_in: "atg-verify-20261121T101500Z-3f2a at 1a2b3c4d5e6f (1 test passed)".into(),
            patch_id: "patch-0123456789ab".into(),
        };
        let m = apply_message(None, &files, &t);
        assert!(m.starts_with("Apply atg patch patch-0123456789ab\n\nAffected files:\n  M main.tf\n  A net/subnet.tf\n\n"));
        assert_eq!(trailer(&m, "Proposed-by"), Some("agent:guardian"));
        assert_eq!(trailer(&m, "Confidence"), Some("85%"));
        assert_eq!(
            trailer(&m, "Triggered-by"),
            Some("iteration 7 undeclared reference")
        );
        assert_eq!(trailer(&m, "Atg-Patch-Id"), Some("patch-0123456789ab"));
        assert!(
            trailer(&m, "Verified-in")
                .unwrap()
                .starts_with("atg-verify-")
        );
    }

    #[test]
    fn rollback_message_names_reason_id_and_confirmer() {
        let m = rollback_message(&RollbackText {
            subject: "Add subnet",
            commit: "abc",
            reason: "broke prod",
            rollback_id: "rollback-1",
            confirmed_by: "Jane <j@x> (--yes)",
            patch_id: None,
        });
        assert!(m.starts_with(
            "Revert \"Add subnet\"\n\nThis reverts commit abc.\n\nReason: broke prod\n"
        ));
        assert_eq!(trailer(&m, "Rollback-Id"), Some("rollback-1"));
        assert_eq!(trailer(&m, "Confirmed-by"), Some("Jane <j@x> (--yes)"));
        assert_eq!(trailer(&m, "Atg-Patch-Id"), None);
        assert_eq!(confidence_text(Some(92.5)), "92.5%");
    }
}
