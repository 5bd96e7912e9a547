//! Generator for `esxvirt-vi`: reads the declarative VI schema (`crates/vi/schema/vim.schema`,
//! format described at its top) and writes Rust source for the types, their SOAP XML encoding
//! and decoding, the `Value` enum for `xsd:anyType`, request structs, and the typed async
//! method calls on `Client`. `crates/vi/build.rs` runs it; the output is plain Rust that uses
//! the hand-written runtime in `esxvirt_vi::codec`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

/// How many values a property or parameter holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Card {
    Required,
    Optional,
    List,
}

#[derive(Clone, Debug)]
pub struct Prop {
    pub name: String,
    pub ty: String,
    pub card: Card,
}

#[derive(Clone, Debug)]
pub struct DataType {
    pub name: String,
    pub base: Option<String>,
    pub props: Vec<Prop>,
}

#[derive(Clone, Debug)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Managed {
    pub name: String,
    pub base: Option<String>,
    /// The properties the schema lists for the type (its own, not its base's).
    pub props: Vec<Prop>,
}

#[derive(Clone, Debug)]
pub struct Method {
    pub owner: String,
    pub name: String,
    pub ret: Option<(String, Card)>,
    pub read: bool,
    /// The Rust name of the call when not the snake_case of `name` (`rust=NAME`).
    pub rust_name: Option<String>,
    pub this_bind: Option<String>,
    pub params: Vec<Prop>,
}

/// The parsed schema.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub enums: Vec<EnumType>,
    pub data: Vec<DataType>,
    pub managed: Vec<Managed>,
    pub methods: Vec<Method>,
}

const PRIMITIVES: &[&str] = &[
    "string",
    "int",
    "long",
    "short",
    "byte",
    "boolean",
    "double",
    "float",
    "dateTime",
    "base64Binary",
    "anyType",
    "ManagedObjectReference",
];

fn parse_typed(word: &str) -> (String, Card) {
    if let Some(t) = word.strip_suffix("[]") {
        (t.to_string(), Card::List)
    } else if let Some(t) = word.strip_suffix('?') {
        (t.to_string(), Card::Optional)
    } else {
        (word.to_string(), Card::Required)
    }
}

#[derive(Clone, Copy)]
enum Block {
    None,
    Enum(usize),
    Data(usize),
    Managed(usize),
    Method(usize),
}

/// Parses the schema text; errors name the line.
pub fn parse(text: &str) -> Result<Schema, String> {
    let mut s = Schema::default();
    let mut block = Block::None;
    for (i, raw) in text.lines().enumerate() {
        let lineno = i + 1;
        let line = match raw.find('#') {
            Some(p) => &raw[..p],
            None => raw,
        };
        if line.trim().is_empty() {
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t');
        let words: Vec<&str> = line.split_whitespace().collect();
        let err = |m: &str| format!("vim.schema line {lineno}: {m}: {}", raw.trim());
        if !indented {
            match words[0] {
                "enum" if words.len() == 2 => {
                    s.enums.push(EnumType {
                        name: words[1].into(),
                        values: vec![],
                    });
                    block = Block::Enum(s.enums.len() - 1);
                }
                "data" | "managed" => {
                    let base = match words.len() {
                        2 => None,
                        4 if words[2] == ":" => Some(words[3].to_string()),
                        _ => return Err(err("expected `data NAME [: BASE]`")),
                    };
                    if words[0] == "data" {
                        s.data.push(DataType {
                            name: words[1].into(),
                            base,
                            props: vec![],
                        });
                        block = Block::Data(s.data.len() - 1);
                    } else {
                        s.managed.push(Managed {
                            name: words[1].into(),
                            base,
                            props: vec![],
                        });
                        block = Block::Managed(s.managed.len() - 1);
                    }
                }
                "method" if words.len() >= 2 => {
                    let (owner, name) = words[1]
                        .split_once('.')
                        .ok_or_else(|| err("expected OWNER.NAME"))?;
                    let mut ret = None;
                    let mut read = false;
                    let mut rust_name = None;
                    let mut k = 2;
                    while k < words.len() {
                        match words[k] {
                            "->" if k + 1 < words.len() => {
                                ret = Some(parse_typed(words[k + 1]));
                                k += 2;
                            }
                            "read" => {
                                read = true;
                                k += 1;
                            }
                            w if w.starts_with("rust=") => {
                                rust_name = Some(w[5..].to_string());
                                k += 1;
                            }
                            _ => return Err(err("unexpected word")),
                        }
                    }
                    s.methods.push(Method {
                        owner: owner.into(),
                        name: name.into(),
                        ret,
                        read,
                        rust_name,
                        this_bind: None,
                        params: vec![],
                    });
                    block = Block::Method(s.methods.len() - 1);
                }
                _ => return Err(err("unknown declaration")),
            }
        } else {
            match block {
                Block::Enum(e) => s.enums[e]
                    .values
                    .extend(words.iter().map(|w| w.to_string())),
                Block::Data(_) | Block::Managed(_) => {
                    if words.len() != 2 {
                        return Err(err("expected `name TYPE`"));
                    }
                    let (ty, card) = parse_typed(words[1]);
                    let prop = Prop {
                        name: words[0].into(),
                        ty,
                        card,
                    };
                    if let Block::Data(d) = block {
                        s.data[d].props.push(prop);
                    } else if let Block::Managed(m) = block {
                        s.managed[m].props.push(prop);
                    }
                }
                Block::Method(m) => {
                    if words.len() == 3 && words[0] == "_this" && words[1] == "=" {
                        s.methods[m].this_bind = Some(words[2].into());
                        s.methods[m].params.insert(
                            0,
                            Prop {
                                name: "_this".into(),
                                ty: "ManagedObjectReference".into(),
                                card: Card::Required,
                            },
                        );
                    } else if words.len() == 2 {
                        let (ty, card) = parse_typed(words[1]);
                        s.methods[m].params.push(Prop {
                            name: words[0].into(),
                            ty,
                            card,
                        });
                    } else {
                        return Err(err("expected `name TYPE` or `_this = MEMBER`"));
                    }
                }
                Block::None => return Err(err("indented line outside a declaration")),
            }
        }
    }
    s.check()?;
    Ok(s)
}

impl Schema {
    fn check(&self) -> Result<(), String> {
        let mut names = HashSet::new();
        for n in self
            .enums
            .iter()
            .map(|e| &e.name)
            .chain(self.data.iter().map(|d| &d.name))
        {
            if !names.insert(n.as_str()) || PRIMITIVES.contains(&n.as_str()) {
                return Err(format!("type {n} declared twice"));
            }
        }
        let known = |t: &str| PRIMITIVES.contains(&t) || names.contains(t);
        for d in &self.data {
            if let Some(b) = &d.base {
                if !self.data.iter().any(|x| &x.name == b) {
                    return Err(format!("{}: unknown base {b}", d.name));
                }
            }
            for p in &d.props {
                if !known(&p.ty) {
                    return Err(format!("{}.{}: unknown type {}", d.name, p.name, p.ty));
                }
                if p.name == "base" {
                    return Err(format!("{}: a property may not be called `base`", d.name));
                }
            }
        }
        for m in &self.managed {
            if let Some(b) = &m.base {
                if !self.managed.iter().any(|x| &x.name == b) {
                    return Err(format!("{}: unknown base {b}", m.name));
                }
            }
            for p in &m.props {
                if !known(&p.ty) {
                    return Err(format!("{}.{}: unknown type {}", m.name, p.name, p.ty));
                }
            }
        }
        let sc = self.data.iter().find(|d| d.name == "ServiceContent");
        for m in &self.methods {
            for p in &m.params {
                if !known(&p.ty) {
                    return Err(format!("{}: unknown type {}", m.name, p.ty));
                }
            }
            if let Some((t, _)) = &m.ret {
                if !known(t) {
                    return Err(format!("{}: unknown return type {t}", m.name));
                }
            }
            if let Some(b) = &m.this_bind {
                let ok = sc.is_some_and(|sc| sc.props.iter().any(|p| &p.name == b));
                if !ok {
                    return Err(format!(
                        "{}: _this bound to unknown ServiceContent member {b}",
                        m.name
                    ));
                }
            }
            if m.params.first().map(|p| p.name.as_str()) != Some("_this") {
                return Err(format!("{}: the first parameter must be _this", m.name));
            }
        }
        Ok(())
    }
}

/// snake_case of a VI name (`capacityInKB` -> `capacity_in_kb`, `PowerOnVM_Task` ->
/// `power_on_vm_task`), with Rust keywords given a trailing `_`.
pub fn snake(name: &str) -> String {
    let name = name.trim_start_matches('_');
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let plural_tail = next == Some('s')
                && chars
                    .get(i + 2)
                    .is_none_or(|c| c.is_ascii_uppercase() || *c == '_');
            let split = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase()
                    && next.is_some_and(|n| n.is_ascii_lowercase())
                    && !plural_tail);
            if split && !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
        "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
        "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
        "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
        "use", "virtual", "where", "while", "yield", "abstract", "become",
    ];
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

fn camel(value: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in value.chars() {
        if !c.is_ascii_alphanumeric() {
            up = true;
            continue;
        }
        if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

struct Gen<'a> {
    s: &'a Schema,
    data: HashMap<&'a str, &'a DataType>,
    /// type -> all descendants (transitive, schema order), not including itself.
    desc: HashMap<&'a str, Vec<&'a str>>,
    boxed: HashSet<(String, String)>,
}

fn prim_rust(t: &str) -> Option<&'static str> {
    Some(match t {
        "string" | "dateTime" | "base64Binary" => "String",
        "int" => "i32",
        "long" => "i64",
        "short" => "i16",
        "byte" => "i8",
        "boolean" => "bool",
        "double" => "f64",
        "float" => "f32",
        "anyType" => "Value",
        "ManagedObjectReference" => "ManagedObjectReference",
        _ => return None,
    })
}

/// The Rust types of the numeric and boolean primitives, whose `FromValue` converts.
const NUMERIC_TYPES: &[&str] = &["i32", "i64", "i16", "i8", "bool", "f64", "f32"];

/// `FromValue` of the numeric and boolean primitives: any integer variant that fits, a
/// floating-point variant for floats, and text that parses (an untyped value).
const NUMERIC_FROM_VALUE: &str = "fn integer_of(v: &Value) -> Option<i64> {
    match v {
        Value::Long(x) => Some(*x),
        Value::Int(x) => Some(i64::from(*x)),
        Value::Short(x) => Some(i64::from(*x)),
        Value::Byte(x) => Some(i64::from(*x)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Double(x) => Some(*x),
        Value::Float(x) => Some(f64::from(*x)),
        Value::String(s) => s.trim().parse().ok(),
        other => integer_of(other).map(|i| i as f64),
    }
}
impl FromValue for i64 {
    fn from_value(v: Value) -> Result<Self, Value> {
        integer_of(&v).ok_or(v)
    }
}
impl FromValue for i32 {
    fn from_value(v: Value) -> Result<Self, Value> {
        integer_of(&v).and_then(|i| i32::try_from(i).ok()).ok_or(v)
    }
}
impl FromValue for i16 {
    fn from_value(v: Value) -> Result<Self, Value> {
        integer_of(&v).and_then(|i| i16::try_from(i).ok()).ok_or(v)
    }
}
impl FromValue for i8 {
    fn from_value(v: Value) -> Result<Self, Value> {
        integer_of(&v).and_then(|i| i8::try_from(i).ok()).ok_or(v)
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> Result<Self, Value> {
        float_of(&v).ok_or(v)
    }
}
impl FromValue for f32 {
    fn from_value(v: Value) -> Result<Self, Value> {
        float_of(&v).map(|f| f as f32).ok_or(v)
    }
}
impl FromValue for bool {
    fn from_value(v: Value) -> Result<Self, Value> {
        match &v {
            Value::Boolean(b) => Ok(*b),
            Value::String(s) => match s.trim() {
                \"true\" | \"1\" => Ok(true),
                \"false\" | \"0\" => Ok(false),
                _ => Err(v),
            },
            _ => Err(v),
        }
    }
}
";

/// Value variant names for the primitive types.
/// Writes `line(item)` and a newline for each of `items` (one match arm or entry each).
fn write_lines<T>(o: &mut String, items: &[T], line: impl Fn(&T) -> String) {
    for item in items {
        o.push_str(&line(item));
        o.push('\n');
    }
}

const PRIM_VARIANTS: &[(&str, &str, &str)] = &[
    // (xsd/vim name, Value variant, rust type)
    ("string", "String", "String"),
    ("int", "Int", "i32"),
    ("long", "Long", "i64"),
    ("short", "Short", "i16"),
    ("byte", "Byte", "i8"),
    ("boolean", "Boolean", "bool"),
    ("double", "Double", "f64"),
    ("float", "Float", "f32"),
    ("dateTime", "DateTime", "String"),
    ("base64Binary", "Base64Binary", "String"),
    ("anyURI", "AnyUri", "String"),
];

impl<'a> Gen<'a> {
    fn new(s: &'a Schema) -> Self {
        let data: HashMap<&str, &DataType> = s.data.iter().map(|d| (d.name.as_str(), d)).collect();
        let mut desc: HashMap<&str, Vec<&str>> = HashMap::new();
        for d in &s.data {
            let mut b = d.base.as_deref();
            while let Some(base) = b {
                desc.entry(base).or_default().push(d.name.as_str());
                b = data.get(base).and_then(|x| x.base.as_deref());
            }
        }
        let mut g = Gen {
            s,
            data,
            desc,
            boxed: HashSet::new(),
        };
        g.compute_boxes();
        g
    }

    fn is_poly(&self, t: &str) -> bool {
        self.desc.get(t).is_some_and(|v| !v.is_empty())
    }

    /// Rust type of one value of schema type `t` (no cardinality).
    fn rust_type(&self, t: &str) -> String {
        if let Some(p) = prim_rust(t) {
            p.to_string()
        } else if self.is_poly(t) {
            format!("Any{t}")
        } else {
            t.to_string()
        }
    }

    /// Data types embedded (not through a Vec) in a value of type `t`.
    fn embeds(&self, t: &str) -> Vec<String> {
        let mut out = vec![];
        let add_struct = |name: &str, out: &mut Vec<String>| {
            if let Some(d) = self.data.get(name) {
                if let Some(b) = &d.base {
                    out.push(b.clone());
                }
                for p in &d.props {
                    if p.card != Card::List && self.data.contains_key(p.ty.as_str()) {
                        out.push(p.ty.clone());
                        for x in self.desc.get(p.ty.as_str()).into_iter().flatten() {
                            out.push(x.to_string());
                        }
                    }
                }
            }
        };
        add_struct(t, &mut out);
        out
    }

    fn compute_boxes(&mut self) {
        // A property needs a Box when its type can embed the struct that holds it.
        let mut boxed = HashSet::new();
        for d in &self.s.data {
            for p in &d.props {
                if p.card == Card::List || !self.data.contains_key(p.ty.as_str()) {
                    continue;
                }
                let mut start: Vec<String> = vec![p.ty.clone()];
                start.extend(
                    self.desc
                        .get(p.ty.as_str())
                        .into_iter()
                        .flatten()
                        .map(|s| s.to_string()),
                );
                let mut seen = HashSet::new();
                let mut stack = start;
                let mut rec = false;
                while let Some(t) = stack.pop() {
                    if t == d.name {
                        rec = true;
                        break;
                    }
                    if !seen.insert(t.clone()) {
                        continue;
                    }
                    stack.extend(self.embeds(&t));
                }
                if rec {
                    boxed.insert((d.name.clone(), p.name.clone()));
                }
            }
        }
        self.boxed = boxed;
    }

    fn field_type(&self, owner: &str, p: &Prop) -> String {
        let mut t = self.rust_type(&p.ty);
        if self.boxed.contains(&(owner.to_string(), p.name.clone())) {
            t = format!("Box<{t}>");
        }
        match p.card {
            Card::Required => t,
            Card::Optional => format!("Option<{t}>"),
            Card::List => format!("Vec<{t}>"),
        }
    }

    /// Chain of bases from `t` upwards (not including `t`).
    fn bases(&self, t: &str) -> Vec<&'a str> {
        let mut out = vec![];
        let mut b = self.data.get(t).and_then(|d| d.base.as_deref());
        while let Some(x) = b {
            out.push(x);
            b = self.data.get(x).and_then(|d| d.base.as_deref());
        }
        out
    }

    fn gen_enum(&self, o: &mut String, e: &EnumType) {
        let n = &e.name;
        let _ = writeln!(
            o,
            "/// The VI enumeration `{n}`; values this schema does not list are kept in `Other`."
        );
        let _ = writeln!(
            o,
            "#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]\npub enum {n} {{"
        );
        for (i, v) in e.values.iter().enumerate() {
            if i == 0 {
                o.push_str("    #[default]\n");
            }
            let _ = writeln!(o, "    /// `{v}`\n    {},", camel(v));
        }
        o.push_str("    /// A value this schema does not know.\n    Other(String),\n}\n");
        let _ = writeln!(o, "impl {n} {{\n    /// The wire form.\n    pub fn as_str(&self) -> &str {{\n        match self {{");
        for v in &e.values {
            let _ = writeln!(o, "            Self::{} => {v:?},", camel(v));
        }
        o.push_str("            Self::Other(s) => s,\n        }\n    }\n");
        o.push_str("    /// From the wire form (unknown values are kept).\n    pub fn from_wire(s: &str) -> Self {\n        match s {\n");
        for v in &e.values {
            let _ = writeln!(o, "            {v:?} => Self::{},", camel(v));
        }
        o.push_str("            other => Self::Other(other.to_string()),\n        }\n    }\n}\n");
        let _ = writeln!(
            o,
            "impl std::fmt::Display for {n} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(self.as_str())\n    }}\n}}"
        );
        let _ = writeln!(
            o,
            "impl Decode for {n} {{\n    fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {{\n        let t = r.text(tag)?;\n        Ok(Self::from_wire(t.trim()))\n    }}\n}}"
        );
        let _ = writeln!(
            o,
            "impl Encode for {n} {{\n    fn encode(&self, w: &mut XmlWriter, name: &str) {{\n        w.simple(name, self.as_str());\n    }}\n}}\nimpl WireText for {n} {{\n    fn write_text(&self, w: &mut XmlWriter) {{\n        w.text(self.as_str());\n    }}\n}}\n"
        );
    }

    fn gen_struct(&self, o: &mut String, d: &DataType) {
        let n = &d.name;
        match &d.base {
            Some(b) => {
                let _ = writeln!(o, "/// The VI data object `{n}` (extends `{b}`).");
            }
            None => {
                let _ = writeln!(o, "/// The VI data object `{n}`.");
            }
        }
        let _ = writeln!(
            o,
            "#[derive(Clone, Debug, Default, PartialEq)]\npub struct {n} {{"
        );
        if let Some(b) = &d.base {
            let _ = writeln!(
                o,
                "    /// The properties inherited from `{b}`.\n    pub base: {b},"
            );
        }
        for p in &d.props {
            let _ = writeln!(
                o,
                "    /// `{}`\n    pub {}: {},",
                p.name,
                snake(&p.name),
                self.field_type(n, p)
            );
        }
        o.push_str("}\n");
        // DataObject impl
        let _ = writeln!(
            o,
            "impl DataObject for {n} {{\n    const TYPE_NAME: &'static str = {n:?};"
        );
        o.push_str("    fn decode_field<'x>(&mut self, r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<bool, DecodeError> {\n");
        if d.props.is_empty() {
            match &d.base {
                Some(_) => o.push_str("        self.base.decode_field(r, tag)\n    }\n"),
                None => o.push_str("        let _ = (r, tag);\n        Ok(false)\n    }\n"),
            }
        } else {
            o.push_str("        match tag.local() {\n");
            for p in &d.props {
                let f = snake(&p.name);
                let stmt = match p.card {
                    Card::Required => format!("self.{f} = Decode::decode(r, tag)?"),
                    Card::Optional => format!("self.{f} = Some(Decode::decode(r, tag)?)"),
                    Card::List => format!("self.{f}.push(Decode::decode(r, tag)?)"),
                };
                let _ = writeln!(o, "            b{:?} => {stmt},", p.name);
            }
            match &d.base {
                Some(_) => o.push_str("            _ => return self.base.decode_field(r, tag),\n"),
                None => o.push_str("            _ => return Ok(false),\n"),
            }
            o.push_str("        }\n        Ok(true)\n    }\n");
        }
        o.push_str("    fn encode_fields(&self, w: &mut XmlWriter) {\n");
        if d.base.is_some() {
            o.push_str("        self.base.encode_fields(w);\n");
        }
        if d.props.is_empty() && d.base.is_none() {
            o.push_str("        let _ = w;\n");
        }
        for p in &d.props {
            let f = snake(&p.name);
            let _ = match p.card {
                Card::Required => writeln!(o, "        self.{f}.encode(w, {:?});", p.name),
                Card::Optional => {
                    writeln!(o, "        if let Some(v) = &self.{f} {{\n            v.encode(w, {:?});\n        }}", p.name)
                }
                Card::List => writeln!(
                    o,
                    "        for v in &self.{f} {{\n            v.encode(w, {:?});\n        }}",
                    p.name
                ),
            };
        }
        o.push_str("    }\n}\n");
        let _ = writeln!(
            o,
            "impl Decode for {n} {{\n    fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {{\n        decode_struct(r, tag)\n    }}\n}}"
        );
        let _ = writeln!(
            o,
            "impl Encode for {n} {{\n    fn encode(&self, w: &mut XmlWriter, name: &str) {{\n        w.start(name);\n        self.encode_fields(w);\n        w.end(name);\n    }}\n}}"
        );
        if let Some(b) = &d.base {
            let _ = writeln!(
                o,
                "impl std::ops::Deref for {n} {{\n    type Target = {b};\n    fn deref(&self) -> &{b} {{\n        &self.base\n    }}\n}}\nimpl std::ops::DerefMut for {n} {{\n    fn deref_mut(&mut self) -> &mut {b} {{\n        &mut self.base\n    }}\n}}"
            );
        }
        o.push('\n');
    }

    fn gen_poly(&self, o: &mut String, base: &str) {
        let desc = &self.desc[base];
        let mut all: Vec<&str> = vec![base];
        all.extend(desc.iter().copied());
        let an = format!("Any{base}");
        let _ = writeln!(
            o,
            "/// A `{base}` or any of its subtypes, chosen by `xsi:type` when decoding (an unknown\n/// or missing `xsi:type` decodes as `{base}` itself); encoded with its `xsi:type`."
        );
        let _ = writeln!(o, "#[derive(Clone, Debug, PartialEq)]\npub enum {an} {{");
        for t in &all {
            let _ = writeln!(o, "    {t}({t}),");
        }
        o.push_str("}\n");
        let _ = writeln!(o, "impl Default for {an} {{\n    fn default() -> Self {{\n        Self::{base}({base}::default())\n    }}\n}}");
        let _ = writeln!(o, "impl {an} {{\n    /// The concrete type's VI name.\n    pub fn type_name(&self) -> &'static str {{\n        match self {{");
        for t in &all {
            let _ = writeln!(o, "            Self::{t}(_) => {t:?},");
        }
        o.push_str("        }\n    }\n");
        // Accessors for intermediate polymorphic types.
        for mid in desc.iter().filter(|t| self.is_poly(t)) {
            let _ = writeln!(
                o,
                "    /// The `{mid}` part, when the value is a `{mid}` or one of its subtypes.\n    pub fn as_{}(&self) -> Option<&{mid}> {{\n        match self {{",
                snake(mid)
            );
            for t in &all {
                if *t == *mid {
                    let _ = writeln!(o, "            Self::{t}(v) => Some(v),");
                } else if let Some(depth) = self.bases(t).iter().position(|b| b == mid) {
                    let _ = writeln!(
                        o,
                        "            Self::{t}(v) => Some(&v{}),",
                        ".base".repeat(depth + 1)
                    );
                }
            }
            o.push_str("            _ => None,\n        }\n    }\n");
        }
        o.push_str("}\n");
        // Deref and DerefMut to the base: the same match, by shared and by mutable reference.
        let derefs = [
            (format!("impl std::ops::Deref for {an} {{\n    type Target = {base};\n    fn deref(&self) -> &{base} {{"), "&"),
            (format!("impl std::ops::DerefMut for {an} {{\n    fn deref_mut(&mut self) -> &mut {base} {{"), "&mut "),
        ];
        for (head, borrow) in derefs {
            let _ = writeln!(o, "{head}\n        match self {{");
            for t in &all {
                let depth = if *t == base {
                    0
                } else {
                    self.bases(t).iter().position(|b| *b == base).unwrap_or(0) + 1
                };
                if depth == 0 {
                    let _ = writeln!(o, "            Self::{t}(v) => v,");
                } else {
                    let _ = writeln!(
                        o,
                        "            Self::{t}(v) => {borrow}v{},",
                        ".base".repeat(depth)
                    );
                }
            }
            o.push_str("        }\n    }\n}\n");
        }
        let _ = writeln!(
            o,
            "impl Decode for {an} {{\n    fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {{\n        Ok(match tag.xsi_type() {{"
        );
        for t in desc {
            let _ = writeln!(
                o,
                "            Some(b{t:?}) => Self::{t}(decode_struct(r, tag)?),"
            );
        }
        let _ = writeln!(
            o,
            "            _ => Self::{base}(decode_struct(r, tag)?),\n        }})\n    }}\n}}"
        );
        let _ = writeln!(o, "impl Encode for {an} {{\n    fn encode(&self, w: &mut XmlWriter, name: &str) {{\n        match self {{");
        for t in &all {
            let _ = writeln!(o, "            Self::{t}(v) => encode_typed(v, w, name),");
        }
        o.push_str("        }\n    }\n}\n");
        for t in &all {
            let _ = writeln!(o, "impl From<{t}> for {an} {{\n    fn from(v: {t}) -> Self {{\n        Self::{t}(v)\n    }}\n}}");
        }
        o.push('\n');
    }

    /// Writes one piece of `Value`'s code per variant, in the variants' order, each piece
    /// followed by a newline: every primitive (`prim(xsd name, variant, Rust type)`), then
    /// `special` (the reference and anyType variants, written as it is), every enumeration
    /// (`enumeration(name)`), every data object (`data(name)`).
    fn value_variants(
        &self,
        o: &mut String,
        prim: impl Fn(&str, &str, &str) -> String,
        special: &str,
        enumeration: impl Fn(&str) -> String,
        data: impl Fn(&str) -> String,
    ) {
        for (x, v, rt) in PRIM_VARIANTS {
            o.push_str(&prim(x, v, rt));
            o.push('\n');
        }
        o.push_str(special);
        for e in &self.s.enums {
            o.push_str(&enumeration(&e.name));
            o.push('\n');
        }
        for d in &self.s.data {
            o.push_str(&data(&d.name));
            o.push('\n');
        }
    }

    fn gen_value(&self, o: &mut String) {
        o.push_str(
            "/// A value of `xsd:anyType` (a property value, a task result, an option value): its\n\
             /// `xsi:type` picks the variant. Types this schema does not know keep their name and\n\
             /// raw XML content in `Unknown`; a value without `xsi:type` decodes as a string.\n",
        );
        o.push_str("#[derive(Clone, Debug, PartialEq, Default)]\npub enum Value {\n    /// No value (an element without content and without `xsi:type`).\n    #[default]\n    None,\n");
        self.value_variants(
            o,
            |_, v, rt| format!("    {v}({rt}),\n    ArrayOf{v}(Vec<{rt}>),"),
            "    ManagedObjectReference(ManagedObjectReference),\n    ArrayOfManagedObjectReference(Vec<ManagedObjectReference>),\n    ArrayOfAnyType(Vec<Value>),\n",
            |e| format!("    {e}({e}),\n    ArrayOf{e}(Vec<{e}>),"),
            |d| format!("    {d}(Box<{d}>),\n    ArrayOf{d}(Vec<{}>),", self.rust_type(d)),
        );
        o.push_str("    /// A type this schema does not know: its `xsi:type` and its raw XML content.\n    Unknown { type_name: String, xml: String },\n}\n");

        // type_name
        o.push_str("impl Value {\n    /// The VI type name (`xsi:type` without prefix) of the value.\n    pub fn type_name(&self) -> &str {\n        match self {\n            Self::None => \"\",\n");
        let named = |n: &str| {
            format!("            Self::{n}(_) => {n:?},\n            Self::ArrayOf{n}(_) => \"ArrayOf{n}\",")
        };
        self.value_variants(
            o,
            |x, v, _| format!("            Self::{v}(_) => {x:?},\n            Self::ArrayOf{v}(_) => \"ArrayOf{v}\","),
            "            Self::ManagedObjectReference(_) => \"ManagedObjectReference\",\n            Self::ArrayOfManagedObjectReference(_) => \"ArrayOfManagedObjectReference\",\n            Self::ArrayOfAnyType(_) => \"ArrayOfAnyType\",\n",
            named,
            named,
        );
        o.push_str(
            "            Self::Unknown { type_name, .. } => type_name,\n        }\n    }\n}\n",
        );

        // decode
        o.push_str("/// An anyType value without `xsi:type`: its text (an empty element is `Value::None`).\npub fn decode_untyped<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Value, DecodeError> {\n    if tag.empty {\n        return Ok(Value::None);\n    }\n    Ok(Value::String(r.text(tag)?.into_owned()))\n}\n");
        o.push_str("impl Decode for Value {\n    fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {\n        match tag.xsi_type() {\n            Some(ty) => Value::decode_named(ty, r, tag),\n            None => decode_untyped(r, tag),\n        }\n    }\n}\n");
        // decode_named picks a decoder function by name and then calls it, so that its own
        // stack frame stays small: with the decoding inline, an unoptimised build reserves a
        // slot per arm (well over 100 KiB), paid again at every level of a nested value.
        o.push_str("/// Decodes one anyType value of a known type (see `Value::decode_named`).\ntype ValueDecoder = for<'x> fn(&mut XmlReader<'x>, &Tag<'x>) -> Result<Value, DecodeError>;\n");
        o.push_str("impl Value {\n    /// Decodes `tag` as the VI type named `ty` (an unknown name gives `Value::Unknown`).\n    pub fn decode_named<'x>(ty: &[u8], r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Self, DecodeError> {\n        let decoder: ValueDecoder = match ty {\n");
        // A variant decoded by `decode` (`Decode::decode` or `decode_boxed`), and its array.
        let arms = |x: &str, v: &str, decode: &str| {
            format!("            b{x:?} => |r, tag| Ok(Self::{v}({decode}(r, tag)?)),\n            b\"ArrayOf{v}\" => |r, tag| Ok(Self::ArrayOf{v}(decode_array(r, tag)?)),")
        };
        self.value_variants(
            o,
            |x, v, _| arms(x, v, "Decode::decode"),
            "            b\"ManagedObjectReference\" => |r, tag| Ok(Self::ManagedObjectReference(Decode::decode(r, tag)?)),\n            b\"ArrayOfManagedObjectReference\" => |r, tag| Ok(Self::ArrayOfManagedObjectReference(decode_array(r, tag)?)),\n            b\"anyType\" => decode_untyped,\n            b\"ArrayOfAnyType\" => |r, tag| Ok(Self::ArrayOfAnyType(decode_array(r, tag)?)),\n",
            |e| arms(e, e, "Decode::decode"),
            |d| arms(d, d, "decode_boxed"),
        );
        o.push_str("            other => {\n                // The name is an attribute value: unescape it, as encoding escapes it.\n                let type_name = crate::codec::unescape_attr(other)?;\n                let xml = r.raw_content(tag)?;\n                return Ok(Self::Unknown { type_name, xml });\n            }\n        };\n        decoder(r, tag)\n    }\n}\n");

        // encode
        o.push_str("impl Encode for Value {\n    fn encode(&self, w: &mut XmlWriter, name: &str) {\n        match self {\n            Self::None => w.empty(name),\n");
        // A variant encoded by `encode` and its array of `x` items.
        let arms = |x: &str, v: &str, encode: &str| {
            format!("            Self::{v}(v) => {encode},\n            Self::ArrayOf{v}(v) => encode_array(w, name, \"ArrayOf{v}\", {x:?}, v),")
        };
        self.value_variants(
            o,
            |x, v, _| arms(x, v, &format!("encode_prim_typed(w, name, \"xsd:{x}\", v)")),
            "            Self::ManagedObjectReference(v) => v.encode_typed(w, name),\n            Self::ArrayOfManagedObjectReference(v) => encode_array(w, name, \"ArrayOfManagedObjectReference\", \"ManagedObjectReference\", v),\n            Self::ArrayOfAnyType(v) => encode_array(w, name, \"ArrayOfAnyType\", \"anyType\", v),\n",
            |e| arms(e, e, &format!("encode_prim_typed(w, name, {e:?}, v)")),
            |d| arms(d, d, "encode_typed(&**v, w, name)"),
        );
        o.push_str("            Self::Unknown { type_name, xml } => w.raw_typed(name, type_name, xml),\n        }\n    }\n}\n");

        // FromValue impls
        o.push_str(
            "/// Typed extraction from a [`Value`]: `Ok` when the value holds this type (or, for\n\
             /// `AnyX`, any subtype), else the value back.\n\
             pub trait FromValue: Sized {\n    fn from_value(v: Value) -> Result<Self, Value>;\n}\n",
        );
        // Numbers and booleans convert across the XML Schema types (a server may send an
        // `xsd:int` where the API declares a long) and from untyped text.
        o.push_str(NUMERIC_FROM_VALUE);
        let mut done: BTreeSet<String> = BTreeSet::new();
        for (_, v, rt) in PRIM_VARIANTS {
            if NUMERIC_TYPES.contains(rt) {
                if done.insert(rt.to_string()) {
                    let _ = writeln!(o, "impl FromValue for Vec<{rt}> {{\n    fn from_value(v: Value) -> Result<Self, Value> {{\n        match v {{\n            Value::ArrayOf{v}(x) => Ok(x),\n            other => Err(other),\n        }}\n    }}\n}}");
                }
                continue;
            }
            if done.insert(rt.to_string()) {
                let _ = writeln!(
                    o,
                    "impl FromValue for {rt} {{\n    fn from_value(v: Value) -> Result<Self, Value> {{\n        match v {{\n            Value::{v}(x) => Ok(x),{}\n            other => Err(other),\n        }}\n    }}\n}}",
                    if *rt == "String" { "\n            Value::DateTime(x) | Value::Base64Binary(x) | Value::AnyUri(x) => Ok(x)," } else { "" }
                );
                let _ = writeln!(
                    o,
                    "impl FromValue for Vec<{rt}> {{\n    fn from_value(v: Value) -> Result<Self, Value> {{\n        match v {{\n            Value::ArrayOf{v}(x) => Ok(x),{}\n            other => Err(other),\n        }}\n    }}\n}}",
                    if *rt == "String" { "\n            Value::ArrayOfDateTime(x) | Value::ArrayOfBase64Binary(x) | Value::ArrayOfAnyUri(x) => Ok(x)," } else { "" }
                );
            }
        }
        o.push_str("impl FromValue for Value {\n    fn from_value(v: Value) -> Result<Self, Value> {\n        Ok(v)\n    }\n}\nimpl FromValue for Vec<Value> {\n    fn from_value(v: Value) -> Result<Self, Value> {\n        match v {\n            Value::ArrayOfAnyType(x) => Ok(x),\n            other => Err(other),\n        }\n    }\n}\n");
        o.push_str("impl FromValue for ManagedObjectReference {\n    fn from_value(v: Value) -> Result<Self, Value> {\n        match v {\n            Value::ManagedObjectReference(x) => Ok(x),\n            other => Err(other),\n        }\n    }\n}\n");
        o.push_str("impl FromValue for Vec<ManagedObjectReference> {\n    fn from_value(v: Value) -> Result<Self, Value> {\n        match v {\n            Value::ArrayOfManagedObjectReference(x) => Ok(x),\n            other => Err(other),\n        }\n    }\n}\n");
        for e in &self.s.enums {
            let _ = writeln!(o, "impl FromValue for {0} {{\n    fn from_value(v: Value) -> Result<Self, Value> {{\n        match v {{\n            Value::{0}(x) => Ok(x),\n            Value::String(s) => Ok({0}::from_wire(&s)),\n            other => Err(other),\n        }}\n    }}\n}}", e.name);
            let _ = writeln!(o, "impl FromValue for Vec<{0}> {{\n    fn from_value(v: Value) -> Result<Self, Value> {{\n        match v {{\n            Value::ArrayOf{0}(x) => Ok(x),\n            other => Err(other),\n        }}\n    }}\n}}", e.name);
        }
        for d in &self.s.data {
            let n = &d.name;
            let rt = self.rust_type(n);
            let _ = writeln!(o, "impl FromValue for {n} {{\n    fn from_value(v: Value) -> Result<Self, Value> {{\n        match v {{\n            Value::{n}(x) => Ok(*x),\n            other => Err(other),\n        }}\n    }}\n}}");
            if self.is_poly(n) {
                let _ = writeln!(o, "impl FromValue for Any{n} {{\n    fn from_value(v: Value) -> Result<Self, Value> {{\n        match v {{\n            Value::{n}(x) => Ok(Any{n}::{n}(*x)),");
                for t in &self.desc[n.as_str()] {
                    let _ = writeln!(o, "            Value::{t}(x) => Ok(Any{n}::{t}(*x)),");
                }
                o.push_str("            other => Err(other),\n        }\n    }\n}\n");
            }
            let _ = writeln!(o, "impl FromValue for Vec<{rt}> {{\n    fn from_value(v: Value) -> Result<Self, Value> {{\n        match v {{\n            Value::ArrayOf{n}(x) => Ok(x),");
            if self.is_poly(n) {
                // An array declared with a subtype's name still converts to the base's array.
                for t in &self.desc[n.as_str()] {
                    let conv = if self.is_poly(t) {
                        format!("x.into_iter().map(|e| Any{n}::from_value(Value::from(e)).unwrap_or_default()).collect()")
                    } else {
                        format!("x.into_iter().map(Any{n}::{t}).collect()")
                    };
                    let _ = writeln!(o, "            Value::ArrayOf{t}(x) => Ok({conv}),");
                }
            }
            o.push_str("            other => Err(other),\n        }\n    }\n}\n");
        }
        // From<T> for Value (for encoding convenience)
        for d in &self.s.data {
            let _ = writeln!(o, "impl From<{0}> for Value {{\n    fn from(v: {0}) -> Self {{\n        Value::{0}(Box::new(v))\n    }}\n}}", d.name);
            if self.is_poly(&d.name) {
                let _ = writeln!(o, "impl From<Any{0}> for Value {{\n    fn from(v: Any{0}) -> Self {{\n        match v {{", d.name);
                let _ = writeln!(
                    o,
                    "            Any{0}::{0}(x) => Value::{0}(Box::new(x)),",
                    d.name
                );
                for t in &self.desc[d.name.as_str()] {
                    let _ = writeln!(
                        o,
                        "            Any{0}::{t}(x) => Value::{t}(Box::new(x)),",
                        d.name
                    );
                }
                o.push_str("        }\n    }\n}\n");
            }
        }
        for e in &self.s.enums {
            let _ = writeln!(o, "impl From<{0}> for Value {{\n    fn from(v: {0}) -> Self {{\n        Value::{0}(v)\n    }}\n}}", e.name);
        }

        // The wire string of any enumeration value.
        o.push_str("impl Value {\n    /// The wire string, when the value is of an enumeration type.\n    pub fn enum_str(&self) -> Option<&str> {\n        match self {\n");
        write_lines(o, &self.s.enums, |e| {
            format!("            Self::{}(e) => Some(e.as_str()),", e.name)
        });
        o.push_str("            _ => None,\n        }\n    }\n}\n");
        // Base chain table.
        o.push_str("/// The schema's inheritance: each data type with its direct base.\npub const TYPE_BASES: &[(&str, &str)] = &[\n");
        for d in &self.s.data {
            if let Some(b) = &d.base {
                let _ = writeln!(o, "    ({:?}, {b:?}),", d.name);
            }
        }
        o.push_str("];\n");
        o.push_str("/// The managed object types the schema names, with their bases.\npub const MANAGED_OBJECTS: &[(&str, Option<&str>)] = &[\n");
        for m in &self.s.managed {
            let _ = writeln!(o, "    ({:?}, {:?}),", m.name, m.base);
        }
        o.push_str("];\n");
    }

    fn param_type(&self, p: &Prop) -> String {
        let t = p.ty.as_str();
        let by_value = matches!(
            t,
            "int" | "long" | "short" | "byte" | "boolean" | "double" | "float"
        );
        let strlike = matches!(t, "string" | "dateTime" | "base64Binary");
        let rt = self.rust_type(t);
        match p.card {
            Card::Required if by_value => rt,
            Card::Required if strlike => "&str".into(),
            Card::Required => format!("&{rt}"),
            Card::Optional if by_value => format!("Option<{rt}>"),
            Card::Optional if strlike => "Option<&str>".into(),
            Card::Optional => format!("Option<&{rt}>"),
            Card::List => format!("&[{rt}]"),
        }
    }

    fn ret_type(&self, m: &Method) -> String {
        match &m.ret {
            None => "()".into(),
            Some((t, Card::Required)) => self.rust_type(t),
            Some((t, Card::Optional)) => format!("Option<{}>", self.rust_type(t)),
            Some((t, Card::List)) => format!("Vec<{}>", self.rust_type(t)),
        }
    }

    fn gen_methods(&self, o: &mut String) {
        let sc = self.data.get("ServiceContent").copied();
        o.push_str("impl Client {\n");
        for m in &self.s.methods {
            let fname = m.rust_name.clone().unwrap_or_else(|| snake(&m.name));
            let _ = writeln!(
                o,
                "    /// `{}.{}`{}.",
                m.owner,
                m.name,
                if m.read {
                    " (a read: retried once after a new login when the session expired)"
                } else {
                    ""
                }
            );
            let mut args = String::new();
            for p in &m.params {
                if p.name == "_this" && m.this_bind.is_some() {
                    continue;
                }
                let _ = write!(
                    args,
                    ", {}: {}",
                    if p.name == "_this" {
                        "this".into()
                    } else {
                        snake(&p.name)
                    },
                    self.param_type(p)
                );
            }
            let rt = self.ret_type(m);
            let _ = writeln!(
                o,
                "    pub async fn {fname}(&self{args}) -> Result<{rt}, Error> {{"
            );
            if let Some(member) = &m.this_bind {
                let prop = sc.and_then(|sc| sc.props.iter().find(|p| &p.name == member));
                let f = snake(member);
                match prop.map(|p| p.card) {
                    Some(Card::Required) => {
                        let _ = writeln!(
                            o,
                            "        let sc = self.service_content();\n        let this = &sc.{f};"
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            o,
                            "        let sc = self.service_content();\n        let this = sc.{f}.as_ref().ok_or(Error::NotSupported({member:?}))?;"
                        );
                    }
                }
            }
            let _ = writeln!(o, "        let mut w = XmlWriter::request({:?});", m.name);
            for p in &m.params {
                let v = if p.name == "_this" {
                    "this".to_string()
                } else {
                    snake(&p.name)
                };
                let _ = match p.card {
                    Card::Required => writeln!(o, "        {v}.encode(&mut w, {:?});", p.name),
                    Card::Optional => writeln!(o, "        if let Some(v) = {v} {{\n            v.encode(&mut w, {:?});\n        }}", p.name),
                    Card::List => writeln!(o, "        for v in {v} {{\n            v.encode(&mut w, {:?});\n        }}", p.name),
                };
            }
            let _ = writeln!(o, "        let body = w.finish_request({:?});", m.name);
            match &m.ret {
                None => {
                    let _ = writeln!(o, "        let _: Vec<Value> = self.invoke({:?}, body, {}).await?;\n        Ok(())", m.name, m.read);
                }
                Some((t, card)) => {
                    let it = self.rust_type(t);
                    let _ = writeln!(
                        o,
                        "        let out: Vec<{it}> = self.invoke({:?}, body, {}).await?;",
                        m.name, m.read
                    );
                    let _ = match card {
                        Card::Required => {
                            writeln!(o, "        crate::soap::one(out, {:?})", m.name)
                        }
                        Card::Optional => writeln!(o, "        Ok(out.into_iter().next())"),
                        Card::List => writeln!(o, "        Ok(out)"),
                    };
                }
            }
            o.push_str("    }\n\n");
        }
        o.push_str("}\n");
    }

    /// The properties of managed type `name`, its bases' first (inherited ones included).
    fn managed_props(&self, name: &str) -> Vec<&'a Prop> {
        let mut chain = vec![];
        let mut cur = self.s.managed.iter().find(|m| m.name == name);
        while let Some(m) = cur {
            chain.push(m);
            cur = m
                .base
                .as_ref()
                .and_then(|b| self.s.managed.iter().find(|x| &x.name == b));
        }
        chain.iter().rev().flat_map(|m| m.props.iter()).collect()
    }

    /// The properties of data type `name`, its bases' first.
    fn data_props(&self, name: &str) -> Vec<&'a Prop> {
        let mut chain: Vec<&'a DataType> = Vec::new();
        let mut cur = self.data.get(name).copied();
        while let Some(d) = cur {
            chain.push(d);
            cur = d.base.as_deref().and_then(|b| self.data.get(b).copied());
        }
        chain.iter().rev().flat_map(|d| d.props.iter()).collect()
    }

    /// Every property path below `p` (itself first): nested data objects are followed (not
    /// through lists, not into a type already on the path, at most [`MAX_PATH_DEPTH`] deep).
    fn walk_paths(
        &self,
        prefix: Option<(&str, &str)>,
        p: &Prop,
        stack: &mut Vec<String>,
        out: &mut Vec<PathItem>,
    ) {
        let (path, konst) = match prefix {
            Some((path, konst)) => (
                format!("{path}.{}", p.name),
                format!("{konst}_{}", snake(&p.name).to_ascii_uppercase()),
            ),
            None => (p.name.clone(), snake(&p.name).to_ascii_uppercase()),
        };
        let one = self.rust_type(&p.ty);
        let ty = if p.card == Card::List {
            format!("Vec<{one}>")
        } else {
            one
        };
        out.push(PathItem {
            konst: konst.clone(),
            path: path.clone(),
            ty,
            vi_type: format!(
                "{}{}",
                p.ty,
                match p.card {
                    Card::List => "[]",
                    Card::Optional => "?",
                    Card::Required => "",
                }
            ),
        });
        if p.card == Card::List
            || !self.data.contains_key(p.ty.as_str())
            || stack.contains(&p.ty)
            || stack.len() + 1 >= MAX_PATH_DEPTH
        {
            return;
        }
        stack.push(p.ty.clone());
        for q in self.data_props(&p.ty) {
            self.walk_paths(Some((&path, &konst)), q, stack, out);
        }
        stack.pop();
    }

    fn gen_props(&self, o: &mut String) -> Result<(), String> {
        for m in &self.s.managed {
            let props = self.managed_props(&m.name);
            let mut items = Vec::new();
            for p in &props {
                self.walk_paths(None, p, &mut vec![], &mut items);
            }
            let mut seen = HashSet::new();
            for it in &items {
                if !seen.insert(it.konst.as_str()) || it.konst == "TYPE" {
                    return Err(format!(
                        "{}: two property paths are both named {}",
                        m.name, it.konst
                    ));
                }
            }
            let _ = writeln!(
                o,
                "/// The property paths of the managed object type `{}` (inherited ones included),\n/// each with the type of the value it yields.",
                m.name
            );
            let _ = writeln!(o, "pub mod {} {{", snake(&m.name));
            if !items.is_empty() {
                o.push_str("    use super::*;\n");
            }
            let _ = writeln!(
                o,
                "    /// The type's name, as property specs and references carry it.\n    pub const TYPE: &str = {:?};",
                m.name
            );
            for it in &items {
                let _ = writeln!(
                    o,
                    "    /// `{}`: `{}`\n    pub const {}: PropPath<{}> = PropPath::new(TYPE, {:?});",
                    it.path, it.vi_type, it.konst, it.ty, it.path
                );
            }
            o.push_str("}\n\n");
        }
        Ok(())
    }

    fn gen_requests(&self, o: &mut String) {
        o.push_str("/// One struct per method: the parameters of a request (what a server decodes).\npub mod requests {\n    #![allow(non_camel_case_types)]\n    use super::*;\n\n");
        for m in &self.s.methods {
            let d = DataType {
                name: m.name.clone(),
                base: None,
                props: m.params.clone(),
            };
            let mut s = String::new();
            self.gen_struct(&mut s, &d);
            let s = s.replace(
                &format!("/// The VI data object `{}`.", m.name),
                &format!("/// The request of `{}.{}`.", m.owner, m.name),
            );
            for line in s.lines() {
                if line.is_empty() {
                    o.push('\n');
                } else {
                    let _ = writeln!(o, "    {line}");
                }
            }
        }
        o.push_str("}\n\n");
        o.push_str("/// A decoded request of any method the schema lists.\n#[allow(non_camel_case_types)]\n#[derive(Clone, Debug, PartialEq)]\npub enum Request {\n");
        write_lines(o, &self.s.methods, |m| {
            format!("    {0}(requests::{0}),", m.name)
        });
        o.push_str("}\nimpl Request {\n    /// Decodes the element inside the SOAP Body; `None` for a method the schema does not list.\n    pub fn decode<'x>(r: &mut XmlReader<'x>, tag: &Tag<'x>) -> Result<Option<Self>, DecodeError> {\n        Ok(Some(match tag.local() {\n");
        write_lines(o, &self.s.methods, |m| {
            format!(
                "            b{0:?} => Self::{0}(decode_struct(r, tag)?),",
                m.name
            )
        });
        o.push_str("            _ => return Ok(None),\n        }))\n    }\n    /// The method's name.\n    pub fn method_name(&self) -> &'static str {\n        match self {\n");
        write_lines(o, &self.s.methods, |m| {
            format!("            Self::{0}(_) => {0:?},", m.name)
        });
        o.push_str("        }\n    }\n    /// The object the method is invoked on.\n    pub fn this(&self) -> &ManagedObjectReference {\n        match self {\n");
        write_lines(o, &self.s.methods, |m| {
            format!("            Self::{0}(r) => &r.this,", m.name)
        });
        o.push_str("        }\n    }\n}\n\n");
        o.push_str("/// A method of the schema: owner type, name, and whether it is a side-effect-free read.\n#[derive(Clone, Copy, Debug)]\npub struct MethodInfo {\n    pub owner: &'static str,\n    pub name: &'static str,\n    pub read: bool,\n}\n/// Every method the schema lists.\npub const METHODS: &[MethodInfo] = &[\n");
        for m in &self.s.methods {
            let _ = writeln!(
                o,
                "    MethodInfo {{ owner: {:?}, name: {:?}, read: {} }},",
                m.owner, m.name, m.read
            );
        }
        o.push_str("];\n");
    }
}

/// One generated property path of a managed object type.
struct PathItem {
    /// The constant's name (`RUNTIME_POWER_STATE`).
    konst: String,
    /// The path (`runtime.powerState`).
    path: String,
    /// The Rust type of its value.
    ty: String,
    /// The schema type of its value, with its cardinality (for the doc comment).
    vi_type: String,
}

/// How many properties deep generated paths reach (`config.network.dnsConfig.hostName` is 4).
const MAX_PATH_DEPTH: usize = 4;

/// The generated sources: `types` (data types, enums, `Value`, requests), `methods` (the
/// `impl Client` block of typed calls) and `props` (every managed object type's property
/// paths as typed constants).
pub struct Output {
    pub types: String,
    pub methods: String,
    pub props: String,
}

/// Generates Rust source from the schema text.
pub fn generate(schema_text: &str) -> Result<Output, String> {
    let s = parse(schema_text)?;
    let g = Gen::new(&s);
    let mut types = String::from(
        "// @generated by esxvirt-vi-codegen from schema/vim.schema. Do not edit.\n\n",
    );
    for e in &s.enums {
        g.gen_enum(&mut types, e);
    }
    for d in &s.data {
        g.gen_struct(&mut types, d);
    }
    let polys: BTreeMap<&str, ()> = s
        .data
        .iter()
        .filter(|d| g.is_poly(&d.name))
        .map(|d| (d.name.as_str(), ()))
        .collect();
    for d in &s.data {
        if polys.contains_key(d.name.as_str()) {
            g.gen_poly(&mut types, &d.name);
        }
    }
    g.gen_value(&mut types);
    g.gen_requests(&mut types);
    let mut methods = String::from(
        "// @generated by esxvirt-vi-codegen from schema/vim.schema. Do not edit.\n\n",
    );
    g.gen_methods(&mut methods);
    let mut props = String::from(
        "// @generated by esxvirt-vi-codegen from schema/vim.schema. Do not edit.\n\n",
    );
    g.gen_props(&mut props)?;
    Ok(Output {
        types,
        methods,
        props,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake("capacityInKB"), "capacity_in_kb");
        assert_eq!(snake("PowerOnVM_Task"), "power_on_vm_task");
        assert_eq!(snake("RetrievePropertiesEx"), "retrieve_properties_ex");
        assert_eq!(snake("numCPUs"), "num_cpus");
        assert_eq!(snake("numCPU"), "num_cpu");
        assert_eq!(snake("vmPathName"), "vm_path_name");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("_this"), "this");
        assert_eq!(snake("sessionID"), "session_id");
    }

    #[test]
    fn parses_and_rejects() {
        let ok = "enum E\n  a b\ndata A\n  x string?\ndata B : A\n  y E[]\nmanaged M\nmethod M.Do -> B read\n  _this ManagedObjectReference\n";
        let s = parse(ok).unwrap();
        assert_eq!(s.data.len(), 2);
        assert!(s.methods[0].read);
        assert!(parse("data A\n  x Nope\n")
            .unwrap_err()
            .contains("unknown type"));
        assert!(parse("data A : Z\n").unwrap_err().contains("unknown base"));
    }

    #[test]
    fn managed_properties_become_typed_paths() {
        let schema = "enum PowerState\n  on off\ndata Runtime\n  powerState PowerState\n  host ManagedObjectReference?\n  tags string[]\ndata Info\n  runtime Runtime\n  self Info?\nmanaged Entity\n  name string\nmanaged Machine : Entity\n  info Info?\n  list Runtime[]\n";
        let out = generate(schema).unwrap();
        let p = &out.props;
        assert!(p.contains("pub mod machine {"), "{p}");
        assert!(p.contains("pub const TYPE: &str = \"Machine\";"), "{p}");
        // Inherited, nested, optional and list paths, each with its value type.
        assert!(p.contains("pub const NAME: PropPath<String> = PropPath::new(TYPE, \"name\");"));
        assert!(p.contains(
            "pub const INFO_RUNTIME_POWER_STATE: PropPath<PowerState> = PropPath::new(TYPE, \"info.runtime.powerState\");"
        ));
        assert!(p.contains("pub const INFO_RUNTIME_TAGS: PropPath<Vec<String>>"));
        assert!(p.contains("pub const LIST: PropPath<Vec<Runtime>>"));
        // Lists are not followed, nor a type already on the path.
        assert!(!p.contains("LIST_POWER_STATE"));
        assert!(p.contains("INFO_SELF_:") || p.contains("INFO_SELF:"), "{p}");
        assert!(!p.contains("INFO_SELF_RUNTIME"));
        // Unknown property types and bases are refused.
        assert!(parse("managed M\n  x Nope\n")
            .unwrap_err()
            .contains("unknown type"));
        assert!(parse("managed M : Z\n")
            .unwrap_err()
            .contains("unknown base"));
    }

    #[test]
    fn recursive_properties_are_boxed() {
        let s = parse("data T\n  parent T?\n  kids T[]\n").unwrap();
        let g = Gen::new(&s);
        assert_eq!(g.field_type("T", &s.data[0].props[0]), "Option<Box<T>>");
        assert_eq!(g.field_type("T", &s.data[0].props[1]), "Vec<T>");
    }
}
