//! Seeded synthetic tenants for benchmarks and scale tests.
//!
//! A tenant is a set of "workloads", one resource group each, with a
//! realistic mix: a virtual network with subnets, an NSG and route table,
//! NICs, VMs with OS and data disks, a public IP, storage, key vault, Log
//! Analytics with Application Insights, an App Service plan and web app, a
//! SQL server and database, a user-assigned identity, and an action group.
//! Property shapes follow ARM's GET responses, references are
//! consistent, and the same seed gives the same bytes. The export is
//! streamed to the writer, so memory stays flat at any size.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::io::{self, Write};

/// Resources per workload, subnets included (3 subnets are embedded in the VNet).
pub const RESOURCES_PER_WORKLOAD: usize = 27;

/// Workloads per subscription.
const WORKLOADS_PER_SUBSCRIPTION: usize = 100;

const TENANT: &str = "00000000-0000-4000-8000-00000000a7a7";
const LOCATIONS: &[&str] = &["eastus", "westeurope", "eastus2", "northeurope"];
const VM_SIZES: &[&str] = &[
    "Standard_D2s_v3",
    "Standard_B2ms",
    "Standard_D4s_v5",
    "Standard_E2s_v3",
];

/// Counts of what `write_tenant` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthStats {
    /// Resources, counting subnets (which an import extracts as resources).
    pub resources: usize,
    /// Resource rows in the file (subnets are inside their VNet row).
    pub rows: usize,
    /// Resource groups.
    pub resource_groups: usize,
    /// Subscriptions.
    pub subscriptions: usize,
}

fn sub_id(s: usize) -> String {
    format!("{:08x}-5a5a-4000-8000-{:012x}", s + 1, s + 1)
}

/// Writes an atg export of about `resources` resources (rounded up to whole
/// workloads of `RESOURCES_PER_WORKLOAD`) for `seed`.
///
/// Errors: only those of the writer.
pub fn write_tenant<W: Write + ?Sized>(
    out: &mut W,
    resources: usize,
    seed: u64,
) -> io::Result<SynthStats> {
    let workloads = resources.div_ceil(RESOURCES_PER_WORKLOAD).max(1);
    let subscriptions = workloads.div_ceil(WORKLOADS_PER_SUBSCRIPTION);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    write!(
        out,
        "{{\"tenantId\":\"{TENANT}\",\"displayName\":\"synthetic-{seed}\",\"subscriptions\":"
    )?;
    let subs: Vec<Value> = (0..subscriptions)
        .map(|s| json!({"subscriptionId": sub_id(s), "displayName": format!("synthetic-{s:03}"), "tenantId": TENANT}))
        .collect();
    serde_json::to_writer(&mut *out, &subs)?;
    out.write_all(b",\"resourceGroups\":[")?;
    let mut locations = Vec::with_capacity(workloads);
    for w in 0..workloads {
        let loc = LOCATIONS[rng.random_range(0..LOCATIONS.len())];
        locations.push(loc);
        if w > 0 {
            out.write_all(b",")?;
        }
        let rg = json!({
            "id": format!("/subscriptions/{}/resourceGroups/rg-wl{w:05}", sub_id(w / WORKLOADS_PER_SUBSCRIPTION)),
            "name": format!("rg-wl{w:05}"),
            "location": loc,
            "subscriptionId": sub_id(w / WORKLOADS_PER_SUBSCRIPTION),
            "tags": {"workload": format!("wl{w:05}"), "env": if w % 3 == 0 { "prod" } else { "dev" }},
        });
        serde_json::to_writer(&mut *out, &rg)?;
    }
    out.write_all(b"],\"resources\":[")?;
    let mut stats = SynthStats {
        resources: 0,
        rows: 0,
        resource_groups: workloads,
        subscriptions,
    };
    let mut first = true;
    for (w, loc) in locations.iter().enumerate() {
        for (r, extracted) in workload(&mut rng, w, loc) {
            if !first {
                out.write_all(b",\n")?;
            }
            first = false;
            serde_json::to_writer(&mut *out, &r)?;
            stats.rows += 1;
            stats.resources += 1 + extracted;
        }
    }
    out.write_all(b"]}\n")?;
    Ok(stats)
}

struct Ctx<'a> {
    sub: String,
    rg: String,
    loc: &'a str,
    w: usize,
}

impl Ctx<'_> {
    fn id(&self, provider_type: &str, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{provider_type}/{name}",
            self.sub, self.rg
        )
    }

    fn row(&self, provider_type: &str, name: &str, extra: Value) -> Value {
        let mut r = json!({
            "id": self.id(provider_type, name),
            "name": name,
            "type": provider_type.to_ascii_lowercase(),
            "location": self.loc,
            "resourceGroup": self.rg,
            "subscriptionId": self.sub,
            "tenantId": TENANT,
            "kind": "",
            "sku": null, "identity": null, "zones": null, "managedBy": "", "plan": null,
            "tags": {"workload": format!("wl{:05}", self.w)},
            "properties": {},
        });
        if let (Value::Object(base), Value::Object(extra)) = (&mut r, extra) {
            base.extend(extra);
        }
        r
    }
}

/// One workload's rows with the number of embedded resources each carries.
fn workload(rng: &mut ChaCha8Rng, w: usize, loc: &str) -> Vec<(Value, usize)> {
    let cx = Ctx {
        sub: sub_id(w / WORKLOADS_PER_SUBSCRIPTION),
        rg: format!("rg-wl{w:05}"),
        loc,
        w,
    };
    let n = format!("wl{w:05}");
    let mut rows = Vec::with_capacity(RESOURCES_PER_WORKLOAD);
    let second = (w % 200) as u8;
    let vnet = format!("vnet-{n}");
    let nsg_id = cx.id(
        "Microsoft.Network/networkSecurityGroups",
        &format!("nsg-{n}"),
    );
    let rt_id = cx.id("Microsoft.Network/routeTables", &format!("rt-{n}"));
    let subnet_id = |s: &str| {
        format!(
            "{}/subnets/{s}",
            cx.id("Microsoft.Network/virtualNetworks", &vnet)
        )
    };
    let subnets: Vec<Value> = ["snet-app", "snet-data", "snet-pe"]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut props = json!({"provisioningState": "Succeeded", "addressPrefix": format!("10.{second}.{i}.0/24")});
            if i == 0 {
                props["networkSecurityGroup"] = json!({"id": nsg_id});
                props["routeTable"] = json!({"id": rt_id});
            }
            if i == 2 {
                props["privateEndpointNetworkPolicies"] = json!("Disabled");
            }
            json!({"name": s, "id": subnet_id(s), "type": "Microsoft.Network/virtualNetworks/subnets", "properties": props})
        })
        .collect();
    rows.push((
        cx.row(
            "Microsoft.Network/virtualNetworks",
            &vnet,
            json!({"properties": {"provisioningState": "Succeeded", "addressSpace": {"addressPrefixes": [format!("10.{second}.0.0/16")]}, "subnets": subnets}}),
        ),
        3,
    ));
    let rule = |name: &str, port: u32, prio: u32| {
        json!({"name": name, "id": format!("{nsg_id}/securityRules/{name}"), "properties": {
            "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": port.to_string(),
            "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Allow", "priority": prio, "direction": "Inbound"}})
    };
    rows.push((
        cx.row(
            "Microsoft.Network/networkSecurityGroups",
            &format!("nsg-{n}"),
            json!({"properties": {"securityRules": [rule("allow-https", 443, 100), rule("allow-ssh", 22, 110)]}}),
        ),
        0,
    ));
    rows.push((
        cx.row(
            "Microsoft.Network/routeTables",
            &format!("rt-{n}"),
            json!({"properties": {"disableBgpRoutePropagation": false, "routes": [{"name": "default", "id": format!("{rt_id}/routes/default"),
                "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}}]}}),
        ),
        0,
    ));
    let pip_id = cx.id("Microsoft.Network/publicIPAddresses", &format!("pip-{n}"));
    rows.push((
        cx.row(
            "Microsoft.Network/publicIPAddresses",
            &format!("pip-{n}"),
            json!({"sku": {"name": "Standard", "tier": "Regional"}, "properties": {"publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 4}}),
        ),
        0,
    ));
    let windows = w % 5 == 4;
    for v in 0..3 {
        let vm = format!("vm-{n}-{v}");
        let nic = format!("nic-{vm}");
        let nic_id = cx.id("Microsoft.Network/networkInterfaces", &nic);
        let vm_id = cx.id("Microsoft.Compute/virtualMachines", &vm);
        let mut ipconf = json!({"privateIPAllocationMethod": "Dynamic", "subnet": {"id": subnet_id(if v == 2 { "snet-data" } else { "snet-app" })}, "primary": true});
        if v == 0 {
            ipconf["publicIPAddress"] = json!({"id": pip_id});
        }
        rows.push((
            cx.row(
                "Microsoft.Network/networkInterfaces",
                &nic,
                json!({"properties": {"ipConfigurations": [{"name": "ipconfig1", "id": format!("{nic_id}/ipConfigurations/ipconfig1"), "properties": ipconf}],
                       "enableAcceleratedNetworking": false, "virtualMachine": {"id": vm_id}}}),
            ),
            0,
        ));
        let os_disk = format!("{vm}_OsDisk_1");
        let os_disk_id = cx.id("Microsoft.Compute/disks", &os_disk);
        let size = VM_SIZES[rng.random_range(0..VM_SIZES.len())];
        let win = windows && v == 0;
        let os_profile = if win {
            json!({"computerName": format!("w{w:05}{v}"), "adminUsername": "azureadmin",
                   "windowsConfiguration": {"provisionVMAgent": true, "enableAutomaticUpdates": true}})
        } else {
            json!({"computerName": vm, "adminUsername": "azureuser", "linuxConfiguration": {"disablePasswordAuthentication": true,
                   "ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": ssh_rsa_public_key(w, v)}]}}})
        };
        let image = if win {
            json!({"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-azure-edition", "version": "latest"})
        } else {
            json!({"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"})
        };
        let mut data_disks = Vec::new();
        if v == 0 {
            let dd = format!("{vm}-data-01");
            data_disks.push(json!({"lun": 0, "name": dd, "createOption": "Attach", "caching": "ReadOnly", "diskSizeGB": 128,
                "managedDisk": {"id": cx.id("Microsoft.Compute/disks", &dd), "storageAccountType": "Premium_LRS"}}));
        }
        rows.push((
            cx.row(
                "Microsoft.Compute/virtualMachines",
                &vm,
                json!({"properties": {"hardwareProfile": {"vmSize": size}, "osProfile": os_profile,
                    "storageProfile": {"imageReference": image, "osDisk": {"osType": if win { "Windows" } else { "Linux" }, "name": os_disk, "createOption": "FromImage", "caching": "ReadWrite",
                        "managedDisk": {"id": os_disk_id, "storageAccountType": "Premium_LRS"}, "diskSizeGB": 64}, "dataDisks": data_disks},
                    "networkProfile": {"networkInterfaces": [{"id": nic_id, "properties": {"primary": true}}]}, "provisioningState": "Succeeded"}}),
            ),
            0,
        ));
        rows.push((
            cx.row(
                "Microsoft.Compute/disks",
                &os_disk,
                json!({"managedBy": vm_id, "sku": {"name": "Premium_LRS", "tier": "Premium"},
                       "properties": {"osType": if win { "Windows" } else { "Linux" }, "creationData": {"createOption": "FromImage"}, "diskSizeGB": 64, "diskState": "Attached"}}),
            ),
            0,
        ));
        if v == 0 {
            rows.push((
                cx.row(
                    "Microsoft.Compute/disks",
                    &format!("{vm}-data-01"),
                    json!({"managedBy": vm_id, "sku": {"name": "Premium_LRS", "tier": "Premium"},
                           "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 128, "diskState": "Attached"}}),
                ),
                0,
            ));
        }
    }
    let law_id = cx.id(
        "Microsoft.OperationalInsights/workspaces",
        &format!("log-{n}"),
    );
    rows.push((
        cx.row(
            "Microsoft.Storage/storageAccounts",
            &format!("st{n}"),
            json!({"kind": "StorageV2", "sku": {"name": if w.is_multiple_of(2) { "Standard_LRS" } else { "Standard_GRS" }, "tier": "Standard"},
                   "properties": {"accessTier": "Hot", "supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": false}}),
        ),
        0,
    ));
    rows.push((
        cx.row(
            "Microsoft.KeyVault/vaults",
            &format!("kv-{n}"),
            json!({"properties": {"sku": {"family": "A", "name": "standard"}, "tenantId": TENANT, "enableRbacAuthorization": true,
                   "enableSoftDelete": true, "softDeleteRetentionInDays": 90, "vaultUri": format!("https://kv-{n}.vault.azure.net/")}}),
        ),
        0,
    ));
    rows.push((
        cx.row(
            "Microsoft.OperationalInsights/workspaces",
            &format!("log-{n}"),
            json!({"properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}}),
        ),
        0,
    ));
    rows.push((
        cx.row(
            "Microsoft.Insights/components",
            &format!("appi-{n}"),
            json!({"kind": "web", "properties": {"Application_Type": "web", "WorkspaceResourceId": law_id, "IngestionMode": "LogAnalytics"}}),
        ),
        0,
    ));
    let plan_id = cx.id("Microsoft.Web/serverfarms", &format!("asp-{n}"));
    rows.push((
        cx.row(
            "Microsoft.Web/serverfarms",
            &format!("asp-{n}"),
            json!({"kind": "linux", "sku": {"name": "P1v3", "tier": "PremiumV3", "size": "P1v3", "capacity": 1}, "properties": {"reserved": true}}),
        ),
        0,
    ));
    rows.push((
        cx.row(
            "Microsoft.Web/sites",
            &format!("app-{n}"),
            json!({"kind": "app,linux", "properties": {"serverFarmId": plan_id, "reserved": true, "httpsOnly": true,
                   "siteConfig": {"linuxFxVersion": "DOTNETCORE|8.0", "alwaysOn": true, "minTlsVersion": "1.2"}}}),
        ),
        0,
    ));
    let uai_id = cx.id(
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        &format!("id-{n}"),
    );
    rows.push((
        cx.row(
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            &format!("id-{n}"),
            json!({"properties": {"principalId": format!("{:08x}-0000-4000-8000-000000000001", w), "clientId": format!("{:08x}-0000-4000-8000-000000000002", w)}}),
        ),
        0,
    ));
    let sql_id = cx.id("Microsoft.Sql/servers", &format!("sql-{n}"));
    rows.push((
        cx.row(
            "Microsoft.Sql/servers",
            &format!("sql-{n}"),
            json!({"kind": "v12.0", "identity": {"type": "UserAssigned", "userAssignedIdentities": {uai_id.clone(): {}}},
                   "properties": {"administratorLogin": "sqladmin", "version": "12.0", "minimalTlsVersion": "1.2", "publicNetworkAccess": "Disabled"}}),
        ),
        0,
    ));
    let mut db = cx.row(
        "Microsoft.Sql/servers",
        &format!("sql-{n}/databases/sqldb-{n}"),
        json!({"sku": {"name": "GP_S_Gen5", "tier": "GeneralPurpose", "capacity": 2}, "kind": "v12.0,user,vcore,serverless",
               "properties": {"collation": "SQL_Latin1_General_CP1_CI_AS", "maxSizeBytes": 34359738368u64, "zoneRedundant": false}}),
    );
    db["id"] = json!(format!("{sql_id}/databases/sqldb-{n}"));
    db["name"] = json!(format!("sqldb-{n}"));
    db["type"] = json!("microsoft.sql/servers/databases");
    rows.push((db, 0));
    rows.push((
        cx.row(
            "Microsoft.Insights/actionGroups",
            &format!("ag-{n}"),
            json!({"location": "global", "properties": {"groupShortName": format!("ag{w}"), "enabled": true}}),
        ),
        0,
    ));
    rows
}

/// A well-formed OpenSSH RSA public key (`ssh-rsa <base64> synth@atg`) for
/// VM `v` of workload `w`: exponent 65537 and a 2048-bit modulus from
/// SHA-256 of the indices (RFC 4253 §6.6 wire format). Nobody holds its
/// private key, but it decodes as the azurerm provider requires of
/// `admin_ssh_key.public_key` (an RSA key of at least 2048 bits).
fn ssh_rsa_public_key(w: usize, v: usize) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut modulus = vec![0u8];
    for block in 0..8u8 {
        let digest = Sha256::new()
            .chain_update(format!("atg synth ssh key {w} {v}").as_bytes())
            .chain_update([block])
            .finalize();
        modulus.extend_from_slice(&digest);
    }
    modulus[1] |= 0x80; // 2048 bits exactly; the leading 0 keeps the mpint positive
    *modulus.last_mut().expect("256 bytes") |= 1;
    let mut wire = Vec::with_capacity(300);
    for part in [b"ssh-rsa".as_slice(), &[0x01, 0x00, 0x01], &modulus] {
        wire.extend_from_slice(&(part.len() as u32).to_be_bytes());
        wire.extend_from_slice(part);
    }
    format!(
        "ssh-rsa {} synth@atg",
        base64::engine::general_purpose::STANDARD.encode(wire)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The VM keys decode as RFC 4253 `ssh-rsa` keys: the type, exponent
    /// 65537 and a 2048-bit modulus; each VM has its own.
    #[test]
    fn ssh_keys_are_well_formed_2048_bit_rsa_keys() {
        use base64::Engine;
        let key = ssh_rsa_public_key(3, 1);
        let parts: Vec<&str> = key.split(' ').collect();
        assert_eq!((parts[0], parts[2]), ("ssh-rsa", "synth@atg"));
        let wire = base64::engine::general_purpose::STANDARD
            .decode(parts[1])
            .unwrap();
        let mut fields = Vec::new();
        let mut at = 0;
        while at < wire.len() {
            let n = u32::from_be_bytes(wire[at..at + 4].try_into().unwrap()) as usize;
            fields.push(&wire[at + 4..at + 4 + n]);
            at += 4 + n;
        }
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[0], b"ssh-rsa");
        assert_eq!(fields[1], [1, 0, 1]);
        assert_eq!(
            (fields[2].len(), fields[2][0], fields[2][1] >> 7),
            (257, 0, 1)
        );
        assert_ne!(key, ssh_rsa_public_key(3, 0));
    }

    #[test]
    fn same_seed_same_bytes_and_counts_add_up() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let sa = write_tenant(&mut a, 95, 7).unwrap();
        write_tenant(&mut b, 95, 7).unwrap();
        assert_eq!(a, b);
        assert_eq!(sa.resources, 4 * RESOURCES_PER_WORKLOAD);
        let mut c = Vec::new();
        write_tenant(&mut c, 95, 8).unwrap();
        assert_ne!(a, c, "another seed gives another tenant");
    }

    #[test]
    fn output_imports_cleanly_with_consistent_references() {
        let mut buf = Vec::new();
        let stats = write_tenant(&mut buf, 60, 1).unwrap();
        let export = crate::azure::export::parse(&buf, "synth").unwrap();
        let (snap, norm) = crate::azure::normalize::normalize(export);
        assert_eq!(snap.resources.len(), stats.resources);
        assert_eq!(norm.extracted_children, 3 * stats.resource_groups);
        let ids: std::collections::HashSet<String> =
            snap.resources.iter().map(|r| r.id_key()).collect();
        let rels = crate::graph::relationships::derive(&snap);
        // Every NIC reaches its subnet, every VM its NIC: references are consistent.
        for r in snap
            .resources
            .iter()
            .filter(|r| r.type_key() == "microsoft.compute/virtualmachines")
        {
            let nic = r.prop("networkProfile/networkInterfaces").unwrap()[0]["id"]
                .as_str()
                .unwrap();
            assert!(ids.contains(&nic.to_ascii_lowercase()));
            assert!(
                rels.iter()
                    .any(|e| e.source_id == r.id && e.target_id == nic)
            );
        }
    }
}
