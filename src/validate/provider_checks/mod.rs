//! The checks a provider makes itself when Terraform asks it to validate a
//! resource or data source configuration. Their wording depends on how the
//! provider is built, so it is chosen per `Flavor`.
//!
//! For terraform-plugin-sdk/v2 providers (azurerm, most of aws) the SDK's
//! whole validation runs (`provider_checks::sdk`): computed-only values and
//! deprecations from the schema, and, when the provider's validation data
//! is loaded (`validate::rules`), enums, ranges, named checks,
//! `ConflictsWith`, `ExactlyOneOf`, `AtLeastOneOf`, `RequiredWith`. For
//! terraform-plugin-framework providers and Terraform's builtin provider,
//! this file walks the body for what their schemas reveal: a value set on a
//! read-only attribute, and deprecated attributes and blocks. When these
//! checks run is left to `validate::builtin`.

mod sdk;
mod value;

pub(super) use value::Locals;

use super::config::{Body, Expr, ExprKind, join_path};
use super::decode::{Meta, attr_as_block};
use super::diagnostic::Severity;
use super::rules::ResourceRules;
use super::schema::{BUILTIN_TERRAFORM, BlockSchema};
use super::sink::Sink;

/// How a provider words its own validation diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    /// Terraform's builtin provider (`terraform_data`): `"output" attribute is read-only`.
    Builtin,
    /// terraform-plugin-sdk/v2 (azurerm, most of aws): "Value for
    /// unconfigurable attribute", "Argument is deprecated".
    SdkV2,
    /// terraform-plugin-framework: "Invalid Configuration for Read-Only
    /// Attribute", "Attribute Deprecated", "Block Deprecated".
    Framework,
}

/// The flavor of a resource type's provider. The builtin provider is known
/// by its address. The SDK adds an optional+computed `id` attribute to
/// every resource it serves, while the framework only has the `id` a
/// resource declares (computed-only, or none): that tells the two apart.
pub(super) fn flavor(provider_address: &str, schema: &BlockSchema) -> Flavor {
    if provider_address == BUILTIN_TERRAFORM {
        Flavor::Builtin
    } else if schema
        .attributes
        .get("id")
        .is_some_and(|a| a.optional || a.required)
    {
        Flavor::SdkV2
    } else {
        Flavor::Framework
    }
}

/// The framework's detail for a value set on a read-only attribute.
const FRAMEWORK_READ_ONLY: &str = "Cannot set value for this attribute as the provider has marked it as read-only. Remove the configuration line setting the value.\n\nRefer to the provider documentation or contact the provider developers for additional information about configurable and read-only attributes that are supported.";

/// The provider's detail for a deprecated argument, as far as atg knows it.
fn deprecated_detail(name: &str) -> String {
    format!(
        "The provider marks \"{name}\" as deprecated; its schema does not carry the provider's advice, see the provider documentation."
    )
}

/// Runs the provider's own checks on a resource body, with the provider's
/// validation data for its type when loaded. Reports through `sink`;
/// returns how many known values have a validation function atg cannot
/// run offline ("not checked offline").
pub(super) fn check<'a>(
    sink: &mut Sink<'_>,
    body: &'a Body,
    schema: &BlockSchema,
    flavor: Flavor,
    address: &str,
    rules: Option<&ResourceRules>,
    locals: &Locals<'a>,
) -> usize {
    if flavor == Flavor::SdkV2 {
        let root = value::Decode { locals }.body(body, schema, super::decode::RESOURCE_META);
        let mut sdk = sdk::Sdk {
            sink,
            address,
            rules,
            root: &root,
            unchecked: 0,
        };
        sdk.run(schema);
        return sdk.unchecked;
    }
    let mut w = Walk {
        sink,
        flavor,
        address,
    };
    w.body(body, schema, "", "", Some(super::decode::RESOURCE_META));
    0
}

/// The checks of framework and builtin providers (the SDK's are in `sdk`).
struct Walk<'s, 'c> {
    sink: &'s mut Sink<'c>,
    flavor: Flavor,
    address: &'s str,
}

fn is_set(e: &Expr) -> bool {
    !matches!(e.kind, ExprKind::Null)
}

impl Walk<'_, '_> {
    /// `path` is the dotted path without indices (the diagnostic's
    /// attribute); `indexed` is the SDK's flatmap path (`os_disk.0.caching`).
    fn body(
        &mut self,
        body: &Body,
        schema: &BlockSchema,
        path: &str,
        indexed: &str,
        meta: Option<Meta>,
    ) {
        let top = meta.is_some();
        for a in &body.attributes {
            let name = a.name.as_str();
            if top && super::decode::RESOURCE_META.attrs.contains(&name)
                || top && body.json && super::decode::RESOURCE_META.blocks.contains(&name)
            {
                continue;
            }
            let p = join_path(path, name);
            let ip = join_path(indexed, name);
            if let Some(s) = schema.attributes.get(name) {
                if !is_set(&a.expr) {
                    continue;
                }
                if s.is_computed_only() {
                    self.read_only(a.expr.span, name, &p, &ip, top);
                    if self.flavor == Flavor::SdkV2 {
                        // The SDK stops at a computed-only value.
                        continue;
                    }
                }
                if s.deprecated {
                    self.deprecated(a.expr.span, name, &p, false);
                }
            } else if body.json
                && let Some(nested) = schema.block_types.get(name)
                && let Some(blocks) = Body::json_blocks(a)
            {
                if nested.block.deprecated {
                    self.deprecated(a.name_span, name, &p, true);
                }
                for (i, b) in blocks.iter().enumerate() {
                    self.body(&b.body, &nested.block, &p, &format!("{ip}.{i}"), None);
                }
            }
        }
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for b in &body.blocks {
            let Some(nested) = schema.block_types.get(b.ident.as_str()) else {
                continue; // meta-blocks, dynamic blocks, attributes written as blocks
            };
            if attr_as_block(schema, &b.ident).is_some() {
                continue;
            }
            let i = index.entry(b.ident.as_str()).or_default();
            let p = join_path(path, &b.ident);
            if *i == 0 && nested.block.deprecated {
                self.deprecated(b.ident_span, &b.ident, &p, true);
            }
            let ip = format!("{}.{i}", join_path(indexed, &b.ident));
            *i += 1;
            self.body(&b.body, &nested.block, &p, &ip, None);
        }
    }

    fn read_only(
        &mut self,
        span: super::config::Span,
        name: &str,
        path: &str,
        indexed: &str,
        top: bool,
    ) {
        let address = Some(self.address.to_string());
        let attr = Some(path.to_string());
        match self.flavor {
            Flavor::Builtin if top => self.sink.error(
                span,
                format!("\"{name}\" attribute is read-only"),
                String::new(),
                address,
                attr,
            ),
            Flavor::Builtin => {}
            Flavor::SdkV2 => self.sink.error(
                span,
                "Value for unconfigurable attribute",
                format!(
                    "Can't configure a value for \"{indexed}\": its value will be decided automatically based on the result of applying this configuration."
                ),
                address,
                attr,
            ),
            Flavor::Framework => self.sink.error(
                span,
                "Invalid Configuration for Read-Only Attribute",
                FRAMEWORK_READ_ONLY.to_string(),
                address,
                attr,
            ),
        }
    }

    fn deprecated(&mut self, span: super::config::Span, name: &str, path: &str, block: bool) {
        let summary = match (self.flavor, block) {
            (Flavor::Builtin, _) => return,
            (Flavor::SdkV2, _) => "Argument is deprecated",
            (Flavor::Framework, false) => "Attribute Deprecated",
            (Flavor::Framework, true) => "Block Deprecated",
        };
        let detail = deprecated_detail(name);
        self.sink.push(
            Severity::Warning,
            span,
            summary,
            detail,
            Some(self.address.to_string()),
            Some(path.to_string()),
        );
    }
}

#[cfg(test)]
mod tests;
