//! The schema matches the API: property order is the wire order servers expect (vSphere
//! checks element sequences), and bases and list-ness agree; checked against govmomi's Go
//! types (Debian's golang-github-vmware-govmomi-dev, which .ci/setup installs to build
//! vcsim). Properties govmomi's version lacks (newer API releases) are not compared. Fails
//! when the Go source is missing.

use esxvirt_testkit::govmomi::GoTypes;

#[test]
fn schema_matches_govmomi_order_bases_and_lists() {
    let go = GoTypes::load().data;
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
        let gnames: Vec<&String> = g.fields.iter().map(|f| &f.name).collect();
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
            if let Some(list) = g.fields.iter().find(|f| f.name == p.name).map(|f| f.list) {
                // base64Binary is a []byte in Go and one string here.
                if list != (p.card == Card::List) && p.ty != "base64Binary" {
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
