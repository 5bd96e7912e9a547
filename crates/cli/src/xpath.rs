//! `--xpath` and `--wrap` of the dumpxml commands: evaluate an XPath 1.0 expression on the XML
//! the command would print and print the selected nodes the way virsh does (libxml2's
//! formatted node dump: double-quoted attributes, two-space indentation, no indentation inside
//! mixed content). The expression is evaluated by sxd-xpath on an sxd-document tree; names
//! and the order of attributes and namespace declarations, which that tree does not keep, come
//! from a quick-xml pass over the same text.

use std::collections::HashMap;

// libxml2 escapes text and attribute values as the SOAP codec does.
use esxvirt_util::xml::{escape_into, Escape};
use quick_xml::events::Event;
use sxd_document::dom::{ChildOfElement, ChildOfRoot, Document, Element};
use sxd_document::parser;
use sxd_xpath::nodeset::Node;
use sxd_xpath::{Context, Factory, Value};

/// What evaluating `--xpath` gives.
#[derive(Debug, PartialEq, Eq)]
pub enum Selection {
    /// The text to print on stdout (each node followed by a newline).
    Nodes(String),
    /// The expression does not parse: virsh (through libxml2) reports it on stderr and
    /// prints nothing, and the command still succeeds.
    InvalidExpression(String),
}

/// Why `--xpath` failed the command.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XPathError {
    /// The expression is valid but its value is not a node set (`string(...)`, `count(...)`).
    #[error("internal error: Incorrect xpath '{0}'")]
    NotANodeSet(String),
    /// The XML to filter does not parse (never the case for what the driver formats).
    #[error("XML error: {0}")]
    Xml(String),
}

/// Selects `expr` in `xml`; `wrap` puts the selected nodes under one `<nodes>` element.
pub fn select(xml: &str, expr: &str, wrap: bool) -> Result<Selection, XPathError> {
    let package = parser::parse(xml).map_err(|e| XPathError::Xml(format!("{e:?}")))?;
    let doc = package.as_document();
    let tags = scan_tags(xml)?;
    strip_blanks(&doc);
    let xpath = match Factory::new().build(expr) {
        Ok(Some(x)) => x,
        Ok(None) | Err(_) => return Ok(Selection::InvalidExpression(LIBXML_INVALID.into())),
    };
    // virsh's XPath context declares no namespace prefix but libxml2's built-in `xml`
    // (and sxd-xpath panics on an undeclared one, so it is caught here first).
    if undeclared_prefix(expr) {
        return Ok(Selection::InvalidExpression(
            "XPath error : Undefined namespace prefix\n".into(),
        ));
    }
    let mut context = Context::new();
    context.set_namespace("xml", "http://www.w3.org/XML/1998/namespace");
    let value = match xpath.evaluate(&context, doc.root()) {
        Ok(v) => v,
        // libxml2 fails the evaluation too (virsh then prints nothing); its wording for
        // the common cases.
        Err(e) => return Ok(Selection::InvalidExpression(evaluation_message(&e))),
    };
    let nodes = match value {
        Value::Nodeset(set) => set.document_order(),
        _ => return Err(XPathError::NotANodeSet(expr.to_string())),
    };
    let dumper = Dumper::new(&doc, tags);
    let mut out = String::new();
    if wrap {
        dumper.wrapped(&nodes, &mut out);
        out.push('\n');
    } else {
        for node in &nodes {
            dumper.node(node, &mut out);
            out.push('\n');
        }
    }
    Ok(Selection::Nodes(out))
}

/// Whether `expr` names something with a prefix other than `xml` (`p:name`, `p:*`): a
/// single `:` between a name and a name or `*`, outside string literals.
fn undeclared_prefix(expr: &str) -> bool {
    let chars: Vec<char> = expr.chars().collect();
    let is_name = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut quote: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ':' => {
                let before = i.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(i + 1).copied();
                let single = before != Some(':') && after != Some(':');
                let named = before.is_some_and(is_name)
                    && after.is_some_and(|a| a == '*' || a.is_alphabetic() || a == '_');
                if single && named {
                    let start = chars[..i]
                        .iter()
                        .rposition(|&c| !is_name(c))
                        .map_or(0, |p| p + 1);
                    let prefix: String = chars[start..i].iter().collect();
                    if prefix != "xml" {
                        return true;
                    }
                }
            }
            None => {}
        }
    }
    false
}

/// libxml2's first line for an expression it cannot compile (the lines after it, the
/// expression with a caret under libxml2's own error position, are not reproduced).
const LIBXML_INVALID: &str = "XPath error : Invalid expression\n";

fn evaluation_message(e: &sxd_xpath::ExecutionError) -> String {
    // sxd-xpath's execution error is opaque but for its message.
    let text = e.to_string();
    if text.starts_with("unknown namespace prefix") {
        "XPath error : Undefined namespace prefix\n".into()
    } else if text.starts_with("unknown function") {
        "XPath error : Unregistered function\n".into()
    } else if text.starts_with("unknown variable") {
        "XPath error : Undefined variable\n".into()
    } else {
        LIBXML_INVALID.into()
    }
}

/// One start tag as written: its name and its attributes (namespace declarations included)
/// in document order, values unescaped.
#[derive(Debug, Default)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Every start tag of `xml`, in document order.
fn scan_tags(xml: &str) -> Result<Vec<Tag>, XPathError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut tags = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let mut tag = Tag {
                    name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    attrs: Vec::new(),
                };
                for a in e.attributes() {
                    let a = a.map_err(|e| XPathError::Xml(e.to_string()))?;
                    let value = a
                        .unescape_value()
                        .map_err(|e| XPathError::Xml(e.to_string()))?;
                    tag.attrs.push((
                        String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                        value.into_owned(),
                    ));
                }
                tags.push(tag);
            }
            Ok(Event::Eof) => return Ok(tags),
            Ok(_) => {}
            Err(e) => return Err(XPathError::Xml(e.to_string())),
        }
    }
}

/// Makes the tree look like virsh's parse of the same text: adjacent texts (split at entity
/// references by sxd-document) are one text node, and whitespace-only text between elements
/// is dropped (keepBlanks off) unless it is an element's only content.
fn strip_blanks(doc: &Document<'_>) {
    for child in doc.root().children() {
        if let ChildOfRoot::Element(e) = child {
            normalize_element(e);
        }
    }
}

fn normalize_element(e: Element<'_>) {
    let mut run: Option<sxd_document::dom::Text<'_>> = None;
    for child in e.children() {
        match child {
            ChildOfElement::Text(t) => match run {
                Some(first) => {
                    let joined = format!("{}{}", first.text(), t.text());
                    first.set_text(&joined);
                    t.remove_from_parent();
                }
                None => run = Some(t),
            },
            ChildOfElement::Element(c) => {
                run = None;
                normalize_element(c);
            }
            _ => run = None,
        }
    }
    let children = e.children();
    if children.len() > 1 {
        for child in children {
            if let ChildOfElement::Text(t) = child {
                if t.text()
                    .chars()
                    .all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                {
                    t.remove_from_parent();
                }
            }
        }
    }
}

/// Writes nodes of one document as libxml2's `xmlNodeDump(..., format=1)` does.
struct Dumper<'d> {
    tags: Vec<Tag>,
    /// Each element's position in document order (= its index in `tags`).
    index: HashMap<Element<'d>, usize>,
}

impl<'d> Dumper<'d> {
    // sxd-document hashes and compares nodes by address, which interior mutability does
    // not change.
    #[allow(clippy::mutable_key_type)]
    fn new(doc: &Document<'d>, tags: Vec<Tag>) -> Dumper<'d> {
        let mut index = HashMap::new();
        let mut stack: Vec<Element<'d>> = doc
            .root()
            .children()
            .into_iter()
            .rev()
            .filter_map(|c| match c {
                ChildOfRoot::Element(e) => Some(e),
                _ => None,
            })
            .collect();
        while let Some(e) = stack.pop() {
            let n = index.len();
            index.insert(e, n);
            for c in e.children().into_iter().rev() {
                if let ChildOfElement::Element(c) = c {
                    stack.push(c);
                }
            }
        }
        Dumper { tags, index }
    }

    fn tag(&self, e: Element<'d>) -> Option<&Tag> {
        self.index.get(&e).and_then(|&i| self.tags.get(i))
    }

    /// One selected node, at the top level.
    fn node(&self, node: &Node<'d>, out: &mut String) {
        match node {
            Node::Root(r) => {
                out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
                for child in r.children() {
                    match child {
                        ChildOfRoot::Element(e) => self.element(e, 0, true, out),
                        ChildOfRoot::Comment(c) => push_comment(c.text(), out),
                        ChildOfRoot::ProcessingInstruction(p) => {
                            push_pi(p.target(), p.value(), out)
                        }
                    }
                    out.push('\n');
                }
            }
            Node::Element(e) => self.element(*e, 0, true, out),
            Node::Attribute(a) => {
                push_attr(&attr_name(a), a.value(), out);
            }
            Node::Text(t) => escape_into(out, t.text(), Escape::Text),
            Node::Comment(c) => push_comment(c.text(), out),
            Node::ProcessingInstruction(p) => push_pi(p.target(), p.value(), out),
            Node::Namespace(ns) => push_attr(&format!("xmlns:{}", ns.prefix()), ns.uri(), out),
        }
    }

    /// An element; `format`: indent its children (libxml2 stops indenting inside an element
    /// that has text among its children, and everywhere below it).
    fn element(&self, e: Element<'d>, level: usize, format: bool, out: &mut String) {
        let tag = self.tag(e);
        let name = match tag {
            Some(t) => t.name.clone(),
            None => qualified(e.name().local_part(), e.preferred_prefix()),
        };
        out.push('<');
        out.push_str(&name);
        self.attributes(e, tag, out);
        let children = e.children();
        if children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        let format = format
            && children
                .iter()
                .all(|c| !matches!(c, ChildOfElement::Text(_)));
        for child in &children {
            if format {
                out.push('\n');
                indent(level + 1, out);
            }
            match child {
                ChildOfElement::Element(c) => self.element(*c, level + 1, format, out),
                ChildOfElement::Text(t) => escape_into(out, t.text(), Escape::Text),
                ChildOfElement::Comment(c) => push_comment(c.text(), out),
                ChildOfElement::ProcessingInstruction(p) => push_pi(p.target(), p.value(), out),
            }
        }
        if format {
            out.push('\n');
            indent(level, out);
        }
        out.push_str("</");
        out.push_str(&name);
        out.push('>');
    }

    /// Namespace declarations first, then the attributes, each in document order (libxml2
    /// keeps declarations apart from attributes and writes them first).
    fn attributes(&self, e: Element<'d>, tag: Option<&Tag>, out: &mut String) {
        let Some(tag) = tag else {
            for a in e.attributes() {
                push_attr(&attr_name(&a), a.value(), out);
            }
            return;
        };
        let is_decl = |n: &str| n == "xmlns" || n.starts_with("xmlns:");
        for (name, value) in tag.attrs.iter().filter(|(n, _)| is_decl(n)) {
            push_attr(name, value, out);
        }
        let attrs = e.attributes();
        for (name, written) in tag.attrs.iter().filter(|(n, _)| !is_decl(n)) {
            // The parsed value (normalised as an XML parser must), else the written one.
            let value = attrs
                .iter()
                .find(|a| attr_name(a) == *name)
                .map(|a| a.value())
                .unwrap_or(written);
            push_attr(name, value, out);
        }
    }

    /// `--wrap`: copies of the nodes under a new `<nodes>` element, with libxml2's
    /// xmlAddChild rules: an attribute becomes an attribute of `<nodes>` (a later one of the
    /// same name replaces an earlier one), adjacent texts merge, and text among the children
    /// turns the indentation off.
    fn wrapped(&self, nodes: &[Node<'d>], out: &mut String) {
        enum Item<'d> {
            Node(Node<'d>),
            Text(String),
        }
        let mut attrs: Vec<(String, String)> = Vec::new();
        let mut items: Vec<Item<'d>> = Vec::new();
        for node in nodes {
            match node {
                Node::Attribute(a) => {
                    let name = attr_name(a);
                    match attrs.iter_mut().find(|(n, _)| *n == name) {
                        Some(slot) => slot.1 = a.value().to_string(),
                        None => attrs.push((name, a.value().to_string())),
                    }
                }
                Node::Text(t) => match items.last_mut() {
                    Some(Item::Text(prev)) => prev.push_str(t.text()),
                    _ => items.push(Item::Text(t.text().to_string())),
                },
                other => items.push(Item::Node(*other)),
            }
        }
        out.push_str("<nodes");
        for (name, value) in &attrs {
            push_attr(name, value, out);
        }
        if items.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        let format = items.iter().all(|i| !matches!(i, Item::Text(_)));
        for item in &items {
            if format {
                out.push_str("\n  ");
            }
            match item {
                Item::Text(t) => escape_into(out, t, Escape::Text),
                Item::Node(Node::Element(e)) => self.element(*e, 1, format, out),
                Item::Node(n) => self.node(n, out),
            }
        }
        if format {
            out.push('\n');
        }
        out.push_str("</nodes>");
    }
}

fn qualified(local: &str, prefix: Option<&str>) -> String {
    match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_string(),
    }
}

fn attr_name(a: &sxd_document::dom::Attribute<'_>) -> String {
    qualified(a.name().local_part(), a.preferred_prefix())
}

fn push_attr(name: &str, value: &str, out: &mut String) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value, Escape::Attr);
    out.push('"');
}

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn push_comment(text: &str, out: &mut String) {
    out.push_str("<!--");
    out.push_str(text);
    out.push_str("-->");
}

fn push_pi(target: &str, value: Option<&str>, out: &mut String) {
    out.push_str("<?");
    out.push_str(target);
    if let Some(v) = value {
        out.push(' ');
        out.push_str(v);
    }
    out.push_str("?>");
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<domain type='test' id='1'>\n  <name>test</name>\n  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n  <os>\n    <type arch='i686'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='/guest/diskimage1'/>\n      <target dev='vda' bus='virtio'/>\n      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n    </disk>\n  </devices>\n  <description>a &lt;b&gt; &amp; \"c\"</description>\n</domain>\n";

    fn nodes(expr: &str, wrap: bool) -> String {
        match select(XML, expr, wrap).expect("select") {
            Selection::Nodes(s) => s,
            other => panic!("{other:?}"),
        }
    }

    // Expected texts are what virsh 9.0 prints for the same XML (test:///default).
    #[test]
    fn elements_attributes_and_text() {
        assert_eq!(
            nodes("//disk", false),
            "<disk type=\"file\" device=\"disk\">\n  <source file=\"/guest/diskimage1\"/>\n  <target dev=\"vda\" bus=\"virtio\"/>\n  <address type=\"pci\" domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\"/>\n</disk>\n"
        );
        assert_eq!(nodes("//disk/@type", false), " type=\"file\"\n");
        assert_eq!(nodes("/domain/name/text()", false), "test\n");
        assert_eq!(nodes("//nothing", false), "");
        assert_eq!(
            nodes("//description", false),
            "<description>a &lt;b&gt; &amp; \"c\"</description>\n"
        );
    }

    #[test]
    fn wrap_follows_libxml2s_add_child() {
        assert_eq!(
            nodes("//os|//name", true),
            "<nodes>\n  <name>test</name>\n  <os>\n    <type arch=\"i686\">hvm</type>\n    <boot dev=\"hd\"/>\n  </os>\n</nodes>\n"
        );
        assert_eq!(nodes("//@type", true), "<nodes type=\"pci\"/>\n");
        assert_eq!(
            nodes("//name/text()|//uuid/text()|//os", true),
            "<nodes>test6695eb01-f6a4-8304-79aa-97f2502e193f<os><type arch=\"i686\">hvm</type><boot dev=\"hd\"/></os></nodes>\n"
        );
        assert_eq!(nodes("//nothing", true), "<nodes/>\n");
    }

    #[test]
    fn the_document_node_comes_with_its_declaration() {
        let out = nodes("/", false);
        assert!(out.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<domain type=\"test\" id=\"1\">\n  <name>test</name>\n"
        ));
        assert!(out.ends_with("</domain>\n\n"), "{out:?}");
    }

    #[test]
    fn values_that_are_not_node_sets_and_bad_expressions() {
        assert_eq!(
            select(XML, "string(/domain/name)", false),
            Err(XPathError::NotANodeSet("string(/domain/name)".into()))
        );
        assert_eq!(
            select(XML, "count(//disk)", false).unwrap_err().to_string(),
            "internal error: Incorrect xpath 'count(//disk)'"
        );
        for undeclared in ["//vmware:datacenterpath", "/domain/v:*", "//a[@p:b]"] {
            assert_eq!(
                select(XML, undeclared, false),
                Ok(Selection::InvalidExpression(
                    "XPath error : Undefined namespace prefix\n".into()
                )),
                "{undeclared}"
            );
        }
        for fine in [
            "//name[. = 'a:b']",
            "child::domain",
            "//@xml:lang",
            "//node()[1]",
        ] {
            assert!(
                matches!(select(XML, fine, false), Ok(Selection::Nodes(_))),
                "{fine}"
            );
        }
        assert_eq!(
            select(XML, "//[bad", false),
            Ok(Selection::InvalidExpression(
                "XPath error : Invalid expression\n".into()
            ))
        );
    }

    /// Whatever the expression, an answer and no panic (sxd-xpath has panics that input can
    /// reach; those found are caught before evaluation).
    #[test]
    fn random_expressions_never_panic() {
        let alphabet: Vec<char> = "/@*[]()='\":.,|adnmetx0123 -<>!$".chars().collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..5000 {
            let len = (next() % 16 + 1) as usize;
            let expr: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let _ = select(XML, &expr, next() % 2 == 0);
        }
    }
}
