//! A report as headed sections of lines and tables, rendered either for a
//! terminal (comfy-table tables) or as GitHub-flavoured Markdown. Fidelity,
//! compare and compare-iterations build one `Document` and pick the
//! rendering; what goes in the sections is theirs.

use super::{markdown_table, table};

/// A report: a title and its sections, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// The title (a `#` heading in Markdown).
    pub title: String,
    /// Lines shown under the title, before the first section.
    pub intro: Vec<String>,
    /// The sections.
    pub sections: Vec<Section>,
}

/// One section: a heading, lines of text, then an optional table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    /// The heading (a `##` heading in Markdown).
    pub heading: String,
    /// Lines of text; each becomes its own paragraph line.
    pub lines: Vec<String>,
    /// Column headers (`#` prefix or `%` suffix: right-aligned numbers).
    pub headers: Vec<String>,
    /// Table rows; no table is drawn when empty.
    pub rows: Vec<Vec<String>>,
}

impl Section {
    /// A section with a heading and nothing else yet.
    pub fn new(heading: impl Into<String>) -> Self {
        Section {
            heading: heading.into(),
            ..Default::default()
        }
    }

    /// Adds a line (builder style).
    pub fn line(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }

    /// Sets the table (builder style).
    pub fn table(mut self, headers: &[&str], rows: Vec<Vec<String>>) -> Self {
        self.headers = headers.iter().map(|h| h.to_string()).collect();
        self.rows = rows;
        self
    }

    fn header_refs(&self) -> Vec<&str> {
        self.headers.iter().map(String::as_str).collect()
    }
}

impl Document {
    /// An empty document with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Document {
            title: title.into(),
            ..Default::default()
        }
    }

    /// For a terminal: the title, then each section's heading, lines and
    /// table, separated by blank lines.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n", self.title);
        for l in &self.intro {
            out.push_str(l);
            out.push('\n');
        }
        for s in &self.sections {
            out.push('\n');
            out.push_str(&s.heading);
            out.push('\n');
            for l in &s.lines {
                out.push_str(l);
                out.push('\n');
            }
            if !s.rows.is_empty() {
                out.push_str(&table(&s.header_refs(), &s.rows));
                out.push('\n');
            }
        }
        out
    }

    /// GitHub-flavoured Markdown: `#` title, `##` sections, pipe tables.
    /// The same document always gives the same bytes.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        if !self.intro.is_empty() {
            out.push('\n');
            out.push_str(&markdown_lines(&self.intro));
        }
        for s in &self.sections {
            out.push_str(&format!("\n## {}\n", s.heading));
            if !s.lines.is_empty() {
                out.push('\n');
                out.push_str(&markdown_lines(&s.lines));
            }
            if !s.rows.is_empty() {
                out.push('\n');
                out.push_str(&markdown_table(&s.header_refs(), &s.rows));
            }
        }
        out
    }
}

/// Lines as Markdown: list items (`- `, `  - `) stay together; every other
/// line is its own paragraph, so GitHub does not join them.
fn markdown_lines(lines: &[String]) -> String {
    let is_item = |l: &str| l.trim_start().starts_with("- ");
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 && !(is_item(l) && is_item(&lines[i - 1])) {
            out.push('\n');
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        let mut d = Document::new("Report");
        d.intro.push("intro".into());
        d.intro.push("second".into());
        d.sections.push(
            Section::new("Counts")
                .line("- one line")
                .line("  - nested")
                .table(&["type", "#n"], vec![vec!["a".into(), "1".into()]]),
        );
        d.sections.push(Section::new("Empty").line("nothing"));
        d
    }

    #[test]
    fn markdown_has_headings_and_pipe_tables() {
        assert_eq!(
            doc().to_markdown(),
            "# Report\n\nintro\n\nsecond\n\n## Counts\n\n- one line\n  - nested\n\n| type | n |\n| --- | ---: |\n| a | 1 |\n\n## Empty\n\nnothing\n"
        );
    }

    #[test]
    fn text_draws_tables() {
        let t = doc().to_text();
        assert!(
            t.starts_with("Report\nintro\nsecond\n\nCounts\n- one line\n  - nested\n┌"),
            "{t}"
        );
        assert!(t.ends_with("\nEmpty\nnothing\n"), "{t}");
    }
}
