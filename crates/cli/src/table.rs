//! virsh's column tables (`list`, `net-list`, `pool-list`, ...): every cell is preceded by
//! one space, columns are padded to their widest cell plus two spaces, and the header is
//! underlined with dashes (widest cell + 3 per column). Widths are display widths, and
//! control characters are shown as `\xNN` the way virsh shows them, so the columns of a
//! table holding non-ASCII names line up exactly as virsh's do in a UTF-8 locale.

use unicode_width::UnicodeWidthChar;

/// Replaces control characters (and a literal `\x`, which would be ambiguous) by `\xNN`,
/// returning the text and its display width.
pub fn safe_encode(s: &str) -> (String, usize) {
    let mut out = String::with_capacity(s.len());
    let mut width = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let literal_hex_escape = c == '\\' && chars.peek() == Some(&'x');
        if literal_hex_escape || c.is_ascii_control() {
            out.push_str(&format!("\\x{:02x}", c as u32));
            width += 4;
        } else if c.is_control() {
            // A non-printable multibyte character: virsh escapes each of its bytes.
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
                width += 4;
            }
        } else {
            out.push(c);
            width += c.width().unwrap_or(0);
        }
    }
    (out, width)
}

/// Formats a table; `header` false leaves out the header and its underline (virsh's
/// `--quiet`).
pub fn format_table<S: AsRef<str>>(columns: &[&str], rows: &[Vec<S>], header: bool) -> String {
    let ncols = columns.len();
    let head: Vec<(String, usize)> = columns.iter().map(|c| safe_encode(c)).collect();
    let body: Vec<Vec<(String, usize)>> = rows
        .iter()
        .map(|r| r.iter().map(|c| safe_encode(c.as_ref())).collect())
        .collect();
    let mut widths = vec![0usize; ncols];
    if header {
        for (i, (_, w)) in head.iter().enumerate() {
            widths[i] = widths[i].max(*w);
        }
    }
    for row in &body {
        for (i, (_, w)) in row.iter().enumerate().take(ncols) {
            widths[i] = widths[i].max(*w);
        }
    }
    let mut out = String::new();
    let print_row = |out: &mut String, row: &[(String, usize)]| {
        let n = row.len().min(ncols);
        for (i, (text, w)) in row.iter().enumerate().take(n) {
            out.push(' ');
            out.push_str(text);
            if i + 1 < n {
                out.push_str(&" ".repeat(widths[i] - w + 2));
            }
        }
        out.push('\n');
    };
    if header {
        print_row(&mut out, &head);
        for w in &widths {
            out.push_str(&"-".repeat(w + 3));
        }
        out.push('\n');
    }
    for row in &body {
        print_row(&mut out, row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_table_matches_virsh() {
        let rows = vec![vec!["1", "test", "running"]];
        assert_eq!(
            format_table(&["Id", "Name", "State"], &rows, true),
            " Id   Name   State\n----------------------\n 1    test   running\n"
        );
    }

    #[test]
    fn empty_table_has_header_only() {
        let rows: Vec<Vec<String>> = vec![];
        assert_eq!(
            format_table(&["Name", "Creation Time", "State"], &rows, true),
            " Name   Creation Time   State\n-------------------------------\n"
        );
    }

    #[test]
    fn quiet_table_has_no_header_and_body_widths() {
        let rows = vec![vec!["1", "a", "running"], vec!["-", "bbbb", "shut off"]];
        assert_eq!(
            format_table(&["Id", "Name", "State"], &rows, false),
            " 1   a      running\n -   bbbb   shut off\n"
        );
    }

    #[test]
    fn wide_and_control_characters() {
        assert_eq!(safe_encode("日本"), ("日本".to_string(), 4));
        assert_eq!(safe_encode("é"), ("é".to_string(), 1));
        assert_eq!(safe_encode("a\tb"), ("a\\x09b".to_string(), 6));
        assert_eq!(safe_encode("\\x"), ("\\x5cx".to_string(), 5));
    }
}
