//! Tolerant field deserializers: what Intercom really sends, not only what 2.14 declares.
//!
//! Ids arrive as strings or integers, counts as integers or digit strings (`per_page: "5"`),
//! "unassigned" as `null`, `0` or `"0"`, and lists as `null` where the spec shows `[]`.
//! Each helper accepts every such form and normalises it, so the models stay simple.

use serde::de::{self, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;

struct OptIdVisitor;

impl<'de> Visitor<'de> for OptIdVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id as a string or an integer, or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(Some(format!("{}", v as i64)))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

/// An id that may arrive as a string, an integer or null: `Some(string)` or `None`.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_option(OptIdVisitor)
}

/// An id that must be there but may arrive as an integer; `null` becomes the empty string.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_id(d)?.unwrap_or_default())
}

/// An assignee id: `null`, `0` and `"0"` all mean unassigned (2.14 says null, its examples
/// and 2.16 send 0), so they become `None`.
pub(crate) fn assignee<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(opt_id(d)?.filter(|s| !s.is_empty() && s != "0"))
}

/// A list of ids that may be integers or strings; `null` is an empty list.
pub(crate) fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct Id(#[serde(deserialize_with = "opt_id")] Option<String>);
    let items: Option<Vec<Id>> = Option::deserialize(d)?;
    Ok(items
        .unwrap_or_default()
        .into_iter()
        .filter_map(|Id(s)| s)
        .collect())
}

/// An item of a list in an answer (admins, teams, conversations, contacts, parts, events...).
pub(crate) trait ListItem: DeserializeOwned {
    /// Where the list is in its answer (`conversations`, `conversation_parts.conversation_parts`),
    /// for the warning a skipped item gets.
    const PATH: &'static str;
    /// Whether the item can be kept: one without an id has nothing to be stored under.
    fn keep(&self) -> bool;
}

/// Implements [`ListItem`] for a model: `list_item!(Type, "path", |item| keep)`.
macro_rules! list_item {
    ($ty:ty, $path:literal, |$item:ident| $keep:expr) => {
        impl $crate::models::de::ListItem for $ty {
            const PATH: &'static str = $path;
            fn keep(&self) -> bool {
                let $item = self;
                $keep
            }
        }
    };
}
pub(crate) use list_item;

/// A list item that was left out of an answer, and why (never its value: customer text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// `conversations[3]`.
    pub path: String,
    /// `null`, `no id`, or the decode error with quoted values removed.
    pub reason: String,
}

thread_local! {
    /// Set while an answer is decoded the second, lenient way (see [`decode_lenient`]).
    static LENIENT: Cell<bool> = const { Cell::new(false) };
    /// Items left out by the decode running on this thread.
    static SKIPPED: RefCell<Vec<Skipped>> = const { RefCell::new(Vec::new()) };
}

fn skip(path: &str, index: usize, reason: String) {
    SKIPPED.with(|s| {
        s.borrow_mut().push(Skipped {
            path: format!("{path}[{index}]"),
            reason,
        })
    });
}

/// Runs one decode and returns what it left out. Decoding is synchronous, so the
/// thread-local record belongs to this call alone. With `lenient`, an item that cannot be
/// decoded is left out instead of failing the answer; without, only `null` items and items
/// without an id are (that costs nothing on the fast path, where every item decodes).
pub(crate) fn decode_recording<T>(lenient: bool, f: impl FnOnce() -> T) -> (T, Vec<Skipped>) {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            LENIENT.with(|l| l.set(self.0));
        }
    }
    let _reset = Reset(LENIENT.with(|l| l.replace(lenient)));
    SKIPPED.with(|s| s.borrow_mut().clear());
    let out = f();
    let skipped = SKIPPED.with(|s| std::mem::take(&mut *s.borrow_mut()));
    (out, skipped)
}

/// Removes quoted values from a serde message, so customer text never reaches logs.
pub(crate) fn redact(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut quoted = false;
    for c in msg.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

/// A list item that must be a JSON object: serde's derived structs also accept an array of
/// their fields in order, so `[1, "x", null]` in a list would otherwise become an item with
/// id "1".
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(ObjectVisitor(PhantomData)).map(Object)
    }
}

/// A list of items, tolerant item by item: `null` means an empty list; a `null` item, or
/// one without an id, is left out (and recorded); on the lenient decode (after the fast one
/// failed) an item that cannot be decoded at all is left out too, so one bad entry never
/// costs the rest of its page. Only a list that is not a list fails.
pub(crate) fn items<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: ListItem,
{
    if LENIENT.with(Cell::get) {
        // The slow path, taken only after the fast decode failed: each item through a
        // `Value`, so a bad one can be dropped without losing the parser's place.
        let values = Option::<Vec<serde_json::Value>>::deserialize(d)?.unwrap_or_default();
        let mut out = Vec::with_capacity(values.len());
        for (i, v) in values.into_iter().enumerate() {
            if v.is_null() {
                skip(T::PATH, i, "null".to_owned());
                continue;
            }
            match Object::<T>::deserialize(v) {
                Ok(Object(item)) if item.keep() => out.push(item),
                Ok(_) => skip(T::PATH, i, "no id".to_owned()),
                Err(e) => skip(T::PATH, i, redact(&e.to_string())),
            }
        }
        return Ok(out);
    }
    struct ItemsVisitor<T>(PhantomData<T>);
    impl<'de, T: ListItem> Visitor<'de> for ItemsVisitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list, or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
            let mut i = 0;
            while let Some(item) = seq.next_element::<Option<Object<T>>>()? {
                match item {
                    Some(Object(item)) if item.keep() => out.push(item),
                    Some(_) => skip(T::PATH, i, "no id".to_owned()),
                    None => skip(T::PATH, i, "null".to_owned()),
                }
                i += 1;
            }
            Ok(out)
        }
    }
    d.deserialize_option(ItemsVisitor(PhantomData))
}

/// An optional list where `null` means empty.
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A value whose `null` means its default: custom attributes and event metadata arrive as
/// `null` where the spec shows `{}`, and one such item must not fail its whole page.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Declares a visitor over JSON scalars (and null) producing `Option<$out>`; each arm
/// converts one JSON kind. Visitors avoid serde's buffering of untagged enums, which
/// matters at 150 conversations a page.
macro_rules! scalar_visitor {
    ($name:ident, $out:ty, $expecting:literal, |$v:ident| {
        str => $str:expr, i64 => $i:expr, u64 => $u:expr, f64 => $f:expr, bool => $b:expr $(,)?
    }) => {
        struct $name;
        impl<'de> Visitor<'de> for $name {
            type Value = Option<$out>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($expecting)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_str<E: de::Error>(self, $v: &str) -> Result<Self::Value, E> {
                $str
            }
            fn visit_i64<E: de::Error>(self, $v: i64) -> Result<Self::Value, E> {
                $i
            }
            fn visit_u64<E: de::Error>(self, $v: u64) -> Result<Self::Value, E> {
                $u
            }
            fn visit_f64<E: de::Error>(self, $v: f64) -> Result<Self::Value, E> {
                $f
            }
            fn visit_bool<E: de::Error>(self, $v: bool) -> Result<Self::Value, E> {
                $b
            }
        }
    };
}

scalar_visitor!(I64Visitor, i64, "an integer (or a digit string), or null", |v| {
    str => {
        let t = v.trim();
        if t.is_empty() {
            Ok(None)
        } else {
            t.parse().map(Some).map_err(|_| E::custom("expected an integer, found another string"))
        }
    },
    i64 => Ok(Some(v)),
    u64 => i64::try_from(v).map(Some).map_err(|_| E::custom("integer out of range")),
    f64 => if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Ok(Some(v as i64))
    } else {
        Err(E::custom("expected an integer, found a fraction"))
    },
    bool => Err(E::custom(if v { "expected an integer, found true" } else { "expected an integer, found false" })),
});

scalar_visitor!(StringVisitor, String, "a string (or a number or boolean), or null", |v| {
    str => Ok(Some(v.to_owned())),
    i64 => Ok(Some(v.to_string())),
    u64 => Ok(Some(v.to_string())),
    f64 => Ok(Some(v.to_string())),
    bool => Ok(Some(v.to_string())),
});

scalar_visitor!(BoolVisitor, bool, "a boolean, or null", |v| {
    str => match v {
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(E::custom("expected a boolean, found a string")),
    },
    i64 => match v { 0 => Ok(Some(false)), 1 => Ok(Some(true)), _ => Err(E::custom("expected a boolean, found an integer")) },
    u64 => match v { 0 => Ok(Some(false)), 1 => Ok(Some(true)), _ => Err(E::custom("expected a boolean, found an integer")) },
    f64 => Err(E::custom(if v.is_nan() { "expected a boolean, found NaN" } else { "expected a boolean, found a number" })),
    bool => Ok(Some(v)),
});

/// An optional integer that may arrive as a digit string (`"per_page": "5"`) or a float
/// with no fraction; an empty string is `None`.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_option(I64Visitor)
}

/// An optional string that may arrive as a number or boolean (rendered as text).
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_option(StringVisitor)
}

/// An optional boolean that tolerates `"true"`/`"false"` strings and 0/1.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_option(BoolVisitor)
}

/// An avatar that is an object `{type, image_url}` on `/me` but a URL string on `/admins`.
pub(crate) fn avatar_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Avatar {
        Url(String),
        Object {
            #[serde(default)]
            image_url: Option<String>,
        },
    }
    Ok(match Option::<Avatar>::deserialize(d)? {
        None => None,
        Some(Avatar::Url(u)) => Some(u),
        Some(Avatar::Object { image_url }) => image_url,
    })
}

/// Declares a string enum that keeps unknown values in `Other(String)`, as Intercom adds
/// enum values without a version bump.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this client does not know yet, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = $crate::models::de::opt_string(d)?.unwrap_or_default();
                Ok(Self::from(s.as_str()))
            }
        }
    };
}
pub(crate) use open_enum;
