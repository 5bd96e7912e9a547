//! Generates the VI types, codecs, method calls and property paths from schema/vim.schema.

fn main() {
    let schema_path = "schema/vim.schema";
    println!("cargo:rerun-if-changed={schema_path}");
    let text = std::fs::read_to_string(schema_path)
        .unwrap_or_else(|e| panic!("cannot read {schema_path}: {e}"));
    let out = esxvirt_vi_codegen::generate(&text).unwrap_or_else(|e| panic!("{e}"));
    let dir =
        std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    std::fs::write(dir.join("vim_types.rs"), out.types).expect("write vim_types.rs");
    std::fs::write(dir.join("vim_methods.rs"), out.methods).expect("write vim_methods.rs");
    std::fs::write(dir.join("vim_props.rs"), out.props).expect("write vim_props.rs");
}
