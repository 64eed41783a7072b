//! Mappings for SQL servers and databases, Cosmos DB accounts and SQL
//! databases, PostgreSQL flexible servers and Azure Cache for Redis.
//!
//! Administrator passwords become sensitive variables; keys and storage
//! connection strings are never copied. Private endpoint connections and
//! customer-managed keys are noted, not carried over.

use super::common::{enabled_flag, sku_str};
use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

/// The database and cache mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new("microsoft.sql/servers", "azurerm_mssql_server", "database")
        .name(Src::Unique(NameRule::SQL_SERVER))
        .args(&[
            one_of("version", "version", &["2.0", "12.0"]).req(),
            s("administrator_login", "administratorLogin").req(),
            arg(
                "administrator_login_password",
                Src::Secret("administrator_login_password"),
                Conv::AsIs,
            ),
            arg(
                "minimum_tls_version",
                Src::P("minimalTlsVersion"),
                Conv::MapOnly(&[
                    ("None", "Disabled"),
                    ("1.0", "1.0"),
                    ("1.1", "1.1"),
                    ("1.2", "1.2"),
                ]),
            ),
            flag("public_network_access_enabled", "publicNetworkAccess"),
            flag(
                "outbound_network_restriction_enabled",
                "restrictOutboundNetworkAccess",
            ),
        ])
        .identity()
        .notes(&[note(
            When::Has(Src::P("privateEndpointConnections")),
            "private endpoint connections are not copied; their endpoints are emitted (or not) on their own",
        )]),
    Mapping::new(
        "microsoft.sql/servers/databases",
        "azurerm_mssql_database",
        "database",
    )
    .choose(select_mssql_database, &[])
    .scope(Scope::In("server_id", "id", "SQL server"))
    .args(&[
        // In a pool the pool decides the SKU.
        reference("elastic_pool_id", "elasticPoolId", "id", "elastic pool").strict(),
        compute("sku_name", mssql_sku).when(When::Lacks(Src::P("elasticPoolId"))),
        s("collation", "collation"),
        arg("max_size_gb", Src::P("maxSizeBytes"), Conv::Scale(1, 1 << 30)),
        b("zone_redundant", "zoneRedundant"),
        one_of("license_type", "licenseType", &["BasePrice", "LicenseIncluded"]),
        b("ledger_enabled", "isLedgerOn"),
        one_of(
            "storage_account_type",
            "requestedBackupStorageRedundancy",
            &["Geo", "GeoZone", "Local", "Zone"],
        ),
        // Read scale-out exists only in Premium and Business Critical.
        flag("read_scale", "readScale").when(When::Fn(|at| {
            mssql_sku_of(at.r).is_some_and(|s| s.starts_with("BC_") || s.starts_with('P'))
                && at.r.prop_str("elasticPoolId").is_none()
        })),
        compute("maintenance_configuration_name", maintenance_configuration),
    ]),
    Mapping::new(
        "microsoft.documentdb/databaseaccounts",
        "azurerm_cosmosdb_account",
        "database",
    )
    .name(Src::Unique(NameRule::COSMOS))
    .args(&[
        s("offer_type", "databaseAccountOfferType").always(Lit::Str("Standard")),
        arg(
            "kind",
            Src::Kind,
            Conv::Enum(&["GlobalDocumentDB", "MongoDB", "Parse"]),
        ),
        b("automatic_failover_enabled", "enableAutomaticFailover"),
        b(
            "multiple_write_locations_enabled",
            "enableMultipleWriteLocations",
        ),
        b("free_tier_enabled", "enableFreeTier"),
        b("analytical_storage_enabled", "enableAnalyticalStorage"),
        b("burst_capacity_enabled", "enableBurstCapacity"),
        b("partition_merge_enabled", "enablePartitionMerge"),
        b(
            "is_virtual_network_filter_enabled",
            "isVirtualNetworkFilterEnabled",
        ),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        not(
            "access_key_metadata_writes_enabled",
            "disableKeyBasedMetadataWriteAccess",
        ),
        not("local_authentication_enabled", "disableLocalAuth"),
        one_of("minimal_tls_version", "minimalTlsVersion", &["Tls", "Tls11", "Tls12"]),
        s("mongo_server_version", "apiProperties/serverVersion"),
        arg(
            "network_acl_bypass_for_azure_services",
            Src::P("networkAclBypass"),
            Conv::Equals("AzureServices"),
        ),
        arg("ip_range_filter", Src::All("ipRules/*/ipAddressOrRange"), Conv::Str),
        compute("default_identity_type", cosmos_default_identity),
    ])
    .nests(&[
        block(
            "consistency_policy",
            "consistencyPolicy",
            &[
                one_of(
                    "consistency_level",
                    "defaultConsistencyLevel",
                    &["BoundedStaleness", "ConsistentPrefix", "Eventual", "Session", "Strong"],
                )
                .req(),
                n("max_interval_in_seconds", "maxIntervalInSeconds")
                    .when(When::Is(Src::P("defaultConsistencyLevel"), &["BoundedStaleness"])),
                n("max_staleness_prefix", "maxStalenessPrefix")
                    .when(When::Is(Src::P("defaultConsistencyLevel"), &["BoundedStaleness"])),
            ],
        ),
        blocks("capabilities", "capabilities", Repeat::Each, &[s("name", "name").key()]),
        block(
            "analytical_storage",
            "analyticalStorageConfiguration",
            &[one_of("schema_type", "schemaType", &["WellDefined", "FullFidelity"]).key()],
        ),
        block(
            "backup",
            "backupPolicy",
            &[
                one_of("type", "type", &["Continuous", "Periodic"]).key(),
                n(
                    "interval_in_minutes",
                    "periodicModeProperties/backupIntervalInMinutes",
                )
                .when(When::Is(Src::P("type"), &["Periodic"])),
                n(
                    "retention_in_hours",
                    "periodicModeProperties/backupRetentionIntervalInHours",
                )
                .when(When::Is(Src::P("type"), &["Periodic"])),
                one_of(
                    "storage_redundancy",
                    "periodicModeProperties/backupStorageRedundancy",
                    &["Geo", "Local", "Zone"],
                )
                .when(When::Is(Src::P("type"), &["Periodic"])),
                one_of(
                    "tier",
                    "continuousModeProperties/tier",
                    &["Continuous7Days", "Continuous30Days"],
                )
                .when(When::IsNot(Src::P("type"), &["Periodic"])),
            ],
        ),
        blocks(
            "virtual_network_rule",
            "virtualNetworkRules",
            Repeat::Each,
            &[
                reference("id", "id", "id", "subnet").key(),
                b(
                    "ignore_missing_vnet_service_endpoint",
                    "ignoreMissingVNetServiceEndpoint",
                ),
            ],
        ),
    ])
    .hook(cosmos_geo_locations, &["geo_location"], &[])
    .identity(),
    Mapping::new(
        "microsoft.documentdb/databaseaccounts/sqldatabases",
        "azurerm_cosmosdb_sql_database",
        "database",
    )
    .name(Src::First(&[Src::P("resource/id"), Src::Name]))
    .scope(Scope::GroupedIn("account_name", "name", "Cosmos DB account"))
    .untagged(),
    Mapping::new(
        "microsoft.dbforpostgresql/flexibleservers",
        "azurerm_postgresql_flexible_server",
        "database",
    )
    .name(Src::Unique(NameRule::POSTGRES))
    .args(&[
        compute("sku_name", postgres_sku).req(),
        s("version", "version"),
        arg("storage_mb", Src::P("storage/storageSizeGB"), Conv::Scale(1024, 1)),
        s("storage_tier", "storage/tier"),
        flag("auto_grow_enabled", "storage/autoGrow"),
        s("zone", "availabilityZone"),
        n("backup_retention_days", "backup/backupRetentionDays"),
        flag("geo_redundant_backup_enabled", "backup/geoRedundantBackup"),
        s("administrator_login", "administratorLogin")
            .req()
            .when(When::Fn(password_auth)),
        arg(
            "administrator_password",
            Src::Secret("administrator_password"),
            Conv::AsIs,
        )
        .when(When::Fn(password_auth)),
    ])
    .nests(&[
        block(
            "authentication",
            "authConfig",
            &[
                flag("active_directory_auth_enabled", "activeDirectoryAuth"),
                arg("password_auth_enabled", Src::P("passwordAuth"), Conv::Enabled)
                    .always(Lit::Bool(true)),
                arg("tenant_id", Src::TenantId, Conv::AsIs)
                    .when(When::True(Src::P("activeDirectoryAuth"))),
            ],
        ),
        block(
            "high_availability",
            "highAvailability",
            &[
                one_of("mode", "mode", &["SameZone", "ZoneRedundant"]).key(),
                s("standby_availability_zone", "standbyAvailabilityZone"),
            ],
        )
        .when(When::IsNot(Src::P("highAvailability/mode"), &["Disabled"])),
        block(
            "maintenance_window",
            "maintenanceWindow",
            &[
                n("day_of_week", "dayOfWeek"),
                n("start_hour", "startHour"),
                n("start_minute", "startMinute"),
            ],
        )
        .when(When::True(Src::P("maintenanceWindow/customWindow"))),
    ])
    .hook(
        postgres_network,
        &[
            "delegated_subnet_id",
            "private_dns_zone_id",
            "public_network_access_enabled",
        ],
        &[],
    )
    .identity(),
    Mapping::new("microsoft.cache/redis", "azurerm_redis_cache", "database")
        .name(Src::Unique(NameRule::REDIS))
        .args(&[
            arg("capacity", REDIS_SKU_CAPACITY, Conv::Int).req(),
            arg("family", REDIS_SKU_FAMILY, Conv::Enum(&["C", "P"])).req(),
            arg(
                "sku_name",
                REDIS_SKU_NAME,
                Conv::Enum(&["Basic", "Standard", "Premium"]),
            )
            .req(),
            b("non_ssl_port_enabled", "enableNonSslPort"),
            one_of("minimum_tls_version", "minimumTlsVersion", &["1.0", "1.1", "1.2"]),
            flag("public_network_access_enabled", "publicNetworkAccess"),
            not(
                "access_keys_authentication_enabled",
                "disableAccessKeyAuthentication",
            ),
            compute("redis_version", redis_version),
            n("replicas_per_primary", "replicasPerPrimary").when(REDIS_PREMIUM),
            n("shard_count", "shardCount").when(REDIS_PREMIUM),
            reference("subnet_id", "subnetId", "id", "subnet").when(REDIS_PREMIUM),
            s("private_static_ip_address", "staticIP").when(When::Fn(|at| {
                is_redis_premium(at) && at.r.prop_str("subnetId").is_some()
            })),
            arg("zones", Src::Zones, Conv::AsIs),
        ])
        .nests(&[block(
            "redis_configuration",
            "redisConfiguration",
            &[
                one_of(
                    "maxmemory_policy",
                    "maxmemory-policy",
                    &[
                        "volatile-lru",
                        "allkeys-lru",
                        "volatile-lfu",
                        "allkeys-lfu",
                        "volatile-random",
                        "allkeys-random",
                        "volatile-ttl",
                        "noeviction",
                    ],
                ),
                n("maxmemory_reserved", "maxmemory-reserved"),
                n("maxmemory_delta", "maxmemory-delta"),
                n(
                    "maxfragmentationmemory_reserved",
                    "maxfragmentationmemory-reserved",
                ),
                s("notify_keyspace_events", "notify-keyspace-events"),
            ],
        )])
        .identity()
        .notes(&[note(
            When::Fn(|at| {
                at.r.prop("redisConfiguration")
                    .and_then(Json::as_object)
                    .is_some_and(|c| c.keys().any(|k| k.contains("connection-string")))
            }),
            "backup storage connection strings not copied (they hold secrets)",
        )]),
];

/// More database mappings: PostgreSQL databases, firewall rules and
/// settings; MySQL flexible servers, databases and firewall rules; SQL
/// firewall rules, elastic pools and VNet rules; Cosmos DB MongoDB
/// databases and SQL containers; Azure Data Explorer clusters and databases.
pub static MORE: &[Mapping] = &[
    Mapping::new(
        "microsoft.dbforpostgresql/flexibleservers/databases",
        "azurerm_postgresql_flexible_server_database",
        "database",
    )
    .scope(Scope::In("server_id", "id", "PostgreSQL server"))
    .untagged()
    .args(&[s("charset", "charset"), s("collation", "collation")]),
    ip_range_firewall_rule(
        "microsoft.dbforpostgresql/flexibleservers/firewallrules",
        "azurerm_postgresql_flexible_server_firewall_rule",
        "database",
        Scope::In("server_id", "id", "PostgreSQL server"),
    ),
    Mapping::new(
        "microsoft.dbforpostgresql/flexibleservers/configurations",
        "azurerm_postgresql_flexible_server_configuration",
        "database",
    )
    .choose(select_configuration, &[])
    .scope(Scope::In("server_id", "id", "PostgreSQL server"))
    .untagged()
    .args(&[s("value", "value").req()]),
    Mapping::new(
        "microsoft.dbformysql/flexibleservers",
        "azurerm_mysql_flexible_server",
        "database",
    )
    .name(Src::Unique(NameRule::MYSQL))
    .args(&[
        compute("sku_name", postgres_sku).req(),
        one_of("version", "version", &["5.7", "8.0.21", "8.4"]),
        s("administrator_login", "administratorLogin"),
        arg(
            "administrator_password",
            Src::Secret("administrator_password"),
            Conv::AsIs,
        )
        .when(When::Has(Src::P("administratorLogin"))),
        n("backup_retention_days", "backup/backupRetentionDays"),
        flag("geo_redundant_backup_enabled", "backup/geoRedundantBackup"),
        s("zone", "availabilityZone"),
        reference(
            "delegated_subnet_id",
            "network/delegatedSubnetResourceId",
            "id",
            "delegated subnet",
        )
        .strict(),
        reference(
            "private_dns_zone_id",
            "network/privateDnsZoneResourceId",
            "id",
            "private DNS zone",
        )
        .strict(),
        one_of(
            "public_network_access",
            "network/publicNetworkAccess",
            &["Disabled", "Enabled"],
        ),
    ])
    .nests(&[
        block(
            "storage",
            "storage",
            &[
                n("size_gb", "storageSizeGB"),
                n("iops", "iops"),
                flag("auto_grow_enabled", "autoGrow"),
            ],
        ),
        block(
            "high_availability",
            "highAvailability",
            &[
                one_of("mode", "mode", &["SameZone", "ZoneRedundant"]).key(),
                s("standby_availability_zone", "standbyAvailabilityZone"),
            ],
        )
        .when(When::IsNot(Src::P("highAvailability/mode"), &["Disabled"])),
    ])
    .identity(),
    Mapping::new(
        "microsoft.dbformysql/flexibleservers/databases",
        "azurerm_mysql_flexible_database",
        "database",
    )
    .scope(Scope::GroupedIn("server_name", "name", "MySQL server"))
    .untagged()
    .args(&[
        s("charset", "charset").req(),
        s("collation", "collation").req(),
    ]),
    ip_range_firewall_rule(
        "microsoft.dbformysql/flexibleservers/firewallrules",
        "azurerm_mysql_flexible_server_firewall_rule",
        "database",
        Scope::GroupedIn("server_name", "name", "MySQL server"),
    ),
    ip_range_firewall_rule(
        "microsoft.sql/servers/firewallrules",
        "azurerm_mssql_firewall_rule",
        "database",
        Scope::In("server_id", "id", "SQL server"),
    ),
    Mapping::new(
        "microsoft.sql/servers/elasticpools",
        "azurerm_mssql_elasticpool",
        "database",
    )
    .scope(Scope::LocatedIn("server_name", "name", "SQL server"))
    .args(&[
        arg(
            "max_size_gb",
            Src::P("maxSizeBytes"),
            Conv::Scale(1, 1 << 30),
        ),
        b("zone_redundant", "zoneRedundant"),
        one_of(
            "license_type",
            "licenseType",
            &["BasePrice", "LicenseIncluded"],
        ),
    ])
    .nests(&[
        blocks(
            "sku",
            "/sku",
            Repeat::Required,
            &[
                one_of(
                    "name",
                    "name",
                    &[
                        "BasicPool",
                        "StandardPool",
                        "PremiumPool",
                        "GP_Gen4",
                        "GP_Gen5",
                        "GP_Fsv2",
                        "GP_DC",
                        "BC_Gen4",
                        "BC_Gen5",
                        "BC_DC",
                        "HS_Gen5",
                        "HS_PRMS",
                        "HS_MOPRMS",
                    ],
                )
                .req(),
                one_of(
                    "tier",
                    "tier",
                    &[
                        "Basic",
                        "Standard",
                        "Premium",
                        "GeneralPurpose",
                        "BusinessCritical",
                        "Hyperscale",
                    ],
                )
                .req(),
                one_of(
                    "family",
                    "family",
                    &["Gen4", "Gen5", "Fsv2", "DC", "MOPRMS", "PRMS"],
                ),
                n("capacity", "capacity").req(),
            ],
        ),
        blocks(
            "per_database_settings",
            "perDatabaseSettings",
            Repeat::Required,
            &[
                f("min_capacity", "minCapacity").req(),
                f("max_capacity", "maxCapacity").req(),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.sql/servers/virtualnetworkrules",
        "azurerm_mssql_virtual_network_rule",
        "database",
    )
    .scope(Scope::In("server_id", "id", "SQL server"))
    .untagged()
    .args(&[
        reference("subnet_id", "virtualNetworkSubnetId", "id", "subnet").req(),
        b(
            "ignore_missing_vnet_service_endpoint",
            "ignoreMissingVnetServiceEndpoint",
        ),
    ]),
    Mapping::new(
        "microsoft.documentdb/databaseaccounts/mongodbdatabases",
        "azurerm_cosmosdb_mongo_database",
        "database",
    )
    .name(Src::First(&[Src::P("resource/id"), Src::Name]))
    .scope(Scope::GroupedIn(
        "account_name",
        "name",
        "Cosmos DB account",
    ))
    .untagged()
    .args(&[n("throughput", "options/throughput")])
    .nests(&[block(
        "autoscale_settings",
        "options/autoscaleSettings",
        &[n("max_throughput", "maxThroughput").key()],
    )]),
    Mapping::new(
        "microsoft.documentdb/databaseaccounts/sqldatabases/containers",
        "azurerm_cosmosdb_sql_container",
        "database",
    )
    .name(Src::First(&[Src::P("resource/id"), Src::Name]))
    .scope(Scope::Grouped)
    .untagged()
    .args(&[
        arg(
            "account_name",
            Src::Ancestor(2, "name", "Cosmos DB account"),
            Conv::AsIs,
        ),
        arg(
            "database_name",
            Src::Parent("name", "Cosmos DB SQL database"),
            Conv::AsIs,
        ),
        strs("partition_key_paths", "resource/partitionKey/paths").req(),
        one_of(
            "partition_key_kind",
            "resource/partitionKey/kind",
            &["Hash", "MultiHash"],
        ),
        n("partition_key_version", "resource/partitionKey/version"),
        n("default_ttl", "resource/defaultTtl"),
        n("analytical_storage_ttl", "resource/analyticalStorageTtl"),
        n("throughput", "options/throughput"),
    ])
    .nests(&[
        blocks(
            "unique_key",
            "resource/uniqueKeyPolicy/uniqueKeys",
            Repeat::Each,
            &[strs("paths", "paths").key()],
        ),
        block(
            "indexing_policy",
            "resource/indexingPolicy",
            &[arg(
                "indexing_mode",
                Src::P("indexingMode"),
                Conv::MapOnly(&[("consistent", "consistent"), ("none", "none")]),
            )],
        )
        .nests(&[
            blocks(
                "included_path",
                "includedPaths",
                Repeat::Each,
                &[s("path", "path").key()],
            ),
            blocks(
                "excluded_path",
                "excludedPaths",
                Repeat::Each,
                &[s("path", "path").key()],
            ),
        ]),
    ]),
    Mapping::new(
        "microsoft.kusto/clusters",
        "azurerm_kusto_cluster",
        "database",
    )
    .name(Src::Unique(NameRule::KUSTO))
    .args(&[
        b("streaming_ingestion_enabled", "enableStreamingIngest"),
        b("purge_enabled", "enablePurge"),
        b("disk_encryption_enabled", "enableDiskEncryption"),
        b("double_encryption_enabled", "enableDoubleEncryption"),
        b("auto_stop_enabled", "enableAutoStop"),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        one_of("public_ip_type", "publicIPType", &["DualStack", "IPv4"]),
        arg("zones", Src::Zones, Conv::AsIs),
    ])
    .nests(&[
        blocks(
            "sku",
            "/sku",
            Repeat::Required,
            &[s("name", "name").req(), n("capacity", "capacity")],
        ),
        block(
            "optimized_auto_scale",
            "optimizedAutoscale",
            &[
                n("minimum_instances", "minimum").key(),
                n("maximum_instances", "maximum").key(),
            ],
        )
        .when(When::True(Src::P("optimizedAutoscale/isEnabled"))),
    ])
    .identity(),
    Mapping::new(
        "microsoft.kusto/clusters/databases",
        "azurerm_kusto_database",
        "database",
    )
    .scope(Scope::LocatedIn(
        "cluster_name",
        "name",
        "Data Explorer cluster",
    ))
    .untagged()
    .args(&[
        s("hot_cache_period", "hotCachePeriod"),
        s("soft_delete_period", "softDeletePeriod"),
    ]),
];

/// Only settings changed from the server's defaults are emitted.
fn select_configuration(r: &Resource) -> Result<&'static str, Skip> {
    match r.prop_str("source") {
        Some(s) if s.eq_ignore_ascii_case("user-override") => {
            Ok("azurerm_postgresql_flexible_server_configuration")
        }
        _ => Err(Skip::managed(
            "a server default (only `source: user-override` settings are emitted)",
        )),
    }
}

fn select_mssql_database(r: &Resource) -> Result<&'static str, Skip> {
    if r.name.eq_ignore_ascii_case("master") {
        return Err(Skip::managed(
            "`master` is the SQL server's system database, created by the platform",
        ));
    }
    Ok("azurerm_mssql_database")
}

/// The azurerm `sku_name` of a database: the service objective (`BC_Gen5_2`,
/// `S0`), else the SKU name with its capacity for vCore SKUs.
fn mssql_sku_of(r: &Resource) -> Option<String> {
    if let Some(so) = r
        .prop_str("requestedServiceObjectiveName")
        .or_else(|| r.prop_str("currentServiceObjectiveName"))
    {
        return Some(so.to_string());
    }
    let name = sku_str(r, "name")?;
    let capacity = r.sku.get("capacity").and_then(Json::as_i64);
    Some(match capacity {
        Some(c) if name.contains("_Gen") || name.contains("_S_") => format!("{name}_{c}"),
        _ => name.to_string(),
    })
}

fn mssql_sku(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(mssql_sku_of(at.r).map(Value::Str))
}

/// The maintenance configuration's name: named per region, so only kept
/// when the location is, and left out when it is the default.
fn maintenance_configuration(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let Some(mc) = at.r.prop_str("maintenanceConfigurationId") else {
        return Ok(None);
    };
    let name = mc.rsplit('/').next().unwrap_or(mc);
    let same_region = matches!(
        (cx.location_name(), at.r.location.as_deref()),
        (Some(l), Some(src)) if l.eq_ignore_ascii_case(src)
    );
    if !same_region {
        cx.note(format!(
            "maintenance configuration `{name}` belongs to the source region; left to the default"
        ));
        return Ok(None);
    }
    Ok((!name.eq_ignore_ascii_case("SQL_Default")).then(|| Value::str(name)))
}

/// `defaultIdentity`, unless it names a source identity ID.
fn cosmos_default_identity(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(match at.r.prop_str("defaultIdentity") {
        Some(d) if d.starts_with("UserAssignedIdentity=") => {
            cx.note(
                "default identity `UserAssignedIdentity=…` not copied: it names a source identity ID",
            );
            None
        }
        Some(d) => Some(Value::str(d)),
        None => None,
    })
}

/// Lowercase location without spaces (`East US` → `eastus`).
fn location_key(l: &str) -> String {
    l.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// `geo_location` blocks: the primary (priority 0) follows the target
/// location; a region listed twice is kept once.
fn cosmos_geo_locations(
    r: &Resource,
    cx: &mut EmitCx,
    body: &mut Body,
) -> Result<Vec<Block>, Skip> {
    let location = cx.location()?;
    let primary_key = cx.location_name().map(|l| location_key(&l));
    let mut seen = Vec::new();
    let mut locations: Vec<&Json> = r
        .prop("locations")
        .and_then(Json::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    locations.sort_by_key(|l| l.get("failoverPriority").and_then(Json::as_i64));
    for l in locations {
        let priority = l
            .get("failoverPriority")
            .and_then(Json::as_i64)
            .unwrap_or(0);
        let (name, key) = if priority == 0 {
            (location.clone(), primary_key.clone().unwrap_or_default())
        } else {
            match l.get("locationName").and_then(Json::as_str) {
                Some(n) => (Value::str(n), location_key(n)),
                None => continue,
            }
        };
        if seen.contains(&key) {
            cx.note(format!(
                "geo location `{key}` (priority {priority}) dropped: same region as another location"
            ));
            continue;
        }
        seen.push(key);
        let mut g = Body::new()
            .attr("location", name)
            .attr("failover_priority", priority);
        if let Some(z) = l.get("isZoneRedundant").and_then(Json::as_bool) {
            g.set("zone_redundant", z);
        }
        body.blocks.push(Block::nested("geo_location", g));
    }
    if seen.is_empty() {
        body.blocks.push(Block::nested(
            "geo_location",
            Body::new()
                .attr("location", location)
                .attr("failover_priority", 0),
        ));
        cx.note("no `locations` in source: one geo location at the account location");
    }
    Ok(Vec::new())
}

/// azurerm's PostgreSQL flexible server `sku_name`: tier prefix + SKU name
/// (`GeneralPurpose` + `Standard_D4s_v3` → `GP_Standard_D4s_v3`).
fn postgres_sku(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let r = at.r;
    let Some(name) = sku_str(r, "name") else {
        return Err(Skip::missing("sku.name and sku.tier"));
    };
    if name.starts_with("B_") || name.starts_with("GP_") || name.starts_with("MO_") {
        return Ok(Some(Value::str(name)));
    }
    let prefix = match sku_str(r, "tier").map(str::to_ascii_lowercase).as_deref() {
        Some("burstable") => "B",
        Some("generalpurpose") => "GP",
        Some("memoryoptimized") => "MO",
        _ => return Err(Skip::missing("sku.name and sku.tier")),
    };
    Ok(Some(Value::Str(format!("{prefix}_{name}"))))
}

/// Whether the server uses password authentication (the default).
fn password_auth(at: &At) -> bool {
    enabled_flag(at.r, "authConfig/passwordAuth").unwrap_or(true)
}

/// VNet integration: a delegated subnet needs its private DNS zone, both
/// emitted or neither; without it, the public access flag is copied.
fn postgres_network(r: &Resource, cx: &mut EmitCx, body: &mut Body) -> Result<Vec<Block>, Skip> {
    let public = enabled_flag(r, "network/publicNetworkAccess");
    let subnet = r.prop_str("network/delegatedSubnetResourceId");
    let zone = r.prop_str("network/privateDnsZoneArmResourceId");
    if let Some(subnet) = subnet {
        let s = cx.address_of(subnet).is_some();
        let z = zone.is_some_and(|z| cx.address_of(z).is_some());
        if s && z {
            let sv = cx.reference(subnet, "id").expect("planned");
            let zv = cx.reference(zone.expect("checked"), "id").expect("planned");
            body.set("delegated_subnet_id", sv);
            body.set("private_dns_zone_id", zv);
            body.set("public_network_access_enabled", false);
            return Ok(Vec::new());
        }
        cx.note(format!(
            "VNet integration omitted: delegated subnet `{subnet}` or its private DNS zone is not in the emitted set"
        ));
    }
    if let Some(p) = public {
        body.set("public_network_access_enabled", p);
    }
    Ok(Vec::new())
}

// ARM keeps the Redis SKU under properties; some exports lift it to the top.
const REDIS_SKU_NAME: Src = Src::First(&[Src::P("sku/name"), Src::R("sku/name")]);
const REDIS_SKU_FAMILY: Src = Src::First(&[Src::P("sku/family"), Src::R("sku/family")]);
const REDIS_SKU_CAPACITY: Src = Src::First(&[Src::P("sku/capacity"), Src::R("sku/capacity")]);
const REDIS_PREMIUM: When = When::Fn(is_redis_premium);

fn is_redis_premium(at: &At) -> bool {
    super::interpret::read(&REDIS_SKU_NAME, at)
        .and_then(Json::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("Premium"))
}

/// The major Redis version, as azurerm accepts it (4 or 6).
fn redis_version(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let Some(version) = at.r.prop_str("redisVersion") else {
        return Ok(None);
    };
    Ok(match version.split('.').next().unwrap_or(version) {
        major @ ("4" | "6") => Some(Value::str(major)),
        _ => {
            cx.note(format!(
                "redis version `{version}` is not one azurerm accepts (4 or 6); left to the service default"
            ));
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use crate::iac::naming::NameRule;
    use serde_json::json;

    /// Database sizes in bytes become GiB: whole sizes as integers, Azure's
    /// 100 MB and 500 MB as 0.1 and 0.5 (never 0).
    #[test]
    fn database_sizes_below_a_gib_are_not_zero() {
        let db = |name: &str, bytes: i64| {
            json!({
                "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/sq/databases/{name}"),
                "name": name, "type": "microsoft.sql/servers/databases", "location": "eastus",
                "sku": {"name": "Basic", "tier": "Basic"},
                "properties": {"maxSizeBytes": bytes, "collation": "SQL_Latin1_General_CP1_CI_AS"}
            })
        };
        let g = generate_json(&[
            json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/sq", "name": "sq",
                   "type": "microsoft.sql/servers", "location": "eastus",
                   "properties": {"administratorLogin": "a", "version": "12.0"}}),
            db("small", 104_857_600),
            db("half", 524_288_000),
            db("whole", 2 * (1 << 30)),
        ]);
        let size = |name: &str| {
            blocks(&g, "azurerm_mssql_database")
                .into_iter()
                .find(|b| b.labels[1].ends_with(name))
                .and_then(|b| b.body.get("max_size_gb").cloned())
        };
        assert_eq!(size("small"), Some(Value::Float(0.1)));
        assert_eq!(size("half"), Some(Value::Float(0.5)));
        assert_eq!(size("whole"), Some(Value::Int(2)));
    }

    const SQL: &str = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-data/providers/Microsoft.Sql/servers/sql-contoso-dev";

    fn name_of(b: &crate::iac::doc::Block) -> String {
        match attr(b, "name") {
            Value::Str(s) => s.clone(),
            other => panic!("name is {other:?}"),
        }
    }

    fn fits(name: &str, rule: NameRule, source: &str) {
        assert!(name.len() >= rule.min && name.len() <= rule.max, "{name}");
        assert!(name.starts_with(source), "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{name}"
        );
    }

    #[test]
    fn sql_server_and_database_use_variables_and_references() {
        let g = gen_default(&fixture());
        let server = one(&g, "azurerm_mssql_server");
        fits(&name_of(server), NameRule::SQL_SERVER, "sql-contoso-dev-");
        assert_eq!(attr(server, "version"), &Value::str("12.0"));
        assert_eq!(attr(server, "administrator_login"), &Value::str("sqladmin"));
        assert!(is_ref_to(
            attr(server, "administrator_login_password"),
            "var."
        ));
        let db = one(&g, "azurerm_mssql_database");
        let addr = format!("azurerm_mssql_server.{}", server.labels[1]);
        assert_eq!(attr(db, "server_id"), &Value::reference(&addr, "id"));
        assert_eq!(attr(db, "sku_name"), &Value::str("BC_Gen5_2"));
        assert_eq!(attr(db, "max_size_gb"), &Value::Int(250));
        assert_eq!(attr(db, "zone_redundant"), &Value::Bool(false));
        assert!(
            g.report
                .variables
                .iter()
                .any(|v| v.ends_with("administrator_login_password"))
        );
    }

    #[test]
    fn master_database_is_skipped_as_platform_managed() {
        let mut snap = fixture();
        snap.resources.push(resource(json!({
            "id": format!("{SQL}/databases/master"), "name": "master",
            "type": "Microsoft.Sql/servers/databases", "location": "eastus",
            "sku": {"name": "System", "tier": "System"}, "properties": {}
        })));
        let g = gen_default(&snap);
        let skip = skip_by_id(&g, &format!("{SQL}/databases/master")).unwrap();
        assert_eq!(skip.reason, "managed_by_platform");
        assert_eq!(blocks(&g, "azurerm_mssql_database").len(), 1);
    }

    #[test]
    fn database_of_a_server_outside_the_snapshot_is_skipped() {
        let mut snap = fixture();
        snap.resources
            .retain(|r| r.type_key() != "microsoft.sql/servers");
        let g = gen_default(&snap);
        assert!(blocks(&g, "azurerm_mssql_database").is_empty());
        let skip = skip_by_id(&g, &format!("{SQL}/databases/sqldb-contoso-dev")).unwrap();
        assert_eq!(skip.reason, "reference_outside_set");
    }

    #[test]
    fn cosmos_account_has_geo_location_consistency_and_identity_refs() {
        let g = gen_default(&fixture());
        let c = one(&g, "azurerm_cosmosdb_account");
        fits(&name_of(c), NameRule::COSMOS, "cosmos-contoso-dev-");
        assert_eq!(attr(c, "offer_type"), &Value::str("Standard"));
        assert_eq!(attr(c, "kind"), &Value::str("GlobalDocumentDB"));
        let cp = nested(c, "consistency_policy");
        assert_eq!(
            cp.body.get("consistency_level"),
            Some(&Value::str("Session"))
        );
        let geo = nested(c, "geo_location");
        assert_eq!(geo.body.get("failover_priority"), Some(&Value::Int(0)));
        // The user-assigned identity is a reference when emitted; otherwise
        // only the system-assigned part remains, with a note.
        let id = nested(c, "identity");
        if blocks(&g, "azurerm_user_assigned_identity").is_empty() {
            assert_eq!(id.body.get("type"), Some(&Value::str("SystemAssigned")));
            let cosmos_id = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-contoso-dev";
            assert!(
                notes_by_id(&g, cosmos_id)
                    .iter()
                    .any(|n| n.contains("id-contoso-dev-data"))
            );
        } else {
            assert_eq!(
                id.body.get("type"),
                Some(&Value::str("SystemAssigned, UserAssigned"))
            );
            let Some(Value::List(ids)) = id.body.get("identity_ids") else {
                panic!("identity_ids")
            };
            assert!(is_ref_to(&ids[0], "azurerm_user_assigned_identity."));
        }
        assert!(!hcl(&g).contains("96b90620-b55a-4b3f-b364-b255040dae8d"));
    }

    #[test]
    fn postgres_sku_secret_and_network_references() {
        let g = gen_default(&fixture());
        let p = one(&g, "azurerm_postgresql_flexible_server");
        fits(&name_of(p), NameRule::POSTGRES, "psql-contoso-dev-");
        assert_eq!(attr(p, "sku_name"), &Value::str("GP_Standard_D4s_v3"));
        assert_eq!(attr(p, "storage_mb"), &Value::Int(524288));
        assert_eq!(attr(p, "administrator_login"), &Value::str("cloudsa"));
        assert!(is_ref_to(attr(p, "administrator_password"), "var."));
        assert_eq!(attr(p, "zone"), &Value::str("1"));
        let ha = nested(p, "high_availability");
        assert_eq!(ha.body.get("mode"), Some(&Value::str("ZoneRedundant")));
        // Subnet and private DNS zone are references when both are emitted,
        // otherwise both are omitted with a note.
        match p.body.get("delegated_subnet_id") {
            Some(v) => {
                assert!(is_ref_to(v, "azurerm_subnet."));
                assert!(is_ref_to(
                    attr(p, "private_dns_zone_id"),
                    "azurerm_private_dns_zone."
                ));
            }
            None => assert!(p.body.get("private_dns_zone_id").is_none()),
        }
    }

    #[test]
    fn redis_takes_sku_from_properties_and_drops_unsupported_version() {
        let g = gen_default(&fixture());
        let r = one(&g, "azurerm_redis_cache");
        fits(&name_of(r), NameRule::REDIS, "redis-contoso-dev-");
        assert_eq!(attr(r, "sku_name"), &Value::str("Premium"));
        assert_eq!(attr(r, "family"), &Value::str("P"));
        assert_eq!(attr(r, "capacity"), &Value::Int(3));
        assert_eq!(attr(r, "non_ssl_port_enabled"), &Value::Bool(true));
        assert!(r.body.get("redis_version").is_none());
    }

    #[test]
    fn redis_without_sku_is_skipped_with_reason() {
        let mut snap = fixture();
        let id = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-data/providers/Microsoft.Cache/Redis/nosku";
        snap.resources.push(resource(json!({
            "id": id, "name": "nosku", "type": "Microsoft.Cache/Redis",
            "location": "eastus", "properties": {"enableNonSslPort": false}
        })));
        let g = gen_default(&snap);
        let skip = skip_by_id(&g, id).unwrap();
        assert_eq!(skip.reason, "missing_required_value");
        assert!(skip.detail.contains("properties.sku"), "{}", skip.detail);
    }

    #[test]
    fn cosmos_sql_database_references_its_account() {
        let mut snap = fixture();
        let id = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-contoso-dev/sqlDatabases/orders";
        snap.resources.push(resource(json!({
            "id": id, "name": "orders",
            "type": "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
            "properties": {"resource": {"id": "orders"}}
        })));
        let g = gen_default(&snap);
        let db = one(&g, "azurerm_cosmosdb_sql_database");
        assert!(is_ref_to(
            attr(db, "account_name"),
            "azurerm_cosmosdb_account."
        ));
        assert_eq!(attr(db, "name"), &Value::str("orders"));
    }
}
