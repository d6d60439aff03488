//! SVG charts of tone tables: stacked horizontal bars of label shares per
//! speaker or side (per speaker and month too), stacked columns over months.
//!
//! Written by hand rather than with a plotting crate: the chart is a few dozen
//! rectangles and labels, the output must be byte-identical run to run (no
//! font measuring, no floating layout), and a plotting stack would cost more
//! build time than the whole feature is worth. Every chart carries a title, a
//! legend, percentages on segments wide enough to hold them and the number of
//! quotes behind each bar, so it reads without explanation.

use crate::tables::{By, Table};
use std::fmt::Write as _;

/// Bars drawn at most; the rest are summarised in the subtitle.
const MAX_BARS: usize = 40;

/// Colour of a label: the codebook's four tones get fixed, distinct colours
/// (hostile red, gloomy purple, warm green, grey), other labels a palette.
fn colour(label: &str, i: usize) -> &'static str {
    match label {
        "accusatory" => "#c0392b",
        "pessimistic" => "#7d3c98",
        "conciliatory" => "#27ae60",
        "neutral" => "#aab7b8",
        _ => ["#2e86c1", "#f39c12", "#16a085", "#d35400", "#34495e", "#e84393"][i % 6],
    }
}

/// The order labels are stacked and listed in: the codebook's tones from
/// hostile to warm, so that bars read left to right as a scale; any other
/// labels after them in table order.
fn order(labels: &[String]) -> Vec<usize> {
    const SCALE: [&str; 4] = ["accusatory", "pessimistic", "neutral", "conciliatory"];
    let mut idx: Vec<usize> = (0..labels.len()).collect();
    idx.sort_by_key(|&i| (SCALE.iter().position(|s| *s == labels[i]).unwrap_or(SCALE.len()), i));
    idx
}

/// Text colour readable on a label's colour (dark on the light grey).
fn ink(label: &str) -> &'static str {
    if label == "neutral" {
        "#222"
    } else {
        "white"
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Cuts a long name so that it fits the label column.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// The SVG document for `table`, titled `title`.
pub fn render(table: &Table, title: &str) -> String {
    if table.by == By::Month {
        columns(table, title)
    } else {
        bars(table, title)
    }
}

fn header(s: &mut String, width: u32, height: u32, title: &str, subtitle: &str) {
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">"#
    );
    let _ = writeln!(s, r#"<rect width="{width}" height="{height}" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="20" y="30" font-size="18" font-weight="bold">{}</text>"#, esc(title));
    let _ = writeln!(s, r##"<text x="20" y="50" font-size="12" fill="#555">{}</text>"##, esc(subtitle));
}

fn legend(s: &mut String, table: &Table, x0: u32, y: u32) {
    let mut x = x0;
    for i in order(&table.labels) {
        let l = &table.labels[i];
        let _ = writeln!(s, r#"<rect x="{x}" y="{}" width="14" height="14" fill="{}"/>"#, y - 11, colour(l, i));
        let _ = writeln!(s, r#"<text x="{}" y="{y}" font-size="13">{}</text>"#, x + 20, esc(l));
        x += 34 + 8 * l.chars().count() as u32;
    }
}

fn pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Stacked horizontal bars, one per group.
fn bars(table: &Table, title: &str) -> String {
    // The groups with most quotes, kept in the table's order (by quotes, or
    // by speaker then month).
    let mut pick: Vec<usize> = (0..table.groups.len()).collect();
    pick.sort_by(|&a, &b| table.groups[b].quotes.cmp(&table.groups[a].quotes).then(a.cmp(&b)));
    pick.truncate(MAX_BARS);
    pick.sort_unstable();
    let shown: Vec<&crate::tables::Group> = pick.iter().map(|&i| &table.groups[i]).collect();
    let (label_w, bar_w, row_h, top) = (300u32, 560u32, 26u32, 100u32);
    let width = label_w + bar_w + 110;
    let height = top + row_h * shown.len().max(1) as u32 + 50;
    let what = match table.by {
        By::Side => "side",
        By::SpeakerMonth => "speaker and month",
        _ => "speaker",
    };
    let mut subtitle = format!("Share of quotes by tone label, per {what}; n = number of quotes");
    if shown.len() < table.groups.len() {
        let _ = write!(subtitle, " (the {} with most quotes of {})", shown.len(), table.groups.len());
    }
    let mut s = String::new();
    header(&mut s, width, height, title, &subtitle);
    legend(&mut s, table, 20, 78);
    // Grid lines and axis.
    let axis_y = top + row_h * shown.len().max(1) as u32;
    for t in 0..=4 {
        let x = label_w + bar_w * t / 4;
        let _ = writeln!(s, r##"<line x1="{x}" y1="{}" x2="{x}" y2="{axis_y}" stroke="#ddd"/>"##, top - 4);
        let _ = writeln!(s, r##"<text x="{x}" y="{}" font-size="11" text-anchor="middle" fill="#555">{}%</text>"##, axis_y + 16, t * 25);
    }
    if shown.is_empty() {
        let _ = writeln!(s, r##"<text x="{}" y="{}" font-size="13" fill="#555">no quotes</text>"##, label_w, top + 17);
    }
    for (r, g) in shown.iter().enumerate() {
        let y = top + row_h * r as u32;
        let name = g.key.join(" · ");
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="13" text-anchor="end">{}</text>"#,
            label_w - 10,
            y + 17,
            esc(&fit(&name, 36))
        );
        let mut x = label_w as f64;
        for i in order(&table.labels) {
            let l = &g.labels[i];
            let w = l.share * bar_w as f64;
            if w <= 0.0 {
                continue;
            }
            let _ = writeln!(
                s,
                r#"<rect x="{x:.1}" y="{}" width="{w:.1}" height="{}" fill="{}"><title>{}: {} of {} ({})</title></rect>"#,
                y + 3,
                row_h - 6,
                colour(&l.label, i),
                esc(&l.label),
                l.count,
                g.quotes,
                pct(l.share)
            );
            if w >= 34.0 {
                let _ = writeln!(
                    s,
                    r#"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>"#,
                    x + w / 2.0,
                    y + 17,
                    ink(&l.label),
                    pct(l.share)
                );
            }
            x += w;
        }
        let _ = writeln!(s, r#"<text x="{}" y="{}" font-size="12">n = {}</text>"#, label_w + bar_w + 10, y + 17, g.quotes);
    }
    s.push_str("</svg>\n");
    s
}

/// Stacked columns, one per month, in time order.
fn columns(table: &Table, title: &str) -> String {
    let n = table.groups.len().max(1) as u32;
    let (left, top, plot_h, slot) = (60u32, 110u32, 300u32, 44u32);
    let width = (left + slot * n + 40).max(640);
    let height = top + plot_h + 80;
    let mut s = String::new();
    header(&mut s, width, height, title, "Share of quotes by tone label, per month; the number above each column is its quotes");
    legend(&mut s, table, 20, 78);
    let base = top + plot_h;
    for t in 0..=4 {
        let y = base - plot_h * t / 4;
        let _ = writeln!(s, r##"<line x1="{left}" y1="{y}" x2="{}" y2="{y}" stroke="#ddd"/>"##, left + slot * n);
        let _ = writeln!(s, r##"<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#555">{}%</text>"##, left - 6, y + 4, t * 25);
    }
    for (c, g) in table.groups.iter().enumerate() {
        let x = left + slot * c as u32 + 6;
        let w = slot - 12;
        let mut y = base as f64;
        for i in order(&table.labels) {
            let l = &g.labels[i];
            let h = l.share * plot_h as f64;
            if h <= 0.0 {
                continue;
            }
            y -= h;
            let _ = writeln!(
                s,
                r#"<rect x="{x}" y="{y:.1}" width="{w}" height="{h:.1}" fill="{}"><title>{} {}: {} of {} ({})</title></rect>"#,
                colour(&l.label, i),
                esc(&g.key.join(" ")),
                esc(&l.label),
                l.count,
                g.quotes,
                pct(l.share)
            );
        }
        let cx = x + w / 2;
        let _ = writeln!(s, r#"<text x="{cx}" y="{}" font-size="10" text-anchor="middle">{}</text>"#, top - 6, g.quotes);
        let _ = writeln!(
            s,
            r#"<text x="{cx}" y="{}" font-size="11" text-anchor="end" transform="rotate(-45 {cx} {})">{}</text>"#,
            base + 14,
            base + 14,
            esc(&g.key.join(" "))
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Tables;

    fn sample(by: By) -> Table {
        let csv = "doc,quote,part,speaker,date,label,p_accusatory,p_neutral\n\
                   a,1,1,Ann <&>,2024-01-02,accusatory,0.9,0.1\n\
                   a,2,1,Ann <&>,2024-02-02,neutral,0.2,0.8\n\
                   b,1,1,Bob,2024-02-03,neutral,0.2,0.8\n";
        let mut t = Tables::new(by, false);
        t.read(csv.as_bytes(), "t").unwrap();
        t.finish(0)
    }

    #[test]
    fn bars_have_a_title_legend_counts_and_escaped_names() {
        let svg = render(&sample(By::Speaker), "Tone by speaker");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Tone by speaker"));
        assert!(svg.contains(">accusatory</text>") && svg.contains(">neutral</text>"));
        assert!(svg.contains("Ann &lt;&amp;&gt;"));
        assert!(svg.contains("n = 2") && svg.contains("n = 1"));
        assert!(svg.contains(">50%<"));
        assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
    }

    #[test]
    fn months_are_columns_in_time_order() {
        let svg = render(&sample(By::Month), "Tone over time");
        let (a, b) = (svg.find(">2024-01<").unwrap(), svg.find(">2024-02<").unwrap());
        assert!(a < b);
    }

    #[test]
    fn tones_are_stacked_from_hostile_to_warm() {
        let l: Vec<String> = ["accusatory", "conciliatory", "neutral", "other", "pessimistic"].map(String::from).to_vec();
        assert_eq!(order(&l), [0, 4, 2, 1, 3]);
    }

    #[test]
    fn an_empty_table_still_draws() {
        let t = Table { by: By::Speaker, labels: vec!["neutral".into()], groups: vec![] };
        assert!(render(&t, "x").contains("no quotes"));
    }
}
