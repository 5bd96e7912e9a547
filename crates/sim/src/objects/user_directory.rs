//! `UserDirectory`: the local domain; `RetrieveUserGroups` finds the calling user (the
//! simulator knows no directory beyond its one account).

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;
use crate::value::Value;

use super::common::{split_path, walk};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `UserDirectory` type.
pub const TYPE: ManagedType = ManagedType {
    name: "UserDirectory",
    ids: Ids::Service("userDirectory"),
    properties: &["domainList"],
    property: |_, _, path| {
        let (head, rest) = split_path(path);
        let top = match head {
            "domainList" => Some(Value::strings(["vsphere.local"])),
            _ => return Err(Fault::invalid_property(path)),
        };
        walk(top, rest)
    },
    methods: &[("RetrieveUserGroups", retrieve_user_groups)],
};

/// `RetrieveUserGroups`: the calling user when `searchStr` matches its name.
fn retrieve_user_groups(_w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let search = call.args.text_of("searchStr").unwrap_or("");
    let exact = call.args.bool_of("exactMatch")?.unwrap_or(false);
    let find_users = call.args.bool_of("findUsers")?.unwrap_or(true);
    let user = cx.user.to_string();
    let hit = if exact {
        user == search
    } else {
        user.contains(search)
    };
    let out = if hit && find_users {
        vec![Value::obj("UserSearchResult")
            .with("principal", Value::str(&user))
            .with("fullName", Value::str(&user))
            .with("group", Value::bool(false))]
    } else {
        Vec::new()
    };
    Ok(Some(Value::array("UserSearchResult", out)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::TestWorld;
    use crate::value::Value;

    #[test]
    fn domains_and_users() {
        let mut t = TestWorld::vcenter();
        assert_eq!(
            t.get("UserDirectory", "UserDirectory", "domainList"),
            Value::strings(["vsphere.local"])
        );
        let args = |s: &str, exact: bool| {
            format!("<searchStr>{s}</searchStr><exactMatch>{exact}</exactMatch><findUsers>true</findUsers><findGroups>false</findGroups>")
        };
        let found = t
            .call(
                "UserDirectory",
                "UserDirectory",
                "RetrieveUserGroups",
                &args("roo", false),
            )
            .unwrap()
            .unwrap();
        assert_eq!(found.as_array().unwrap().len(), 1);
        let none = t
            .call(
                "UserDirectory",
                "UserDirectory",
                "RetrieveUserGroups",
                &args("roo", true),
            )
            .unwrap()
            .unwrap();
        assert!(none.as_array().unwrap().is_empty());
    }
}
