//! The VI data types, generated from `schema/vim.schema` by `esxvirt-vi-codegen` (see
//! `build.rs`): every data object, enumeration and polymorphic `AnyX` type, the [`Value`] of
//! `xsd:anyType` with [`FromValue`] to take typed values out of it, the request structs of
//! every method with [`Request`] and [`METHODS`] (what a server decodes), and the schema's
//! inheritance ([`TYPE_BASES`], [`MANAGED_OBJECTS`]). Plain data over the codec: nothing here
//! sends a request.

#![allow(clippy::all, clippy::pedantic, missing_docs, non_snake_case)]

use crate::codec::{
    decode_array, decode_boxed, decode_struct, encode_array, encode_prim_typed, encode_typed,
    DataObject, Decode, DecodeError, Encode, ManagedObjectReference, Tag, WireText, XmlReader,
    XmlWriter,
};

include!(concat!(env!("OUT_DIR"), "/vim_types.rs"));

#[cfg(test)]
mod tests;
