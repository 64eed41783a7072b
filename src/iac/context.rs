//! What an emitter may ask while it turns one resource into Terraform: the
//! planned address of another resource, the resource group and location to
//! use, unique names, and sensitive variables in place of secrets.
//!
//! The context records every reference an emitter takes, so `iac::generate`
//! can drop a resource whose target was not emitted. Deciding what to emit is
//! left to the emitters.

use super::doc::{Block, Body, Value};
use super::naming::{self, NameRule};
use crate::model::Resource;
use std::collections::{BTreeMap, HashMap};

/// Why a resource was not emitted. Appears in `generation_report.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The category.
    pub reason: SkipReason,
    /// One line saying what exactly, e.g. "no `addressPrefix` in properties".
    pub detail: String,
}

/// Categories of skipped resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// A value the azurerm resource requires is absent from the source.
    MissingRequiredValue,
    /// The resource needs a resource outside the emitted set.
    ReferenceOutsideSet,
    /// The resource is created and managed by another resource or the platform.
    ManagedByPlatform,
    /// A remediation recorded by `atg iterate` says to skip it.
    Remediation,
    /// The source holds a value cut short (Azure Tenant Grapher cuts JSON
    /// at 5000 characters), so the resource cannot be generated whole.
    TruncatedSource,
}

impl SkipReason {
    /// Stable snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingRequiredValue => "missing_required_value",
            Self::ReferenceOutsideSet => "reference_outside_set",
            Self::ManagedByPlatform => "managed_by_platform",
            Self::Remediation => "remediation",
            Self::TruncatedSource => "truncated_source",
        }
    }
}

impl Skip {
    /// A skip because `field` is absent from the source resource.
    pub fn missing(field: &str) -> Self {
        Skip {
            reason: SkipReason::MissingRequiredValue,
            detail: format!("source has no `{field}`"),
        }
    }

    /// A skip because the required reference `arm_id` is not emitted.
    pub fn outside(what: &str, arm_id: &str) -> Self {
        Skip {
            reason: SkipReason::ReferenceOutsideSet,
            detail: format!("{what} `{arm_id}` is not in the emitted set"),
        }
    }

    /// A skip because another resource or the platform manages this one.
    pub fn managed(detail: impl Into<String>) -> Self {
        Skip {
            reason: SkipReason::ManagedByPlatform,
            detail: detail.into(),
        }
    }
}

/// An input variable without a default, declared in place of a secret
/// (sensitive) or of a value the source does not show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVariable {
    /// Variable name.
    pub name: String,
    /// What it stands for, e.g. "admin password of `vm-a`".
    pub description: String,
    /// Whether Terraform hides its value (`sensitive = true`): a secret.
    pub sensitive: bool,
}

/// Settings that shape every emitted resource.
#[derive(Debug, Clone, Default)]
pub struct TargetSettings {
    /// Prefix for every resource group name, e.g. `ITERATION3_`.
    pub resource_group_prefix: String,
    /// Location that replaces every source location, if set.
    pub location: Option<String>,
}

/// The target locations of a generation as input variables: the most
/// common one is `var.location`, each other one `var.location_<region>`,
/// each defaulting to the region (`eastus`). With `--location` there is
/// only `var.location`.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    /// Location key (see `location_key`) → variable name.
    vars: HashMap<String, String>,
    /// (variable name, default region), `location` first.
    order: Vec<(String, String)>,
}

/// A location in the form used as a key: lowercase, without spaces
/// (`East US` → `eastus`).
pub fn location_key(l: &str) -> String {
    l.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Locations {
    /// The variables for these target locations (one entry per resource or
    /// resource group, so the most common one wins `location`; ties go to
    /// the first in sort order).
    pub fn new<'s>(seen: impl IntoIterator<Item = &'s str>) -> Self {
        let mut counts: BTreeMap<String, (usize, &str)> = BTreeMap::new();
        for l in seen {
            counts.entry(location_key(l)).or_insert((0, l)).0 += 1;
        }
        let mut ranked: Vec<(String, usize, &str)> =
            counts.into_iter().map(|(k, (n, l))| (k, n, l)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut out = Locations::default();
        for (i, (key, _, spelled)) in ranked.into_iter().enumerate() {
            let var = if i == 0 {
                "location".to_string()
            } else {
                format!("location_{}", naming::label(&key))
            };
            out.order.push((var.clone(), spelled.to_string()));
            out.vars.insert(key, var);
        }
        out
    }

    /// The variable standing for a location, if it was seen.
    pub fn var(&self, location: &str) -> Option<&str> {
        self.vars.get(&location_key(location)).map(String::as_str)
    }

    /// (variable name, default region), `location` first.
    pub fn all(&self) -> &[(String, String)] {
        &self.order
    }
}

/// Read access to the plan, shared by all emit calls.
pub struct Plan<'a> {
    /// Lowercase ARM ID → resource address (`TYPE.LABEL`) of planned resources.
    pub addresses: HashMap<String, String>,
    /// Lowercase resource group ID → `azurerm_resource_group` address.
    pub resource_groups: HashMap<String, String>,
    /// Lowercase ARM ID → resource, for every resource in the snapshot.
    pub lookup: HashMap<String, &'a Resource>,
    /// Target settings.
    pub target: &'a TargetSettings,
    /// The location variables.
    pub locations: Locations,
    /// Trimmed SSH public key text → address of the planned
    /// `azurerm_ssh_public_key` holding it.
    pub ssh_keys: HashMap<String, String>,
    /// Lowercase name of a planned storage account → its address (some
    /// resources name their account by URL, not ID).
    pub storage_accounts: HashMap<String, String>,
    /// Lowercase customer ID (workspace GUID) of a planned Log Analytics
    /// workspace → its address.
    pub workspaces: HashMap<String, String>,
    /// Lowercase principal (object) ID of a managed identity → (address of
    /// the planned resource holding it, attribute path to its principal ID).
    pub principals: HashMap<String, (String, String)>,
    /// Lowercase GUID of a custom role → address of the planned
    /// `azurerm_role_definition` written for it (Resource Graph lists a
    /// custom role under each subscription it is assignable in: one is
    /// written, the first by ARM ID).
    pub custom_roles: HashMap<String, String>,
}

/// The context of one emit call.
pub struct EmitCx<'p, 'a> {
    plan: &'p Plan<'a>,
    resource: &'a Resource,
    primary_type: &'static str,
    label: String,
    pub(crate) deps: Vec<String>,
    pub(crate) notes: Vec<String>,
    pub(crate) variables: Vec<SecretVariable>,
    /// Data sources (`azurerm_client_config`, `azurerm_subscription`) read as
    /// `data.<type>.current`.
    pub(crate) data_sources: Vec<&'static str>,
    pub(crate) location_vars: Vec<String>,
}

impl<'p, 'a> EmitCx<'p, 'a> {
    pub(crate) fn new(
        plan: &'p Plan<'a>,
        resource: &'a Resource,
        primary_type: &'static str,
        label: String,
    ) -> Self {
        EmitCx {
            plan,
            resource,
            primary_type,
            label,
            deps: Vec::new(),
            notes: Vec::new(),
            variables: Vec::new(),
            data_sources: Vec::new(),
            location_vars: Vec::new(),
        }
    }

    /// The planned label of the resource being emitted.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The primary azurerm type chosen for the resource being emitted.
    pub fn primary_type(&self) -> &'static str {
        self.primary_type
    }

    /// The planned address (`TYPE.LABEL`) of the resource being emitted.
    pub fn address(&self) -> String {
        format!("{}.{}", self.primary_type, self.label)
    }

    /// The primary resource block: `resource "<primary type>" "<label>" { body }`.
    pub fn resource(&self, body: Body) -> Block {
        Block::resource(self.primary_type, &self.label, body)
    }

    /// A secondary block emitted for the same source resource, e.g. an
    /// association, labelled as `secondary_label` says.
    pub fn secondary(&self, resource_type: &str, suffix: &str, body: Body) -> Block {
        Block::resource(resource_type, &secondary_label(&self.label, suffix), body)
    }

    /// A reference to `ATTR` of a secondary block another planned resource
    /// emits (a load balancer's backend pool, `azurerm_lb_backend_address_pool`
    /// with suffix `pool_<name>`), found by that resource's ARM ID. The
    /// dependency on the owner is recorded.
    pub fn secondary_reference(
        &mut self,
        owner_arm_id: &str,
        resource_type: &str,
        suffix: &str,
        attr: &str,
    ) -> Option<Value> {
        let owner = self.address_of(owner_arm_id)?.to_string();
        let label = owner.split_once('.')?.1;
        let v = Value::Ref(format!(
            "{resource_type}.{}.{attr}",
            secondary_label(label, suffix)
        ));
        self.deps.push(owner);
        Some(v)
    }

    /// A reference to `ATTR` of the resource with this ARM ID, when that
    /// resource is planned for emission. The dependency is recorded. The ID
    /// must match a planned resource's ARM ID exactly, compared
    /// case-insensitively and ignoring a trailing `/`; the ID of a
    /// sub-resource does not refer to its parent.
    pub fn reference(&mut self, arm_id: &str, attr: &str) -> Option<Value> {
        let addr = self
            .plan
            .addresses
            .get(&arm_id.trim_end_matches('/').to_ascii_lowercase())?
            .clone();
        let v = Value::reference(&addr, attr);
        self.deps.push(addr);
        Some(v)
    }

    /// Like `reference`, but a missing target skips the resource with
    /// `ReferenceOutsideSet`, naming `what`.
    pub fn require_reference(
        &mut self,
        what: &str,
        arm_id: &str,
        attr: &str,
    ) -> Result<Value, Skip> {
        self.reference(arm_id, attr)
            .ok_or_else(|| Skip::outside(what, arm_id))
    }

    /// The planned address of an ARM ID, without recording a dependency.
    /// Matches as `reference` does: case-insensitive, trailing `/` ignored.
    pub fn address_of(&self, arm_id: &str) -> Option<&str> {
        self.plan
            .addresses
            .get(&arm_id.trim_end_matches('/').to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The source resource with this ARM ID, if the snapshot has it.
    pub fn lookup(&self, arm_id: &str) -> Option<&'a Resource> {
        self.plan.lookup.get(&arm_id.to_ascii_lowercase()).copied()
    }

    /// `azurerm_resource_group.<rg>.name` for the resource's resource group.
    pub fn resource_group_name(&mut self) -> Result<Value, Skip> {
        let rg_id = rg_id_of(self.resource).ok_or_else(|| Skip::missing("resourceGroup"))?;
        let addr = self
            .plan
            .resource_groups
            .get(&rg_id.to_ascii_lowercase())
            .ok_or_else(|| Skip::outside("resource group", &rg_id))?
            .clone();
        let v = Value::reference(&addr, "name");
        self.deps.push(addr);
        Ok(v)
    }

    /// The target location: the `--location` override, else the source's,
    /// as its variable (`var.location`); skips when neither is known.
    pub fn location(&mut self) -> Result<Value, Skip> {
        let l = self
            .location_name()
            .ok_or_else(|| Skip::missing("location"))?;
        Ok(match self.plan.locations.var(&l) {
            Some(var) => {
                if !self.location_vars.iter().any(|v| v == var) {
                    self.location_vars.push(var.to_string());
                }
                Value::Ref(format!("var.{var}"))
            }
            None => Value::Str(l),
        })
    }

    /// `public_key` of the planned `azurerm_ssh_public_key` that holds this
    /// key text (compared trimmed), so a key is written once and referenced.
    pub fn ssh_key(&mut self, key: &str) -> Option<Value> {
        let addr = self.plan.ssh_keys.get(key.trim())?.clone();
        let v = Value::reference(&addr, "public_key");
        self.deps.push(addr);
        Some(v)
    }

    /// The target location as a region name (`eastus`): the `--location`
    /// override, else the source's.
    pub fn location_name(&self) -> Option<String> {
        self.plan
            .target
            .location
            .clone()
            .or_else(|| self.resource.location.clone())
    }

    /// A globally unique target name for the resource, from its source name
    /// and a suffix derived from its ARM ID and the resource group prefix.
    pub fn unique_name(&self, rule: NameRule) -> String {
        let s = naming::suffix(&[
            &self.resource.id_key(),
            &self.plan.target.resource_group_prefix,
        ]);
        naming::unique_name(&self.resource.name, rule, &s)
    }

    /// Declares a sensitive variable standing for a secret of this resource
    /// (`purpose` such as `admin_password`) and returns `var.<name>`.
    pub fn secret_variable(&mut self, purpose: &str) -> Value {
        let description = format!(
            "{purpose} for `{}` (secret values are never copied from the source)",
            self.resource.name
        );
        self.variable(purpose, description, true)
    }

    /// Declares a variable (not sensitive) for a value of this resource the
    /// source does not show (`purpose` such as `storage_account_name`) and
    /// returns `var.<name>`.
    pub fn input_variable(&mut self, purpose: &str) -> Value {
        let description = format!(
            "{purpose} for `{}` (not readable from the source: set it for the target)",
            self.resource.name
        );
        self.variable(purpose, description, false)
    }

    fn variable(&mut self, purpose: &str, description: String, sensitive: bool) -> Value {
        let name = format!(
            "{}_{}",
            self.label.replace('-', "_"),
            naming::label(purpose)
        );
        if !self.variables.iter().any(|v| v.name == name) {
            self.variables.push(SecretVariable {
                name: name.clone(),
                description,
                sensitive,
            });
        }
        Value::Ref(format!("var.{name}"))
    }

    /// `data.azurerm_client_config.current.<attr>`, e.g. the target `tenant_id`.
    pub fn client_config(&mut self, attr: &str) -> Value {
        self.data_source("azurerm_client_config", attr)
    }

    /// `data.azurerm_subscription.current.id`: the target subscription's
    /// ARM ID (`/subscriptions/<guid>`), for subscription-scoped resources.
    pub fn subscription_id(&mut self) -> Value {
        self.data_source("azurerm_subscription", "id")
    }

    fn data_source(&mut self, ty: &'static str, attr: &str) -> Value {
        if !self.data_sources.contains(&ty) {
            self.data_sources.push(ty);
        }
        Value::Ref(format!("data.{ty}.current.{attr}"))
    }

    /// `azurerm_resource_group.<rg>.id` of a planned resource group, by its
    /// ARM ID (case-insensitive).
    pub fn resource_group_id(&mut self, rg_id: &str) -> Option<Value> {
        let addr = self
            .plan
            .resource_groups
            .get(&rg_id.trim_end_matches('/').to_ascii_lowercase())?
            .clone();
        let v = Value::reference(&addr, "id");
        self.deps.push(addr);
        Some(v)
    }

    /// The target form of an ARM scope (`properties.scope` of a role
    /// assignment, an assignable scope): the target subscription for a
    /// subscription, an emitted resource group or resource by reference.
    /// `None` when it is outside the emitted set (or a management group).
    pub fn scope(&mut self, scope: &str) -> Option<Value> {
        let id = crate::model::ResourceId::parse(scope).ok()?;
        match (&id.subscription, &id.resource_group, id.namespace.is_some()) {
            (Some(_), None, false) => Some(self.subscription_id()),
            (Some(_), Some(_), false) => self.resource_group_id(scope),
            (Some(_), _, true) => self.reference(scope, "id"),
            _ => None,
        }
    }

    /// `ATTR` of the planned storage account with this (source) name.
    pub fn storage_account_by_name(&mut self, name: &str, attr: &str) -> Option<Value> {
        let addr = self
            .plan
            .storage_accounts
            .get(&name.to_ascii_lowercase())?
            .clone();
        let v = Value::reference(&addr, attr);
        self.deps.push(addr);
        Some(v)
    }

    /// `id` of the planned Log Analytics workspace with this customer ID
    /// (the workspace GUID some resources name it by).
    pub fn workspace_by_customer_id(&mut self, customer_id: &str) -> Option<Value> {
        let addr = self
            .plan
            .workspaces
            .get(&customer_id.to_ascii_lowercase())?
            .clone();
        let v = Value::reference(&addr, "id");
        self.deps.push(addr);
        Some(v)
    }

    /// The target principal standing for a source principal ID: the
    /// `principal_id` of an emitted user-assigned identity, or of an emitted
    /// resource's system-assigned identity (`identity[0].principal_id`).
    /// `None` for users, groups and applications of the source directory.
    pub fn principal(&mut self, principal_id: &str) -> Option<Value> {
        let (addr, attr) = self
            .plan
            .principals
            .get(&principal_id.to_ascii_lowercase())?;
        let v = Value::reference(addr, attr);
        self.deps.push(addr.clone());
        Some(v)
    }

    /// The address of the planned `azurerm_role_definition` written for the
    /// custom role with this GUID.
    pub fn custom_role_address(&self, guid: &str) -> Option<&str> {
        self.plan
            .custom_roles
            .get(&guid.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// `role_definition_resource_id` of the planned custom role with this
    /// GUID, whichever subscription the source ID names it under.
    pub fn custom_role(&mut self, guid: &str) -> Option<Value> {
        let addr = self.custom_role_address(guid)?.to_string();
        let v = Value::reference(&addr, "role_definition_resource_id");
        self.deps.push(addr);
        Some(v)
    }

    /// The source tags as a string map, or `None` when there are none.
    pub fn tags(&self) -> Option<Value> {
        let obj = self.resource.tags.as_object()?;
        if obj.is_empty() {
            return None;
        }
        let map: BTreeMap<String, Value> = obj
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), Value::Str(s))
            })
            .collect();
        Some(Value::Map(map))
    }

    /// Records a note for the report, e.g. an omitted optional reference.
    pub fn note(&mut self, msg: impl Into<String>) {
        self.notes.push(msg.into());
    }
}

/// The label of a secondary block: `<label>_<suffix>`, without repeated
/// words: a suffix that restates the whole label (`pip_ng_contoso` for the
/// NAT gateway `ng_contoso`) drops it, and a word repeated across the join
/// is written once (see `naming::label`).
pub fn secondary_label(label: &str, suffix: &str) -> String {
    let suffix = naming::label(suffix);
    let own: Vec<&str> = label.split('_').collect();
    let words: Vec<&str> = suffix.split('_').collect();
    let restated = (own.len() >= 2)
        .then(|| words.windows(own.len()).position(|w| w == own.as_slice()))
        .flatten();
    let suffix = match restated {
        Some(at) if words.len() > own.len() => {
            let mut kept = words[..at].to_vec();
            kept.extend_from_slice(&words[at + own.len()..]);
            kept.join("_")
        }
        _ => suffix,
    };
    naming::label(&format!("{label}_{suffix}"))
}

/// The resource group ID of a resource, from its ID or its `resourceGroup`
/// field; `None` for a resource outside any group (a subscription-scoped
/// role definition, which Azure Resource Graph lists with
/// `"resourceGroup": ""`).
pub(crate) fn rg_id_of(r: &Resource) -> Option<String> {
    crate::model::ResourceId::parse(&r.id)
        .ok()
        .and_then(|id| id.resource_group_id())
        .or_else(|| {
            Some(format!(
                "/subscriptions/{}/resourceGroups/{}",
                r.subscription_id.as_ref()?,
                r.resource_group.as_ref().filter(|g| !g.is_empty())?
            ))
        })
}
