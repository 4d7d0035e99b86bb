//! No module of the workspace imports a module that imports it back, directly or around a
//! loop (issue 20: the shell's app, commands, session and tray did). Read from the sources:
//! every `crate::a::b` and `super::x` a module names, resolved to the module that holds it;
//! names of a module's own ancestors (their re-exports) and its test module do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("a source folder reads")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "bin") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).expect("under the source root");
    let mut parts: Module = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("lib" | "main" | "mod")
    ) {
        parts.pop();
    }
    parts
}

/// The paths (`a::b::c`) a source names after `prefix`, including `prefix{a, b::c}` groups.
fn paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let rest = &text[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let path: Vec<String> = item
                    .trim()
                    .split("::")
                    .map(|p| p.trim().to_string())
                    .take_while(|p| !p.is_empty() && p.chars().all(ident))
                    .collect();
                out.push(path);
            }
        } else {
            let end = rest
                .find(|c: char| !(ident(c) || c == ':'))
                .unwrap_or(rest.len());
            let path: Vec<String> = rest[..end]
                .split("::")
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect();
            out.push(path);
        }
    }
    out
}

fn cycles_in(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<Module, String> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("a source file reads");
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            (module_of(src, f), text)
        })
        .collect();
    let resolve = |path: &[String]| -> Option<Module> {
        (1..=path.len())
            .rev()
            .map(|k| path[..k].to_vec())
            .find(|m| modules.contains_key(m))
    };
    let mut edges: BTreeMap<&Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text) in &modules {
        let mut named: Vec<Module> = paths_after(text, "crate::")
            .iter()
            .filter_map(|p| resolve(p))
            .collect();
        if let Some(parent) = module.split_last().map(|(_, p)| p.to_vec()) {
            for p in paths_after(text, "super::") {
                let mut full = parent.clone();
                full.extend(p);
                named.extend(resolve(&full));
            }
        }
        let targets = edges.entry(module).or_default();
        for target in named {
            // A module's ancestors re-export their children: naming them is no dependency.
            if !module.starts_with(&target) {
                targets.insert(target);
            }
        }
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    fn visit<'a>(
        m: &'a Module,
        edges: &'a BTreeMap<&Module, BTreeSet<Module>>,
        stack: &mut Vec<&'a Module>,
        done: &mut BTreeSet<&'a Module>,
        found: &mut Vec<String>,
    ) {
        if let Some(at) = stack.iter().position(|s| *s == m) {
            let mut names: Vec<String> = stack[at..].iter().map(|s| s.join("::")).collect();
            names.push(m.join("::"));
            found.push(names.join(" -> "));
            return;
        }
        if !done.insert(m) {
            return;
        }
        stack.push(m);
        for next in edges.get(m).into_iter().flatten() {
            if let Some((key, _)) = edges.get_key_value(next) {
                visit(key, edges, stack, done, found);
            }
        }
        stack.pop();
    }
    for m in edges.keys() {
        visit(m, &edges, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let root = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("../..");
    let mut sources = vec![root.join("src-tauri")];
    for entry in std::fs::read_dir(root.join("crates"))
        .expect("crates/ reads")
        .flatten()
    {
        let src = entry.path().join("src");
        if src.is_dir() {
            sources.push(src);
        }
    }
    assert!(sources.len() >= 7, "the shell and every crate are read");
    let cycles: Vec<String> = sources
        .iter()
        .flat_map(|src| {
            cycles_in(src)
                .into_iter()
                .map(move |c| format!("{}: {c}", src.display()))
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "modules must depend one way; these import each other in a loop:\n{}",
        cycles.join("\n")
    );
}
