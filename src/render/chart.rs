//! Bar charts of statistics tables, drawn as SVG at build time so they work
//! without JavaScript and print well. The numbers are in the table beside the
//! chart, so screen readers get them as text; the SVG itself is a labelled image.

use crate::content::markdown::escape_html;
use crate::data::{ChartSpec, StatsTable};

/// Reads a cell as written in Russian sources: `1 234`, `12,5`, `15%`, `~40`.
pub fn parse_number(cell: &str) -> Option<f64> {
    let cleaned: String = cell
        .trim()
        .trim_start_matches(['~', '≈'])
        .trim_end_matches('%')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty()
        || !cleaned
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '-')
    {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

const COLORS: [&str; 4] = ["#1f5f8b", "#c2571a", "#3b7d3b", "#7a4a9c"];

/// A horizontal grouped bar chart; `None` when no cell reads as a number.
pub fn bar_chart(table: &StatsTable, spec: &ChartSpec) -> Option<String> {
    let rows = table.rows.get_ref();
    let series: Vec<usize> = spec
        .value_columns
        .iter()
        .copied()
        .filter(|&c| c < table.columns.len())
        .collect();
    if series.is_empty() || spec.label_column >= table.columns.len() {
        return None;
    }
    let values: Vec<Vec<Option<f64>>> = rows
        .iter()
        .map(|r| {
            series
                .iter()
                .map(|&c| r.get(c).and_then(|v| parse_number(v)))
                .collect()
        })
        .collect();
    let max = values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return None;
    }
    let bar_h = 14.0;
    let group_gap = 10.0;
    let label_w = 230.0;
    let chart_w = 330.0;
    let value_w = 70.0;
    let group_h = bar_h * series.len() as f64 + group_gap;
    let legend_h = if series.len() > 1 {
        22.0 * series.len() as f64
    } else {
        0.0
    };
    let height = legend_h + group_h * rows.len() as f64 + 10.0;
    let width = label_w + chart_w + value_w;
    let mut svg = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"{title}\"><title>{title}</title>",
        title = escape_html(&table.title)
    );
    for (i, &c) in series.iter().enumerate() {
        if series.len() > 1 {
            let y = 4.0 + 22.0 * i as f64;
            svg.push_str(&format!(
                "<rect x=\"0\" y=\"{y:.0}\" width=\"14\" height=\"14\" fill=\"{}\"/><text x=\"20\" y=\"{:.0}\">{}</text>",
                COLORS[i % COLORS.len()],
                y + 12.0,
                escape_html(&table.columns[c])
            ));
        }
    }
    for (r, row) in rows.iter().enumerate() {
        let top = legend_h + group_h * r as f64;
        let label = row.get(spec.label_column).map_or("", String::as_str);
        let short: String = label.chars().take(34).collect();
        let short = if label.chars().count() > 34 {
            format!("{}…", short.trim_end())
        } else {
            short
        };
        svg.push_str(&format!(
            "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            top + bar_h * series.len() as f64 / 2.0 + 4.0,
            escape_html(&short)
        ));
        for (i, v) in values[r].iter().enumerate() {
            let y = top + bar_h * i as f64;
            let cell = row.get(series[i]).map_or("", String::as_str);
            if let Some(v) = v {
                let w = (v / max * chart_w).max(1.0);
                svg.push_str(&format!(
                    "<rect x=\"{label_w:.0}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.0}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    bar_h - 2.0,
                    COLORS[i % COLORS.len()],
                    label_w + w + 4.0,
                    y + bar_h - 4.0,
                    escape_html(cell)
                ));
            }
        }
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_written() {
        assert_eq!(parse_number("1 234"), Some(1234.0));
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("15%"), Some(15.0));
        assert_eq!(parse_number("30.08.24"), None);
        assert_eq!(parse_number("нет данных"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn chart_draws_numeric_cells_only() {
        let t: StatsTable = toml::from_str(
            r#"title = "T"
columns = ["Регион", "Семей"]
rows = [["А", "150"], ["Б", "нет"], ["В", "75"]]
chart = { value_columns = [1] }"#,
        )
        .unwrap();
        let svg = bar_chart(&t, t.chart.as_ref().unwrap().get_ref()).unwrap();
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("<title>T</title>"));
        assert!(svg.contains("width=\"330.0\""));
    }
}
