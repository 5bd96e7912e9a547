//! The typed calls on [`Client`], generated from `schema/vim.schema` (see `build.rs`): one
//! async method per VI method, named in snake_case (`PowerOnVM_Task` is
//! `client.power_on_vm_task(..)`), encoding its parameters and decoding its return value.
//! Reads (`read` in the schema) are sent once more after a session renewal; nothing else is.

#![allow(clippy::all, clippy::pedantic, missing_docs, non_snake_case)]

use crate::client::Client;
use crate::codec::{Encode, ManagedObjectReference, XmlWriter};
use crate::error::Error;
use crate::types::*;

include!(concat!(env!("OUT_DIR"), "/vim_methods.rs"));
