//! The server's modules import each other in one direction only: handlers take the shared
//! state from `state`, not from the router in `app` that registers them, and the problem
//! types and tus names they share live below both. Print the graph with
//! `cargo test -p helpcenter-server --test module_graph -- --nocapture`.

#[path = "../../core/tests/support/module_graph.rs"]
mod module_graph;

use std::path::Path;

#[test]
fn no_module_joins_a_cycle() {
    let graph = module_graph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    println!("{}", module_graph::render(&graph));
    assert!(
        graph.contains_key("routes::tickets"),
        "the graph was read: {graph:?}"
    );
    let cycles = module_graph::cycles(&graph);
    assert!(
        cycles.is_empty(),
        "modules importing each other: {cycles:?}"
    );
}
