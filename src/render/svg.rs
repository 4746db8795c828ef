//! Draws a laid-out graph slice as inline SVG: shapes and colours by kind
//! (set in the stylesheet), sizes by weight, edge widths by weight, every
//! node a link, and labels placed greedily so that none overlap. All text
//! is escaped here; the result is safe to print unescaped.

use super::theme::{escape_html, escape_html_into};
use crate::config::Config;
use crate::derive::graph::Graph;
use std::fmt::Write;

pub struct Style {
    /// The viewBox is `-w/2 -h/2 w h`.
    pub width: f64,
    pub height: f64,
    /// Room kept at the sides for labels.
    pub margin_x: f64,
    pub margin_y: f64,
    pub max_label: usize,
    /// Labels that do not fit are kept, hidden, for zooming in.
    pub hidden_labels: bool,
    /// A DOM id for the `<svg>`.
    pub dom_id: String,
    pub title: String,
}

const FONT: f64 = 11.0;
const CHAR_W: f64 = 6.1;

struct Box {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Box {
    fn overlaps(&self, o: &Box) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

fn size(kind: &str, weight: u32, center_count: usize) -> f64 {
    let w = f64::from(weight).sqrt();
    match kind {
        "researcher" if center_count > 1 => 12.0,
        "researcher" => 17.0,
        "coauthor" => 5.0 + (2.2 * w).min(9.0),
        "topic" => 5.0 + (2.0 * w).min(8.0),
        "institution" => 8.0,
        _ => 4.0 + (1.5 * w).min(6.0),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t = t.trim_end().to_string();
        t.push('…');
        t
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "researcher" => "Researcher",
        "coauthor" => "Co-author",
        "topic" => "Topic",
        "institution" => "Institution",
        _ => "Work",
    }
}

/// Graph node URLs are permalinks; pages link by the base path.
pub fn local_url(c: &Config, url: &str) -> String {
    match url.strip_prefix(c.base_url.as_str()) {
        Some(rest) => c.link(rest),
        None => url.to_string(),
    }
}

fn push_uint(s: &mut String, n: u64) {
    s.push_str(itoa::Buffer::new().format(n));
}

/// Appends `prefix`, then each number to one decimal (see
/// [`push_short`]), each followed by its separator: `<rect x="` 1.5
/// `" y="` 2 `"` and the like.
fn push_d1s(s: &mut String, prefix: &str, parts: &[(f64, &str)]) {
    s.push_str(prefix);
    for &(x, sep) in parts {
        push_short(s, x);
        s.push_str(sep);
    }
}

/// Appends `x` to one decimal, without a trailing `.0`: `12`, `-3.5`.
/// Written with `itoa`: the float formatter, and then the formatting
/// machinery itself, were most of the time spent drawing a graph.
fn push_short(s: &mut String, x: f64) {
    let t = (x * 10.0).round() as i64;
    if t < 0 {
        s.push('-');
    }
    let m = t.unsigned_abs();
    s.push_str(itoa::Buffer::new().format(m / 10));
    if m % 10 != 0 {
        s.push('.');
        s.push(char::from(b'0' + (m % 10) as u8));
    }
}

/// Appends numbers of SVG path data: a space between two only where the
/// next does not begin with its own sign.
fn push_path_numbers(s: &mut String, xs: &[f64]) {
    for (i, &x) in xs.iter().enumerate() {
        let at = s.len();
        push_short(s, x);
        if i > 0 && !s[at..].starts_with('-') {
            s.insert(at, ' ');
        }
    }
}

/// An edge's stroke width in tenths: heavier edges are drawn wider.
fn edge_width(weight: u32) -> i64 {
    ((0.8 + f64::from(weight).ln_1p() * 0.9) * 10.0).round() as i64
}

/// Each edge as a path from one node's centre to the other's, in groups
/// of one kind and one width, so that both are written once per group
/// rather than on each of hundreds of paths (a third of a drawing's
/// bytes). Groups follow the first appearance of their kind, then of
/// their width within it; paths keep their order within a group. Each
/// group is a direct child of `.edges` with class `e-<kind>`, as the
/// stylesheet's `.e-<kind> > path` rules expect.
fn push_edges(s: &mut String, g: &Graph, pos: &[(f64, f64)]) {
    let mut kinds: Vec<&str> = Vec::new();
    for e in &g.edges {
        if !kinds.contains(&e.kind) {
            kinds.push(e.kind);
        }
    }
    // Each edge's group: its kind's place, and its width.
    let keys: Vec<(usize, i64)> = g
        .edges
        .iter()
        .map(|e| {
            let k = kinds.iter().position(|&k| k == e.kind).unwrap_or(0);
            (k, edge_width(e.weight))
        })
        .collect();
    let mut groups: Vec<(usize, i64)> = Vec::new();
    for &key in &keys {
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    // A stable sort: within a kind, widths keep their first appearance.
    groups.sort_by_key(|&(kind, _)| kind);
    for group in groups {
        s.push_str("<g class=\"e-");
        s.push_str(kinds[group.0]);
        s.push_str("\" stroke-width=\"");
        push_short(s, group.1 as f64 / 10.0);
        s.push_str("\">");
        let members = g.edges.iter().zip(&keys).filter(|&(_, &k)| k == group);
        for (e, _) in members {
            let (a, b) = (e.source as usize, e.target as usize);
            s.push_str("<path data-s=\"");
            push_uint(s, a as u64);
            s.push_str("\" data-t=\"");
            push_uint(s, b as u64);
            s.push_str("\" d=\"M");
            let (pa, pb) = (pos[a], pos[b]);
            push_path_numbers(s, &[pa.0, pa.1]);
            s.push('L');
            push_path_numbers(s, &[pb.0, pb.1]);
            s.push_str("\"/>");
        }
        s.push_str("</g>");
    }
}

pub fn render(g: &Graph, c: &Config, st: &Style) -> String {
    let sx = st.width / 2.0 - st.margin_x;
    let sy = st.height / 2.0 - st.margin_y;
    let centers = g.nodes.iter().filter(|n| n.kind == "researcher").count();
    let pos: Vec<(f64, f64)> = g.nodes.iter().map(|n| (n.x * sx, n.y * sy)).collect();

    let mut s = String::with_capacity(4096 + g.nodes.len() * 400);
    let _ = write!(
        s,
        "<svg class=\"graph-svg\" id=\"{}\" viewBox=\"{} {} {} {}\" role=\"img\" aria-labelledby=\"{}-t\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{}-t\">{}</title>",
        escape_html(&st.dom_id),
        -st.width / 2.0,
        -st.height / 2.0,
        st.width,
        st.height,
        escape_html(&st.dom_id),
        escape_html(&st.dom_id),
        escape_html(&st.title)
    );
    // The stroke stands in where the stylesheet does not reach.
    s.push_str("<g class=\"edges\" stroke=\"#5d6b7c\" stroke-opacity=\".3\">");
    push_edges(&mut s, g, &pos);
    s.push_str("</g><g class=\"nodes\">");

    // Labels by priority: centre, inner ring, co-authors, works; heavier first.
    let rank = |k: &str| match k {
        "researcher" => 0,
        "topic" | "institution" => 1,
        "coauthor" => 2,
        _ => 3,
    };
    let mut order: Vec<usize> = (0..g.nodes.len()).collect();
    order.sort_by(|&a, &b| {
        let (na, nb) = (&g.nodes[a], &g.nodes[b]);
        rank(na.kind)
            .cmp(&rank(nb.kind))
            .then(nb.weight.cmp(&na.weight))
            .then(nb.year.cmp(&na.year))
            .then(a.cmp(&b))
    });
    let bounds = Box {
        x0: -st.width / 2.0,
        y0: -st.height / 2.0,
        x1: st.width / 2.0,
        y1: st.height / 2.0,
    };
    // Labels keep clear of every node's shape, not only of other labels.
    let mut placed: Vec<Box> = g
        .nodes
        .iter()
        .zip(&pos)
        .map(|(n, &(x, y))| {
            let r = size(n.kind, n.weight, centers) * 1.2;
            Box {
                x0: x - r,
                y0: y - r,
                x1: x + r,
                y1: y + r,
            }
        })
        .collect();
    let texts: Vec<String> = g
        .nodes
        .iter()
        .map(|n| truncate(&n.label, st.max_label))
        .collect();
    let mut label: Vec<Option<(f64, f64, &'static str, bool)>> = vec![None; g.nodes.len()];
    for &i in &order {
        let n = &g.nodes[i];
        let r = size(n.kind, n.weight, centers);
        let (x, y) = pos[i];
        let w = texts[i].chars().count() as f64 * CHAR_W;
        let angle = y.atan2(x);
        let (tx, ty, anchor) = if n.kind == "researcher" && centers == 1 {
            (x, y + r + FONT + 3.0, "middle")
        } else if angle.cos().abs() < 0.3 {
            if y < 0.0 {
                (x, y - r - 4.0, "middle")
            } else {
                (x, y + r + FONT + 1.0, "middle")
            }
        } else if x >= 0.0 {
            (x + r + 4.0, y + FONT / 2.0 - 1.0, "start")
        } else {
            (x - r - 4.0, y + FONT / 2.0 - 1.0, "end")
        };
        let x0 = match anchor {
            "start" => tx,
            "end" => tx - w,
            _ => tx - w / 2.0,
        };
        let b = Box {
            x0,
            y0: ty - FONT,
            x1: x0 + w,
            y1: ty + 2.0,
        };
        let inside =
            b.x0 >= bounds.x0 && b.x1 <= bounds.x1 && b.y0 >= bounds.y0 && b.y1 <= bounds.y1;
        // The first boxes are the node shapes, in node order; a label may
        // touch its own node. Centre labels are always shown.
        let clear = || {
            placed
                .iter()
                .enumerate()
                .all(|(j, p)| j == i || !p.overlaps(&b))
        };
        let free = inside && (n.kind == "researcher" || clear());
        if free {
            placed.push(b);
        }
        if free || st.hidden_labels {
            label[i] = Some((tx, ty, anchor, free));
        }
    }

    for (i, n) in g.nodes.iter().enumerate() {
        let r = size(n.kind, n.weight, centers);
        let (x, y) = pos[i];
        let ext = n.kind == "coauthor" && n.url.is_none();
        // "Work: Title (2020)", escaped.
        let mut full = String::with_capacity(n.label.len() + 24);
        full.push_str(kind_label(n.kind));
        full.push_str(": ");
        escape_html_into(&mut full, &n.label);
        if let Some(y) = n.year {
            full.push_str(" (");
            push_uint(&mut full, u64::from(y));
            full.push(')');
        }
        match &n.url {
            Some(u) => {
                s.push_str("<a href=\"");
                escape_html_into(&mut s, &local_url(c, u));
                s.push_str("\" ");
            }
            None => s.push_str("<g tabindex=\"0\" "),
        }
        s.push_str("class=\"gn k-");
        s.push_str(n.kind);
        s.push_str(if ext { " ext" } else { "" });
        s.push_str("\" data-i=\"");
        push_uint(&mut s, i as u64);
        s.push('"');
        if let Some(y) = n.year {
            s.push_str(" data-year=\"");
            push_uint(&mut s, u64::from(y));
            s.push('"');
        }
        // The <title> names the node for assistive technology and on hover.
        s.push_str("><title>");
        s.push_str(&full);
        s.push_str("</title>");
        match n.kind {
            "work" => {
                let xy = [
                    (x - r, "\" y=\""),
                    (y - r, "\" width=\""),
                    (2.0 * r, "\" height=\""),
                    (2.0 * r, "\" rx=\"2\"/>"),
                ];
                push_d1s(&mut s, "<rect x=\"", &xy);
            }
            "topic" => {
                let k = r * 1.2;
                let pts = [
                    (x, ","),
                    (y - k, " "),
                    (x + k, ","),
                    (y, " "),
                    (x, ","),
                    (y + k, " "),
                    (x - k, ","),
                    (y, "\"/>"),
                ];
                push_d1s(&mut s, "<polygon points=\"", &pts);
            }
            "institution" => {
                let h = r * 0.87;
                let pts = [
                    (x - r, ","),
                    (y, " "),
                    (x - r / 2.0, ","),
                    (y - h, " "),
                    (x + r / 2.0, ","),
                    (y - h, " "),
                    (x + r, ","),
                    (y, " "),
                    (x + r / 2.0, ","),
                    (y + h, " "),
                    (x - r / 2.0, ","),
                    (y + h, "\"/>"),
                ];
                push_d1s(&mut s, "<polygon points=\"", &pts);
            }
            _ => {
                let pts = [(x, "\" cy=\""), (y, "\" r=\""), (r, "\"/>")];
                push_d1s(&mut s, "<circle cx=\"", &pts);
            }
        }
        if let Some((tx, ty, anchor, shown)) = label[i] {
            push_d1s(
                &mut s,
                "<text x=\"",
                &[(tx, "\" y=\""), (ty, "\" text-anchor=\"")],
            );
            s.push_str(anchor);
            s.push_str(if shown {
                "\" class=\"lbl\">"
            } else {
                "\" class=\"lbl minor\">"
            });
            escape_html_into(&mut s, &texts[i]);
            s.push_str("</text>");
        }
        s.push_str(if n.url.is_some() { "</a>" } else { "</g>" });
    }
    s.push_str("</g></svg>");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_numbers() {
        let mut s = String::new();
        for n in [0, 7, 10, 18446744073709551615] {
            super::push_uint(&mut s, n);
            s.push(' ');
        }
        assert_eq!(s, "0 7 10 18446744073709551615 ");
    }

    #[test]
    fn edges_are_grouped_by_kind_then_width_in_order_of_appearance() {
        use crate::derive::graph::{Edge, Graph, Totals};
        let edge = |source, target, kind, weight| Edge {
            source,
            target,
            kind,
            weight,
        };
        let g = Graph {
            version: 2,
            researcher: "r".into(),
            node_budget: 9,
            totals: Totals {
                works: 0,
                coauthors: 0,
                topics: 0,
                institutions: 0,
            },
            nodes: Vec::new(),
            edges: vec![
                edge(0, 1, "topic", 1),
                edge(0, 2, "co-author", 3),
                edge(0, 3, "topic", 4),
                edge(0, 4, "topic", 1),
                edge(0, 5, "co-author", 1),
                edge(0, 6, "co-author", 3),
            ],
        };
        let pos = vec![(0.0, 0.0); 7];
        let mut s = String::new();
        super::push_edges(&mut s, &g, &pos);
        let path = |a: u32| format!("<path data-s=\"0\" data-t=\"{}\" d=\"M0 0L0 0\"/>", a);
        let want = [
            "<g class=\"e-topic\" stroke-width=\"1.4\">".to_string(),
            path(1),
            path(4),
            "</g><g class=\"e-topic\" stroke-width=\"2.2\">".into(),
            path(3),
            "</g><g class=\"e-co-author\" stroke-width=\"2\">".into(),
            path(2),
            path(6),
            "</g><g class=\"e-co-author\" stroke-width=\"1.4\">".into(),
            path(5),
            "</g>".into(),
        ]
        .concat();
        assert_eq!(s, want);
        let mut none = String::new();
        super::push_edges(
            &mut none,
            &Graph {
                edges: Vec::new(),
                ..g
            },
            &pos,
        );
        assert_eq!(none, "");
    }

    #[test]
    fn short_numbers_and_path_data() {
        let mut s = String::new();
        for x in [
            12.0, -3.46, 0.04, -0.04, 419.95, 1.25, -12.36, -7.0, 123456.78,
        ] {
            super::push_short(&mut s, x);
            s.push(',');
        }
        assert_eq!(s, "12,-3.5,0,0,420,1.3,-12.4,-7,123456.8,");
        let mut d = String::from("M");
        super::push_path_numbers(&mut d, &[0.0, 0.0]);
        d.push('L');
        super::push_path_numbers(&mut d, &[54.6, -133.48]);
        d.push('L');
        super::push_path_numbers(&mut d, &[-1.0, 2.25]);
        assert_eq!(d, "M0 0L54.6-133.5L-1 2.3");
    }
}
