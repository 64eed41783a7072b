//! Where each resource type of a tenant can be read: which Resource Graph
//! table holds it, or, for the few types no table has, which ARM LIST call
//! returns it. Also the exact Resource Graph queries a scan sends.
//!
//! Source: Microsoft's "Azure Resource Graph table and resource type
//! reference" (learn.microsoft.com, governance/resource-graph/reference/
//! supported-tables-resources). `ResourceContainers` has subscriptions and
//! resource groups, `AuthorizationResources` role assignments and role
//! definitions, `Resources`
//! nearly everything else, VM extensions and SQL databases included. The ARM
//! LIST types below are the child types atg generates Terraform for that no
//! table lists. The ARM emulator reads this table too, to serve each type
//! where Azure serves it.
//!
//! Running the queries is left to `scanner`.

/// A Resource Graph table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphTable {
    /// `Resources`.
    Resources,
    /// `ResourceContainers`: subscriptions and resource groups.
    ResourceContainers,
    /// `AuthorizationResources`: role assignments and definitions.
    AuthorizationResources,
}

impl GraphTable {
    /// The table's name in KQL.
    pub fn name(self) -> &'static str {
        match self {
            Self::Resources => "Resources",
            Self::ResourceContainers => "ResourceContainers",
            Self::AuthorizationResources => "AuthorizationResources",
        }
    }
}

/// A child resource type that only ARM LIST returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListType {
    /// The type, lowercase, e.g. `microsoft.servicebus/namespaces/queues`.
    pub r#type: &'static str,
    /// The parent's type, lowercase; the scan lists under each parent found.
    pub parent_type: &'static str,
    /// The collection segment after the parent's ID, e.g. `queues`.
    pub collection: &'static str,
    /// The API version of the LIST call.
    pub api_version: &'static str,
}

/// Types no Resource Graph table has, read with one ARM LIST per parent.
pub const ARM_LIST_TYPES: &[ListType] = &[
    ListType {
        r#type: "microsoft.documentdb/databaseaccounts/sqldatabases",
        parent_type: "microsoft.documentdb/databaseaccounts",
        collection: "sqlDatabases",
        api_version: "2024-11-15",
    },
    ListType {
        r#type: "microsoft.eventhub/namespaces/eventhubs",
        parent_type: "microsoft.eventhub/namespaces",
        collection: "eventhubs",
        api_version: "2024-01-01",
    },
    ListType {
        r#type: "microsoft.servicebus/namespaces/queues",
        parent_type: "microsoft.servicebus/namespaces",
        collection: "queues",
        api_version: "2021-11-01",
    },
    ListType {
        r#type: "microsoft.servicebus/namespaces/topics",
        parent_type: "microsoft.servicebus/namespaces",
        collection: "topics",
        api_version: "2021-11-01",
    },
];

/// The subscription type in `ResourceContainers`.
pub const SUBSCRIPTION_TYPE: &str = "microsoft.resources/subscriptions";
/// The resource group type in `ResourceContainers`.
pub const RESOURCE_GROUP_TYPE: &str = "microsoft.resources/subscriptions/resourcegroups";
/// The role assignment type in `AuthorizationResources`.
pub const ROLE_ASSIGNMENT_TYPE: &str = "microsoft.authorization/roleassignments";
/// The role definition type in `AuthorizationResources`.
pub const ROLE_DEFINITION_TYPE: &str = "microsoft.authorization/roledefinitions";

/// Where a type is read: `Some(table)`, or `None` when only ARM LIST has it.
/// `type_key` is the lowercase ARM type.
pub fn table_of(type_key: &str) -> Option<GraphTable> {
    if ARM_LIST_TYPES.iter().any(|t| t.r#type == type_key) {
        None
    } else if type_key == SUBSCRIPTION_TYPE || type_key == RESOURCE_GROUP_TYPE {
        Some(GraphTable::ResourceContainers)
    } else if type_key.starts_with("microsoft.authorization/") {
        Some(GraphTable::AuthorizationResources)
    } else {
        Some(GraphTable::Resources)
    }
}

/// The Resource Graph queries of a scan, for one resource group filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queries {
    filter: String,
}

impl Queries {
    /// Queries restricted to `resource_groups` (case-insensitive) when not
    /// empty. Names must already be valid resource group names (see
    /// `valid_resource_group_name`): they are quoted into KQL.
    pub fn new(resource_groups: &[String]) -> Self {
        let filter = if resource_groups.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = resource_groups.iter().map(|g| format!("'{g}'")).collect();
            format!(" | where resourceGroup in~ ({})", names.join(", "))
        };
        Queries { filter }
    }

    /// Subscriptions (tenant scope, or the subscriptions passed with the query).
    pub fn subscriptions(&self) -> String {
        format!("ResourceContainers | where type =~ '{SUBSCRIPTION_TYPE}' | order by id asc")
    }

    /// Resource groups.
    pub fn resource_groups(&self) -> String {
        format!(
            "ResourceContainers | where type =~ '{RESOURCE_GROUP_TYPE}'{} | order by id asc",
            self.filter
        )
    }

    /// Resource counts per subscription (for progress bars and the final check).
    pub fn counts(&self) -> String {
        format!(
            "Resources{} | summarize count() by subscriptionId",
            self.filter
        )
    }

    /// Every resource, by ARM ID (a stable order for `$skipToken` paging).
    pub fn resources(&self) -> String {
        format!("Resources{} | order by id asc", self.filter)
    }

    /// Role assignments.
    pub fn role_assignments(&self) -> String {
        format!(
            "AuthorizationResources | where type =~ '{ROLE_ASSIGNMENT_TYPE}'{} | order by id asc",
            self.filter
        )
    }

    /// Custom role definitions (built-in ones exist in every tenant). They
    /// live at subscription scope, so a resource group filter does not
    /// apply: an assignment in a kept group may use any of them.
    pub fn custom_role_definitions(&self) -> String {
        format!(
            "AuthorizationResources | where type =~ '{ROLE_DEFINITION_TYPE}' | where properties.type =~ 'CustomRole' | order by id asc"
        )
    }
}

/// True for a valid resource group name: 1–90 characters, letters, digits,
/// `_`, `-`, `.`, `(` and `)`, not ending in `.` (ARM's naming rule).
pub fn valid_resource_group_name(name: &str) -> bool {
    (1..=90).contains(&name.chars().count())
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')'))
}

/// True for a subscription ID in GUID form (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`).
pub fn valid_subscription_id(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_one_home() {
        assert_eq!(
            table_of("microsoft.sql/servers/databases"),
            Some(GraphTable::Resources)
        );
        assert_eq!(
            table_of("microsoft.compute/virtualmachines/extensions"),
            Some(GraphTable::Resources)
        );
        assert_eq!(
            table_of(RESOURCE_GROUP_TYPE),
            Some(GraphTable::ResourceContainers)
        );
        assert_eq!(
            table_of(ROLE_ASSIGNMENT_TYPE),
            Some(GraphTable::AuthorizationResources)
        );
        for t in ARM_LIST_TYPES {
            assert_eq!(table_of(t.r#type), None);
            assert_eq!(table_of(t.parent_type), Some(GraphTable::Resources));
            assert!(
                t.r#type
                    .strip_prefix(t.parent_type)
                    .is_some_and(|rest| rest.eq_ignore_ascii_case(&format!("/{}", t.collection))),
                "{t:?}"
            );
        }
    }

    #[test]
    fn resource_group_filter_is_one_where_clause() {
        let q = Queries::new(&["rg-app".into(), "RG(2)".into()]);
        assert_eq!(
            q.resources(),
            "Resources | where resourceGroup in~ ('rg-app', 'RG(2)') | order by id asc"
        );
        assert_eq!(
            Queries::new(&[]).counts(),
            "Resources | summarize count() by subscriptionId"
        );
    }

    #[test]
    fn names_that_could_break_a_query_are_invalid() {
        assert!(valid_resource_group_name("rg-app_1.(x)"));
        assert!(!valid_resource_group_name("a') | take 1 //"));
        assert!(!valid_resource_group_name("ends."));
        assert!(valid_subscription_id(
            "50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab"
        ));
        assert!(!valid_subscription_id("contoso-dev"));
    }
}
