//! The GBK and Big5 decoders against glibc's iconv, which libvirt uses (through libxml2) to
//! read VMX files that declare these encodings: every byte above 0x7F alone and every
//! two-byte sequence starting with one must give iconv's text, or fail where iconv stops
//! with the text iconv produced before it. iconv is called in-process (the `iconv` command
//! is the same glibc code, and one process per sequence would take minutes); a second test
//! runs the `iconv` command itself on a few whole texts.

use std::ffi::{c_char, c_int, c_void, CString};
use std::process::{Command, Stdio};

use esxvirt_util::Encoding;

extern "C" {
    fn iconv_open(tocode: *const c_char, fromcode: *const c_char) -> *mut c_void;
    fn iconv(
        cd: *mut c_void,
        inbuf: *mut *mut c_char,
        inbytesleft: *mut usize,
        outbuf: *mut *mut c_char,
        outbytesleft: *mut usize,
    ) -> usize;
    fn iconv_close(cd: *mut c_void) -> c_int;
}

/// glibc's iconv from `from` to UTF-8.
struct Iconv(*mut c_void);

impl Iconv {
    fn open(from: &str) -> Iconv {
        let to = CString::new("UTF-8").unwrap();
        let from_c = CString::new(from).unwrap();
        // SAFETY: both arguments are NUL-terminated strings that outlive the call.
        let cd = unsafe { iconv_open(to.as_ptr(), from_c.as_ptr()) };
        assert!(cd as isize != -1, "glibc's iconv does not know {from}");
        Iconv(cd)
    }

    /// The text iconv makes of `input`, and whether it stopped before the end.
    fn convert(&self, input: &[u8]) -> (String, bool) {
        let mut inbuf = input.to_vec();
        let mut out = vec![0u8; input.len() * 4 + 16];
        let mut in_ptr = inbuf.as_mut_ptr().cast::<c_char>();
        let mut in_left = inbuf.len();
        let mut out_ptr = out.as_mut_ptr().cast::<c_char>();
        let mut out_left = out.len();
        // SAFETY: the pointers and lengths describe the two live buffers above; the first
        // call resets the conversion state.
        let rc = unsafe {
            iconv(
                self.0,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
            iconv(
                self.0,
                &mut in_ptr,
                &mut in_left,
                &mut out_ptr,
                &mut out_left,
            )
        };
        let stopped = rc == usize::MAX;
        out.truncate(out.len() - out_left);
        (String::from_utf8(out).expect("iconv writes UTF-8"), stopped)
    }
}

impl Drop for Iconv {
    fn drop(&mut self) {
        // SAFETY: the descriptor came from iconv_open and is closed once.
        unsafe { iconv_close(self.0) };
    }
}

/// Ours for `input`: the text and whether we stopped before the end (with the text of the
/// part before the stop, as a caller that keeps the decodable prefix gets it).
fn ours(encoding: Encoding, input: &[u8]) -> (String, bool) {
    match encoding.decode(input) {
        Ok(text) => (text, false),
        Err(esxvirt_util::UtilError::Decode { offset, .. }) => (
            encoding
                .decode(&input[..offset])
                .expect("the part before the faulty byte decodes"),
            true,
        ),
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn sweep(name: &str) -> Vec<String> {
    let encoding = Encoding::from_name(name).expect("known name");
    let reference = Iconv::open(name);
    let mut inputs: Vec<Vec<u8>> = (0x80..=0xFFu8).map(|b| vec![b]).collect();
    for lead in 0x80..=0xFFu8 {
        for trail in 0x01..=0xFFu8 {
            inputs.push(vec![lead, trail]);
        }
    }
    // GB18030's four-byte sequences, which GBK does not have.
    inputs.push(vec![0x81, 0x30, 0x81, 0x30]);
    inputs.push(vec![b'a', 0xA4, 0x40, b'b']);
    let mut differences = Vec::new();
    for input in &inputs {
        let expected = reference.convert(input);
        let got = ours(encoding, input);
        if expected != got {
            differences.push(format!(
                "{name} {input:02X?}: iconv {expected:?}, ours {got:?}"
            ));
        }
    }
    differences
}

#[test]
fn gbk_and_big5_decode_as_glibc_iconv_does() {
    let mut differences = Vec::new();
    for name in [
        "GBK",
        "cp936",
        "MS936",
        "WINDOWS-936",
        "Big5",
        "BIG-5",
        "BIG-FIVE",
        "BIGFIVE",
        "CN-BIG5",
        "CP950",
    ] {
        differences.extend(sweep(name));
    }
    assert!(
        differences.is_empty(),
        "{} differences, first ones:\n{}",
        differences.len(),
        differences
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The `iconv` command on whole texts: the same text, or a failure at the same place.
#[test]
fn iconv_command_agrees_on_whole_texts() {
    let cases: [(&str, &[u8]); 6] = [
        ("GBK", b"\xd6\xd0\xce\xc4 \x80 \xa1\xa1 \xfe\x4f ok"),
        ("GBK", b"\xd6\xd0\xa2\xe3\xce\xc4"),
        ("GBK", b"ab\xaa\xa1cd"),
        ("BIG5", b"\xa4\xa4\xa4\xe5 \x80 \xc6\xa1 \xf9\xfe"),
        ("BIG5", b"\xa4\xa4\x87\x40"),
        ("BIG5", b"\xa3\xc0"),
    ];
    for (name, input) in cases {
        let mut child = match Command::new("iconv")
            .args(["-f", name, "-t", "UTF-8"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(c) => c,
            Err(_) => esxvirt_testkit::missing_peer(
                "iconv",
                "apt-get install libc-bin (glibc's iconv command)",
            ),
        };
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write");
        let out = child.wait_with_output().expect("iconv runs");
        let expected = (
            String::from_utf8(out.stdout).expect("UTF-8"),
            !out.status.success(),
        );
        let encoding = Encoding::from_name(name).expect("known");
        assert_eq!(ours(encoding, input), expected, "{name} {input:02X?}");
    }
}
