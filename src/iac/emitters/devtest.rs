//! Mappings for Azure DevTest Labs: labs, their virtual networks, Linux
//! and Windows lab VMs, policies and schedules, and the auto-shutdown
//! schedules of ordinary VMs (`microsoft.devtestlab/schedules`).
//!
//! Lab VM passwords are secrets and become sensitive variables; SSH keys
//! are copied.

use super::spec::*;
use crate::iac::context::Skip;
use crate::model::Resource;

const LINUX_VM: &str = "azurerm_dev_test_linux_virtual_machine";
const WINDOWS_VM: &str = "azurerm_dev_test_windows_virtual_machine";

/// The DevTest Labs mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.devtestlab/labs",
        "azurerm_dev_test_lab",
        "devtest",
    ),
    Mapping::new(
        "microsoft.devtestlab/labs/virtualnetworks",
        "azurerm_dev_test_virtual_network",
        "devtest",
    )
    .scope(Scope::GroupedIn("lab_name", "name", "DevTest lab"))
    .args(&[s("description", "description")])
    .nests(&[block(
        "subnet",
        "subnetOverrides/0",
        &[
            one_of(
                "use_public_ip_address",
                "usePublicIpAddressPermission",
                &["Allow", "Default", "Deny"],
            ),
            one_of(
                "use_in_virtual_machine_creation",
                "useInVmCreationPermission",
                &["Allow", "Default", "Deny"],
            ),
        ],
    )]),
    Mapping::new(
        "microsoft.devtestlab/labs/virtualmachines",
        LINUX_VM,
        "devtest",
    )
    .choose(select_lab_vm, &[WINDOWS_VM])
    .scope(Scope::LocatedIn("lab_name", "name", "DevTest lab"))
    .args(&[
        s("size", "size").req(),
        s("username", "userName").req(),
        // Windows VMs, and Linux VMs without an SSH key, sign in by password.
        arg("password", Src::Secret("password"), Conv::AsIs).when(When::Lacks(Src::P("sshKey"))),
        arg("ssh_key", Src::P("sshKey"), Conv::Trim).when(When::Type(LINUX_VM)),
        s("lab_subnet_name", "labSubnetName").req(),
        reference(
            "lab_virtual_network_id",
            "labVirtualNetworkId",
            "id",
            "lab virtual network",
        )
        .req(),
        one_of("storage_type", "storageType", &["Standard", "Premium"]).req(),
        b("allow_claim", "allowClaim"),
        b("disallow_public_ip_address", "disallowPublicIpAddress"),
        s("notes", "notes"),
    ])
    .nests(&[blocks(
        "gallery_image_reference",
        "galleryImageReference",
        Repeat::Required,
        &[
            s("publisher", "publisher").req(),
            s("offer", "offer").req(),
            s("sku", "sku").req(),
            s("version", "version").or(Lit::Str("latest")),
        ],
    )]),
    Mapping::new(
        "microsoft.devtestlab/labs/policysets/policies",
        "azurerm_dev_test_policy",
        "devtest",
    )
    .scope(Scope::Grouped)
    .untagged()
    .args(&[
        arg("policy_set_name", Src::IdName(1), Conv::AsIs),
        arg(
            "lab_name",
            Src::Ancestor(2, "name", "DevTest lab"),
            Conv::AsIs,
        ),
        one_of(
            "evaluator_type",
            "evaluatorType",
            &["AllowedValuesPolicy", "MaxValuePolicy"],
        )
        .req(),
        s("threshold", "threshold").req(),
        s("fact_data", "factData"),
        s("description", "description"),
    ]),
    Mapping::new(
        "microsoft.devtestlab/labs/schedules",
        "azurerm_dev_test_schedule",
        "devtest",
    )
    .scope(Scope::LocatedIn("lab_name", "name", "DevTest lab"))
    .args(&[
        s("task_type", "taskType").req(),
        s("time_zone_id", "timeZoneId").req(),
        one_of("status", "status", &["Enabled", "Disabled"]),
    ])
    .nests(&[
        block(
            "daily_recurrence",
            "dailyRecurrence",
            &[s("time", "time").key()],
        ),
        block(
            "weekly_recurrence",
            "weeklyRecurrence",
            &[s("time", "time").key(), strs("week_days", "weekdays")],
        ),
        block(
            "hourly_recurrence",
            "hourlyRecurrence",
            &[n("minute", "minute").key()],
        ),
        blocks(
            "notification_settings",
            "notificationSettings",
            Repeat::Always,
            &[
                one_of("status", "status", &["Enabled", "Disabled"]),
                n("time_in_minutes", "timeInMinutes"),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.devtestlab/schedules",
        "azurerm_dev_test_global_vm_shutdown_schedule",
        "devtest",
    )
    .unnamed()
    .scope(Scope::Bare)
    .args(&[
        arg("location", Src::Location, Conv::AsIs),
        reference(
            "virtual_machine_id",
            "targetResourceId",
            "id",
            "virtual machine",
        )
        .req(),
        s("daily_recurrence_time", "dailyRecurrence/time").req(),
        s("timezone", "timeZoneId").req(),
        flag("enabled", "status"),
    ])
    .nests(&[blocks(
        "notification_settings",
        "notificationSettings",
        Repeat::Always,
        &[
            flag("enabled", "status").always(Lit::Bool(false)),
            n("time_in_minutes", "timeInMinutes"),
            s("email", "emailRecipient"),
        ],
    )]),
];

/// A lab VM is Windows or Linux by its gallery image's OS.
fn select_lab_vm(r: &Resource) -> Result<&'static str, Skip> {
    match r.prop_str("galleryImageReference/osType") {
        Some(os) if os.eq_ignore_ascii_case("Windows") => Ok(WINDOWS_VM),
        Some(_) => Ok(LINUX_VM),
        None => Err(Skip::missing("properties.galleryImageReference.osType")),
    }
}
