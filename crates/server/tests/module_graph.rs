//! The server's modules import each other in one direction only, except for the knot the
//! router makes today (the app state and router in `app`, which the handlers import back):
//! that knot may shrink, never grow. Print the graph with
//! `cargo test -p helpcenter-server --test module_graph -- --nocapture`.

#[path = "../../core/tests/support/module_graph.rs"]
mod module_graph;

use std::collections::BTreeSet;
use std::path::Path;

/// The modules caught in a cycle when this test was written. Remove a module once it is out
/// of every cycle; never add one.
const KNOWN_KNOT: &[&str] = &[
    "app",
    "openapi",
    "routes::admin",
    "routes::health",
    "routes::tickets",
    "routes::widget_config",
    "static_files",
    "uploads",
    "uploads::error",
    "uploads::expiry",
    "uploads::tus",
];

#[test]
fn no_module_joins_a_cycle() {
    let graph = module_graph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    println!("{}", module_graph::render(&graph));
    assert!(
        graph.contains_key("routes::tickets"),
        "the graph was read: {graph:?}"
    );
    let cycles = module_graph::cycles(&graph);
    println!("cycles: {cycles:?}");
    let known: BTreeSet<&str> = KNOWN_KNOT.iter().copied().collect();
    let new: Vec<&Vec<String>> = cycles
        .iter()
        .filter(|cycle| cycle.iter().any(|m| !known.contains(m.as_str())))
        .collect();
    assert!(
        new.is_empty(),
        "modules newly importing each other: {new:?}"
    );
}
