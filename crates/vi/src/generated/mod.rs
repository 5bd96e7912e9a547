//! Generated from `schema/vim.schema` by `esxvirt-vi-codegen` (see `build.rs`): every VI
//! data object, enumeration and polymorphic `AnyX` type, the [`Value`] of `xsd:anyType`,
//! the request structs of every method, and (in `methods`) the typed calls on `Client`.

#![allow(clippy::all, clippy::pedantic, missing_docs, non_snake_case)]

use crate::codec::{
    decode_array, decode_boxed, decode_struct, decode_untyped, encode_array, encode_prim_typed,
    encode_typed, DataObject, Decode, DecodeError, Encode, ManagedObjectReference, Tag, WireText,
    XmlReader, XmlWriter,
};

include!(concat!(env!("OUT_DIR"), "/vim_types.rs"));

mod methods {
    use super::*;
    use crate::client::Client;
    use crate::error::Error;

    include!(concat!(env!("OUT_DIR"), "/vim_methods.rs"));
}
