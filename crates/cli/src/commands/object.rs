//! The commands the Interface, Networking and Storage Pool groups have alike, written once
//! over an [`ObjectKind`]: `*-dumpxml` ([`Dumpxml`]) and the two conversions between an
//! object's name and its other key, a UUID or a MAC address ([`Convert`]). Each
//! group declares its option and kind with [`object_kind!`].

use std::fmt::Debug;

use clap::Args;

use crate::options::XpathArgs;
use crate::output::{CmdError, CmdResult, Out};
use crate::present::print_xml;
use crate::registry::{ConnCommand, Spec};
use crate::session::Ctx;

/// A libvirt object kind as its group's commands see it: the option that names an object,
/// virsh's lookup, the driver's getters, and the facts of the shared commands.
pub trait ObjectKind: Args + Debug {
    /// The driver's handle.
    type Object<'c>;
    /// `*-dumpxml`.
    const DUMPXML: Spec;
    /// The name-to-key conversion (`net-uuid`, `pool-uuid`, `iface-mac`).
    const KEY_OF: Spec;
    /// The key-to-name conversion (`net-name`, `pool-name`, `iface-name`).
    const NAME_OF: Spec;
    /// The option's value.
    fn value(&self) -> &str;
    /// virsh's lookup of `value`, by the key and/or by name as allowed.
    fn lookup<'c>(
        ctx: &Ctx<'c>,
        value: &str,
        by_key: bool,
        by_name: bool,
    ) -> Result<Self::Object<'c>, CmdError>;
    /// The object's XML description.
    fn xml_desc(object: &Self::Object<'_>, flags: u32) -> Result<String, esxvirt_driver::Error>;
    /// The object's name.
    fn name(object: &Self::Object<'_>) -> String;
    /// The object's other key (UUID or MAC address).
    fn key(object: &Self::Object<'_>) -> String;
}

/// Declares a group's object option (`--network`, `--pool`, `--interface`: `$field`, with
/// its help) and its [`ObjectKind`]: the driver's `$object` found by the lookup method
/// `$lookup` of [`Ctx`]; the shared commands are called `$prefix-dumpxml`, `$prefix-$key`
/// and `$prefix-name`, and their summaries speak of "$article $noun" and its `$key_text`,
/// which the getter `$key_of` reads. The option type is also the [`Listed`] marker of the
/// group's list command.
///
/// [`Listed`]: crate::options::Listed
macro_rules! object_kind {
    ($(#[$doc:meta])* $arg:ident { $field:ident: $help:literal } is $object:ident by $lookup:ident,
     $prefix:literal, $article:literal $noun:literal, $key:literal $key_text:literal by $key_of:ident) => {
        $(#[$doc])*
        #[derive(clap::Args, Debug, Clone, Default)]
        pub struct $arg {
            #[doc = $help]
            #[arg(long, required = true)]
            pub $field: String,
        }

        $crate::options::listed!(impl $arg, $noun);

        impl $crate::commands::object::ObjectKind for $arg {
            type Object<'c> = $object<'c>;
            const DUMPXML: $crate::registry::Spec = $crate::registry::Spec::new(
                concat!($prefix, "-dumpxml"),
                concat!($noun, " information in XML"),
            )
            .named_only(&["xpath"]);
            const KEY_OF: $crate::registry::Spec = $crate::registry::Spec::new(
                concat!($prefix, "-", $key),
                concat!("convert ", $article, " ", $noun, " name to ", $noun, " ", $key_text),
            );
            const NAME_OF: $crate::registry::Spec = $crate::registry::Spec::new(
                concat!($prefix, "-name"),
                concat!("convert ", $article, " ", $noun, " ", $key_text, " to ", $noun, " name"),
            );
            fn value(&self) -> &str {
                &self.$field
            }
            fn lookup<'c>(
                ctx: &$crate::session::Ctx<'c>,
                value: &str,
                by_key: bool,
                by_name: bool,
            ) -> Result<$object<'c>, $crate::output::CmdError> {
                ctx.$lookup(value, by_key, by_name)
            }
            fn xml_desc(o: &$object<'_>, flags: u32) -> Result<String, esxvirt_driver::Error> {
                o.get_xml_desc(flags)
            }
            fn name(o: &$object<'_>) -> String {
                o.get_name().to_string()
            }
            fn key(o: &$object<'_>) -> String {
                o.$key_of().to_string()
            }
        }
    };
}
pub(crate) use object_kind;

/// `*-dumpxml OBJECT [--inactive] [--xpath E [--wrap]]`.
#[derive(Args, Debug)]
pub struct Dumpxml<K: ObjectKind> {
    #[command(flatten)]
    pub object: K,
    /// show inactive defined XML
    #[arg(long)]
    pub inactive: bool,
    #[command(flatten)]
    pub filter: XpathArgs,
}

impl<K: ObjectKind> ConnCommand for Dumpxml<K> {
    const SPEC: Spec = K::DUMPXML;
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let o = K::lookup(ctx, self.object.value(), true, true)?;
        let xml = K::xml_desc(&o, if self.inactive { 1 } else { 0 })?;
        print_xml(out, &xml, &self.filter)
    }
}

/// The conversions between an object's name and its other key: found by name, its key
/// printed (`net-uuid`, `pool-uuid`, `iface-mac`: [`KeyOf`]), or found by its key, its name
/// printed (`net-name`, `pool-name`, `iface-name`: [`NameOf`]).
#[derive(Args, Debug)]
pub struct Convert<K: ObjectKind, const TO_NAME: bool> {
    #[command(flatten)]
    pub object: K,
}

/// An object's other key from its name.
pub type KeyOf<K> = Convert<K, false>;
/// An object's name from its other key.
pub type NameOf<K> = Convert<K, true>;

impl<K: ObjectKind, const TO_NAME: bool> ConnCommand for Convert<K, TO_NAME> {
    const SPEC: Spec = if TO_NAME { K::NAME_OF } else { K::KEY_OF };
    fn run(&self, ctx: &Ctx<'_>, out: &mut Out) -> CmdResult {
        let o = K::lookup(ctx, self.object.value(), TO_NAME, !TO_NAME)?;
        let shown = if TO_NAME { K::name(&o) } else { K::key(&o) };
        out.print(&format!("{shown}\n"));
        Ok(())
    }
}
