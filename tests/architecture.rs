//! The crate graph is part of the design: dependencies point down only
//! (cli -> output -> engine -> {tokenize, lang}), pest stays inside sayso-lang and only
//! sayso-output derives serde. This test reads `cargo metadata` and fails on any other edge.

use std::collections::BTreeMap;
use std::process::Command;

/// For each workspace crate, the workspace crates it may depend on (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("sayso-tokenize", &[]),
    ("sayso-lang", &[]),
    ("sayso-engine", &["sayso-tokenize", "sayso-lang"]),
    ("sayso-output", &["sayso-engine", "sayso-tokenize"]),
    (
        "sayso-cli",
        &[
            "sayso-output",
            "sayso-engine",
            "sayso-lang",
            "sayso-tokenize",
        ],
    ),
    ("sayso-tests", &[]),
    (
        "sayso-benches",
        &["sayso-tokenize", "sayso-lang", "sayso-engine"],
    ),
];

/// External crates that only one workspace crate may use directly.
const PRIVATE: &[(&str, &str)] = &[
    ("pest", "sayso-lang"),
    ("pest_derive", "sayso-lang"),
    ("serde", "sayso-output"),
    ("miette", "sayso-cli"),
    ("anyhow", "sayso-cli"),
    ("clap", "sayso-cli"),
    // The global allocator is the binary's choice, not a library's.
    ("mimalloc", "sayso-cli"),
];

fn workspace_dependencies() -> BTreeMap<String, Vec<(String, Option<String>)>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut graph = BTreeMap::new();
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap().to_string();
        let deps = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let kind = d["kind"].as_str().map(str::to_string);
                (d["name"].as_str().unwrap().to_string(), kind)
            })
            .collect();
        graph.insert(name, deps);
    }
    graph
}

#[test]
fn crates_depend_only_downwards() {
    let graph = workspace_dependencies();
    let members: Vec<&str> = ALLOWED.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        graph.keys().map(String::as_str).collect::<Vec<_>>().len(),
        members.len()
    );
    let mut violations = Vec::new();
    for (name, deps) in &graph {
        let Some((_, allowed)) = ALLOWED.iter().find(|(n, _)| n == name) else {
            violations.push(format!("{name} is not in the table of allowed edges"));
            continue;
        };
        for (dep, kind) in deps {
            let is_normal = kind.is_none();
            if members.contains(&dep.as_str()) && is_normal && !allowed.contains(&dep.as_str()) {
                violations.push(format!("{name} -> {dep}"));
            }
            if let Some((_, owner)) = PRIVATE.iter().find(|(d, _)| d == dep) {
                if owner != name && is_normal {
                    violations.push(format!("{name} uses {dep}, which only {owner} may use"));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "forbidden crate edges:\n{}",
        violations.join("\n")
    );
}
