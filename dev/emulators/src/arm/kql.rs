//! The subset of Kusto Query Language the emulator understands: the
//! queries `coverage::Queries` builds. A table name, then any of
//! `where COL =~ 'v'`, `where COL in~ ('a', 'b')` (COL: `id`, `type`,
//! `resourceGroup`, `subscriptionId`, `properties.type`), `order by id asc|desc`
//! and `summarize count() by COL`, separated by `|`. Anything else is a
//! parse error, answered like Resource Graph's `BadRequest`.
//!
//! Serving the results is left to `server`.

use atg::azure::coverage::GraphTable;

/// A column a query can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// `id`.
    Id,
    /// `type`.
    Type,
    /// `resourceGroup`.
    ResourceGroup,
    /// `subscriptionId`.
    SubscriptionId,
    /// `properties.type` (a role definition's `BuiltInRole`/`CustomRole`).
    PropertiesType,
}

/// One operator after the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Keep rows whose column equals one of the values, ignoring case.
    Where(Column, Vec<String>),
    /// Sort by ARM ID.
    OrderById {
        /// Descending when true.
        descending: bool,
    },
    /// Count rows per value of the column (`count_`).
    CountBy(Column),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The table.
    pub table: GraphTable,
    /// The operators, in order.
    pub ops: Vec<Op>,
}

/// Parses a query. Errors: a message naming the part not understood.
pub fn parse(text: &str) -> Result<Query, String> {
    let parts = split_pipes(text)?;
    let mut parts = parts.iter().map(|p| p.trim());
    let table = match parts
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "resources" => GraphTable::Resources,
        "resourcecontainers" => GraphTable::ResourceContainers,
        "authorizationresources" => GraphTable::AuthorizationResources,
        other => return Err(format!("unknown table `{other}`")),
    };
    let mut ops = Vec::new();
    for part in parts {
        let words: Vec<&str> = part.split_whitespace().collect();
        let op = match words.as_slice() {
            ["where", col, "=~", rest @ ..] => {
                Op::Where(column(col)?, vec![string(&rest.join(" "))?])
            }
            ["where", col, "in~", rest @ ..] => Op::Where(column(col)?, list(&rest.join(" "))?),
            ["order", "by", "id"] | ["order", "by", "id", "asc"] => {
                Op::OrderById { descending: false }
            }
            ["order", "by", "id", "desc"] => Op::OrderById { descending: true },
            ["summarize", "count()", "by", col] => Op::CountBy(column(col)?),
            _ => return Err(format!("operator not supported by the emulator: `{part}`")),
        };
        ops.push(op);
    }
    Ok(Query { table, ops })
}

fn column(name: &str) -> Result<Column, String> {
    Ok(match name {
        "id" => Column::Id,
        "type" => Column::Type,
        "resourceGroup" => Column::ResourceGroup,
        "subscriptionId" => Column::SubscriptionId,
        "properties.type" => Column::PropertiesType,
        other => return Err(format!("unknown column `{other}`")),
    })
}

/// A single- or double-quoted string literal, without escapes.
fn string(text: &str) -> Result<String, String> {
    let t = text.trim();
    let quote = t.chars().next().filter(|c| *c == '\'' || *c == '"');
    match quote {
        Some(q) if t.len() >= 2 && t.ends_with(q) && !t[1..t.len() - 1].contains(q) => {
            Ok(t[1..t.len() - 1].to_string())
        }
        _ => Err(format!("expected a quoted string, found `{t}`")),
    }
}

/// `('a', 'b')`.
fn list(text: &str) -> Result<Vec<String>, String> {
    let t = text.trim();
    let inner = t
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| format!("expected `(...)`, found `{t}`"))?;
    inner.split(',').map(string).collect()
}

/// Splits on `|` outside string literals.
fn split_pipes(text: &str) -> Result<Vec<String>, String> {
    let mut parts = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (None, '|') => parts.push(String::new()),
            (None, '\'' | '"') => {
                quote = Some(c);
                parts.last_mut().expect("one part").push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                parts.last_mut().expect("one part").push(c);
            }
            (_, c) => parts.last_mut().expect("one part").push(c),
        }
    }
    if quote.is_some() {
        return Err("unterminated string literal".into());
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use atg::azure::coverage::Queries;

    #[test]
    fn every_query_atg_sends_parses() {
        let q = Queries::new(&["rg-a".into(), "rg|b".into()]);
        for text in [
            q.subscriptions(),
            q.resource_groups(),
            q.counts(),
            q.resources(),
            q.role_assignments(),
            q.custom_role_definitions(),
        ] {
            parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
        assert_eq!(
            parse(&q.resources()).unwrap(),
            Query {
                table: GraphTable::Resources,
                ops: vec![
                    Op::Where(Column::ResourceGroup, vec!["rg-a".into(), "rg|b".into()]),
                    Op::OrderById { descending: false }
                ]
            }
        );
    }

    #[test]
    fn other_kql_is_refused() {
        assert!(parse("Resources | take 5").is_err());
        assert!(parse("Securityresources").is_err());
        assert!(parse("Resources | where name =~ 'x").is_err());
    }
}
