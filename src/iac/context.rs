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

/// A sensitive input variable declared in place of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVariable {
    /// Variable name.
    pub name: String,
    /// What it stands for, e.g. "admin password of `vm-a`".
    pub description: String,
}

/// Settings that shape every emitted resource.
#[derive(Debug, Clone, Default)]
pub struct TargetSettings {
    /// Prefix for every resource group name, e.g. `ITERATION3_`.
    pub resource_group_prefix: String,
    /// Location that replaces every source location, if set.
    pub location: Option<String>,
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
    pub(crate) uses_client_config: bool,
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
            uses_client_config: false,
        }
    }

    /// The planned label of the resource being emitted.
    pub fn label(&self) -> &str {
        &self.label
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
    /// association, labelled `<label>_<suffix>`.
    pub fn secondary(&self, resource_type: &str, suffix: &str, body: Body) -> Block {
        Block::resource(
            resource_type,
            &format!("{}_{}", self.label, naming::label(suffix)),
            body,
        )
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

    /// The target location: the `--location` override, else the source's.
    pub fn location(&self) -> Result<Value, Skip> {
        self.plan
            .target
            .location
            .clone()
            .or_else(|| self.resource.location.clone())
            .map(Value::Str)
            .ok_or_else(|| Skip::missing("location"))
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
        let name = format!(
            "{}_{}",
            self.label.replace('-', "_"),
            naming::label(purpose)
        );
        self.variables.push(SecretVariable {
            name: name.clone(),
            description: format!(
                "{purpose} for `{}` (secret values are never copied from the source)",
                self.resource.name
            ),
        });
        Value::Ref(format!("var.{name}"))
    }

    /// `data.azurerm_client_config.current.<attr>`, e.g. the target `tenant_id`.
    pub fn client_config(&mut self, attr: &str) -> Value {
        self.uses_client_config = true;
        Value::Ref(format!("data.azurerm_client_config.current.{attr}"))
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

/// The resource group ID of a resource, from its ID or its `resourceGroup` field.
pub(crate) fn rg_id_of(r: &Resource) -> Option<String> {
    crate::model::ResourceId::parse(&r.id)
        .ok()
        .and_then(|id| id.resource_group_id())
        .or_else(|| {
            Some(format!(
                "/subscriptions/{}/resourceGroups/{}",
                r.subscription_id.as_ref()?,
                r.resource_group.as_ref()?
            ))
        })
}
