//! `atg monitor`: poll the store's counts, print each poll, write the
//! Prometheus metrics file, and exit once the counts are stable.

use crate::cli::monitor::{MonitorArgs, MonitorFormat};
use crate::error::{CliError, ExitStatus};
use crate::graph;
use crate::monitor::{self, Mode, MonitorError, MonitorSettings, Outcome, Poll};
use crate::output::Printer;
use std::ops::ControlFlow;
use std::time::Duration;

fn poll_text(p: &Poll, format: MonitorFormat, threshold: Option<u32>) -> String {
    let scan = p.scan_id.as_deref().unwrap_or("(no scan)");
    let status = p.scan_status.map(|s| s.as_str()).unwrap_or("-");
    let c = &p.counts;
    let stability = match threshold {
        Some(t) => format!("{}/{t}", p.identical_polls),
        None => p.identical_polls.to_string(),
    };
    match format {
        MonitorFormat::Json => serde_json::to_string(p).expect("polls serialise to JSON") + "\n",
        MonitorFormat::Compact => format!(
            "{} {scan} ({status}) resources={} ({:+}) relationships={} resource_groups={} types={} identical={stability}\n",
            p.time,
            c.resources,
            p.resources_change,
            c.relationships,
            c.resource_groups,
            c.resource_types
        ),
        MonitorFormat::Table => crate::report::table(
            &[
                "#poll",
                "time",
                "scan",
                "status",
                "#resources",
                "#change",
                "#relationships",
                "#resource groups",
                "#types",
                "identical",
            ],
            &[vec![
                p.poll.to_string(),
                p.time.clone(),
                scan.to_string(),
                status.to_string(),
                c.resources.to_string(),
                format!("{:+}", p.resources_change),
                c.relationships.to_string(),
                c.resource_groups.to_string(),
                c.resource_types.to_string(),
                stability,
            ]],
        ),
    }
}

/// Runs `atg monitor`.
pub async fn run(
    graph_spec: &str,
    args: MonitorArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    if !(args.interval.is_finite() && args.interval >= 0.0) {
        return Err(CliError::input(format!(
            "`--interval {}` is not a number of seconds",
            args.interval
        ))
        .with_hint("pass seconds between polls, e.g. `--interval 30` or `--interval 0.5`"));
    }
    let mode = if args.detect_stabilization {
        Mode::Stabilize(args.threshold)
    } else if args.watch {
        Mode::Watch
    } else {
        Mode::Once
    };
    let threshold = args.detect_stabilization.then_some(args.threshold);
    let settings = MonitorSettings {
        subscription: args.subscription_id.clone(),
        scan_id: args.scan_id.clone(),
        interval: Duration::from_secs_f64(args.interval),
        mode,
        max_polls: args.max_polls,
    };
    let store = graph::open(graph_spec)?;
    if mode != Mode::Once {
        printer.status(&format!(
            "Polling every {}s{}; Ctrl-C stops",
            args.interval,
            threshold
                .map(|t| format!(" until {t} polls in a row are identical"))
                .unwrap_or_default()
        ));
    }
    let metrics_file = args.metrics_file.clone();
    let subscription = args.subscription_id.clone();
    let mut on_poll = |p: &Poll| -> Result<ControlFlow<()>, String> {
        if p.scan_id.is_none() {
            printer.warn(&match &subscription {
                Some(s) => format!("no scan covers subscription `{s}` yet"),
                None => "the store has no scan yet".to_string(),
            });
        }
        printer.data(&poll_text(p, args.format, threshold));
        if let Some(path) = &metrics_file {
            crate::fsutil::write_atomic(
                path,
                monitor::metrics(p, subscription.as_deref()).as_bytes(),
            )
            .map_err(|e| format!("cannot write the metrics file `{}`: {e}", path.display()))?;
        }
        // Nobody reads the polls any more (`| head -1`): stop quietly.
        Ok(if printer.stdout_closed() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    };
    let outcome = monitor::run(store.as_ref(), &settings, &mut on_poll)
        .await
        .map_err(|e| match e {
            MonitorError::Graph(g) => CliError::from(g),
            MonitorError::Sink(m) => {
                CliError::input(m).with_hint("pass a `--metrics-file` in a folder you can write to")
            }
        })?;
    if printer.stdout_closed() {
        return Ok(ExitStatus::Success);
    }
    match outcome {
        Outcome::Stable(p) => {
            printer.status(&format!(
                "Stable: {} polls in a row gave {} resources, {} relationships, {} resource groups, {} types",
                p.identical_polls,
                p.counts.resources,
                p.counts.relationships,
                p.counts.resource_groups,
                p.counts.resource_types
            ));
            Ok(ExitStatus::Success)
        }
        Outcome::Done(last) => match (mode, last) {
            (Mode::Once, Some(p)) if p.scan_id.is_none() => Err(graph::GraphError::NoScan(
                subscription
                    .map(|s| format!(" for subscription `{s}`"))
                    .unwrap_or_default(),
            )
            .into()),
            (Mode::Stabilize(t), last) => {
                printer.error(&format!(
                    "not stable after {} polls: fewer than {t} in a row were identical\n",
                    last.map(|p| p.poll).unwrap_or(0)
                ));
                Ok(ExitStatus::CheckFailed)
            }
            _ => Ok(ExitStatus::Success),
        },
        Outcome::Interrupted(_) => Err(CliError::interrupted("monitoring interrupted")),
    }
}
