//! Datastore file access over HTTP (`/folder/PATH?dcPath=DC&dsName=DS`: GET (with `Range`,
//! the body read from the file as it is sent), HEAD, PUT,
//! DELETE on the real datastore directories) and console screenshots (`/screen?id=VM`, a
//! PNG drawn for the VM, with a tiny PNG encoder of our own).

use crate::inventory::{PowerState, Vm, World};
use crate::object::{FileRequest, FileResponse, FileSlice};

/// Decodes `%XX` (and `+` as space when `plus` is set); invalid escapes stay as they are.
fn percent_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        if plus && b[i] == b'+' {
            out.push(b' ');
        } else {
            out.push(b[i]);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (percent_decode(k, true) == name).then(|| percent_decode(v, true))
    })
}

fn content_type(path: &str) -> &'static str {
    let l = path.to_ascii_lowercase();
    if l.ends_with(".vmx") || l.ends_with(".log") || l.ends_with(".vmsd") || l.ends_with(".vmxf") {
        "text/plain"
    } else if l.ends_with(".png") {
        "image/png"
    } else {
        "application/octet-stream"
    }
}

/// Serves `/folder/...`.
pub fn folder(w: &mut World, req: &FileRequest<'_>) -> FileResponse {
    let rel = percent_decode(req.path.trim_start_matches('/'), false);
    let Some(ds_name) = query_param(req.query, "dsName") else {
        return FileResponse::status(404, "Not Found: dsName missing");
    };
    let dc = query_param(req.query, "dcPath").unwrap_or_default();
    let Some(ds) = w.datastore_by_name(&ds_name).cloned() else {
        return FileResponse::status(404, "Not Found");
    };
    // dcPath names the datacenter (possibly inside folders).
    let dc_ok = dc.is_empty()
        || w.datacenters
            .get(&ds.datacenter)
            .is_some_and(|d| dc == d.name || dc.rsplit('/').next() == Some(d.name.as_str()));
    if !dc_ok {
        return FileResponse::status(404, "Not Found");
    }
    let ds_path = if rel.is_empty() {
        format!("[{ds_name}]")
    } else {
        format!("[{ds_name}] {rel}")
    };
    let real = match w.resolve_in(&ds_name, &rel) {
        Some(Ok(p)) => p,
        _ => return FileResponse::status(404, "Not Found"),
    };
    match req.method {
        "GET" | "HEAD" => {
            if real.is_dir() {
                let mut names: Vec<String> = std::fs::read_dir(&real)
                    .map(|rd| {
                        rd.flatten()
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                names.sort();
                let mut html = String::from("<html><head><meta http-equiv=\"content-type\" content=\"text/html; charset=utf-8\"><title>Index</title></head><body><table>");
                for n in names {
                    html.push_str(&format!("<tr><td><a href=\"{n}\">{n}</a></td></tr>"));
                }
                html.push_str("</table></body></html>");
                let len = html.len() as u64;
                return FileResponse {
                    status: 200,
                    content_type: "text/html".into(),
                    body: if req.method == "HEAD" {
                        vec![]
                    } else {
                        html.into_bytes()
                    },
                    content_length: Some(len),
                    content_range: None,
                    file: None,
                };
            }
            match std::fs::metadata(&real) {
                Ok(m) if m.is_file() && req.method == "GET" => {
                    file_read(&real, m.len(), req.range.unwrap_or(""), content_type(&rel))
                }
                Ok(m) if m.is_file() => FileResponse {
                    status: 200,
                    content_type: content_type(&rel).into(),
                    body: Vec::new(),
                    content_length: Some(m.len()),
                    content_range: None,
                    file: None,
                },
                _ => FileResponse::status(404, "Not Found"),
            }
        }
        "PUT" => {
            if rel.is_empty() || real.is_dir() {
                return FileResponse::status(400, "Bad Request");
            }
            let existed = real.exists();
            if let Some(parent) = real.parent() {
                if !parent.is_dir() {
                    // A real host creates missing parents of an upload.
                    if std::fs::create_dir_all(parent).is_err() {
                        return FileResponse::status(500, "Internal Server Error");
                    }
                }
            }
            if std::fs::write(&real, req.body).is_err() {
                return FileResponse::status(500, "Internal Server Error");
            }
            // A replaced .vmx of a registered, powered-off VM is its new configuration.
            if ds_path.to_ascii_lowercase().ends_with(".vmx") {
                let ids: Vec<String> = w
                    .vms
                    .values()
                    .filter(|v| v.vmx_path == ds_path && v.power_state == PowerState::PoweredOff)
                    .map(|v| v.moid.clone())
                    .collect();
                for id in ids {
                    if let Ok(cfg) = w.read_vmx(&ds_path) {
                        let guest = crate::inventory::default_guest_for(&cfg);
                        if let Ok(vm) = w.vm_mut(&id) {
                            vm.config = cfg;
                            vm.guest_when_running = guest;
                        }
                    }
                }
            }
            FileResponse::status(if existed { 200 } else { 201 }, "")
        }
        "DELETE" => {
            if !real.is_file() {
                return FileResponse::status(404, "Not Found");
            }
            match std::fs::remove_file(&real) {
                Ok(()) => FileResponse::status(204, ""),
                Err(_) => FileResponse::status(500, "Internal Server Error"),
            }
        }
        _ => FileResponse::status(405, "Method Not Allowed"),
    }
}

/// The bytes `[first, last]` a `Range` header asks of a file of `size` bytes: `Ok(None)`
/// when the header is not one single byte range (the whole file is sent then, as HTTP
/// allows), `Err(())` when the range lies beyond the file (416).
fn parse_range(header: &str, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        // The last N bytes.
        let Ok(n) = b.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 || size == 0 {
            return Err(());
        }
        return Ok(Some((size.saturating_sub(n), size - 1)));
    }
    let Ok(first) = a.parse::<u64>() else {
        return Ok(None);
    };
    let last = if b.is_empty() {
        u64::MAX
    } else {
        match b.parse::<u64>() {
            Ok(l) if l >= first => l,
            _ => return Ok(None),
        }
    };
    if first >= size {
        return Err(());
    }
    Ok(Some((first, last.min(size - 1))))
}

/// A GET of a file: the whole file, or with `Range` 206 and the bytes asked for, 416 past
/// the end (a header it does not take gets the whole file). The body is read from the file
/// as it is sent.
fn file_read(real: &std::path::Path, size: u64, range: &str, ct: &str) -> FileResponse {
    let (first, last, partial) = match parse_range(range, size) {
        Err(()) => {
            let mut r = FileResponse::status(416, "Range Not Satisfiable");
            r.content_range = Some(format!("bytes */{size}"));
            return r;
        }
        Ok(None) => (0, size.saturating_sub(1), false),
        Ok(Some((first, last))) => (first, last, true),
    };
    let len = if size == 0 { 0 } else { last - first + 1 };
    FileResponse {
        status: if partial { 206 } else { 200 },
        content_type: ct.into(),
        body: Vec::new(),
        content_length: Some(len),
        content_range: partial.then(|| format!("bytes {first}-{last}/{size}")),
        file: Some(FileSlice {
            path: real.to_path_buf(),
            offset: first,
            len,
        }),
    }
}

/// Serves `/screen?id=VM`.
pub fn screen(w: &World, req: &FileRequest<'_>) -> FileResponse {
    let Some(id) = query_param(req.query, "id") else {
        return FileResponse::status(404, "Not Found");
    };
    let Some(vm) = w.vms.get(&id) else {
        return FileResponse::status(404, "Not Found");
    };
    if vm.power_state != PowerState::PoweredOn {
        return FileResponse::status(409, "The virtual machine is not powered on");
    }
    let body = screen_png(vm);
    let len = body.len() as u64;
    FileResponse {
        status: 200,
        content_type: "image/png".into(),
        body,
        content_length: Some(len),
        content_range: None,
        file: None,
    }
}

/// Width and height of the simulated console.
pub const SCREEN_SIZE: (u32, u32) = (320, 200);

/// A console image for a VM: a dark screen with a text-like pattern derived from its name.
pub fn screen_png(vm: &Vm) -> Vec<u8> {
    let (wd, ht) = SCREEN_SIZE;
    let seed = vm.config.name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    });
    let mut raw = Vec::with_capacity(((wd * 3 + 1) * ht) as usize);
    for y in 0..ht {
        raw.push(0); // filter: none
        for x in 0..wd {
            let line = y / 10;
            let col = x / 6;
            let on = y % 10 < 7 && x % 6 < 5 && line < 18 && {
                let v = seed.rotate_left(line * 7 + col).wrapping_mul(2_654_435_761) >> 28;
                col < 20 + (seed >> (line % 24)) % 30 && v > 5
            };
            if on {
                raw.extend_from_slice(&[0xc0, 0xc0, 0xc0]);
            } else if y < 2 || y >= ht - 2 {
                raw.extend_from_slice(&[0x20, 0x40, 0x80]);
            } else {
                raw.extend_from_slice(&[0x10, 0x10, 0x18]);
            }
        }
    }
    encode_png(wd, ht, &raw)
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut c = Vec::with_capacity(4 + data.len());
    c.extend_from_slice(ty);
    c.extend_from_slice(data);
    out.extend_from_slice(&c);
    out.extend_from_slice(&crc32(&c).to_be_bytes());
}

/// An 8-bit RGB PNG of `raw` scanlines (each prefixed with its filter byte), zlib "stored"
/// blocks (valid, uncompressed deflate).
pub fn encode_png(width: u32, height: u32, raw: &[u8]) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, blk) in blocks.iter().enumerate() {
        z.push(if i + 1 == blocks.len() { 1 } else { 0 });
        let len = blk.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(blk);
    }
    if blocks.is_empty() {
        z.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    z.extend_from_slice(&adler32(raw).to_be_bytes());
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%2", false), "a%2");
        assert_eq!(
            query_param("dcPath=ha%2Ddatacenter&dsName=datastore1", "dcPath").as_deref(),
            Some("ha-datacenter")
        );
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=90-200", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Err(()));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(parse_range("items=0-1", 100), Ok(None));
        assert_eq!(parse_range("bytes=9-3", 100), Ok(None));
    }

    #[test]
    fn file_reads() {
        let f = std::path::Path::new("/ds/data.bin");
        let slice = |offset, len| {
            Some(FileSlice {
                path: f.to_path_buf(),
                offset,
                len,
            })
        };
        let r = file_read(f, 1000, "bytes=10-19", "application/octet-stream");
        assert_eq!(
            (r.status, r.file, r.content_range.as_deref()),
            (206, slice(10, 10), Some("bytes 10-19/1000"))
        );
        let r = file_read(f, 1000, "bytes=995-", "application/octet-stream");
        assert_eq!((r.status, r.file), (206, slice(995, 5)));
        let r = file_read(f, 1000, "bytes=1000-", "application/octet-stream");
        assert_eq!(
            (r.status, r.file, r.content_range.as_deref()),
            (416, None, Some("bytes */1000"))
        );
        let r = file_read(f, 1000, "lines=1-2", "application/octet-stream");
        assert_eq!(
            (r.status, r.file, r.content_range),
            (200, slice(0, 1000), None)
        );
        let r = file_read(f, 1000, "", "application/octet-stream");
        assert_eq!((r.status, r.content_length), (200, Some(1000)));
    }

    #[test]
    fn checksums() {
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn png_shape() {
        let raw = vec![0u8; (3 * 2 + 1) * 2];
        let png = encode_png(2, 2, &raw);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[png.len() - 12..], b"\0\0\0\0IEND\xaeB`\x82");
    }
}
