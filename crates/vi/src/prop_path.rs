//! [`PropPath`]: a property path of a managed object type with the type of the value it
//! yields, so one constant both names the path in a property spec and decodes the value the
//! property collector returns for it. The constants themselves are generated ([`crate::props`]).

use std::fmt;
use std::marker::PhantomData;

use crate::types::{FromValue, Value};

/// A property path (`runtime.powerState`) of a managed object type (`VirtualMachine`) whose
/// value is a `T`.
pub struct PropPath<T> {
    owner: &'static str,
    path: &'static str,
    value: PhantomData<fn() -> T>,
}

impl<T> PropPath<T> {
    /// The path `path` of type `owner`, yielding a `T` (what the generated constants are).
    pub const fn new(owner: &'static str, path: &'static str) -> Self {
        PropPath {
            owner,
            path,
            value: PhantomData,
        }
    }

    /// The path as the property collector names it (`runtime.powerState`).
    pub const fn path(&self) -> &'static str {
        self.path
    }

    /// The managed object type the path belongs to (`VirtualMachine`).
    pub const fn owner(&self) -> &'static str {
        self.owner
    }

    /// Whether `path` is this path or lies below it (`runtime.powerState` is below `runtime`).
    pub fn covers(&self, path: &str) -> bool {
        path.strip_prefix(self.path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    }
}

impl<T: FromValue> PropPath<T> {
    /// The value retrieved for this path as a `T`: `None` for an unset value
    /// ([`Value::None`]) or a value of another type.
    pub fn decode(&self, value: Value) -> Option<T> {
        match value {
            Value::None => None,
            v => T::from_value(v).ok(),
        }
    }
}

impl<T> Clone for PropPath<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for PropPath<T> {}

impl<T> PartialEq for PropPath<T> {
    fn eq(&self, other: &Self) -> bool {
        self.owner == other.owner && self.path == other.path
    }
}

impl<T> Eq for PropPath<T> {}

impl<T> fmt::Debug for PropPath<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.owner, self.path)
    }
}

impl<T> fmt::Display for PropPath<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path)
    }
}
