//! Writers for result tables and JSON, shared by every command that shows
//! results. Computing the results is left to the stages.

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
        if (h.starts_with('#') || h.ends_with('%'))
            && let Some(col) = t.column_mut(i)
        {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    t.to_string()
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
}
