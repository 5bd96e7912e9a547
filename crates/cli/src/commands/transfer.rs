//! `vol-upload` and `vol-download` (in virsh's Storage Volume group): the commands, virsh's
//! parsing of their numbers, the local file a download writes (created or truncated as virsh does, holes kept with `--sparse`),
//! and the progress bar, drawn on stderr only when stderr is a terminal so stdout and
//! scripted runs see nothing of it.

use std::fs::File;
use std::io::{IsTerminal, Seek, SeekFrom, Write};

use clap::Args;
use esxvirt_driver::{flags, Progress, StorageVol};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::{CmdError, CmdResult, Out};
use crate::registry::{ConnCommand, Spec};
use crate::session::Ctx;

/// The options of `vol-upload` and `vol-download`, which differ only in the help of
/// `--offset` and `--length`; `volume` reads them: the volume, offset and length.
macro_rules! vol_transfer_args {
    ($(#[$doc:meta])* $name:ident, $offset:literal, $length:literal) => {
        $(#[$doc])*
        #[derive(Args, Debug)]
        pub struct $name {
            /// vol name, key or path
            #[arg(long, required = true)]
            pub vol: String,
            /// file
            #[arg(long, required = true)]
            pub file: String,
            /// pool name or uuid
            #[arg(long)]
            pub pool: Option<String>,
            #[doc = $offset]
            #[arg(long, allow_hyphen_values = true)]
            pub offset: Option<String>,
            #[doc = $length]
            #[arg(long, allow_hyphen_values = true)]
            pub length: Option<String>,
            /// preserve sparseness of volume
            #[arg(long)]
            pub sparse: bool,
        }

        impl $name {
            fn volume<'c>(&self, ctx: &Ctx<'c>) -> Result<(StorageVol<'c>, u64, u64), CmdError> {
                let offset = parse_ullp(self.offset.as_deref(), "offset")?;
                let length = parse_ull(self.length.as_deref(), "length")?;
                Ok((ctx.vol(&self.vol, self.pool.as_deref())?, offset, length))
            }
        }
    };
}

vol_transfer_args!(
    /// `vol-upload VOL FILE [POOL] [--offset N] [--length N] [--sparse]`.
    VolUpload,
    "volume offset to upload to",
    "amount of data to upload"
);

vol_transfer_args!(
    /// `vol-download VOL FILE [POOL] [--offset N] [--length N] [--sparse]`.
    VolDownload,
    "volume offset to download from",
    "amount of data to download"
);

impl ConnCommand for VolUpload {
    const SPEC: Spec = Spec::new("vol-upload", "upload file contents to a volume");
    fn run(&self, ctx: &Ctx<'_>, _out: &mut Out) -> CmdResult {
        let a = self;
        let (v, offset, length) = a.volume(ctx)?;
        let mut file = std::fs::File::open(&a.file)
            .map_err(|_| CmdError::msg(format!("cannot read {}", a.file)))?;
        let size = file
            .metadata()
            .map_err(|_| CmdError::msg(format!("unable to stat {}", a.file)))?
            .len();
        let f = if a.sparse {
            flags::vol_upload::SPARSE_STREAM
        } else {
            0
        };
        with_progress(
            ctx.quiet,
            &a.vol,
            "cannot upload to volume",
            "cannot send data to volume",
            |progress| v.upload(&mut file, size, offset, length, f, progress),
        )
    }
}

impl ConnCommand for VolDownload {
    const SPEC: Spec = Spec::new("vol-download", "download volume contents to a file");
    fn run(&self, ctx: &Ctx<'_>, _out: &mut Out) -> CmdResult {
        let a = self;
        let (v, offset, length) = a.volume(ctx)?;
        let f = if a.sparse {
            flags::vol_download::SPARSE_STREAM
        } else {
            0
        };
        let (file, created) =
            open_target(&a.file).map_err(|_| CmdError::msg(format!("cannot create {}", a.file)))?;
        let mut target = Target::new(file, a.sparse);
        let r = with_progress(
            ctx.quiet,
            &a.vol,
            "cannot download from volume",
            "cannot receive data from volume",
            |progress| v.download(&mut target, offset, length, f, progress),
        )
        .and_then(|()| {
            target
                .finish()
                .map_err(|_| CmdError::msg(format!("cannot close file {}", a.file)))
        });
        if r.is_err() && created {
            let _ = std::fs::remove_file(&a.file);
        }
        r
    }
}

/// strtoull in base 10 over the whole text (libvirt's reading, shared with the XML
/// parser): a minus wraps around, as C does; `None` when malformed or too large.
fn strtoull(text: &str) -> Option<u64> {
    let (v, negative) = esxvirt_xml::values_parse::c_strtoull(text)?;
    Some(if negative { v.wrapping_neg() } else { v })
}

/// virsh's `vshCommandOptULongLong`: an unsigned number without a minus sign; 0 when absent.
pub fn parse_ullp(text: Option<&str>, option: &str) -> Result<u64, CmdError> {
    match text {
        None => Ok(0),
        Some(t) if t.contains('-') => Err(CmdError::malformed(t, option)),
        Some(t) => strtoull(t).ok_or_else(|| CmdError::malformed(t, option)),
    }
}

/// virsh's `vshCommandOptULongLongWrap`: like [`parse_ullp`], but a negative number wraps
/// around (`-1` is the largest value).
pub fn parse_ull(text: Option<&str>, option: &str) -> Result<u64, CmdError> {
    match text {
        None => Ok(0),
        Some(t) => strtoull(t).ok_or_else(|| CmdError::malformed(t, option)),
    }
}

/// Opens the file a download writes, as virsh does: created when new (`true`), else
/// truncated.
pub fn open_target(path: &str) -> std::io::Result<(File, bool)> {
    match File::options().write(true).create_new(true).open(path) {
        Ok(f) => Ok((f, true)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let f = File::options().write(true).truncate(true).open(path)?;
            Ok((f, false))
        }
        Err(e) => Err(e),
    }
}

/// Size of the blocks a sparse download checks for zeros.
const HOLE_BLOCK: usize = 4096;

/// The local file of a download. With `sparse`, blocks of zeros are skipped over (left as
/// holes) instead of written, and [`Target::finish`] sets the final length.
pub struct Target {
    file: File,
    sparse: bool,
    pos: u64,
}

impl Target {
    pub fn new(file: File, sparse: bool) -> Target {
        Target {
            file,
            sparse,
            pos: 0,
        }
    }

    /// Flushes; for a sparse file, extends it over a trailing hole.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if self.sparse {
            self.file.set_len(self.pos)?;
        }
        self.file.flush()
    }
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.sparse {
            let n = self.file.write(buf)?;
            self.pos += n as u64;
            return Ok(n);
        }
        for block in buf.chunks(HOLE_BLOCK) {
            if block.iter().all(|&b| b == 0) {
                self.file.seek(SeekFrom::Current(block.len() as i64))?;
            } else {
                self.file.write_all(block)?;
            }
            self.pos += block.len() as u64;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Runs `transfer` under a [`TransferBar`]. A failure names the volume `vol` after
/// `refused` when no data had moved yet, after `broken` once it had (virsh words the two
/// apart: `cannot upload to volume` / `cannot send data to volume`).
pub fn with_progress(
    quiet: bool,
    vol: &str,
    refused: &str,
    broken: &str,
    transfer: impl FnOnce(&mut dyn FnMut(Progress)) -> esxvirt_driver::Result<u64>,
) -> Result<(), CmdError> {
    let mut bar = TransferBar::new(quiet);
    let mut started = false;
    let r = transfer(&mut |p| {
        started = true;
        bar.update(p);
    });
    bar.finish();
    r.map(drop).map_err(|e| {
        let what = if started { broken } else { refused };
        CmdError::with(format!("{what} {vol}"), e)
    })
}

/// The progress bar of a transfer: bytes, total and rate on stderr when stderr is a
/// terminal (and not `--quiet`); nothing at all otherwise.
struct TransferBar {
    bar: Option<ProgressBar>,
}

impl TransferBar {
    fn new(quiet: bool) -> TransferBar {
        let show = !quiet && std::io::stderr().is_terminal();
        TransferBar {
            bar: show.then(|| {
                let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                b.set_style(spinner_style());
                b
            }),
        }
    }

    fn update(&mut self, p: Progress) {
        let Some(bar) = &self.bar else { return };
        if let Some(total) = p.total {
            if bar.length() != Some(total) {
                bar.set_length(total);
                bar.set_style(bar_style());
            }
        }
        bar.set_position(p.done);
    }

    /// Removes the bar from the terminal.
    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "[{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {binary_bytes} {binary_bytes_per_sec}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_virsh_reads_them() {
        assert_eq!(parse_ullp(None, "offset"), Ok(0));
        assert_eq!(parse_ullp(Some("1024"), "offset"), Ok(1024));
        assert_eq!(parse_ullp(Some(" +7"), "offset"), Ok(7));
        assert_eq!(
            parse_ullp(Some("-1"), "offset"),
            Err(CmdError::msg(
                "Numeric value '-1' for <offset> option is malformed or out of range"
            ))
        );
        assert!(parse_ullp(Some("1k"), "offset").is_err());
        assert!(parse_ullp(Some(""), "offset").is_err());
        assert!(parse_ullp(Some("18446744073709551616"), "offset").is_err());
        assert_eq!(parse_ull(Some("-1"), "length"), Ok(u64::MAX));
        assert_eq!(parse_ull(Some("-2"), "length"), Ok(u64::MAX - 1));
        assert_eq!(
            parse_ull(Some("x"), "length"),
            Err(CmdError::msg(
                "Numeric value 'x' for <length> option is malformed or out of range"
            ))
        );
    }

    #[test]
    fn sparse_targets_keep_holes_and_length() {
        let dir = std::env::temp_dir().join(format!("esxvirt-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.img");
        let (file, created) = open_target(path.to_str().unwrap()).unwrap();
        assert!(created);
        let mut t = Target::new(file, true);
        let mut data = vec![0u8; 3 * HOLE_BLOCK];
        data[HOLE_BLOCK + 5] = 9;
        t.write_all(&data).unwrap();
        t.write_all(&[0u8; 100]).unwrap();
        t.finish().unwrap();
        let mut expect = data.clone();
        expect.extend_from_slice(&[0u8; 100]);
        assert_eq!(std::fs::read(&path).unwrap(), expect);
        let (_, created) = open_target(path.to_str().unwrap()).unwrap();
        assert!(!created);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "truncated");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
