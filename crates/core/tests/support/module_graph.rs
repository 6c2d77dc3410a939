//! The import graph of a crate's modules, read from its sources: which module names which
//! (`use crate::…`, `super::…`, `crate::a::b::X` in code, a parent's `child::…`). Tests only
//! (`#[cfg(test)]` modules) are left out, and so is the crate root, which only declares and
//! re-exports. A name re-exported by a module (`pub use a::X;`) counts as `a`'s.
//!
//! Shared by helpcenter-core's and helpcenter-server's `module_graph` tests; run either with
//! `-- --nocapture` to print the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Module path (`routes::tickets`; the root is `""`) → the modules it names.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

struct Module {
    path: String,
    code: String,
}

/// The graph of the crate whose `src/lib.rs` is under `src`.
pub fn read(src: &Path) -> Graph {
    let mut modules = Vec::new();
    collect(src, src, &mut modules);
    let known: BTreeSet<String> = modules.iter().map(|m| m.path.clone()).collect();
    let reexports: BTreeMap<String, BTreeMap<String, Vec<String>>> = modules
        .iter()
        .map(|m| (m.path.clone(), reexports_of(m, &known)))
        .collect();
    let mut graph = Graph::new();
    for module in modules.iter().filter(|m| !m.path.is_empty()) {
        let edges = graph.entry(module.path.clone()).or_default();
        for path in referenced_paths(module, &known) {
            if let Some(target) = resolve(&path, &known, &reexports, 0)
                && target != module.path
                && !target.is_empty()
            {
                edges.insert(target);
            }
        }
    }
    graph
}

/// The groups of modules that name each other round in a circle, each sorted.
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    // Two modules are in one cycle when each reaches the other.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(next) = todo.pop() {
            for to in graph.get(&next).into_iter().flatten() {
                if seen.insert(to.clone()) {
                    todo.push(to.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut groups: BTreeSet<Vec<String>> = BTreeSet::new();
    for (module, reached) in &reaches {
        if !reached.contains(*module) {
            continue;
        }
        let group: Vec<String> = reached
            .iter()
            .filter(|other| {
                reaches
                    .get(other)
                    .is_some_and(|back| back.contains(*module))
            })
            .cloned()
            .collect();
        groups.insert(group);
    }
    groups.into_iter().collect()
}

/// One line a module: `policy -> date, evidence, problem`.
pub fn render(graph: &Graph) -> String {
    let mut out = String::new();
    for (module, edges) in graph {
        let edges: Vec<&str> = edges.iter().map(String::as_str).collect();
        let _ = writeln!(out, "{module} -> {}", edges.join(", "));
    }
    out
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<Module>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, out);
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let relative = path.strip_prefix(root).expect("under the root");
        let mut parts: Vec<String> = relative
            .with_extension("")
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        match parts.last().map(String::as_str) {
            // A binary's root is a crate of its own.
            Some("main") if parts.len() == 1 => continue,
            Some("lib" | "mod") => {
                parts.pop();
            }
            _ => {}
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        out.push(Module {
            path: parts.join("::"),
            code: without_tests_and_comments(&text),
        });
    }
}

/// The text up to the module's tests, without comments.
fn without_tests_and_comments(text: &str) -> String {
    let mut code = String::new();
    for line in text.lines() {
        if line.starts_with("#[cfg(test)]") || line.starts_with("#[cfg(all(test") {
            break;
        }
        let line = match line.find("//") {
            // `//` inside a string (a URL) is rare in these crates' `use` lines; a cut line
            // only loses paths, never invents one.
            Some(at) => &line[..at],
            None => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// Every path the module names, made absolute (`["store", "tickets", "Created"]`).
fn referenced_paths(module: &Module, known: &BTreeSet<String>) -> Vec<Vec<String>> {
    let here: Vec<String> = split(&module.path);
    let children: BTreeSet<String> = known
        .iter()
        .filter_map(|k| {
            let parts = split(k);
            (parts.len() == here.len() + 1 && parts.starts_with(&here))
                .then(|| parts[here.len()].clone())
        })
        .collect();
    let code = &module.code;
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let preceded_by_path = at >= 2 && &bytes[at - 2..at] == b"::";
        let word_start = at == 0 || !is_ident(bytes[at - 1]) && !preceded_by_path;
        if word_start {
            for (prefix, base) in [
                ("crate::", Vec::new()),
                ("super::", parent(&here)),
                ("self::", here.clone()),
            ] {
                if let Some(tail) = rest.strip_prefix(prefix) {
                    let mut base = base;
                    let mut tail = tail;
                    while let Some(more) = tail.strip_prefix("super::") {
                        base = parent(&base);
                        tail = more;
                    }
                    for path in use_tree(tail) {
                        let mut full = base.clone();
                        full.extend(path);
                        paths.push(full);
                    }
                }
            }
            let ident: String = rest
                .bytes()
                .take_while(|b| is_ident(*b))
                .map(char::from)
                .collect();
            if children.contains(&ident) && rest[ident.len()..].starts_with("::") {
                let mut full = here.clone();
                full.push(ident.clone());
                paths.push(full);
            }
        }
        at += rest.chars().next().map_or(1, char::len_utf8);
    }
    paths
}

/// The paths of a use tree (`a::{b::C, D}` → `a::b::C`, `a::D`), up to where it ends.
fn use_tree(text: &str) -> Vec<Vec<String>> {
    fn tree(text: &str, at: &mut usize) -> Vec<Vec<String>> {
        let bytes = text.as_bytes();
        let skip_space = |at: &mut usize| {
            while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
                *at += 1;
            }
        };
        skip_space(at);
        if bytes.get(*at) == Some(&b'{') {
            *at += 1;
            let mut all = Vec::new();
            loop {
                skip_space(at);
                match bytes.get(*at) {
                    None => return all,
                    Some(b'}') => {
                        *at += 1;
                        return all;
                    }
                    Some(b',') => *at += 1,
                    Some(_) => {
                        let before = *at;
                        all.extend(tree(text, at));
                        if *at == before {
                            *at += 1;
                        }
                    }
                }
            }
        }
        let start = *at;
        while *at < bytes.len() && is_ident(bytes[*at]) {
            *at += 1;
        }
        if start == *at {
            return vec![Vec::new()];
        }
        let name = text[start..*at].to_owned();
        if text[*at..].starts_with("::") {
            *at += 2;
            tree(text, at)
                .into_iter()
                .map(|mut rest| {
                    rest.insert(0, name.clone());
                    rest
                })
                .collect()
        } else {
            vec![vec![name]]
        }
    }
    let mut at = 0;
    tree(text, &mut at)
}

/// `pub use` items of a module: name → where it comes from (absolute).
fn reexports_of(module: &Module, known: &BTreeSet<String>) -> BTreeMap<String, Vec<String>> {
    let here = split(&module.path);
    let mut map = BTreeMap::new();
    let code = &module.code;
    let starts = ["pub use ", "pub(crate) use "]
        .iter()
        .flat_map(|p| code.match_indices(p).map(move |(at, _)| at + p.len()));
    for start in starts {
        let tail = &code[start
            ..code[start..]
                .find(';')
                .map_or(code.len(), |end| start + end)];
        let (base, tail) = if let Some(t) = tail.strip_prefix("crate::") {
            (Vec::new(), t)
        } else if let Some(t) = tail.strip_prefix("super::") {
            (parent(&here), t)
        } else if let Some(t) = tail.strip_prefix("self::") {
            (here.clone(), t)
        } else {
            let first: String = tail
                .bytes()
                .take_while(|b| is_ident(*b))
                .map(char::from)
                .collect();
            let mut child = here.clone();
            child.push(first);
            if known.contains(&child.join("::")) {
                (here.clone(), tail)
            } else {
                // Another crate's item: not an edge of this graph.
                continue;
            }
        };
        for path in use_tree(tail) {
            if let Some(name) = path.last() {
                let mut full = base.clone();
                full.extend(path.iter().cloned());
                map.insert(name.clone(), full);
            }
        }
    }
    map
}

/// The module an absolute path lands in: its longest known module prefix, followed through
/// that module's re-exports.
fn resolve(
    path: &[String],
    known: &BTreeSet<String>,
    reexports: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
    depth: usize,
) -> Option<String> {
    let longest = (0..=path.len())
        .rev()
        .find(|n| known.contains(&path[..*n].join("::")))?;
    let module = path[..longest].join("::");
    if let Some(name) = path.get(longest)
        && depth < 8
        && let Some(target) = reexports.get(&module).and_then(|r| r.get(name))
    {
        let mut next = target.clone();
        next.extend(path[longest + 1..].iter().cloned());
        if let Some(found) = resolve(&next, known, reexports, depth + 1) {
            return Some(found);
        }
    }
    Some(module)
}

fn split(path: &str) -> Vec<String> {
    if path.is_empty() {
        Vec::new()
    } else {
        path.split("::").map(str::to_owned).collect()
    }
}

fn parent(path: &[String]) -> Vec<String> {
    path[..path.len().saturating_sub(1)].to_vec()
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
