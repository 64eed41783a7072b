//! The provider's own checks with the azurerm 4.79 validation data: the
//! edits of issue 15, each with Terraform's exact summary, detail and
//! range, and what Terraform leaves unchecked at validate time.

use crate::validate::builtin::check_full;
use crate::validate::config::Config;
use crate::validate::diagnostic::{Diagnostic, Severity};
use crate::validate::schema::Schemas;

/// The azurerm schema with its validation data (loaded once).
fn azurerm() -> &'static Schemas {
    static S: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let mut s = crate::validate::schema::tests::azurerm();
        s.add_rules(crate::validate::rules::tests::azurerm().clone());
        s
    })
}

fn run(text: &str) -> (Vec<Diagnostic>, std::collections::BTreeMap<String, usize>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    let cfg = Config::parse_dir(dir.path()).unwrap();
    let c = check_full(&cfg, Some(azurerm()));
    (c.diagnostics, c.not_checked_offline)
}

/// (severity, summary, detail, attribute, line:column) of each diagnostic.
fn show(ds: &[Diagnostic]) -> Vec<(Severity, String, String, String, String)> {
    ds.iter()
        .map(|d| {
            let r = d.range.as_ref().unwrap();
            (
                d.severity,
                d.summary.clone(),
                d.detail.clone(),
                d.attribute.clone().unwrap_or_default(),
                format!("{}:{}", r.start.line, r.start.column),
            )
        })
        .collect()
}

fn err(
    summary: &str,
    detail: &str,
    attr: &str,
    at: &str,
) -> (Severity, String, String, String, String) {
    (
        Severity::Error,
        summary.into(),
        detail.into(),
        attr.into(),
        at.into(),
    )
}

// Issue 15: the seven edits real terraform rejects with the azurerm 4.79
// provider, which the builtin validator passed.
#[test]
fn the_seven_edits_of_issue_15_give_terraforms_diagnostics() {
    let (ds, _) = run(r#"
resource "azurerm_storage_account" "st" {
  name                     = "st-Contoso-Dev"
  resource_group_name      = "rg"
  location                 = "eastus"
  account_tier             = "Standard"
  account_replication_type = "XYZ"
}
resource "azurerm_key_vault" "kv" {
  name                       = "kv-contoso"
  resource_group_name        = "rg"
  location                   = "eastus"
  tenant_id                  = "00000000-0000-0000-0000-000000000000"
  sku_name                   = "Standard"
  soft_delete_retention_days = 3
  enable_rbac_authorization  = true
  rbac_authorization_enabled = true
}
resource "azurerm_public_ip" "pip" {
  name                = "pip"
  resource_group_name = "rg"
  location            = "eastus"
  allocation_method   = "Fixed"
}
resource "azurerm_resource_group" "rg" {
  name     = ""
  location = "eastus"
}
"#);
    assert_eq!(
        show(&ds),
        vec![
            err(
                "name (\"st-Contoso-Dev\") can only consist of lowercase letters and numbers, and must be between 3 and 24 characters long",
                "",
                "name",
                "3:30"
            ),
            err(
                "expected account_replication_type to be one of [\"LRS\" \"ZRS\" \"GRS\" \"RAGRS\" \"GZRS\" \"RAGZRS\"], got XYZ",
                "",
                "account_replication_type",
                "7:30"
            ),
            err(
                "expected sku_name to be one of [\"standard\" \"premium\"], got Standard",
                "",
                "sku_name",
                "14:32"
            ),
            err(
                "expected soft_delete_retention_days to be in the range (7 - 90), got 3",
                "",
                "soft_delete_retention_days",
                "15:32"
            ),
            // Conflicting arguments end the SDK's checks of each: no
            // deprecation warning for `enable_rbac_authorization`.
            err(
                "Conflicting configuration arguments",
                "\"enable_rbac_authorization\": conflicts with rbac_authorization_enabled",
                "enable_rbac_authorization",
                "16:32"
            ),
            err(
                "Conflicting configuration arguments",
                "\"rbac_authorization_enabled\": conflicts with enable_rbac_authorization",
                "rbac_authorization_enabled",
                "17:32"
            ),
            err(
                "expected allocation_method to be one of [\"Static\" \"Dynamic\"], got Fixed",
                "",
                "allocation_method",
                "23:25"
            ),
            err("\"name\" cannot be blank", "", "name", "26:14"),
        ]
    );
}

// Terraform validates with input variables unknown (defaults or not) and
// references to resources unknown; a block holding an unknown value is
// not validated at all by the SDK (`isWhollyKnown`). Local values are
// evaluated: a literal one is checked, at the reference.
#[test]
fn unknown_values_are_not_checked_and_literal_locals_are() {
    let (ds, _) = run(r#"
variable "sku" {
  default = "Standard"
}
locals {
  sku  = "Premium"
  tier = var.sku
}
resource "azurerm_key_vault" "a" {
  name                = "kv-a"
  resource_group_name = "rg"
  location            = "eastus"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = var.sku
  network_acls {
    default_action = "Maybe"
    bypass         = var.sku
  }
}
resource "azurerm_key_vault" "b" {
  name                = "kv-b"
  resource_group_name = "rg"
  location            = "eastus"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = local.sku
  network_acls {
    default_action = "Maybe"
    bypass         = "None"
  }
}
resource "azurerm_key_vault" "c" {
  name                = "kv-c"
  resource_group_name = "rg"
  location            = "eastus"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = local.tier
  soft_delete_retention_days = azurerm_key_vault.a.soft_delete_retention_days
}
"#);
    assert_eq!(
        show(&ds),
        vec![
            err(
                "expected sku_name to be one of [\"standard\" \"premium\"], got Premium",
                "",
                "sku_name",
                "25:25"
            ),
            // Inside a block the SDK's key is the flatmap path.
            err(
                "expected network_acls.0.default_action to be one of [\"Allow\" \"Deny\"], got Maybe",
                "",
                "network_acls.default_action",
                "27:22"
            ),
        ]
    );
}

// `ExactlyOneOf`, `RequiredWith` and element enums, with the SDK's
// sorted key lists; a rule inside a block applies only where the block is.
#[test]
fn cross_argument_rules_and_element_enums_follow_the_sdk() {
    let (ds, _) = run(r#"
resource "azurerm_subnet" "none" {
  name                 = "s"
  resource_group_name  = "rg"
  virtual_network_name = "v"
}
resource "azurerm_subnet" "both" {
  name                 = "s"
  resource_group_name  = "rg"
  virtual_network_name = "v"
  address_prefixes     = ["10.0.0.0/24"]
  ip_address_pool {
    id                     = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkManagers/m/ipamPools/p"
    number_of_ip_addresses = "256"
  }
}
resource "azurerm_storage_account" "st" {
  name                     = "stcontoso"
  resource_group_name      = "rg"
  location                 = "eastus"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  blob_properties {
    restore_policy {
      days = 5
    }
    cors_rule {
      allowed_headers    = ["*"]
      allowed_methods    = ["GET", "FETCH"]
      allowed_origins    = ["*"]
      exposed_headers    = ["*"]
      max_age_in_seconds = 60
    }
  }
}
"#);
    let one_of = "`address_prefixes,ip_address_pool`";
    assert_eq!(
        show(&ds),
        vec![
            err(
                "Invalid combination of arguments",
                &format!("\"address_prefixes\": one of {one_of} must be specified"),
                "address_prefixes",
                "2:34"
            ),
            err(
                "Invalid combination of arguments",
                &format!("\"ip_address_pool\": one of {one_of} must be specified"),
                "ip_address_pool",
                "2:34"
            ),
            err(
                "Invalid combination of arguments",
                &format!(
                    "\"ip_address_pool\": only one of {one_of} can be specified, but {one_of} were specified."
                ),
                "ip_address_pool",
                "7:34"
            ),
            err(
                "Invalid combination of arguments",
                &format!(
                    "\"address_prefixes\": only one of {one_of} can be specified, but {one_of} were specified."
                ),
                "address_prefixes",
                "11:26"
            ),
            err(
                "Missing required argument",
                "\"blob_properties.0.restore_policy\": all of `blob_properties.0.delete_retention_policy,blob_properties.0.restore_policy` must be specified",
                "blob_properties.restore_policy",
                "23:19"
            ),
            err(
                "expected blob_properties.0.cors_rule.0.allowed_methods.1 to be one of [\"DELETE\" \"GET\" \"HEAD\" \"MERGE\" \"POST\" \"OPTIONS\" \"PUT\" \"PATCH\"], got FETCH",
                "",
                "blob_properties.cors_rule.allowed_methods",
                "29:36"
            ),
        ]
    );
}

// Validation functions atg recognises from the data's probes run offline
// (a UUID here); the others are counted per type, never reported.
#[test]
fn named_checks_run_and_the_rest_are_counted_as_not_checked_offline() {
    let (ds, unchecked) = run(r#"
resource "azurerm_key_vault" "kv" {
  name                = "kv-contoso"
  resource_group_name = "rg"
  location            = "eastus"
  tenant_id           = "not-a-uuid"
  sku_name            = "standard"
}
resource "azurerm_storage_account" "st" {
  name                     = "stcontoso"
  resource_group_name      = "rg"
  location                 = "eastus"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  customer_managed_key {
    key_vault_key_id          = "https://kv.vault.azure.net/keys/k"
    user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"
  }
}
"#);
    assert_eq!(
        show(&ds),
        vec![err(
            "expected \"tenant_id\" to be a valid UUID, got not-a-uuid",
            "",
            "tenant_id",
            "6:25"
        )]
    );
    assert_eq!(
        unchecked.get("azurerm_storage_account"),
        Some(&1),
        "{unchecked:?}"
    );
    assert_eq!(unchecked.get("azurerm_key_vault"), None, "{unchecked:?}");
}

// The SDK numbers the elements of a set of strings in cty's order (by
// value), and Terraform places the error on the whole set: checked against
// real terraform with aws `secondary_private_ips`.
#[test]
fn set_elements_are_numbered_in_cty_order_and_reported_on_the_set() {
    let (ds, _) = run(r#"
resource "azurerm_api_management_api" "api" {
  name                = "api"
  resource_group_name = "rg"
  api_management_name = "apim"
  revision            = "1"
  protocols           = ["wss", "ftp", "http"]
}
"#);
    assert_eq!(
        show(&ds),
        vec![err(
            "expected protocols.0 to be one of [\"http\" \"https\" \"ws\" \"wss\"], got ftp",
            "",
            "protocols",
            "7:25"
        )]
    );
}
