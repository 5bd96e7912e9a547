//! A world written as a recording, the way `govc object.save` writes one: the service
//! content, then every object reachable from the root folder and the managers (following
//! every reference a property holds), each with all its properties, one file per object;
//! the service's own managers are listed without properties.

use std::collections::{HashSet, VecDeque};
use std::fmt::Write as _;
use std::path::Path;

use crate::object::{Inventory, Mode};
use crate::service::{mode_of, ServiceRefs};
use crate::value::{escape_into, MoRef, Value};

use super::RecordingError;

/// Every reference inside a value.
fn references(v: &Value, out: &mut Vec<MoRef>) {
    match v {
        Value::MoRef(m) => out.push(m.clone()),
        Value::Array { items, .. } => items.iter().for_each(|i| references(i, out)),
        Value::Any(b) => references(b, out),
        Value::Obj(o) => o.fields.iter().for_each(|(_, f)| references(f, out)),
        _ => {}
    }
}

/// A reference as a file name part, as govc encodes it (`Type-value`, the value escaped
/// like a URL query).
pub fn encode_ref(m: &MoRef) -> String {
    let mut s = format!("{}-", m.ty);
    for b in m.value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                s.push(b as char)
            }
            b' ' => s.push('+'),
            _ => {
                let _ = write!(s, "%{b:02X}");
            }
        }
    }
    s
}

/// One `ObjectContent` document.
fn document(obj: &MoRef, props: &[(String, Value)]) -> String {
    let mut out = String::from(
        "<ObjectContent xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n  <obj type=\"",
    );
    escape_into(&mut out, &obj.ty);
    out.push_str("\">");
    escape_into(&mut out, &obj.value);
    out.push_str("</obj>\n");
    for (name, v) in props {
        out.push_str("  <propSet>\n    <name>");
        escape_into(&mut out, name);
        out.push_str("</name>\n    ");
        v.write_any(&mut out, "val");
        out.push_str("\n  </propSet>\n");
    }
    out.push_str("</ObjectContent>\n");
    out
}

/// Writes `inv` as a recording into `dir` (created; it must not hold a recording yet).
/// Returns the number of objects written.
pub fn save(inv: &dyn Inventory, dir: &Path) -> Result<usize, RecordingError> {
    let io = |path: &Path, source: std::io::Error| RecordingError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let has_xml = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(Result::ok)
        .any(|e| e.path().extension().is_some_and(|x| x == "xml"));
    if has_xml {
        return Err(RecordingError::Invalid(format!(
            "{} holds a recording already",
            dir.display()
        )));
    }
    let about = inv.about();
    let mode: Mode = mode_of(&about);
    let refs = ServiceRefs::new(mode);
    let root = inv.root_folder();
    let content = refs.content(root.clone(), about, inv.lists_all_managers());
    let mut n = 0usize;
    let mut write = |obj: &MoRef, props: &[(String, Value)]| -> Result<(), RecordingError> {
        let path = dir.join(format!("{n:04}-{}.xml", encode_ref(obj)));
        std::fs::write(&path, document(obj, props)).map_err(|e| io(&path, e))?;
        n += 1;
        Ok(())
    };
    let si = MoRef::new("ServiceInstance", "ServiceInstance");
    write(&si, &[("content".to_string(), content)])?;
    let mut queue: VecDeque<MoRef> = VecDeque::new();
    let mut seen: HashSet<MoRef> = HashSet::new();
    queue.push_back(root);
    for (_, m) in &refs.managers {
        queue.push_back(m.clone());
    }
    while let Some(obj) = queue.pop_front() {
        if !seen.insert(obj.clone()) {
            continue;
        }
        if !inv.exists(&obj) {
            // The service's own managers (session manager, property collector, ...) have
            // no state a recording keeps; they are listed so whoever loads it has them.
            if refs.managers.iter().any(|(_, m)| *m == obj) {
                write(&obj, &[])?;
            }
            continue;
        }
        let mut props = Vec::new();
        let mut found = Vec::new();
        for name in inv.property_names(&obj) {
            if let Ok(Some(v)) = inv.property(&obj, name) {
                references(&v, &mut found);
                props.push((name.to_string(), v));
            }
        }
        write(&obj, &props)?;
        for m in found {
            if !seen.contains(&m) {
                queue.push_back(m);
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_encoded_as_govc_does() {
        let m = MoRef::new("Datastore", "/tmp/govcsim-DC0-LocalDS_0-1@folder-5");
        assert_eq!(
            encode_ref(&m),
            "Datastore-%2Ftmp%2Fgovcsim-DC0-LocalDS_0-1%40folder-5"
        );
        assert_eq!(
            encode_ref(&MoRef::new("Network", "HaNetwork-VM Network")),
            "Network-HaNetwork-VM+Network"
        );
        let v = Value::obj("X")
            .with("a", Value::moref("Folder", "f"))
            .with("b", Value::morefs([MoRef::new("HostSystem", "h")]));
        let mut out = Vec::new();
        references(&v, &mut out);
        assert_eq!(out.len(), 2);
    }
}
