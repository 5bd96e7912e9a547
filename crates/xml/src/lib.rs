//! libvirt XML models: parse and format byte for byte as libvirt 9.0 does.
//!
//! - [`domain`]: `<domain>` (what a VMware VMX file can express), [`domain::Domain`].
//! - [`snapshot`], [`network`], [`interface`], [`storage`], [`capabilities`]: the other
//!   document types of libvirt's ESX driver.
//! - [`error::XmlError`]: the one error type; messages name the element/attribute at fault.
//!
//! Shared helpers for every document type:
//! - [`writer::XmlWriter`] writes libvirt-style XML (two-space indent, single-quoted
//!   attributes, `<x/>` for empty elements) and [`writer::escape`] escapes text and attribute
//!   values exactly as libvirt does (`&lt; &gt; &amp; &quot; &apos;`, control characters
//!   dropped).
//! - [`string_enum!`] declares an enum of XML keywords with its spellings both ways.
//! - [`dom::parse`] reads a document into a bounded element tree (DTDs refused, predefined
//!   entities only, characters XML forbids refused, nesting and size bounded, truncation
//!   detected); [`values_parse`] reads typed values from it with libvirt's number and unit
//!   rules and error messages that name the element or attribute.

pub mod dom;
pub mod enums;
pub mod error;
pub mod values_parse;
pub mod writer;

pub mod capabilities;
pub mod domain;
pub mod interface;
pub mod network;
pub mod snapshot;
pub mod storage;

pub use error::{ErrorClass, XmlError};
pub use writer::{escape, XmlWriter};
