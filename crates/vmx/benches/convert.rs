//! Conversion throughput: VMX text -> domain XML text and domain XML text -> VMX text, on a
//! typical ESX virtual machine (two SCSI disks, a CD-ROM, two NICs, a serial port, VNC).
//!
//! Run with `cargo bench -p esxvirt-vmx`; criterion reports the time per conversion.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use esxvirt_vmx::{domain_to_vmx, vmx_to_domain, FormatContext, ParseContext};
use esxvirt_xml::domain::Domain;

const VMX: &str = r#".encoding = "UTF-8"
config.version = "8"
virtualHW.version = "13"
pciBridge0.present = "TRUE"
svga.present = "TRUE"
pciBridge4.present = "TRUE"
pciBridge4.virtualDev = "pcieRootPort"
pciBridge4.functions = "8"
vmci0.present = "TRUE"
hpet0.present = "TRUE"
floppy0.present = "FALSE"
numvcpus = "4"
cpuid.coresPerSocket = "2"
memSize = "8192"
sched.cpu.units = "mhz"
sched.cpu.shares = "high"
sched.mem.minsize = "1024"
tools.upgrade.policy = "manual"
scsi0.virtualDev = "pvscsi"
scsi0.present = "TRUE"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "app01.vmdk"
scsi0:0.present = "TRUE"
scsi0:1.deviceType = "scsi-hardDisk"
scsi0:1.fileName = "app01_1.vmdk"
scsi0:1.mode = "independent-persistent"
scsi0:1.present = "TRUE"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "/vmfs/volumes/iso-store/linux/install.iso"
ide1:0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.networkName = "VM Network"
ethernet0.addressType = "vpx"
ethernet0.generatedAddress = "00:50:56:a1:42:17"
ethernet0.present = "TRUE"
ethernet1.virtualDev = "e1000e"
ethernet1.networkName = "Backup"
ethernet1.addressType = "static"
ethernet1.address = "00:50:56:01:02:03"
ethernet1.present = "TRUE"
serial0.present = "TRUE"
serial0.fileType = "network"
serial0.fileName = "telnet://0.0.0.0:42001"
serial0.network.endPoint = "server"
RemoteDisplay.vnc.enabled = "TRUE"
RemoteDisplay.vnc.port = "5901"
displayName = "app01 %2f prod"
annotation = "Application server|0Aowner: ops"
guestOS = "rhel8-64"
uuid.bios = "42 1a 61 77 5a a9 ab b7-59 24 fc 37 6c 18 a1 b4"
vc.uuid = "50 1a f9 f2 6d 29 1c 76-19 a9 b2 08 ed e5 f3 74"
svga.vramSize = "8388608"
tools.syncTime = "FALSE"
"#;

fn parse_name(name: &str, _allow_missing: bool) -> Result<Option<String>, String> {
    Ok(Some(match name.strip_prefix("/vmfs/volumes/") {
        Some(rest) => match rest.split_once('/') {
            Some((ds, path)) => format!("[{ds}] {path}"),
            None => return Err(format!("bad path {name}")),
        },
        None => format!("[datastore1] app01/{name}"),
    }))
}

fn format_name(src: &str) -> Result<String, String> {
    let rest = src.strip_prefix('[').ok_or("not a datastore path")?;
    let (ds, path) = rest.split_once(']').ok_or("not a datastore path")?;
    Ok(format!("/vmfs/volumes/{ds}/{}", path.trim_start()))
}

fn benches(c: &mut Criterion) {
    let pctx = ParseContext {
        file_names: &parse_name,
        datacenter_path: Some("dc1"),
        moref: None,
    };
    let fctx = FormatContext {
        file_names: &format_name,
        autodetect_scsi_model: None,
    };
    let xml = vmx_to_domain(VMX, &pctx)
        .expect("sample VMX converts")
        .to_xml();
    // The XML side must also convert, or the second benchmark measures an error path.
    let domain = Domain::from_xml(&xml).expect("generated XML parses");
    domain_to_vmx(&domain, &fctx, 13).expect("sample domain converts");

    let mut group = c.benchmark_group("convert");
    group.throughput(Throughput::Elements(1));
    group.bench_function("vmx_to_xml", |b| {
        b.iter(|| vmx_to_domain(black_box(VMX), &pctx).map(|d| d.to_xml()))
    });
    group.bench_function("xml_to_vmx", |b| {
        b.iter(|| Domain::from_xml(black_box(&xml)).map(|d| domain_to_vmx(&d, &fctx, 13)))
    });
    group.finish();
}

criterion_group!(convert, benches);
criterion_main!(convert);
