//! `PropertyCollector`: retrieval (`RetrieveProperties`, paged `RetrievePropertiesEx` and
//! its continuation), property filters and the update calls that wait on them
//! (`WaitForUpdates(Ex)`, `CheckForUpdates`, `CancelWaitForUpdates`), and extra collectors
//! per session. The spec and retrieval engine is [`crate::property_collector`].

use std::time::{Duration, Instant};

use crate::fault::Fault;
use crate::property_collector::{
    parse_spec_set, retrieve, write_filter_update, write_retrieve_result, Filter, FilterSpec,
    ObjectUpdate,
};
use crate::session::Session;
use crate::value::{MoRef, Value};

use super::{lock, read, BoxFuture, Core, Out, Reader, ServiceCall, ServiceMethod, ServiceType};

/// The `PropertyCollector` type: the session-independent default collector and those a
/// session created (visible to that session only).
pub(super) const TYPE: ServiceType = ServiceType {
    name: "PropertyCollector",
    exists: |r, obj| {
        r.core.refs.get("propertyCollector") == Some(obj)
            || lock(&r.core.filters)
                .collectors
                .get(&obj.value)
                .is_some_and(|owner| Some(owner.as_str()) == r.session.map(|s| s.key.as_str()))
    },
    properties: &["filter"],
    property,
    methods: &[
        (
            "RetrieveProperties",
            ServiceMethod::Now(retrieve_properties),
        ),
        (
            "RetrievePropertiesEx",
            ServiceMethod::Now(retrieve_properties_ex),
        ),
        (
            "ContinueRetrievePropertiesEx",
            ServiceMethod::Now(continue_retrieve),
        ),
        (
            "CancelRetrievePropertiesEx",
            ServiceMethod::Now(cancel_retrieve),
        ),
        ("CreateFilter", ServiceMethod::Now(create_filter)),
        (
            "CreatePropertyCollector",
            ServiceMethod::Now(create_property_collector),
        ),
        (
            "DestroyPropertyCollector",
            ServiceMethod::Now(destroy_property_collector),
        ),
        (
            "CancelWaitForUpdates",
            ServiceMethod::Now(cancel_wait_for_updates),
        ),
        ("WaitForUpdates", ServiceMethod::Wait(wait)),
        ("WaitForUpdatesEx", ServiceMethod::Wait(wait)),
        ("CheckForUpdates", ServiceMethod::Wait(wait)),
    ],
};

fn property(r: &Reader<'_>, obj: &MoRef, path: &str) -> Result<Option<Value>, Fault> {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let top = match head {
        "filter" => {
            let fs = lock(&r.core.filters);
            let session = r.session.map(|s| s.key.as_str()).unwrap_or("");
            Some(Value::morefs(
                fs.filters
                    .iter()
                    .filter(|f| f.session == session && f.collector == *obj)
                    .map(|f| f.moref.clone()),
            ))
        }
        _ => return Err(Fault::invalid_property(path)),
    };
    Ok(top.and_then(|v| v.into_path(rest)))
}

/// `RetrieveProperties`: every object and property at once.
fn retrieve_properties(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let ServiceCall { args, session, .. } = *call;
    let specs = parse_spec_set(args)?;
    let objs = core.with_reader(Some(session), |r| retrieve(r, &specs))?;
    let mut out = String::new();
    crate::property_collector::write_all_objects(&mut out, &objs, "returnval");
    Ok(Out::Raw(out))
}

/// `RetrievePropertiesEx`: the first page (as large as `maxObjects` asks) and a token.
fn retrieve_properties_ex(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let ServiceCall { args, session, .. } = *call;
    let specs = parse_spec_set(args)?;
    let max = match args.child("options") {
        Some(o) => o.i32_of("maxObjects")?,
        None => None,
    };
    let objs = core.with_reader(Some(session), |r| retrieve(r, &specs))?;
    let (page, token) = lock(&core.paging).first_page(
        &session.key,
        objs,
        max.and_then(|m| usize::try_from(m).ok()),
    );
    let mut out = String::new();
    write_retrieve_result(&mut out, &page, token.as_deref());
    Ok(Out::Raw(out))
}

/// `ContinueRetrievePropertiesEx`: the next page of a token.
fn continue_retrieve(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let ServiceCall { args, session, .. } = *call;
    let token = args.req_text("token")?;
    let (page, token) = lock(&core.paging).next_page(&session.key, token)?;
    let mut out = String::with_capacity(page.len() * 256);
    write_retrieve_result(&mut out, &page, token.as_deref());
    Ok(Out::Raw(out))
}

/// `CancelRetrievePropertiesEx`: forgets a token's remaining pages.
fn cancel_retrieve(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let ServiceCall { args, session, .. } = *call;
    let token = args.req_text("token")?;
    lock(&core.paging).cancel(&session.key, token);
    Ok(Out::Value(None))
}

/// `CreateFilter`: a filter whose objects must exist now.
fn create_filter(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let ServiceCall {
        this,
        args,
        session,
        ..
    } = *call;
    let spec_el = args
        .child("spec")
        .ok_or_else(|| Fault::missing_argument("spec"))?;
    let spec = FilterSpec::parse(spec_el)?;
    // Objects named in the spec must exist, as on a real server.
    core.with_reader(Some(session), |r| spec.check_paths(r))?;
    let partial = args.bool_of("partialUpdates")?.unwrap_or(false);
    let mut fs = lock(&core.filters);
    fs.next += 1;
    let moref = MoRef::new(
        "PropertyFilter",
        format!("session[{}]filter-{}", fs.next, fs.next),
    );
    fs.filters.push(Filter::new(
        moref.clone(),
        this.clone(),
        &session.key,
        spec,
        partial,
    ));
    Ok(Out::Value(Some(Value::MoRef(moref))))
}

/// `CreatePropertyCollector`: a collector of the calling session.
fn create_property_collector(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let ServiceCall { session, .. } = *call;
    let mut fs = lock(&core.filters);
    fs.next += 1;
    let id = format!("session[{}]collector-{}", fs.next, fs.next);
    fs.collectors.insert(id.clone(), session.key.clone());
    Ok(Out::Value(Some(Value::moref("PropertyCollector", id))))
}

/// `DestroyPropertyCollector` (not the default one), with its filters.
fn destroy_property_collector(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let this = call.this;
    let mut fs = lock(&core.filters);
    if fs.collectors.remove(&this.value).is_none() {
        return Err(Fault::not_supported(
            "The session's default property collector cannot be destroyed.",
        ));
    }
    fs.filters.retain(|f| f.collector != *this);
    Ok(Out::Value(None))
}

/// `CancelWaitForUpdates`: ends a blocked wait of this session on this collector.
fn cancel_wait_for_updates(core: &Core, call: &ServiceCall<'_>) -> Result<Out, Fault> {
    let ServiceCall { this, session, .. } = *call;
    *lock(&core.filters)
        .cancels
        .entry((session.key.clone(), this.value.clone()))
        .or_insert(0) += 1;
    core.bump();
    Ok(Out::Value(None))
}

/// `WaitForUpdates`, `WaitForUpdatesEx` (with its wait and object limits) and
/// `CheckForUpdates` (no wait).
fn wait<'a>(core: &'a Core, call: &'a ServiceCall<'a>) -> BoxFuture<'a> {
    Box::pin(async move {
        let ServiceCall {
            this,
            method,
            args,
            session,
        } = *call;
        let max_wait = if method == "CheckForUpdates" {
            Some(Duration::ZERO)
        } else if method == "WaitForUpdatesEx" {
            match args.child("options") {
                Some(o) => o
                    .i32_of("maxWaitSeconds")?
                    .map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(0))),
                None => None,
            }
        } else {
            None
        };
        let max_objects = match args.child("options") {
            Some(o) if method == "WaitForUpdatesEx" => o.i32_of("maxObjectUpdates")?,
            _ => None,
        };
        // Unset, zero or negative: no limit (govmomi sends 0 for unset).
        let max_objects = max_objects
            .filter(|n| *n > 0)
            .and_then(|n| usize::try_from(n).ok());
        wait_for_updates(core, this, session, max_wait, max_objects).await
    })
}

/// Diffs the collector's filters once; `Some(body)` when something changed. At most
/// `max_objects` object updates go into the body, which then says `truncated`; the rest
/// wait in their filters for the next call.
fn collect_updates(
    core: &Core,
    collector: &MoRef,
    session: &Session,
    max_objects: Option<usize>,
) -> Option<String> {
    core.with_reader(Some(session), |reader| {
        // Take the filters out so the reader may lock the filter table itself.
        let mut mine: Vec<Filter> = {
            let mut fs = lock(&core.filters);
            let (mine, rest): (Vec<Filter>, Vec<Filter>) = std::mem::take(&mut fs.filters)
                .into_iter()
                .partition(|f| f.session == session.key && f.collector == *collector);
            fs.filters = rest;
            mine
        };
        let mut changed: Vec<(MoRef, Vec<ObjectUpdate>)> = Vec::new();
        let mut budget = max_objects;
        for f in &mut mine {
            let ups = f.next_updates(reader, &mut budget);
            if !ups.is_empty() {
                changed.push((f.moref.clone(), ups));
            }
        }
        let truncated = mine.iter().any(Filter::has_pending);
        let mut fs = lock(&core.filters);
        fs.filters.extend(mine);
        if changed.is_empty() {
            return None;
        }
        let version = fs
            .versions
            .entry((session.key.clone(), collector.value.clone()))
            .or_insert(0);
        *version += 1;
        let mut out = String::with_capacity(1024);
        out.push_str("<returnval><version>");
        out.push_str(&version.to_string());
        out.push_str("</version>");
        for (filter, ups) in &changed {
            write_filter_update(&mut out, filter, ups);
        }
        if truncated {
            out.push_str("<truncated>true</truncated>");
        }
        out.push_str("</returnval>");
        Some(out)
    })
}

async fn wait_for_updates(
    core: &Core,
    collector: &MoRef,
    session: &Session,
    max_wait: Option<Duration>,
    max_objects: Option<usize>,
) -> Result<Out, Fault> {
    let deadline = max_wait.map(|d| Instant::now() + d);
    let mut rx = core.changed.subscribe();
    let cancel_key = (session.key.clone(), collector.value.clone());
    let cancels = |core: &Core| lock(&core.filters).cancels.get(&cancel_key).copied();
    let cancels_at_start = cancels(core);
    loop {
        rx.borrow_and_update();
        if cancels(core) != cancels_at_start {
            return Err(Fault::request_canceled());
        }
        if let Some(body) = collect_updates(core, collector, session, max_objects) {
            return Ok(Out::Raw(body));
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Ok(Out::Value(None));
        }
        // Lagging task states change with time alone: poll while any is lagging.
        let poll = if read(&core.tasks).has_lagging(now) {
            Duration::from_millis(50)
        } else {
            Duration::from_secs(3600)
        };
        let wait = match deadline {
            Some(d) => poll.min(d.saturating_duration_since(now)),
            None => poll,
        };
        let _ = tokio::time::timeout(wait, rx.changed()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestCore;

    const PC: &str = "ha-property-collector";

    fn vms_spec() -> String {
        "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet>\
         <objectSet><obj type=\"Folder\">ha-folder-vm</obj><skip>true</skip>\
         <selectSet xsi:type=\"TraversalSpec\"><type>Folder</type><path>childEntity</path><skip>false</skip></selectSet>\
         </objectSet></specSet>"
            .to_string()
    }

    #[test]
    fn retrieval_in_pages() {
        let mut c = TestCore::esx();
        c.login();
        let all = c
            .call("PropertyCollector", PC, "RetrieveProperties", &vms_spec())
            .unwrap();
        assert_eq!(all.len(), 5);
        let first = c.one(
            "PropertyCollector",
            PC,
            "RetrievePropertiesEx",
            &format!(
                "{}<options><maxObjects>2</maxObjects></options>",
                vms_spec()
            ),
        );
        assert_eq!(first.children_named("objects").count(), 2);
        let token = first.text_of("token").unwrap().to_string();
        let rest = c.one(
            "PropertyCollector",
            PC,
            "ContinueRetrievePropertiesEx",
            &format!("<token>{token}</token>"),
        );
        assert!(rest.children_named("objects").count() >= 2);
        assert_eq!(
            c.call("PropertyCollector", PC, "RetrieveProperties", "<specSet><propSet><type>VirtualMachine</type><pathSet>nope</pathSet></propSet><objectSet><obj type=\"VirtualMachine\">1</obj></objectSet></specSet>"),
            Err("InvalidProperty".into())
        );
    }

    #[test]
    fn filters_report_changes_once() {
        let mut c = TestCore::esx();
        c.login();
        let spec = "<spec><propSet><type>VirtualMachine</type><pathSet>runtime.powerState</pathSet></propSet>\
                    <objectSet><obj type=\"VirtualMachine\">5</obj></objectSet></spec><partialUpdates>false</partialUpdates>";
        c.one("PropertyCollector", PC, "CreateFilter", spec);
        let first = c.one("PropertyCollector", PC, "CheckForUpdates", "");
        assert_eq!(first.text_of("version"), Some("1"));
        assert_eq!(
            c.call("PropertyCollector", PC, "CheckForUpdates", ""),
            Ok(vec![])
        );
        c.call("VirtualMachine", "5", "PowerOnVM_Task", "").unwrap();
        let change = c.one(
            "PropertyCollector",
            PC,
            "WaitForUpdatesEx",
            "<version>1</version><options><maxWaitSeconds>0</maxWaitSeconds></options>",
        );
        let set = change
            .child("filterSet")
            .and_then(|f| f.child("objectSet"))
            .and_then(|o| o.child("changeSet"))
            .unwrap();
        assert_eq!(set.text_of("val"), Some("poweredOn"));
    }

    #[test]
    fn collectors_of_a_session() {
        let mut c = TestCore::esx();
        c.login();
        let mine = c
            .one("PropertyCollector", PC, "CreatePropertyCollector", "")
            .text;
        assert_eq!(
            c.call(
                "PropertyCollector",
                &mine,
                "RetrieveProperties",
                &vms_spec()
            )
            .map(|r| r.len()),
            Ok(5)
        );
        assert_eq!(
            c.call("PropertyCollector", PC, "DestroyPropertyCollector", ""),
            Err("NotSupported".into())
        );
        // Another session does not see it.
        let first = c.key.take();
        c.login();
        assert_eq!(
            c.call(
                "PropertyCollector",
                &mine,
                "RetrieveProperties",
                &vms_spec()
            ),
            Err("ManagedObjectNotFound".into())
        );
        c.key = first;
        assert_eq!(
            c.call("PropertyCollector", &mine, "DestroyPropertyCollector", ""),
            Ok(vec![])
        );
        assert_eq!(
            c.call("PropertyCollector", &mine, "DestroyPropertyCollector", ""),
            Err("ManagedObjectNotFound".into())
        );
    }
}
