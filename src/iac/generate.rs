//! The generation driver: plans an address for every mappable resource,
//! runs the emitters, drops resources whose references left the emitted set,
//! applies recorded adjustments, and assembles the document and report.
//!
//! Per-type logic is left to `iac::emitters`; rendering to `iac::render`.

use super::context::{
    EmitCx, Locations, Plan, SecretVariable, Skip, SkipReason, TargetSettings, rg_id_of,
};
use super::doc::{Block, Body, Document, Value};
use super::emitters;
use super::naming;
use super::render::{self, Syntax};
use super::report::GenerationReport;
use crate::model::{Resource, ResourceGroup, ResourceId, Snapshot};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Changes recorded by `atg iterate` and applied to the next generation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Adjustments {
    /// Lowercase ARM ID → why the resource is skipped.
    #[serde(default)]
    pub skip: BTreeMap<String, String>,
    /// azurerm resource type → dotted argument paths to drop (`os_disk.foo`).
    #[serde(default)]
    pub drop_arguments: BTreeMap<String, BTreeSet<String>>,
    /// azurerm resource type → dotted argument path → rejected value → the
    /// value written instead (an enum in the provider's spelling, a number
    /// clamped into range).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub replace_values: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
}

impl Adjustments {
    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.skip.is_empty() && self.drop_arguments.is_empty() && self.replace_values.is_empty()
    }
}

/// What to generate and how.
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    /// Resource group prefix and location override.
    pub target: TargetSettings,
    /// Only these subscriptions (GUIDs, case-insensitive); empty means all.
    pub subscriptions: Vec<String>,
    /// Only these resource groups (names, case-insensitive); empty means all.
    pub resource_groups: Vec<String>,
    /// Remediations to apply.
    pub adjustments: Adjustments,
    /// The azurerm provider schema, for the generic fallback (types no
    /// table maps); without it those types are reported as not mapped.
    pub provider_schema: Option<std::sync::Arc<crate::validate::schema::Schemas>>,
    /// More ARM → azurerm pairs for the generic fallback (`--type-map`,
    /// aztft's resource map) beyond atg's own.
    pub type_map: Option<std::sync::Arc<emitters::type_map::TypeMap>>,
}

/// The result of a generation: the document and its report.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The Terraform configuration.
    pub document: Document,
    /// Counts, skips and the address ↔ ARM ID map.
    pub report: GenerationReport,
}

struct Unit<'a> {
    resource: &'a Resource,
    group: &'static str,
    generic: bool,
    address: String,
    blocks: Vec<Block>,
    deps: Vec<String>,
    notes: Vec<String>,
    variables: Vec<SecretVariable>,
    data_sources: Vec<&'static str>,
    location_vars: Vec<String>,
}

/// Generates Terraform for the resources of `snapshot` that pass the
/// filters. Deterministic: the same snapshot and options give the same
/// document and report. Never fails: what cannot be emitted is reported.
pub fn generate(snapshot: &Snapshot, opts: &GenerateOptions) -> Generated {
    let subs: HashSet<String> = opts
        .subscriptions
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let rgs: HashSet<String> = opts
        .resource_groups
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let filtered = !subs.is_empty() || !rgs.is_empty();
    let in_scope = |r: &Resource| {
        if !filtered {
            return true;
        }
        let id = ResourceId::parse(&r.id).ok();
        let sub = id
            .as_ref()
            .and_then(|i| i.subscription.clone())
            .or_else(|| r.subscription_id.clone());
        let rg = id
            .as_ref()
            .and_then(|i| i.resource_group.clone())
            .or_else(|| r.resource_group.clone());
        (subs.is_empty() || sub.is_some_and(|s| subs.contains(&s.to_ascii_lowercase())))
            && (rgs.is_empty() || rg.is_some_and(|g| rgs.contains(&g.to_ascii_lowercase())))
    };
    // Keys, labels and the emitter's choice of primary type depend on the
    // resource alone, so they are computed in parallel; the order (by type,
    // then ARM ID) is fixed before anything depends on it.
    let mut resources: Vec<Keyed> = snapshot
        .resources
        .par_iter()
        .filter(|r| in_scope(r))
        .map(|r| {
            let type_key = r.type_key();
            let route = emitters::route(
                &type_key,
                r,
                opts.provider_schema.as_deref(),
                opts.type_map.as_deref(),
            );
            let custom_label = match &route {
                emitters::Route::Emit(emitters::Emitter::Table(m), _) => m.label,
                _ => None,
            };
            Keyed {
                resource: r,
                route,
                label: match custom_label {
                    Some(f) => naming::label(&f(r)),
                    None => label_for(r),
                },
                id_key: r.id_key(),
                type_key,
            }
        })
        .collect();
    resources.par_sort_by(|a, b| (&a.type_key, &a.id_key).cmp(&(&b.type_key, &b.id_key)));

    let mut report = GenerationReport {
        resources_in_scope: resources.len(),
        ..Default::default()
    };
    let mut addresses = HashMap::new();
    let mut used_labels: HashSet<String> = HashSet::new();
    let mut planned: Vec<Planned> = Vec::new();
    // Lowercase resource group ID → (ID as first spelled, location of the
    // first planned resource in it: the fallback when the group has none).
    let mut rg_needed: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();

    // Every resource of the snapshot by ARM ID (references may leave the
    // scope), built while the plan is made.
    let (lookup, ()) = rayon::join(
        || {
            snapshot
                .resources
                .iter()
                .map(|r| (r.id_key(), r))
                .collect::<HashMap<String, &Resource>>()
        },
        || {
            for k in resources {
                let r = k.resource;
                let (emitter, selected) = match k.route {
                    emitters::Route::Emit(e, selected) => (e, selected),
                    emitters::Route::Unmapped(why) => {
                        report.count_unmapped(&k.type_key, why);
                        continue;
                    }
                };
                report.count_in_snapshot(&k.type_key, emitter.is_generic());
                if r.is_truncated() {
                    report.skip(
                        r,
                        Skip {
                            reason: SkipReason::TruncatedSource,
                            detail: format!(
                                "a value in the source graph was cut at 5000 characters (ends `{}`); scan the tenant with atg to read it whole",
                                crate::model::TRUNCATED_MARK
                            ),
                        },
                    );
                    continue;
                }
                if let Some(why) = opts.adjustments.skip.get(&k.id_key) {
                    report.skip(
                        r,
                        Skip {
                            reason: SkipReason::Remediation,
                            detail: why.clone(),
                        },
                    );
                    continue;
                }
                let primary = match selected {
                    Ok(t) => t,
                    Err(skip) => {
                        report.skip(r, skip);
                        continue;
                    }
                };
                let label = unique_label(&k.label, &k.id_key, &mut used_labels);
                let address = format!("{primary}.{label}");
                if let Some(rg) = rg_id_of(r) {
                    rg_needed
                        .entry(rg.to_ascii_lowercase())
                        .or_insert_with(|| (rg, r.location.clone()));
                }
                addresses.insert(k.id_key, address.clone());
                planned.push((r, emitter, primary, label, address));
            }
        },
    );

    // Resource groups: one azurerm_resource_group per group any planned resource uses.
    let rg_records: HashMap<String, &ResourceGroup> = snapshot
        .resource_groups
        .iter()
        .map(|g| (g.id.to_ascii_lowercase(), g))
        .collect();
    let rg_locations: Vec<String> = rg_needed
        .iter()
        .map(|(key, (_, first_location))| {
            opts.target
                .location
                .clone()
                .or_else(|| rg_records.get(key).and_then(|g| g.location.clone()))
                .or_else(|| first_location.clone())
                .unwrap_or_else(|| "eastus".to_string())
        })
        .collect();
    // One variable per target location, the most common one `location`.
    let locations = Locations::new(
        planned
            .iter()
            .filter_map(|(r, ..)| opts.target.location.as_deref().or(r.location.as_deref()))
            .chain(rg_locations.iter().map(String::as_str)),
    );
    let mut used_locations: BTreeSet<String> = BTreeSet::new();
    let mut rg_blocks = Vec::new();
    let mut rg_addresses = HashMap::new();
    for ((key, (rg_id, _)), location) in rg_needed.iter().zip(&rg_locations) {
        let name = ResourceId::parse(rg_id)
            .ok()
            .and_then(|i| i.resource_group)
            .unwrap_or_default();
        let label = unique_label(&naming::label(&name), key, &mut used_labels);
        let record = rg_records.get(key);
        let location_var = locations.var(location).map(str::to_string);
        let location = match &location_var {
            Some(var) => Value::Ref(format!("var.{var}")),
            None => Value::str(location.as_str()),
        };
        let mut body = Body::new()
            .attr(
                "name",
                format!("{}{}", opts.target.resource_group_prefix, name),
            )
            .attr("location", location);
        if let Some(tags) = record
            .and_then(|g| g.tags.as_object())
            .filter(|t| !t.is_empty())
        {
            body.set(
                "tags",
                Value::Map(
                    tags.iter()
                        .map(|(k, v)| (k.clone(), string_value(v)))
                        .collect(),
                ),
            );
        }
        rg_addresses.insert(key.clone(), format!("azurerm_resource_group.{label}"));
        rg_blocks.push((
            Block::resource("azurerm_resource_group", &label, body),
            location_var,
        ));
    }

    // SSH public keys held by a planned `azurerm_ssh_public_key`: VMs and
    // clusters that use the same key reference it instead of repeating it.
    let ssh_keys: HashMap<String, String> = planned
        .iter()
        .filter(|(r, ..)| r.type_key() == "microsoft.compute/sshpublickeys")
        .filter_map(|(r, _, _, _, address)| {
            Some((r.prop_str("publicKey")?.trim().to_string(), address.clone()))
        })
        .collect();

    let plan = Plan {
        addresses,
        resource_groups: rg_addresses,
        lookup,
        target: &opts.target,
        locations,
        ssh_keys,
        principals: principals(&planned),
        custom_roles: custom_roles(&planned),
        storage_accounts: planned
            .iter()
            .filter(|(r, ..)| r.type_key() == "microsoft.storage/storageaccounts")
            .map(|(r, _, _, _, address)| (r.name.to_ascii_lowercase(), address.clone()))
            .collect(),
        workspaces: planned
            .iter()
            .filter(|(r, ..)| r.type_key() == "microsoft.operationalinsights/workspaces")
            .filter_map(|(r, _, _, _, address)| {
                Some((
                    r.prop_str("customerId")?.to_ascii_lowercase(),
                    address.clone(),
                ))
            })
            .collect(),
    };

    // Emitters only read the plan, so resources are emitted in parallel;
    // results keep the planned order, so the output does not depend on it.
    let emitted: Vec<(Result<Unit, Skip>, String, &Resource)> = planned
        .into_par_iter()
        .map(|(r, emitter, primary, label, address)| {
            let mut cx = EmitCx::new(&plan, r, primary, label);
            let result = emitter
                .emit(r, &mut cx, opts.provider_schema.as_deref())
                .map(|blocks| Unit {
                    resource: r,
                    group: emitter.group(),
                    generic: emitter.is_generic(),
                    address: address.clone(),
                    blocks,
                    deps: cx.deps,
                    notes: cx.notes,
                    variables: cx.variables,
                    data_sources: cx.data_sources,
                    location_vars: cx.location_vars,
                });
            (result, address, r)
        })
        .collect();
    let mut units: Vec<Option<Unit>> = Vec::with_capacity(emitted.len());
    let mut missing: Vec<String> = Vec::new();
    for (result, address, r) in emitted {
        match result {
            Ok(unit) => units.push(Some(unit)),
            Err(skip) => {
                report.skip(r, skip);
                missing.push(address);
            }
        }
    }

    // Cascade: a unit whose primary block references a planned-but-missing
    // address goes too; a secondary block (an association, an attachment)
    // that does is dropped alone, with a note, and the resource stays.
    let mut dependents: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        for d in &u.as_ref().expect("all present before the cascade").deps {
            dependents.entry(d.clone()).or_default().push(i);
        }
    }
    let mut dropped: Vec<(&Resource, String)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(gone) = missing.pop() {
        if !seen.insert(gone.clone()) {
            continue;
        }
        for &i in dependents.get(&gone).map(Vec::as_slice).unwrap_or_default() {
            let Some(u) = units[i].as_mut() else { continue };
            if block_references(&u.blocks[0], &gone) {
                let u = units[i].take().expect("checked above");
                missing.extend(u.blocks.iter().filter_map(Block::address));
                dropped.push((u.resource, gone.clone()));
                continue;
            }
            let before = u.blocks.len();
            let mut removed = Vec::new();
            let mut k = 0;
            u.blocks.retain(|b| {
                k += 1;
                let keep = k == 1 || !block_references(b, &gone);
                if !keep {
                    removed.extend(b.address());
                }
                keep
            });
            if u.blocks.len() < before {
                u.notes.push(format!(
                    "dropped {} because `{gone}` was not emitted",
                    removed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                missing.extend(removed);
            }
        }
    }
    drop(dependents);
    for (r, gone) in dropped {
        let detail = format!("it references `{gone}`, which was not emitted");
        report.skip(
            r,
            Skip {
                reason: SkipReason::ReferenceOutsideSet,
                detail,
            },
        );
    }

    // Secondary blocks are labelled from names a parent holds (a load
    // balancer's pools, a workflow's actions) and two names can give one
    // label (`pool-a`, `pool_a`): a later block whose address is taken gets
    // `_2`, `_3`, … so the configuration stays valid. References by name
    // (a rule naming its pool) cannot tell the two apart and go to the
    // first; the note says so.
    let mut taken: HashSet<String> = units
        .iter()
        .flatten()
        .filter_map(|u| u.blocks.first().and_then(Block::address))
        .collect();
    for u in units.iter_mut().flatten() {
        for i in 1..u.blocks.len() {
            let Some(address) = u.blocks[i].address() else {
                continue;
            };
            if taken.insert(address.clone()) {
                continue;
            }
            let ty = &u.blocks[i].labels[0];
            let new_label = numbered(&u.blocks[i].labels[1], |l| {
                taken.contains(&format!("{ty}.{l}"))
            });
            let new_address = format!("{ty}.{new_label}");
            taken.insert(new_address.clone());
            u.blocks[i].labels[1] = new_label;
            u.notes.push(format!(
                "two names give the label `{address}`: the second block is `{new_address}`, and references by name resolve to the first; check them"
            ));
        }
    }

    let mut doc = Document::default();
    let mut variables: Vec<SecretVariable> = Vec::new();
    let mut variable_names: HashSet<String> = HashSet::new();
    let mut data_sources: BTreeSet<&'static str> = BTreeSet::new();
    // Only the resource groups the emitted blocks use are written (a group
    // whose resources were all skipped, or a role assignment's scope that
    // is a subscription, needs none): gathered as the blocks go out.
    let mut rg_used: HashSet<String> = HashSet::new();
    let mut refs = Vec::new();
    for u in units.into_iter().flatten() {
        let mut u = u;
        for b in &mut u.blocks {
            if let Some(paths) = b
                .labels
                .first()
                .and_then(|t| opts.adjustments.drop_arguments.get(t))
            {
                for p in paths {
                    if b.body.remove_path(p) {
                        report.note_drop(&u.address, p);
                    }
                }
            }
            if let Some(paths) = b
                .labels
                .first()
                .and_then(|t| opts.adjustments.replace_values.get(t))
            {
                for (p, values) in paths {
                    for (from, to) in values {
                        if b.body.replace_value(p, from, to) {
                            let message = format!(
                                "set `{p}` to \"{to}\" instead of \"{from}\" (remediation)"
                            );
                            report.note(&u.address, message);
                        }
                    }
                }
            }
        }
        report.emitted(u.resource, &u.address, &u.blocks, u.generic);
        for n in u.notes {
            report.note(&u.resource.id, n);
        }
        // Variable names are `<label>_<purpose>`, and two resources can
        // spell the same one (`syn_fx` + `sql_administrator_login_password`,
        // `syn_fx_sql` + `administrator_login_password`): a later one gets
        // `_2`, `_3`, … and its resource's references follow it.
        for mut v in u.variables {
            if variable_names.insert(v.name.clone()) {
                variables.push(v);
                continue;
            }
            let name = numbered(&v.name, |n| variable_names.contains(n));
            for b in &mut u.blocks {
                b.body
                    .rename_reference(&format!("var.{}", v.name), &format!("var.{name}"));
            }
            variable_names.insert(name.clone());
            v.name = name;
            variables.push(v);
        }
        data_sources.extend(u.data_sources);
        used_locations.extend(u.location_vars);
        for b in u.blocks {
            b.body.references(&mut refs);
            rg_used.extend(refs.drain(..).filter_map(|r| {
                let rest = r.strip_prefix("azurerm_resource_group.")?;
                Some(rest.split('.').next().unwrap_or(rest).to_string())
            }));
            doc.push(u.group, b);
        }
    }
    rg_blocks.retain(|(b, _)| b.labels.get(1).is_some_and(|l| rg_used.contains(l)));
    used_locations.extend(rg_blocks.iter().filter_map(|(_, var)| var.clone()));
    report.terraform_blocks += rg_blocks.len();
    for (b, _) in rg_blocks {
        doc.push("resource_groups", b);
    }
    doc.files
        .insert("providers".into(), provider_blocks(&data_sources));
    let mut variable_blocks: Vec<Block> = plan
        .locations
        .all()
        .iter()
        .filter(|(var, _)| used_locations.contains(var))
        .map(|(var, default)| {
            variable_block(
                var,
                Body::new()
                    .attr("type", Value::Ref("string".into()))
                    .attr("default", default.as_str())
                    .attr(
                        "description",
                        format!("Azure region for the resources the source has in `{default}`"),
                    ),
            )
        })
        .collect();
    variable_blocks.extend(variables.iter().map(|v| {
        let mut body = Body::new()
            .attr("type", Value::Ref("string".into()))
            .attr("description", v.description.as_str());
        if v.sensitive {
            body.set("sensitive", true);
        }
        variable_block(&v.name, body)
    }));
    if !variable_blocks.is_empty() {
        doc.files.insert("variables".into(), variable_blocks);
    }
    report.variables = variables.into_iter().map(|v| v.name).collect();
    report.finish();
    Generated {
        document: doc,
        report,
    }
}

/// The first planned `azurerm_role_definition` (by ARM ID) of each custom
/// role GUID.
fn custom_roles(planned: &[Planned]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (r, .., address) in planned {
        if r.type_key() == "microsoft.authorization/roledefinitions"
            && address.starts_with("azurerm_role_definition.")
        {
            let guid = r.id.rsplit('/').next().unwrap_or_default();
            out.entry(guid.to_ascii_lowercase())
                .or_insert_with(|| address.clone());
        }
    }
    out
}

/// Principal IDs of the planned managed identities: a user-assigned
/// identity's own (`principal_id`), and the system-assigned identity of a
/// resource whose mapping writes an `identity` block
/// (`identity.0.principal_id`). Role assignments to these principals become
/// references.
fn principals(planned: &[Planned]) -> HashMap<String, (String, String)> {
    let mut out = HashMap::new();
    for (r, emitter, _, _, address) in planned {
        if r.type_key() == "microsoft.managedidentity/userassignedidentities"
            && let Some(p) = r.prop_str("principalId")
        {
            out.insert(
                p.to_ascii_lowercase(),
                (address.clone(), "principal_id".into()),
            );
        }
        let system = r
            .identity
            .get("type")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|t| t.to_ascii_lowercase().contains("systemassigned"));
        if system
            && emitter.writes_identity()
            && let Some(p) = r
                .identity
                .get("principalId")
                .and_then(serde_json::Value::as_str)
        {
            out.insert(
                p.to_ascii_lowercase(),
                (address.clone(), "identity.0.principal_id".into()),
            );
        }
    }
    out
}

/// A planned resource: the resource, its mapping, primary type, label and address.
type Planned<'a> = (
    &'a Resource,
    emitters::Emitter,
    &'static str,
    String,
    String,
);

/// `variable "NAME" { body }`.
fn variable_block(name: &str, body: Body) -> Block {
    Block {
        ident: "variable".into(),
        labels: vec![name.to_string()],
        body,
    }
}

/// True when a block refers to `address` (`TYPE.NAME`) anywhere in its body.
fn block_references(block: &Block, address: &str) -> bool {
    let mut refs = Vec::new();
    block.body.references(&mut refs);
    refs.iter().any(|r| {
        r.strip_prefix(address)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

/// The resource label: the name segments of the ARM ID joined by `_`, so
/// child resources such as subnets carry their parent's name.
/// An in-scope resource with what planning needs of it, computed up front.
struct Keyed<'a> {
    resource: &'a Resource,
    type_key: String,
    id_key: String,
    /// The label before it is made unique.
    label: String,
    /// How the type is emitted (its table or the generic fallback, with
    /// the choice of primary azurerm type or why the resource is skipped),
    /// or why it is not.
    route: emitters::Route,
}

fn label_for(r: &Resource) -> String {
    match ResourceId::parse(&r.id) {
        Ok(id) if !id.names.is_empty() => naming::label(&id.names.join("_")),
        _ => naming::label(&r.name),
    }
}

/// Makes `label` unique among all labels of the configuration by appending a
/// suffix derived from the ARM ID; stable for a given input order.
fn unique_label(label: &str, id_key: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = label.to_string();
    let mut salt = 0u32;
    while !used.insert(candidate.clone()) {
        let s = naming::suffix(&[id_key, &salt.to_string()]);
        candidate = format!("{label}_{s}");
        salt += 1;
    }
    candidate
}

/// `{base}_2`, `{base}_3`, …: the first that `taken` does not hold, for a
/// name two sources spell alike (labels, variables).
fn numbered(base: &str, taken: impl Fn(&str) -> bool) -> String {
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|name| !taken(name))
        .expect("an unused suffix exists")
}

fn string_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::String(s) => Value::Str(s.clone()),
        other => Value::Str(other.to_string()),
    }
}

/// The Terraform versions the output is written for: `jsonencode`, optional
/// object attributes and the azurerm 4.x provider protocol all work from 1.5.
pub const REQUIRED_TERRAFORM: &str = ">= 1.5.0";

fn provider_blocks(data_sources: &BTreeSet<&'static str>) -> Vec<Block> {
    let azurerm = Value::Map(BTreeMap::from([
        ("source".to_string(), Value::str("hashicorp/azurerm")),
        ("version".to_string(), Value::str("~> 4.0")),
    ]));
    let mut blocks = vec![
        Block::nested(
            "terraform",
            Body::new()
                .attr("required_version", REQUIRED_TERRAFORM)
                .block(Block::nested(
                    "required_providers",
                    Body::new().attr("azurerm", azurerm),
                )),
        ),
        Block {
            ident: "provider".into(),
            labels: vec!["azurerm".into()],
            body: Body::new().block(Block::nested("features", Body::new())),
        },
    ];
    for ty in data_sources {
        blocks.push(Block {
            ident: "data".into(),
            labels: vec![ty.to_string(), "current".into()],
            body: Body::new(),
        });
    }
    blocks
}

/// The file listing the sensitive variables to set before `terraform apply`.
pub const TFVARS_EXAMPLE: &str = "terraform.tfvars.example";

/// `terraform.tfvars.example`: each variable without a default (secrets
/// and values the source does not show) with its description and an empty
/// value, and how to set them without a file (`TF_VAR_<name>`); `None` when
/// the configuration has none.
fn tfvars_example(doc: &Document) -> Option<String> {
    let inputs: Vec<(&str, &str)> = doc
        .files
        .get("variables")?
        .iter()
        .filter(|b| b.body.get("default").is_none())
        .map(|b| {
            let description = match b.body.get("description") {
                Some(Value::Str(d)) => d.as_str(),
                _ => "",
            };
            (b.labels[0].as_str(), description)
        })
        .collect();
    if inputs.is_empty() {
        return None;
    }
    let mut out = String::from(
        "# Values this configuration needs that are not copied from the source (secrets and\n\
         # settings ARM does not show). Copy this file to terraform.tfvars, fill it in and keep\n\
         # it out of version control, or set each value in the environment instead, e.g.\n",
    );
    out.push_str(&format!("#   export TF_VAR_{}='...'\n", inputs[0].0));
    for (name, description) in inputs {
        out.push_str(&format!("\n# {description}\n{name} = \"\"\n"));
    }
    Some(out)
}

/// Errors writing generated files.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The output folder or a file in it could not be written.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Writes the rendered document and `generation_report.{json,md}` into `dir`,
/// each file atomically. Removes `.tf`/`.tf.json` files in `dir` that this
/// generation did not produce, so a folder never mixes two generations.
/// Returns the names of the files written.
pub fn write_output(
    dir: &Path,
    generated: &Generated,
    syntax: Syntax,
) -> Result<Vec<String>, WriteError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| WriteError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    // The configuration files and the two reports are rendered at once.
    let (mut files, (json, markdown)) = rayon::join(
        || render::render(&generated.document, syntax),
        || (generated.report.to_json(), generated.report.to_markdown()),
    );
    let keep: HashSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if (name.ends_with(".tf") || name.ends_with(".tf.json")) && !keep.contains(name.as_str()) {
            std::fs::remove_file(entry.path()).map_err(io(&entry.path()))?;
        }
    }
    files.push(("generation_report.json".into(), json));
    files.push(("generation_report.md".into(), markdown));
    let example = dir.join(TFVARS_EXAMPLE);
    match tfvars_example(&generated.document) {
        Some(text) => files.push((TFVARS_EXAMPLE.into(), text)),
        None if example.exists() => std::fs::remove_file(&example).map_err(io(&example))?,
        None => {}
    }
    // Each file is written atomically; the writes (and their syncs) overlap.
    files.par_iter().try_for_each(|(name, text)| {
        let path = dir.join(name);
        crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(io(&path))
    })?;
    let written: Vec<String> = files.into_iter().map(|(name, _)| name).collect();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Synapse workspace `syn-fx` and a SQL server `syn-fx-sql` both
    /// spell `syn_fx_sql_administrator_login_password`: the second variable
    /// gets `_2` and its resource refers to it.
    #[test]
    fn variables_two_resources_spell_alike_stay_distinct() {
        let snap = snapshot(
            r#"{"resources": [
              {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Synapse/workspaces/syn-fx", "name": "syn-fx",
               "type": "microsoft.synapse/workspaces", "location": "eastus",
               "properties": {"defaultDataLakeStorage": {"accountUrl": "https://st.dfs.core.windows.net", "filesystem": "synapse"},
                 "sqlAdministratorLogin": "sqladminuser"}, "identity": {"type": "SystemAssigned"}},
              {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st", "name": "st",
               "type": "microsoft.storage/storageaccounts", "location": "eastus", "kind": "StorageV2",
               "sku": {"name": "Standard_LRS"}, "properties": {"isHnsEnabled": true}},
              {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/syn-fx-sql", "name": "syn-fx-sql",
               "type": "microsoft.sql/servers", "location": "eastus",
               "properties": {"administratorLogin": "sqladmin", "version": "12.0"}}]}"#,
        );
        let g = generate(&snap, &GenerateOptions::default());
        let mut names = g.report.variables.clone();
        names.sort();
        assert_eq!(
            names,
            [
                "syn_fx_sql_administrator_login_password",
                "syn_fx_sql_administrator_login_password_2"
            ],
            "{:?}",
            g.report.skipped
        );
        let mut refs = Vec::new();
        for b in g.document.blocks().filter(|b| b.ident == "resource") {
            b.body.references(&mut refs);
        }
        for n in &names {
            assert!(refs.contains(&format!("var.{n}")), "{n} unused: {refs:?}");
        }
    }

    /// A subscription-scoped resource (its export row says
    /// `resourceGroup: ""`, `location: ""`) makes no nameless resource group
    /// and no location variable; a group only skipped resources use is not
    /// written either.
    #[test]
    fn resources_outside_any_group_write_no_empty_group() {
        let snap = snapshot(
            r#"{"resources": [
              {"id": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/4f8e1a2b-7c3d-4e5f-9a0b-1c2d3e4f5a6b",
               "name": "4f8e1a2b-7c3d-4e5f-9a0b-1c2d3e4f5a6b", "type": "microsoft.authorization/roledefinitions",
               "location": "", "resourceGroup": "", "subscriptionId": "s",
               "properties": {"roleName": "Ops", "type": "CustomRole", "assignableScopes": ["/subscriptions/s"],
                 "permissions": [{"actions": ["Microsoft.Storage/storageAccounts/read"]}]}},
              {"id": "/subscriptions/s/resourceGroups/rg-other/providers/Microsoft.Authorization/roleAssignments/8c2d3e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f",
               "name": "8c2d3e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f", "type": "microsoft.authorization/roleassignments",
               "location": "", "resourceGroup": "rg-other", "subscriptionId": "s",
               "properties": {"principalId": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "principalType": "ServicePrincipal",
                 "roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
                 "scope": "/subscriptions/s/resourceGroups/rg-other"}}]}"#,
        );
        let g = generate(&snap, &GenerateOptions::default());
        assert_eq!(g.report.emitted_resources, 1, "{:?}", g.report.skipped);
        let blocks: Vec<String> = g.document.blocks().filter_map(Block::address).collect();
        assert!(
            !blocks
                .iter()
                .any(|a| a.starts_with("azurerm_resource_group.")),
            "{blocks:?}"
        );
        let variables: Vec<&Block> = g
            .document
            .blocks()
            .filter(|b| b.ident == "variable")
            .collect();
        assert!(
            variables
                .iter()
                .all(|b| !b.labels[0].starts_with("location")),
            "{variables:?}"
        );
    }

    /// A rule pointing at a sub-resource ID with a non-ASCII character where
    /// the load balancer's own prefix ends is an odd reference, not a panic.
    #[test]
    fn a_non_ascii_sub_resource_id_does_not_panic() {
        let snap = snapshot(
            r#"{"resources": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb",
              "name": "lb", "type": "microsoft.network/loadbalancers", "location": "eastus", "sku": {"name": "Standard"},
              "properties": {"frontendIPConfigurations": [{"name": "fe", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/frontendIPConfigurations/fe", "properties": {}}],
                "loadBalancingRules": [{"name": "r", "properties": {"frontendIPConfiguration": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/frontendIPConfigurationsé/fe"}, "protocol": "Tcp", "frontendPort": 80, "backendPort": 80}}]}}]}"#,
        );
        let g = generate(&snap, &GenerateOptions::default());
        assert_eq!(g.report.resources_in_scope, 1);
    }

    /// Two pool names that give one label (`pool-a`, `pool_a`) still make
    /// two blocks with distinct addresses, and the report says so.
    #[test]
    fn secondary_blocks_whose_labels_collide_get_distinct_addresses() {
        let snap = snapshot(
            r#"{"resources": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb",
              "name": "lb", "type": "microsoft.network/loadbalancers", "location": "eastus", "sku": {"name": "Standard"},
              "properties": {"backendAddressPools": [
                {"name": "pool-a", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/pool-a"},
                {"name": "pool_a", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/pool_a"}]}}]}"#,
        );
        let g = generate(&snap, &GenerateOptions::default());
        let pools: Vec<String> = g
            .document
            .blocks()
            .filter(|b| {
                b.labels.first().map(String::as_str) == Some("azurerm_lb_backend_address_pool")
            })
            .filter_map(Block::address)
            .collect();
        assert_eq!(
            pools,
            [
                "azurerm_lb_backend_address_pool.lb_pool_a",
                "azurerm_lb_backend_address_pool.lb_pool_a_2"
            ]
        );
        assert!(
            g.report
                .notes
                .iter()
                .any(|n| n.message.contains("two names give the label")),
            "{:?}",
            g.report.notes
        );
    }

    fn snapshot(doc: &str) -> Snapshot {
        crate::azure::normalize::normalize(
            crate::azure::export::parse(doc.as_bytes(), "t").unwrap(),
        )
        .0
    }

    const NET: &str = r#"{"resources": [
      {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "type": "microsoft.network/virtualnetworks", "location": "eastus",
       "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [
         {"name": "a", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a",
          "properties": {"addressPrefix": "10.0.1.0/24", "networkSecurityGroup": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n"}}}]}},
      {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n", "type": "microsoft.network/networksecuritygroups", "location": "eastus",
       "properties": {"securityRules": [{"name": "r", "properties": {"access": "Allow", "direction": "Inbound", "priority": 100}}]}}
    ]}"#;

    #[test]
    fn a_missing_association_target_drops_the_association_not_the_subnet() {
        let g = generate(&snapshot(NET), &GenerateOptions::default());
        let skipped: Vec<&str> = g
            .report
            .skipped
            .iter()
            .map(|s| s.arm_type.as_str())
            .collect();
        assert_eq!(
            skipped,
            ["microsoft.network/networksecuritygroups"],
            "the NSG lacks a rule protocol"
        );
        let subnet = g
            .report
            .resources
            .iter()
            .find(|r| r.address.starts_with("azurerm_subnet."))
            .expect("subnet kept");
        assert!(subnet.secondary.is_empty(), "{subnet:?}");
        assert!(g.report.notes.iter().any(|n| {
            n.message
                .contains("azurerm_subnet_network_security_group_association")
                && n.message.contains("azurerm_network_security_group.n")
        }));
        assert!(!g.document.blocks().any(|b| {
            b.labels
                .first()
                .is_some_and(|t| t.ends_with("security_group_association"))
        }));
    }

    #[test]
    fn a_missing_primary_reference_cascades_to_dependents() {
        let doc = NET.replace(
            "\"addressPrefixes\": [\"10.0.0.0/16\"]",
            "\"addressPrefixes\": []",
        );
        let g = generate(&snapshot(&doc), &GenerateOptions::default());
        let subnet = g
            .report
            .skipped
            .iter()
            .find(|s| s.arm_type.ends_with("/subnets"))
            .expect("subnet skipped");
        assert_eq!(subnet.reason, "reference_outside_set");
        assert!(
            subnet.detail.contains("azurerm_virtual_network.v"),
            "{}",
            subnet.detail
        );
    }

    #[test]
    fn remediations_skip_resources_and_drop_arguments() {
        let mut opts = GenerateOptions::default();
        opts.adjustments.skip.insert(
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/n".into(),
            "test".into(),
        );
        opts.adjustments
            .drop_arguments
            .entry("azurerm_virtual_network".into())
            .or_default()
            .insert("address_space".into());
        let g = generate(&snapshot(NET), &opts);
        assert!(
            g.report
                .skipped
                .iter()
                .any(|s| s.reason == "remediation" && s.detail == "test")
        );
        let vnet = g
            .document
            .blocks()
            .find(|b| b.labels.first().map(String::as_str) == Some("azurerm_virtual_network"))
            .unwrap();
        assert!(vnet.body.get("address_space").is_none());
        assert!(
            g.report
                .notes
                .iter()
                .any(|n| n.message == "dropped argument `address_space` (remediation)")
        );
    }

    /// Issue 10: a resource whose properties Azure Tenant Grapher cut short
    /// is skipped, never generated from the partial value.
    #[test]
    fn resources_with_values_cut_short_are_skipped_not_generated() {
        let mut snap = snapshot(NET);
        let nsg = snap
            .resources
            .iter_mut()
            .find(|r| r.type_key() == "microsoft.network/networksecuritygroups")
            .unwrap();
        nsg.properties = serde_json::Value::String(format!(
            "{{\"securityRules\": [{}",
            crate::model::TRUNCATED_MARK
        ));
        let g = generate(&snap, &GenerateOptions::default());
        let skip = g
            .report
            .skipped
            .iter()
            .find(|s| s.arm_type.ends_with("networksecuritygroups"))
            .expect("the cut-short NSG is skipped");
        assert_eq!(skip.reason, "truncated_source");
        assert!(g.document.blocks().all(
            |b| b.labels.first().map(String::as_str) != Some("azurerm_network_security_group")
        ));
    }
}
