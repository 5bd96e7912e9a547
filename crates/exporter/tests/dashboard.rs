//! The Grafana dashboard in docs/grafana: valid JSON, every query valid PromQL (promtool
//! parses them as recording rules), and every metric it names one the exporter publishes.

mod common;

use esxvirt_exporter::render::Fam;

#[test]
fn dashboard_queries_parse_and_name_published_metrics() {
    let path = esxvirt_testkit::workspace_root().join("docs/grafana/esxvirt.json");
    let dash: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut exprs = Vec::new();
    for p in dash["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().unwrap() {
            exprs.push(t["expr"].as_str().unwrap().replace("$target", ".*"));
        }
    }
    assert!(exprs.len() >= 10);
    // Every metric name in a query is published.
    let names: Vec<&str> = Fam::ALL.iter().map(|f| f.name()).collect();
    for e in &exprs {
        for word in e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("esxvirt_") || word.starts_with("libvirt_") {
                assert!(names.contains(&word), "{word} in {e} is not published");
            }
        }
    }
    let dir = common::TempDir::new("dashboard");
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, e) in exprs.iter().enumerate() {
        rules.push_str(&format!(
            "      - record: dashboard:q{i}\n        expr: {}\n",
            serde_json::to_string(e).unwrap()
        ));
    }
    let file = dir.path().join("rules.yml");
    std::fs::write(&file, rules).unwrap();
    let out = std::process::Command::new(common::promtool_path())
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
