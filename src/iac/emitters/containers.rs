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
