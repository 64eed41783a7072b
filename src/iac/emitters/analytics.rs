//! Mappings for AI and analytics services: Azure AI services (Cognitive
//! Services) accounts and model deployments, Machine Learning workspaces,
//! AI Search, Data Factory, Databricks, Synapse workspaces with their SQL
//! and Spark pools and firewall rules, and Purview accounts.
//!
//! Keys and connection strings are never read. Services whose names are
//! global DNS names get a unique target name.

use super::common::identity_block;
use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

/// The AI and analytics mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.cognitiveservices/accounts",
        "azurerm_cognitive_account",
        "ai",
    )
    .args(&[
        arg("kind", Src::Kind, Conv::Str).req(),
        arg("sku_name", Src::R("sku/name"), Conv::Str).req(),
        arg(
            "custom_subdomain_name",
            Src::Unique(NameRule::COGNITIVE_SUBDOMAIN),
            Conv::AsIs,
        )
        .when(When::Has(Src::P("customSubDomainName"))),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        not("local_auth_enabled", "disableLocalAuth"),
        b(
            "outbound_network_access_restricted",
            "restrictOutboundNetworkAccess",
        ),
        strs("fqdns", "allowedFqdnList"),
        b("dynamic_throttling_enabled", "dynamicThrottlingEnabled"),
    ])
    .nests(&[block(
        "network_acls",
        "networkAcls",
        &[
            one_of("default_action", "defaultAction", &["Allow", "Deny"]).key(),
            arg("ip_rules", Src::All("ipRules/*/value"), Conv::Str),
        ],
    )
    .when(When::Has(Src::P("customSubDomainName")))
    .nests(&[blocks(
        "virtual_network_rules",
        "virtualNetworkRules",
        Repeat::Each,
        &[
            reference("subnet_id", "id", "id", "subnet").key(),
            b(
                "ignore_missing_vnet_service_endpoint",
                "ignoreMissingVnetServiceEndpoint",
            ),
        ],
    )])])
    .identity(),
    Mapping::new(
        "microsoft.cognitiveservices/accounts/deployments",
        "azurerm_cognitive_deployment",
        "ai",
    )
    .scope(Scope::In("cognitive_account_id", "id", "AI services account"))
    .untagged()
    .args(&[
        one_of(
            "version_upgrade_option",
            "versionUpgradeOption",
            &[
                "OnceCurrentVersionExpired",
                "OnceNewDefaultVersionAvailable",
                "NoAutoUpgrade",
            ],
        ),
        s("rai_policy_name", "raiPolicyName"),
    ])
    .nests(&[
        blocks(
            "model",
            "model",
            Repeat::Required,
            &[
                s("format", "format").req(),
                s("name", "name").req(),
                s("version", "version"),
            ],
        ),
        blocks(
            "sku",
            "/sku",
            Repeat::Required,
            &[
                one_of(
                    "name",
                    "name",
                    &[
                        "Standard",
                        "DataZoneBatch",
                        "DataZoneProvisionedManaged",
                        "DataZoneStandard",
                        "GlobalBatch",
                        "GlobalProvisionedManaged",
                        "GlobalStandard",
                        "ProvisionedManaged",
                    ],
                )
                .req(),
                n("capacity", "capacity"),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.machinelearningservices/workspaces",
        "azurerm_machine_learning_workspace",
        "ai",
    )
    .args(&[
        reference(
            "application_insights_id",
            "applicationInsights",
            "id",
            "Application Insights component",
        )
        .req(),
        reference("key_vault_id", "keyVault", "id", "key vault").req(),
        reference("storage_account_id", "storageAccount", "id", "storage account").req(),
        reference(
            "container_registry_id",
            "containerRegistry",
            "id",
            "container registry",
        )
        .strict(),
        s("friendly_name", "friendlyName"),
        s("description", "description"),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        b("high_business_impact", "hbiWorkspace"),
        b("v1_legacy_mode_enabled", "v1LegacyMode"),
        arg("kind", Src::Kind, Conv::Enum(&["Default", "FeatureStore"])),
    ])
    .hook(identity_or_system, &["identity"], &[]),
    Mapping::new(
        "microsoft.search/searchservices",
        "azurerm_search_service",
        "ai",
    )
    .name(Src::Unique(NameRule::SEARCH))
    .args(&[
        arg(
            "sku",
            Src::R("sku/name"),
            Conv::Enum(&[
                "free",
                "basic",
                "standard",
                "standard2",
                "standard3",
                "storage_optimized_l1",
                "storage_optimized_l2",
            ]),
        )
        .req(),
        n("replica_count", "replicaCount"),
        n("partition_count", "partitionCount"),
        one_of("hosting_mode", "hostingMode", &["Default", "HighDensity"]),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        not("local_authentication_enabled", "disableLocalAuth"),
        arg(
            "allowed_ips",
            Src::All("networkRuleSet/ipRules/*/value"),
            Conv::Str,
        ),
        arg(
            "semantic_search_sku",
            Src::P("semanticSearch"),
            Conv::MapOnly(&[("free", "free"), ("standard", "standard")]),
        )
        .when(When::IsNot(Src::P("semanticSearch"), &["disabled"])),
        one_of(
            "authentication_failure_mode",
            "authOptions/aadOrApiKey/aadAuthFailureMode",
            &["http401WithBearerChallenge", "http403"],
        ),
    ])
    .identity(),
    Mapping::new(
        "microsoft.datafactory/factories",
        "azurerm_data_factory",
        "analytics",
    )
    .name(Src::Unique(NameRule::DATA_FACTORY))
    .args(&[flag("public_network_enabled", "publicNetworkAccess")])
    .nests(&[block(
        "github_configuration",
        "repoConfiguration",
        &[
            s("account_name", "accountName").key(),
            s("repository_name", "repositoryName").key(),
            s("branch_name", "collaborationBranch").key(),
            s("root_folder", "rootFolder").key(),
            s("git_url", "hostName"),
        ],
    )
    .when(When::Is(
        Src::P("repoConfiguration/type"),
        &["FactoryGitHubConfiguration"],
    ))])
    .identity()
    .notes(&[note(
        When::Always,
        "pipelines, datasets and linked services are not copied (they are not ARM resources Resource Graph lists); publish them from the factory's repository",
    )]),
    Mapping::new(
        "microsoft.databricks/workspaces",
        "azurerm_databricks_workspace",
        "analytics",
    )
    .args(&[
        arg(
            "sku",
            Src::R("sku/name"),
            Conv::Enum(&["standard", "premium", "trial"]),
        )
        .req(),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        one_of(
            "network_security_group_rules_required",
            "requiredNsgRules",
            &["AllRules", "NoAzureDatabricksRules", "NoAzureServiceRules"],
        ),
    ])
    .nests(&[block(
        "custom_parameters",
        "parameters",
        &[
            reference(
                "virtual_network_id",
                "customVirtualNetworkId/value",
                "id",
                "virtual network",
            )
            .key(),
            s("public_subnet_name", "customPublicSubnetName/value"),
            s("private_subnet_name", "customPrivateSubnetName/value"),
            b("no_public_ip", "enableNoPublicIp/value"),
            compute(
                "public_subnet_network_security_group_association_id",
                public_subnet_nsg,
            ),
            compute(
                "private_subnet_network_security_group_association_id",
                private_subnet_nsg,
            ),
        ],
    )
    .when(When::Has(Src::P("parameters/customVirtualNetworkId/value")))])
    .notes(&[note(
        When::Always,
        "the managed resource group (`databricks-rg-…`) and its resources belong to the workspace; notebooks and clusters are not copied",
    )]),
    Mapping::new(
        "microsoft.synapse/workspaces",
        "azurerm_synapse_workspace",
        "analytics",
    )
    .name(Src::Unique(NameRule::SYNAPSE))
    .args(&[
        compute("storage_data_lake_gen2_filesystem_id", synapse_filesystem).req(),
        s("sql_administrator_login", "sqlAdministratorLogin"),
        arg(
            "sql_administrator_login_password",
            Src::Secret("sql_administrator_login_password"),
            Conv::AsIs,
        )
        .when(When::Has(Src::P("sqlAdministratorLogin"))),
        b("managed_virtual_network_enabled", "managedVirtualNetwork")
            .conv(Conv::Equals("default")),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        b(
            "data_exfiltration_protection_enabled",
            "managedVirtualNetworkSettings/preventDataExfiltration",
        ),
        b("azuread_authentication_only", "azureADOnlyAuthentication"),
    ])
    .hook(identity_or_system, &["identity"], &[]),
    Mapping::new(
        "microsoft.synapse/workspaces/sqlpools",
        "azurerm_synapse_sql_pool",
        "analytics",
    )
    .scope(Scope::In("synapse_workspace_id", "id", "Synapse workspace"))
    .args(&[
        arg(
            "sku_name",
            Src::R("sku/name"),
            Conv::Enum(&[
                "DW100c", "DW200c", "DW300c", "DW400c", "DW500c", "DW1000c", "DW1500c",
                "DW2000c", "DW2500c", "DW3000c", "DW5000c", "DW6000c", "DW7500c",
                "DW10000c", "DW15000c", "DW30000c",
            ]),
        )
        .req(),
        one_of("storage_account_type", "storageAccountType", &["LRS", "GRS"]).req(),
        s("collation", "collation"),
        one_of(
            "create_mode",
            "createMode",
            &["Default", "Recovery", "PointInTimeRestore"],
        ),
    ]),
    Mapping::new(
        "microsoft.synapse/workspaces/bigdatapools",
        "azurerm_synapse_spark_pool",
        "analytics",
    )
    .scope(Scope::In("synapse_workspace_id", "id", "Synapse workspace"))
    .args(&[
        one_of(
            "node_size",
            "nodeSize",
            &["Small", "Medium", "Large", "None", "XLarge", "XXLarge", "XXXLarge"],
        )
        .req(),
        one_of(
            "node_size_family",
            "nodeSizeFamily",
            &[
                "HardwareAcceleratedFPGA",
                "HardwareAcceleratedGPU",
                "MemoryOptimized",
                "None",
            ],
        )
        .req(),
        one_of("spark_version", "sparkVersion", &["3.2", "3.3", "3.4", "3.5"]).req(),
        n("node_count", "nodeCount").when(When::Fn(|at| {
            at.r.prop("autoScale/enabled") != Some(&Json::Bool(true))
        })),
        n("cache_size", "cacheSize"),
        b(
            "session_level_packages_enabled",
            "sessionLevelPackagesEnabled",
        ),
        b(
            "dynamic_executor_allocation_enabled",
            "dynamicExecutorAllocation/enabled",
        ),
    ])
    .nests(&[
        block(
            "auto_scale",
            "autoScale",
            &[
                n("min_node_count", "minNodeCount").key(),
                n("max_node_count", "maxNodeCount").key(),
            ],
        )
        .when(When::True(Src::P("autoScale/enabled"))),
        block(
            "auto_pause",
            "autoPause",
            &[n("delay_in_minutes", "delayInMinutes").key()],
        )
        .when(When::True(Src::P("autoPause/enabled"))),
    ]),
    ip_range_firewall_rule(
        "microsoft.synapse/workspaces/firewallrules",
        "azurerm_synapse_firewall_rule",
        "analytics",
        Scope::In("synapse_workspace_id", "id", "Synapse workspace"),
    ),
    Mapping::new("microsoft.purview/accounts", "azurerm_purview_account", "analytics")
        .args(&[
            flag("public_network_enabled", "publicNetworkAccess"),
            flag("managed_event_hub_enabled", "managedEventHubState"),
        ])
        .hook(identity_or_system, &["identity"], &[]),
];

/// Types that require an `identity` block get the source's, else a
/// system-assigned one.
fn identity_or_system(r: &Resource, cx: &mut EmitCx, body: &mut Body) -> Result<Vec<Block>, Skip> {
    let id = identity_block(r, cx)
        .unwrap_or_else(|| Block::nested("identity", Body::new().attr("type", "SystemAssigned")));
    body.blocks.push(id);
    Ok(Vec::new())
}

/// The NSG association of a Databricks subnet (named in `parameters`), as
/// the reference the subnet's mapping emits.
fn subnet_nsg(at: &At, cx: &mut EmitCx, which: &str) -> Result<Option<Value>, Skip> {
    let (Some(vnet), Some(subnet)) = (
        at.here
            .pointer("/customVirtualNetworkId/value")
            .and_then(Json::as_str),
        at.here
            .pointer(&format!("/{which}/value"))
            .and_then(Json::as_str),
    ) else {
        return Ok(None);
    };
    Ok(cx.secondary_reference(
        &format!("{vnet}/subnets/{subnet}"),
        "azurerm_subnet_network_security_group_association",
        "nsg",
        "id",
    ))
}

fn public_subnet_nsg(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    subnet_nsg(at, cx, "customPublicSubnetName")
}

fn private_subnet_nsg(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    subnet_nsg(at, cx, "customPrivateSubnetName")
}

/// The workspace's default Data Lake filesystem as azurerm names it
/// (`https://<account>.dfs.core.windows.net/<filesystem>`), from the
/// emitted storage account's DFS endpoint.
fn synapse_filesystem(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let url =
        at.r.prop_str("defaultDataLakeStorage/accountUrl")
            .ok_or_else(|| Skip::missing("properties.defaultDataLakeStorage.accountUrl"))?;
    let fs =
        at.r.prop_str("defaultDataLakeStorage/filesystem")
            .ok_or_else(|| Skip::missing("properties.defaultDataLakeStorage.filesystem"))?;
    let account = url
        .trim_start_matches("https://")
        .split('.')
        .next()
        .unwrap_or_default();
    let endpoint = cx
        .storage_account_by_name(account, "primary_dfs_endpoint")
        .ok_or_else(|| Skip::outside("Data Lake storage account", url))?;
    Ok(Some(Value::Interp(vec![endpoint, Value::str(fs)])))
}
