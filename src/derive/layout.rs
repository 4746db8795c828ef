//! A deterministic radial layout for graph slices: the researcher (or a
//! group's members) in the middle, topics and institutions on an inner
//! ring, co-authors on a middle ring, works on the outer ring. Each ring is
//! ordered so that a node sits near the nodes it is joined to (a work near
//! its topics, a co-author near the shared works), then spread evenly, so
//! nothing overlaps. No randomness and no iteration: the cost is
//! O(n log n + edges) per slice, with n bounded by the node budget.

use super::graph::Graph;
use std::f64::consts::{PI, TAU};

/// Ring radii in unit coordinates (the slice fits in [-1, 1]²).
const R_CENTER: f64 = 0.2;
const R_INNER: f64 = 0.42;
const R_MIDDLE: f64 = 0.7;
const R_OUTER: f64 = 0.97;
/// Past this many nodes a ring alternates between two radii.
const SPLIT_AT: usize = 40;

fn ring_of(kind: &str) -> usize {
    match kind {
        "researcher" => 0,
        "topic" | "institution" => 1,
        "coauthor" => 2,
        _ => 3,
    }
}

/// Writes `x` and `y` of every node.
pub fn layout(g: &mut Graph) {
    let n = g.nodes.len();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &g.edges {
        let (a, b) = (e.source as usize, e.target as usize);
        adj[a].push(b);
        adj[b].push(a);
    }
    let mut angle: Vec<Option<f64>> = vec![None; n];
    let mut radius = vec![0.0; n];
    let rings: Vec<Vec<usize>> = (0..4)
        .map(|r| (0..n).filter(|&i| ring_of(g.nodes[i].kind) == r).collect())
        .collect();

    // Centre: one researcher at the origin, or a group's members on a small ring.
    if rings[0].len() > 1 {
        spread(&rings[0], &vec![None; rings[0].len()], &mut angle);
        rings[0].iter().for_each(|&i| radius[i] = R_CENTER);
    }
    // Inner ring: heaviest first, evenly from the top.
    let mut inner = rings[1].clone();
    inner.sort_by(|&a, &b| {
        g.nodes[b]
            .weight
            .cmp(&g.nodes[a].weight)
            .then_with(|| g.nodes[a].id.cmp(&g.nodes[b].id))
    });
    spread(&inner, &vec![None; inner.len()], &mut angle);
    inner.iter().for_each(|&i| radius[i] = R_INNER);
    // Outer, then middle: each near the placed nodes it is joined to.
    for (ring, r) in [(3, R_OUTER), (2, R_MIDDLE)] {
        let nodes = &rings[ring];
        let desired: Vec<Option<f64>> = nodes
            .iter()
            .map(|&i| circular_mean(adj[i].iter().filter_map(|&j| angle[j])))
            .collect();
        spread(nodes, &desired, &mut angle);
        let split = nodes.len() > SPLIT_AT;
        let mut ordered: Vec<usize> = nodes.clone();
        ordered.sort_by(|&a, &b| angle[a].unwrap_or(0.0).total_cmp(&angle[b].unwrap_or(0.0)));
        for (k, &i) in ordered.iter().enumerate() {
            radius[i] = if split && k % 2 == 1 { r - 0.1 } else { r };
        }
    }
    for (i, node) in g.nodes.iter_mut().enumerate() {
        let a = angle[i].unwrap_or(0.0);
        node.x = round(radius[i] * a.cos());
        node.y = round(radius[i] * a.sin());
    }
}

/// Places `nodes` at even angles, in the order of their desired angles
/// (those without one last, in given order), turned so that the nodes sit
/// as near their desired angles as even spacing allows.
fn spread(nodes: &[usize], desired: &[Option<f64>], angle: &mut [Option<f64>]) {
    let n = nodes.len();
    if n == 0 {
        return;
    }
    let step = TAU / n as f64;
    let mut order: Vec<usize> = (0..n).collect();
    // Stable sort: ties and nodes without a wish keep their given order.
    order.sort_by(|&a, &b| match (desired[a], desired[b]) {
        (Some(x), Some(y)) => norm(x).total_cmp(&norm(y)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let offsets = order
        .iter()
        .enumerate()
        .filter_map(|(k, &i)| desired[i].map(|d| d - k as f64 * step));
    let start = circular_mean(offsets).unwrap_or(-PI / 2.0 + step / 2.0);
    for (k, &i) in order.iter().enumerate() {
        angle[nodes[i]] = Some(start + k as f64 * step);
    }
}

fn norm(a: f64) -> f64 {
    a.rem_euclid(TAU)
}

fn circular_mean(angles: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut s, mut c, mut n) = (0.0, 0.0, 0);
    for a in angles {
        s += a.sin();
        c += a.cos();
        n += 1;
    }
    (n > 0 && (s.abs() > 1e-9 || c.abs() > 1e-9)).then(|| s.atan2(c))
}

/// Four decimals: stable text in the JSON, ample for drawing.
fn round(v: f64) -> f64 {
    let r = (v * 10_000.0).round() / 10_000.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}
