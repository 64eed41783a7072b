//! Parsing of ARM resource IDs into their parts.
//!
//! An ARM resource ID names a resource by its scope and type path, for example
//! `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}`
//! (see Azure's "Resource name rules" and `ResourceId` in the ARM REST docs).
//! IDs compare case-insensitively; the original spelling is kept for output.
//! Recognising which strings in `properties` are references is left to
//! `graph::relationships`.

use std::fmt;

/// A parsed ARM resource ID.
///
/// `types` and `names` run in parallel: `Microsoft.Network/virtualNetworks/x/subnets/y`
/// gives `types = ["virtualNetworks", "subnets"]`, `names = ["x", "y"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceId {
    raw: String,
    /// Subscription GUID, when the ID is below a subscription.
    pub subscription: Option<String>,
    /// Resource group name, when the ID is below a resource group.
    pub resource_group: Option<String>,
    /// Provider namespace, e.g. `Microsoft.Network`.
    pub namespace: Option<String>,
    /// Type segments after the namespace.
    pub types: Vec<String>,
    /// Name segments, one per type segment.
    pub names: Vec<String>,
}

/// Why a string is not an ARM resource ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceIdError {
    /// The string does not start with `/subscriptions/` or `/providers/`.
    #[error(
        "`{0}` is not an ARM resource ID: it must start with `/subscriptions/` or `/providers/`"
    )]
    BadPrefix(String),
    /// A segment is empty or a type has no name.
    #[error("`{0}` is not an ARM resource ID: its segments do not pair up as type/name")]
    Malformed(String),
}

impl ResourceId {
    /// Parses an ARM ID. Accepts subscription, resource group, and provider
    /// resource IDs at any nesting depth. Returns an error for anything else.
    pub fn parse(raw: &str) -> Result<Self, ResourceIdError> {
        let trimmed = raw.trim_end_matches('/');
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Err(ResourceIdError::BadPrefix(raw.to_string()));
        };
        let segs: Vec<&str> = rest.split('/').collect();
        if segs.iter().any(|s| s.is_empty()) {
            return Err(ResourceIdError::Malformed(raw.to_string()));
        }
        let mut id = ResourceId {
            raw: trimmed.to_string(),
            subscription: None,
            resource_group: None,
            namespace: None,
            types: Vec::new(),
            names: Vec::new(),
        };
        let mut i = 0;
        if segs[0].eq_ignore_ascii_case("subscriptions") {
            id.subscription = Some(
                segs.get(1)
                    .ok_or_else(|| ResourceIdError::Malformed(raw.to_string()))?
                    .to_string(),
            );
            i = 2;
            if segs
                .get(i)
                .is_some_and(|s| s.eq_ignore_ascii_case("resourceGroups"))
            {
                id.resource_group = Some(
                    segs.get(i + 1)
                        .ok_or_else(|| ResourceIdError::Malformed(raw.to_string()))?
                        .to_string(),
                );
                i += 2;
            }
        } else if !segs[0].eq_ignore_ascii_case("providers") {
            return Err(ResourceIdError::BadPrefix(raw.to_string()));
        }
        if i < segs.len() {
            if !segs[i].eq_ignore_ascii_case("providers") || i + 1 >= segs.len() {
                return Err(ResourceIdError::Malformed(raw.to_string()));
            }
            id.namespace = Some(segs[i + 1].to_string());
            let pairs = &segs[i + 2..];
            if pairs.is_empty() || pairs.len() % 2 != 0 {
                return Err(ResourceIdError::Malformed(raw.to_string()));
            }
            for pair in pairs.chunks(2) {
                id.types.push(pair[0].to_string());
                id.names.push(pair[1].to_string());
            }
        }
        Ok(id)
    }

    /// The ID as given (without a trailing slash).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The lowercase form used for case-insensitive comparison and lookups.
    pub fn key(&self) -> String {
        self.raw.to_ascii_lowercase()
    }

    /// The resource type in lowercase, e.g. `microsoft.network/virtualnetworks/subnets`.
    /// Subscriptions and resource groups give `microsoft.resources/subscriptions`
    /// and `microsoft.resources/resourcegroups`.
    pub fn resource_type(&self) -> String {
        match &self.namespace {
            Some(ns) => {
                let mut t = ns.to_ascii_lowercase();
                for ty in &self.types {
                    t.push('/');
                    t.push_str(&ty.to_ascii_lowercase());
                }
                t
            }
            None if self.resource_group.is_some() => "microsoft.resources/resourcegroups".into(),
            None => "microsoft.resources/subscriptions".into(),
        }
    }

    /// The last name segment: the resource's own name.
    pub fn name(&self) -> Option<&str> {
        self.names
            .last()
            .map(String::as_str)
            .or(self.resource_group.as_deref())
            .or(self.subscription.as_deref())
    }

    /// The parent resource for a child resource (`.../virtualNetworks/x/subnets/y`
    /// gives `.../virtualNetworks/x`); `None` for a top-level resource.
    pub fn parent(&self) -> Option<ResourceId> {
        if self.types.len() < 2 {
            return None;
        }
        let cut = self.raw.rfind('/')?;
        let cut = self.raw[..cut].rfind('/')?;
        ResourceId::parse(&self.raw[..cut]).ok()
    }

    /// The ID of the resource group that holds this resource, if any.
    pub fn resource_group_id(&self) -> Option<String> {
        Some(format!(
            "/subscriptions/{}/resourceGroups/{}",
            self.subscription.as_ref()?,
            self.resource_group.as_ref()?
        ))
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// True when `s` starts like an ARM ID below a subscription (case-insensitive).
/// Cheap pre-filter for scanning property strings.
pub fn looks_like_arm_id(s: &str) -> bool {
    s.len() > 15 && s.as_bytes()[..15].eq_ignore_ascii_case(b"/subscriptions/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_child_resource() {
        let id = ResourceId::parse(
            "/subscriptions/S/resourceGroups/rg-Net/providers/Microsoft.Network/virtualNetworks/v1/subnets/s1",
        )
        .unwrap();
        assert_eq!(id.subscription.as_deref(), Some("S"));
        assert_eq!(id.resource_group.as_deref(), Some("rg-Net"));
        assert_eq!(
            id.resource_type(),
            "microsoft.network/virtualnetworks/subnets"
        );
        assert_eq!(id.name(), Some("s1"));
        assert_eq!(
            id.parent().unwrap().as_str(),
            "/subscriptions/S/resourceGroups/rg-Net/providers/Microsoft.Network/virtualNetworks/v1"
        );
        assert_eq!(
            id.resource_group_id().unwrap(),
            "/subscriptions/S/resourceGroups/rg-Net"
        );
    }

    #[test]
    fn accepts_mixed_case_keywords_and_subscription_scope() {
        let id = ResourceId::parse("/Subscriptions/S/Providers/Microsoft.Compute/Locations/eastus")
            .unwrap();
        assert_eq!(id.resource_group, None);
        assert_eq!(id.resource_type(), "microsoft.compute/locations");
        let rg = ResourceId::parse("/subscriptions/S/resourcegroups/x/").unwrap();
        assert_eq!(rg.resource_type(), "microsoft.resources/resourcegroups");
        assert_eq!(rg.as_str(), "/subscriptions/S/resourcegroups/x");
    }

    #[test]
    fn rejects_strings_that_are_not_ids() {
        assert!(ResourceId::parse("subscriptions/S").is_err());
        assert!(
            ResourceId::parse("/subscriptions/S/resourceGroups/r/providers/Microsoft.Web/sites")
                .is_err()
        );
        assert!(ResourceId::parse("/subscriptions//resourceGroups/r").is_err());
        assert!(ResourceId::parse("/foo/bar").is_err());
    }
}
