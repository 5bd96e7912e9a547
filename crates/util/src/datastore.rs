//! Datastore paths: `[datastore] directory/file.vmx`.

use crate::UtilError;

/// The parts of a datastore path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatastorePath {
    /// The name between the brackets.
    pub datastore: String,
    /// The path with its last `/component` removed. Like the reference, a path without any `/`
    /// is its own directory (`[ds] file` has directory `file`).
    pub directory: String,
    /// Everything after the brackets, leading spaces removed.
    pub directory_and_file: String,
}

/// Parses `[datastore] path` (the path is optional; spaces after `]` are skipped).
///
/// Like the reference, a missing `]` is tolerated (`[ds` names datastore `ds`), but an empty
/// datastore name (`[]`, `[`) or a missing `[` is an error.
pub fn parse_datastore_path(input: &str) -> Result<DatastorePath, UtilError> {
    let err = || UtilError::DatastorePath(input.to_string());
    let rest = input.strip_prefix('[').ok_or_else(err)?;
    let (datastore, after) = match rest.find(']') {
        Some(pos) => (&rest[..pos], &rest[pos + 1..]),
        None => (rest, ""),
    };
    if datastore.is_empty() {
        return Err(err());
    }
    let directory_and_file = after.trim_start_matches(' ');
    let directory = match directory_and_file.rfind('/') {
        Some(pos) => &directory_and_file[..pos],
        None => directory_and_file,
    };
    Ok(DatastorePath {
        datastore: datastore.to_string(),
        directory: directory.to_string(),
        directory_and_file: directory_and_file.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths() {
        // (input, datastore, directory, directory and file)
        let cases = [
            (
                "[datastore] directory/file",
                "datastore",
                "directory",
                "directory/file",
            ),
            (
                "[datastore] directory/",
                "datastore",
                "directory",
                "directory/",
            ),
            ("[datastore] a/b/file", "datastore", "a/b", "a/b/file"),
            ("[datastore] file", "datastore", "file", "file"),
            ("[datastore]", "datastore", "", ""),
            ("[ds]   x/y", "ds", "x", "x/y"),
            ("[my ds] x y/z", "my ds", "x y", "x y/z"),
        ];
        for (input, ds, dir, dir_file) in cases {
            let p = parse_datastore_path(input).unwrap();
            assert_eq!(
                (
                    p.datastore.as_str(),
                    p.directory.as_str(),
                    p.directory_and_file.as_str()
                ),
                (ds, dir, dir_file),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_bad_paths() {
        for bad in ["[] directory/file", "directory/file", "", "[", "[]"] {
            assert!(parse_datastore_path(bad).is_err(), "{bad}");
        }
    }
}
