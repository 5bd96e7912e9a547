//! Volume data transfers: [`StorageVol::download`] and [`StorageVol::upload`], what
//! libvirt's `virStorageVolDownload` / `virStorageVolUpload` do (its ESX driver has neither),
//! over the host's datastore HTTP interface (`/folder/PATH?dcPath=DC&dsName=DS`), streamed so
//! a disk of many gigabytes is never held in memory.
//!
//! Where a volume's data lives:
//! - a VMDK volume is a small text descriptor naming its extents; the guest-visible bytes of
//!   the usual ESX disks (`createType="vmfs"` / `monolithicFlat`) are the one flat extent
//!   (`NAME-flat.vmdk`, type VMFS or FLAT) the descriptor names. Transfers read and write that
//!   extent, so a download gives the raw disk image and an upload takes one, the same bytes
//!   both ways, as `vol-download` / `vol-upload` of a raw volume do with libvirt's other
//!   backends. Disks whose data is not one flat extent (sparse, delta, split into several
//!   extents) are refused rather than transferred as something that is not their contents.
//! - any other volume (ISO and floppy images, raw files) is its file.
//!
//! The HTTP interface replaces whole files (PUT) and cannot write at an offset, so uploads
//! refuse `offset` and `length`. A VMDK's extent must keep the disk's capacity: a shorter
//! upload is followed by zeros up to the capacity, a longer one is refused. Downloads map
//! `offset` / `length` to an HTTP `Range` (a server ignoring it is handled by dropping the
//! bytes outside the range as they arrive).

use std::io::{Read, Write};

use bytes::Bytes;
use esxvirt_vi::{datastore_file_path, ByteRange, Client};

use super::StorageVol;
use crate::connection::engine::{Change, Progress as Sent};
use crate::error::{check_flags, vi_err, Error, ErrorCode, Result};
use crate::flags::{vol_download, vol_upload};

/// How far a transfer got: bytes moved so far and, when known, how many it will move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: Option<u64>,
}

/// Size of the pieces an upload reads from its source.
const UPLOAD_CHUNK: usize = 256 << 10;

/// How much of a `.vmdk` is read to decide whether it is a text descriptor.
const DESCRIPTOR_MAX: u64 = 64 << 10;

/// The file holding a volume's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DataFile {
    /// Path inside the datastore (`dir/disk-flat.vmdk`).
    rel: String,
    /// For a disk's extent: the disk's capacity in bytes (the extent's required size).
    capacity: Option<u64>,
}

/// The one flat extent of a VMDK descriptor: (file name, size in bytes), or why there is
/// none usable.
fn flat_extent(descriptor: &str) -> std::result::Result<(String, u64), String> {
    let mut extents = Vec::new();
    for line in descriptor.lines() {
        let line = line.trim();
        let mut words = line.splitn(4, ' ');
        let access = words.next().unwrap_or("");
        if !matches!(access, "RW" | "RDONLY" | "NOACCESS") {
            continue;
        }
        let sectors = words.next().and_then(|w| w.parse::<u64>().ok());
        let kind = words.next().unwrap_or("");
        let rest = words.next().unwrap_or("");
        extents.push((sectors, kind.to_string(), rest.to_string()));
    }
    let [(sectors, kind, rest)] = extents.as_slice() else {
        return Err(format!(
            "the disk has {} extents; only disks with one flat extent can be transferred",
            extents.len()
        ));
    };
    if kind != "VMFS" && kind != "FLAT" {
        return Err(format!(
            "the disk's extent is of type {kind}; only flat extents (VMFS, FLAT) can be transferred"
        ));
    }
    let rest = rest.trim();
    let (name, after) = match rest.strip_prefix('"').and_then(|r| r.split_once('"')) {
        Some((n, a)) => (n, a.trim()),
        None => return Err("the disk's extent line names no file".into()),
    };
    if !after.is_empty() && after != "0" {
        return Err("the disk's extent starts inside its file".into());
    }
    let sectors = sectors.ok_or("the disk's extent has no size")?;
    if name.is_empty() || name.contains('/') {
        return Err(format!("the disk's extent file '{name}' is not beside it"));
    }
    Ok((name.to_string(), sectors.saturating_mul(512)))
}

fn not_found(vol: &StorageVol<'_>) -> Error {
    Error::new(
        ErrorCode::NoStorageVol,
        format!(
            "No storage volume with key or path '[{}] {}'",
            vol.pool, vol.name
        ),
    )
}

fn unsupported(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::OperationUnsupported, msg)
}

/// The file holding the data of datastore volume `vol` (see the module doc): a disk's one
/// flat extent, any other file itself (`exists` checks it is there). Fails with
/// NoStorageVol when the volume does not exist.
pub(crate) fn datastore_data_file(
    vol: &StorageVol<'_>,
    exists: impl Fn() -> Result<()>,
) -> Result<DataFile> {
    if !vol.name.to_ascii_lowercase().ends_with(".vmdk") {
        exists()?;
        return Ok(DataFile {
            rel: vol.name.clone(),
            capacity: None,
        });
    }
    let url = vol.folder_url(&vol.name)?;
    let head = vol.conn.engine.run(|c| {
        let url = url.clone();
        async move { read_head(&c, &url).await }
    });
    let head = head?.ok_or_else(|| not_found(vol))?;
    if head.starts_with(b"KDMV") || head.starts_with(b"COWD") {
        return Err(unsupported(format!(
            "'{}' is a sparse disk: only disks with one flat extent can be transferred",
            vol.name
        )));
    }
    let text = std::str::from_utf8(&head)
        .ok()
        .filter(|t| t.contains("# Disk DescriptorFile") || t.contains("createType"))
        .ok_or_else(|| unsupported(format!("'{}' is not a disk descriptor", vol.name)))?;
    let (extent, capacity) =
        flat_extent(text).map_err(|why| unsupported(format!("{}: {why}", vol.name)))?;
    let rel = match vol.name.rfind('/') {
        Some(i) => format!("{}/{extent}", &vol.name[..i]),
        None => extent,
    };
    Ok(DataFile {
        rel,
        capacity: Some(capacity),
    })
}

impl<'c> StorageVol<'c> {
    fn folder_url(&self, rel: &str) -> Result<String> {
        let ctx = self.conn.engine.context()?;
        Ok(datastore_file_path(rel, &ctx.datacenter_path, &self.pool))
    }

    /// Writes the volume's data (from `offset`, at most `length` bytes, 0 for all) to
    /// `sink` as it arrives (`virStorageVolDownload`), calling `progress` after each piece.
    /// Returns the number of bytes written. `flags`: [`vol_download::SPARSE_STREAM`]
    /// (accepted: holes are the sink's business). What `sink` got before a failure stays.
    pub fn download(
        &self,
        sink: &mut dyn Write,
        offset: u64,
        length: u64,
        flags: u32,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        check_flags(flags, vol_download::SPARSE_STREAM, "esxStorageVolDownload")?;
        let data = self.imp().data_file(self)?;
        let url = self.folder_url(&data.rel)?;
        let range = ByteRange {
            offset,
            length: (length > 0).then_some(length),
        };
        let client = self.conn.engine.client.clone();
        self.conn.engine.block_on(async move {
            let mut dl = match client.get_file_stream(&url, range).await {
                Err(esxvirt_vi::Error::Http { status: 404, .. }) => return Err(not_found(self)),
                other => other.map_err(vi_err)?,
            };
            let total = dl.expected_len();
            let mut done = 0u64;
            progress(Progress { done, total });
            while let Some(chunk) = dl.chunk().await.map_err(vi_err)? {
                sink.write_all(&chunk).map_err(|e| {
                    Error::new(
                        ErrorCode::OperationFailed,
                        format!("cannot write the downloaded data: {e}"),
                    )
                })?;
                done += chunk.len() as u64;
                progress(Progress { done, total });
            }
            Ok(done)
        })
    }

    /// Replaces the volume's data with `source_len` bytes read from `source`
    /// (`virStorageVolUpload`), calling `progress` after each piece; returns the bytes
    /// sent. `offset` and `length` must be 0 (the datastore interface replaces whole files).
    /// A VMDK keeps its capacity: the data must fit and is followed by zeros up to it.
    /// `flags`: [`vol_upload::SPARSE_STREAM`] (accepted; the data is sent as it is).
    pub fn upload(
        &self,
        source: &mut dyn Read,
        source_len: u64,
        offset: u64,
        length: u64,
        flags: u32,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        check_flags(flags, vol_upload::SPARSE_STREAM, "esxStorageVolUpload")?;
        self.conn.check_writable()?;
        if offset != 0 || length != 0 {
            return Err(unsupported(
                "the datastore HTTP interface replaces whole files: uploads cannot take an offset or a length",
            ));
        }
        // Finding the file is a SOAP read (or an authenticated GET), which renews an
        // expired session before the body that cannot be resent goes out.
        let data = self.imp().data_file(self)?;
        let url = self.folder_url(&data.rel)?;
        let total = match data.capacity {
            Some(cap) if source_len > cap => {
                return Err(Error::invalid_arg(format!(
                    "the data ({source_len} bytes) does not fit the volume '{}' of {cap} bytes",
                    self.name
                )))
            }
            Some(cap) => cap,
            None => source_len,
        };
        // The new bytes replace the file as they arrive: what a broken upload left cannot
        // be told from the server's side (the size is the disk's either way), so its
        // outcome is unknown and the upload is to be made again.
        let change = Change::new(
            format!(
                "uploading to volume '{}' of pool '{}'",
                self.name, self.pool
            ),
            format!("vol-info --pool {} {}", self.pool, self.name),
        );
        // The source is read as the upload goes: the operation cannot run twice, which
        // `Engine::change` does only when nothing was sent.
        let once = std::cell::Cell::new(Some((source, progress)));
        let (url, once) = (&url, &once);
        let sent = self.conn.engine.change(&change, |client, p| async move {
            let (source, progress) = once.take().ok_or_else(sent_twice)?;
            let mut up = client.put_file_stream(url, total).await.map_err(vi_err)?;
            p.mark_sent();
            let mut done = 0u64;
            progress(Progress {
                done,
                total: Some(total),
            });
            let mut buf = vec![0u8; UPLOAD_CHUNK];
            let zeros = Bytes::from(vec![0u8; UPLOAD_CHUNK]);
            while done < total {
                let chunk = if done < source_len {
                    let want = ((source_len - done) as usize).min(UPLOAD_CHUNK);
                    let n = read_some(source, &mut buf[..want])?;
                    if n == 0 {
                        return Err(Error::new(
                            ErrorCode::OperationFailed,
                            format!("the source ended after {done} of {source_len} bytes"),
                        ));
                    }
                    Bytes::copy_from_slice(&buf[..n])
                } else {
                    zeros.slice(..((total - done) as usize).min(UPLOAD_CHUNK))
                };
                let n = chunk.len() as u64;
                if let Err(e) = up.send(chunk).await {
                    // The server stopped reading: its answer says why, if it gave one.
                    return Err(upload_error(&p, up.finish().await.err().unwrap_or(e)));
                }
                done += n;
                progress(Progress {
                    done,
                    total: Some(total),
                });
            }
            if let Err(e) = up.finish().await {
                return Err(upload_error(&p, e));
            }
            Ok(done)
        });
        // The datastore's free space changed (or may have, half-way).
        if let Some(d) = &self.datastore {
            self.conn.engine.objects.invalidate(d);
        }
        sent
    }
}

/// The error for a failed upload; one the server refused is final (it wrote nothing).
fn upload_error(p: &Sent, e: esxvirt_vi::Error) -> Error {
    if e.delivery() != esxvirt_vi::Delivery::Refused {
        return vi_err(e);
    }
    p.mark_refused();
    if e.is_not_authenticated() {
        // The data is spent, so it cannot go again here; the session is renewed already.
        return Error::new(
            ErrorCode::OperationFailed,
            "the session expired during the upload (it is renewed now); the server wrote nothing: upload again",
        )
        .with_source(e);
    }
    vi_err(e)
}

/// The error for an upload asked to run a second time (its source is consumed).
fn sent_twice() -> Error {
    Error::internal("an upload cannot be sent twice")
}

fn read_some(source: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    loop {
        match source.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Error::new(
                    ErrorCode::OperationFailed,
                    format!("cannot read the data to upload: {e}"),
                ))
            }
        }
    }
}

/// The first [`DESCRIPTOR_MAX`] bytes of a file (a disk descriptor is small; a binary disk
/// is not read further), `None` when there is no such file.
async fn read_head(c: &Client, url: &str) -> Result<Option<Vec<u8>>> {
    let range = ByteRange {
        offset: 0,
        length: Some(DESCRIPTOR_MAX),
    };
    let mut dl = match c.get_file_stream(url, range).await {
        Err(esxvirt_vi::Error::Http { status: 404, .. }) => return Ok(None),
        other => other.map_err(vi_err)?,
    };
    let mut out = Vec::new();
    while let Some(chunk) = dl.chunk().await.map_err(vi_err)? {
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESX_DESCRIPTOR: &str = "# Disk DescriptorFile\nversion=1\nCID=fffffffe\n\
        createType=\"vmfs\"\n\n# Extent description\nRW 2097152 VMFS \"disk-flat.vmdk\"\n\n\
        #DDB\nddb.adapterType = \"lsilogic\"\n";

    #[test]
    fn the_flat_extent_of_an_esx_disk() {
        assert_eq!(
            flat_extent(ESX_DESCRIPTOR),
            Ok(("disk-flat.vmdk".to_string(), 2097152 * 512))
        );
        assert_eq!(
            flat_extent("RW 8 FLAT \"a b-flat.vmdk\" 0\n"),
            Ok(("a b-flat.vmdk".to_string(), 4096))
        );
    }

    #[test]
    fn disks_without_one_flat_extent_are_refused() {
        let sparse = "RW 8 VMFSSPARSE \"d-delta.vmdk\"\n";
        assert!(flat_extent(sparse).unwrap_err().contains("VMFSSPARSE"));
        let split = "RW 8 FLAT \"d-f001.vmdk\" 0\nRW 8 FLAT \"d-f002.vmdk\" 0\n";
        assert!(flat_extent(split).unwrap_err().contains("2 extents"));
        assert!(flat_extent("RW 8 FLAT \"d.vmdk\" 512\n")
            .unwrap_err()
            .contains("inside"));
        assert!(flat_extent("RW 8 FLAT \"../x.vmdk\"\n").is_err());
        assert!(flat_extent("version=1\n")
            .unwrap_err()
            .contains("0 extents"));
    }
}
