//! Emitters for container registries and AKS managed clusters.
//!
//! Service principal secrets and Windows node passwords are never copied; SSH
//! public keys are. Resources in an AKS node resource group (`MC_*`) belong to
//! the cluster and are left to the platform; extra agent pools (ARM type
//! `managedClusters/agentPools`) and registry replications are left to
//! other emitters.

use super::Emitter;
use super::common::{
    IdentityNotes, enabled_flag, identity_block, json_strs, located, prop_bool, prop_i64, sku_str,
    str_list,
};
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::iac::naming::NameRule;
use crate::model::Resource;
use serde_json::Value as Json;

/// The container emitters.
pub static EMITTERS: &[Emitter] = &[
    Emitter {
        arm_type: "microsoft.containerregistry/registries",
        azurerm_types: &["azurerm_container_registry"],
        group: "containers",
        select: |_| Ok("azurerm_container_registry"),
        emit: container_registry,
    },
    Emitter {
        arm_type: "microsoft.containerservice/managedclusters",
        azurerm_types: &["azurerm_kubernetes_cluster"],
        group: "containers",
        select: |_| Ok("azurerm_kubernetes_cluster"),
        emit: kubernetes_cluster,
    },
];

fn container_registry(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let sku = sku_str(r, "name").ok_or_else(|| Skip::missing("sku.name"))?;
    let premium = sku.eq_ignore_ascii_case("Premium");
    let mut body = Body::new()
        .attr("name", cx.unique_name(NameRule::CONTAINER_REGISTRY))
        .attr("resource_group_name", cx.resource_group_name()?)
        .attr("location", cx.location()?)
        .attr("sku", sku)
        .opt_attr("admin_enabled", prop_bool(r, "adminUserEnabled"))
        .opt_attr(
            "public_network_access_enabled",
            enabled_flag(r, "publicNetworkAccess"),
        )
        .opt_attr(
            "network_rule_bypass_option",
            r.prop_str("networkRuleBypassOptions"),
        );
    if !sku.eq_ignore_ascii_case("Basic") {
        body = body.opt_attr(
            "anonymous_pull_enabled",
            prop_bool(r, "anonymousPullEnabled"),
        );
    }
    if premium {
        // These features exist only in the Premium tier; azurerm rejects them elsewhere.
        body = body
            .opt_attr("zone_redundancy_enabled", enabled_flag(r, "zoneRedundancy"))
            .opt_attr("data_endpoint_enabled", prop_bool(r, "dataEndpointEnabled"))
            .opt_attr(
                "quarantine_policy_enabled",
                enabled_flag(r, "policies/quarantinePolicy/status"),
            )
            .opt_attr(
                "trust_policy_enabled",
                enabled_flag(r, "policies/trustPolicy/status"),
            );
        if enabled_flag(r, "policies/retentionPolicy/status") == Some(true) {
            body = body.opt_attr(
                "retention_policy_in_days",
                prop_i64(r, "policies/retentionPolicy/days"),
            );
        }
        if enabled_flag(r, "policies/exportPolicy/status") == Some(false) {
            body.set("export_policy_enabled", false);
        }
    }
    body = body.opt_attr("tags", cx.tags());
    if let Some(id) = identity_block(r, cx, IdentityNotes::Short) {
        body = body.block(id);
    }
    if enabled_flag(r, "encryption/status") == Some(true) {
        cx.note(
            "customer-managed key encryption not copied: it needs a key vault key in the target",
        );
    }
    Ok(vec![cx.resource(body)])
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

fn kubernetes_cluster(r: &Resource, cx: &mut EmitCx) -> Result<Vec<Block>, Skip> {
    let dns_prefix = r.prop_str("dnsPrefix");
    let private_fqdn_prefix = r.prop_str("fqdnSubdomain");
    if dns_prefix.is_none() && private_fqdn_prefix.is_none() {
        return Err(Skip::missing("properties.dnsPrefix"));
    }
    let pool = system_pool(r, cx)?;
    let pool_body = node_pool(pool, cx)?;
    let tier = sku_str(r, "tier").map(|t| match t {
        "Paid" => "Standard",
        other => other,
    });
    let mut body = located(r, cx)?
        .opt_attr("dns_prefix", dns_prefix)
        .opt_attr(
            "dns_prefix_private_cluster",
            dns_prefix
                .is_none()
                .then_some(private_fqdn_prefix)
                .flatten(),
        )
        .opt_attr("kubernetes_version", r.prop_str("kubernetesVersion"))
        .opt_attr("sku_tier", tier)
        .opt_attr(
            "role_based_access_control_enabled",
            prop_bool(r, "enableRBAC"),
        )
        .opt_attr(
            "local_account_disabled",
            prop_bool(r, "disableLocalAccounts"),
        )
        .opt_attr(
            "private_cluster_enabled",
            prop_bool(r, "apiServerAccessProfile/enablePrivateCluster"),
        )
        .opt_attr(
            "oidc_issuer_enabled",
            prop_bool(r, "oidcIssuerProfile/enabled"),
        )
        .opt_attr(
            "workload_identity_enabled",
            prop_bool(r, "securityProfile/workloadIdentity/enabled"),
        )
        .opt_attr(
            "azure_policy_enabled",
            prop_bool(r, "addonProfiles/azurepolicy/enabled"),
        );
    if let Some(channel) = r
        .prop_str("autoUpgradeProfile/upgradeChannel")
        .filter(|c| !c.eq_ignore_ascii_case("none"))
    {
        body.set("automatic_upgrade_channel", channel);
    }
    if r.prop_str("nodeResourceGroup").is_some() {
        cx.note("node resource group name left to Azure's default (`MC_…`); its resources are managed by the cluster");
    }
    body = body.opt_attr("tags", cx.tags());
    body = body.block(Block::nested("default_node_pool", pool_body));

    // Identity: managed identity from the source, else system-assigned. A
    // service principal's app registration and secret belong to the source
    // tenant, so they are never carried over.
    let identity = identity_block(r, cx, IdentityNotes::Short);
    let sp = r
        .prop_str("servicePrincipalProfile/clientId")
        .filter(|c| !c.eq_ignore_ascii_case("msi"));
    let identity = identity.unwrap_or_else(|| {
        if sp.is_some() {
            cx.note("source cluster uses a service principal; the target uses a system-assigned managed identity instead (the principal and its secret belong to the source tenant)");
        }
        Block::nested("identity", Body::new().attr("type", "SystemAssigned"))
    });
    body = body.block(identity);

    if let Some(user) = r.prop_str("linuxProfile/adminUsername") {
        match r
            .prop("linuxProfile/ssh/publicKeys")
            .and_then(Json::as_array)
            .and_then(|k| k.first())
            .and_then(|k| k.get("keyData")?.as_str())
        {
            Some(key) => {
                body = body.block(Block::nested(
                    "linux_profile",
                    Body::new()
                        .attr("admin_username", user)
                        .block(Block::nested("ssh_key", Body::new().attr("key_data", key))),
                ));
            }
            None => cx.note("linux profile omitted: no SSH public key in the source"),
        }
    }
    if let Some(user) = r.prop_str("windowsProfile/adminUsername") {
        body = body.block(Block::nested(
            "windows_profile",
            Body::new().attr("admin_username", user).attr(
                "admin_password",
                cx.secret_variable("windows_admin_password"),
            ),
        ));
    }
    if let Some(np) = network_profile(r, cx) {
        body = body.block(np);
    }
    let ranges = str_list(r, "apiServerAccessProfile/authorizedIPRanges");
    if !ranges.is_empty() {
        body = body.block(Block::nested(
            "api_server_access_profile",
            Body::new().attr("authorized_ip_ranges", Value::str_list(ranges)),
        ));
    }
    if prop_bool(r, "aadProfile/managed") == Some(true) {
        body = body.block(Block::nested(
            "azure_active_directory_role_based_access_control",
            Body::new()
                .opt_attr(
                    "azure_rbac_enabled",
                    prop_bool(r, "aadProfile/enableAzureRBAC"),
                )
                .attr("tenant_id", cx.client_config("tenant_id")),
        ));
        if r.prop("aadProfile/adminGroupObjectIDs")
            .and_then(Json::as_array)
            .is_some_and(|a| !a.is_empty())
        {
            cx.note("AKS admin group object IDs not copied: they are groups of the source tenant");
        }
    }
    if prop_bool(r, "addonProfiles/omsagent/enabled") == Some(true) {
        let ws = r.prop_str("addonProfiles/omsagent/config/logAnalyticsWorkspaceResourceID");
        match ws.and_then(|w| cx.reference(w, "id")) {
            Some(v) => {
                body = body.block(Block::nested(
                    "oms_agent",
                    Body::new().attr("log_analytics_workspace_id", v),
                ))
            }
            None => cx.note(
                "monitoring add-on omitted: its Log Analytics workspace is not in the emitted set",
            ),
        }
    }
    if prop_bool(r, "addonProfiles/azureKeyvaultSecretsProvider/enabled") == Some(true) {
        body = body.block(Block::nested(
            "key_vault_secrets_provider",
            Body::new().opt_attr(
                "secret_rotation_enabled",
                r.prop_str(
                    "addonProfiles/azureKeyvaultSecretsProvider/config/enableSecretRotation",
                )
                .map(|v| v.eq_ignore_ascii_case("true")),
            ),
        ));
    }
    Ok(vec![cx.resource(body)])
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
