//! Writers for result tables, JSON, CSV, Markdown and Prometheus text,
//! shared by every command that shows results. Computing the results is
//! left to the stages.

pub mod document;
pub mod prometheus;

pub use document::{Document, Section};

use comfy_table::{Cell, CellAlignment, Table, presets};

/// Renders a table with a header row. Columns whose header starts with `#`
/// or ends with `%` are right-aligned (the `#` is not shown).
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    t.set_header(headers.iter().map(|h| Cell::new(h.trim_start_matches('#'))));
    for row in rows {
        t.add_row(row.iter().map(Cell::new));
    }
    for (i, h) in headers.iter().enumerate() {
        if numeric(h)
            && let Some(col) = t.column_mut(i)
        {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    t.to_string()
}

/// True for the columns `table` and `markdown_table` right-align: headers
/// starting with `#` or ending with `%`.
fn numeric(header: &str) -> bool {
    header.starts_with('#') || header.ends_with('%')
}

/// Renders a GitHub-flavoured Markdown table (same header conventions as
/// `table`). `|` in cells is escaped and line breaks become `<br>`, so every
/// row stays one table row.
pub fn markdown_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', "<br>");
    let mut out = String::new();
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&line(
        headers
            .iter()
            .map(|h| cell(h.trim_start_matches('#')))
            .collect(),
    ));
    out.push_str(&line(
        headers
            .iter()
            .map(|h| if numeric(h) { "---:" } else { "---" }.to_string())
            .collect(),
    ));
    for row in rows {
        out.push_str(&line(row.iter().map(|c| cell(c)).collect()));
    }
    out
}

/// Renders CSV (RFC 4180, via the `csv` crate) with a header row; the `#`
/// marking numeric columns is dropped from header names.
pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let write = |w: &mut ::csv::Writer<Vec<u8>>| -> ::csv::Result<()> {
        w.write_record(headers.iter().map(|h| h.trim_start_matches('#')))?;
        for row in rows {
            w.write_record(row)?;
        }
        w.flush()?;
        Ok(())
    };
    write(&mut w).expect("CSV into memory cannot fail");
    String::from_utf8(w.into_inner().expect("flushed")).expect("CSV of UTF-8 cells is UTF-8")
}

/// Pretty JSON of any serialisable value, with a final newline.
pub fn json<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("results serialise to JSON");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn numeric_columns_align_right() {
        let t = super::table(
            &["type", "#count"],
            &[vec!["a".into(), "7".into()], vec!["bb".into(), "12".into()]],
        );
        assert!(t.contains("count"), "{t}");
        assert!(!t.contains('#'), "{t}");
        assert!(t.contains("│  7 │") || t.contains("  7"), "{t}");
    }

    #[test]
    fn markdown_tables_escape_pipes_and_align_numbers() {
        let t = super::markdown_table(
            &["name", "#n", "match %"],
            &[vec!["a|b".into(), "3".into(), "50.0".into()]],
        );
        assert_eq!(
            t,
            "| name | n | match % |\n| --- | ---: | ---: |\n| a\\|b | 3 | 50.0 |\n"
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let t = super::csv(&["a", "#b"], &[vec!["x,y".into(), "say \"hi\"".into()]]);
        assert_eq!(t, "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
    }
}
