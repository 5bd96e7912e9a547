//! The schema matches the API: property order is the wire order servers expect (vSphere
//! checks element sequences), and bases and list-ness agree; checked against govmomi's Go
//! types (Debian's golang-github-vmware-govmomi-dev, which .ci/setup installs to build
//! vcsim). Properties govmomi's version lacks (newer API releases) are not compared. Fails
//! when the Go source is missing.

use std::collections::HashMap;

const TYPES_GO: &str = "/usr/share/gocode/src/github.com/vmware/govmomi/vim25/types/types.go";

/// A Go struct: its embedded base (if any) and its XML elements with whether each is a list.
#[derive(Default)]
struct GoStruct {
    base: Option<String>,
    fields: Vec<(String, bool)>,
}

/// Each Go struct's XML element names, in declaration order.
fn go_structs(src: &str) -> HashMap<String, GoStruct> {
    let mut out = HashMap::new();
    let mut cur: Option<(String, GoStruct)> = None;
    for line in src.lines() {
        if let Some(rest) = line.strip_prefix("type ") {
            if let Some(name) = rest.strip_suffix(" struct {") {
                cur = Some((name.to_string(), GoStruct::default()));
            }
            continue;
        }
        if line == "}" {
            if let Some((n, f)) = cur.take() {
                out.insert(n, f);
            }
            continue;
        }
        if let Some((_, st)) = cur.as_mut() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() == 1 && words[0] != "DynamicData" && !words[0].starts_with("//") {
                st.base = Some(words[0].to_string());
            }
            if let Some(p) = line.find("xml:\"") {
                let tag = &line[p + 5..];
                let end = tag.find([',', '"']).unwrap_or(tag.len());
                let list = words.get(1).is_some_and(|t| t.starts_with("[]"));
                st.fields.push((tag[..end].to_string(), list));
            }
        }
    }
    out
}

#[test]
fn schema_matches_govmomi_order_bases_and_lists() {
    let go = std::fs::read_to_string(TYPES_GO).unwrap_or_else(|e| {
        panic!("{TYPES_GO}: {e} (apt-get install golang-github-vmware-govmomi-dev)")
    });
    let go = go_structs(&go);
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/vim.schema")).unwrap();
    let schema = esxvirt_vi_codegen::parse(&text).unwrap();
    let mut checked = 0;
    let mut bad = Vec::new();
    use esxvirt_vi_codegen::Card;
    let lists = schema
        .data
        .iter()
        .map(|d| (d.name.clone(), d.base.clone(), d.props.clone(), false))
        .chain(schema.methods.iter().map(|m| {
            let params = m
                .params
                .iter()
                .filter(|p| p.name != "_this")
                .cloned()
                .collect();
            (m.name.clone(), None, params, true)
        }));
    for (name, base, props, is_method) in lists {
        let Some(g) = go.get(&name) else { continue };
        let gnames: Vec<&String> = g.fields.iter().map(|(n, _)| n).collect();
        let mine: Vec<&String> = props
            .iter()
            .map(|p| &p.name)
            .filter(|p| gnames.contains(p))
            .collect();
        let theirs: Vec<&String> = gnames
            .iter()
            .copied()
            .filter(|p| mine.contains(p))
            .collect();
        if mine != theirs {
            bad.push(format!("{name}: schema {mine:?}, govmomi {theirs:?}"));
        }
        for p in &props {
            if let Some((_, list)) = g.fields.iter().find(|(n, _)| *n == p.name) {
                // base64Binary is a []byte in Go and one string here.
                if *list != (p.card == Card::List) && p.ty != "base64Binary" {
                    bad.push(format!(
                        "{name}.{}: a list in one and not in the other",
                        p.name
                    ));
                }
            }
        }
        if !is_method && base != g.base {
            bad.push(format!(
                "{name}: base {base:?} here, {:?} in govmomi",
                g.base
            ));
        }
        checked += 1;
    }
    assert!(checked > 300, "only {checked} types compared");
    assert!(bad.is_empty(), "wire order differs:\n{}", bad.join("\n"));
}
