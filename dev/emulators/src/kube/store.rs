//! The emulator's object store: what etcd plus the API server's registry
//! do for the requests atg makes. Every write happens under one lock, so
//! create-if-absent and compare-and-swap are atomic as on a real cluster.
//!
//! Conventions followed (Kubernetes API conventions,
//! <https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md>,
//! and "Kubernetes API Concepts",
//! <https://kubernetes.io/docs/reference/using-api/api-concepts/>):
//! - one `resourceVersion` counter for the whole store, bumped by every
//!   write and stamped on the written object ("Concurrency Control and
//!   Consistency"); an update or delete whose `resourceVersion`
//!   precondition is stale gets `409 Conflict`;
//! - create of an existing name gets `409 AlreadyExists`; `generateName`
//!   gets a 5-character random suffix, retried on collision as since
//!   Kubernetes 1.31 (KEP-4420, "Retry Generate Name");
//! - with a `status` subresource, writes to the main resource keep the
//!   stored status and writes to `/status` keep everything else ("Custom
//!   Resources: Status subresource",
//!   <https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#status-subresource>);
//!   `metadata.generation` counts spec changes;
//! - custom resources refuse an update without `resourceVersion` (`422`);
//! - missing required spec fields get `422 Invalid` (CRD structural schema);
//! - deleting an owner deletes the objects whose `ownerReferences` name its
//!   UID (background cascading deletion, "Garbage Collection",
//!   <https://kubernetes.io/docs/concepts/architecture/garbage-collection/>);
//! - the event history behind watches is bounded: a watch from a
//!   `resourceVersion` older than what is kept gets `410 Gone` (`Expired`).

use super::resources::ResourceType;
use super::selector::{FieldSelector, LabelSelector, labels_of};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, VecDeque};
use tokio::sync::broadcast;

/// How many events the store keeps for watches to resume from.
pub const HISTORY: usize = 1000;

/// A failed request, rendered as a `Status` object by the server.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub code: u16,
    /// `Status.reason`, e.g. `Conflict`.
    pub reason: &'static str,
    /// `Status.message`.
    pub message: String,
    /// `Status.details`.
    pub details: Value,
}

impl ApiError {
    /// The `Status` object for this error.
    pub fn status(&self) -> Value {
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "details": self.details, "code": self.code,
        })
    }

    fn named(
        code: u16,
        reason: &'static str,
        rt: &ResourceType,
        name: &str,
        message: String,
    ) -> Self {
        ApiError {
            code,
            reason,
            message,
            details: json!({"name": name, "group": rt.group, "kind": rt.plural}),
        }
    }

    /// `404 NotFound` for a named object.
    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        let msg = format!("{} \"{name}\" not found", rt.qualified());
        Self::named(404, "NotFound", rt, name, msg)
    }

    fn already_exists(rt: &ResourceType, name: &str) -> Self {
        let msg = format!("{} \"{name}\" already exists", rt.qualified());
        Self::named(409, "AlreadyExists", rt, name, msg)
    }

    fn conflict(rt: &ResourceType, name: &str, why: &str) -> Self {
        let msg = format!(
            "Operation cannot be fulfilled on {} \"{name}\": {why}",
            rt.qualified()
        );
        Self::named(409, "Conflict", rt, name, msg)
    }

    fn invalid(rt: &ResourceType, name: &str, causes: &[String]) -> Self {
        let msg = format!(
            "{}.{} \"{name}\" is invalid: {}",
            rt.kind,
            rt.group,
            causes.join(", ")
        );
        Self::named(422, "Invalid", rt, name, msg)
    }

    /// `400 BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            code: 400,
            reason: "BadRequest",
            message: message.into(),
            details: json!({}),
        }
    }
}

/// A watch event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// `ADDED`.
    Added,
    /// `MODIFIED`.
    Modified,
    /// `DELETED`.
    Deleted,
}

impl EventType {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Debug, Clone)]
pub struct Event {
    /// What happened.
    pub kind: EventType,
    /// `plural.group` of the object.
    pub resource: String,
    /// The object after the change (before it, with the new
    /// resourceVersion, for deletes).
    pub object: Value,
    /// The store revision of the change.
    pub revision: u64,
}

impl Event {
    /// The namespace of the object.
    pub fn namespace(&self) -> &str {
        self.object["metadata"]["namespace"].as_str().unwrap_or("")
    }
}

type Key = (String, String, String);

/// Objects, the revision counter and the bounded event history.
pub struct Store {
    revision: u64,
    objects: BTreeMap<Key, Value>,
    history: VecDeque<Event>,
    /// Revisions up to this one are no longer in `history`.
    compacted: u64,
    uids: u64,
    seed: u64,
    events: broadcast::Sender<Event>,
}

/// The current UTC time, RFC 3339 to the second (`creationTimestamp`).
pub fn now() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("0 is a valid nanosecond");
    now.format(&time::format_description::well_known::Rfc3339)
        .expect("UTC time formats")
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj["metadata"][field].as_str().unwrap_or("")
}

/// RFC 7386 JSON merge patch: objects merge key by key, `null` deletes,
/// anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().expect("made an object above");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5eed)
            | 1;
        Store {
            revision: 1,
            objects: BTreeMap::new(),
            history: VecDeque::new(),
            compacted: 0,
            uids: 0,
            seed,
            events: broadcast::channel(4096).0,
        }
    }

    /// The current revision (the `resourceVersion` of a list).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// A receiver of every later change.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Changes after `revision` still in the history, or `None` when some
    /// of them were compacted away (the watch must get `410 Gone`).
    pub fn events_since(&self, revision: u64) -> Option<Vec<Event>> {
        if revision < self.compacted {
            return None;
        }
        Some(
            self.history
                .iter()
                .filter(|e| e.revision > revision)
                .cloned()
                .collect(),
        )
    }

    /// Drops the whole event history, as etcd compaction does.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted = self.revision;
    }

    fn random(&mut self) -> u64 {
        // xorshift64*: enough for names and UIDs in a test server.
        let mut x = self.seed;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.seed = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn record(&mut self, kind: EventType, rt: &ResourceType, object: Value) {
        let event = Event {
            kind,
            resource: rt.qualified(),
            object,
            revision: self.revision,
        };
        self.history.push_back(event.clone());
        while self.history.len() > HISTORY {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.revision;
            }
        }
        let _ = self.events.send(event);
    }

    fn key(rt: &ResourceType, ns: &str, name: &str) -> Key {
        (rt.qualified(), ns.to_string(), name.to_string())
    }

    fn check_required(rt: &ResourceType, name: &str, obj: &Value) -> Result<(), ApiError> {
        let missing: Vec<String> = rt
            .required_spec
            .iter()
            .filter(|f| obj["spec"].get(**f).is_none_or(Value::is_null))
            .map(|f| format!("spec.{f}: Required value"))
            .collect();
        if rt.required_spec.is_empty() || missing.is_empty() {
            Ok(())
        } else if !obj["spec"].is_object() {
            Err(ApiError::invalid(
                rt,
                name,
                &["spec: Required value".into()],
            ))
        } else {
            Err(ApiError::invalid(rt, name, &missing))
        }
    }

    /// Gets one object.
    ///
    /// Errors: `404 NotFound`.
    pub fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<Value, ApiError> {
        self.objects
            .get(&Self::key(rt, ns, name))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// The objects of a type in `ns` (every namespace when `None`) that
    /// match both selectors, in namespace/name order.
    pub fn list(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        labels: &LabelSelector,
        fields: &FieldSelector,
    ) -> Vec<Value> {
        let q = rt.qualified();
        self.objects
            .iter()
            .filter(|((r, n, _), _)| *r == q && ns.is_none_or(|ns| ns == n))
            .map(|(_, v)| v)
            .filter(|v| labels.matches(&labels_of(v)) && fields.matches(v))
            .cloned()
            .collect()
    }

    /// Creates an object in `ns` (`POST` to the collection).
    ///
    /// Errors: `409 AlreadyExists`, `422 Invalid` (no name or generateName,
    /// missing required fields), `400 BadRequest` (namespace mismatch).
    pub fn create(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        mut obj: Value,
    ) -> Result<Value, ApiError> {
        if !obj.is_object() {
            return Err(ApiError::bad_request("the body is not a JSON object"));
        }
        let body_ns = meta_str(&obj, "namespace");
        if !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        let mut name = meta_str(&obj, "name").to_string();
        if name.is_empty() {
            let prefix = meta_str(&obj, "generateName").to_string();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    rt,
                    "",
                    &["metadata.name: Required value: name or generateName is required".into()],
                ));
            }
            // The API server's alphabet for generated suffixes (no vowels, no
            // easily confused characters), retried on collision.
            const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
            for _ in 0..8 {
                let suffix: String = (0..5)
                    .map(|_| ALPHABET[(self.random() % ALPHABET.len() as u64) as usize] as char)
                    .collect();
                name = format!("{prefix}{suffix}");
                if !self.objects.contains_key(&Self::key(rt, ns, &name)) {
                    break;
                }
            }
        }
        let key = Self::key(rt, ns, &name);
        if self.objects.contains_key(&key) {
            return Err(ApiError::already_exists(rt, &name));
        }
        Self::check_required(rt, &name, &obj)?;
        if rt.status_subresource {
            // The status stanza of a create is dropped when status is a subresource.
            if let Some(m) = obj.as_object_mut() {
                m.remove("status");
            }
        }
        self.revision += 1;
        self.uids += 1;
        let uid = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            self.random() as u32,
            self.uids & 0xffff,
            self.random() & 0xfff,
            self.random() & 0xfff,
            self.random() & 0xffff_ffff_ffff
        );
        let meta = obj["metadata"].as_object_mut().map(std::mem::take);
        let mut meta = meta.unwrap_or_default();
        meta.insert("name".into(), json!(name));
        meta.insert("namespace".into(), json!(ns));
        meta.insert("uid".into(), json!(uid));
        meta.insert("resourceVersion".into(), json!(self.revision.to_string()));
        meta.insert("creationTimestamp".into(), json!(now()));
        meta.insert("generation".into(), json!(1));
        obj["metadata"] = Value::Object(meta);
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        self.objects.insert(key, obj.clone());
        self.record(EventType::Added, rt, obj.clone());
        Ok(obj)
    }

    fn precondition(
        rt: &ResourceType,
        name: &str,
        stored: &Value,
        wanted: &str,
    ) -> Result<(), ApiError> {
        if !wanted.is_empty() && wanted != meta_str(stored, "resourceVersion") {
            return Err(ApiError::conflict(
                rt,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        Ok(())
    }

    /// Replaces an object (`PUT`), or only its status when `status` is
    /// true (`PUT …/status`).
    ///
    /// Errors: `404 NotFound`, `409 Conflict` (stale resourceVersion),
    /// `422 Invalid` (custom resource without resourceVersion, missing
    /// required fields).
    pub fn replace(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        obj: Value,
        status: bool,
    ) -> Result<Value, ApiError> {
        let stored = self.get(rt, ns, name)?;
        let wanted = meta_str(&obj, "resourceVersion").to_string();
        if wanted.is_empty() && rt.custom {
            return Err(ApiError::invalid(
                rt,
                name,
                &[
                    "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"
                        .into(),
                ],
            ));
        }
        Self::precondition(rt, name, &stored, &wanted)?;
        self.store_update(rt, ns, name, stored, obj, status)
    }

    /// Applies a JSON merge patch (RFC 7386) to an object or its status.
    /// A `metadata.resourceVersion` in the patch is a precondition.
    ///
    /// Errors: as `replace`.
    pub fn patch(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        patch: &Value,
        status: bool,
    ) -> Result<Value, ApiError> {
        let stored = self.get(rt, ns, name)?;
        let wanted = patch["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or("")
            .to_string();
        Self::precondition(rt, name, &stored, &wanted)?;
        let mut merged = stored.clone();
        merge_patch(&mut merged, patch);
        self.store_update(rt, ns, name, stored, merged, status)
    }

    fn store_update(
        &mut self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        stored: Value,
        mut obj: Value,
        status: bool,
    ) -> Result<Value, ApiError> {
        if rt.status_subresource {
            if status {
                // `/status` writes change only the status.
                let new_status = obj.get("status").cloned();
                obj = stored.clone();
                match new_status {
                    Some(s) => obj["status"] = s,
                    None => {
                        if let Some(m) = obj.as_object_mut() {
                            m.remove("status");
                        }
                    }
                }
            } else {
                match stored.get("status") {
                    Some(s) => obj["status"] = s.clone(),
                    None => {
                        if let Some(m) = obj.as_object_mut() {
                            m.remove("status");
                        }
                    }
                }
            }
        }
        Self::check_required(rt, name, &obj)?;
        let mut generation = stored["metadata"]["generation"].as_i64().unwrap_or(1);
        if obj.get("spec") != stored.get("spec") {
            generation += 1;
        }
        self.revision += 1;
        // Identity fields come from the stored object whatever the body says.
        let mut meta = obj["metadata"].as_object().cloned().unwrap_or_default();
        for field in ["name", "namespace", "uid", "creationTimestamp"] {
            if let Some(v) = stored["metadata"].get(field) {
                meta.insert(field.into(), v.clone());
            }
        }
        meta.insert("resourceVersion".into(), json!(self.revision.to_string()));
        meta.insert("generation".into(), json!(generation));
        obj["metadata"] = Value::Object(meta);
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        self.objects.insert(Self::key(rt, ns, name), obj.clone());
        self.record(EventType::Modified, rt, obj.clone());
        Ok(obj)
    }

    /// Deletes an object, then (in the background, as the garbage
    /// collector would) every object owned by it. `preconditions` holds the
    /// `DeleteOptions.preconditions` (`resourceVersion`, `uid`).
    ///
    /// Errors: `404 NotFound`, `409 Conflict` (a precondition failed).
    pub fn delete(
        &mut self,
        types: &[ResourceType],
        rt: &ResourceType,
        ns: &str,
        name: &str,
        preconditions: &Value,
    ) -> Result<Value, ApiError> {
        let stored = self.get(rt, ns, name)?;
        let wanted_rv = preconditions["resourceVersion"].as_str().unwrap_or("");
        Self::precondition(rt, name, &stored, wanted_rv)?;
        if let Some(uid) = preconditions["uid"].as_str()
            && uid != meta_str(&stored, "uid")
        {
            return Err(ApiError::conflict(
                rt,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    meta_str(&stored, "uid")
                ),
            ));
        }
        let deleted = self.remove(rt, ns, name, stored);
        // Background cascading deletion of dependents, depth first.
        let mut owners = vec![meta_str(&deleted, "uid").to_string()];
        while let Some(owner) = owners.pop() {
            let dependents: Vec<(ResourceType, String, Value)> = self
                .objects
                .iter()
                .filter(|(_, v)| {
                    v["metadata"]["ownerReferences"]
                        .as_array()
                        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == owner.as_str()))
                })
                .filter_map(|((r, n, _), v)| {
                    types
                        .iter()
                        .find(|t| t.qualified() == *r)
                        .map(|t| (t.clone(), n.clone(), v.clone()))
                })
                .collect();
            for (t, n, v) in dependents {
                owners.push(meta_str(&v, "uid").to_string());
                let dep_name = meta_str(&v, "name").to_string();
                self.remove(&t, &n, &dep_name, v);
            }
        }
        Ok(deleted)
    }

    fn remove(&mut self, rt: &ResourceType, ns: &str, name: &str, mut stored: Value) -> Value {
        self.objects.remove(&Self::key(rt, ns, name));
        self.revision += 1;
        stored["metadata"]["resourceVersion"] = json!(self.revision.to_string());
        self.record(EventType::Deleted, rt, stored.clone());
        stored
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::resources;

    fn coderuns() -> ResourceType {
        resources::all()
            .into_iter()
            .find(|t| t.plural == "coderuns")
            .unwrap()
    }

    fn run(name: &str) -> Value {
        let spec: Map<String, Value> = resources::CODERUN_REQUIRED
            .iter()
            .map(|f| (f.to_string(), json!("x")))
            .collect();
        json!({"metadata": {"name": name}, "spec": spec, "status": {"phase": "Succeeded"}})
    }

    #[test]
    fn create_is_atomic_per_name_and_drops_status() {
        let (mut s, rt) = (Store::new(), coderuns());
        let made = s.create(&rt, "agents", run("a")).unwrap();
        assert!(made.get("status").is_none(), "status is a subresource");
        assert_eq!(made["metadata"]["resourceVersion"], "2");
        let err = s.create(&rt, "agents", run("a")).unwrap_err();
        assert_eq!((err.code, err.reason), (409, "AlreadyExists"));
        assert_eq!(err.message, "coderuns.agents.platform \"a\" already exists");
    }

    #[test]
    fn stale_resource_version_is_a_conflict() {
        let (mut s, rt) = (Store::new(), coderuns());
        let made = s.create(&rt, "ns", run("a")).unwrap();
        let mut edit = made.clone();
        edit["spec"]["model"] = json!("m2");
        let updated = s.replace(&rt, "ns", "a", edit.clone(), false).unwrap();
        assert_eq!(updated["metadata"]["generation"], 2);
        let err = s.replace(&rt, "ns", "a", edit, false).unwrap_err();
        assert_eq!((err.code, err.reason), (409, "Conflict"));
        let mut no_rv = updated.clone();
        no_rv["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("resourceVersion");
        assert_eq!(
            s.replace(&rt, "ns", "a", no_rv, false).unwrap_err().code,
            422
        );
    }

    #[test]
    fn status_writes_touch_only_status() {
        let (mut s, rt) = (Store::new(), coderuns());
        let made = s.create(&rt, "ns", run("a")).unwrap();
        let mut body = made.clone();
        body["spec"]["model"] = json!("ignored");
        body["status"] = json!({"phase": "Running"});
        let after = s.replace(&rt, "ns", "a", body, true).unwrap();
        assert_eq!(after["status"]["phase"], "Running");
        assert_eq!(after["spec"]["model"], "x");
        let patched = s
            .patch(
                &rt,
                "ns",
                "a",
                &json!({"status": {"phase": "Failed"}}),
                false,
            )
            .unwrap();
        assert_eq!(
            patched["status"]["phase"], "Running",
            "main resource keeps status"
        );
    }

    #[test]
    fn missing_required_fields_are_invalid() {
        let (mut s, rt) = (Store::new(), coderuns());
        let mut body = run("a");
        body["spec"].as_object_mut().unwrap().remove("githubApp");
        let err = s.create(&rt, "ns", body).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(
            err.message.ends_with("spec.githubApp: Required value"),
            "{}",
            err.message
        );
    }

    #[test]
    fn generate_name_and_owner_cascade() {
        let mut s = Store::new();
        let types = resources::all();
        let rt = coderuns();
        let made = s
            .create(&rt, "ns", {
                let mut r = run("");
                r["metadata"] = json!({"generateName": "run-"});
                r
            })
            .unwrap();
        let name = made["metadata"]["name"].as_str().unwrap().to_string();
        assert!(name.starts_with("run-") && name.len() == 9, "{name}");
        let cm = types.iter().find(|t| t.plural == "configmaps").unwrap();
        let owner = json!([{"apiVersion": "agents.platform/v1", "kind": "CodeRun", "name": name, "uid": made["metadata"]["uid"]}]);
        s.create(
            cm,
            "ns",
            json!({"metadata": {"name": "facts", "ownerReferences": owner}}),
        )
        .unwrap();
        let err = s
            .delete(&types, &rt, "ns", &name, &json!({"resourceVersion": "1"}))
            .unwrap_err();
        assert_eq!(err.reason, "Conflict");
        s.delete(&types, &rt, "ns", &name, &Value::Null).unwrap();
        assert_eq!(s.get(cm, "ns", "facts").unwrap_err().code, 404);
    }

    #[test]
    fn compacted_history_cannot_be_resumed() {
        let (mut s, rt) = (Store::new(), coderuns());
        s.create(&rt, "ns", run("a")).unwrap();
        assert_eq!(s.events_since(1).unwrap().len(), 1);
        s.compact();
        assert!(s.events_since(1).is_none());
        assert_eq!(s.events_since(s.revision()).unwrap().len(), 0);
    }
}
