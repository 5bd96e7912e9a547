//! `ReconfigVM_Task`: applies a `VirtualMachineConfigSpec` (see [`super::config_spec`]),
//! creates or deletes the disk files it names and rewrites the `.vmx`; a template changes
//! only its name and annotation.

use crate::fault::Fault;
use crate::inventory::World;
use crate::object::CallCx;
use crate::soap::Element;
use crate::value::MoRef;

use super::super::common::fault_of;
use super::super::entry::{Call, Reply};
use super::config_spec::apply_config_spec;
use super::{ensure_no_question, vm_task};

/// `ReconfigVM_Task`.
pub(super) fn reconfig_vm(w: &mut World, cx: &mut CallCx<'_>, call: &Call<'_>) -> Reply {
    let Call { this, args, .. } = *call;
    let id = this.value.clone();
    ensure_no_question(w, this)?;
    let spec_el = args.req_child("spec")?.clone();
    vm_task(w, cx, call, "VirtualMachine.reconfigure", |w| {
        reconfigure(w, &id, &spec_el, this)?;
        Ok(None)
    })
}

/// Applies a VirtualMachineConfigSpec and rewrites the .vmx.
fn reconfigure(w: &mut World, id: &str, spec: &Element, this: &MoRef) -> Result<(), Fault> {
    let fe = |e| fault_of(e, this);
    let vm = w.vm(id).map_err(fe)?;
    let mut cfg = vm.config.clone();
    let power = vm.power_state;
    if vm.template && !template_spec_only(spec) {
        return Err(Fault::invalid_state(
            "A template can only change its name and annotation.",
        ));
    }
    let dir = vm
        .vmx_path
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let work = apply_config_spec(w, &mut cfg, spec, power, &dir)?;
    for (f, cap, thin) in &work.create {
        w.create_virtual_disk(f, *cap, *thin, "lsiLogic")
            .map_err(fe)?;
    }
    for f in &work.delete {
        let _ = w.delete_virtual_disk(f);
    }
    let guest = crate::inventory::default_guest_for(&cfg);
    let vm = w.vm_mut(id).map_err(fe)?;
    vm.config = cfg;
    vm.guest_when_running = guest;
    w.write_vmx(id).map_err(fe)?;
    Ok(())
}

/// Whether a spec only names what a template may change (its name and annotation).
fn template_spec_only(spec: &Element) -> bool {
    spec.children
        .iter()
        .all(|c| matches!(c.name.as_str(), "name" | "annotation" | "changeVersion"))
}

#[cfg(test)]
mod tests {
    use crate::objects::testing::{fault_type, TestWorld};
    use crate::value::Value;

    #[test]
    fn memory_cpus_annotation_and_a_new_nic() {
        let mut t = TestWorld::esx();
        let tiny = t.vm("tiny");
        t.run(
            "VirtualMachine",
            &tiny,
            "ReconfigVM_Task",
            "<spec><numCPUs>2</numCPUs><memoryMB>512</memoryMB><annotation>a &amp; b</annotation>\
             <deviceChange><operation>add</operation><device xsi:type=\"VirtualE1000\"><key>-1</key>\
             <backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>VM Network</deviceName></backing>\
             </device></deviceChange></spec>",
        )
        .unwrap();
        t.assert_props(
            "VirtualMachine",
            &tiny,
            &[
                ("config.hardware.numCPU", Value::int(2)),
                ("config.hardware.memoryMB", Value::int(512)),
                ("config.annotation", Value::str("a & b")),
                ("summary.config.numEthernetCards", Value::int(2)),
            ],
        );
        // The .vmx on the datastore says so too.
        let vmx = std::fs::read_to_string(t.w.resolve(&t.w.vms[&tiny].vmx_path).unwrap()).unwrap();
        assert!(vmx.contains("memsize = \"512\""), "{vmx}");
        assert!(vmx.contains("ethernet1.virtualDev = \"e1000\""), "{vmx}");
    }

    #[test]
    fn refuses_bad_values() {
        let mut t = TestWorld::esx();
        let tiny = t.vm("tiny");
        for (spec, what) in [
            ("<memoryMB>1023</memoryMB>", "memoryMB"),
            ("<numCPUs>0</numCPUs>", "numCPUs"),
            ("<cpuAllocation><reservation>-5</reservation></cpuAllocation>", "reservation"),
            ("<deviceChange><operation>remove</operation><device xsi:type=\"VirtualDisk\"><key>4242</key></device></deviceChange>", "deviceChange.device.key"),
        ] {
            let r = t.run("VirtualMachine", &tiny, "ReconfigVM_Task", &format!("<spec>{spec}</spec>"));
            match r {
                Err(f) => {
                    assert_eq!(f.ty, "InvalidArgument", "{spec}");
                    assert!(f.message.contains(what), "{spec}: {}", f.message);
                }
                Ok(v) => panic!("{spec} accepted: {v:?}"),
            }
        }
        assert_eq!(
            fault_type(t.call("VirtualMachine", &tiny, "ReconfigVM_Task", "")),
            "InvalidRequest"
        );
        assert_eq!(
            t.get("VirtualMachine", &tiny, "config.hardware.memoryMB"),
            Value::int(256)
        );
    }
}
