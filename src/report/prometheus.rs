//! The Prometheus text exposition format (version 0.0.4), as node_exporter's
//! textfile collector reads it: `# HELP` and `# TYPE` lines, then one sample
//! per line, `name{label="value"} number`. Writing the file atomically is
//! left to the caller (`fsutil::write_atomic`).

use std::fmt::Write as _;

/// One gauge and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauge {
    /// Metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`, e.g. `atg_resources`.
    pub name: &'static str,
    /// One line of help text.
    pub help: &'static str,
    /// Samples: label pairs and the value.
    pub samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Renders gauges in the text exposition format, in the order given.
pub fn render(gauges: &[Gauge]) -> String {
    let mut out = String::new();
    for g in gauges {
        let _ = writeln!(out, "# HELP {} {}", g.name, g.help);
        let _ = writeln!(out, "# TYPE {} gauge", g.name);
        for (labels, value) in &g.samples {
            out.push_str(g.name);
            if !labels.is_empty() {
                let inner: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                let _ = write!(out, "{{{}}}", inner.join(","));
            }
            let _ = writeln!(out, " {value}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_help_type_and_escaped_labels() {
        let text = render(&[Gauge {
            name: "atg_resources",
            help: "Resources in the newest scan.",
            samples: vec![(vec![("scan_id", "a\"b".to_string())], 51.0)],
        }]);
        assert_eq!(
            text,
            "# HELP atg_resources Resources in the newest scan.\n# TYPE atg_resources gauge\natg_resources{scan_id=\"a\\\"b\"} 51\n"
        );
    }
}
