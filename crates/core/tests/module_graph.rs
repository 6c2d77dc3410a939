//! The rulebook's modules import each other in one direction only, so each can be read (and
//! changed) knowing only those below it. Print the graph with
//! `cargo test -p helpcenter-core --test module_graph -- --nocapture`.

#[path = "support/module_graph.rs"]
mod module_graph;

use std::path::Path;

#[test]
fn the_rulebooks_modules_form_no_cycle() {
    let graph = module_graph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    println!("{}", module_graph::render(&graph));
    assert!(
        graph.contains_key("policy"),
        "the graph was read: {graph:?}"
    );
    let cycles = module_graph::cycles(&graph);
    assert!(
        cycles.is_empty(),
        "modules importing each other: {cycles:?}"
    );
}

#[test]
fn the_problem_vocabulary_and_the_limits_depend_on_nothing_of_the_rulebook() {
    let graph = module_graph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    for leaf in ["problem", "limits"] {
        assert_eq!(
            graph.get(leaf).map(|edges| edges.len()),
            Some(0),
            "{leaf} -> {:?}",
            graph.get(leaf)
        );
    }
}
