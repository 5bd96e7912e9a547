//! URLs of the host's HTTP file and screen services, escaped as libvirt escapes them (every
//! byte outside `A-Za-z0-9-._~` as `%XX`).

/// URI-escapes `s` (GLib's `g_uri_escape_string` without allowed reserved characters).
pub fn uri_escape(s: &str) -> String {
    esxvirt_util::escape::percent_encode(s, b"-._~")
}

/// `BASE/folder/DIR/FILE?dcPath=DC&dsName=DS`, `base` being `scheme://host:port`.
pub fn folder_url(base: &str, directory_and_file: &str, dc_path: &str, ds_name: &str) -> String {
    format!(
        "{base}/folder/{}?dcPath={}&dsName={}",
        uri_escape(directory_and_file),
        uri_escape(dc_path),
        uri_escape(ds_name)
    )
}

/// `BASE/screen?id=MOREF`.
pub fn screen_url(base: &str, moref: &str) -> String {
    format!("{base}/screen?id={}", uri_escape(moref))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_glib() {
        assert_eq!(
            folder_url(
                "https://h:443",
                "vm 1/vm 1.vmx",
                "ha-datacenter",
                "datastore1"
            ),
            "https://h:443/folder/vm%201%2Fvm%201.vmx?dcPath=ha-datacenter&dsName=datastore1"
        );
        assert_eq!(uri_escape("a~b_c.d-e/é"), "a~b_c.d-e%2F%C3%A9");
        assert_eq!(
            screen_url("http://h:80", "vm-1"),
            "http://h:80/screen?id=vm-1"
        );
    }
}
