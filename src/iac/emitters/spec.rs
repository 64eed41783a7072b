//! The vocabulary of declarative mappings: how one ARM resource type becomes
//! azurerm Terraform, written as data (`Mapping`) that one generic emitter
//! (`emitters::interpret`) runs.
//!
//! A mapping names the azurerm type (and how to choose among several), the
//! name rule, where the resource sits (resource group, location, parent),
//! each argument with the ARM property it is read from and how the value is
//! converted, nested blocks, association blocks, notes, and, only for what
//! is truly irregular, a code hook. The tables in the service modules are
//! the reading material; this file only defines their words. Running them
//! is left to `interpret`.

use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

/// A constant written in a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lit {
    /// A string.
    Str(&'static str),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// `null`: the argument is written as null (Terraform JSON needs every
    /// key of an "attributes as blocks" element; HCL leaves nulls out).
    Null,
}

impl Lit {
    /// The document value of the constant.
    pub fn value(self) -> Value {
        match self {
            Lit::Str(s) => Value::str(s),
            Lit::Int(i) => Value::Int(i),
            Lit::Bool(b) => Value::Bool(b),
            Lit::Null => Value::Null,
        }
    }

    /// The constant as text, for notes (`Standard`, `30`, `true`).
    pub fn text(self) -> String {
        match self {
            Lit::Str(s) => s.to_string(),
            Lit::Int(i) => i.to_string(),
            Lit::Bool(b) => b.to_string(),
            Lit::Null => "null".to_string(),
        }
    }
}

/// What an argument reads, and the resource it belongs to: `here` is the
/// resource's `properties` at the top level, and the element of a nested
/// block inside one. `trail` names `here` in skip details
/// (`properties.securityRules[2].properties`).
pub struct At<'a> {
    /// The source resource.
    pub r: &'a Resource,
    /// The JSON object paths are read below.
    pub here: &'a Json,
    /// `here` as a dotted path from the resource root, for messages.
    pub trail: &'a str,
    /// Whether `here` is inside a nested block (where `Need::Key` drops
    /// the block instead of skipping the resource).
    pub nested: bool,
}

/// An argument computed by code: `Ok(None)` leaves it unset (the `Need` of
/// the argument then applies), `Err` skips the resource.
pub type Compute = fn(&At, &mut EmitCx) -> Result<Option<Value>, Skip>;

/// Checks, with the plan at hand, that the resource is to be emitted at
/// all (an OS disk its planned VM creates is not).
pub type Check = fn(&Resource, &EmitCx) -> Result<(), Skip>;

/// Chooses the primary azurerm type for a resource, or skips it before any
/// address is planned (an OS disk a VM creates, a platform-made watcher).
pub type Choose = fn(&Resource) -> Result<&'static str, Skip>;

/// The truly irregular part of a mapping, run after the table's arguments
/// and nested blocks: it may add arguments and blocks to the primary body
/// and returns secondary resource blocks (load balancer rules, data disk
/// attachments), or skips the resource.
pub type Hook = fn(&Resource, &mut EmitCx, &mut Body) -> Result<Vec<Block>, Skip>;

/// Where a value comes from.
#[derive(Clone, Copy)]
pub enum Src {
    /// A `/`-separated path below `here` (the resource's `properties`, or
    /// the element of a nested block). `""` is `here` itself.
    P(&'static str),
    /// A `/`-separated path from the resource's root: `sku/name`,
    /// `identity/type`, `plan/name`, `properties/...` (`kind` is `Kind`).
    R(&'static str),
    /// The first of these that gives a value.
    First(&'static [Src]),
    /// A constant.
    Const(Lit),
    /// The source resource's name.
    Name,
    /// The source resource's `kind`.
    Kind,
    /// The name this many type/name pairs up the resource's own ARM ID, as
    /// a literal (`1`: the parent's name) — for parents that are not
    /// resources of their own (a DevTest policy set, always `default`).
    IdName(usize),
    /// The last segment of the ARM ID at a path below `here` (a
    /// sub-resource's own name, e.g. a load balancer frontend's).
    LastOf(&'static str),
    /// The target location: `--location`, else the source's (as `var.location…`).
    Location,
    /// The resource's zones, as a list of strings.
    Zones,
    /// The resource's first zone, as a string.
    Zone,
    /// The target tenant: `data.azurerm_client_config.current.tenant_id`.
    TenantId,
    /// A sensitive variable standing for a secret, named for its purpose
    /// (`admin_password`); secrets are never copied.
    Secret(&'static str),
    /// A variable (not sensitive, no default) for a value the source does
    /// not show and the target needs (`storage_account_name` of a function
    /// app, which ARM keeps in a secret app setting).
    Input(&'static str),
    /// `azurerm_resource_group.<rg>.name` of the resource's group.
    ResourceGroup,
    /// `ATTR` of the emitted parent (the ARM ID minus its last type/name
    /// pair), e.g. `Parent("id", "SQL server")`.
    Parent(&'static str, &'static str),
    /// `ATTR` of the emitted ancestor this many type/name pairs up: a blob
    /// container's storage account is `Ancestor(2, …)` (its parent is the
    /// account's `blobServices/default`).
    Ancestor(usize, &'static str, &'static str),
    /// `ATTR` of the emitted resource whose ARM ID is at `PATH` below `here`:
    /// `Ref("subnet/id", "id", "subnet")`.
    Ref(&'static str, &'static str, &'static str),
    /// `ATTR` of each emitted resource whose ARM ID is in the array at `PATH`
    /// below `here` (strings, or objects with an `id`). Targets not emitted
    /// are left out with a note (or skip the resource when required).
    Refs(&'static str, &'static str, &'static str),
    /// Every value at a path below `here` whose `*` segments walk array
    /// elements (`ipRules/*/value`), each converted, as a list.
    All(&'static str),
    /// A globally unique target name under this rule, from the source name
    /// and a suffix derived from the ARM ID and resource group prefix.
    Unique(NameRule),
    /// Code.
    Fn(Compute),
}

/// How a JSON value becomes an argument value. Values of the wrong JSON
/// type read as absent.
#[derive(Clone, Copy)]
pub enum Conv {
    /// A non-empty string.
    Str,
    /// A non-empty string, lowercased.
    Lower,
    /// A non-empty string without surrounding whitespace.
    Trim,
    /// An integer (a string of digits is read too).
    Int,
    /// A number.
    Float,
    /// A boolean.
    Bool,
    /// A boolean, negated (`disableLocalAuth` → `local_authentication_enabled`).
    Not,
    /// `Enabled` / `Disabled` (any case) as true / false; a boolean as is.
    Enabled,
    /// `Enabled` (any case) as true, any other string as false.
    EnabledElseFalse,
    /// `Disabled` (any case) as true, `Enabled` as false (`disable_*` arguments).
    Disabled,
    /// One of azurerm's spellings, matched ignoring case; any other value
    /// is left out with a note.
    Enum(&'static [&'static str]),
    /// ARM spellings to azurerm's, matched ignoring case; other values are
    /// kept as they are.
    Map(&'static [(&'static str, &'static str)]),
    /// ARM spellings to azurerm's, matched ignoring case; other values are
    /// left out with a note.
    MapOnly(&'static [(&'static str, &'static str)]),
    /// A list of non-empty strings (absent when empty).
    Strs,
    /// An object of scalars as a map of strings (absent when empty).
    StrMap,
    /// Any JSON object or array, written as `jsonencode({...})` (absent when empty).
    Json,
    /// True when the string equals this one (ignoring case), else false.
    Equals(&'static str),
    /// An integer times `.0`, divided by `.1` (bytes to GiB: `Scale(1, 1 << 30)`):
    /// an integer when it divides evenly, else a number; an overflowing
    /// product gives no value.
    Scale(i64, i64),
    /// The value as it comes (references, constants, code): no conversion.
    AsIs,
}

/// What happens when an argument has no value.
#[derive(Clone, Copy, PartialEq)]
pub enum Need {
    /// Left out.
    Opt,
    /// The resource is skipped (`missing_required_value`, or
    /// `reference_outside_set` for a reference).
    Req,
    /// Inside a nested block: the block (or array element) is left out
    /// without it. At the top level, the same as `Req`.
    Key,
    /// Left out when the source has none; but a reference the source has
    /// whose target is not emitted skips the resource.
    Strict,
    /// This value is used instead, with a note naming the source field.
    Or(Lit),
    /// This value is used instead, silently (a fixed setting, not a guess).
    Always(Lit),
}

/// A condition on the resource or the element being read.
#[derive(Clone, Copy)]
pub enum When {
    /// Always.
    Always,
    /// The string at the source is one of these (ignoring case).
    Is(Src, &'static [&'static str]),
    /// The string at the source is present and none of these (ignoring case).
    IsNot(Src, &'static [&'static str]),
    /// The source gives a value.
    Has(Src),
    /// The source gives no value.
    Lacks(Src),
    /// The boolean at the source is true (`Enabled` counts as true).
    True(Src),
    /// The primary azurerm type chosen for the resource is this one.
    Type(&'static str),
    /// The primary azurerm type chosen for the resource is one of these.
    Types(&'static [&'static str]),
    /// Code.
    Fn(fn(&At) -> bool),
}

/// One argument: `name = <value of src, converted>`, when `when` holds.
#[derive(Clone, Copy)]
pub struct Arg {
    /// The azurerm argument.
    pub name: &'static str,
    /// Where its value comes from.
    pub src: Src,
    /// How the value is converted.
    pub conv: Conv,
    /// What happens when there is no value.
    pub need: Need,
    /// When the argument applies at all.
    pub when: When,
}

impl Arg {
    /// The argument is required: no value skips the resource.
    pub const fn req(mut self) -> Self {
        self.need = Need::Req;
        self
    }

    /// Inside a nested block, the block (or element) is left out without it.
    pub const fn key(mut self) -> Self {
        self.need = Need::Key;
        self
    }

    /// A reference that, when the source has one, must be emitted.
    pub const fn strict(mut self) -> Self {
        self.need = Need::Strict;
        self
    }

    /// No value: use `lit`, with a note.
    pub const fn or(mut self, lit: Lit) -> Self {
        self.need = Need::Or(lit);
        self
    }

    /// No value: use `lit` silently.
    pub const fn always(mut self, lit: Lit) -> Self {
        self.need = Need::Always(lit);
        self
    }

    /// Only when `w` holds.
    pub const fn when(mut self, w: When) -> Self {
        self.when = w;
        self
    }

    /// With this conversion.
    pub const fn conv(mut self, c: Conv) -> Self {
        self.conv = c;
        self
    }
}

/// An argument from any source with any conversion.
pub const fn arg(name: &'static str, src: Src, conv: Conv) -> Arg {
    Arg {
        name,
        src,
        conv,
        need: Need::Opt,
        when: When::Always,
    }
}

/// A string property below `here`.
pub const fn s(name: &'static str, path: &'static str) -> Arg {
    arg(name, Src::P(path), Conv::Str)
}

/// A boolean property below `here`.
pub const fn b(name: &'static str, path: &'static str) -> Arg {
    arg(name, Src::P(path), Conv::Bool)
}

/// A negated boolean property below `here`.
pub const fn not(name: &'static str, path: &'static str) -> Arg {
    arg(name, Src::P(path), Conv::Not)
}

/// An `Enabled`/`Disabled` property below `here`, as a boolean.
pub const fn flag(name: &'static str, path: &'static str) -> Arg {
    arg(name, Src::P(path), Conv::Enabled)
}

/// An integer property below `here`.
pub const fn n(name: &'static str, path: &'static str) -> Arg {
    arg(name, Src::P(path), Conv::Int)
}

/// A number property below `here`.
pub const fn f(name: &'static str, path: &'static str) -> Arg {
    arg(name, Src::P(path), Conv::Float)
}

/// A list-of-strings property below `here`.
pub const fn strs(name: &'static str, path: &'static str) -> Arg {
    arg(name, Src::P(path), Conv::Strs)
}

/// One of azurerm's spellings, read from a property below `here`.
pub const fn one_of(
    name: &'static str,
    path: &'static str,
    values: &'static [&'static str],
) -> Arg {
    arg(name, Src::P(path), Conv::Enum(values))
}

/// A JSON-valued property below `here`, as `jsonencode({...})`.
pub const fn json(name: &'static str, path: &'static str) -> Arg {
    arg(name, Src::P(path), Conv::Json)
}

/// A string from the resource root (`sku/name`, `kind`).
pub const fn root(name: &'static str, path: &'static str) -> Arg {
    arg(name, Src::R(path), Conv::Str)
}

/// A constant.
pub const fn fixed(name: &'static str, lit: Lit) -> Arg {
    arg(name, Src::Const(lit), Conv::AsIs)
}

/// An optional reference to `ATTR` of the resource whose ID is at `path`.
pub const fn reference(
    name: &'static str,
    path: &'static str,
    attr: &'static str,
    what: &'static str,
) -> Arg {
    arg(name, Src::Ref(path, attr, what), Conv::AsIs)
}

/// An argument computed by code.
pub const fn compute(name: &'static str, f: Compute) -> Arg {
    arg(name, Src::Fn(f), Conv::AsIs)
}

/// A firewall rule that opens one IPv4 range (`startIpAddress`–
/// `endIpAddress`) on its parent server or workspace, which `scope` names:
/// SQL, PostgreSQL and MySQL servers and Synapse workspaces share it.
pub const fn ip_range_firewall_rule(
    arm: &'static str,
    azurerm: &'static str,
    group: &'static str,
    scope: Scope,
) -> Mapping {
    Mapping::new(arm, azurerm, group)
        .scope(scope)
        .untagged()
        .args(IP_RANGE)
}

/// The range an `ip_range_firewall_rule` opens.
const IP_RANGE: &[Arg] = &[
    s("start_ip_address", "startIpAddress").req(),
    s("end_ip_address", "endIpAddress").req(),
];

/// How a nested block repeats.
#[derive(Clone, Copy, PartialEq)]
pub enum Repeat {
    /// One block from the object at `at`; left out when the object is
    /// absent or no argument of it has a value.
    One,
    /// One block from the object at `at`, even when empty (`boot_diagnostics {}`).
    Always,
    /// One block from the object at `at`; the resource is skipped without it.
    Required,
    /// One block per element of the array at `at`.
    Each,
    /// One block per element of the array at `at`; at least one is needed.
    EachRequired,
}

/// A nested block: `ident { args… nests… }`, read from the JSON at `at`.
#[derive(Clone, Copy)]
pub struct Nest {
    /// The block type, e.g. `ip_configuration`.
    pub ident: &'static str,
    /// The object (or array, for `Each`) it is read from, below `here`; `""`
    /// is `here` itself, and a leading `/` reads from the resource root
    /// (`/plan`).
    pub at: &'static str,
    /// How it repeats.
    pub repeat: Repeat,
    /// Its arguments, read below the object (or each element).
    pub args: &'static [Arg],
    /// Its nested blocks.
    pub nests: &'static [Nest],
    /// When it applies at all; for `Each` blocks, which elements become
    /// blocks (read on each element).
    pub when: When,
}

impl Nest {
    /// Only when `w` holds.
    pub const fn when(mut self, w: When) -> Self {
        self.when = w;
        self
    }

    /// With these nested blocks.
    pub const fn nests(mut self, nests: &'static [Nest]) -> Self {
        self.nests = nests;
        self
    }
}

/// A nested block read from one object.
pub const fn block(ident: &'static str, at: &'static str, args: &'static [Arg]) -> Nest {
    Nest {
        ident,
        at,
        repeat: Repeat::One,
        args,
        nests: &[],
        when: When::Always,
    }
}

/// A nested block with another repetition.
pub const fn blocks(
    ident: &'static str,
    at: &'static str,
    repeat: Repeat,
    args: &'static [Arg],
) -> Nest {
    Nest {
        ident,
        at,
        repeat,
        args,
        nests: &[],
        when: When::Always,
    }
}

/// A secondary resource that associates this resource with another one
/// (`azurerm_subnet_network_security_group_association`): one block per
/// distinct emitted target ID found at `ids`, labelled
/// `<label>_<suffix>` (plus `_<target name>` when there may be several).
/// A target that is not emitted is left out with a note.
#[derive(Clone, Copy)]
pub struct Assoc {
    /// The azurerm association type.
    pub azurerm: &'static str,
    /// Path below `properties` to the target IDs; `*` walks every element
    /// of an array (`ipConfigurations/*/properties/applicationSecurityGroups/*/id`).
    pub ids: &'static str,
    /// The label suffix.
    pub suffix: &'static str,
    /// Whether there may be several targets (their names join the label).
    pub many: bool,
    /// The argument naming this resource's `id`.
    pub own: &'static str,
    /// The argument naming the target's `id`.
    pub target: &'static str,
}

/// Where a resource sits, as its first arguments after `name`.
#[derive(Clone, Copy, PartialEq)]
pub enum Scope {
    /// `resource_group_name` and `location`.
    Located,
    /// `resource_group_name` only (global resources such as DNS zones).
    Grouped,
    /// `resource_group_name`, `location`, then `ARG` = `ATTR` of the parent.
    LocatedIn(&'static str, &'static str, &'static str),
    /// `resource_group_name`, then `ARG` = `ATTR` of the parent.
    GroupedIn(&'static str, &'static str, &'static str),
    /// `location`, then `ARG` = `ATTR` of the parent (no resource group:
    /// the parent's is implied).
    PlacedIn(&'static str, &'static str, &'static str),
    /// Only `ARG` = `ATTR` of the parent (`server_id`, `namespace_id`).
    In(&'static str, &'static str, &'static str),
    /// Nothing: the table lists every argument.
    Bare,
}

/// A note recorded when a condition holds, e.g. "app settings not copied".
#[derive(Clone, Copy)]
pub struct Note {
    /// When.
    pub when: When,
    /// The note.
    pub text: &'static str,
}

/// A note when `when` holds.
pub const fn note(when: When, text: &'static str) -> Note {
    Note { when, text }
}

/// How one ARM resource type becomes Terraform.
#[derive(Clone, Copy)]
pub struct Mapping {
    /// ARM resource type, lowercase, e.g. `microsoft.network/virtualnetworks`.
    pub arm_type: &'static str,
    /// The primary azurerm type (the default when `choose` is set).
    pub azurerm: &'static str,
    /// Other primary types `choose` may return.
    pub alternatives: &'static [&'static str],
    /// Chooses the primary type or skips the resource before planning.
    pub choose: Option<Choose>,
    /// Skips the resource, with the plan at hand, before anything is read.
    pub check: Option<Check>,
    /// The output file stem (`network`, `compute`, …).
    pub group: &'static str,
    /// The `name` argument; `None` for types without one.
    pub name: Option<Src>,
    /// The Terraform label, when the ARM names make a poor one (role
    /// assignments are named by GUID); default: the ARM ID's names joined.
    pub label: Option<fn(&Resource) -> String>,
    /// Where the resource sits.
    pub scope: Scope,
    /// Arguments, in output order.
    pub args: &'static [Arg],
    /// Nested blocks, in output order.
    pub nests: &'static [Nest],
    /// Association blocks.
    pub assocs: &'static [Assoc],
    /// Whether the source `identity` becomes an `identity` block.
    pub identity: bool,
    /// Whether the source tags become `tags`.
    pub tags: bool,
    /// Notes recorded when their condition holds.
    pub notes: &'static [Note],
    /// Code for what the table cannot say.
    pub hook: Option<Hook>,
    /// Arguments and nested blocks the hook may set (checked against the
    /// provider schema by the registry test).
    pub hook_sets: &'static [&'static str],
    /// Secondary resource types the hook may emit.
    pub hook_types: &'static [&'static str],
}

impl Mapping {
    /// A located resource (`name`, `resource_group_name`, `location`,
    /// `tags`) of one azurerm type, with nothing else yet.
    pub const fn new(arm_type: &'static str, azurerm: &'static str, group: &'static str) -> Self {
        Mapping {
            arm_type,
            azurerm,
            alternatives: &[],
            choose: None,
            check: None,
            group,
            name: Some(Src::Name),
            label: None,
            scope: Scope::Located,
            args: &[],
            nests: &[],
            assocs: &[],
            identity: false,
            tags: true,
            notes: &[],
            hook: None,
            hook_sets: &[],
            hook_types: &[],
        }
    }

    /// With these arguments.
    pub const fn args(mut self, args: &'static [Arg]) -> Self {
        self.args = args;
        self
    }

    /// With these nested blocks.
    pub const fn nests(mut self, nests: &'static [Nest]) -> Self {
        self.nests = nests;
        self
    }

    /// With these association blocks.
    pub const fn assocs(mut self, assocs: &'static [Assoc]) -> Self {
        self.assocs = assocs;
        self
    }

    /// With this scope.
    pub const fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// With this name source (`Src::Unique(rule)` for globally unique names).
    pub const fn name(mut self, name: Src) -> Self {
        self.name = Some(name);
        self
    }

    /// With a label made by code from the resource.
    pub const fn label(mut self, f: fn(&Resource) -> String) -> Self {
        self.label = Some(f);
        self
    }

    /// Without a `name` argument.
    pub const fn unnamed(mut self) -> Self {
        self.name = None;
        self
    }

    /// Without `tags` (the azurerm type has none).
    pub const fn untagged(mut self) -> Self {
        self.tags = false;
        self
    }

    /// With an `identity` block from the source identity.
    pub const fn identity(mut self) -> Self {
        self.identity = true;
        self
    }

    /// Choosing among primary types (or skipping) by code.
    pub const fn choose(mut self, f: Choose, alternatives: &'static [&'static str]) -> Self {
        self.choose = Some(f);
        self.alternatives = alternatives;
        self
    }

    /// Skipping resources by code, with the plan at hand.
    pub const fn check(mut self, f: Check) -> Self {
        self.check = Some(f);
        self
    }

    /// With these notes.
    pub const fn notes(mut self, notes: &'static [Note]) -> Self {
        self.notes = notes;
        self
    }

    /// With a hook, the arguments/blocks it may set and the secondary types
    /// it may emit.
    pub const fn hook(
        mut self,
        f: Hook,
        sets: &'static [&'static str],
        types: &'static [&'static str],
    ) -> Self {
        self.hook = Some(f);
        self.hook_sets = sets;
        self.hook_types = types;
        self
    }

    /// Every primary type this mapping may choose.
    pub fn primary_types(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.azurerm).chain(self.alternatives.iter().copied())
    }

    /// The arguments and nested blocks that apply when `primary` is the
    /// chosen type (those guarded by another primary type's `When::Type`
    /// do not).
    #[cfg(test)]
    pub fn applying_to(&self, primary: &str) -> (Vec<Arg>, Vec<Nest>) {
        let applies = |w: &When| match w {
            When::Type(t) => *t == primary,
            When::Types(ts) => ts.contains(&primary),
            _ => true,
        };
        (
            self.args
                .iter()
                .copied()
                .filter(|a| applies(&a.when))
                .collect(),
            self.nests
                .iter()
                .copied()
                .filter(|n| applies(&n.when))
                .collect(),
        )
    }

    /// Every azurerm type this mapping may emit: primaries, associations,
    /// and the hook's secondaries.
    pub fn azurerm_types(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.primary_types().collect();
        v.extend(self.assocs.iter().map(|a| a.azurerm));
        v.extend(self.hook_types.iter().copied());
        v.dedup();
        v
    }
}
