//! A macro for the many closed string vocabularies of libvirt XML (`type='file'`,
//! `bus='scsi'`, ...): one declaration gives the enum, its XML spelling both ways and the list
//! of accepted values for error messages.

/// Implemented by every [`string_enum!`](crate::string_enum) type so parsers can read any of them generically.
pub trait XmlKeyword: Sized {
    /// Parses the XML spelling.
    fn from_keyword(s: &str) -> Option<Self>;
    /// "expected one of ..." text for error messages.
    fn expected_keywords() -> String;
}

/// Declares a `Copy` enum whose variants map one-to-one to XML strings.
///
/// Generates `as_str()`, `from_xml_str()`, `ALL`, `expected()` (the accepted spellings, for
/// error messages), `Display` and `FromStr` (error: the expected-values text).
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The XML spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the XML spelling (exact, case-sensitive, as libvirt does).
            pub fn from_xml_str(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// "one of 'a', 'b', 'c'" — for error messages.
            pub fn expected() -> String {
                let names: Vec<String> = Self::ALL.iter().map(|v| format!("'{}'", v.as_str())).collect();
                format!("expected one of {}", names.join(", "))
            }
        }

        impl $crate::enums::XmlKeyword for $name {
            fn from_keyword(s: &str) -> Option<Self> {
                Self::from_xml_str(s)
            }
            fn expected_keywords() -> String {
                Self::expected()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::from_xml_str(s).ok_or_else(Self::expected)
            }
        }
    };
}
