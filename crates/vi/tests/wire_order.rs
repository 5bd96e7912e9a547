//! The schema's property order is the wire order servers expect (vSphere checks element
//! sequences): checked against govmomi's Go types (Debian's golang-github-vmware-govmomi-dev,
//! which .ci/setup installs to build vcsim). Properties govmomi's version lacks (newer API
//! releases) are not compared. Fails when the Go source is missing.

use std::collections::HashMap;

const TYPES_GO: &str = "/usr/share/gocode/src/github.com/vmware/govmomi/vim25/types/types.go";

/// Each Go struct's XML element names, in declaration order.
fn go_structs(src: &str) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    for line in src.lines() {
        if let Some(rest) = line.strip_prefix("type ") {
            if let Some(name) = rest.strip_suffix(" struct {") {
                cur = Some((name.to_string(), Vec::new()));
            }
            continue;
        }
        if line == "}" {
            if let Some((n, f)) = cur.take() {
                out.insert(n, f);
            }
            continue;
        }
        if let Some((_, fields)) = cur.as_mut() {
            if let Some(p) = line.find("xml:\"") {
                let tag = &line[p + 5..];
                let end = tag.find([',', '"']).unwrap_or(tag.len());
                fields.push(tag[..end].to_string());
            }
        }
    }
    out
}

#[test]
fn schema_order_matches_govmomi() {
    let go = std::fs::read_to_string(TYPES_GO).unwrap_or_else(|e| {
        panic!("{TYPES_GO}: {e} (apt-get install golang-github-vmware-govmomi-dev)")
    });
    let go = go_structs(&go);
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/vim.schema")).unwrap();
    let schema = esxvirt_vi_codegen::parse(&text).unwrap();
    let mut checked = 0;
    let mut bad = Vec::new();
    let lists = schema
        .data
        .iter()
        .map(|d| {
            (
                d.name.clone(),
                d.props.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            )
        })
        .chain(schema.methods.iter().map(|m| {
            (
                m.name.clone(),
                m.params
                    .iter()
                    .map(|p| p.name.clone())
                    .filter(|n| n != "_this")
                    .collect(),
            )
        }));
    for (name, props) in lists {
        let Some(g) = go.get(&name) else { continue };
        let mine: Vec<&String> = props.iter().filter(|p| g.contains(p)).collect();
        let theirs: Vec<&String> = g.iter().filter(|p| mine.contains(p)).collect();
        if mine != theirs {
            bad.push(format!("{name}: schema {mine:?}, govmomi {theirs:?}"));
        }
        checked += 1;
    }
    assert!(checked > 300, "only {checked} types compared");
    assert!(bad.is_empty(), "wire order differs:\n{}", bad.join("\n"));
}
