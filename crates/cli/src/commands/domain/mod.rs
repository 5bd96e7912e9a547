//! virsh's Domain Management group (`help domain`): identifying domains ([`guest`]: `domid`,
//! `domname`, `domuuid`, `domhostname`, `screenshot`), their XML ([`xml`]: `dumpxml`,
//! `domxml-from-native`, `domxml-to-native`; [`native`] converts without a host), their
//! life cycle ([`lifecycle`]: `define` ... `migrate`) and their memory and CPUs
//! ([`tuning`]: `setmem` ... `schedinfo`).

pub mod guest;
pub mod lifecycle;
pub mod native;
pub mod tuning;
pub mod xml;

use crate::registry::{Entry, Group};

/// The group.
pub static GROUP: Group = Group {
    name: "Domain Management",
    keyword: "domain",
    commands: &[
        Entry::connection::<lifecycle::Autostart>(),
        Entry::connection::<lifecycle::Define>(),
        Entry::connection::<lifecycle::Destroy>(),
        Entry::connection::<guest::Domhostname>(),
        Entry::connection::<guest::Domid>(),
        Entry::connection::<guest::Domname>(),
        Entry::connection::<guest::Domuuid>(),
        Entry::session::<xml::DomxmlFromNative>(),
        Entry::session::<xml::DomxmlToNative>(),
        Entry::connection::<xml::Dumpxml>(),
        Entry::connection::<tuning::Memtune>(),
        Entry::connection::<lifecycle::Migrate>(),
        Entry::connection::<lifecycle::Reboot>(),
        Entry::connection::<lifecycle::Resume>(),
        Entry::connection::<tuning::Schedinfo>(),
        Entry::connection::<guest::Screenshot>(),
        Entry::connection::<tuning::Setmaxmem>(),
        Entry::connection::<tuning::Setmem>(),
        Entry::connection::<tuning::Setvcpus>(),
        Entry::connection::<lifecycle::Shutdown>(),
        Entry::connection::<lifecycle::Start>(),
        Entry::connection::<lifecycle::Suspend>(),
        Entry::connection::<lifecycle::Undefine>(),
        Entry::connection::<tuning::Vcpucount>(),
    ],
};
