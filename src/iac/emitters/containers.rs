//! Mappings for container registries and AKS managed clusters.
//!
//! Service principal secrets and Windows node passwords are never copied; SSH
//! public keys are. Resources in an AKS node resource group (`MC_*`) belong to
//! the cluster and are left to the platform.

use super::common::{identity_block, json_strs};
use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

const PREMIUM: When = When::Is(Src::R("sku/name"), &["Premium"]);

/// The container mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.containerregistry/registries",
        "azurerm_container_registry",
        "containers",
    )
    .name(Src::Unique(NameRule::CONTAINER_REGISTRY))
    .args(&[
        arg("sku", Src::R("sku/name"), Conv::Enum(&["Basic", "Standard", "Premium"])).req(),
        b("admin_enabled", "adminUserEnabled"),
        flag("public_network_access_enabled", "publicNetworkAccess"),
        one_of(
            "network_rule_bypass_option",
            "networkRuleBypassOptions",
            &["AzureServices", "None"],
        ),
        b("anonymous_pull_enabled", "anonymousPullEnabled")
            .when(When::IsNot(Src::R("sku/name"), &["Basic"])),
        // These features exist only in the Premium tier; azurerm rejects them elsewhere.
        flag("zone_redundancy_enabled", "zoneRedundancy").when(PREMIUM),
        b("data_endpoint_enabled", "dataEndpointEnabled").when(PREMIUM),
        flag("quarantine_policy_enabled", "policies/quarantinePolicy/status").when(PREMIUM),
        flag("trust_policy_enabled", "policies/trustPolicy/status").when(PREMIUM),
        n("retention_policy_in_days", "policies/retentionPolicy/days").when(When::Fn(|at| {
            at.r.sku.get("name").and_then(Json::as_str) == Some("Premium")
                && super::common::enabled_flag(at.r, "policies/retentionPolicy/status")
                    == Some(true)
        })),
        flag("export_policy_enabled", "policies/exportPolicy/status").when(When::Fn(|at| {
            at.r.sku.get("name").and_then(Json::as_str) == Some("Premium")
                && super::common::enabled_flag(at.r, "policies/exportPolicy/status")
                    == Some(false)
        })),
    ])
    .identity()
    .notes(&[note(
        When::True(Src::P("encryption/status")),
        "customer-managed key encryption not copied: it needs a key vault key in the target",
    )]),
    Mapping::new(
        "microsoft.containerservice/managedclusters",
        "azurerm_kubernetes_cluster",
        "containers",
    )
    .args(&[
        s("dns_prefix", "dnsPrefix"),
        s("dns_prefix_private_cluster", "fqdnSubdomain").when(When::Lacks(Src::P("dnsPrefix"))),
        s("kubernetes_version", "kubernetesVersion"),
        arg(
            "sku_tier",
            Src::R("sku/tier"),
            Conv::MapOnly(&[
                ("Free", "Free"),
                ("Paid", "Standard"),
                ("Standard", "Standard"),
                ("Premium", "Premium"),
            ]),
        ),
        b("role_based_access_control_enabled", "enableRBAC"),
        b("local_account_disabled", "disableLocalAccounts"),
        b(
            "private_cluster_enabled",
            "apiServerAccessProfile/enablePrivateCluster",
        ),
        b("oidc_issuer_enabled", "oidcIssuerProfile/enabled"),
        b(
            "workload_identity_enabled",
            "securityProfile/workloadIdentity/enabled",
        ),
        b("azure_policy_enabled", "addonProfiles/azurepolicy/enabled"),
        one_of(
            "automatic_upgrade_channel",
            "autoUpgradeProfile/upgradeChannel",
            &["patch", "rapid", "node-image", "stable"],
        )
        .when(When::IsNot(
            Src::P("autoUpgradeProfile/upgradeChannel"),
            &["none"],
        )),
    ])
    .nests(&[
        block(
            "windows_profile",
            "windowsProfile",
            &[
                s("admin_username", "adminUsername").key(),
                arg(
                    "admin_password",
                    Src::Secret("windows_admin_password"),
                    Conv::AsIs,
                ),
            ],
        ),
        block(
            "api_server_access_profile",
            "apiServerAccessProfile",
            &[strs("authorized_ip_ranges", "authorizedIPRanges")],
        ),
        block(
            "azure_active_directory_role_based_access_control",
            "aadProfile",
            &[
                b("azure_rbac_enabled", "enableAzureRBAC"),
                arg("tenant_id", Src::TenantId, Conv::AsIs),
            ],
        )
        .when(When::True(Src::P("aadProfile/managed"))),
        block(
            "oms_agent",
            "addonProfiles/omsagent",
            &[reference(
                "log_analytics_workspace_id",
                "config/logAnalyticsWorkspaceResourceID",
                "id",
                "Log Analytics workspace",
            )
            .key()],
        )
        .when(When::True(Src::P("addonProfiles/omsagent/enabled"))),
        blocks(
            "key_vault_secrets_provider",
            "addonProfiles/azureKeyvaultSecretsProvider",
            Repeat::Always,
            &[arg(
                "secret_rotation_enabled",
                Src::P("config/enableSecretRotation"),
                Conv::Equals("true"),
            )],
        )
        .when(When::True(Src::P(
            "addonProfiles/azureKeyvaultSecretsProvider/enabled",
        ))),
    ])
    .hook(
        kubernetes_cluster,
        &[
            "default_node_pool",
            "identity",
            "linux_profile",
            "network_profile",
        ],
        &[],
    )
    .notes(&[
        note(
            When::Has(Src::P("nodeResourceGroup")),
            "node resource group name left to Azure's default (`MC_…`); its resources are managed by the cluster",
        ),
        note(
            When::Has(Src::P("aadProfile/adminGroupObjectIDs")),
            "AKS admin group object IDs not copied: they are groups of the source tenant",
        ),
    ]),
];

/// More container mappings: Container Apps environments, apps and jobs,
/// container instances, and AKS node pools beyond the default one.
pub static MORE: &[Mapping] = &[
    Mapping::new(
        "microsoft.app/managedenvironments",
        "azurerm_container_app_environment",
        "containers",
    )
    .args(&[
        compute("log_analytics_workspace_id", environment_workspace),
        arg(
            "logs_destination",
            Src::P("appLogsConfiguration/destination"),
            Conv::MapOnly(&[
                ("log-analytics", "log-analytics"),
                ("azure-monitor", "azure-monitor"),
            ]),
        ),
        reference(
            "infrastructure_subnet_id",
            "vnetConfiguration/infrastructureSubnetId",
            "id",
            "infrastructure subnet",
        )
        .strict(),
        b(
            "internal_load_balancer_enabled",
            "vnetConfiguration/internal",
        )
        .when(When::Has(Src::P(
            "vnetConfiguration/infrastructureSubnetId",
        ))),
        b("zone_redundancy_enabled", "zoneRedundant").when(When::Has(Src::P(
            "vnetConfiguration/infrastructureSubnetId",
        ))),
        b("mutual_tls_enabled", "peerAuthentication/mtls/enabled"),
        one_of(
            "public_network_access",
            "publicNetworkAccess",
            &["Disabled", "Enabled"],
        ),
    ])
    .nests(&[blocks(
        "workload_profile",
        "workloadProfiles",
        Repeat::Each,
        &[
            s("name", "name").req(),
            s("workload_profile_type", "workloadProfileType").req(),
            n("minimum_count", "minimumCount"),
            n("maximum_count", "maximumCount"),
        ],
    )])
    .identity(),
    Mapping::new(
        "microsoft.app/containerapps",
        "azurerm_container_app",
        "containers",
    )
    .scope(Scope::Grouped)
    .args(&[
        arg(
            "container_app_environment_id",
            Src::First(&[
                Src::Ref("managedEnvironmentId", "id", "Container Apps environment"),
                Src::Ref("environmentId", "id", "Container Apps environment"),
            ]),
            Conv::AsIs,
        )
        .req(),
        one_of(
            "revision_mode",
            "configuration/activeRevisionsMode",
            &["Single", "Multiple"],
        )
        .or(Lit::Str("Single")),
        s("workload_profile_name", "workloadProfileName"),
    ])
    .nests(&[
        blocks(
            "template",
            "template",
            Repeat::Required,
            &[
                n("min_replicas", "scale/minReplicas"),
                n("max_replicas", "scale/maxReplicas"),
            ],
        )
        .nests(&[CONTAINERS]),
        block(
            "ingress",
            "configuration/ingress",
            &[
                n("target_port", "targetPort").key(),
                b("external_enabled", "external"),
                arg(
                    "transport",
                    Src::P("transport"),
                    Conv::MapOnly(&[
                        ("Auto", "auto"),
                        ("Http", "http"),
                        ("Http2", "http2"),
                        ("Tcp", "tcp"),
                    ]),
                ),
                b("allow_insecure_connections", "allowInsecure"),
            ],
        )
        .nests(&[blocks(
            "traffic_weight",
            "traffic",
            Repeat::EachRequired,
            &[
                b("latest_revision", "latestRevision"),
                s("revision_suffix", "revisionName"),
                n("percentage", "weight").req(),
            ],
        )]),
        APP_SECRETS,
        blocks(
            "registry",
            "configuration/registries",
            Repeat::Each,
            &[
                s("server", "server").req(),
                reference("identity", "identity", "id", "user-assigned identity"),
                s("username", "username"),
                s("password_secret_name", "passwordSecretRef"),
            ],
        ),
    ])
    .identity()
    .notes(&[IMAGE_NOTE]),
    Mapping::new(
        "microsoft.app/jobs",
        "azurerm_container_app_job",
        "containers",
    )
    .args(&[
        reference(
            "container_app_environment_id",
            "environmentId",
            "id",
            "Container Apps environment",
        )
        .req(),
        n("replica_timeout_in_seconds", "configuration/replicaTimeout").req(),
        n("replica_retry_limit", "configuration/replicaRetryLimit"),
        s("workload_profile_name", "workloadProfileName"),
    ])
    .nests(&[
        blocks("template", "template", Repeat::Required, &[]).nests(&[CONTAINERS]),
        block(
            "manual_trigger_config",
            "configuration/manualTriggerConfig",
            &[
                n("parallelism", "parallelism"),
                n("replica_completion_count", "replicaCompletionCount"),
            ],
        )
        .when(When::Is(Src::P("configuration/triggerType"), &["Manual"])),
        block(
            "schedule_trigger_config",
            "configuration/scheduleTriggerConfig",
            &[
                s("cron_expression", "cronExpression").key(),
                n("parallelism", "parallelism"),
                n("replica_completion_count", "replicaCompletionCount"),
            ],
        )
        .when(When::Is(Src::P("configuration/triggerType"), &["Schedule"])),
        APP_SECRETS,
    ])
    .identity()
    .notes(&[IMAGE_NOTE]),
    Mapping::new(
        "microsoft.containerinstance/containergroups",
        "azurerm_container_group",
        "containers",
    )
    .args(&[
        one_of("os_type", "osType", &["Windows", "Linux"]).req(),
        one_of(
            "ip_address_type",
            "ipAddress/type",
            &["Public", "Private", "None"],
        ),
        arg(
            "dns_name_label",
            Src::Unique(NameRule::CONTAINER_GROUP_DNS),
            Conv::AsIs,
        )
        .when(When::Has(Src::P("ipAddress/dnsNameLabel"))),
        one_of(
            "restart_policy",
            "restartPolicy",
            &["Always", "Never", "OnFailure"],
        ),
        one_of("sku", "sku", &["Confidential", "Dedicated", "Standard"]),
        arg(
            "subnet_ids",
            Src::Refs("subnetIds", "id", "subnet"),
            Conv::AsIs,
        )
        .req(),
        arg("zones", Src::Zones, Conv::AsIs),
    ])
    .nests(&[
        blocks(
            "container",
            "containers",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                s("image", "properties/image").req(),
                f("cpu", "properties/resources/requests/cpu").req(),
                f("memory", "properties/resources/requests/memoryInGB").req(),
                strs("commands", "properties/command"),
                compute("environment_variables", container_env),
            ],
        )
        .nests(&[blocks(
            "ports",
            "properties/ports",
            Repeat::Each,
            &[
                n("port", "port").key(),
                one_of("protocol", "protocol", &["TCP", "UDP"]),
            ],
        )]),
        blocks(
            "exposed_port",
            "ipAddress/ports",
            Repeat::Each,
            &[
                n("port", "port").key(),
                one_of("protocol", "protocol", &["TCP", "UDP"]),
            ],
        ),
        blocks(
            "image_registry_credential",
            "imageRegistryCredentials",
            Repeat::Each,
            &[
                s("server", "server").req(),
                s("username", "username"),
                compute("password", registry_password),
            ],
        ),
    ])
    .identity()
    .notes(&[IMAGE_NOTE]),
    Mapping::new(
        "microsoft.containerservice/managedclusters/agentpools",
        "azurerm_kubernetes_cluster_node_pool",
        "containers",
    )
    .choose(select_node_pool, &[])
    .scope(Scope::In("kubernetes_cluster_id", "id", "AKS cluster"))
    .args(&[
        s("vm_size", "vmSize").req(),
        n("node_count", "count"),
        b("auto_scaling_enabled", "enableAutoScaling"),
        n("min_count", "minCount").when(When::True(Src::P("enableAutoScaling"))),
        n("max_count", "maxCount").when(When::True(Src::P("enableAutoScaling"))),
        n("max_pods", "maxPods"),
        n("os_disk_size_gb", "osDiskSizeGB"),
        one_of("os_type", "osType", &["Linux", "Windows"]),
        one_of("mode", "mode", &["System", "User"]),
        s("orchestrator_version", "orchestratorVersion"),
        arg("node_labels", Src::P("nodeLabels"), Conv::StrMap),
        strs("node_taints", "nodeTaints"),
        strs("zones", "availabilityZones"),
        reference("vnet_subnet_id", "vnetSubnetID", "id", "subnet"),
        one_of("priority", "scaleSetPriority", &["Regular", "Spot"]),
    ]),
];

/// Containers of a Container Apps template.
const CONTAINERS: Nest = blocks(
    "container",
    "containers",
    Repeat::EachRequired,
    &[
        s("name", "name").req(),
        s("image", "image").req(),
        f("cpu", "resources/cpu").req(),
        s("memory", "resources/memory").req(),
        strs("command", "command"),
        strs("args", "args"),
    ],
)
.nests(&[blocks(
    "env",
    "env",
    Repeat::Each,
    &[
        s("name", "name").req(),
        s("value", "value"),
        s("secret_name", "secretRef"),
    ],
)]);

/// Secrets of a Container App or job: names copied, values as variables.
const APP_SECRETS: Nest = blocks(
    "secret",
    "configuration/secrets",
    Repeat::Each,
    &[s("name", "name").req(), compute("value", app_secret_value)],
);

/// Images from the source's registry need the target's.
const IMAGE_NOTE: Note = note(
    When::Fn(|at| {
        super::interpret::collect(at.here, "template/containers/*/image")
            .into_iter()
            .chain(super::interpret::collect(
                at.here,
                "containers/*/properties/image",
            ))
            .filter_map(serde_json::Value::as_str)
            .any(|i| i.contains(".azurecr.io/"))
    }),
    "container images come from the source's registry: push them to the target's (its name differs) and update the image references",
);

/// The Log Analytics workspace of a Container Apps environment: ARM names
/// only its customer ID (workspace GUID); the emitted workspace with that
/// ID is referenced.
fn environment_workspace(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let Some(customer) =
        at.r.prop_str("appLogsConfiguration/logAnalyticsConfiguration/customerId")
    else {
        return Ok(None);
    };
    Ok(match cx.workspace_by_customer_id(customer) {
        Some(v) => Some(v),
        None => {
            cx.note(format!(
                "`log_analytics_workspace_id` omitted: no emitted workspace has customer ID `{customer}`"
            ));
            None
        }
    })
}

/// A secret's value, as a sensitive variable named for the secret.
fn app_secret_value(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let name = at
        .here
        .get("name")
        .and_then(Json::as_str)
        .ok_or_else(|| Skip::missing("configuration.secrets[].name"))?;
    Ok(Some(cx.secret_variable(&format!("secret_{name}"))))
}

/// Plain environment variables of a container group (`secureValue` ones are
/// secrets, left out with a note).
fn container_env(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let mut map = std::collections::BTreeMap::new();
    for e in super::interpret::collect(at.here, "properties/environmentVariables/*") {
        let Some(name) = e.get("name").and_then(Json::as_str) else {
            continue;
        };
        match e.get("value").and_then(Json::as_str) {
            Some(v) => {
                map.insert(name.to_string(), Value::str(v));
            }
            None => cx.note(format!(
                "secure environment variable `{name}` not copied: it is a secret"
            )),
        }
    }
    Ok((!map.is_empty()).then_some(Value::Map(map)))
}

/// A registry credential's password, as a sensitive variable.
fn registry_password(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let server = at
        .here
        .get("server")
        .and_then(Json::as_str)
        .unwrap_or("registry");
    Ok(Some(cx.secret_variable(&format!("password_{server}"))))
}

/// The cluster's default pool is its `default_node_pool`; other system
/// and user pools are node pools.
fn select_node_pool(r: &Resource) -> Result<&'static str, Skip> {
    if r.prop_str("mode")
        .is_some_and(|m| m.eq_ignore_ascii_case("System"))
    {
        return Err(Skip::managed(
            "a system pool: the cluster's `default_node_pool` holds it",
        ));
    }
    Ok("azurerm_kubernetes_cluster_node_pool")
}

/// The pool that becomes `default_node_pool`: the first `System` pool, else the first.
fn system_pool<'r>(r: &'r Resource, cx: &mut EmitCx) -> Result<&'r Json, Skip> {
    let pools = r
        .prop("agentPoolProfiles")
        .and_then(Json::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Skip::missing("properties.agentPoolProfiles"))?;
    let system = pools.iter().find(|p| {
        p.get("mode")
            .and_then(Json::as_str)
            .is_some_and(|m| m.eq_ignore_ascii_case("System"))
    });
    if pools.len() > 1 {
        cx.note(format!(
            "{} more agent pool(s) are not part of `default_node_pool`; they map to `azurerm_kubernetes_cluster_node_pool` (ARM `managedClusters/agentPools`)",
            pools.len() - 1
        ));
    }
    Ok(match system {
        Some(p) => p,
        None => {
            cx.note("no agent pool has `mode = System`; the first pool becomes the default (system) node pool, as Azure does for a cluster's first pool");
            &pools[0]
        }
    })
}

fn node_pool(p: &Json, cx: &mut EmitCx) -> Result<Body, Skip> {
    let s = |k: &str| p.get(k).and_then(Json::as_str).filter(|v| !v.is_empty());
    let i = |k: &str| p.get(k).and_then(Json::as_i64);
    let name = s("name").ok_or_else(|| Skip::missing("agentPoolProfiles[].name"))?;
    let vm_size = s("vmSize").ok_or_else(|| Skip::missing("agentPoolProfiles[].vmSize"))?;
    let autoscale = p.get("enableAutoScaling").and_then(Json::as_bool) == Some(true);
    let mut body = Body::new()
        .attr("name", name)
        .attr("vm_size", vm_size)
        .opt_attr("node_count", i("count"));
    if autoscale {
        body = body
            .attr("auto_scaling_enabled", true)
            .opt_attr("min_count", i("minCount"))
            .opt_attr("max_count", i("maxCount"));
    }
    body = body
        .opt_attr("max_pods", i("maxPods"))
        .opt_attr("os_disk_size_gb", i("osDiskSizeGB"))
        .opt_attr("os_disk_type", s("osDiskType"))
        .opt_attr("os_sku", s("osSKU"))
        .opt_attr("type", s("type"))
        .opt_attr("orchestrator_version", s("orchestratorVersion"))
        .opt_attr(
            "node_public_ip_enabled",
            p.get("enableNodePublicIP").and_then(Json::as_bool),
        )
        .opt_attr(
            "host_encryption_enabled",
            p.get("enableEncryptionAtHost").and_then(Json::as_bool),
        );
    let zones = json_strs(p.get("availabilityZones").unwrap_or(&Json::Null));
    if !zones.is_empty() {
        body.set("zones", Value::str_list(zones));
    }
    if let Some(labels) = p.get("nodeLabels").and_then(Json::as_object)
        && !labels.is_empty()
    {
        body.set(
            "node_labels",
            Value::Map(
                labels
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), Value::str(v.as_str()?))))
                    .collect(),
            ),
        );
    }
    for (key, arg) in [
        ("vnetSubnetID", "vnet_subnet_id"),
        ("podSubnetID", "pod_subnet_id"),
    ] {
        let Some(subnet) = s(key) else { continue };
        match cx.reference(subnet, "id") {
            Some(v) => body.set(arg, v),
            None => cx.note(format!(
                "default node pool `{arg}` omitted: subnet `{subnet}` is not in the emitted set"
            )),
        }
    }
    if let Some(surge) = p
        .pointer("/upgradeSettings/maxSurge")
        .and_then(Json::as_str)
    {
        body = body.block(Block::nested(
            "upgrade_settings",
            Body::new().attr("max_surge", surge),
        ));
    }
    Ok(body)
}

fn network_profile(r: &Resource, cx: &mut EmitCx) -> Option<Block> {
    let np = r.prop("networkProfile")?;
    let s = |k: &str| np.get(k).and_then(Json::as_str).filter(|v| !v.is_empty());
    let plugin = match s("networkPlugin") {
        Some(p) => p,
        None => {
            cx.note("no `networkProfile.networkPlugin`: using `kubenet`, the AKS API default");
            "kubenet"
        }
    };
    let overlay = s("networkPluginMode").is_some_and(|m| m.eq_ignore_ascii_case("overlay"));
    let mut body = Body::new()
        .attr("network_plugin", plugin)
        .opt_attr("network_plugin_mode", s("networkPluginMode"))
        .opt_attr("network_policy", s("networkPolicy"))
        .opt_attr("network_data_plane", s("networkDataplane"))
        .opt_attr("outbound_type", s("outboundType"))
        .opt_attr("load_balancer_sku", s("loadBalancerSku"));
    // A pod CIDR only applies to kubenet and Azure CNI overlay.
    if plugin.eq_ignore_ascii_case("kubenet") || overlay {
        body = body.opt_attr("pod_cidr", s("podCidr"));
    }
    body = body
        .opt_attr("service_cidr", s("serviceCidr"))
        .opt_attr("dns_service_ip", s("dnsServiceIP"));
    let families = json_strs(np.get("ipFamilies").unwrap_or(&Json::Null));
    if !families.is_empty() {
        body.set("ip_versions", Value::str_list(families));
    }
    if let Some(lb) = np.get("loadBalancerProfile") {
        let mut lbb = Body::new();
        let mut ips = Vec::new();
        for ip in lb
            .pointer("/outboundIPs/publicIPs")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = ip.get("id").and_then(Json::as_str) else {
                continue;
            };
            match cx.reference(id, "id") {
                Some(v) => ips.push(v),
                None => cx.note(format!(
                    "outbound public IP `{id}` omitted: it is not in the emitted set"
                )),
            }
        }
        if !ips.is_empty() {
            lbb.set("outbound_ip_address_ids", Value::List(ips));
        } else if let Some(n) = lb
            .pointer("/managedOutboundIPs/count")
            .and_then(Json::as_i64)
        {
            lbb.set("managed_outbound_ip_count", n);
        }
        lbb = lbb
            .opt_attr(
                "idle_timeout_in_minutes",
                lb.get("idleTimeoutInMinutes").and_then(Json::as_i64),
            )
            .opt_attr(
                "outbound_ports_allocated",
                lb.get("allocatedOutboundPorts").and_then(Json::as_i64),
            );
        if !lbb.attributes.is_empty() {
            body = body.block(Block::nested("load_balancer_profile", lbb));
        }
    }
    Some(Block::nested("network_profile", body))
}

/// The irregular parts of a cluster: its default node pool (from the
/// system agent pool), its identity (a service principal becomes a
/// system-assigned identity), the Linux SSH key and the network profile.
fn kubernetes_cluster(r: &Resource, cx: &mut EmitCx, body: &mut Body) -> Result<Vec<Block>, Skip> {
    if r.prop_str("dnsPrefix").is_none() && r.prop_str("fqdnSubdomain").is_none() {
        return Err(Skip::missing("properties.dnsPrefix"));
    }
    let pool = system_pool(r, cx)?;
    let pool_body = node_pool(pool, cx)?;
    body.blocks
        .insert(0, Block::nested("default_node_pool", pool_body));

    // Identity: managed identity from the source, else system-assigned. A
    // service principal's app registration and secret belong to the source
    // tenant, so they are never carried over.
    let sp = r
        .prop_str("servicePrincipalProfile/clientId")
        .filter(|c| !c.eq_ignore_ascii_case("msi"));
    let identity = identity_block(r, cx).unwrap_or_else(|| {
        if sp.is_some() {
            cx.note("source cluster uses a service principal; the target uses a system-assigned managed identity instead (the principal and its secret belong to the source tenant)");
        }
        Block::nested("identity", Body::new().attr("type", "SystemAssigned"))
    });
    body.blocks.insert(1, identity);

    if let Some(user) = r.prop_str("linuxProfile/adminUsername") {
        match r
            .prop("linuxProfile/ssh/publicKeys")
            .and_then(Json::as_array)
            .and_then(|k| k.first())
            .and_then(|k| k.get("keyData")?.as_str())
        {
            Some(key) => {
                let key = cx.ssh_key(key).unwrap_or_else(|| Value::str(key.trim()));
                body.blocks.push(Block::nested(
                    "linux_profile",
                    Body::new()
                        .attr("admin_username", user)
                        .block(Block::nested("ssh_key", Body::new().attr("key_data", key))),
                ))
            }
            None => cx.note("linux profile omitted: no SSH public key in the source"),
        }
    }
    if let Some(np) = network_profile(r, cx) {
        body.blocks.push(np);
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::iac::doc::Value;
    use crate::iac::naming::NameRule;

    const AKS: &str = "/subscriptions/50e77f4c-d4ff-4bff-92f6-8cd59a2c55ab/resourceGroups/rg-app/providers/Microsoft.ContainerService/managedClusters/aks-contoso-dev";

    #[test]
    fn registry_name_fits_rule_and_premium_only_flags_are_left_out() {
        let g = gen_default(&fixture());
        let acr = one(&g, "azurerm_container_registry");
        let Value::Str(name) = attr(acr, "name") else {
            panic!("name")
        };
        let rule = NameRule::CONTAINER_REGISTRY;
        assert!(name.len() >= rule.min && name.len() <= rule.max, "{name}");
        assert!(name.starts_with("acrcontosodev"), "{name}");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
        assert_eq!(attr(acr, "sku"), &Value::str("Standard"));
        assert_eq!(attr(acr, "admin_enabled"), &Value::Bool(false));
        for premium_only in [
            "retention_policy_in_days",
            "zone_redundancy_enabled",
            "trust_policy_enabled",
        ] {
            assert!(acr.body.get(premium_only).is_none(), "{premium_only}");
        }
    }

    #[test]
    fn aks_has_default_pool_identity_and_never_the_principal() {
        let snap = fixture();
        let g = gen_default(&snap);
        let aks = one(&g, "azurerm_kubernetes_cluster");
        assert_eq!(attr(aks, "dns_prefix"), &Value::str("aks-contoso-dev"));
        assert_eq!(attr(aks, "kubernetes_version"), &Value::str("1.9.6"));
        let pool = nested(aks, "default_node_pool");
        assert_eq!(pool.body.get("name"), Some(&Value::str("nodepool1")));
        assert_eq!(
            pool.body.get("vm_size"),
            Some(&Value::str("Standard_DS1_v2"))
        );
        assert_eq!(pool.body.get("node_count"), Some(&Value::Int(3)));
        if let Some(v) = pool.body.get("vnet_subnet_id") {
            assert!(is_ref_to(v, "azurerm_subnet."), "{v:?}");
        }
        let id = nested(aks, "identity");
        assert_eq!(id.body.get("type"), Some(&Value::str("SystemAssigned")));
        assert!(
            aks.body
                .blocks
                .iter()
                .all(|b| b.ident != "service_principal")
        );
        let text = hcl(&g);
        assert!(!text.contains("f7ec10d6-1d1f-4a42-b993-67ae1a77433d"));
        assert!(!text.contains("MC_rg-app"));
        let net = nested(aks, "network_profile");
        assert_eq!(net.body.get("network_plugin"), Some(&Value::str("kubenet")));
        let notes = notes_by_id(&g, AKS);
        assert!(
            notes.iter().any(|n| n.contains("service principal")),
            "{notes:?}"
        );
        // Outbound IPs are references to the emitted public IPs, or noted.
        let lb = net
            .body
            .blocks
            .iter()
            .find(|b| b.ident == "load_balancer_profile");
        match lb.and_then(|b| b.body.get("outbound_ip_address_ids")) {
            Some(Value::List(ids)) => {
                assert!(ids.iter().all(|v| is_ref_to(v, "azurerm_public_ip.")))
            }
            _ => assert!(
                notes
                    .iter()
                    .any(|n| n.contains("pip-aks-contoso-dev-egress-01"))
            ),
        }
    }

    #[test]
    fn aks_without_agent_pools_is_skipped_with_reason() {
        let mut snap = fixture();
        let aks = snap.resources.iter_mut().find(|r| r.id == AKS).unwrap();
        aks.properties["agentPoolProfiles"] = serde_json::json!([]);
        let g = gen_default(&snap);
        let skip = skip_by_id(&g, AKS).unwrap();
        assert_eq!(skip.reason, "missing_required_value");
        assert!(skip.detail.contains("agentPoolProfiles"));
    }
}
