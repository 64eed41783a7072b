//! The schema-guided fallback for ARM types without a table: atg's own
//! map of ARM types to the azurerm type that manages each (`TYPE_MAP`), the
//! ARM types no azurerm resource exists for (`NO_AZURERM`), and a generic
//! emitter that writes a resource of the mapped type from the provider
//! schema: every required argument must be derivable from the resource
//! (its name, group, location, parent, tags, SKU, kind, or the property of
//! the same name in camelCase, ARM IDs becoming references), else the
//! resource is skipped naming the argument. Optional arguments are copied
//! where a property of the same name and type exists.
//!
//! The map is atg's own data, written from the facts of which azurerm type
//! manages which ARM type; a test checks each pair against the aztft
//! reference map (`../shared/reference/aztft-resmap-v4.81.0.json`). Types
//! the tables map are not in it. The provider schema comes from
//! `--provider-schema` (or the iterate run's); without one, these types
//! are reported as not mapped yet.

use super::common::identity_block;
use crate::iac::context::{EmitCx, Skip, SkipReason};
use crate::iac::doc::{Block, Body, Value};
use crate::model::{Resource, ResourceId};
use crate::validate::rules::ResourceRules;
use crate::validate::schema::{AttributeSchema, BlockSchema, CtyType};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::LazyLock;

/// ARM type (lowercase) → the azurerm type that manages it, for types no
/// table maps.
pub static TYPE_MAP: &[(&str, &str)] = &[
    (
        "microsoft.alertsmanagement/prometheusrulegroups",
        "azurerm_monitor_alert_prometheus_rule_group",
    ),
    (
        "microsoft.alertsmanagement/smartdetectoralertrules",
        "azurerm_monitor_smart_detector_alert_rule",
    ),
    (
        "microsoft.apimanagement/service/apis",
        "azurerm_api_management_api",
    ),
    (
        "microsoft.apimanagement/service/apiversionsets",
        "azurerm_api_management_api_version_set",
    ),
    (
        "microsoft.apimanagement/service/authorizationservers",
        "azurerm_api_management_authorization_server",
    ),
    (
        "microsoft.apimanagement/service/backends",
        "azurerm_api_management_backend",
    ),
    (
        "microsoft.apimanagement/service/certificates",
        "azurerm_api_management_certificate",
    ),
    (
        "microsoft.apimanagement/service/gateways",
        "azurerm_api_management_gateway",
    ),
    (
        "microsoft.apimanagement/service/groups",
        "azurerm_api_management_group",
    ),
    (
        "microsoft.apimanagement/service/loggers",
        "azurerm_api_management_logger",
    ),
    (
        "microsoft.apimanagement/service/namedvalues",
        "azurerm_api_management_named_value",
    ),
    (
        "microsoft.apimanagement/service/products",
        "azurerm_api_management_product",
    ),
    (
        "microsoft.apimanagement/service/subscriptions",
        "azurerm_api_management_subscription",
    ),
    (
        "microsoft.app/managedenvironments/certificates",
        "azurerm_container_app_environment_certificate",
    ),
    (
        "microsoft.app/managedenvironments/daprcomponents",
        "azurerm_container_app_environment_dapr_component",
    ),
    (
        "microsoft.app/managedenvironments/storages",
        "azurerm_container_app_environment_storage",
    ),
    (
        "microsoft.appplatform/spring",
        "azurerm_spring_cloud_service",
    ),
    (
        "microsoft.automation/automationaccounts/credentials",
        "azurerm_automation_credential",
    ),
    (
        "microsoft.automation/automationaccounts/hybridrunbookworkergroups",
        "azurerm_automation_hybrid_runbook_worker_group",
    ),
    (
        "microsoft.automation/automationaccounts/jobschedules",
        "azurerm_automation_job_schedule",
    ),
    (
        "microsoft.automation/automationaccounts/modules",
        "azurerm_automation_module",
    ),
    (
        "microsoft.automation/automationaccounts/schedules",
        "azurerm_automation_schedule",
    ),
    (
        "microsoft.automation/automationaccounts/variables",
        "azurerm_automation_variable_string",
    ),
    ("microsoft.batch/batchaccounts", "azurerm_batch_account"),
    ("microsoft.batch/batchaccounts/pools", "azurerm_batch_pool"),
    (
        "microsoft.botservice/botservices",
        "azurerm_bot_service_azure_bot",
    ),
    (
        "microsoft.cache/redis/firewallrules",
        "azurerm_redis_firewall_rule",
    ),
    (
        "microsoft.cache/redis/linkedservers",
        "azurerm_redis_linked_server",
    ),
    (
        "microsoft.cache/redisenterprise",
        "azurerm_redis_enterprise_cluster",
    ),
    (
        "microsoft.cdn/profiles/afdendpoints/routes",
        "azurerm_cdn_frontdoor_route",
    ),
    (
        "microsoft.cdn/profiles/customdomains",
        "azurerm_cdn_frontdoor_custom_domain",
    ),
    (
        "microsoft.cdn/profiles/rulesets",
        "azurerm_cdn_frontdoor_rule_set",
    ),
    (
        "microsoft.cdn/profiles/rulesets/rules",
        "azurerm_cdn_frontdoor_rule",
    ),
    (
        "microsoft.cdn/profiles/secrets",
        "azurerm_cdn_frontdoor_secret",
    ),
    (
        "microsoft.cdn/profiles/securitypolicies",
        "azurerm_cdn_frontdoor_security_policy",
    ),
    (
        "microsoft.chaos/experiments",
        "azurerm_chaos_studio_experiment",
    ),
    (
        "microsoft.compute/capacityreservationgroups/capacityreservations",
        "azurerm_capacity_reservation",
    ),
    (
        "microsoft.compute/diskencryptionsets",
        "azurerm_disk_encryption_set",
    ),
    (
        "microsoft.compute/galleries/images/versions",
        "azurerm_shared_image_version",
    ),
    (
        "microsoft.compute/hostgroups/hosts",
        "azurerm_dedicated_host",
    ),
    (
        "microsoft.compute/restorepointcollections",
        "azurerm_virtual_machine_restore_point_collection",
    ),
    (
        "microsoft.containerregistry/registries/scopemaps",
        "azurerm_container_registry_scope_map",
    ),
    (
        "microsoft.containerregistry/registries/tasks",
        "azurerm_container_registry_task",
    ),
    (
        "microsoft.containerregistry/registries/tokens",
        "azurerm_container_registry_token",
    ),
    (
        "microsoft.containerregistry/registries/webhooks",
        "azurerm_container_registry_webhook",
    ),
    (
        "microsoft.containerservice/fleets",
        "azurerm_kubernetes_fleet_manager",
    ),
    (
        "microsoft.databoxedge/databoxedgedevices",
        "azurerm_databox_edge_device",
    ),
    (
        "microsoft.datafactory/factories/integrationruntimes",
        "azurerm_data_factory_integration_runtime_azure",
    ),
    (
        "microsoft.datafactory/factories/pipelines",
        "azurerm_data_factory_pipeline",
    ),
    (
        "microsoft.datafactory/factories/triggers",
        "azurerm_data_factory_trigger_schedule",
    ),
    ("microsoft.datashare/accounts", "azurerm_data_share_account"),
    (
        "microsoft.dbformysql/flexibleservers/configurations",
        "azurerm_mysql_flexible_server_configuration",
    ),
    (
        "microsoft.dbforpostgresql/flexibleservers/administrators",
        "azurerm_postgresql_flexible_server_active_directory_administrator",
    ),
    (
        "microsoft.desktopvirtualization/applicationgroups",
        "azurerm_virtual_desktop_application_group",
    ),
    (
        "microsoft.desktopvirtualization/hostpools",
        "azurerm_virtual_desktop_host_pool",
    ),
    (
        "microsoft.desktopvirtualization/workspaces",
        "azurerm_virtual_desktop_workspace",
    ),
    ("microsoft.devcenter/devcenters", "azurerm_dev_center"),
    ("microsoft.devcenter/projects", "azurerm_dev_center_project"),
    ("microsoft.devices/iothubs", "azurerm_iothub"),
    (
        "microsoft.devices/provisioningservices",
        "azurerm_iothub_dps",
    ),
    (
        "microsoft.documentdb/databaseaccounts/cassandrakeyspaces",
        "azurerm_cosmosdb_cassandra_keyspace",
    ),
    (
        "microsoft.documentdb/databaseaccounts/gremlindatabases",
        "azurerm_cosmosdb_gremlin_database",
    ),
    (
        "microsoft.documentdb/databaseaccounts/mongodbdatabases/collections",
        "azurerm_cosmosdb_mongo_collection",
    ),
    (
        "microsoft.documentdb/databaseaccounts/sqlroleassignments",
        "azurerm_cosmosdb_sql_role_assignment",
    ),
    (
        "microsoft.documentdb/databaseaccounts/sqlroledefinitions",
        "azurerm_cosmosdb_sql_role_definition",
    ),
    (
        "microsoft.documentdb/databaseaccounts/tables",
        "azurerm_cosmosdb_table",
    ),
    (
        "microsoft.documentdb/mongoclusters",
        "azurerm_mongo_cluster",
    ),
    ("microsoft.elasticsan/elasticsans", "azurerm_elastic_san"),
    (
        "microsoft.eventgrid/namespaces",
        "azurerm_eventgrid_namespace",
    ),
    ("microsoft.eventhub/clusters", "azurerm_eventhub_cluster"),
    (
        "microsoft.eventhub/namespaces/eventhubs/authorizationrules",
        "azurerm_eventhub_authorization_rule",
    ),
    (
        "microsoft.hdinsight/clusters",
        "azurerm_hdinsight_hadoop_cluster",
    ),
    (
        "microsoft.healthcareapis/workspaces",
        "azurerm_healthcare_workspace",
    ),
    (
        "microsoft.insights/components/analyticsitems",
        "azurerm_application_insights_analytics_item",
    ),
    (
        "microsoft.insights/components/proactivedetectionconfigs",
        "azurerm_application_insights_smart_detection_rule",
    ),
    (
        "microsoft.insights/datacollectionruleassociations",
        "azurerm_monitor_data_collection_rule_association",
    ),
    (
        "microsoft.insights/privatelinkscopes/scopedresources",
        "azurerm_monitor_private_link_scoped_service",
    ),
    (
        "microsoft.keyvault/managedhsms",
        "azurerm_key_vault_managed_hardware_security_module",
    ),
    (
        "microsoft.kubernetesconfiguration/extensions",
        "azurerm_kubernetes_cluster_extension",
    ),
    (
        "microsoft.kusto/clusters/databases/dataconnections",
        "azurerm_kusto_eventhub_data_connection",
    ),
    (
        "microsoft.kusto/clusters/principalassignments",
        "azurerm_kusto_cluster_principal_assignment",
    ),
    (
        "microsoft.logic/integrationaccounts/maps",
        "azurerm_logic_app_integration_account_map",
    ),
    (
        "microsoft.logic/integrationaccounts/schemas",
        "azurerm_logic_app_integration_account_schema",
    ),
    (
        "microsoft.machinelearningservices/workspaces/computes",
        "azurerm_machine_learning_compute_cluster",
    ),
    (
        "microsoft.machinelearningservices/workspaces/datastores",
        "azurerm_machine_learning_datastore_blobstorage",
    ),
    (
        "microsoft.maintenance/maintenanceconfigurations",
        "azurerm_maintenance_configuration",
    ),
    (
        "microsoft.management/managementgroups",
        "azurerm_management_group",
    ),
    ("microsoft.netapp/netappaccounts", "azurerm_netapp_account"),
    (
        "microsoft.netapp/netappaccounts/capacitypools",
        "azurerm_netapp_pool",
    ),
    (
        "microsoft.netapp/netappaccounts/capacitypools/volumes",
        "azurerm_netapp_volume",
    ),
    (
        "microsoft.network/customipprefixes",
        "azurerm_custom_ip_prefix",
    ),
    (
        "microsoft.network/dnsforwardingrulesets",
        "azurerm_private_dns_resolver_dns_forwarding_ruleset",
    ),
    (
        "microsoft.network/dnsforwardingrulesets/forwardingrules",
        "azurerm_private_dns_resolver_forwarding_rule",
    ),
    (
        "microsoft.network/dnsforwardingrulesets/virtualnetworklinks",
        "azurerm_private_dns_resolver_virtual_network_link",
    ),
    (
        "microsoft.network/dnsresolvers/outboundendpoints",
        "azurerm_private_dns_resolver_outbound_endpoint",
    ),
    (
        "microsoft.network/expressroutecircuits/authorizations",
        "azurerm_express_route_circuit_authorization",
    ),
    (
        "microsoft.network/expressroutecircuits/peerings",
        "azurerm_express_route_circuit_peering",
    ),
    (
        "microsoft.network/expressrouteports",
        "azurerm_express_route_port",
    ),
    ("microsoft.network/frontdoors", "azurerm_frontdoor"),
    (
        "microsoft.network/loadbalancers/backendaddresspools",
        "azurerm_lb_backend_address_pool",
    ),
    (
        "microsoft.network/loadbalancers/inboundnatrules",
        "azurerm_lb_nat_rule",
    ),
    (
        "microsoft.network/loadbalancers/outboundrules",
        "azurerm_lb_outbound_rule",
    ),
    (
        "microsoft.network/networkmanagers",
        "azurerm_network_manager",
    ),
    (
        "microsoft.network/networkmanagers/networkgroups",
        "azurerm_network_manager_network_group",
    ),
    (
        "microsoft.network/networkprofiles",
        "azurerm_network_profile",
    ),
    (
        "microsoft.network/networksecuritygroups/securityrules",
        "azurerm_network_security_rule",
    ),
    (
        "microsoft.network/networkwatchers/connectionmonitors",
        "azurerm_network_connection_monitor",
    ),
    (
        "microsoft.network/networkwatchers/packetcaptures",
        "azurerm_virtual_machine_packet_capture",
    ),
    (
        "microsoft.network/p2svpngateways",
        "azurerm_point_to_site_vpn_gateway",
    ),
    (
        "microsoft.network/privatelinkservices",
        "azurerm_private_link_service",
    ),
    ("microsoft.network/routetables/routes", "azurerm_route"),
    (
        "microsoft.network/securitypartnerproviders",
        "azurerm_virtual_hub_security_partner_provider",
    ),
    (
        "microsoft.network/serviceendpointpolicies",
        "azurerm_subnet_service_endpoint_storage_policy",
    ),
    (
        "microsoft.network/trafficmanagerprofiles/azureendpoints",
        "azurerm_traffic_manager_azure_endpoint",
    ),
    (
        "microsoft.network/trafficmanagerprofiles/externalendpoints",
        "azurerm_traffic_manager_external_endpoint",
    ),
    (
        "microsoft.network/virtualhubs/bgpconnections",
        "azurerm_virtual_hub_bgp_connection",
    ),
    (
        "microsoft.network/virtualhubs/hubroutetables",
        "azurerm_virtual_hub_route_table",
    ),
    (
        "microsoft.network/virtualhubs/hubvirtualnetworkconnections",
        "azurerm_virtual_hub_connection",
    ),
    (
        "microsoft.network/virtualnetworkgateways/natrules",
        "azurerm_virtual_network_gateway_nat_rule",
    ),
    (
        "microsoft.network/vpngateways/vpnconnections",
        "azurerm_vpn_gateway_connection",
    ),
    (
        "microsoft.network/vpnserverconfigurations",
        "azurerm_vpn_server_configuration",
    ),
    ("microsoft.network/vpnsites", "azurerm_vpn_site"),
    (
        "microsoft.notificationhubs/namespaces/notificationhubs",
        "azurerm_notification_hub",
    ),
    (
        "microsoft.operationalinsights/clusters",
        "azurerm_log_analytics_cluster",
    ),
    (
        "microsoft.operationalinsights/querypacks/queries",
        "azurerm_log_analytics_query_pack_query",
    ),
    (
        "microsoft.operationalinsights/workspaces/datasources",
        "azurerm_log_analytics_datasource_windows_event",
    ),
    (
        "microsoft.operationalinsights/workspaces/linkedservices",
        "azurerm_log_analytics_linked_service",
    ),
    (
        "microsoft.operationalinsights/workspaces/savedsearches",
        "azurerm_log_analytics_saved_search",
    ),
    (
        "microsoft.orbital/spacecrafts",
        "azurerm_orbital_spacecraft",
    ),
    (
        "microsoft.powerbidedicated/capacities",
        "azurerm_powerbi_embedded",
    ),
    (
        "microsoft.recoveryservices/vaults/backuppolicies",
        "azurerm_backup_policy_vm",
    ),
    (
        "microsoft.relay/namespaces/hybridconnections",
        "azurerm_relay_hybrid_connection",
    ),
    (
        "microsoft.search/searchservices/sharedprivatelinkresources",
        "azurerm_search_shared_private_link_service",
    ),
    (
        "microsoft.security/pricings",
        "azurerm_security_center_subscription_pricing",
    ),
    (
        "microsoft.servicebus/namespaces/queues/authorizationrules",
        "azurerm_servicebus_queue_authorization_rule",
    ),
    (
        "microsoft.servicebus/namespaces/topics/authorizationrules",
        "azurerm_servicebus_topic_authorization_rule",
    ),
    (
        "microsoft.servicebus/namespaces/topics/subscriptions/rules",
        "azurerm_servicebus_subscription_rule",
    ),
    (
        "microsoft.servicefabric/clusters",
        "azurerm_service_fabric_cluster",
    ),
    (
        "microsoft.signalrservice/webpubsub/hubs",
        "azurerm_web_pubsub_hub",
    ),
    (
        "microsoft.sql/managedinstances",
        "azurerm_mssql_managed_instance",
    ),
    (
        "microsoft.sql/managedinstances/databases",
        "azurerm_mssql_managed_database",
    ),
    (
        "microsoft.sql/servers/failovergroups",
        "azurerm_mssql_failover_group",
    ),
    ("microsoft.sql/servers/jobagents", "azurerm_mssql_job_agent"),
    (
        "microsoft.sql/servers/securityalertpolicies",
        "azurerm_mssql_server_security_alert_policy",
    ),
    (
        "microsoft.sql/servers/vulnerabilityassessments",
        "azurerm_mssql_server_vulnerability_assessment",
    ),
    (
        "microsoft.sqlvirtualmachine/sqlvirtualmachines",
        "azurerm_mssql_virtual_machine",
    ),
    (
        "microsoft.storage/storageaccounts/encryptionscopes",
        "azurerm_storage_encryption_scope",
    ),
    (
        "microsoft.storage/storageaccounts/localusers",
        "azurerm_storage_account_local_user",
    ),
    (
        "microsoft.storage/storageaccounts/managementpolicies",
        "azurerm_storage_management_policy",
    ),
    (
        "microsoft.storage/storageaccounts/objectreplicationpolicies",
        "azurerm_storage_object_replication",
    ),
    ("microsoft.storagecache/caches", "azurerm_hpc_cache"),
    (
        "microsoft.storagesync/storagesyncservices",
        "azurerm_storage_sync",
    ),
    (
        "microsoft.streamanalytics/clusters",
        "azurerm_stream_analytics_cluster",
    ),
    (
        "microsoft.streamanalytics/streamingjobs",
        "azurerm_stream_analytics_job",
    ),
    (
        "microsoft.synapse/workspaces/integrationruntimes",
        "azurerm_synapse_integration_runtime_azure",
    ),
    (
        "microsoft.videoindexer/accounts",
        "azurerm_video_indexer_account",
    ),
    (
        "microsoft.web/certificates",
        "azurerm_app_service_certificate",
    ),
    ("microsoft.web/connections", "azurerm_api_connection"),
    (
        "microsoft.web/sites/functions",
        "azurerm_function_app_function",
    ),
    (
        "microsoft.web/sites/hostnamebindings",
        "azurerm_app_service_custom_hostname_binding",
    ),
    (
        "microsoft.web/sites/hybridconnectionnamespaces/relays",
        "azurerm_function_app_hybrid_connection",
    ),
    (
        "microsoft.web/staticsites/customdomains",
        "azurerm_static_web_app_custom_domain",
    ),
];

/// ARM types (lowercase) no azurerm resource exists for, and why.
pub static NO_AZURERM: &[(&str, &str)] = &[
    (
        "microsoft.graph/users",
        "users of the Entra ID directory: the azuread provider manages them",
    ),
    (
        "microsoft.graph/groups",
        "groups of the Entra ID directory: the azuread provider manages them",
    ),
    (
        "microsoft.graph/serviceprincipals",
        "service principals of the Entra ID directory: the azuread provider manages them",
    ),
    (
        "microsoft.aad/user",
        "users of the Entra ID directory: the azuread provider manages them",
    ),
    (
        "microsoft.aad/group",
        "groups of the Entra ID directory: the azuread provider manages them",
    ),
    (
        "microsoft.aad/serviceprincipal",
        "service principals of the Entra ID directory: the azuread provider manages them",
    ),
    (
        "microsoft.classiccompute/virtualmachines",
        "a classic (Azure Service Manager) resource: Resource Manager and azurerm have no form of it",
    ),
    (
        "microsoft.classiccompute/domainnames",
        "a classic (Azure Service Manager) resource: Resource Manager and azurerm have no form of it",
    ),
    (
        "microsoft.classicnetwork/virtualnetworks",
        "a classic (Azure Service Manager) resource: Resource Manager and azurerm have no form of it",
    ),
    (
        "microsoft.classicnetwork/reservedips",
        "a classic (Azure Service Manager) resource: Resource Manager and azurerm have no form of it",
    ),
    (
        "microsoft.classicstorage/storageaccounts",
        "a classic (Azure Service Manager) resource: Resource Manager and azurerm have no form of it",
    ),
    (
        "microsoft.compute/virtualmachinescalesets/virtualmachines",
        "an instance of a scale set, created by the scale set",
    ),
    (
        "microsoft.network/privateendpoints/privatednszonegroups",
        "the `private_dns_zone_group` block of `azurerm_private_endpoint`",
    ),
    (
        "microsoft.network/networkintentpolicies",
        "created by Azure for SQL Managed Instance subnets",
    ),
    (
        "microsoft.advisor/recommendations",
        "an Advisor recommendation, not configuration",
    ),
    (
        "microsoft.alertsmanagement/alerts",
        "a fired alert, not configuration",
    ),
    (
        "microsoft.visualstudio/account",
        "an Azure DevOps organization: the azuredevops provider manages it",
    ),
    (
        "microsoft.web/sites/config",
        "the site configuration, the `site_config` block of the app",
    ),
    (
        "microsoft.network/loadbalancers/frontendipconfigurations",
        "the `frontend_ip_configuration` blocks of `azurerm_lb`",
    ),
    (
        "microsoft.storage/storageaccounts/blobservices",
        "the blob service settings, the `blob_properties` block of `azurerm_storage_account`",
    ),
    (
        "microsoft.network/dnszones/soa",
        "the zone's SOA record set, created with the zone: the `soa_record` block of `azurerm_dns_zone`",
    ),
    (
        "microsoft.network/privatednszones/soa",
        "the zone's SOA record set, created with the zone: the `soa_record` block of `azurerm_private_dns_zone`",
    ),
    (
        "microsoft.storage/storageaccounts/fileservices",
        "the file service settings, the `share_properties` block of `azurerm_storage_account`",
    ),
];

/// Child ARM types (lowercase) that have an azurerm type of their own but
/// that their parent's table already writes, and how: the fallback never
/// writes them a second time.
pub static WRITTEN_BY_PARENT: &[(&str, &str)] = &[
    (
        "microsoft.network/networksecuritygroups/securityrules",
        "a `security_rule` block of `azurerm_network_security_group`",
    ),
    (
        "microsoft.network/routetables/routes",
        "a `route` block of `azurerm_route_table`",
    ),
    (
        "microsoft.network/loadbalancers/backendaddresspools",
        "an `azurerm_lb_backend_address_pool` from the load balancer's `backendAddressPools`",
    ),
    (
        "microsoft.network/loadbalancers/inboundnatrules",
        "an `azurerm_lb_nat_rule` from the load balancer's `inboundNatRules`",
    ),
];

/// How a child ARM type (lowercase) is written by its parent's table, if it is.
pub fn written_by_parent(arm_type: &str) -> Option<&'static str> {
    WRITTEN_BY_PARENT
        .iter()
        .find(|(t, _)| *t == arm_type)
        .map(|(_, how)| *how)
}

/// The azurerm type the fallback emits for an ARM type (lowercase), if any.
pub fn fallback_type(arm_type: &str) -> Option<&'static str> {
    static MAP: LazyLock<HashMap<&'static str, &'static str>> =
        LazyLock::new(|| TYPE_MAP.iter().copied().collect());
    MAP.get(arm_type).copied()
}

/// Why no azurerm resource exists for an ARM type (lowercase), if atg knows.
pub fn no_azurerm(arm_type: &str) -> Option<&'static str> {
    NO_AZURERM
        .iter()
        .find(|(t, _)| *t == arm_type)
        .map(|(_, why)| *why)
}

/// The file (stem) generic blocks are written to.
pub const GROUP: &str = "generic";

/// Emits `r` as a resource of `ty` from its schema `block`. Errors: a skip
/// naming the first required argument (or block) that cannot be derived.
/// With the provider's validation data (`rules`), an "exactly one of" or
/// "at least one of" group of top-level arguments that nothing was derived
/// for is met with a sensitive variable for its secret member, else the
/// resource is skipped naming the group.
pub fn emit(
    r: &Resource,
    block: &BlockSchema,
    rules: Option<&ResourceRules>,
    cx: &mut EmitCx,
) -> Result<Vec<Block>, Skip> {
    let mut body = Body::new();
    fill(r, &r.properties, block, cx, &mut body, true)?;
    if let Some(rules) = rules {
        meet_one_of_groups(block, rules, cx, &mut body)?;
    }
    if block.block_types.contains_key("identity")
        && let Some(id) = identity_block(r, cx)
    {
        body.blocks.push(id);
    }
    cx.note(format!(
        "emitted by the generic fallback from the `{}` schema: check its values",
        cx.primary_type()
    ));
    Ok(vec![cx.resource(body)])
}

/// Attributes first (`name`, `resource_group_name`, `location`, then the
/// others by name), then the required nested blocks.
fn fill(
    r: &Resource,
    here: &Json,
    block: &BlockSchema,
    cx: &mut EmitCx,
    body: &mut Body,
    top: bool,
) -> Result<(), Skip> {
    let mut names: Vec<&String> = block.attributes.keys().collect();
    names.sort_by_key(|n| {
        let first = ["name", "resource_group_name", "location"]
            .iter()
            .position(|f| f == n)
            .unwrap_or(3);
        (first, n.as_str())
    });
    for name in names {
        let attr = &block.attributes[name];
        if attr.is_computed_only() || name == "id" {
            continue;
        }
        match derive(r, here, name, attr, cx, top)? {
            Some(v) => body.set(name, v),
            None if attr.required => return Err(missing(name)),
            None => {}
        }
    }
    let mut blocks: Vec<(&String, _)> = block
        .block_types
        .iter()
        .filter(|(_, bt)| bt.min_items > 0)
        .collect();
    blocks.sort_by_key(|(n, _)| n.as_str());
    for (name, bt) in blocks {
        let sub = here
            .get(camel(name))
            .filter(|j| j.is_object())
            .ok_or_else(|| missing(name))?;
        let mut b = Body::new();
        fill(r, sub, &bt.block, cx, &mut b, false)?;
        body.blocks.push(Block::nested(name, b));
    }
    Ok(())
}

/// The provider's `ExactlyOneOf`/`AtLeastOneOf` groups of top-level
/// arguments (azurerm's `value` or `value_from_key_vault` of an API
/// Management named value): when no member is set, a sensitive string
/// member gets a variable (a secret ARM does not return, as a required
/// sensitive argument does), else the resource is skipped, since real
/// `terraform validate` rejects it ("Invalid combination of arguments",
/// "Missing required argument").
fn meet_one_of_groups(
    block: &BlockSchema,
    rules: &ResourceRules,
    cx: &mut EmitCx,
    body: &mut Body,
) -> Result<(), Skip> {
    let mut names: Vec<&String> = rules.absent_in("").iter().collect();
    names.sort();
    for name in names {
        let Some(arg) = rules.arg(name) else { continue };
        let mut group: Vec<&str> = arg
            .exactly_one_of
            .iter()
            .chain(&arg.at_least_one_of)
            .map(String::as_str)
            .chain([name.as_str()])
            .filter(|k| !k.contains('.'))
            .collect();
        group.sort_unstable();
        group.dedup();
        let is_set = |body: &Body, k: &str| {
            body.attributes.iter().any(|(a, _)| a == k) || body.blocks.iter().any(|b| b.ident == k)
        };
        if group.iter().any(|k| is_set(body, k)) {
            continue;
        }
        let secret = group.iter().find(|k| {
            block
                .attributes
                .get(**k)
                .is_some_and(|a| a.sensitive && a.value_type() == CtyType::String)
        });
        match secret {
            Some(k) => body.set(k, cx.secret_variable(k)),
            None => {
                return Err(Skip {
                    reason: SkipReason::MissingRequiredValue,
                    detail: format!(
                        "generic fallback: no value for any of `{}`, one of which the provider requires",
                        group.join("`, `")
                    ),
                });
            }
        }
    }
    Ok(())
}

fn missing(name: &str) -> Skip {
    Skip {
        reason: SkipReason::MissingRequiredValue,
        detail: format!("generic fallback: no value for required argument `{name}`"),
    }
}

/// The value of one argument, derived from the resource; `None` when the
/// resource has nothing for it (never a guess).
fn derive(
    r: &Resource,
    here: &Json,
    name: &str,
    attr: &AttributeSchema,
    cx: &mut EmitCx,
    top: bool,
) -> Result<Option<Value>, Skip> {
    if top {
        match name {
            "name" => return Ok(Some(Value::str(r.name.as_str()))),
            "resource_group_name" => return cx.resource_group_name().map(Some),
            "location" => return cx.location().map(Some),
            "tags" if matches!(attr.value_type(), CtyType::Map(_)) => return Ok(cx.tags()),
            "sku_name" | "sku" if matches!(attr.value_type(), CtyType::String) => {
                return Ok(r.sku.get("name").and_then(Json::as_str).map(Value::str));
            }
            "kind" => return Ok(r.kind.as_deref().map(Value::str)),
            _ => {}
        }
    }
    if attr.sensitive {
        return Ok(attr.required.then(|| cx.secret_variable(name)));
    }
    if let Some(prefix) = name.strip_suffix("_id") {
        if let Some(id) = here
            .get(camel(prefix))
            .and_then(|j| j.get("id").and_then(Json::as_str).or(j.as_str()))
            .or_else(|| {
                here.get(format!("{}Id", camel(prefix)))
                    .and_then(Json::as_str)
            })
        {
            return Ok(reference(cx, name, id));
        }
        if top && let Some(v) = parent(r, cx, prefix, "id") {
            return Ok(Some(v));
        }
    }
    if top
        && let Some(prefix) = name.strip_suffix("_name")
        && here.get(camel(name)).is_none()
        && let Some(v) = parent(r, cx, prefix, "name")
    {
        return Ok(Some(v));
    }
    let key = camel(name);
    let Some(j) = here.get(&key).filter(|j| !j.is_null()) else {
        return Ok(None);
    };
    Ok(match (attr.value_type(), j) {
        (CtyType::String, Json::String(s)) if s.starts_with("/subscriptions/") => {
            reference(cx, name, s)
        }
        (CtyType::String, Json::String(s)) if !s.is_empty() => Some(Value::str(s.as_str())),
        (CtyType::String, Json::Number(n)) => Some(Value::Str(n.to_string())),
        (CtyType::Number, Json::Number(n)) => Some(match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or_default()),
        }),
        (CtyType::Bool, Json::Bool(b)) => Some(Value::Bool(*b)),
        (CtyType::List(e) | CtyType::Set(e), Json::Array(a)) if *e == CtyType::String => {
            let items: Vec<String> = a
                .iter()
                .filter_map(Json::as_str)
                .filter(|s| !s.is_empty() && !s.starts_with("/subscriptions/"))
                .map(str::to_string)
                .collect();
            (!items.is_empty()).then(|| Value::str_list(items))
        }
        (CtyType::Map(e), Json::Object(o)) if *e == CtyType::String && !o.is_empty() => {
            Some(Value::Map(
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), Value::str(v.as_str()?))))
                    .collect(),
            ))
        }
        _ => None,
    })
}

/// A reference to an emitted resource; a resource outside the emitted set
/// leaves the argument out with a note (a source ID is never copied).
fn reference(cx: &mut EmitCx, name: &str, id: &str) -> Option<Value> {
    let v = cx.reference(id, "id");
    if v.is_none() {
        cx.note(format!(
            "`{name}` omitted: `{id}` is not in the emitted set"
        ));
    }
    v
}

/// `ATTR` of the resource's parent when the argument names it: the
/// parent's azurerm type ends with `prefix` (`api_management_id` of an API
/// whose parent is an `azurerm_api_management`).
fn parent(r: &Resource, cx: &mut EmitCx, prefix: &str, attr: &str) -> Option<Value> {
    let parent = ResourceId::parse(&r.id).ok()?.parent()?;
    let address = cx.address_of(parent.as_str())?;
    let ty = address.split('.').next()?;
    ty.ends_with(prefix)
        .then(|| cx.reference(parent.as_str(), attr))
        .flatten()
}

/// `snake_case` → `camelCase` (`virtual_wan` → `virtualWan`).
fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Issue 13: the fallback's map is atg's own; each pair is a fact the
    /// reference map confirms, its azurerm type is in the 4.79 schema, and
    /// no pair repeats a type a table maps.
    #[test]
    fn every_pair_of_the_type_map_is_confirmed_by_the_reference() {
        let reference = super::super::testutil::aztft_reference();
        let schemas = super::super::registry_tests::schemas();
        let mut seen = HashSet::new();
        let mut problems = Vec::new();
        for (arm, azurerm) in TYPE_MAP {
            if !seen.insert(*arm) {
                problems.push(format!("`{arm}` listed twice"));
            }
            if *arm != arm.to_ascii_lowercase() {
                problems.push(format!("`{arm}` is not lowercase"));
            }
            if !reference
                .get(*arm)
                .is_some_and(|t| t.iter().any(|t| t == azurerm))
            {
                problems.push(format!(
                    "`{arm}` → `{azurerm}`: the reference says {:?}",
                    reference.get(*arm)
                ));
            }
            if schemas.resource(azurerm).is_none() {
                problems.push(format!("`{azurerm}` is not in azurerm 4.79"));
            }
            if super::super::for_type(arm).is_some() {
                problems.push(format!("`{arm}` has a table: drop it from the map"));
            }
        }
        for (arm, _) in NO_AZURERM {
            if let Some(t) = reference.get(*arm) {
                problems.push(format!(
                    "`{arm}` is said to have no azurerm resource, but {t:?}"
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert!(TYPE_MAP.len() >= 150, "{} pairs", TYPE_MAP.len());
    }

    /// Children a parent's table writes are in the map (the pair is a
    /// fact), their parent has a table, and the fallback skips them.
    #[test]
    fn children_their_parent_table_writes_are_skipped_not_written_twice() {
        for (arm, _) in WRITTEN_BY_PARENT {
            assert!(fallback_type(arm).is_some(), "`{arm}` not in the map");
            let parent = arm.rsplit_once('/').unwrap().0;
            assert!(
                super::super::for_type(parent).is_some(),
                "`{parent}` has no table"
            );
        }
        let nsg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg";
        let g = crate::iac::generate(
            &crate::model::Snapshot {
                resources: super::super::testutil::resources(&[
                    serde_json::json!({"id": nsg, "name": "nsg", "type": "microsoft.network/networksecuritygroups", "location": "eastus", "resourceGroup": "rg",
                        "properties": {"securityRules": [{"name": "ssh", "properties": {"priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                            "sourcePortRange": "*", "destinationPortRange": "22", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*"}}]}}),
                    serde_json::json!({"id": format!("{nsg}/securityRules/ssh"), "name": "ssh", "type": "microsoft.network/networksecuritygroups/securityrules", "resourceGroup": "rg",
                        "properties": {"priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp"}}),
                ]),
                ..Default::default()
            },
            &crate::iac::GenerateOptions {
                provider_schema: Some(std::sync::Arc::new(
                    super::super::registry_tests::schemas().clone(),
                )),
                ..Default::default()
            },
        );
        assert_eq!(
            super::super::testutil::blocks(&g, "azurerm_network_security_rule").len(),
            0
        );
        assert_eq!(g.report.skipped.len(), 1, "{:?}", g.report.skipped);
        assert!(g.report.skipped[0].detail.contains("`security_rule` block"));
    }

    /// The fallback's output for `fixtures/generic-fallback.json` (types
    /// without a table, beside the tables' types they hang off): what it
    /// writes passes the builtin validator at provider level with the 4.79
    /// schema and holds only values the provider accepts; what it cannot
    /// derive is skipped naming the argument.
    #[test]
    fn fallback_output_passes_the_provider_schema_and_skips_what_it_cannot_derive() {
        let schemas = super::super::fixture_tests::schemas_with_checks();
        let snap = crate::azure::load_file(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/generic-fallback.json"),
        )
        .expect("fixture loads")
        .0;
        let g = crate::iac::generate(
            &snap,
            &crate::iac::GenerateOptions {
                provider_schema: Some(std::sync::Arc::new(schemas.clone())),
                ..Default::default()
            },
        );
        let written: Vec<&str> = g
            .document
            .files
            .get(GROUP)
            .map(|f| f.iter().map(|b| b.labels[0].as_str()).collect())
            .unwrap_or_default();
        for ty in [
            "azurerm_vpn_site",
            "azurerm_api_management_named_value",
            "azurerm_log_analytics_saved_search",
            "azurerm_relay_hybrid_connection",
            "azurerm_eventgrid_namespace",
        ] {
            assert!(
                written.contains(&ty),
                "`{ty}` not written: {written:?}\n{:?}",
                g.report.skipped
            );
        }
        assert_eq!(g.report.generic_resources, written.len());
        let skipped: Vec<(&str, &str)> = g
            .report
            .skipped
            .iter()
            .map(|s| (s.arm_type.as_str(), s.detail.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [(
                "microsoft.network/networkmanagers",
                "generic fallback: no value for required argument `scope`"
            )]
        );
        let saved = super::super::testutil::one(&g, "azurerm_log_analytics_saved_search");
        assert_eq!(
            super::super::testutil::s(saved, "query"),
            "SecurityEvent | where EventID == 4625"
        );
        assert!(
            super::super::testutil::r(saved, "log_analytics_workspace_id")
                .starts_with("azurerm_log_analytics_workspace.")
        );

        // `value` is sensitive and optional, but the provider wants it or
        // `value_from_key_vault` (ExactlyOneOf): a sensitive variable.
        let named = super::super::testutil::one(&g, "azurerm_api_management_named_value");
        assert_eq!(
            super::super::testutil::r(named, "value"),
            "var.apim_gen_fx_backend_url_value"
        );

        super::super::fixture_tests::assert_passes_builtin(&g, crate::iac::Syntax::Hcl);
        let refused = super::super::fixture_tests::refused_values(&g);
        assert!(refused.is_empty(), "{}", refused.join("\n"));
    }

    #[test]
    fn snake_case_arguments_find_camel_case_properties() {
        assert_eq!(camel("virtual_wan"), "virtualWan");
        assert_eq!(camel("name"), "name");
        assert_eq!(camel("address_prefix"), "addressPrefix");
    }
}
