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

/// Chart width in SVG units. Drawn for a phone: 320 units shown across a 288–330 px
/// column keep the 14-unit labels at 12.6–14.4 px; CSS caps the chart's width so they
/// stay moderate on a wide screen.
const WIDTH: f64 = 320.0;
/// Label text size in SVG units.
const FONT: f64 = 14.0;
/// Room right of the longest bar for its value.
const VALUE_W: f64 = 64.0;
/// Characters of a row label that fit on one line at FONT across WIDTH.
const LABEL_CHARS: usize = 40;

/// "На диаграмме — «Выходы в семьи»": what the bars show, for the caption (the table
/// has more columns than the chart plots).
pub fn plotted_caption(table: &StatsTable, spec: &ChartSpec) -> Option<String> {
    let names: Vec<String> = spec
        .value_columns
        .iter()
        .filter_map(|&c| table.columns.get(c))
        .map(|c| format!("«{c}»"))
        .collect();
    match names.len() {
        0 => None,
        1 => Some(format!("На диаграмме — {}", names[0])),
        _ => Some(format!("На диаграмме: {}", names.join(", "))),
    }
}

/// A horizontal grouped bar chart; `None` when no cell reads as a number, or when one
/// is below zero: bars drawn from zero to the right cannot show it, and a sliver beside
/// «-5» reads as a small gain (the table beside the chart gives every number). Each row
/// is a label line with its bars under it, so labels never shrink beside the bars.
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
    let plotted = || values.iter().flatten().flatten().copied();
    let max = plotted().fold(0.0_f64, f64::max);
    if max <= 0.0 || plotted().any(|v| v < 0.0) {
        return None;
    }
    let line_h = FONT + 6.0;
    let bar_h = 16.0;
    let group_gap = 10.0;
    let chart_w = WIDTH - VALUE_W;
    let group_h = line_h + bar_h * series.len() as f64 + group_gap;
    let legend_h = if series.len() > 1 {
        line_h * series.len() as f64 + 6.0
    } else {
        0.0
    };
    let height = legend_h + group_h * rows.len() as f64;
    let mut svg = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH:.0} {height:.0}\" font-size=\"{FONT:.0}\" role=\"img\" aria-label=\"{title}\"><title>{title}</title>",
        title = escape_html(&table.title)
    );
    for (i, &c) in series.iter().enumerate() {
        if series.len() > 1 {
            let y = line_h * i as f64;
            svg.push_str(&format!(
                "<rect x=\"0\" y=\"{:.0}\" width=\"14\" height=\"14\" fill=\"{}\"/><text x=\"20\" y=\"{:.0}\">{}</text>",
                y + 2.0,
                COLORS[i % COLORS.len()],
                y + FONT,
                escape_html(&shorten(&table.columns[c], LABEL_CHARS - 3))
            ));
        }
    }
    for (r, row) in rows.iter().enumerate() {
        let top = legend_h + group_h * r as f64;
        let label = row.get(spec.label_column).map_or("", String::as_str);
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.0}\">{}</text>",
            top + FONT,
            escape_html(&shorten(label, LABEL_CHARS))
        ));
        for (i, v) in values[r].iter().enumerate() {
            let y = top + line_h + bar_h * i as f64;
            let cell = row.get(series[i]).map_or("", String::as_str);
            if let Some(v) = v {
                let w = (v / max * chart_w).max(1.0);
                svg.push_str(&format!(
                    "<rect x=\"0\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.0}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    bar_h - 3.0,
                    COLORS[i % COLORS.len()],
                    w + 4.0,
                    y + bar_h - 4.0,
                    escape_html(cell)
                ));
            }
        }
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// At most `n` characters, an ellipsis when cut (the table beside it has the full text).
fn shorten(text: &str, n: usize) -> String {
    if text.chars().count() > n {
        let cut: String = text.chars().take(n - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        text.to_string()
    }
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
        assert!(
            svg.contains("width=\"256.0\""),
            "the largest bar spans the chart"
        );
        assert_eq!(
            plotted_caption(&t, t.chart.as_ref().unwrap().get_ref()).as_deref(),
            Some("На диаграмме — «Семей»")
        );
    }

    #[test]
    fn a_negative_number_gets_no_chart_rather_than_a_bar_that_reads_as_a_gain() {
        let t: StatsTable = toml::from_str(
            r#"title = "T"
columns = ["Год", "Изменение"]
rows = [["2023", "12"], ["2024", "-5"]]
chart = { value_columns = [1] }"#,
        )
        .unwrap();
        assert_eq!(parse_number("-5"), Some(-5.0));
        assert!(bar_chart(&t, t.chart.as_ref().unwrap().get_ref()).is_none());
    }

    #[test]
    fn chart_labels_stay_at_least_12_px_on_a_320_px_phone() {
        // The column is 288 px wide at 320 px (1 rem padding each side).
        let scale = 288.0 / WIDTH;
        assert!(FONT * scale >= 12.0, "{} px", FONT * scale);
    }
}
