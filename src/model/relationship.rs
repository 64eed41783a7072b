//! Edges of the resource graph.
//!
//! The kinds follow Azure Tenant Grapher's vocabulary so graphs stay
//! comparable. Deriving edges from properties is left to `graph::relationships`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of a relationship between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RelationshipKind {
    /// A resource group holds a resource, or a parent holds a child resource.
    Contains,
    /// A resource is placed in a subnet.
    UsesSubnet,
    /// A subnet or NIC is secured by a network security group.
    SecuredBy,
    /// A VM or endpoint is connected to a network interface or address.
    ConnectedTo,
    /// A generic dependency (disks, plans, servers).
    DependsOn,
    /// A resource uses a user-assigned managed identity.
    UsesIdentity,
    /// A resource sends logs to a Log Analytics workspace.
    LogsTo,
    /// A subnet routes via a route table or NAT gateway.
    RoutesVia,
    /// Any other reference from a property.
    References,
}

impl RelationshipKind {
    /// The Tenant Grapher spelling, e.g. `USES_SUBNET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contains => "CONTAINS",
            Self::UsesSubnet => "USES_SUBNET",
            Self::SecuredBy => "SECURED_BY",
            Self::ConnectedTo => "CONNECTED_TO",
            Self::DependsOn => "DEPENDS_ON",
            Self::UsesIdentity => "USES_IDENTITY",
            Self::LogsTo => "LOGS_TO",
            Self::RoutesVia => "ROUTES_VIA",
            Self::References => "REFERENCES",
        }
    }

    /// Parses the Tenant Grapher spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "CONTAINS" => Self::Contains,
            "USES_SUBNET" => Self::UsesSubnet,
            "SECURED_BY" => Self::SecuredBy,
            "CONNECTED_TO" => Self::ConnectedTo,
            "DEPENDS_ON" => Self::DependsOn,
            "USES_IDENTITY" => Self::UsesIdentity,
            "LOGS_TO" => Self::LogsTo,
            "ROUTES_VIA" => Self::RoutesVia,
            "REFERENCES" => Self::References,
            _ => return None,
        })
    }
}

impl fmt::Display for RelationshipKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A directed edge `(source_id, kind, target_id, via)`.
///
/// `via` is the JSON path of the property that held the reference, e.g.
/// `properties.ipConfigurations[0].properties.subnet.id`; for containment it
/// is `resourceGroup` or `parent`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relationship {
    /// ARM ID of the source node, original spelling.
    pub source_id: String,
    /// The relationship kind.
    pub kind: RelationshipKind,
    /// ARM ID of the target node, original spelling.
    pub target_id: String,
    /// JSON path of the referencing property.
    pub via: String,
}
