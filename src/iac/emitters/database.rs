//! Emitters for SQL servers and databases, Cosmos DB accounts and SQL
//! databases, PostgreSQL flexible servers and Azure Cache for Redis.
//!
//! Administrator passwords become sensitive variables; keys and storage
//! connection strings are never copied. Firewall rules, private endpoint
//! connections and customer-managed keys are left to other emitters.

use super::Emitter;
use super::common::{
    IdentityNotes, enabled_flag, identity_block, json_strs, parent_id, prop_bool, prop_i64, sku_str,
};
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

/// The database and cache emitters.
pub static EMITTERS: &[Emitter] = &[
    Emitter {
        arm_type: "microsoft.sql/servers",
        azurerm_types: &["azurerm_mssql_server"],
        group: "database",
        select: |_| Ok("azurerm_mssql_server"),
        emit: mssql_server,
    },
    Emitter {
        arm_type: "microsoft.sql/servers/databases",
        azurerm_types: &["azurerm_mssql_database"],
        group: "database",
        select: select_mssql_database,
        emit: mssql_database,
    },
    Emitter {
        arm_type: "microsoft.documentdb/databaseaccounts",
        azurerm_types: &["azurerm_cosmosdb_account"],
        group: "database",
        select: |_| Ok("azurerm_cosmosdb_account"),
        emit: cosmosdb_account,
    },
    Emitter {
        arm_type: "microsoft.documentdb/databaseaccounts/sqldatabases",
        azurerm_types: &["azurerm_cosmosdb_sql_database"],
        group: "database",
        select: |_| Ok("azurerm_cosmosdb_sql_database"),
        emit: cosmosdb_sql_database,
    },
    Emitter {
        arm_type: "microsoft.dbforpostgresql/flexibleservers",
        azurerm_types: &["azurerm_postgresql_flexible_server"],
        group: "database",
        select: |_| Ok("azurerm_postgresql_flexible_server"),
        emit: postgresql_flexible_server,
    },
    Emitter {
        arm_type: "microsoft.cache/redis",
        azurerm_types: &["azurerm_redis_cache"],
        group: "database",
        select: |_| Ok("azurerm_redis_cache"),
        emit: redis_cache,
    },
];

fn mssql_server(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let version = r
        .prop_str("version")
        .ok_or_else(|| Skip::missing("properties.version"))?;
    let login = r
        .prop_str("administratorLogin")
        .ok_or_else(|| Skip::missing("properties.administratorLogin"))?;
    let tls = r.prop_str("minimalTlsVersion").map(|v| match v {
        "None" => "Disabled",
        other => other,
    });
    let mut body = Body::new()
        .attr("name", cx.unique_name(NameRule::SQL_SERVER))
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
        .attr("version", version)
        .attr("administrator_login", login)
        .attr(
            "administrator_login_password",
            cx.secret_variable("administrator_login_password"),
        )
        .opt_attr("minimum_tls_version", tls)
        .opt_attr(
            "public_network_access_enabled",
            enabled_flag(r, "publicNetworkAccess"),
        )
        .opt_attr(
            "outbound_network_restriction_enabled",
            enabled_flag(r, "restrictOutboundNetworkAccess"),
        )
        .opt_attr("tags", cx.tags());
    if let Some(id) = identity_block(r, cx, IdentityNotes::Short) {
        body = body.block(id);
    }
    if r.prop("privateEndpointConnections")
        .and_then(Json::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        cx.note("private endpoint connections are not copied; their endpoints are emitted (or not) on their own");
    }
    Ok(vec![cx.resource(body)])
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
fn mssql_sku(r: &Resource) -> Option<String> {
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

fn mssql_database(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let server = parent_id(r)?;
    let server_ref = cx.require_reference("SQL server", &server, "id")?;
    let mut body = Body::new()
        .attr("name", r.name.as_str())
        .attr("server_id", server_ref);
    if let Some(pool) = r.prop_str("elasticPoolId") {
        // In a pool the pool decides the SKU.
        body.set(
            "elastic_pool_id",
            cx.require_reference("elastic pool", pool, "id")?,
        );
    } else if let Some(sku) = mssql_sku(r) {
        body.set("sku_name", sku);
    }
    body = body
        .opt_attr("collation", r.prop_str("collation"))
        .opt_attr(
            "max_size_gb",
            prop_i64(r, "maxSizeBytes").map(|b| b / (1024 * 1024 * 1024)),
        )
        .opt_attr("zone_redundant", prop_bool(r, "zoneRedundant"))
        .opt_attr("license_type", r.prop_str("licenseType"))
        .opt_attr("ledger_enabled", prop_bool(r, "isLedgerOn"))
        .opt_attr(
            "storage_account_type",
            r.prop_str("requestedBackupStorageRedundancy"),
        );
    let sku = body
        .get("sku_name")
        .and_then(|v| match v {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_default();
    // Read scale-out exists only in Premium and Business Critical.
    if sku.starts_with("BC_") || sku.starts_with('P') {
        body = body.opt_attr("read_scale", enabled_flag(r, "readScale"));
    }
    if let Some(mc) = r.prop_str("maintenanceConfigurationId") {
        let name = mc.rsplit('/').next().unwrap_or(mc);
        // Named per region: only meaningful when the location is kept.
        let same_region = matches!(
            (cx.location(), r.location.as_deref()),
            (Ok(Value::Str(l)), Some(src)) if l.eq_ignore_ascii_case(src)
        );
        if same_region && !name.eq_ignore_ascii_case("SQL_Default") {
            body.set("maintenance_configuration_name", name);
        } else if !same_region {
            cx.note(format!(
                "maintenance configuration `{name}` belongs to the source region; left to the default"
            ));
        }
    }
    body = body.opt_attr("tags", cx.tags());
    Ok(vec![cx.resource(body)])
}

/// Lowercase location without spaces (`East US` → `eastus`).
fn location_key(l: &str) -> String {
    l.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn cosmosdb_account(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let level = r
        .prop_str("consistencyPolicy/defaultConsistencyLevel")
        .ok_or_else(|| Skip::missing("properties.consistencyPolicy.defaultConsistencyLevel"))?;
    let mut consistency = Body::new().attr("consistency_level", level);
    if level.eq_ignore_ascii_case("BoundedStaleness") {
        consistency = consistency
            .opt_attr(
                "max_interval_in_seconds",
                prop_i64(r, "consistencyPolicy/maxIntervalInSeconds"),
            )
            .opt_attr(
                "max_staleness_prefix",
                prop_i64(r, "consistencyPolicy/maxStalenessPrefix"),
            );
    }
    let location = cx.location()?;
    let mut body = Body::new()
        .attr("name", cx.unique_name(NameRule::COSMOS))
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", location.clone())
        .attr(
            "offer_type",
            r.prop_str("databaseAccountOfferType").unwrap_or("Standard"),
        )
        .opt_attr("kind", r.kind.as_deref())
        .opt_attr(
            "automatic_failover_enabled",
            prop_bool(r, "enableAutomaticFailover"),
        )
        .opt_attr(
            "multiple_write_locations_enabled",
            prop_bool(r, "enableMultipleWriteLocations"),
        )
        .opt_attr("free_tier_enabled", prop_bool(r, "enableFreeTier"))
        .opt_attr(
            "analytical_storage_enabled",
            prop_bool(r, "enableAnalyticalStorage"),
        )
        .opt_attr(
            "burst_capacity_enabled",
            prop_bool(r, "enableBurstCapacity"),
        )
        .opt_attr(
            "partition_merge_enabled",
            prop_bool(r, "enablePartitionMerge"),
        )
        .opt_attr(
            "is_virtual_network_filter_enabled",
            prop_bool(r, "isVirtualNetworkFilterEnabled"),
        )
        .opt_attr(
            "public_network_access_enabled",
            enabled_flag(r, "publicNetworkAccess"),
        )
        .opt_attr(
            "access_key_metadata_writes_enabled",
            prop_bool(r, "disableKeyBasedMetadataWriteAccess").map(|d| !d),
        )
        .opt_attr(
            "local_authentication_enabled",
            prop_bool(r, "disableLocalAuth").map(|d| !d),
        )
        .opt_attr("minimal_tls_version", r.prop_str("minimalTlsVersion"))
        .opt_attr(
            "mongo_server_version",
            r.prop_str("apiProperties/serverVersion"),
        );
    if let Some(b) = r.prop_str("networkAclBypass") {
        body.set(
            "network_acl_bypass_for_azure_services",
            b.eq_ignore_ascii_case("AzureServices"),
        );
    }
    let ip_rules: Vec<String> = r
        .prop("ipRules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("ipAddressOrRange")?.as_str().map(str::to_string))
        .collect();
    if !ip_rules.is_empty() {
        body.set("ip_range_filter", Value::str_list(ip_rules));
    }
    match r.prop_str("defaultIdentity") {
        Some(d) if d.starts_with("UserAssignedIdentity=") => cx.note(
            "default identity `UserAssignedIdentity=…` not copied: it names a source identity ID",
        ),
        Some(d) => body.set("default_identity_type", d),
        None => {}
    }
    body = body.opt_attr("tags", cx.tags());
    body = body.block(Block::nested("consistency_policy", consistency));

    // geo_location: the primary (priority 0) follows the target location.
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
        let name = if priority == 0 {
            location.clone()
        } else {
            match l.get("locationName").and_then(Json::as_str) {
                Some(n) => Value::str(n),
                None => continue,
            }
        };
        let key = match &name {
            Value::Str(s) => location_key(s),
            _ => continue,
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
        body = body.block(Block::nested("geo_location", g));
    }
    if seen.is_empty() {
        body = body.block(Block::nested(
            "geo_location",
            Body::new()
                .attr("location", location)
                .attr("failover_priority", 0),
        ));
        cx.note("no `locations` in source: one geo location at the account location");
    }
    for c in r
        .prop("capabilities")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = c.get("name").and_then(Json::as_str) {
            body = body.block(Block::nested(
                "capabilities",
                Body::new().attr("name", name),
            ));
        }
    }
    if let Some(schema) = r.prop_str("analyticalStorageConfiguration/schemaType") {
        body = body.block(Block::nested(
            "analytical_storage",
            Body::new().attr("schema_type", schema),
        ));
    }
    if let Some(bt) = r.prop_str("backupPolicy/type") {
        let mut b = Body::new().attr("type", bt);
        if bt.eq_ignore_ascii_case("Periodic") {
            b = b
                .opt_attr(
                    "interval_in_minutes",
                    prop_i64(
                        r,
                        "backupPolicy/periodicModeProperties/backupIntervalInMinutes",
                    ),
                )
                .opt_attr(
                    "retention_in_hours",
                    prop_i64(
                        r,
                        "backupPolicy/periodicModeProperties/backupRetentionIntervalInHours",
                    ),
                )
                .opt_attr(
                    "storage_redundancy",
                    r.prop_str("backupPolicy/periodicModeProperties/backupStorageRedundancy"),
                );
        } else {
            b = b.opt_attr(
                "tier",
                r.prop_str("backupPolicy/continuousModeProperties/tier"),
            );
        }
        body = body.block(Block::nested("backup", b));
    }
    for rule in r
        .prop("virtualNetworkRules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let Some(subnet) = rule.get("id").and_then(Json::as_str) else {
            continue;
        };
        match cx.reference(subnet, "id") {
            Some(v) => {
                let mut vr = Body::new().attr("id", v);
                if let Some(i) = rule
                    .get("ignoreMissingVNetServiceEndpoint")
                    .and_then(Json::as_bool)
                {
                    vr.set("ignore_missing_vnet_service_endpoint", i);
                }
                body = body.block(Block::nested("virtual_network_rule", vr));
            }
            None => cx.note(format!(
                "virtual network rule for `{subnet}` omitted: the subnet is not in the emitted set"
            )),
        }
    }
    if let Some(id) = identity_block(r, cx, IdentityNotes::Short) {
        body = body.block(id);
    }
    Ok(vec![cx.resource(body)])
}

fn cosmosdb_sql_database(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let account = parent_id(r)?;
    let account_ref = cx.require_reference("Cosmos DB account", &account, "name")?;
    let name = r
        .prop_str("resource/id")
        .unwrap_or(r.name.as_str())
        .to_string();
    let body = Body::new()
        .attr("name", name)
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("account_name", account_ref);
    Ok(vec![cx.resource(body)])
}

/// azurerm's PostgreSQL flexible server `sku_name`: tier prefix + SKU name
/// (`GeneralPurpose` + `Standard_D4s_v3` → `GP_Standard_D4s_v3`).
fn postgres_sku(r: &Resource) -> Option<String> {
    let name = sku_str(r, "name")?;
    if name.starts_with("B_") || name.starts_with("GP_") || name.starts_with("MO_") {
        return Some(name.to_string());
    }
    let prefix = match sku_str(r, "tier")?.to_ascii_lowercase().as_str() {
        "burstable" => "B",
        "generalpurpose" => "GP",
        "memoryoptimized" => "MO",
        _ => return None,
    };
    Some(format!("{prefix}_{name}"))
}

fn postgresql_flexible_server(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let sku = postgres_sku(r).ok_or_else(|| Skip::missing("sku.name and sku.tier"))?;
    let mut body = Body::new()
        .attr("name", cx.unique_name(NameRule::POSTGRES))
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
        .attr("sku_name", sku)
        .opt_attr("version", r.prop_str("version"))
        .opt_attr(
            "storage_mb",
            prop_i64(r, "storage/storageSizeGB").map(|gb| gb * 1024),
        )
        .opt_attr("storage_tier", r.prop_str("storage/tier"))
        .opt_attr("auto_grow_enabled", enabled_flag(r, "storage/autoGrow"))
        .opt_attr("zone", r.prop_str("availabilityZone"))
        .opt_attr(
            "backup_retention_days",
            prop_i64(r, "backup/backupRetentionDays"),
        )
        .opt_attr(
            "geo_redundant_backup_enabled",
            enabled_flag(r, "backup/geoRedundantBackup"),
        );
    let password_auth = enabled_flag(r, "authConfig/passwordAuth").unwrap_or(true);
    if password_auth {
        let login = r
            .prop_str("administratorLogin")
            .ok_or_else(|| Skip::missing("properties.administratorLogin"))?;
        body.set("administrator_login", login);
        body.set(
            "administrator_password",
            cx.secret_variable("administrator_password"),
        );
    }
    // A delegated subnet needs its private DNS zone: both or neither.
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
        } else {
            cx.note(format!(
                "VNet integration omitted: delegated subnet `{subnet}` or its private DNS zone is not in the emitted set"
            ));
            body = body.opt_attr(
                "public_network_access_enabled",
                enabled_flag(r, "network/publicNetworkAccess"),
            );
        }
    } else {
        body = body.opt_attr(
            "public_network_access_enabled",
            enabled_flag(r, "network/publicNetworkAccess"),
        );
    }
    body = body.opt_attr("tags", cx.tags());
    let ad = enabled_flag(r, "authConfig/activeDirectoryAuth");
    if ad.is_some() || r.prop("authConfig").is_some() {
        let mut a = Body::new()
            .opt_attr("active_directory_auth_enabled", ad)
            .attr("password_auth_enabled", password_auth);
        if ad == Some(true) {
            a.set("tenant_id", cx.client_config("tenant_id"));
        }
        body = body.block(Block::nested("authentication", a));
    }
    if let Some(mode) = r
        .prop_str("highAvailability/mode")
        .filter(|m| !m.eq_ignore_ascii_case("Disabled"))
    {
        body = body.block(Block::nested(
            "high_availability",
            Body::new().attr("mode", mode).opt_attr(
                "standby_availability_zone",
                r.prop_str("highAvailability/standbyAvailabilityZone"),
            ),
        ));
    }
    if enabled_flag(r, "maintenanceWindow/customWindow") == Some(true) {
        body = body.block(Block::nested(
            "maintenance_window",
            Body::new()
                .opt_attr("day_of_week", prop_i64(r, "maintenanceWindow/dayOfWeek"))
                .opt_attr("start_hour", prop_i64(r, "maintenanceWindow/startHour"))
                .opt_attr("start_minute", prop_i64(r, "maintenanceWindow/startMinute")),
        ));
    }
    if let Some(id) = identity_block(r, cx, IdentityNotes::Short) {
        body = body.block(id);
    }
    Ok(vec![cx.resource(body)])
}

fn redis_cache(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    // ARM keeps the SKU under properties; some exports lift it to the top.
    let sku = r
        .prop("sku")
        .filter(|s| s.is_object())
        .or_else(|| r.sku.is_object().then_some(&r.sku))
        .ok_or_else(|| Skip::missing("properties.sku"))?;
    let field = |f: &str| sku.get(f);
    let name = field("name")
        .and_then(Json::as_str)
        .ok_or_else(|| Skip::missing("properties.sku.name"))?;
    let family = field("family")
        .and_then(Json::as_str)
        .ok_or_else(|| Skip::missing("properties.sku.family"))?;
    let capacity = field("capacity")
        .and_then(Json::as_i64)
        .ok_or_else(|| Skip::missing("properties.sku.capacity"))?;
    let premium = name.eq_ignore_ascii_case("Premium");
    let mut body = Body::new()
        .attr("name", cx.unique_name(NameRule::REDIS))
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
        .attr("capacity", capacity)
        .attr("family", family)
        .attr("sku_name", name)
        .opt_attr("non_ssl_port_enabled", prop_bool(r, "enableNonSslPort"))
        .opt_attr("minimum_tls_version", r.prop_str("minimumTlsVersion"))
        .opt_attr(
            "public_network_access_enabled",
            enabled_flag(r, "publicNetworkAccess"),
        )
        .opt_attr(
            "access_keys_authentication_enabled",
            prop_bool(r, "disableAccessKeyAuthentication").map(|d| !d),
        );
    if let Some(version) = r.prop_str("redisVersion") {
        match version.split('.').next().unwrap_or(version) {
            major @ ("4" | "6") => body.set("redis_version", major),
            _ => cx.note(format!(
                "redis version `{version}` is not one azurerm accepts (4 or 6); left to the service default"
            )),
        }
    }
    if premium {
        body = body
            .opt_attr("replicas_per_primary", prop_i64(r, "replicasPerPrimary"))
            .opt_attr("shard_count", prop_i64(r, "shardCount"));
        if let Some(subnet) = r.prop_str("subnetId") {
            match cx.reference(subnet, "id") {
                Some(v) => {
                    body.set("subnet_id", v);
                    body = body.opt_attr("private_static_ip_address", r.prop_str("staticIP"));
                }
                None => cx.note(format!(
                    "subnet `{subnet}` omitted: it is not in the emitted set"
                )),
            }
        }
    }
    let zones = json_strs(&r.zones);
    if !zones.is_empty() {
        body.set("zones", Value::str_list(zones));
    }
    body = body.opt_attr("tags", cx.tags());
    let conf = r.prop("redisConfiguration").and_then(Json::as_object);
    if let Some(conf) = conf {
        let int = |k: &str| {
            conf.get(k).and_then(|v| {
                v.as_str()
                    .and_then(|s| s.parse::<i64>().ok())
                    .or(v.as_i64())
            })
        };
        let rc = Body::new()
            .opt_attr(
                "maxmemory_policy",
                conf.get("maxmemory-policy").and_then(Json::as_str),
            )
            .opt_attr("maxmemory_reserved", int("maxmemory-reserved"))
            .opt_attr("maxmemory_delta", int("maxmemory-delta"))
            .opt_attr(
                "maxfragmentationmemory_reserved",
                int("maxfragmentationmemory-reserved"),
            )
            .opt_attr(
                "notify_keyspace_events",
                conf.get("notify-keyspace-events").and_then(Json::as_str),
            );
        if conf.keys().any(|k| k.contains("connection-string")) {
            cx.note("backup storage connection strings not copied (they hold secrets)");
        }
        if !rc.attributes.is_empty() {
            body = body.block(Block::nested("redis_configuration", rc));
        }
    }
    if let Some(id) = identity_block(r, cx, IdentityNotes::Short) {
        body = body.block(id);
    }
    Ok(vec![cx.resource(body)])
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use crate::iac::naming::NameRule;
    use serde_json::json;

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
