//! Named checks: the common validation functions of terraform-plugin-sdk/v2
//! and the azurerm provider, re-implemented with their exact messages, and
//! recognised from a validation data file's probes (the sentinel values a
//! function was given and the messages it returned). A function is
//! recognised only when a named check gives, for every probe, exactly the
//! messages the provider gave (with the argument's name as the key); any
//! other function stays "not checked offline".
//!
//! The checks and their sources: `validation.StringIsNotEmpty`,
//! `StringIsNotWhiteSpace`, `IsUUID`, `IsIPv4Address`, `IsIPAddress`,
//! `StringIsBase64`, `IsPortNumber`,
//! `IntAtLeast`/`IntAtMost`/`FloatAtLeast`/`FloatAtMost`
//! (terraform-plugin-sdk/v2 `helper/validation`); azurerm's resource group
//! name (`resource/validate.ValidateName`), storage account name and key
//! vault name; and the typed ARM resource ID parsers of go-azure-helpers
//! (`resourceids`), whose message the probes give in full.
//!
//! Which arguments carry which rule is left to `validate::rules`; when a
//! value is checked to `validate::provider_checks`.

/// A probe value: the data tries strings on string arguments and numbers
/// on number arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeValue {
    /// A string.
    Str(String),
    /// A number.
    Num(f64),
}

/// One probe: a value and the messages the provider gave (none: accepted).
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The value tried.
    pub value: ProbeValue,
    /// The error messages, in the provider's order.
    pub errors: Vec<String>,
}

/// The probe value every ARM ID message template is taken from.
const TEMPLATE_PROBE: &str = "__ATG_PROBE__";

/// A validation function atg runs offline.
#[derive(Debug, Clone, PartialEq)]
pub enum NamedCheck {
    /// `validation.StringIsNotEmpty`.
    NotEmpty,
    /// `validation.StringIsNotWhiteSpace`.
    NotWhiteSpace,
    /// `validation.IsUUID`; `allow_empty` when the provider also accepts `""`.
    Uuid {
        /// `""` is accepted.
        allow_empty: bool,
    },
    /// `validation.IsIPv4Address`.
    Ipv4,
    /// `validation.IsIPAddress`.
    IpAddress,
    /// `validation.StringIsBase64` (which rejects `""` first).
    Base64,
    /// `validation.IntAtLeast` / `FloatAtLeast`.
    AtLeast {
        /// The lowest allowed value.
        min: f64,
        /// Float formatting (`%f`) in the message.
        float: bool,
    },
    /// `validation.IsPortNumber`: 1 to 65535.
    PortNumber,
    /// `validation.IntAtMost` / `FloatAtMost`.
    AtMost {
        /// The highest allowed value.
        max: f64,
        /// Float formatting (`%f`) in the message.
        float: bool,
    },
    /// azurerm's resource group name: 1–90 characters of letters, digits,
    /// `-`, `_`, `.`, `(`, `)`, not ending with a period.
    ResourceGroupName,
    /// azurerm's storage account name: 3–24 lowercase letters and digits.
    StorageAccountName,
    /// azurerm's key vault name: 3–24 letters, digits and dashes, starting
    /// with a letter, ending with a letter or digit, no `--`.
    KeyVaultName,
    /// A typed ARM resource ID (go-azure-helpers `resourceids`).
    ArmId(ArmIdShape),
}

/// The shape of a typed ARM resource ID and the provider's message for a
/// value that shares none of its fixed segments.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmIdShape {
    /// Each segment: `Some(literal)` or `None` for a user value.
    segments: Vec<Option<String>>,
    /// The message for `__ATG_PROBE__`, the value to substitute.
    template: String,
}

/// What a check says about one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The provider accepts it.
    Valid,
    /// The provider rejects it with these messages.
    Invalid(Vec<String>),
    /// atg cannot say what the provider's message would be.
    Unknown,
}

/// Go's `%q` for a string (`strconv.Quote`): double quotes, with `"`, `\`
/// and control characters escaped.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%d` of an integral value, or `%v` of a float.
pub fn go_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Go's `%f`.
fn go_float(n: f64) -> String {
    format!("{n:.6}")
}

fn is_uuid(v: &str) -> bool {
    // hashicorp/go-uuid ParseUUID: 36 characters, dashes at 8, 13, 18, 23, hex elsewhere.
    v.len() == 36
        && v.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Go's `net.ParseIP` for dotted IPv4 (no leading zeros since Go 1.17).
fn parse_ipv4(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

fn is_ipv4(v: &str) -> bool {
    parse_ipv4(v)
        || v.strip_prefix("::ffff:")
            .or_else(|| v.strip_prefix("::FFFF:"))
            .is_some_and(parse_ipv4)
}

fn is_ip(v: &str) -> bool {
    is_ipv4(v) || (v.contains(':') && v.parse::<std::net::Ipv6Addr>().is_ok())
}

/// Go's `base64.StdEncoding.DecodeString` succeeds (it skips `\r` and `\n`).
fn is_base64(v: &str) -> bool {
    let s: Vec<u8> = v.bytes().filter(|b| *b != b'\r' && *b != b'\n').collect();
    if !s.len().is_multiple_of(4) {
        return false;
    }
    let pad = s.iter().rev().take_while(|b| **b == b'=').count();
    pad <= 2
        && s[..s.len() - pad]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

impl NamedCheck {
    /// Checks a string value; `key` names the argument in messages (the
    /// SDK's key: the name, or the flatmap path `a.0.b` inside blocks).
    pub fn check_str(&self, key: &str, v: &str) -> Verdict {
        let mut errors = Vec::new();
        let q = go_quote(key);
        match self {
            NamedCheck::NotEmpty => {
                if v.is_empty() {
                    errors.push(format!("expected {q} to not be an empty string, got {v}"));
                }
            }
            NamedCheck::NotWhiteSpace => {
                if v.trim().is_empty() {
                    errors.push(format!(
                        "expected {q} to not be an empty string or whitespace"
                    ));
                }
            }
            NamedCheck::Uuid { allow_empty } => {
                if !(is_uuid(v) || *allow_empty && v.is_empty()) {
                    errors.push(format!("expected {q} to be a valid UUID, got {v}"));
                }
            }
            NamedCheck::Ipv4 => {
                if !is_ipv4(v) {
                    errors.push(format!(
                        "expected {key} to contain a valid IPv4 address, got: {v}"
                    ));
                }
            }
            NamedCheck::IpAddress => {
                if !is_ip(v) {
                    errors.push(format!("expected {key} to contain a valid IP, got: {v}"));
                }
            }
            NamedCheck::Base64 => {
                if v.is_empty() {
                    errors.push(format!("expected {q} to not be an empty string, got {v}"));
                } else if !is_base64(v) {
                    errors.push(format!("expected {q} to be a base64 string, got {v}"));
                }
            }
            NamedCheck::AtLeast { .. } | NamedCheck::AtMost { .. } | NamedCheck::PortNumber => {
                return Verdict::Unknown;
            }
            NamedCheck::ResourceGroupName => {
                if v.len() > 90 {
                    errors.push(format!("{q} may not exceed 90 characters in length"));
                }
                if v.ends_with('.') {
                    errors.push(format!("{q} may not end with a period"));
                }
                if v.is_empty() {
                    errors.push(format!("{q} cannot be blank"));
                } else if !v
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.()".contains(&b))
                {
                    errors.push(format!(
                        "{q} may only contain alphanumeric characters, dash, underscores, parentheses and periods"
                    ));
                }
            }
            NamedCheck::StorageAccountName => {
                let ok = (3..=24).contains(&v.len())
                    && v.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
                if !ok {
                    errors.push(format!(
                        "name ({}) can only consist of lowercase letters and numbers, and must be between 3 and 24 characters long",
                        go_quote(v)
                    ));
                }
            }
            NamedCheck::KeyVaultName => {
                let b = v.as_bytes();
                if !((3..=24).contains(&b.len())
                    && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-'))
                {
                    errors.push(format!(
                        "{q} may only contain alphanumeric characters and dashes and must be between 3-24 chars"
                    ));
                }
                let starts = b.first().is_some_and(u8::is_ascii_alphabetic);
                let ends = b.len() >= 2 && b.last().is_some_and(u8::is_ascii_alphanumeric);
                if !(starts && ends) {
                    errors.push(format!(
                        "{q} must start with a letter and end with a letter or number"
                    ));
                }
                if v.contains("--") {
                    errors.push(format!("{q} must not contain any consecutive hyphens"));
                }
            }
            NamedCheck::ArmId(shape) => return shape.check(v),
        }
        if errors.is_empty() {
            Verdict::Valid
        } else {
            Verdict::Invalid(errors)
        }
    }

    /// Checks a number value (see `check_str` for `key`).
    pub fn check_num(&self, key: &str, n: f64) -> Verdict {
        let fmt = |x: f64, float: bool| if float { go_float(x) } else { go_number(x) };
        match *self {
            NamedCheck::AtLeast { min, float } if n < min => Verdict::Invalid(vec![format!(
                "expected {key} to be at least ({}), got {}",
                fmt(min, float),
                fmt(n, float)
            )]),
            NamedCheck::AtMost { max, float } if n > max => Verdict::Invalid(vec![format!(
                "expected {key} to be at most ({}), got {}",
                fmt(max, float),
                fmt(n, float)
            )]),
            NamedCheck::PortNumber if !(1.0..=65535.0).contains(&n) || n.fract() != 0.0 => {
                Verdict::Invalid(vec![format!(
                    "expected {} to be a valid port number, got: {}",
                    go_quote(key),
                    go_number(n)
                )])
            }
            NamedCheck::AtLeast { .. } | NamedCheck::AtMost { .. } | NamedCheck::PortNumber => {
                Verdict::Valid
            }
            _ => Verdict::Unknown,
        }
    }

    fn check_probe(&self, key: &str, v: &ProbeValue) -> Verdict {
        match v {
            ProbeValue::Str(s) => self.check_str(key, s),
            ProbeValue::Num(n) => self.check_num(key, *n),
        }
    }

    /// The named check that gives exactly the recorded messages for every
    /// probe of an argument called `name`, if any.
    pub fn recognise(name: &str, probes: &[Probe]) -> Option<NamedCheck> {
        if probes.is_empty() || probes.iter().all(|p| p.errors.is_empty()) {
            return None;
        }
        let accepts_empty = probes
            .iter()
            .any(|p| p.value == ProbeValue::Str(String::new()) && p.errors.is_empty());
        let mut candidates = vec![
            NamedCheck::NotEmpty,
            NamedCheck::NotWhiteSpace,
            NamedCheck::Uuid {
                allow_empty: accepts_empty,
            },
            NamedCheck::ResourceGroupName,
            NamedCheck::StorageAccountName,
            NamedCheck::KeyVaultName,
            NamedCheck::Ipv4,
            NamedCheck::IpAddress,
            NamedCheck::Base64,
            NamedCheck::PortNumber,
        ];
        candidates.extend(numeric_candidate(name, probes));
        candidates.extend(ArmIdShape::from_probes(probes).map(NamedCheck::ArmId));
        candidates.into_iter().find(|c| {
            probes.iter().all(|p| match c.check_probe(name, &p.value) {
                Verdict::Valid => p.errors.is_empty(),
                Verdict::Invalid(e) => e == p.errors,
                Verdict::Unknown => false,
            })
        })
    }
}

/// `IntAtLeast`/`IntAtMost` (and the float forms), with the bound read off
/// a rejected probe's message.
fn numeric_candidate(name: &str, probes: &[Probe]) -> Option<NamedCheck> {
    let msg = probes.iter().find_map(|p| p.errors.first())?;
    let rest = msg.strip_prefix(&format!("expected {name} to be "))?;
    let (kind, rest) = rest.split_once(" (")?;
    let (bound, _) = rest.split_once("), got ")?;
    let float = bound.contains('.');
    let b: f64 = bound.parse().ok()?;
    match kind {
        "at least" => Some(NamedCheck::AtLeast { min: b, float }),
        "at most" => Some(NamedCheck::AtMost { max: b, float }),
        _ => None,
    }
}

impl ArmIdShape {
    /// Reads the shape off the message for `__ATG_PROBE__`: the example ID
    /// after "matched (containing N segments):" and the "Segment i - this
    /// should be ..." lines. Only IDs of plain segments are recognised.
    fn from_probes(probes: &[Probe]) -> Option<ArmIdShape> {
        let template = probes
            .iter()
            .find(|p| p.value == ProbeValue::Str(TEMPLATE_PROBE.into()))?
            .errors
            .first()?
            .clone();
        if !template.starts_with(&format!("parsing \"{TEMPLATE_PROBE}\": parsing the ")) {
            return None;
        }
        let example = template
            .split("\n\n> ")
            .nth(1)?
            .split('\n')
            .next()?
            .trim_start_matches('/');
        let parts: Vec<&str> = example.split('/').collect();
        let mut segments = Vec::with_capacity(parts.len());
        for (i, line) in template
            .lines()
            .filter(|l| l.starts_with("* Segment ") && l.contains(" - this should be "))
            .enumerate()
        {
            let what = line.split_once(" - this should be ")?.1;
            let seg = if let Some(lit) = what.strip_prefix("the literal value ") {
                Some(lit.trim_matches('"').to_string())
            } else if what.starts_with("the name of the Resource Provider") {
                Some(parts.get(i)?.to_string())
            } else if what.starts_with("the UUID of the Azure Subscription")
                || what.starts_with("the name of the Resource Group")
                || what.starts_with("the user specified value")
            {
                None
            } else {
                return None; // scopes and other segment kinds
            };
            segments.push(seg);
        }
        (!segments.is_empty() && segments.len() == parts.len())
            .then_some(ArmIdShape { segments, template })
    }

    fn check(&self, v: &str) -> Verdict {
        if v.is_empty() {
            return Verdict::Invalid(vec!["parsing \"\": cannot parse an empty string".into()]);
        }
        let parts: Vec<&str> = v.trim_matches('/').split('/').collect();
        let exact = parts.len() == self.segments.len()
            && parts
                .iter()
                .zip(&self.segments)
                .all(|(p, s)| !p.is_empty() && s.as_deref().is_none_or(|lit| lit == *p));
        if exact {
            return Verdict::Valid;
        }
        let shares_a_literal = parts.iter().any(|p| {
            self.segments
                .iter()
                .flatten()
                .any(|lit| lit.eq_ignore_ascii_case(p))
        });
        if shares_a_literal {
            // The parser matched some segments; its message then lists
            // them, in a form the probes do not show.
            return Verdict::Unknown;
        }
        let msg = self
            .template
            .replace(&format!("\"{TEMPLATE_PROBE}\""), &go_quote(v))
            .replace(TEMPLATE_PROBE, v);
        Verdict::Invalid(vec![msg])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::rules::{ValueCheck, tests::azurerm};

    fn s(v: &str) -> ProbeValue {
        ProbeValue::Str(v.into())
    }

    #[test]
    fn go_quoting_escapes_like_strconv_quote() {
        assert_eq!(go_quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(go_quote("é"), "\"é\"");
        assert_eq!(go_quote("\u{1}"), "\"\\x01\"");
    }

    #[test]
    fn each_check_gives_the_messages_of_the_issue() {
        assert_eq!(
            NamedCheck::StorageAccountName.check_str("name", "st-Contoso-Dev"),
            Verdict::Invalid(vec!["name (\"st-Contoso-Dev\") can only consist of lowercase letters and numbers, and must be between 3 and 24 characters long".into()])
        );
        assert_eq!(
            NamedCheck::ResourceGroupName.check_str("name", ""),
            Verdict::Invalid(vec!["\"name\" cannot be blank".into()])
        );
        assert_eq!(
            NamedCheck::ResourceGroupName.check_str("name", "rg."),
            Verdict::Invalid(vec!["\"name\" may not end with a period".into()])
        );
        assert_eq!(
            NamedCheck::ResourceGroupName.check_str("name", "ITERATION1_rg-(a).b"),
            Verdict::Valid
        );
        assert_eq!(
            NamedCheck::KeyVaultName.check_str("name", "kv--x"),
            Verdict::Invalid(vec![
                "\"name\" must not contain any consecutive hyphens".into()
            ])
        );
        assert_eq!(
            NamedCheck::Uuid { allow_empty: false }
                .check_str("tenant_id", "00000000-0000-0000-0000-00000000000A"),
            Verdict::Valid
        );
        assert_eq!(
            NamedCheck::AtLeast {
                min: 0.0,
                float: true
            }
            .check_num("x", -1.0),
            Verdict::Invalid(vec![
                "expected x to be at least (0.000000), got -1.000000".into()
            ])
        );
        assert_eq!(
            NamedCheck::Ipv4.check_str("ip", "10.0.0.01"),
            Verdict::Invalid(vec![
                "expected ip to contain a valid IPv4 address, got: 10.0.0.01".into()
            ])
        );
        assert_eq!(
            NamedCheck::IpAddress.check_str("ip", "fe80::1"),
            Verdict::Valid
        );
        assert_eq!(NamedCheck::Base64.check_str("d", "aGk="), Verdict::Valid);
    }

    #[test]
    fn recognition_needs_every_probe_to_agree() {
        let probes = vec![
            Probe {
                value: s(""),
                errors: vec!["expected \"location\" to not be an empty string, got ".into()],
            },
            Probe {
                value: s("a"),
                errors: vec![],
            },
        ];
        assert_eq!(
            NamedCheck::recognise("location", &probes),
            Some(NamedCheck::NotEmpty)
        );
        let mut other = probes.clone();
        other[1].errors = vec!["something else".into()];
        assert_eq!(NamedCheck::recognise("location", &other), None);
    }

    #[test]
    fn arm_id_checks_follow_the_subnet_probe_template() {
        let r = azurerm();
        let Some(ValueCheck::Named(NamedCheck::ArmId(shape))) = &r
            .resource("azurerm_network_interface")
            .unwrap()
            .arg("ip_configuration.subnet_id")
            .unwrap()
            .value
        else {
            panic!("subnet_id is not recognised as an ARM ID")
        };
        let ok = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s";
        assert_eq!(shape.check(ok), Verdict::Valid);
        let Verdict::Invalid(m) = shape.check("nope") else {
            panic!()
        };
        assert!(
            m[0].starts_with(
                "parsing \"nope\": parsing the Subnet ID: the number of segments didn't match"
            ),
            "{m:?}"
        );
        assert!(m[0].contains("\n> nope\n"), "{m:?}");
        // A subnet's vnet: its segments match partly, a message atg does not know.
        assert_eq!(
            shape.check(
                "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
            ),
            Verdict::Unknown
        );
    }

    #[test]
    fn most_azurerm_probed_functions_are_recognised() {
        let r = azurerm();
        let (mut named, mut unchecked) = (0, 0);
        let mut kinds = std::collections::BTreeMap::new();
        for t in [
            "azurerm_resource_group",
            "azurerm_storage_account",
            "azurerm_key_vault",
        ] {
            for (_, a) in r.resource(t).unwrap().iter() {
                match &a.value {
                    Some(ValueCheck::Named(n)) => {
                        named += 1;
                        *kinds
                            .entry(
                                format!("{n:?}")
                                    .split([' ', '('])
                                    .next()
                                    .unwrap()
                                    .to_string(),
                            )
                            .or_insert(0) += 1;
                    }
                    Some(ValueCheck::NotCheckedOffline) => unchecked += 1,
                    _ => {}
                }
            }
        }
        assert!(
            named > unchecked,
            "{named} named, {unchecked} not: {kinds:?}"
        );
        for k in [
            "NotEmpty",
            "ResourceGroupName",
            "StorageAccountName",
            "KeyVaultName",
            "Uuid",
            "ArmId",
        ] {
            assert!(
                kinds.contains_key(k),
                "{k} not recognised anywhere: {kinds:?}"
            );
        }
    }
}
