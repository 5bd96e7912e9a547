//! govmomi's vSphere type declarations, read from Debian's Go sources
//! (golang-github-vmware-govmomi-dev): the data object types and their XML elements
//! (`vim25/types/types.go`), the enumerations and their values (`vim25/types/enum.go`) and
//! the managed object types and their properties (`vim25/mo/mo.go`). The client's schema and
//! the simulator's output are both checked against them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where Debian installs govmomi's `vim25` package.
pub const VIM25_DIR: &str = "/usr/share/gocode/src/github.com/vmware/govmomi/vim25";

/// One field of a Go struct as it appears on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoField {
    /// The XML element (data objects) or property name (managed objects).
    pub name: String,
    /// The element type with pointers, slices, the `types.` package and the `Base` prefix of
    /// polymorphic interfaces removed: a struct or enum name (`VirtualDevice`,
    /// `ManagedEntityStatus`), or a Go primitive (`string`, `bool`, `int32`, `int64`, `int16`,
    /// `int8`, `byte`, `float32`, `float64`, `time.Time`, `AnyType`).
    pub ty: String,
    /// Whether the field is a slice (`[]byte` counts: it is base64Binary on the wire).
    pub list: bool,
    /// The type as the Go source spells it (`[]types.BaseVirtualDevice`).
    pub go_type: String,
}

/// A Go struct: its embedded base, if any (`DynamicData` and a managed object's `Self` are
/// not counted), and its fields in declaration order (the base's fields not included).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoStruct {
    /// The embedded struct it extends.
    pub base: Option<String>,
    /// Its own fields.
    pub fields: Vec<GoField>,
}

/// govmomi's declarations.
#[derive(Clone, Debug, Default)]
pub struct GoTypes {
    /// Data object types by name (`types.go`), the `ArrayOfX` wrappers included.
    pub data: HashMap<String, GoStruct>,
    /// Enumerations by name and their values in declaration order (`enum.go`).
    pub enums: HashMap<String, Vec<String>>,
    /// Managed object types by name and their properties (`mo.go`).
    pub managed: HashMap<String, GoStruct>,
}

impl GoTypes {
    /// Reads the three files under [`VIM25_DIR`]; fails the calling test with the set-up
    /// command when they are missing.
    pub fn load() -> GoTypes {
        GoTypes::load_from(Path::new(VIM25_DIR))
    }

    /// Reads `types/types.go`, `types/enum.go` and `mo/mo.go` under `dir`.
    pub fn load_from(dir: &Path) -> GoTypes {
        let read = |rel: &str| -> String {
            let p: PathBuf = dir.join(rel);
            std::fs::read_to_string(&p).unwrap_or_else(|_| {
                crate::missing_peer(
                    &format!("govmomi's Go sources ({})", p.display()),
                    "bash .ci/setup (or apt-get install golang-github-vmware-govmomi-dev)",
                )
            })
        };
        GoTypes::parse(
            &read("types/types.go"),
            &read("types/enum.go"),
            &read("mo/mo.go"),
        )
    }

    /// Builds the declarations from the texts of `types.go`, `enum.go` and `mo.go`.
    pub fn parse(types_go: &str, enum_go: &str, mo_go: &str) -> GoTypes {
        let mut t = GoTypes {
            data: structs(types_go, "xml"),
            enums: enums(enum_go),
            managed: structs(mo_go, "mo"),
        };
        // A `BaseX` interface stands for X and its subtypes: name the struct.
        let data_names: std::collections::HashSet<String> = t.data.keys().cloned().collect();
        for s in t.data.values_mut().chain(t.managed.values_mut()) {
            for f in &mut s.fields {
                if let Some(rest) = f.ty.strip_prefix("Base") {
                    if data_names.contains(rest) {
                        f.ty = rest.to_string();
                    }
                }
            }
        }
        t
    }

    /// The fields of data object `name` including those of its bases, bases first (wire
    /// order); `None` for an unknown type.
    pub fn data_fields(&self, name: &str) -> Option<Vec<&GoField>> {
        all_fields(&self.data, name)
    }

    /// The properties of managed object type `name` including inherited ones.
    pub fn managed_properties(&self, name: &str) -> Option<Vec<&GoField>> {
        all_fields(&self.managed, name)
    }

    /// Whether data object type `actual` is `wanted` or extends it.
    pub fn data_is_a(&self, actual: &str, wanted: &str) -> bool {
        is_a(&self.data, actual, wanted)
    }

    /// Whether managed object type `actual` is `wanted` or extends it.
    pub fn managed_is_a(&self, actual: &str, wanted: &str) -> bool {
        is_a(&self.managed, actual, wanted)
    }
}

fn all_fields<'a>(map: &'a HashMap<String, GoStruct>, name: &str) -> Option<Vec<&'a GoField>> {
    let mut chain = Vec::new();
    let mut cur = map.get(name)?;
    chain.push(cur);
    while let Some(b) = &cur.base {
        match map.get(b) {
            Some(s) if chain.len() < 32 => {
                chain.push(s);
                cur = s;
            }
            _ => break,
        }
    }
    Some(chain.iter().rev().flat_map(|s| s.fields.iter()).collect())
}

fn is_a(map: &HashMap<String, GoStruct>, actual: &str, wanted: &str) -> bool {
    let mut cur = actual;
    for _ in 0..32 {
        if cur == wanted {
            return true;
        }
        match map.get(cur).and_then(|s| s.base.as_deref()) {
            Some(b) => cur = b,
            None => return false,
        }
    }
    false
}

/// The element type of a Go field type: pointers, slices and the package removed.
fn element_type(go: &str) -> (String, bool) {
    let mut t = go.trim_start_matches('*');
    let list = t.starts_with("[]");
    if list {
        t = t[2..].trim_start_matches('*');
    }
    let t = t.strip_prefix("types.").unwrap_or(t);
    (t.to_string(), list)
}

/// Each Go struct of `src` with the fields tagged `tag:"name"` (`xml` or `mo`).
fn structs(src: &str, tag: &str) -> HashMap<String, GoStruct> {
    let marker = format!("{tag}:\"");
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
        let Some((_, st)) = cur.as_mut() else {
            continue;
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 1 && words[0] != "DynamicData" && !words[0].starts_with("//") {
            st.base = Some(words[0].to_string());
        }
        if let Some(p) = line.find(&marker) {
            let tagged = &line[p + marker.len()..];
            let end = tagged.find([',', '"']).unwrap_or(tagged.len());
            let go_type = words.get(1).copied().unwrap_or("").to_string();
            let (ty, list) = element_type(&go_type);
            st.fields.push(GoField {
                name: tagged[..end].to_string(),
                ty,
                list,
                go_type,
            });
        }
    }
    out
}

/// Each `type X string` of `src` with the values of its constants (`XFoo = X("foo")`).
fn enums(src: &str) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for line in src.lines() {
        if let Some(name) = line
            .strip_prefix("type ")
            .and_then(|r| r.strip_suffix(" string"))
        {
            out.entry(name.to_string()).or_default();
            continue;
        }
        let Some((_, rhs)) = line.split_once(" = ") else {
            continue;
        };
        let Some((ty, rest)) = rhs.trim().split_once("(\"") else {
            continue;
        };
        let Some(value) = rest.strip_suffix("\")") else {
            continue;
        };
        if let Some(values) = out.get_mut(ty) {
            values.push(value.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: &str = "type DynamicData struct {\n}\n\
type VirtualDevice struct {\n\tDynamicData\n\n\tKey int32 `xml:\"key\"`\n}\n\
type VirtualDisk struct {\n\tVirtualDevice\n\n\tCapacityInKB int64 `xml:\"capacityInKB\"`\n\
\tShares *SharesInfo `xml:\"shares,omitempty\"`\n}\n\
type VirtualHardware struct {\n\tDynamicData\n\n\tDevice []BaseVirtualDevice `xml:\"device,omitempty,typeattr\"`\n}\n";
    const ENUM: &str = "type VirtualMachinePowerState string\n\nconst (\n\
\tVirtualMachinePowerStatePoweredOff = VirtualMachinePowerState(\"poweredOff\")\n\
\tVirtualMachinePowerStatePoweredOn  = VirtualMachinePowerState(\"poweredOn\")\n)\n";
    const MO: &str = "type ManagedEntity struct {\n\tExtensibleManagedObject\n\n\
\tName string `mo:\"name\"`\n}\n\
type ExtensibleManagedObject struct {\n\tSelf types.ManagedObjectReference\n\n\
\tValue []types.BaseCustomFieldValue `mo:\"value\"`\n}\n\
type VirtualMachine struct {\n\tManagedEntity\n\n\
\tDatastore []types.ManagedObjectReference `mo:\"datastore\"`\n}\n";

    #[test]
    fn reads_structs_enums_and_managed_objects() {
        let t = GoTypes::parse(TYPES, ENUM, MO);
        let names: Vec<&str> = t
            .data_fields("VirtualDisk")
            .unwrap()
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["key", "capacityInKB", "shares"]);
        let dev = &t.data["VirtualHardware"].fields[0];
        assert_eq!((dev.ty.as_str(), dev.list), ("VirtualDevice", true));
        assert!(t.data_is_a("VirtualDisk", "VirtualDevice"));
        assert!(!t.data_is_a("VirtualDevice", "VirtualDisk"));
        assert_eq!(
            t.enums["VirtualMachinePowerState"],
            ["poweredOff", "poweredOn"]
        );
        let props: Vec<&str> = t
            .managed_properties("VirtualMachine")
            .unwrap()
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(props, ["value", "name", "datastore"]);
        assert!(t.managed_is_a("VirtualMachine", "ManagedEntity"));
        assert_eq!(t.managed["ExtensibleManagedObject"].base, None);
    }
}
