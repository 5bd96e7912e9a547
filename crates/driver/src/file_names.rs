//! Mapping file names between a VMX file and domain XML as libvirt's ESX driver does:
//! VMX files hold plain names (same directory as the .vmx), absolute mount paths
//! (`/vmfs/volumes/<uuid or name>/dir/file`, Windows or UNC paths on GSX) or paths outside any
//! datastore; domain XML holds datastore paths `[datastore] dir/file`.
//!
//! Refusals carry libvirt's class ([`CallbackError`]): `invalid argument` for a malformed
//! datastore path, `internal error` for everything else; the converter reports them as they
//! are.

use esxvirt_vmx::{CallbackError, ErrorClass};

/// A datastore's name and its mount path on the host (`DatastoreHostMount.mountInfo.path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatastoreMount {
    /// The datastore name.
    pub name: String,
    /// Its mount path, e.g. `/vmfs/volumes/5d4c...`.
    pub mount_path: String,
}

/// Resolves file names for one VM.
#[derive(Debug, Clone)]
pub struct FileNameResolver {
    /// Datastore path of the .vmx's directory, `[ds] dir` (or `[ds]` at the top).
    pub vmx_dir: String,
    /// All datastores the host sees.
    pub datastores: Vec<DatastoreMount>,
}

impl FileNameResolver {
    /// VMX file name -> domain XML source. `Ok(None)` when it names a missing datastore and
    /// `allow_missing` is set.
    pub fn parse(&self, file_name: &str, allow_missing: bool) -> Result<Option<String>, String> {
        if !file_name.contains('/') && !file_name.contains('\\') {
            return Ok(Some(format!("{}/{}", self.vmx_dir, file_name)));
        }
        for ds in &self.datastores {
            if ds.mount_path.is_empty() {
                continue;
            }
            if let Some(rest) = file_name.strip_prefix(ds.mount_path.as_str()) {
                let rest = rest.trim_start_matches(['/', '\\']).replace('\\', "/");
                return Ok(Some(format!("[{}] {}", ds.name, rest)));
            }
        }
        if let Some(rest) = file_name.strip_prefix("/vmfs/volumes/") {
            let (ds_name, path) = match rest.split_once('/') {
                Some((d, p)) if !d.is_empty() && !p.is_empty() => (d, p),
                _ => {
                    return Err(format!(
                        "File name '{file_name}' doesn't have expected format '/vmfs/volumes/<datastore>/<path>'"
                    ))
                }
            };
            if !self.datastores.iter().any(|d| d.name == ds_name) {
                if allow_missing {
                    return Ok(None);
                }
                return Err(format!(
                    "File name '{file_name}' refers to non-existing datastore '{ds_name}'"
                ));
            }
            return Ok(Some(format!("[{ds_name}] {path}")));
        }
        if file_name.starts_with('/') {
            return Ok(Some(file_name.to_string()));
        }
        Err(format!("Could not handle file name '{file_name}'"))
    }

    /// Domain XML source -> VMX file name: `[ds] dir/file` becomes `<mount>/dir/file` (with
    /// `\` separators when the mount path uses them); absolute paths stay.
    pub fn format(&self, src: &str) -> Result<String, CallbackError> {
        if src.starts_with('[') {
            let parsed = esxvirt_util::parse_datastore_path(src)
                .map_err(|e| CallbackError::new(ErrorClass::InvalidArg, e.to_string()))?;
            let ds = self
                .datastores
                .iter()
                .find(|d| d.name == parsed.datastore)
                .ok_or_else(|| {
                    CallbackError::from(format!(
                        "Could not find datastore with name '{}'",
                        parsed.datastore
                    ))
                })?;
            let sep = if ds.mount_path.contains('\\') {
                '\\'
            } else {
                '/'
            };
            let mount = ds.mount_path.trim_end_matches(sep);
            let mut rel = parsed.directory_and_file.to_string();
            if sep != '/' {
                rel = rel.replace('/', "\\");
            }
            return Ok(format!("{mount}{sep}{rel}"));
        }
        if src.starts_with('/') {
            return Ok(src.to_string());
        }
        Err(format!("Could not handle file name '{src}'").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> FileNameResolver {
        FileNameResolver {
            vmx_dir: "[datastore1] vm1".into(),
            datastores: vec![
                DatastoreMount {
                    name: "datastore1".into(),
                    mount_path: "/vmfs/volumes/4b0beca7-7fd401f3-1d7f-000ae484a6a3".into(),
                },
                DatastoreMount {
                    name: "win".into(),
                    mount_path: "C:\\Virtual Machines\\".into(),
                },
            ],
        }
    }

    #[test]
    fn parse_forms() {
        let r = r();
        assert_eq!(
            r.parse("vm1.vmdk", false).unwrap().unwrap(),
            "[datastore1] vm1/vm1.vmdk"
        );
        assert_eq!(
            r.parse(
                "/vmfs/volumes/4b0beca7-7fd401f3-1d7f-000ae484a6a3/other/d.vmdk",
                false
            )
            .unwrap()
            .unwrap(),
            "[datastore1] other/d.vmdk"
        );
        assert_eq!(
            r.parse("/vmfs/volumes/datastore1/x/y.iso", false)
                .unwrap()
                .unwrap(),
            "[datastore1] x/y.iso"
        );
        assert_eq!(
            r.parse("C:\\Virtual Machines\\vm\\a.vmdk", false)
                .unwrap()
                .unwrap(),
            "[win] vm/a.vmdk"
        );
        assert_eq!(
            r.parse("/usr/lib/vmware/isoimages/linux.iso", false)
                .unwrap()
                .unwrap(),
            "/usr/lib/vmware/isoimages/linux.iso"
        );
        assert_eq!(r.parse("/vmfs/volumes/gone/x.iso", true).unwrap(), None);
        assert_eq!(
            r.parse("/vmfs/volumes/gone/x.iso", false).unwrap_err(),
            "File name '/vmfs/volumes/gone/x.iso' refers to non-existing datastore 'gone'"
        );
        assert!(r.parse("/vmfs/volumes/onlyds", false).is_err());
        assert_eq!(
            r.parse("D:\\x\\y", false).unwrap_err(),
            "Could not handle file name 'D:\\x\\y'"
        );
    }

    #[test]
    fn format_forms() {
        let r = r();
        assert_eq!(
            r.format("[datastore1] vm1/vm1.vmdk").unwrap(),
            "/vmfs/volumes/4b0beca7-7fd401f3-1d7f-000ae484a6a3/vm1/vm1.vmdk"
        );
        assert_eq!(
            r.format("[win] vm/a.vmdk").unwrap(),
            "C:\\Virtual Machines\\vm\\a.vmdk"
        );
        assert_eq!(r.format("/tmp/x.iso").unwrap(), "/tmp/x.iso");
        let e = r.format("[nods] a").unwrap_err();
        assert_eq!(
            (e.class, e.message.as_str()),
            (
                ErrorClass::Internal,
                "Could not find datastore with name 'nods'"
            )
        );
        assert!(r.format("relative").is_err());
        // A malformed datastore path is the caller's argument at fault, as in libvirt.
        let e = r.format("[] x.vmdk").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: Datastore path '[] x.vmdk' doesn't have expected format '[<datastore>] <path>'"
        );
    }
}
