//! Conversion throughput: VMX text -> domain XML text and domain XML text -> VMX text, on a
//! typical ESX virtual machine (two SCSI disks, a CD-ROM, two NICs, a serial port, VNC).
//!
//! Run with `cargo bench -p esxvirt-vmx`; criterion reports the time per conversion.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use esxvirt_vmx::{domain_to_vmx, vmx_to_domain, FormatContext, ParseContext};
use esxvirt_xml::domain::Domain;

const VMX: &str = include_str!("../../../testdata/fixtures/app01.vmx");

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
