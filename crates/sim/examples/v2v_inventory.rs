//! Writes the esxsim inventories with the VMs of every `esxvirt v2v-check` check
//! (`World::v2v_checks`): `DIR/esx.json` (a standalone ESX host) and `DIR/vcenter.json` (a
//! vCenter), for `esxsim --inventory DIR/esx.json`.
//!
//!     cargo run -p esxvirt-sim --example v2v_inventory -- testdata/v2v

use std::path::PathBuf;

use esxvirt_sim::inventory::World;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: v2v_inventory DIR")?);
    let files = std::env::temp_dir().join(format!("esxsim-v2v-inventory-{}", std::process::id()));
    for (vcenter, name) in [(false, "esx.json"), (true, "vcenter.json")] {
        let w = World::v2v_checks(vcenter, &files.join(name))?;
        let mut text = serde_json::to_string_pretty(&w)?;
        text.push('\n');
        std::fs::write(dir.join(name), text)?;
    }
    let _ = std::fs::remove_dir_all(&files);
    Ok(())
}
