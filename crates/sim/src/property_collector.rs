//! The property collector: filter specs with object, traversal and (named) selection specs,
//! retrieval with paging tokens, and property filters reporting changes for
//! `WaitForUpdates(Ex)` / `CheckForUpdates` by diffing each filter's result against what it
//! last reported.

use std::collections::{HashMap, HashSet, VecDeque};

use std::sync::Arc;

use crate::fault::Fault;
use crate::soap::Element;
use crate::value::{escape_into, MoRef, Value};

/// A property path as results carry it: shared with the spec, so a result of thousands of
/// objects does not allocate a name per property.
pub type PropName = Arc<str>;

/// Where the collector reads objects and properties (the world and the core's objects).
pub trait PropertySource {
    /// Whether `obj` exists.
    fn exists(&self, obj: &MoRef) -> bool;
    /// Property `path` of `obj` (see [`crate::object::Inventory::property`]).
    fn property(&self, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault>;
    /// All top-level property names of `obj`.
    fn property_names(&self, obj: &MoRef) -> Vec<&'static str>;
    /// A version of the source now, for [`PropertySource::unchanged_since`]; `None` (the
    /// default): the source does not follow its changes.
    fn change_stamp(&self) -> Option<u64> {
        None
    }
    /// Whether every property of `obj` certainly has the value it had at version `stamp`
    /// (a filter then keeps what it last reported instead of reading the object again).
    fn unchanged_since(&self, _obj: &MoRef, _stamp: u64) -> bool {
        false
    }
}

/// Whether managed-object type `actual` is `wanted` or one of its subtypes.
pub fn is_a(actual: &str, wanted: &str) -> bool {
    if actual == wanted {
        return true;
    }
    let parent = match actual {
        "ClusterComputeResource" => "ComputeResource",
        "VirtualApp" => "ResourcePool",
        "DistributedVirtualPortgroup" | "OpaqueNetwork" => "Network",
        "VmwareDistributedVirtualSwitch" => "DistributedVirtualSwitch",
        "StoragePod" => "Folder",
        "Folder"
        | "Datacenter"
        | "ComputeResource"
        | "HostSystem"
        | "ResourcePool"
        | "VirtualMachine"
        | "Datastore"
        | "Network"
        | "DistributedVirtualSwitch" => "ManagedEntity",
        "ManagedEntity" => "ExtensibleManagedObject",
        _ => return false,
    };
    is_a(parent, wanted)
}

/// A selection in a `selectSet`: an inline traversal spec or a reference by name.
#[derive(Clone, Debug)]
enum Sel {
    Traversal(usize),
    Named(String),
}

#[derive(Clone, Debug)]
struct Traversal {
    ty: String,
    path: String,
    skip: bool,
    select: Vec<Sel>,
}

#[derive(Clone, Debug)]
struct ObjSpec {
    obj: MoRef,
    skip: bool,
    select: Vec<Sel>,
}

#[derive(Clone, Debug)]
struct PropSpec {
    ty: String,
    all: bool,
    paths: Vec<PropName>,
}

/// A parsed `PropertyFilterSpec`.
#[derive(Clone, Debug)]
pub struct FilterSpec {
    props: Vec<PropSpec>,
    objects: Vec<ObjSpec>,
    traversals: Vec<Traversal>,
    names: HashMap<String, usize>,
    /// `reportMissingObjectsInResults`: a starting object that does not exist is left out
    /// of a retrieval instead of failing it.
    report_missing: bool,
    /// The spec as sent (the filter's `spec` property echoes it).
    pub raw: Element,
}

impl FilterSpec {
    /// Parses a `PropertyFilterSpec` element.
    pub fn parse(el: &Element) -> Result<FilterSpec, Fault> {
        let mut spec = FilterSpec {
            props: Vec::new(),
            objects: Vec::new(),
            traversals: Vec::new(),
            names: HashMap::new(),
            report_missing: el
                .bool_of("reportMissingObjectsInResults")?
                .unwrap_or(false),
            raw: el.clone(),
        };
        for p in el.children_named("propSet") {
            let ty = p
                .text_of("type")
                .ok_or_else(|| Fault::invalid_argument("propSet.type"))?;
            spec.props.push(PropSpec {
                ty: ty.to_string(),
                all: p.bool_of("all")?.unwrap_or(false),
                paths: p
                    .children_named("pathSet")
                    .map(|c| PropName::from(c.text.trim()))
                    .collect(),
            });
        }
        for o in el.children_named("objectSet") {
            let obj = o
                .moref_of("obj")?
                .ok_or_else(|| Fault::invalid_argument("objectSet.obj"))?;
            let skip = o.bool_of("skip")?.unwrap_or(false);
            let select = spec.parse_selects(o)?;
            spec.objects.push(ObjSpec { obj, skip, select });
        }
        if spec.props.is_empty() {
            return Err(Fault::invalid_argument("propSet"));
        }
        Ok(spec)
    }

    fn parse_selects(&mut self, parent: &Element) -> Result<Vec<Sel>, Fault> {
        let mut out = Vec::new();
        for s in parent.children_named("selectSet") {
            let is_traversal = s.xsi_type.as_deref() == Some("TraversalSpec")
                || (s.child("path").is_some() && s.child("type").is_some());
            if !is_traversal {
                let name = s
                    .text_of("name")
                    .ok_or_else(|| Fault::invalid_argument("selectSet.name"))?;
                out.push(Sel::Named(name.to_string()));
                continue;
            }
            let ty = s
                .text_of("type")
                .ok_or_else(|| Fault::invalid_argument("selectSet.type"))?
                .to_string();
            let path = s
                .text_of("path")
                .ok_or_else(|| Fault::invalid_argument("selectSet.path"))?
                .to_string();
            let skip = s.bool_of("skip")?.unwrap_or(false);
            // Reserve the slot first so nested specs can refer to this one by name.
            let idx = self.traversals.len();
            self.traversals.push(Traversal {
                ty,
                path,
                skip,
                select: Vec::new(),
            });
            if let Some(name) = s.text_of("name").filter(|n| !n.is_empty()) {
                self.names.entry(name.to_string()).or_insert(idx);
            }
            let nested = self.parse_selects(s)?;
            self.traversals[idx].select = nested;
            out.push(Sel::Traversal(idx));
        }
        Ok(out)
    }

    /// Whether the spec only names objects of type `ty` and traverses nowhere.
    pub fn only_selects(&self, ty: &str) -> bool {
        !self.objects.is_empty()
            && self
                .objects
                .iter()
                .all(|o| o.obj.ty == ty && o.select.is_empty())
    }

    fn resolve(&self, sel: &Sel) -> Option<usize> {
        match sel {
            Sel::Traversal(i) => Some(*i),
            Sel::Named(n) => self.names.get(n).copied(),
        }
    }

    /// The objects this spec selects, in traversal order. `strict`: a starting object that
    /// does not exist is a `ManagedObjectNotFound` fault (retrieval) rather than nothing
    /// (a filter whose object went away), unless the spec asks for missing objects to be
    /// left out.
    pub fn select_objects(
        &self,
        src: &dyn PropertySource,
        strict: bool,
    ) -> Result<Vec<MoRef>, Fault> {
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        let mut applied: HashSet<(MoRef, usize)> = HashSet::new();
        for os in &self.objects {
            if !src.exists(&os.obj) {
                if strict && !self.report_missing {
                    return Err(Fault::not_found(&os.obj));
                }
                continue;
            }
            // Explicit stack instead of recursion: inventories can be deep.
            let mut stack: Vec<(MoRef, bool, &[Sel])> = vec![(os.obj.clone(), os.skip, &os.select)];
            while let Some((obj, skip, select)) = stack.pop() {
                if !skip && seen.insert(obj.clone()) {
                    found.push(obj.clone());
                }
                let mut next = Vec::new();
                for sel in select {
                    let Some(idx) = self.resolve(sel) else {
                        continue;
                    };
                    let t = &self.traversals[idx];
                    if !is_a(&obj.ty, &t.ty) || !applied.insert((obj.clone(), idx)) {
                        continue;
                    }
                    let Ok(Some(v)) = src.property(&obj, &t.path) else {
                        continue;
                    };
                    for child in morefs_in(&v) {
                        next.push((child, t.skip, t.select.as_slice()));
                    }
                }
                // Reverse so the first child is visited first (depth-first, document order).
                stack.extend(next.into_iter().rev());
            }
        }
        Ok(found)
    }

    /// Checks the property paths against the first selected object of each type, as a
    /// server checks a filter when it is created: a path the type does not have is an
    /// `InvalidProperty` fault then, not an update that never comes.
    pub fn check_paths(&self, src: &dyn PropertySource) -> Result<(), Fault> {
        let objs = self.select_objects(src, true)?;
        let mut checked: HashSet<&str> = HashSet::new();
        for obj in &objs {
            if !checked.insert(&obj.ty) {
                continue;
            }
            for ps in self.props.iter().filter(|p| is_a(&obj.ty, &p.ty)) {
                for path in &ps.paths {
                    if let Err(f) = src.property(obj, path) {
                        if f.ty == "InvalidProperty" {
                            return Err(f);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Retrieves the selected objects' properties.
    pub fn collect(
        &self,
        src: &dyn PropertySource,
        strict: bool,
    ) -> Result<Vec<ObjectContent>, Fault> {
        let objs = self.select_objects(src, strict)?;
        let mut out = Vec::with_capacity(objs.len());
        for obj in objs {
            if let Some(oc) = self.read_object(src, obj)? {
                out.push(oc);
            }
        }
        Ok(out)
    }

    /// The properties the spec asks of `obj`; `None` when no `propSet` names its type.
    fn read_object(
        &self,
        src: &dyn PropertySource,
        obj: MoRef,
    ) -> Result<Option<ObjectContent>, Fault> {
        let mut matched = false;
        let mut props: Vec<(PropName, Value)> = Vec::new();
        let mut missing = Vec::new();
        for ps in self.props.iter().filter(|p| is_a(&obj.ty, &p.ty)) {
            matched = true;
            let all_names: Vec<PropName>;
            let paths: &[PropName] = if ps.all {
                all_names = src
                    .property_names(&obj)
                    .into_iter()
                    .map(PropName::from)
                    .collect();
                &all_names
            } else {
                &ps.paths
            };
            for path in paths {
                if props.iter().any(|(n, _)| n == path) {
                    continue;
                }
                match src.property(&obj, path) {
                    Ok(Some(v)) => props.push((path.clone(), v)),
                    Ok(None) => {}
                    Err(f) if f.ty == "InvalidProperty" => return Err(f),
                    Err(f) if f.ty == "ManagedObjectNotFound" => break,
                    Err(f) => missing.push((path.to_string(), f)),
                }
            }
        }
        Ok(matched.then_some(ObjectContent {
            obj,
            props,
            missing,
        }))
    }
}

/// Every managed object reference in a value (a reference or an array of them).
pub fn morefs_in(v: &Value) -> Vec<MoRef> {
    match v {
        Value::MoRef(m) => vec![m.clone()],
        Value::Array { items, .. } => items.iter().filter_map(|i| i.as_moref().cloned()).collect(),
        Value::Any(b) => morefs_in(b),
        _ => Vec::new(),
    }
}

/// One object's retrieved properties.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectContent {
    /// The object.
    pub obj: MoRef,
    /// Property path and value, for the properties that are set.
    pub props: Vec<(PropName, Value)>,
    /// Properties that could not be read.
    pub missing: Vec<(String, Fault)>,
}

impl ObjectContent {
    /// Writes `<tag><obj ..>..</obj><propSet>..</propSet>..</tag>`.
    pub fn write(&self, out: &mut String, tag: &str) {
        out.push('<');
        out.push_str(tag);
        out.push('>');
        write_obj(out, "obj", &self.obj);
        for (name, val) in &self.props {
            write_named_val(out, "propSet", name, "", Some(val));
        }
        for (path, fault) in &self.missing {
            out.push_str("<missingSet><path>");
            escape_into(out, path);
            out.push_str("</path>");
            fault.to_localized().write_field(out, "fault");
            out.push_str("</missingSet>");
        }
        out.push_str("</");
        out.push_str(tag);
        out.push('>');
    }
}

/// Writes `<tag><name>NAME</name>{between}<val ..>..</val></tag>` (no `val` without a
/// value): a retrieved property's `propSet`, an update's `changeSet`.
fn write_named_val(out: &mut String, tag: &str, name: &str, between: &str, val: Option<&Value>) {
    out.push('<');
    out.push_str(tag);
    out.push_str("><name>");
    escape_into(out, name);
    out.push_str("</name>");
    out.push_str(between);
    if let Some(v) = val {
        v.write_any(out, "val");
    }
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// Writes `<tag type="T">id</tag>`.
pub fn write_obj(out: &mut String, tag: &str, m: &MoRef) {
    out.push('<');
    out.push_str(tag);
    out.push_str(" type=\"");
    crate::value::escape_attr_into(out, &m.ty);
    out.push_str("\">");
    escape_into(out, &m.value);
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// Writes every object as `<tag>`, reserving room for all of them once the first one shows
/// their size (one allocation instead of repeated doubling of a large buffer).
pub fn write_all_objects(out: &mut String, objects: &[ObjectContent], tag: &str) {
    let mut iter = objects.iter();
    if let Some(first) = iter.next() {
        let before = out.len();
        first.write(out, tag);
        let one = out.len() - before;
        out.reserve(one.saturating_mul(objects.len() - 1) + one / 2);
    }
    for oc in iter {
        oc.write(out, tag);
    }
}

/// Parses every `specSet` of a retrieval request.
pub fn parse_spec_set(args: &Element) -> Result<Vec<FilterSpec>, Fault> {
    let specs: Vec<FilterSpec> = args
        .children_named("specSet")
        .map(FilterSpec::parse)
        .collect::<Result<_, _>>()?;
    if specs.is_empty() {
        return Err(Fault::invalid_argument("specSet"));
    }
    Ok(specs)
}

/// Retrieves every spec of a request, keeping each object once.
pub fn retrieve(
    src: &dyn PropertySource,
    specs: &[FilterSpec],
) -> Result<Vec<ObjectContent>, Fault> {
    let mut out: Vec<ObjectContent> = Vec::new();
    for s in specs {
        let mut part = s.collect(src, true)?;
        if out.is_empty() {
            out = part;
        } else {
            part.retain(|oc| !out.iter().any(|o| o.obj == oc.obj));
            out.extend(part);
        }
    }
    Ok(out)
}

/// Pages left over from `RetrievePropertiesEx` calls, by token.
#[derive(Debug, Default)]
pub struct Paging {
    pages: HashMap<String, (String, VecDeque<ObjectContent>, usize)>,
    next: u64,
}

/// Tokens kept at most (the oldest are dropped).
const MAX_TOKENS: usize = 1000;

impl Paging {
    /// Returns the first page of `objects` (at most `max` objects) and, when more remain, a
    /// token for `ContinueRetrievePropertiesEx` owned by `session`.
    pub fn first_page(
        &mut self,
        session: &str,
        mut objects: Vec<ObjectContent>,
        max: Option<usize>,
    ) -> (Vec<ObjectContent>, Option<String>) {
        let Some(max) = max.filter(|m| *m > 0 && objects.len() > *m) else {
            return (objects, None);
        };
        let rest: VecDeque<ObjectContent> = objects.split_off(max).into();
        if self.pages.len() >= MAX_TOKENS {
            if let Some(k) = self.pages.keys().next().cloned() {
                self.pages.remove(&k);
            }
        }
        self.next += 1;
        let token = self.next.to_string();
        self.pages
            .insert(token.clone(), (session.to_string(), rest, max));
        (objects, Some(token))
    }

    /// The next page for `token`, and the token again while more remain.
    pub fn next_page(
        &mut self,
        session: &str,
        token: &str,
    ) -> Result<(Vec<ObjectContent>, Option<String>), Fault> {
        let Some((owner, rest, max)) = self.pages.get_mut(token) else {
            return Err(Fault::invalid_argument("token"));
        };
        if owner != session {
            return Err(Fault::invalid_argument("token"));
        }
        let n = (*max).min(rest.len());
        let page: Vec<ObjectContent> = rest.drain(..n).collect();
        if rest.is_empty() {
            self.pages.remove(token);
            Ok((page, None))
        } else {
            Ok((page, Some(token.to_string())))
        }
    }

    /// `CancelRetrievePropertiesEx`.
    pub fn cancel(&mut self, session: &str, token: &str) {
        if self.pages.get(token).is_some_and(|(o, _, _)| o == session) {
            self.pages.remove(token);
        }
    }

    /// Drops the pages of a session that logged out.
    pub fn drop_session(&mut self, session: &str) {
        self.pages.retain(|_, (o, _, _)| o != session);
    }
}

/// Writes a `RetrieveResult` as `<returnval>` (nothing when there are no objects, as
/// vSphere answers an empty result).
pub fn write_retrieve_result(out: &mut String, objects: &[ObjectContent], token: Option<&str>) {
    if objects.is_empty() && token.is_none() {
        return;
    }
    out.push_str("<returnval>");
    if let Some(t) = token {
        out.push_str("<token>");
        escape_into(out, t);
        out.push_str("</token>");
    }
    write_all_objects(out, objects, "objects");
    out.push_str("</returnval>");
}

/// An object's properties as a filter last reported them.
type Props = Vec<(PropName, Value)>;

/// One property filter.
#[derive(Debug)]
pub struct Filter {
    /// Its reference (`PropertyFilter`).
    pub moref: MoRef,
    /// The collector it belongs to.
    pub collector: MoRef,
    /// The owning session.
    pub session: String,
    /// What it watches.
    pub spec: FilterSpec,
    /// `partialUpdates` as given.
    pub partial_updates: bool,
    last: HashMap<MoRef, Vec<(PropName, Value)>>,
    order: Vec<MoRef>,
    /// The source's version when `last` was read (see [`PropertySource::change_stamp`]).
    stamp: Option<u64>,
    /// Changes found but not yet reported (a result cut at `maxObjectUpdates`), oldest first.
    pending: VecDeque<ObjectUpdate>,
}

/// A change to one object.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectUpdate {
    /// `enter`, `modify` or `leave`.
    pub kind: &'static str,
    /// The object.
    pub obj: MoRef,
    /// Changed properties; `None` = now unset.
    pub changes: Vec<(PropName, Option<Value>)>,
}

impl Filter {
    /// A new filter; it has reported nothing yet, so its first update has every object
    /// entering.
    pub fn new(
        moref: MoRef,
        collector: MoRef,
        session: &str,
        spec: FilterSpec,
        partial: bool,
    ) -> Filter {
        Filter {
            moref,
            collector,
            session: session.to_string(),
            spec,
            partial_updates: partial,
            last: HashMap::new(),
            order: Vec::new(),
            stamp: None,
            pending: VecDeque::new(),
        }
    }

    /// The changes to report now: those held back from an earlier, truncated result first,
    /// then the new ones, at most `budget` of them (`None`: all); `budget` is decreased by
    /// what is returned and the rest is kept for the next call.
    pub fn next_updates(
        &mut self,
        src: &dyn PropertySource,
        budget: &mut Option<usize>,
    ) -> Vec<ObjectUpdate> {
        let fresh = self.diff(src);
        self.pending.extend(fresh);
        let n = match budget {
            Some(b) => (*b).min(self.pending.len()),
            None => self.pending.len(),
        };
        if let Some(b) = budget {
            *b -= n;
        }
        self.pending.drain(..n).collect()
    }

    /// Whether changes are held back for the next call.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The objects selected now, each with its properties read again, or `None` for an
    /// object the source says is unchanged since this filter's last report (what was
    /// reported then still holds). `Err` when a read failed as a whole.
    fn current(&self, src: &dyn PropertySource) -> Result<Vec<(MoRef, Option<Props>)>, Fault> {
        let objs = self.spec.select_objects(src, false)?;
        let mut out = Vec::with_capacity(objs.len());
        for obj in objs {
            let kept = self
                .stamp
                .is_some_and(|s| self.last.contains_key(&obj) && src.unchanged_since(&obj, s));
            if kept {
                out.push((obj, None));
            } else if let Some(oc) = self.spec.read_object(src, obj)? {
                out.push((oc.obj, Some(oc.props)));
            }
        }
        Ok(out)
    }

    /// The changes since the last report, which becomes the current state. Only objects
    /// the source cannot vouch for are read again.
    pub fn diff(&mut self, src: &dyn PropertySource) -> Vec<ObjectUpdate> {
        let stamp = src.change_stamp();
        let current = self.current(src).unwrap_or_default();
        self.stamp = stamp;
        let mut last = std::mem::take(&mut self.last);
        let mut updates = Vec::new();
        let mut new_last = HashMap::with_capacity(current.len());
        let mut new_order = Vec::with_capacity(current.len());
        for (obj, read) in current {
            let props = match (read, last.remove(&obj)) {
                (None, Some(prev)) => prev,
                (None, None) => Vec::new(),
                (Some(props), None) => {
                    updates.push(ObjectUpdate {
                        kind: "enter",
                        obj: obj.clone(),
                        changes: props
                            .iter()
                            .map(|(n, v)| (n.clone(), Some(v.clone())))
                            .collect(),
                    });
                    props
                }
                (Some(props), Some(prev)) => {
                    let mut changes = Vec::new();
                    for (n, v) in &props {
                        if prev.iter().find(|(pn, _)| pn == n).map(|(_, pv)| pv) != Some(v) {
                            changes.push((n.clone(), Some(v.clone())));
                        }
                    }
                    for (pn, _) in &prev {
                        if !props.iter().any(|(n, _)| n == pn) {
                            changes.push((pn.clone(), None));
                        }
                    }
                    if !changes.is_empty() {
                        updates.push(ObjectUpdate {
                            kind: "modify",
                            obj: obj.clone(),
                            changes,
                        });
                    }
                    props
                }
            };
            new_order.push(obj.clone());
            new_last.insert(obj, props);
        }
        for obj in &self.order {
            if !new_last.contains_key(obj) {
                updates.push(ObjectUpdate {
                    kind: "leave",
                    obj: obj.clone(),
                    changes: Vec::new(),
                });
            }
        }
        self.last = new_last;
        self.order = new_order;
        updates
    }
}

/// Writes one `PropertyFilterUpdate` as `<filterSet>`.
pub fn write_filter_update(out: &mut String, filter: &MoRef, updates: &[ObjectUpdate]) {
    out.push_str("<filterSet>");
    write_obj(out, "filter", filter);
    for u in updates {
        out.push_str("<objectSet><kind>");
        out.push_str(u.kind);
        out.push_str("</kind>");
        write_obj(out, "obj", &u.obj);
        for (name, val) in &u.changes {
            write_named_val(out, "changeSet", name, "<op>assign</op>", val.as_ref());
        }
        out.push_str("</objectSet>");
    }
    out.push_str("</filterSet>");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder `f` holding VMs `1`, `2` and a sub-folder `g` holding VM `3`.
    struct Tiny;

    impl PropertySource for Tiny {
        fn exists(&self, obj: &MoRef) -> bool {
            ["f", "g", "1", "2", "3"].contains(&obj.value.as_str())
        }
        fn property(&self, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
            match (obj.value.as_str(), path) {
                ("f", "childEntity") => Ok(Some(Value::morefs([
                    MoRef::new("VirtualMachine", "1"),
                    MoRef::new("VirtualMachine", "2"),
                    MoRef::new("Folder", "g"),
                ]))),
                ("g", "childEntity") => {
                    Ok(Some(Value::morefs([MoRef::new("VirtualMachine", "3")])))
                }
                (_, "name") => Ok(Some(Value::str(format!("n{}", obj.value)))),
                (_, "childEntity") => Ok(None),
                _ => Err(Fault::invalid_property(path)),
            }
        }
        fn property_names(&self, _obj: &MoRef) -> Vec<&'static str> {
            vec!["name"]
        }
    }

    fn spec(xml: &str) -> FilterSpec {
        FilterSpec::parse(&Element::parse(xml.as_bytes()).unwrap()).unwrap()
    }

    const RECURSIVE: &str = r#"<specSet xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
        <propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet>
        <objectSet><obj type="Folder">f</obj><skip>true</skip>
          <selectSet xsi:type="TraversalSpec"><name>folderTraversal</name><type>Folder</type><path>childEntity</path><skip>false</skip>
            <selectSet><name>folderTraversal</name></selectSet>
          </selectSet>
        </objectSet></specSet>"#;

    #[test]
    fn missing_objects_fault_unless_reported_in_results() {
        let xml = |report: &str| {
            format!(
                r#"<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet>
                <objectSet><obj type="VirtualMachine">1</obj></objectSet>
                <objectSet><obj type="VirtualMachine">gone</obj></objectSet>{report}</specSet>"#
            )
        };
        let e = spec(&xml("")).collect(&Tiny, true).unwrap_err();
        assert_eq!(e.ty, "ManagedObjectNotFound");
        let s = spec(&xml(
            "<reportMissingObjectsInResults>true</reportMissingObjectsInResults>",
        ));
        let got = s.collect(&Tiny, true).unwrap();
        let ids: Vec<&str> = got.iter().map(|o| o.obj.value.as_str()).collect();
        assert_eq!(ids, ["1"], "the missing object is left out");
    }

    #[test]
    fn named_recursive_traversal() {
        let s = spec(RECURSIVE);
        let got = s.collect(&Tiny, true).unwrap();
        let ids: Vec<&str> = got.iter().map(|o| o.obj.value.as_str()).collect();
        // Folders are traversed but have no matching propSet, so only VMs come back.
        assert_eq!(ids, ["1", "2", "3"]);
        assert_eq!(
            got[2].props,
            vec![(PropName::from("name"), Value::str("n3"))]
        );
        let mut out = String::new();
        got[0].write(&mut out, "returnval");
        assert_eq!(
            out,
            "<returnval><obj type=\"VirtualMachine\">1</obj><propSet><name>name</name><val xsi:type=\"xsd:string\">n1</val></propSet></returnval>"
        );
    }

    #[test]
    fn invalid_property_and_missing_object() {
        let s = spec(
            r#"<specSet><propSet><type>VirtualMachine</type><pathSet>bogus</pathSet></propSet><objectSet><obj type="VirtualMachine">1</obj></objectSet></specSet>"#,
        );
        assert_eq!(s.collect(&Tiny, true).unwrap_err().ty, "InvalidProperty");
        let s = spec(
            r#"<specSet><propSet><type>VirtualMachine</type><all>true</all></propSet><objectSet><obj type="VirtualMachine">9</obj></objectSet></specSet>"#,
        );
        assert_eq!(
            s.collect(&Tiny, true).unwrap_err().ty,
            "ManagedObjectNotFound"
        );
        assert!(s.collect(&Tiny, false).unwrap().is_empty());
    }

    #[test]
    fn paging() {
        let s = spec(RECURSIVE);
        let all = s.collect(&Tiny, true).unwrap();
        let mut p = Paging::default();
        let (page, tok) = p.first_page("s", all, Some(2));
        assert_eq!(page.len(), 2);
        let tok = tok.unwrap();
        assert!(p.next_page("other", &tok).is_err());
        let (page, tok2) = p.next_page("s", &tok).unwrap();
        assert_eq!(page.len(), 1);
        assert!(tok2.is_none());
        assert!(p.next_page("s", &tok).is_err());
    }

    /// A filter on the [`RECURSIVE`] spec, with nothing reported yet.
    fn recursive_filter() -> Filter {
        Filter::new(
            MoRef::new("PropertyFilter", "1"),
            MoRef::new("PropertyCollector", "pc"),
            "s",
            spec(RECURSIVE),
            false,
        )
    }

    #[test]
    fn filter_diffs() {
        let mut f = recursive_filter();
        let first = f.diff(&Tiny);
        assert_eq!(first.len(), 3);
        assert!(first.iter().all(|u| u.kind == "enter"));
        assert!(f.diff(&Tiny).is_empty());
        let mut out = String::new();
        write_filter_update(&mut out, &f.moref, &first[..1]);
        assert_eq!(
            out,
            "<filterSet><filter type=\"PropertyFilter\">1</filter><objectSet><kind>enter</kind><obj type=\"VirtualMachine\">1</obj><changeSet><name>name</name><op>assign</op><val xsi:type=\"xsd:string\">n1</val></changeSet></objectSet></filterSet>"
        );
    }

    #[test]
    fn updates_cut_at_a_budget_continue_on_the_next_call() {
        let mut f = recursive_filter();
        let mut budget = Some(2);
        let first = f.next_updates(&Tiny, &mut budget);
        assert_eq!(budget, Some(0));
        assert_eq!(
            first
                .iter()
                .map(|u| u.obj.value.as_str())
                .collect::<Vec<_>>(),
            ["1", "2"]
        );
        assert!(f.has_pending());
        let mut budget = Some(2);
        let rest = f.next_updates(&Tiny, &mut budget);
        assert_eq!(budget, Some(1));
        assert_eq!(
            rest.iter()
                .map(|u| (u.kind, u.obj.value.as_str()))
                .collect::<Vec<_>>(),
            [("enter", "3")]
        );
        assert!(!f.has_pending());
        let mut unlimited = None;
        assert!(f.next_updates(&Tiny, &mut unlimited).is_empty());
    }

    /// VMs `1`..`n` under folder `f`, each with a name and the version it last changed
    /// at; counts the property reads of each VM.
    struct Versioned {
        vms: std::cell::RefCell<Vec<(String, u64)>>,
        clock: std::cell::Cell<u64>,
        reads: std::cell::RefCell<HashMap<String, usize>>,
    }

    impl Versioned {
        fn new(n: usize) -> Versioned {
            Versioned {
                vms: std::cell::RefCell::new((1..=n).map(|i| (format!("n{i}"), 0)).collect()),
                clock: std::cell::Cell::new(0),
                reads: std::cell::RefCell::new(HashMap::new()),
            }
        }
        fn rename(&self, i: usize, name: &str) {
            self.clock.set(self.clock.get() + 1);
            self.vms.borrow_mut()[i - 1] = (name.to_string(), self.clock.get());
        }
        fn reads_of(&self, id: &str) -> usize {
            self.reads.borrow().get(id).copied().unwrap_or(0)
        }
    }

    impl PropertySource for Versioned {
        fn exists(&self, obj: &MoRef) -> bool {
            obj.value == "f" || self.index(obj).is_some()
        }
        fn property(&self, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
            if obj.value == "f" {
                let n = self.vms.borrow().len();
                return Ok(Some(Value::morefs(
                    (1..=n).map(|i| MoRef::new("VirtualMachine", i.to_string())),
                )));
            }
            *self
                .reads
                .borrow_mut()
                .entry(obj.value.clone())
                .or_insert(0) += 1;
            match (self.index(obj), path) {
                (Some(i), "name") => Ok(Some(Value::str(self.vms.borrow()[i].0.clone()))),
                (Some(_), _) => Ok(None),
                (None, _) => Err(Fault::not_found(obj)),
            }
        }
        fn property_names(&self, _obj: &MoRef) -> Vec<&'static str> {
            vec!["name"]
        }
        fn change_stamp(&self) -> Option<u64> {
            Some(self.clock.get())
        }
        fn unchanged_since(&self, obj: &MoRef, stamp: u64) -> bool {
            self.index(obj)
                .is_some_and(|i| self.vms.borrow()[i].1 <= stamp)
        }
    }

    impl Versioned {
        fn index(&self, obj: &MoRef) -> Option<usize> {
            let i: usize = obj.value.parse().ok()?;
            (obj.ty == "VirtualMachine" && i >= 1 && i <= self.vms.borrow().len()).then(|| i - 1)
        }
    }

    #[test]
    fn a_filter_reads_again_only_what_changed_since_its_last_report() {
        let src = Versioned::new(100);
        let mut f = recursive_filter();
        let first = f.diff(&src);
        assert_eq!(first.len(), 100);
        assert!(first.iter().all(|u| u.kind == "enter"));
        assert_eq!(src.reads_of("7"), 1);

        // Nothing changed: nothing reported, no VM read again.
        assert!(f.diff(&src).is_empty());
        assert_eq!((src.reads_of("7"), src.reads_of("42")), (1, 1));

        // One change is reported once, with only that VM read again.
        src.rename(42, "renamed");
        let ups = f.diff(&src);
        assert_eq!(
            ups,
            vec![ObjectUpdate {
                kind: "modify",
                obj: MoRef::new("VirtualMachine", "42"),
                changes: vec![(PropName::from("name"), Some(Value::str("renamed")))],
            }]
        );
        assert_eq!((src.reads_of("42"), src.reads_of("7")), (2, 1));
        assert!(f.diff(&src).is_empty(), "reported once");
        assert_eq!(src.reads_of("42"), 2);
        let total: usize = src.reads.borrow().values().sum();
        assert_eq!(total, 101, "one read per VM plus the changed one");
    }

    #[test]
    fn a_source_without_versions_is_read_in_full_every_time() {
        let mut f = recursive_filter();
        f.diff(&Tiny);
        assert!(f.diff(&Tiny).is_empty());
        // Tiny has no versions: the default says nothing is certainly unchanged.
        assert!(!Tiny.unchanged_since(&MoRef::new("VirtualMachine", "1"), u64::MAX));
        assert_eq!(Tiny.change_stamp(), None);
    }

    #[test]
    fn subtypes() {
        assert!(is_a("ClusterComputeResource", "ComputeResource"));
        assert!(is_a("VirtualMachine", "ManagedEntity"));
        assert!(!is_a("VirtualMachine", "HostSystem"));
    }
}
