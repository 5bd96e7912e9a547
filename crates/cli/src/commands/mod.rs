//! Every command, by virsh's command groups: each group module holds its commands' options
//! (clap), implementations and output formats, and feeds the table ([`REGISTRY`]) with its
//! [`Group`](crate::registry::Group).

pub mod domain;
pub mod event;
pub mod host;
pub mod interface;
pub mod monitor;
pub mod network;
pub mod object;
pub mod pool;
pub mod snapshot;
pub mod transfer;
pub mod v2v;
pub mod virsh;
pub mod volume;

use crate::registry::Registry;

/// Every command, group by group in virsh's order of groups.
pub static REGISTRY: Registry = Registry {
    groups: &[
        &domain::GROUP,
        &monitor::GROUP,
        &event::GROUP,
        &host::GROUP,
        &interface::GROUP,
        &network::GROUP,
        &snapshot::GROUP,
        &pool::GROUP,
        &volume::GROUP,
        &v2v::GROUP,
        &virsh::GROUP,
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keywords_are_unique() {
        let mut names: Vec<&str> = REGISTRY
            .entries()
            .flat_map(|e| std::iter::once(e.spec.name).chain(e.spec.aliases.iter().copied()))
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total, "a name or alias is used twice");
        let mut keywords: Vec<&str> = REGISTRY.groups.iter().map(|g| g.keyword).collect();
        keywords.sort_unstable();
        keywords.dedup();
        assert_eq!(keywords.len(), REGISTRY.groups.len());
    }

    #[test]
    fn every_command_is_found_with_its_own_definition() {
        for e in REGISTRY.entries() {
            let found = REGISTRY.find(e.spec.name).expect("found by name");
            assert_eq!(found.spec.name, e.spec.name);
            let cmd = e.command();
            assert_eq!(cmd.get_name(), e.spec.name);
            for opt in e.spec.named_only {
                assert!(
                    cmd.get_arguments().any(|a| a.get_long() == Some(opt)),
                    "{}: named-only option --{opt} is not one of its options",
                    e.spec.name
                );
            }
            let group = REGISTRY.group_of(e).expect("in a group");
            assert_eq!(
                REGISTRY.group(group.keyword).map(|g| g.name),
                Some(group.name)
            );
        }
        assert!(REGISTRY.find("no-such-command").is_none());
    }
}
