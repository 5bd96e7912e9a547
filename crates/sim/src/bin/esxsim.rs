//! `esxsim`: the vSphere simulator as a standalone server.

fn main() {}
