//! `VirtualDiskManager`: virtual disks as descriptor plus extent files: create, copy, move,
//! delete, zero-fill, extend, and their UUIDs.

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;
use crate::value::Value;

use super::common::{datastore_task, fault_of, named_path_task};
use super::entry::{Call, Ids, ManagedType, Reply};

/// The `VirtualDiskManager` type.
pub const TYPE: ManagedType = ManagedType {
    name: "VirtualDiskManager",
    ids: Ids::Service("virtualDiskManager"),
    properties: &[],
    property: |_, _, path| Err(Fault::invalid_property(path)),
    methods: &[
        ("CreateVirtualDisk_Task", create_virtual_disk),
        ("CopyVirtualDisk_Task", copy_or_move),
        ("MoveVirtualDisk_Task", copy_or_move),
        ("DeleteVirtualDisk_Task", delete_virtual_disk),
        ("ZeroFillVirtualDisk_Task", zero_fill),
        ("EagerZeroVirtualDisk_Task", zero_fill),
        ("ExtendVirtualDisk_Task", extend),
        ("QueryVirtualDiskUuid", query_uuid),
        ("SetVirtualDiskUuid", |_, _, _| Ok(None)),
    ],
};

/// `CreateVirtualDisk_Task` of a supported disk type (eager-zeroed ones are zero-filled).
fn create_virtual_disk(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let fe = |e| fault_of(e, this);
    let name = args.req_text("name")?.to_string();
    let spec = args.req_child("spec")?;
    let cap = spec
        .i64_of("capacityKb")?
        .ok_or_else(|| Fault::invalid_argument("spec.capacityKb"))?;
    let disk_type = spec.text_of("diskType").unwrap_or("thin").to_string();
    let adapter = spec
        .text_of("adapterType")
        .unwrap_or("lsiLogic")
        .to_string();
    let thin = disk_type == "thin" || disk_type == "sparseMonolithic" || disk_type == "seSparse";
    let desc = "VirtualDiskManager.createVirtualDisk";
    datastore_task(w, cx, call, &name, desc, |w| {
        if ![
            "thin",
            "thick",
            "preallocated",
            "eagerZeroedThick",
            "sparseMonolithic",
            "flatMonolithic",
            "seSparse",
            "thick2Gb",
            "sparse2Gb",
            "delta",
            "rdm",
            "rdmp",
        ]
        .contains(&disk_type.as_str())
        {
            return Err(Fault::invalid_argument("spec.diskType"));
        }
        w.create_virtual_disk(&name, cap, thin, &adapter)
            .map_err(fe)?;
        if disk_type == "eagerZeroedThick" {
            w.zero_fill_virtual_disk(&name).map_err(fe)?;
        }
        Ok(Some(Value::any(Value::str(name.clone()))))
    })
}

/// `CopyVirtualDisk_Task` and `MoveVirtualDisk_Task`.
fn copy_or_move(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, method, args } = *call;
    let fe = |e| fault_of(e, this);
    // A move is a copy followed by deleting the source; only a copy returns a result
    // (the new disk's name).
    let moving = method == "MoveVirtualDisk_Task";
    let src = args.req_text("sourceName")?.to_string();
    let dst = args.req_text("destName")?.to_string();
    let force = args.bool_of("force")?.unwrap_or(false);
    let description = if moving {
        "VirtualDiskManager.moveVirtualDisk"
    } else {
        "VirtualDiskManager.copyVirtualDisk"
    };
    datastore_task(w, cx, call, &dst, description, |w| {
        w.copy_virtual_disk(&src, &dst, force).map_err(fe)?;
        if moving {
            w.delete_virtual_disk(&src).map_err(fe)?;
            return Ok(None);
        }
        Ok(Some(Value::any(Value::str(dst.clone()))))
    })
}

/// `DeleteVirtualDisk_Task`: the descriptor and its extent.
fn delete_virtual_disk(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    named_path_task(
        w,
        cx,
        call,
        "VirtualDiskManager.deleteVirtualDisk",
        World::delete_virtual_disk,
    )
}

/// `ZeroFillVirtualDisk_Task` and `EagerZeroVirtualDisk_Task`.
fn zero_fill(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    named_path_task(
        w,
        cx,
        call,
        "VirtualDiskManager.zeroFillVirtualDisk",
        World::zero_fill_virtual_disk,
    )
}

/// `ExtendVirtualDisk_Task`: a larger descriptor and extent (never smaller).
fn extend(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let fe = |e| fault_of(e, this);
    let name = args.req_text("name")?.to_string();
    let cap = args
        .i64_of("newCapacityKb")?
        .ok_or_else(|| Fault::missing_argument("newCapacityKb"))?;
    let desc = "VirtualDiskManager.extendVirtualDisk";
    datastore_task(w, cx, call, &name, desc, |w| {
        let info = w.disk_info(&name).map_err(fe)?;
        if cap < info.capacity_kb {
            return Err(Fault::invalid_argument("newCapacityKb"));
        }
        // Rewrite the descriptor with the new size and grow the extent.
        let p = w.resolve(&name).map_err(fe)?;
        let text = std::fs::read_to_string(&p).map_err(|e| Fault::system_error(e.to_string()))?;
        let text = text
            .lines()
            .map(|l| {
                if let Some(rest) = l.strip_prefix("RW ") {
                    let tail = rest.split_once(' ').map(|(_, t)| t).unwrap_or("");
                    format!("RW {} {tail}", cap.saturating_mul(2))
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&p, text + "\n").map_err(|e| Fault::system_error(e.to_string()))?;
        let flat = p.to_string_lossy().replace(".vmdk", "-flat.vmdk");
        if let Ok(f) = std::fs::OpenOptions::new().write(true).open(flat) {
            let _ = f.set_len((cap as u64).saturating_mul(1024));
        }
        Ok(None)
    })
}

/// `QueryVirtualDiskUuid`: the descriptor's `ddb.uuid`.
fn query_uuid(w: &mut World, _cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let fe = |e| fault_of(e, this);
    let name = args.req_text("name")?;
    let info = w.disk_info(name).map_err(fe)?;
    Ok(Some(Value::str(info.uuid)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fault_type, text, TestWorld};
    use crate::value::Value;

    const VDM: &str = "ha-vdiskmanager";

    /// Runs task method `method` of the disk manager.
    fn run(t: &mut TestWorld, method: &str, args: &str) -> crate::object::Reply {
        t.run("VirtualDiskManager", VDM, method, args)
    }

    /// Creates disk `name` (its XML) of type `kind` and `kb` KiB.
    fn create(t: &mut TestWorld, name: &str, kind: &str, kb: i64) -> crate::object::Reply {
        run(
            t,
            "CreateVirtualDisk_Task",
            &format!("{name}{}", spec(kind, kb)),
        )
    }

    fn spec(kind: &str, kb: i64) -> String {
        format!("<spec xsi:type=\"FileBackedVirtualDiskSpec\"><diskType>{kind}</diskType><adapterType>lsiLogic</adapterType><capacityKb>{kb}</capacityKb></spec>")
    }

    #[test]
    fn create_extend_copy_delete() {
        let mut t = TestWorld::esx();
        let name = "<name>[datastore1] d/d.vmdk</name>";
        t.call(
            "FileManager",
            "ha-nfc-file-manager",
            "MakeDirectory",
            "<name>[datastore1] d</name>",
        )
        .unwrap();
        let made = create(&mut t, name, "thin", 2048).unwrap();
        assert_eq!(made, Some(Value::any(Value::str("[datastore1] d/d.vmdk"))));
        let uuid = t
            .call("VirtualDiskManager", VDM, "QueryVirtualDiskUuid", name)
            .unwrap()
            .unwrap();
        assert_eq!(text(&uuid).len(), 47, "{uuid:?}");
        run(
            &mut t,
            "ExtendVirtualDisk_Task",
            &format!("{name}<newCapacityKb>4096</newCapacityKb>"),
        )
        .unwrap();
        assert_eq!(
            t.w.disk_info("[datastore1] d/d.vmdk").unwrap().capacity_kb,
            4096
        );
        let smaller = run(
            &mut t,
            "ExtendVirtualDisk_Task",
            &format!("{name}<newCapacityKb>1024</newCapacityKb>"),
        );
        assert_eq!(fault_type(smaller), "InvalidArgument");
        run(&mut t, "CopyVirtualDisk_Task", "<sourceName>[datastore1] d/d.vmdk</sourceName><destName>[datastore1] d/e.vmdk</destName>")
            .unwrap();
        assert_eq!(
            t.w.disk_info("[datastore1] d/e.vmdk").unwrap().capacity_kb,
            4096
        );
        run(&mut t, "DeleteVirtualDisk_Task", name).unwrap();
        assert_eq!(
            fault_type(t.call("VirtualDiskManager", VDM, "QueryVirtualDiskUuid", name)),
            "FileNotFound"
        );
    }

    #[test]
    fn refuses_bad_specs() {
        let mut t = TestWorld::esx();
        let name = "<name>[datastore1] tiny/new.vmdk</name>";
        let r = create(&mut t, name, "floppy", 1024);
        assert_eq!(fault_type(r), "InvalidArgument");
        let r = t.call("VirtualDiskManager", VDM, "CreateVirtualDisk_Task", name);
        assert_eq!(fault_type(r), "InvalidRequest");
        let existing = "<name>[datastore1] tiny/tiny.vmdk</name>";
        let r = create(&mut t, existing, "thin", 1024);
        assert_eq!(fault_type(r), "FileAlreadyExists");
    }
}
