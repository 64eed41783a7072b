//! Mappings for Microsoft.Compute: Linux and Windows virtual machines with
//! their data disk attachments, scale sets, managed disks, snapshots,
//! images, galleries and their image definitions, SSH public keys, VM
//! extensions and run commands, availability sets, proximity placement,
//! capacity reservation and dedicated host groups, and disk accesses.
//!
//! OS disks created from an image belong to their VM and are skipped as
//! managed. Platform images are written as publisher/offer/sku/version, never
//! as image IDs. Passwords and protected extension settings are never copied:
//! passwords become sensitive variables. NICs are left to `network`.

use super::common::{set_opt, str_at};
use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::{Block, Body, Value};
use crate::model::Resource;
use serde_json::Value as Json;

const LINUX_VM: &str = "azurerm_linux_virtual_machine";
const WINDOWS_VM: &str = "azurerm_windows_virtual_machine";
const DATA_DISK_ATTACHMENT: &str = "azurerm_virtual_machine_data_disk_attachment";
const LINUX_VMSS: &str = "azurerm_linux_virtual_machine_scale_set";
const WINDOWS_VMSS: &str = "azurerm_windows_virtual_machine_scale_set";
/// Azure Hybrid Benefit licences azurerm accepts for Linux VMs.
const LINUX_LICENSES: &[&str] = &[
    "RHEL_BYOS",
    "RHEL_BASE",
    "RHEL_EUS",
    "RHEL_SAPAPPS",
    "RHEL_SAPHA",
    "RHEL_BASESAPAPPS",
    "RHEL_BASESAPHA",
    "SLES_BYOS",
    "SLES_SAP",
    "SLES_HPC",
    "UBUNTU_PRO",
];
/// Licences azurerm accepts for Windows VMs.
const WINDOWS_LICENSES: &[&str] = &["None", "Windows_Client", "Windows_Server"];
const SPOT: When = When::Is(Src::P("priority"), &["Spot"]);
const COPY: When = When::Is(Src::P("creationData/createOption"), &["Copy", "Restore"]);

/// The compute mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new("microsoft.compute/virtualmachines", LINUX_VM, "compute")
        .choose(select_vm, &[WINDOWS_VM])
        .args(&[
            s("size", "hardwareProfile/vmSize").req(),
            compute("network_interface_ids", network_interface_ids),
            one_of("license_type", "licenseType", LINUX_LICENSES).when(When::Type(LINUX_VM)),
            one_of("license_type", "licenseType", WINDOWS_LICENSES).when(When::Type(WINDOWS_VM)),
            reference(
                "availability_set_id",
                "availabilitySet/id",
                "id",
                "availability set",
            ),
            reference(
                "proximity_placement_group_id",
                "proximityPlacementGroup/id",
                "id",
                "proximity placement group",
            ),
            arg("zone", Src::Zone, Conv::AsIs),
            one_of("priority", "priority", &["Regular", "Spot"]),
            one_of("eviction_policy", "evictionPolicy", &["Deallocate", "Delete"]).when(SPOT),
            f("max_bid_price", "billingProfile/maxPrice").when(SPOT),
            b("encryption_at_host_enabled", "securityProfile/encryptionAtHost"),
            b(
                "secure_boot_enabled",
                "securityProfile/uefiSettings/secureBootEnabled",
            ),
            b("vtpm_enabled", "securityProfile/uefiSettings/vTpmEnabled"),
        ])
        .nests(&[
            block(
                "additional_capabilities",
                "additionalCapabilities",
                &[
                    b("ultra_ssd_enabled", "ultraSSDEnabled"),
                    b("hibernation_enabled", "hibernationEnabled"),
                ],
            ),
            blocks("boot_diagnostics", "", Repeat::Always, &[])
                .when(When::True(Src::P("diagnosticsProfile/bootDiagnostics/enabled"))),
            block(
                "plan",
                "/plan",
                &[
                    s("name", "name").key(),
                    s("product", "product").key(),
                    s("publisher", "publisher").key(),
                ],
            ),
        ])
        .hook(
            virtual_machine,
            &[
                "os_managed_disk_id",
                "admin_username",
                "admin_password",
                "computer_name",
                "disable_password_authentication",
                "provision_vm_agent",
                "automatic_updates_enabled",
                "patch_mode",
                "patch_assessment_mode",
                "hotpatching_enabled",
                "timezone",
                "winrm_listener",
                "admin_ssh_key",
                "source_image_reference",
                "source_image_id",
                "os_disk",
            ],
            &[DATA_DISK_ATTACHMENT],
        )
        .identity()
        .notes(&[
            note(
                When::Fn(|at| {
                    at.r.prop("diagnosticsProfile/bootDiagnostics/enabled")
                        == Some(&Json::Bool(true))
                        && at
                            .r
                            .prop_str("diagnosticsProfile/bootDiagnostics/storageUri")
                            .is_some()
                }),
                "boot diagnostics use a managed storage account: the source storage URI points at the source tenant",
            ),
            note(
                When::Has(Src::R("plan/name")),
                "marketplace plan: its terms must be accepted in the target subscription",
            ),
        ]),
    Mapping::new("microsoft.compute/disks", "azurerm_managed_disk", "compute")
        .choose(select_disk, &[])
        .check(disk_owned_by_vm)
        .args(&[
            compute("storage_account_type", disk_storage_type).req(),
            compute("create_option", disk_create_option).req(),
            reference(
                "source_resource_id",
                "creationData/sourceResourceId",
                "id",
                "copy source",
            )
            .req()
            .when(COPY),
            one_of("os_type", "osType", &["Linux", "Windows"]).when(COPY),
            one_of("hyper_v_generation", "hyperVGeneration", &["V1", "V2"]).when(COPY),
            n("disk_size_gb", "diskSizeGB"),
            arg("zone", Src::Zone, Conv::AsIs),
            n("disk_iops_read_write", "diskIOPSReadWrite").when(When::Fn(ultra)),
            n("disk_mbps_read_write", "diskMBpsReadWrite").when(When::Fn(ultra)),
            s("tier", "tier"),
            b("on_demand_bursting_enabled", "burstingEnabled"),
            arg(
                "public_network_access_enabled",
                Src::P("publicNetworkAccess"),
                Conv::EnabledElseFalse,
            ),
            one_of(
                "network_access_policy",
                "networkAccessPolicy",
                &["AllowAll", "DenyAll"],
            )
            .when(When::IsNot(Src::P("networkAccessPolicy"), &["AllowPrivate"])),
            reference(
                "disk_encryption_set_id",
                "encryption/diskEncryptionSetId",
                "id",
                "disk encryption set",
            ),
        ])
        .notes(&[
            note(
                When::Is(Src::P("networkAccessPolicy"), &["AllowPrivate"]),
                "network access policy `AllowPrivate` omitted: it needs a disk access resource",
            ),
            note(
                When::True(Src::P("encryptionSettingsCollection/enabled")),
                "Azure Disk Encryption settings not copied: their keys live in the source key vault",
            ),
        ]),
    Mapping::new(
        "microsoft.compute/sshpublickeys",
        "azurerm_ssh_public_key",
        "compute",
    )
    .args(&[arg("public_key", Src::P("publicKey"), Conv::Trim).req()]),
    Mapping::new(
        "microsoft.compute/virtualmachines/extensions",
        "azurerm_virtual_machine_extension",
        "compute",
    )
    .scope(Scope::In("virtual_machine_id", "id", "virtual machine"))
    .args(&[
        s("publisher", "publisher").req(),
        s("type", "type").req(),
        s("type_handler_version", "typeHandlerVersion").req(),
        b("auto_upgrade_minor_version", "autoUpgradeMinorVersion"),
        b("automatic_upgrade_enabled", "enableAutomaticUpgrade"),
        b("failure_suppression_enabled", "suppressFailures"),
        json("settings", "settings"),
        strs("provision_after_extensions", "provisionAfterExtensions"),
    ])
    .notes(&[
        note(
            When::Has(Src::P("protectedSettings")),
            "`protected_settings` not copied: they are secrets; supply them in the target",
        ),
        note(
            When::Has(Src::P("protectedSettingsFromKeyVault")),
            "`protected_settings_from_key_vault` not copied: the secret lives in the source key vault; supply it in the target",
        ),
    ]),
    Mapping::new(
        "microsoft.compute/virtualmachinescalesets",
        LINUX_VMSS,
        "compute",
    )
    .choose(select_vmss, &[WINDOWS_VMSS])
    .args(&[
        arg("sku", Src::R("sku/name"), Conv::Str).req(),
        arg("instances", Src::R("sku/capacity"), Conv::Int),
        s("admin_username", "virtualMachineProfile/osProfile/adminUsername").req(),
        s(
            "computer_name_prefix",
            "virtualMachineProfile/osProfile/computerNamePrefix",
        ),
        b(
            "disable_password_authentication",
            "virtualMachineProfile/osProfile/linuxConfiguration/disablePasswordAuthentication",
        )
        .when(When::Type(LINUX_VMSS)),
        arg("admin_password", Src::Secret("admin_password"), Conv::AsIs).when(When::Fn(
            |at| {
                at.r.prop("virtualMachineProfile/osProfile/linuxConfiguration/disablePasswordAuthentication")
                    != Some(&Json::Bool(true))
            },
        )),
        one_of(
            "upgrade_mode",
            "upgradePolicy/mode",
            &["Automatic", "Manual", "Rolling"],
        ),
        b("overprovision", "overprovision"),
        b("single_placement_group", "singlePlacementGroup"),
        b("zone_balance", "zoneBalance"),
        n("platform_fault_domain_count", "platformFaultDomainCount"),
        one_of("priority", "virtualMachineProfile/priority", &["Regular", "Spot"]),
        arg("zones", Src::Zones, Conv::AsIs),
        reference(
            "proximity_placement_group_id",
            "proximityPlacementGroup/id",
            "id",
            "proximity placement group",
        ),
        b(
            "encryption_at_host_enabled",
            "virtualMachineProfile/securityProfile/encryptionAtHost",
        ),
    ])
    .nests(&[
        blocks(
            "admin_ssh_key",
            "virtualMachineProfile/osProfile/linuxConfiguration/ssh/publicKeys",
            Repeat::Each,
            &[
                compute("username", ssh_key_user).req(),
                compute("public_key", ssh_key_data).req(),
            ],
        )
        .when(When::Type(LINUX_VMSS)),
        blocks(
            "source_image_reference",
            "virtualMachineProfile/storageProfile/imageReference",
            Repeat::Required,
            &[
                s("publisher", "publisher").req(),
                s("offer", "offer").req(),
                s("sku", "sku").req(),
                s("version", "version").or(Lit::Str("latest")),
            ],
        ),
        blocks(
            "os_disk",
            "virtualMachineProfile/storageProfile/osDisk",
            Repeat::Required,
            &[
                one_of("caching", "caching", &["None", "ReadOnly", "ReadWrite"])
                    .or(Lit::Str("ReadWrite")),
                one_of(
                    "storage_account_type",
                    "managedDisk/storageAccountType",
                    &[
                        "Premium_LRS",
                        "Premium_ZRS",
                        "Standard_LRS",
                        "StandardSSD_LRS",
                        "StandardSSD_ZRS",
                    ],
                )
                .req(),
                n("disk_size_gb", "diskSizeGB"),
            ],
        ),
        blocks(
            "network_interface",
            "virtualMachineProfile/networkProfile/networkInterfaceConfigurations",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                b("primary", "properties/primary"),
                b(
                    "enable_accelerated_networking",
                    "properties/enableAcceleratedNetworking",
                ),
                reference(
                    "network_security_group_id",
                    "properties/networkSecurityGroup/id",
                    "id",
                    "network security group",
                ),
            ],
        )
        .nests(&[blocks(
            "ip_configuration",
            "properties/ipConfigurations",
            Repeat::EachRequired,
            &[
                s("name", "name").req(),
                b("primary", "properties/primary"),
                reference("subnet_id", "properties/subnet/id", "id", "subnet").strict(),
                compute("load_balancer_backend_address_pool_ids", lb_pools),
            ],
        )]),
        blocks("boot_diagnostics", "", Repeat::Always, &[]).when(When::True(Src::P(
            "virtualMachineProfile/diagnosticsProfile/bootDiagnostics/enabled",
        ))),
    ])
    .identity(),
    Mapping::new("microsoft.compute/images", "azurerm_image", "compute")
        .args(&[
            reference(
                "source_virtual_machine_id",
                "sourceVirtualMachine/id",
                "id",
                "source virtual machine",
            )
            .strict(),
            one_of("hyper_v_generation", "hyperVGeneration", &["V1", "V2"]),
            b("zone_resilient", "storageProfile/zoneResilient")
                .when(When::Lacks(Src::P("sourceVirtualMachine/id"))),
        ])
        .nests(&[block(
            "os_disk",
            "storageProfile/osDisk",
            &[
                one_of("os_type", "osType", &["Linux", "Windows"]),
                one_of("os_state", "osState", &["Generalized", "Specialized"]),
                reference("managed_disk_id", "managedDisk/id", "id", "managed disk").strict(),
                one_of("caching", "caching", &["None", "ReadOnly", "ReadWrite"]),
                n("size_gb", "diskSizeGB"),
                one_of(
                    "storage_type",
                    "storageAccountType",
                    &[
                        "Premium_LRS",
                        "PremiumV2_LRS",
                        "Premium_ZRS",
                        "Standard_LRS",
                        "StandardSSD_LRS",
                        "StandardSSD_ZRS",
                        "UltraSSD_LRS",
                    ],
                )
                .req(),
            ],
        )
        .when(When::Lacks(Src::P("sourceVirtualMachine/id")))])
        .notes(&[note(
            When::Has(Src::P("storageProfile/osDisk/blobUri")),
            "the image's source VHD is a blob in the source tenant: `blob_uri` is not copied",
        )]),
    Mapping::new("microsoft.compute/snapshots", "azurerm_snapshot", "compute")
        .args(&[
            arg(
                "create_option",
                Src::P("creationData/createOption"),
                Conv::MapOnly(&[("Copy", "Copy"), ("CopyStart", "Copy")]),
            )
            .req(),
            reference(
                "source_resource_id",
                "creationData/sourceResourceId",
                "id",
                "snapshot source",
            )
            .req(),
            n("disk_size_gb", "diskSizeGB"),
            b("incremental_enabled", "incremental"),
            one_of(
                "network_access_policy",
                "networkAccessPolicy",
                &["AllowAll", "AllowPrivate", "DenyAll"],
            ),
            arg(
                "public_network_access_enabled",
                Src::P("publicNetworkAccess"),
                Conv::Enabled,
            ),
        ]),
    Mapping::new(
        "microsoft.compute/proximityplacementgroups",
        "azurerm_proximity_placement_group",
        "compute",
    )
    .args(&[
        strs("allowed_vm_sizes", "intent/vmSizes"),
        arg("zone", Src::Zone, Conv::AsIs).when(When::Has(Src::P("intent/vmSizes"))),
    ]),
    Mapping::new(
        "microsoft.compute/galleries",
        "azurerm_shared_image_gallery",
        "compute",
    )
    .args(&[s("description", "description")]),
    Mapping::new("microsoft.compute/galleries/images", "azurerm_shared_image", "compute")
        .scope(Scope::LocatedIn("gallery_name", "name", "shared image gallery"))
        .args(&[
            one_of("os_type", "osType", &["Linux", "Windows"]).req(),
            one_of("hyper_v_generation", "hyperVGeneration", &["V1", "V2"]),
            one_of("architecture", "architecture", &["x64", "Arm64"]),
            s("description", "description"),
            arg("specialized", Src::P("osState"), Conv::Equals("Specialized")),
            s("eula", "eula"),
            s("privacy_statement_uri", "privacyStatementUri"),
            s("release_note_uri", "releaseNoteUri"),
            n(
                "max_recommended_vcpu_count",
                "recommended/vCPUs/max",
            ),
            n(
                "max_recommended_memory_in_gb",
                "recommended/memory/max",
            ),
        ])
        .nests(&[blocks(
            "identifier",
            "identifier",
            Repeat::Required,
            &[
                s("publisher", "publisher").req(),
                s("offer", "offer").req(),
                s("sku", "sku").req(),
            ],
        )]),
    Mapping::new(
        "microsoft.compute/virtualmachines/runcommands",
        "azurerm_virtual_machine_run_command",
        "compute",
    )
    .scope(Scope::PlacedIn("virtual_machine_id", "id", "virtual machine"))
    .args(&[s("run_as_user", "runAsUser")])
    .nests(&[
        blocks(
            "source",
            "source",
            Repeat::Required,
            &[
                s("script", "script"),
                s("script_uri", "scriptUri").when(When::Lacks(Src::P("script"))),
                s("command_id", "commandId").when(When::Fn(|at| {
                    at.here.get("script").is_none() && at.here.get("scriptUri").is_none()
                })),
            ],
        ),
        blocks(
            "parameter",
            "parameters",
            Repeat::Each,
            &[s("name", "name").key(), s("value", "value").key()],
        ),
    ])
    .notes(&[note(
        When::Fn(|at| {
            at.r.prop("protectedParameters").is_some() || at.r.prop_str("runAsUser").is_some()
        }),
        "protected parameters and the run-as password are secrets ARM does not return: set them in the target",
    )]),
    Mapping::new(
        "microsoft.compute/capacityreservationgroups",
        "azurerm_capacity_reservation_group",
        "compute",
    )
    .args(&[arg("zones", Src::Zones, Conv::AsIs)]),
    Mapping::new(
        "microsoft.compute/hostgroups",
        "azurerm_dedicated_host_group",
        "compute",
    )
    .args(&[
        n("platform_fault_domain_count", "platformFaultDomainCount").req(),
        arg("zone", Src::Zone, Conv::AsIs),
        b("automatic_placement_enabled", "supportAutomaticPlacement"),
    ]),
    Mapping::new("microsoft.compute/diskaccesses", "azurerm_disk_access", "compute"),
    Mapping::new(
        "microsoft.compute/availabilitysets",
        "azurerm_availability_set",
        "compute",
    )
    .args(&[
        n("platform_fault_domain_count", "platformFaultDomainCount"),
        n("platform_update_domain_count", "platformUpdateDomainCount"),
        arg("managed", Src::R("sku/name"), Conv::Equals("Aligned")),
        reference(
            "proximity_placement_group_id",
            "proximityPlacementGroup/id",
            "id",
            "proximity placement group",
        ),
    ]),
];

/// A scale set is Linux or Windows by its OS profile.
fn select_vmss(r: &Resource) -> Result<&'static str, Skip> {
    if r.prop("virtualMachineProfile/osProfile/windowsConfiguration")
        .is_some_and(Json::is_object)
    {
        Ok(WINDOWS_VMSS)
    } else if r
        .prop("virtualMachineProfile/osProfile/linuxConfiguration")
        .is_some_and(Json::is_object)
        || r.prop_str("virtualMachineProfile/storageProfile/osDisk/osType")
            .is_some_and(|t| t.eq_ignore_ascii_case("linux"))
    {
        Ok(LINUX_VMSS)
    } else {
        Err(Skip::missing(
            "properties.virtualMachineProfile.osProfile.linuxConfiguration or .windowsConfiguration",
        ))
    }
}

/// The user of an SSH key: from its `/home/<user>/.ssh/authorized_keys`
/// path, else the admin user.
fn ssh_key_user(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let from_path = str_at(at.here, "/path")
        .and_then(|p| p.strip_prefix("/home/"))
        .and_then(|p| p.strip_suffix("/.ssh/authorized_keys"))
        .filter(|u| !u.contains('/'));
    Ok(from_path
        .or_else(|| {
            at.r.prop_str("virtualMachineProfile/osProfile/adminUsername")
        })
        .map(Value::str))
}

/// An SSH public key: a reference to the `azurerm_ssh_public_key` holding
/// it when one is emitted, else the key text.
fn ssh_key_data(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(str_at(at.here, "/keyData").map(|k| cx.ssh_key(k).unwrap_or_else(|| Value::str(k.trim()))))
}

/// The load balancer backend pools of a scale set IP configuration, as
/// references to the pools the load balancer's mapping emits.
fn lb_pools(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let mut refs = Vec::new();
    for id in super::interpret::collect(at.here, "properties/loadBalancerBackendAddressPools/*/id")
        .into_iter()
        .filter_map(Json::as_str)
    {
        let pool = super::common::last_segment(id);
        let lb = id
            .to_ascii_lowercase()
            .find("/backendaddresspools/")
            .map(|i| &id[..i]);
        match lb.and_then(|lb| {
            cx.secondary_reference(lb, "azurerm_lb_backend_address_pool", &format!("pool_{pool}"), "id")
        }) {
            Some(v) => refs.push(v),
            None => cx.note(format!(
                "load balancer backend pool `{id}` left out: its load balancer is not in the emitted set"
            )),
        }
    }
    Ok((!refs.is_empty()).then_some(Value::List(refs)))
}

/// References to the VM's NICs, the primary one first (azurerm's rule).
fn network_interface_ids(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let mut nics: Vec<(&str, bool)> =
        at.r.prop("networkProfile/networkInterfaces")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|n| {
                let id = str_at(n, "/id")?;
                let primary = n
                    .pointer("/properties/primary")
                    .and_then(Json::as_bool)
                    .unwrap_or(false);
                Some((id, primary))
            })
            .collect();
    if nics.is_empty() {
        return Err(Skip::missing("properties.networkProfile.networkInterfaces"));
    }
    nics.sort_by_key(|(_, primary)| !primary);
    let mut refs = Vec::with_capacity(nics.len());
    for (id, _) in nics {
        refs.push(cx.require_reference("network interface", id, "id")?);
    }
    Ok(Some(Value::List(refs)))
}

/// The irregular parts of a VM: the OS (admin user, keys or password,
/// computer name, patching) and image, or the attached OS disk; the
/// `os_disk` block; and one data disk attachment per managed data disk.
fn virtual_machine(r: &Resource, cx: &mut EmitCx, body: &mut Body) -> Result<Vec<Block>, Skip> {
    let windows = is_windows(r) == Some(true);
    let os_disk = r
        .prop("storageProfile/osDisk")
        .filter(|v| v.is_object())
        .ok_or_else(|| Skip::missing("properties.storageProfile.osDisk"))?;
    let os_disk_id = os_disk
        .pointer("/managedDisk/id")
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty());
    if os_disk.get("vhd").is_some_and(Json::is_object) && os_disk.get("managedDisk").is_none() {
        return Err(Skip::missing(
            "properties.storageProfile.osDisk.managedDisk (unmanaged VHD disks are not supported by azurerm virtual machines)",
        ));
    }
    let attach = str_at(os_disk, "/createOption").is_some_and(|c| c.eq_ignore_ascii_case("Attach"));
    if attach {
        let id = os_disk_id
            .ok_or_else(|| Skip::missing("properties.storageProfile.osDisk.managedDisk.id"))?;
        body.set(
            "os_managed_disk_id",
            cx.require_reference("OS disk", id, "id")?,
        );
    } else {
        os_profile(r, cx, windows, body)?;
        image(r, cx, body)?;
    }
    body.blocks
        .insert(0, os_disk_block(os_disk, os_disk_id, cx));
    let vm_ref = Value::reference(&cx.address(), "id");
    Ok(data_disk_attachments(r, cx, &vm_ref))
}

/// Skips a disk its planned VM creates: the OS disk of a VM in the
/// snapshot, unless the VM attaches it.
fn disk_owned_by_vm(r: &Resource, cx: &EmitCx) -> Result<(), Skip> {
    let Some(vm) = attaching_vm(r, cx) else {
        return Ok(());
    };
    let is_os = vm
        .prop_str("storageProfile/osDisk/managedDisk/id")
        .is_some_and(|id| id.eq_ignore_ascii_case(&r.id));
    let attached = vm
        .prop_str("storageProfile/osDisk/createOption")
        .is_some_and(|c| c.eq_ignore_ascii_case("Attach"));
    if is_os && !attached {
        return Err(Skip::managed(format!(
            "OS disk of `{}`, created by the virtual machine",
            vm.name
        )));
    }
    Ok(())
}

/// The VM in the snapshot that manages this disk, if any.
fn attaching_vm<'a>(r: &Resource, cx: &EmitCx<'_, 'a>) -> Option<&'a Resource> {
    r.managed_by
        .as_deref()
        .filter(|m| !m.is_empty())
        .and_then(|m| cx.lookup(m))
}

/// `sku.name`, else the storage type the attaching VM gives the disk.
fn disk_storage_type(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let r = at.r;
    if let Some(s) = r.sku.get("name").and_then(Json::as_str) {
        return Ok(Some(Value::str(s)));
    }
    let from_vm = attaching_vm(r, cx).and_then(|vm| {
        vm.prop("storageProfile/dataDisks")?
            .as_array()?
            .iter()
            .find(|d| {
                d.pointer("/managedDisk/id")
                    .and_then(Json::as_str)
                    .is_some_and(|id| id.eq_ignore_ascii_case(&r.id))
            })?
            .pointer("/managedDisk/storageAccountType")?
            .as_str()
            .map(str::to_string)
    });
    let s = from_vm.ok_or_else(|| Skip::missing("sku.name"))?;
    cx.note(format!(
        "storage account type `{s}` taken from the attaching virtual machine (the disk has no `sku`)"
    ));
    Ok(Some(Value::Str(s)))
}

/// `Empty` or `Copy`: what azurerm can recreate of the source's create
/// option. Imports and image-based disks cannot be recreated in the target.
fn disk_create_option(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let r = at.r;
    let option = r.prop_str("creationData/createOption").unwrap_or("Empty");
    let sized = r.prop("diskSizeGB").and_then(Json::as_i64).is_some();
    Ok(Some(Value::str(
        match option.to_ascii_lowercase().as_str() {
            "empty" | "attach" => {
                if !sized {
                    return Err(Skip::missing("properties.diskSizeGB"));
                }
                "Empty"
            }
            "copy" | "restore" => "Copy",
            "import" | "importsecure" => {
                return Err(Skip::missing(
                    "properties.creationData.sourceUri in the target (imported from a VHD in the source tenant)",
                ));
            }
            "fromimage" => {
                return Err(Skip::missing(
                    "properties.creationData image in the target (disk created from an image)",
                ));
            }
            other => {
                if !sized {
                    return Err(Skip::missing("properties.diskSizeGB"));
                }
                cx.note(format!(
                    "create option `{other}` cannot be reproduced: created as an empty disk"
                ));
                "Empty"
            }
        },
    )))
}

/// Whether the disk's storage type takes explicit IOPS and throughput.
fn ultra(at: &At) -> bool {
    at.r.sku
        .get("name")
        .and_then(Json::as_str)
        .is_some_and(|s| {
            s.eq_ignore_ascii_case("UltraSSD_LRS") || s.eq_ignore_ascii_case("PremiumV2_LRS")
        })
}
fn is_windows(r: &Resource) -> Option<bool> {
    if let Some(os) = r.prop_str("storageProfile/osDisk/osType") {
        return Some(os.eq_ignore_ascii_case("Windows"));
    }
    if r.prop("osProfile/windowsConfiguration")
        .is_some_and(Json::is_object)
    {
        return Some(true);
    }
    if r.prop("osProfile/linuxConfiguration")
        .is_some_and(Json::is_object)
    {
        return Some(false);
    }
    None
}

fn select_vm(r: &Resource) -> Result<&'static str, Skip> {
    match is_windows(r) {
        Some(true) => Ok(WINDOWS_VM),
        Some(false) => Ok(LINUX_VM),
        None => Err(Skip::missing("properties.storageProfile.osDisk.osType")),
    }
}

/// The caching Azure applies when none is given: `ReadOnly` for Premium
/// storage, `None` otherwise.
fn default_caching(storage_account_type: Option<&str>) -> &'static str {
    match storage_account_type {
        Some(t) if t.to_ascii_lowercase().starts_with("premium") => "ReadOnly",
        _ => "None",
    }
}

/// A computer name valid for the OS: Windows 1–15 characters of letters,
/// digits and hyphens, not only digits; Linux 1–64 of letters, digits,
/// hyphens and dots. Returns the name and whether it differs from the source.
fn computer_name(source: Option<&str>, vm_name: &str, windows: bool) -> (String, bool) {
    let max = if windows { 15 } else { 64 };
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || (!windows && c == '.');
    let valid = |n: &str| {
        !n.is_empty()
            && n.len() <= max
            && n.chars().all(ok_char)
            && !n.chars().all(|c| c.is_ascii_digit())
            && !n.starts_with(['-', '.'])
            && !n.ends_with(['-', '.'])
    };
    if let Some(s) = source.filter(|s| valid(s)) {
        return (s.to_string(), false);
    }
    let mut n: String = source
        .unwrap_or(vm_name)
        .chars()
        .map(|c| if ok_char(c) { c } else { '-' })
        .collect();
    n = n.trim_matches(['-', '.']).to_string();
    n.truncate(max);
    n = n.trim_end_matches(['-', '.']).to_string();
    if n.is_empty() || n.chars().all(|c| c.is_ascii_digit()) {
        n.insert(0, 'v');
        n.truncate(max);
    }
    let changed = source != Some(n.as_str());
    (n, changed)
}

/// Admin user, computer name and OS-specific settings (SSH keys, password
/// variable, patching).
fn os_profile(r: &Resource, cx: &mut EmitCx, windows: bool, body: &mut Body) -> Result<(), Skip> {
    let admin = r
        .prop_str("osProfile/adminUsername")
        .ok_or_else(|| Skip::missing("properties.osProfile.adminUsername"))?;
    body.set("admin_username", admin);
    let (name, changed) = computer_name(r.prop_str("osProfile/computerName"), &r.name, windows);
    if changed {
        cx.note(format!(
            "computer name `{name}` derived: the source one is absent or invalid for {}",
            if windows {
                "Windows (≤ 15 characters)"
            } else {
                "Linux"
            }
        ));
    }
    body.set("computer_name", name);
    let secrets = r
        .prop("osProfile/secrets")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    if secrets > 0 {
        cx.note("`secret` certificates from the source key vault are not copied");
    }
    // The OS-specific part of `osProfile`, and readers of its flags and strings.
    let cfg = r
        .prop(if windows {
            "osProfile/windowsConfiguration"
        } else {
            "osProfile/linuxConfiguration"
        })
        .cloned()
        .unwrap_or(Json::Null);
    let b = |p: &str| cfg.pointer(p).and_then(Json::as_bool);
    let s = |p: &str| {
        cfg.pointer(p)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    };
    if windows {
        body.set("admin_password", cx.secret_variable("admin_password"));
        set_opt(body, "provision_vm_agent", b("/provisionVMAgent"));
        set_opt(
            body,
            "automatic_updates_enabled",
            b("/enableAutomaticUpdates"),
        );
        set_opt(body, "patch_mode", s("/patchSettings/patchMode"));
        set_opt(
            body,
            "patch_assessment_mode",
            s("/patchSettings/assessmentMode"),
        );
        set_opt(
            body,
            "hotpatching_enabled",
            b("/patchSettings/enableHotpatching"),
        );
        set_opt(body, "timezone", s("/timeZone"));
        for l in cfg
            .pointer("/winRM/listeners")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            match str_at(l, "/protocol") {
                Some(p) if p.eq_ignore_ascii_case("Http") => body.blocks.push(Block::nested(
                    "winrm_listener",
                    Body::new().attr("protocol", "Http"),
                )),
                Some(p) => cx.note(format!(
                    "WinRM `{p}` listener omitted: its certificate lives in the source key vault"
                )),
                None => {}
            }
        }
    } else {
        let mut keys = Vec::new();
        for k in cfg
            .pointer("/ssh/publicKeys")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let Some(data) = str_at(k, "/keyData") else {
                continue;
            };
            let user = str_at(k, "/path")
                .and_then(|p| p.strip_prefix("/home/"))
                .and_then(|p| p.strip_suffix("/.ssh/authorized_keys"))
                .filter(|u| !u.contains('/'))
                .unwrap_or(admin);
            let key = cx.ssh_key(data).unwrap_or_else(|| Value::str(data.trim()));
            keys.push(Block::nested(
                "admin_ssh_key",
                Body::new().attr("username", user).attr("public_key", key),
            ));
        }
        let no_password = b("/disablePasswordAuthentication").unwrap_or(!keys.is_empty());
        body.set("disable_password_authentication", no_password);
        if !no_password {
            body.set("admin_password", cx.secret_variable("admin_password"));
        } else if keys.is_empty() {
            return Err(Skip::missing(
                "properties.osProfile.linuxConfiguration.ssh.publicKeys",
            ));
        }
        set_opt(body, "provision_vm_agent", b("/provisionVMAgent"));
        set_opt(body, "patch_mode", s("/patchSettings/patchMode"));
        set_opt(
            body,
            "patch_assessment_mode",
            s("/patchSettings/assessmentMode"),
        );
        body.blocks.extend(keys);
    }
    Ok(())
}

/// `source_image_reference` for platform images, `source_image_id` for
/// images in the emitted set.
fn image(r: &Resource, cx: &mut EmitCx, body: &mut Body) -> Result<(), Skip> {
    let img = r
        .prop("storageProfile/imageReference")
        .filter(|v| v.is_object())
        .ok_or_else(|| Skip::missing("properties.storageProfile.imageReference"))?;
    if let (Some(publisher), Some(offer), Some(sku)) = (
        str_at(img, "/publisher"),
        str_at(img, "/offer"),
        str_at(img, "/sku"),
    ) {
        let version = match str_at(img, "/version").or_else(|| str_at(img, "/exactVersion")) {
            Some(v) => v,
            None => {
                cx.note("image version absent: using `latest`");
                "latest"
            }
        };
        body.blocks.push(Block::nested(
            "source_image_reference",
            Body::new()
                .attr("publisher", publisher)
                .attr("offer", offer)
                .attr("sku", sku)
                .attr("version", version),
        ));
        return Ok(());
    }
    if let Some(id) = str_at(img, "/id") {
        body.set("source_image_id", cx.require_reference("image", id, "id")?);
        return Ok(());
    }
    if let Some(id) = str_at(img, "/communityGalleryImageId") {
        body.set("source_image_id", id);
        cx.note("community gallery image used as is: it is public, not a tenant resource");
        return Ok(());
    }
    Err(Skip::missing(
        "properties.storageProfile.imageReference publisher/offer/sku",
    ))
}

fn os_disk_block(os_disk: &Json, os_disk_id: Option<&str>, cx: &mut EmitCx) -> Block {
    let disk = os_disk_id.and_then(|id| cx.lookup(id));
    let storage_type = os_disk
        .pointer("/managedDisk/storageAccountType")
        .and_then(Json::as_str)
        .or_else(|| disk.and_then(|d| d.sku.get("name")?.as_str()))
        .map(str::to_string);
    let caching = match str_at(os_disk, "/caching") {
        Some(c) => c.to_string(),
        None => {
            let c = default_caching(storage_type.as_deref());
            cx.note(format!(
                "OS disk caching absent: using the Azure default `{c}`"
            ));
            c.to_string()
        }
    };
    let size = os_disk
        .get("diskSizeGB")
        .and_then(Json::as_i64)
        .or_else(|| disk.and_then(|d| d.prop("diskSizeGB")?.as_i64()));
    let mut b = Body::new()
        .attr("caching", caching)
        .opt_attr("storage_account_type", storage_type)
        .opt_attr("disk_size_gb", size)
        .opt_attr("name", str_at(os_disk, "/name"))
        .opt_attr(
            "write_accelerator_enabled",
            os_disk
                .get("writeAcceleratorEnabled")
                .and_then(Json::as_bool)
                .filter(|w| *w),
        );
    if let Some(des) = os_disk
        .pointer("/managedDisk/diskEncryptionSet/id")
        .and_then(Json::as_str)
    {
        match cx.reference(des, "id") {
            Some(v) => b.set("disk_encryption_set_id", v),
            None => cx.note(format!(
                "OS disk encryption set `{des}` omitted: it is not in the emitted set"
            )),
        }
    }
    if let Some(option) = os_disk
        .pointer("/diffDiskSettings/option")
        .and_then(Json::as_str)
    {
        b = b.block(Block::nested(
            "diff_disk_settings",
            Body::new().attr("option", option).opt_attr(
                "placement",
                os_disk
                    .pointer("/diffDiskSettings/placement")
                    .and_then(Json::as_str),
            ),
        ));
    }
    Block::nested("os_disk", b)
}

fn data_disk_attachments(r: &Resource, cx: &mut EmitCx, vm_ref: &Value) -> Vec<Block> {
    let mut out = Vec::new();
    for d in r
        .prop("storageProfile/dataDisks")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let Some(lun) = d.get("lun").and_then(Json::as_i64) else {
            continue;
        };
        let Some(id) = d.pointer("/managedDisk/id").and_then(Json::as_str) else {
            cx.note(format!(
                "data disk at LUN {lun} omitted: it is not a managed disk"
            ));
            continue;
        };
        let Some(disk_ref) = cx.reference(id, "id") else {
            cx.note(format!(
                "data disk `{id}` at LUN {lun} not attached: it is not in the emitted set"
            ));
            continue;
        };
        let caching = match str_at(d, "/caching") {
            Some(c) => c.to_string(),
            None => {
                let c = default_caching(
                    d.pointer("/managedDisk/storageAccountType")
                        .and_then(Json::as_str),
                );
                cx.note(format!(
                    "data disk caching at LUN {lun} absent: using the Azure default `{c}`"
                ));
                c.to_string()
            }
        };
        let body = Body::new()
            .attr("managed_disk_id", disk_ref)
            .attr("virtual_machine_id", vm_ref.clone())
            .attr("lun", lun)
            .attr("caching", caching)
            .opt_attr(
                "write_accelerator_enabled",
                d.get("writeAcceleratorEnabled")
                    .and_then(Json::as_bool)
                    .filter(|w| *w),
            );
        out.push(cx.secondary(DATA_DISK_ATTACHMENT, &format!("data_disk_lun{lun}"), body));
    }
    out
}

fn select_disk(r: &Resource) -> Result<&'static str, Skip> {
    let from_image = r
        .prop_str("creationData/createOption")
        .is_some_and(|c| c.eq_ignore_ascii_case("FromImage"));
    if from_image && r.prop_str("osType").is_some() {
        return Err(Skip::managed(
            "OS disk created from an image by its virtual machine (azurerm creates it through `os_disk`)",
        ));
    }
    Ok("azurerm_managed_disk")
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::{DATA_DISK_ATTACHMENT, LINUX_VM, WINDOWS_VM, computer_name};
    use crate::iac::context::{EmitCx, Plan, SecretVariable, Skip, TargetSettings, rg_id_of};
    use crate::iac::doc::{Block, Value};
    use crate::iac::naming;
    use crate::model::Resource;
    use serde_json::json;
    use std::collections::HashMap;

    const NICS: &str = "microsoft.network/networkinterfaces";

    /// Result of emitting one resource against a plan where every resource
    /// of the set is planned (NICs as `azurerm_network_interface`), so VM
    /// tests do not depend on the network emitters.
    struct Emitted {
        result: Result<Vec<Block>, Skip>,
        notes: Vec<String>,
        variables: Vec<SecretVariable>,
    }

    fn primary_of(r: &Resource) -> Option<&'static str> {
        match super::super::for_type(&r.type_key()) {
            Some(m) => super::super::select(m, r).ok(),
            None if r.type_key() == NICS => Some("azurerm_network_interface"),
            None => None,
        }
    }

    fn emit_in(resources: &[Resource], name: &str) -> Emitted {
        let target = TargetSettings::default();
        let mut addresses = HashMap::new();
        let mut resource_groups = HashMap::new();
        for r in resources {
            if let Some(t) = primary_of(r) {
                addresses.insert(r.id_key(), format!("{t}.{}", naming::label(&r.name)));
            }
            if let Some(rg) = rg_id_of(r) {
                let label = naming::label(rg.rsplit('/').next().unwrap_or_default());
                resource_groups.insert(
                    rg.to_ascii_lowercase(),
                    format!("azurerm_resource_group.{label}"),
                );
            }
        }
        let plan = Plan {
            addresses,
            resource_groups,
            lookup: resources.iter().map(|r| (r.id_key(), r)).collect(),
            target: &target,
            locations: Default::default(),
            ssh_keys: HashMap::new(),
            principals: HashMap::new(),
            custom_roles: HashMap::new(),
            workspaces: HashMap::new(),
            storage_accounts: HashMap::new(),
        };
        let r = resources
            .iter()
            .find(|r| r.name == name)
            .expect("resource in the set");
        let emitter = super::super::for_type(&r.type_key()).expect("mapped type");
        let primary = match super::super::select(emitter, r) {
            Ok(p) => p,
            Err(skip) => {
                return Emitted {
                    result: Err(skip),
                    notes: Vec::new(),
                    variables: Vec::new(),
                };
            }
        };
        let mut cx = EmitCx::new(&plan, r, primary, naming::label(&r.name));
        let result = super::super::emit(emitter, r, &mut cx);
        Emitted {
            result,
            notes: cx.notes,
            variables: cx.variables,
        }
    }

    const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x";

    fn nic(name: &str) -> serde_json::Value {
        json!({"id": format!("{RG}/providers/Microsoft.Network/networkInterfaces/{name}"), "name": name,
               "type": "Microsoft.Network/networkInterfaces", "location": "eastus", "properties": {}})
    }

    fn vm(name: &str, nic_name: &str, os_profile: serde_json::Value) -> serde_json::Value {
        json!({
            "id": format!("{RG}/providers/Microsoft.Compute/virtualMachines/{name}"), "name": name,
            "type": "Microsoft.Compute/virtualMachines", "location": "eastus",
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_B2s"},
                "osProfile": os_profile,
                "networkProfile": {"networkInterfaces": [
                    {"id": format!("{RG}/providers/Microsoft.Network/networkInterfaces/{nic_name}")}]},
                "storageProfile": {
                    "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
                    "osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "Premium_LRS"}}
                }
            }
        })
    }

    #[test]
    fn contoso_linux_vm_uses_references_ssh_key_and_platform_image() {
        let rs = fixture().resources;
        let e = emit_in(&rs, "vm-contoso-dev-lnx01");
        let blocks = e.result.expect("linux VM emitted");
        let vm = &blocks[0];
        assert_eq!(vm.labels[0], "azurerm_linux_virtual_machine");
        assert_eq!(
            vm.body.get("network_interface_ids"),
            Some(&Value::List(vec![Value::Ref(
                "azurerm_network_interface.nic_vm_contoso_dev_lnx01.id".into()
            )]))
        );
        assert_eq!(s(vm, "size"), "Standard_D1_v2");
        assert_eq!(s(vm, "admin_username"), "azureuser");
        assert_eq!(
            vm.body.get("disable_password_authentication"),
            Some(&Value::Bool(true))
        );
        assert!(vm.body.get("admin_password").is_none());
        let key = nested(vm, "admin_ssh_key");
        assert_eq!(s(key, "username"), "azureuser");
        assert!(s(key, "public_key").starts_with("ssh-rsa AAAA"));
        let img = nested(vm, "source_image_reference");
        assert_eq!(s(img, "publisher"), "Canonical");
        assert_eq!(s(img, "offer"), "UbuntuServer");
        assert_eq!(s(img, "sku"), "16.04-LTS");
        assert_eq!(s(img, "version"), "latest");
        assert!(vm.body.get("source_image_id").is_none());
        let os = nested(vm, "os_disk");
        assert_eq!(s(os, "caching"), "ReadWrite");
        assert_eq!(s(os, "storage_account_type"), "Standard_LRS");
        // The data disk is attached through a secondary block.
        let att = &blocks[1];
        assert_eq!(att.labels[0], DATA_DISK_ATTACHMENT);
        assert_eq!(
            r(att, "managed_disk_id"),
            "azurerm_managed_disk.vm_contoso_dev_lnx01_data_01.id"
        );
        assert_eq!(
            r(att, "virtual_machine_id"),
            "azurerm_linux_virtual_machine.vm_contoso_dev_lnx01.id"
        );
        assert_eq!(att.body.get("lun"), Some(&Value::Int(0)));
        assert_eq!(s(att, "caching"), "ReadOnly");
    }

    #[test]
    fn contoso_windows_vm_password_is_a_sensitive_variable() {
        let rs = fixture().resources;
        let e = emit_in(&rs, "vm-contoso-dev-win01");
        let blocks = e.result.expect("windows VM emitted");
        let vm = &blocks[0];
        assert_eq!(vm.labels[0], "azurerm_windows_virtual_machine");
        assert_eq!(
            r(vm, "admin_password"),
            "var.vm_contoso_dev_win01_admin_password"
        );
        assert_eq!(e.variables.len(), 1);
        assert_eq!(e.variables[0].name, "vm_contoso_dev_win01_admin_password");
        assert_eq!(s(vm, "computer_name"), "vmcdevwin01");
        assert_eq!(s(vm, "patch_mode"), "AutomaticByOS");
        assert_eq!(
            s(nested(vm, "os_disk"), "storage_account_type"),
            "Premium_LRS"
        );
        assert_eq!(blocks.len(), 1, "no data disks");
    }

    #[test]
    fn contoso_extension_references_its_vm_and_drops_protected_settings() {
        let rs = fixture().resources;
        let e = emit_in(&rs, "CustomScript");
        let blocks = e.result.expect("extension emitted");
        let ext = &blocks[0];
        assert_eq!(
            r(ext, "virtual_machine_id"),
            "azurerm_linux_virtual_machine.vm_contoso_dev_lnx01.id"
        );
        assert_eq!(s(ext, "publisher"), "Microsoft.Azure.Extensions");
        assert_eq!(s(ext, "type"), "CustomScript");
        assert_eq!(s(ext, "type_handler_version"), "2.1");
        assert_eq!(
            ext.body.get("settings"),
            Some(&Value::Json(Box::new(json!({"UserName": "azureuser"})))),
            "settings are JSON, written as jsonencode({{...}})"
        );
        assert!(ext.body.get("protected_settings").is_none());
        assert!(
            ext.body.blocks.is_empty(),
            "no protected_settings_from_key_vault"
        );
        assert!(e.notes.iter().any(|n| n.contains("protected_settings")));
    }

    #[test]
    fn contoso_generation_skips_os_disks_and_keeps_secrets_out() {
        let g = contoso();
        for os_disk in [
            "vm-contoso-dev-lnx01_OsDisk_1_7d47436e67f01f68384f26a854beb55d",
            "vm-contoso-dev-win01_OsDisk_1_14c41e9d692335f64d54eab1d82a1e73",
        ] {
            let (reason, detail) = skip_by_name(g, os_disk).expect("OS disk skipped");
            assert_eq!(reason, "managed_by_platform");
            assert!(detail.contains("OS disk"), "{detail}");
        }
        let disk = block(g, "azurerm_managed_disk", "vm-contoso-dev-lnx01-data-01");
        assert_eq!(s(disk, "storage_account_type"), "Premium_LRS");
        assert_eq!(s(disk, "create_option"), "Empty");
        assert_eq!(disk.body.get("disk_size_gb"), Some(&Value::Int(200)));
        let key = block(g, "azurerm_ssh_public_key", "sshkey-contoso-dev-azureuser");
        assert!(s(key, "public_key").starts_with("ssh-rsa "));
        // VMs need their NICs: emitted when the network emitters map NICs,
        // otherwise skipped naming the NIC (and the extension follows its VM).
        let nics_mapped = super::super::for_type(NICS).is_some();
        for (name, ty) in [
            ("vm-contoso-dev-lnx01", LINUX_VM),
            ("vm-contoso-dev-win01", WINDOWS_VM),
        ] {
            if nics_mapped {
                block(g, ty, name);
            } else {
                let (reason, detail) = skip_by_name(g, name).expect("VM skipped");
                assert_eq!(reason, "reference_outside_set");
                assert!(detail.contains("networkInterfaces/nic-"), "{detail}");
            }
        }
        let text = hcl(g);
        for secret in [
            "vault.azure.net/secrets",
            "bootstrap-script",
            "vault.azure.net/keys",
            "/Providers/Microsoft.Compute/Locations",
        ] {
            assert!(!text.contains(secret), "`{secret}` leaked into the output");
        }
    }

    #[test]
    fn windows_computer_name_is_derived_within_15_characters() {
        let rs = resources(&[
            nic("nic-w"),
            vm(
                "vm-contoso-prod-windows-01",
                "nic-w",
                json!({"adminUsername": "ops", "windowsConfiguration": {"provisionVMAgent": true}}),
            ),
        ]);
        let e = emit_in(&rs, "vm-contoso-prod-windows-01");
        let blocks = e.result.expect("emitted");
        let name = s(&blocks[0], "computer_name");
        assert!(name.len() <= 15, "{name}");
        assert_eq!(name, "vm-contoso-prod");
        assert!(e.notes.iter().any(|n| n.contains("computer name")));
        // The caching default follows the storage type and is noted.
        assert_eq!(s(nested(&blocks[0], "os_disk"), "caching"), "ReadOnly");
        assert!(e.notes.iter().any(|n| n.contains("caching")));
    }

    #[test]
    fn computer_names_respect_os_rules() {
        assert_eq!(
            computer_name(Some("web01"), "vm", true),
            ("web01".into(), false)
        );
        assert_eq!(computer_name(Some("12345"), "vm", true).0, "v12345");
        assert_eq!(
            computer_name(None, "app_server.prod", true).0,
            "app-server-prod"
        );
        assert_eq!(
            computer_name(None, "app_server.prod", false).0,
            "app-server.prod"
        );
        assert!(computer_name(None, &"a".repeat(80), false).0.len() <= 64);
    }

    #[test]
    fn linux_vm_without_key_or_password_and_vm_without_nic_are_skipped() {
        let rs = resources(&[
            nic("nic-a"),
            vm(
                "vm-nokey",
                "nic-a",
                json!({"adminUsername": "ops", "linuxConfiguration": {"disablePasswordAuthentication": true}}),
            ),
            vm(
                "vm-nonic",
                "nic-missing",
                json!({"adminUsername": "ops", "linuxConfiguration": {"ssh": {"publicKeys": [
                    {"path": "/home/ops/.ssh/authorized_keys", "keyData": "ssh-ed25519 AAAAC3Nz test"}]}}}),
            ),
            vm(
                "vm-pw",
                "nic-a",
                json!({"adminUsername": "ops", "linuxConfiguration": {"disablePasswordAuthentication": false}}),
            ),
        ]);
        let skip = emit_in(&rs, "vm-nokey").result.expect_err("skipped");
        assert_eq!(skip.reason, crate::iac::SkipReason::MissingRequiredValue);
        assert!(skip.detail.contains("publicKeys"), "{}", skip.detail);
        let skip = emit_in(&rs, "vm-nonic").result.expect_err("skipped");
        assert_eq!(skip.reason, crate::iac::SkipReason::ReferenceOutsideSet);
        assert!(skip.detail.contains("nic-missing"));
        let e = emit_in(&rs, "vm-pw");
        let blocks = e.result.expect("emitted");
        assert_eq!(r(&blocks[0], "admin_password"), "var.vm_pw_admin_password");
        assert_eq!(
            blocks[0].body.get("disable_password_authentication"),
            Some(&Value::Bool(false))
        );
    }

    #[test]
    fn vm_without_os_type_is_skipped_before_planning() {
        let mut v = vm("vm-unknown", "nic-a", json!({"adminUsername": "ops"}));
        v["properties"]["storageProfile"]["osDisk"]
            .as_object_mut()
            .unwrap()
            .remove("osType");
        let g = generate_json(&[v]);
        let (reason, detail) = skip_by_name(&g, "vm-unknown").expect("skipped");
        assert_eq!(reason, "missing_required_value");
        assert!(detail.contains("osType"));
    }

    #[test]
    fn disks_that_cannot_be_recreated_are_skipped_with_reasons() {
        let disk = |name: &str, creation: serde_json::Value, size: Option<i64>| {
            let mut p = json!({"creationData": creation});
            if let Some(s) = size {
                p["diskSizeGB"] = json!(s);
            }
            json!({"id": format!("{RG}/providers/Microsoft.Compute/disks/{name}"), "name": name,
                   "type": "Microsoft.Compute/disks", "location": "eastus", "zones": ["2"],
                   "sku": {"name": "StandardSSD_LRS"}, "properties": p})
        };
        let g = generate_json(&[
            disk("d-empty", json!({"createOption": "Empty"}), Some(64)),
            disk("d-nosize", json!({"createOption": "Empty"}), None),
            disk(
                "d-copy",
                json!({"createOption": "Copy", "sourceResourceId": format!("{RG}/providers/Microsoft.Compute/snapshots/gone")}),
                Some(64),
            ),
            disk(
                "d-import",
                json!({"createOption": "Import", "sourceUri": "https://src.blob.core.windows.net/vhds/a.vhd"}),
                Some(64),
            ),
        ]);
        let d = block(&g, "azurerm_managed_disk", "d-empty");
        assert_eq!(s(d, "create_option"), "Empty");
        assert_eq!(s(d, "zone"), "2");
        assert_eq!(s(d, "storage_account_type"), "StandardSSD_LRS");
        let (reason, detail) = skip_by_name(&g, "d-nosize").expect("skipped");
        assert_eq!(reason, "missing_required_value");
        assert!(detail.contains("diskSizeGB"));
        let (reason, detail) = skip_by_name(&g, "d-copy").expect("skipped");
        assert_eq!(reason, "reference_outside_set");
        assert!(detail.contains("snapshots/gone"));
        let (reason, _) = skip_by_name(&g, "d-import").expect("skipped");
        assert_eq!(reason, "missing_required_value");
        assert!(!hcl(&g).contains("src.blob.core.windows.net"));
    }

    #[test]
    fn availability_set_keeps_domain_counts_and_alignment() {
        let g = generate_json(&[json!({
            "id": format!("{RG}/providers/Microsoft.Compute/availabilitySets/avail-web"), "name": "avail-web",
            "type": "Microsoft.Compute/availabilitySets", "location": "eastus", "sku": {"name": "Aligned"},
            "properties": {"platformFaultDomainCount": 2, "platformUpdateDomainCount": 5,
                "proximityPlacementGroup": {"id": format!("{RG}/providers/Microsoft.Compute/proximityPlacementGroups/ppg")}}
        })]);
        let b = block(&g, "azurerm_availability_set", "avail-web");
        assert_eq!(
            b.body.get("platform_fault_domain_count"),
            Some(&Value::Int(2))
        );
        assert_eq!(
            b.body.get("platform_update_domain_count"),
            Some(&Value::Int(5))
        );
        assert_eq!(b.body.get("managed"), Some(&Value::Bool(true)));
        assert!(b.body.get("proximity_placement_group_id").is_none());
        assert!(
            notes_by_name(&g, "avail-web")
                .iter()
                .any(|n| n.contains("proximity"))
        );
    }
}
