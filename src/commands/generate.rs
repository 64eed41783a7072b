//! `atg generate`: read a snapshot from the store and write Terraform plus
//! `generation_report.{json,md}`.

use crate::cli::generate::{GenerateArgs, GenerateFormat, SourceArgs, SyntaxArg};
use crate::error::{CliError, ExitStatus};
use crate::graph;
use crate::iac::{self, Adjustments, GenerateOptions, Generated, Syntax, TargetSettings};
use crate::model::Snapshot;
use crate::output::Printer;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Maps the CLI syntax flag to the renderer's.
pub fn syntax(arg: SyntaxArg) -> Syntax {
    match arg {
        SyntaxArg::Hcl => Syntax::Hcl,
        SyntaxArg::Json => Syntax::Json,
    }
}

/// Generation options from the source flags, a prefix and adjustments.
pub fn options(source: &SourceArgs, prefix: String, adjustments: Adjustments) -> GenerateOptions {
    GenerateOptions {
        target: TargetSettings {
            resource_group_prefix: prefix,
            location: source.location.clone(),
        },
        subscriptions: source.subscriptions.clone(),
        resource_groups: source.resource_groups.clone(),
        adjustments,
        provider_schema: None,
        type_map: None,
    }
}

/// The type map `--type-map` names, read once; `None` without the flag.
///
/// Errors: an input error naming the file that cannot be read or is not
/// aztft's resource map.
pub fn type_map(
    source: &SourceArgs,
) -> Result<Option<std::sync::Arc<crate::iac::emitters::type_map::TypeMap>>, CliError> {
    let Some(path) = &source.type_map else {
        return Ok(None);
    };
    crate::iac::emitters::type_map::TypeMap::load_aztft(path)
        .map(|m| Some(std::sync::Arc::new(m)))
        .map_err(|e| {
            CliError::input(e.to_string()).with_hint(
                "pass aztft's resource map (its `mapping` JSON, e.g. aztft-resmap-v4.81.0.json)",
            )
        })
}

/// The provider schema the generic fallback reads, from `--provider-schema`
/// files (merged), with the provider validation data found beside each
/// (`NAME.validation.json`, as `atg validate` finds it); `None` when none
/// is given.
///
/// Errors: an input error naming the file that cannot be read or parsed.
pub fn provider_schema(
    files: &[std::path::PathBuf],
) -> Result<Option<std::sync::Arc<crate::validate::schema::Schemas>>, CliError> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut schemas = crate::validate::schema::Schemas::load_files(files).map_err(|e| {
        CliError::input(e.to_string())
            .with_hint("pass a file written by `terraform providers schema -json`")
    })?;
    for f in files
        .iter()
        .filter_map(|f| crate::validate::rules::beside_schema(f))
    {
        let rules = crate::validate::rules::ProviderRules::load_file(&f).map_err(|e| {
            CliError::input(e.to_string()).with_hint(
                "the file beside the schema must be provider validation data (format `atg provider validation data 1`); move it aside to generate without it",
            )
        })?;
        schemas.add_rules(rules);
    }
    Ok(Some(std::sync::Arc::new(schemas)))
}

/// Refuses `--provider-schema` files that hold no azurerm schema: the
/// generic fallback would silently emit nothing.
///
/// Errors: an input error naming the files, with a hint.
fn require_azurerm(
    schemas: &crate::validate::schema::Schemas,
    files: &[std::path::PathBuf],
) -> Result<(), CliError> {
    if schemas.provider_by_local_name("azurerm").is_some() {
        return Ok(());
    }
    let names: Vec<String> = files.iter().map(|f| format!("`{}`", f.display())).collect();
    Err(CliError::input(format!(
        "{} holds no schema for registry.terraform.io/hashicorp/azurerm, so the generic fallback has nothing to read",
        names.join(", ")
    ))
    .with_hint("dump it with `terraform providers schema -json` in a folder that requires hashicorp/azurerm"))
}

/// Loads the snapshot the source flags select, warning about resources
/// whose values Azure Tenant Grapher cut short (they are not generated).
pub async fn load_snapshot(
    graph_spec: &str,
    source: &SourceArgs,
    printer: &Printer,
) -> Result<(String, Snapshot), CliError> {
    let store = graph::open_existing(graph_spec)?;
    let scan = graph::select_scan(
        store.as_ref(),
        source.scan_id.as_deref(),
        source.subscriptions.first().map(String::as_str),
    )
    .await?;
    let snapshot = store.load_snapshot(&scan.scan_id).await?;
    warn_truncated(
        printer,
        &scan.scan_id,
        &snapshot,
        "they are skipped (listed in generation_report.md)",
    );
    Ok((scan.scan_id, snapshot))
}

/// One warning when `snapshot` holds resources with values that Azure
/// Tenant Grapher cut at 5000 characters (`Resource::is_truncated`), with
/// their count and `consequence`, what happens to them.
pub(crate) fn warn_truncated(
    printer: &Printer,
    scan_id: &str,
    snapshot: &Snapshot,
    consequence: &str,
) {
    let n = snapshot
        .resources
        .iter()
        .filter(|r| r.is_truncated())
        .count();
    if n > 0 {
        printer.warn(&format!(
            "scan `{scan_id}` has {} with values that Azure Tenant Grapher cut at 5000 characters (`{}`): {consequence}; scan the tenant with `atg scan` to read them whole",
            plural(n, "resource"),
            crate::model::TRUNCATED_MARK
        ));
    }
}

/// One summary line for a generation.
pub fn summary_line(g: &Generated) -> String {
    let r = &g.report;
    format!(
        "{} of {} mappable resources emitted ({}%), {} skipped, {} unmapped ({}); {} Terraform resource blocks",
        r.emitted_resources,
        r.mapped_resources,
        r.emitted_percent,
        r.skipped_resources,
        r.unmapped_resources,
        plural(r.unmapped_types.len(), "type"),
        r.terraform_blocks
    )
}

/// One warning naming the ARM types that were not emitted, if any, each
/// with why: no azurerm resource exists, or not mapped yet.
pub fn warn_unmapped(g: &Generated, printer: &Printer) {
    let types = &g.report.unmapped_types;
    if types.is_empty() {
        return;
    }
    let names: Vec<String> = types
        .iter()
        .map(|(t, u)| {
            let why = if u.status == "no_azurerm_resource" {
                "no azurerm resource exists"
            } else {
                "not mapped yet"
            };
            format!("`{t}` ({}, {why})", u.count)
        })
        .collect();
    printer.warn(&format!(
        "{} of {} were not emitted: {} (listed in generation_report.md)",
        plural(g.report.unmapped_resources, "resource"),
        plural(types.len(), "type"),
        names.join(", ")
    ));
}

/// `1 type`, `2 types`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `atg generate --format json`: where the configuration went and what it holds.
#[derive(Serialize)]
struct Summary<'a> {
    scan_id: &'a str,
    output: &'a Path,
    syntax: &'static str,
    files: &'a [String],
    resources_in_scope: usize,
    mapped_resources: usize,
    emitted_resources: usize,
    /// Percent 0–100.
    emitted_percent: f64,
    skipped_resources: usize,
    unmapped_resources: usize,
    /// Emitted by the schema-guided generic fallback (a subset of `emitted_resources`).
    generic_resources: usize,
    terraform_blocks: usize,
    unmapped_types: &'a BTreeMap<String, crate::iac::report::UnmappedType>,
    /// Variables without a default the user must set: secrets and values the
    /// source does not show (as `terraform.tfvars.example` lists them).
    variables: &'a [String],
}

/// Runs `atg generate`.
pub async fn run(
    graph_spec: &str,
    args: GenerateArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let syntax_arg = if args.format == GenerateFormat::Hcl {
        printer.warn("`--format hcl` is now `--syntax hcl` (`--format` picks the summary's format: table or json)");
        SyntaxArg::Hcl
    } else {
        args.syntax
    };
    let (scan_id, snapshot) = load_snapshot(graph_spec, &args.source, printer).await?;
    let mut opts = options(
        &args.source,
        args.resource_group_prefix.clone(),
        Adjustments::default(),
    );
    opts.provider_schema = provider_schema(&args.provider_schemas)?;
    opts.type_map = type_map(&args.source)?;
    if let Some(schemas) = &opts.provider_schema {
        require_azurerm(schemas, &args.provider_schemas)?;
    }
    let generated = iac::generate(&snapshot, &opts);
    let files = iac::write_output(&args.output, &generated, syntax(syntax_arg))?;
    if args.format == GenerateFormat::Json {
        let r = &generated.report;
        printer.data(&crate::report::json(&Summary {
            scan_id: &scan_id,
            output: &args.output,
            syntax: match syntax_arg {
                SyntaxArg::Hcl => "hcl",
                SyntaxArg::Json => "json",
            },
            files: &files,
            resources_in_scope: r.resources_in_scope,
            mapped_resources: r.mapped_resources,
            emitted_resources: r.emitted_resources,
            emitted_percent: r.emitted_percent,
            skipped_resources: r.skipped_resources,
            unmapped_resources: r.unmapped_resources,
            generic_resources: r.generic_resources,
            terraform_blocks: r.terraform_blocks,
            unmapped_types: &r.unmapped_types,
            variables: &r.variables,
        }));
    }
    printer.status(&format!(
        "Generated from scan {scan_id} into `{}` ({} files)",
        args.output.display(),
        files.len()
    ));
    printer.status(&summary_line(&generated));
    warn_unmapped(&generated, printer);
    if generated.report.skipped_resources > 0 {
        printer.status(&format!(
            "See `{}` for why each skipped resource was skipped",
            args.output.join("generation_report.md").display()
        ));
    }
    crate::background::drop_later(generated);
    crate::background::drop_later(snapshot);
    Ok(ExitStatus::Success)
}
