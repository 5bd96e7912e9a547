//! A dynamic, typed value tree for vSphere SOAP data, and its XML encoding exactly as a
//! vSphere server sends it.
//!
//! Every property value and method result the simulator returns is a [`Value`]. Data objects
//! ([`Value::Obj`]) carry their VI type name and always get `xsi:type` (clients use it to pick
//! the subtype of a polymorphic field, and it is harmless on a concrete one). Primitives and
//! enums get `xsi:type` only where the declared type is `xsd:anyType`: a property-collector
//! `<val>`, an `OptionValue.value` (wrap it with [`Value::any`]), and every item of an array
//! in such a position. Arrays are repeated elements inside an object, and `ArrayOfX`
//! wrappers inside `<val>`.

use std::borrow::Cow;
use std::fmt::Write as _;

/// A type or field name: usually a `&'static str` literal, sometimes built at run time.
pub type Name = Cow<'static, str>;

/// A managed object reference: `<obj type="VirtualMachine">vm-12</obj>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MoRef {
    /// The managed object type, e.g. `VirtualMachine`.
    pub ty: Name,
    /// The id, e.g. `vm-12` (vCenter) or `12` (ESX).
    pub value: String,
}

impl MoRef {
    /// A reference to object `value` of type `ty`.
    pub fn new(ty: impl Into<Name>, value: impl Into<String>) -> MoRef {
        MoRef {
            ty: ty.into(),
            value: value.into(),
        }
    }
}

impl std::fmt::Display for MoRef {
    /// `vim.VirtualMachine:vm-12`, the form vSphere uses in fault messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "vim.{}:{}", self.ty, self.value)
    }
}

/// A data object: its VI type name and its fields in schema order (clients such as libvirt do
/// not care about order, but real servers send schema order and so do we).
#[derive(Clone, Debug, PartialEq)]
pub struct Obj {
    /// VI type name, e.g. `VirtualMachineConfigInfo`.
    pub ty: Name,
    /// Field name and value; an array field is one entry holding a [`Value::Array`].
    pub fields: Vec<(Name, Value)>,
}

impl Obj {
    /// The value of field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Mutable access to field `name`.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.fields
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Sets field `name`, replacing an existing value or appending a new field.
    pub fn set(&mut self, name: impl Into<Name>, value: Value) {
        let name = name.into();
        match self.fields.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name, value)),
        }
    }
}

/// A SOAP value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `xsd:string`.
    Str(String),
    /// `xsd:boolean`.
    Bool(bool),
    /// `xsd:byte`.
    Byte(i8),
    /// `xsd:short`.
    Short(i16),
    /// `xsd:int`.
    Int(i32),
    /// `xsd:long`.
    Long(i64),
    /// `xsd:float`.
    Float(f32),
    /// `xsd:double`.
    Double(f64),
    /// `xsd:dateTime`, already formatted (`2024-01-02T03:04:05.123Z`).
    DateTime(String),
    /// `xsd:base64Binary`, already encoded.
    Base64(String),
    /// An enumeration value with its VI enum type, e.g. `VirtualMachinePowerState`/`poweredOn`.
    Enum {
        /// The enum type name.
        ty: Name,
        /// The value.
        value: Name,
    },
    /// A managed object reference.
    MoRef(MoRef),
    /// A data object.
    Obj(Obj),
    /// An array of `item_ty` (`string`, `int`, `ManagedObjectReference`, `VirtualDevice` ...):
    /// `ArrayOfString`, `ArrayOfVirtualDevice` inside `<val>`, repeated elements in a field.
    Array {
        /// Item type as it names the items: `string`, `long`, `ManagedObjectReference`, a
        /// data-object type. The array type is `ArrayOf` + the capitalised item type.
        item_ty: Name,
        /// The items.
        items: Vec<Value>,
    },
    /// A value in a position declared `xsd:anyType` (e.g. `OptionValue.value`): always
    /// written with its `xsi:type`.
    Any(Box<Value>),
}

impl Value {
    /// A string.
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }
    /// An `xsd:int`.
    pub fn int(i: i32) -> Value {
        Value::Int(i)
    }
    /// An `xsd:long`.
    pub fn long(i: i64) -> Value {
        Value::Long(i)
    }
    /// An `xsd:boolean`.
    pub fn bool(b: bool) -> Value {
        Value::Bool(b)
    }
    /// An enum value.
    pub fn enumv(ty: impl Into<Name>, value: impl Into<Name>) -> Value {
        Value::Enum {
            ty: ty.into(),
            value: value.into(),
        }
    }
    /// A managed object reference.
    pub fn moref(ty: impl Into<Name>, value: impl Into<String>) -> Value {
        Value::MoRef(MoRef::new(ty, value))
    }
    /// An empty data object of type `ty`; add fields with [`Value::with`].
    pub fn obj(ty: impl Into<Name>) -> Value {
        Value::Obj(Obj {
            ty: ty.into(),
            fields: Vec::new(),
        })
    }
    /// An array of `item_ty` items.
    pub fn array(item_ty: impl Into<Name>, items: Vec<Value>) -> Value {
        Value::Array {
            item_ty: item_ty.into(),
            items,
        }
    }
    /// An array of `item_ty` items, from any iterator of them.
    pub fn array_of(item_ty: impl Into<Name>, items: impl IntoIterator<Item = Value>) -> Value {
        Value::array(item_ty, items.into_iter().collect())
    }
    /// An array of strings (`ArrayOfString`).
    pub fn strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::array(
            "string",
            items.into_iter().map(|s| Value::Str(s.into())).collect(),
        )
    }
    /// An array of references (`ArrayOfManagedObjectReference`).
    pub fn morefs(items: impl IntoIterator<Item = MoRef>) -> Value {
        Value::array(
            "ManagedObjectReference",
            items.into_iter().map(Value::MoRef).collect(),
        )
    }
    /// Marks a value as sitting in an `xsd:anyType` position.
    pub fn any(v: Value) -> Value {
        Value::Any(Box::new(v))
    }

    /// Builder: adds field `name` to a data object (no-op on other values).
    pub fn with(mut self, name: impl Into<Name>, value: Value) -> Value {
        if let Value::Obj(o) = &mut self {
            o.fields.push((name.into(), value));
        }
        self
    }
    /// Builder: adds field `name` when `value` is `Some`.
    pub fn with_opt(self, name: impl Into<Name>, value: Option<Value>) -> Value {
        match value {
            Some(v) => self.with(name, v),
            None => self,
        }
    }

    /// The data object inside, if this is one.
    pub fn as_obj(&self) -> Option<&Obj> {
        match self {
            Value::Obj(o) => Some(o),
            Value::Any(v) => v.as_obj(),
            _ => None,
        }
    }
    /// The string inside a `Str`, `Enum`, `DateTime` or `Base64`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::DateTime(s) | Value::Base64(s) => Some(s),
            Value::Enum { value, .. } => Some(value),
            Value::Any(v) => v.as_str(),
            _ => None,
        }
    }
    /// The reference inside a `MoRef`.
    pub fn as_moref(&self) -> Option<&MoRef> {
        match self {
            Value::MoRef(m) => Some(m),
            Value::Any(v) => v.as_moref(),
            _ => None,
        }
    }
    /// Any integer as i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Byte(i) => Some(i64::from(*i)),
            Value::Short(i) => Some(i64::from(*i)),
            Value::Int(i) => Some(i64::from(*i)),
            Value::Long(i) => Some(*i),
            Value::Any(v) => v.as_i64(),
            _ => None,
        }
    }
    /// The boolean inside a `Bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Any(v) => v.as_bool(),
            _ => None,
        }
    }
    /// The items of an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array { items, .. } => Some(items),
            Value::Any(v) => v.as_array(),
            _ => None,
        }
    }

    /// Follows a dotted property path (`hardware.memoryMB`) through data-object fields.
    /// An empty path is the value itself.
    pub fn path(&self, path: &str) -> Option<&Value> {
        let mut cur = self;
        if path.is_empty() {
            return Some(cur);
        }
        for seg in path.split('.') {
            cur = cur.as_obj()?.get(seg)?;
        }
        Some(cur)
    }

    /// Like [`Value::path`] but consumes the value (no clone of the part kept).
    pub fn into_path(self, path: &str) -> Option<Value> {
        let mut cur = self;
        if path.is_empty() {
            return Some(cur);
        }
        for seg in path.split('.') {
            let obj = match cur {
                Value::Obj(o) => o,
                Value::Any(b) => match *b {
                    Value::Obj(o) => o,
                    _ => return None,
                },
                _ => return None,
            };
            cur = obj.fields.into_iter().find(|(n, _)| n == seg)?.1;
        }
        Some(cur)
    }

    /// The type name `xsi:type` gives this value: `xsd:string`, `ArrayOfString`,
    /// `ManagedObjectReference`, the object's or enum's type.
    pub fn xsi_type(&self) -> Cow<'_, str> {
        match self {
            Value::Str(_) => "xsd:string".into(),
            Value::Bool(_) => "xsd:boolean".into(),
            Value::Byte(_) => "xsd:byte".into(),
            Value::Short(_) => "xsd:short".into(),
            Value::Int(_) => "xsd:int".into(),
            Value::Long(_) => "xsd:long".into(),
            Value::Float(_) => "xsd:float".into(),
            Value::Double(_) => "xsd:double".into(),
            Value::DateTime(_) => "xsd:dateTime".into(),
            Value::Base64(_) => "xsd:base64Binary".into(),
            Value::Enum { ty, .. } => Cow::Borrowed(ty),
            Value::MoRef(_) => "ManagedObjectReference".into(),
            Value::Obj(o) => Cow::Borrowed(&o.ty),
            Value::Array { item_ty, .. } => array_type_name(item_ty).into(),
            Value::Any(v) => v.xsi_type(),
        }
    }

    /// Writes this value as element `<tag>` in a position declared `xsd:anyType`
    /// (e.g. `<val>` of a property-collector result): `xsi:type` always present, arrays
    /// wrapped as `ArrayOfX`.
    pub fn write_any(&self, out: &mut String, tag: &str) {
        match self {
            Value::Array { item_ty, items } => {
                let _ = write!(out, "<{tag} xsi:type=\"{}\">", array_type_name(item_ty));
                for item in items {
                    // vSphere types every item of an array in an anyType position
                    // (libvirt decodes each item as an anyType and requires it).
                    let item_tag = if item_ty == "anyType" {
                        "anyType"
                    } else {
                        item_ty.as_ref()
                    };
                    item.write_any(out, item_tag);
                }
                let _ = write!(out, "</{tag}>");
            }
            Value::Any(v) => v.write_any(out, tag),
            Value::MoRef(m) => {
                let _ = write!(out, "<{tag} type=\"");
                escape_attr_into(out, &m.ty);
                out.push_str("\" xsi:type=\"ManagedObjectReference\">");
                escape_into(out, &m.value);
                let _ = write!(out, "</{tag}>");
            }
            Value::Obj(_) => self.write_field(out, tag),
            _ => {
                let _ = write!(out, "<{tag} xsi:type=\"{}\">", self.xsi_type());
                self.write_text(out);
                let _ = write!(out, "</{tag}>");
            }
        }
    }

    /// Writes this value as field `<tag>` of a data object (or a method's `returnval`):
    /// arrays become repeated `<tag>` elements, objects carry `xsi:type`, primitives do not.
    pub fn write_field(&self, out: &mut String, tag: &str) {
        match self {
            Value::Array { items, .. } => {
                for item in items {
                    item.write_field(out, tag);
                }
            }
            Value::Any(v) => v.write_any(out, tag),
            Value::MoRef(m) => {
                let _ = write!(out, "<{tag} type=\"");
                escape_attr_into(out, &m.ty);
                out.push_str("\">");
                escape_into(out, &m.value);
                let _ = write!(out, "</{tag}>");
            }
            Value::Obj(o) => {
                // An object kept from a request without its type (a field of a declared
                // type) goes back the same way.
                if o.ty.is_empty() {
                    let _ = write!(out, "<{tag}>");
                } else {
                    let _ = write!(out, "<{tag} xsi:type=\"{}\">", o.ty);
                }
                for (name, v) in &o.fields {
                    v.write_field(out, name);
                }
                let _ = write!(out, "</{tag}>");
            }
            _ => {
                let _ = write!(out, "<{tag}>");
                self.write_text(out);
                let _ = write!(out, "</{tag}>");
            }
        }
    }

    /// Writes the text content of a primitive (nothing for structured values).
    fn write_text(&self, out: &mut String) {
        match self {
            Value::Str(s) | Value::DateTime(s) | Value::Base64(s) => escape_into(out, s),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Byte(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Short(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Long(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => {
                let _ = write!(out, "{f}");
            }
            Value::Double(f) => {
                let _ = write!(out, "{f}");
            }
            Value::Enum { value, .. } => escape_into(out, value),
            Value::MoRef(m) => escape_into(out, &m.value),
            Value::Any(v) => v.write_text(out),
            Value::Obj(_) | Value::Array { .. } => {}
        }
    }
}

impl From<MoRef> for Value {
    fn from(m: MoRef) -> Value {
        Value::MoRef(m)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::Int(i)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Long(i)
    }
}

/// `ArrayOfString` for `string`, `ArrayOfVirtualDevice` for `VirtualDevice`.
pub fn array_type_name(item_ty: &str) -> String {
    let mut s = String::with_capacity(7 + item_ty.len());
    s.push_str("ArrayOf");
    let mut chars = item_ty.chars();
    if let Some(c) = chars.next() {
        s.extend(c.to_uppercase());
        s.push_str(chars.as_str());
    }
    s
}

/// Appends `s` escaped for SOAP element text (libxml2's rules, as vSphere's own servers
/// and the client write them: [`esxvirt_util::xml::Escape::Text`]).
pub fn escape_into(out: &mut String, s: &str) {
    esxvirt_util::xml::escape_into(out, s, esxvirt_util::xml::Escape::Text)
}

/// Appends `s` escaped for an attribute value (a managed object reference's `type`, which
/// a request may carry, so it may hold anything).
pub fn escape_attr_into(out: &mut String, s: &str) {
    esxvirt_util::xml::escape_into(out, s, esxvirt_util::xml::Escape::Attr)
}

/// The current time as `xsd:dateTime` in UTC with milliseconds.
pub fn now_datetime() -> String {
    esxvirt_util::datetime::system_time_to_xsd_datetime(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_position_types_everything() {
        let mut s = String::new();
        Value::str("a<b").write_any(&mut s, "val");
        Value::moref("Folder", "group-d1").write_any(&mut s, "val");
        Value::strings(["x", "y"]).write_any(&mut s, "val");
        Value::enumv("VirtualMachinePowerState", "poweredOn").write_any(&mut s, "val");
        assert_eq!(
            s,
            "<val xsi:type=\"xsd:string\">a&lt;b</val>\
             <val type=\"Folder\" xsi:type=\"ManagedObjectReference\">group-d1</val>\
             <val xsi:type=\"ArrayOfString\"><string xsi:type=\"xsd:string\">x</string><string xsi:type=\"xsd:string\">y</string></val>\
             <val xsi:type=\"VirtualMachinePowerState\">poweredOn</val>"
        );
    }

    #[test]
    fn objects_and_arrays_in_fields() {
        let dev = Value::obj("VirtualDisk")
            .with("key", Value::int(2000))
            .with("capacityInKB", Value::long(1024));
        let hw = Value::obj("VirtualHardware")
            .with("numCPU", Value::int(2))
            .with("device", Value::array("VirtualDevice", vec![dev]));
        let mut s = String::new();
        hw.write_any(&mut s, "val");
        assert_eq!(
            s,
            "<val xsi:type=\"VirtualHardware\"><numCPU>2</numCPU>\
             <device xsi:type=\"VirtualDisk\"><key>2000</key><capacityInKB>1024</capacityInKB></device></val>"
        );
        let mut s = String::new();
        Value::array(
            "VirtualDevice",
            vec![Value::obj("VirtualCdrom").with("key", 3000.into())],
        )
        .write_any(&mut s, "val");
        assert_eq!(
            s,
            "<val xsi:type=\"ArrayOfVirtualDevice\"><VirtualDevice xsi:type=\"VirtualCdrom\"><key>3000</key></VirtualDevice></val>"
        );
        let mut s = String::new();
        Value::morefs([MoRef::new("VirtualMachine", "1")]).write_any(&mut s, "val");
        assert_eq!(
            s,
            "<val xsi:type=\"ArrayOfManagedObjectReference\"><ManagedObjectReference type=\"VirtualMachine\" xsi:type=\"ManagedObjectReference\">1</ManagedObjectReference></val>"
        );
        let mut s = String::new();
        Value::obj("OptionValue")
            .with("key", "a".into())
            .with("value", Value::any("b".into()))
            .write_field(&mut s, "extraConfig");
        assert_eq!(
            s,
            "<extraConfig xsi:type=\"OptionValue\"><key>a</key><value xsi:type=\"xsd:string\">b</value></extraConfig>"
        );
    }

    #[test]
    fn paths() {
        let v = Value::obj("A").with("b", Value::obj("B").with("c", 5.into()));
        assert_eq!(v.path("b.c"), Some(&Value::Int(5)));
        assert_eq!(v.clone().into_path("b.c"), Some(Value::Int(5)));
        assert_eq!(v.path("b.x"), None);
    }
}
