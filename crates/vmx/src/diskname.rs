//! Guest disk names (`sda`, `hdc`, `fdb`) and the drive addresses libvirt derives from them.

/// `prefix` followed by the letters for `index`: 0 -> `a`, 25 -> `z`, 26 -> `aa`.
pub fn index_to_disk_name(index: u32, prefix: &str) -> String {
    let mut letters = Vec::new();
    let mut n = i64::from(index);
    while n >= 0 {
        letters.push(b'a' + (n % 26) as u8);
        n = n / 26 - 1;
    }
    letters.reverse();
    let mut out = String::with_capacity(prefix.len() + letters.len());
    out.push_str(prefix);
    out.extend(letters.iter().map(|&b| char::from(b)));
    out
}

/// The index of a disk name like `sdab` or `hda3` (trailing partition digits ignored), as
/// libvirt computes it; `None` for names that are not disk names. The XML crate's reading of
/// target names, so that both crates accept and refuse the same names.
pub(crate) use esxvirt_xml::domain::disk_name_to_index;

/// The drive address libvirt assigns to a disk from its target name's index.
pub(crate) use esxvirt_xml::domain::drive_address_for_index as assign_address;

#[cfg(test)]
mod tests {
    use super::*;
    use esxvirt_xml::domain::DiskBus;

    #[test]
    fn names_round_trip() {
        for (i, name) in [
            (0, "sda"),
            (25, "sdz"),
            (26, "sdaa"),
            (45, "sdat"),
            (701, "sdzz"),
            (702, "sdaaa"),
        ] {
            assert_eq!(index_to_disk_name(i, "sd"), name);
            assert_eq!(disk_name_to_index(name), Some(i));
        }
        assert_eq!(disk_name_to_index("hdc7"), Some(2));
        assert_eq!(disk_name_to_index("sd"), None);
        assert_eq!(disk_name_to_index("sdA"), None);
        assert_eq!(disk_name_to_index("sda1x"), None);
        assert_eq!(disk_name_to_index("nvme0"), None);
        assert_eq!(disk_name_to_index("sdzzzzzzzzzzzzzzzz"), None);
        assert_eq!(disk_name_to_index("sda01"), Some(0));
    }

    #[test]
    fn addresses() {
        let a = assign_address(15, DiskBus::Scsi, 16).unwrap();
        assert_eq!((a.controller, a.unit), (1, 0));
        let a = assign_address(7, DiskBus::Scsi, 16).unwrap();
        assert_eq!((a.controller, a.unit), (0, 8));
        let a = assign_address(2, DiskBus::Ide, 16).unwrap();
        assert_eq!((a.controller, a.bus, a.unit), (0, 1, 0));
        assert!(assign_address(0, DiskBus::Virtio, 16).is_none());
    }
}
