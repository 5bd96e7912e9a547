//! `HostLocalAccountManager` (a host agent's): the one configured account, which cannot be
//! changed through the API here.

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;

use super::entry::{Call, Ids, ManagedType, Reply};

/// The `HostLocalAccountManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "HostLocalAccountManager",
    ids: Ids::Service("accountManager"),
    properties: &[],
    property: |_, _, path| Err(Fault::invalid_property(path)),
    methods: &[
        ("CreateUser", not_supported),
        ("UpdateUser", not_supported),
        ("RemoveUser", not_supported),
    ],
};

fn not_supported(_w: &mut World, _cx: &mut CallCx<'_>, _call: &Call<'_>) -> Reply {
    Err(Fault::not_supported(
        "The simulator keeps its one account as configured.",
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, TestWorld};

    #[test]
    fn the_account_stays() {
        let mut t = TestWorld::esx();
        assert_eq!(
            fault_type(t.call(
                "HostLocalAccountManager",
                "ha-localacctmgr",
                "RemoveUser",
                "<userName>root</userName>"
            )),
            "NotSupported"
        );
    }
}
