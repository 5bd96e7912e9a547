//! Fuzzes the VMX reader end to end: the file layer (parse, format, parse again must give the
//! same file), the conversion to a domain, its XML, and the conversion back to VMX. Any panic
//! is a bug; errors are expected.

#![no_main]

use esxvirt_vmx::{
    domain_to_vmx, vmx_file_to_domain, FormatContext, ParseContext, VmxFile,
};
use libfuzzer_sys::fuzz_target;

fn parse_name(name: &str, allow_missing: bool) -> Result<Option<String>, String> {
    if name.contains("missing") {
        return if allow_missing { Ok(None) } else { Err("missing".into()) };
    }
    if name.starts_with('/') {
        Ok(Some(name.to_string()))
    } else if name.contains('/') {
        Err("relative".into())
    } else {
        Ok(Some(format!("[datastore] directory/{name}")))
    }
}

fn format_name(src: &str) -> Result<String, String> {
    match src.strip_prefix("[datastore] ") {
        Some(rest) => Ok(format!("/vmfs/volumes/datastore/{rest}")),
        None if src.starts_with('/') => Ok(src.to_string()),
        None => Err("relative".into()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(file) = VmxFile::parse(data) else { return };

    // Formatting writes UTF-8, so the round trip is exact only for files that are UTF-8
    // (the reader stops at a NUL).
    let text_part = data.split(|b| *b == 0).next().unwrap_or_default();
    let utf8 = file.get(".encoding").is_none_or(|e| e.eq_ignore_ascii_case("utf-8"))
        && std::str::from_utf8(text_part).is_ok();
    if utf8 {
        let text = file.format();
        let again = VmxFile::parse_str(&text).expect("formatted VMX must parse again");
        assert_eq!(again, file, "format/parse round trip changed the file");
    }

    let pctx = ParseContext { file_names: &parse_name, datacenter_path: Some("dc"), moref: None };
    let Ok(domain) = vmx_file_to_domain(&file, &pctx) else { return };
    let _xml = domain.to_xml();
    let fctx = FormatContext { file_names: &format_name, autodetect_scsi_model: None };
    if let Ok(vmx) = domain_to_vmx(&domain, &fctx, 13) {
        // What the writer produces must be a valid VMX file.
        VmxFile::parse_str(&vmx).expect("generated VMX must parse");
    }
});
