//! Lenient typed deserialization for streamed SARIF results: every leaf accepts any JSON
//! value and every container accepts any JSON kind, so a sloppy or wrongly typed field never
//! aborts the stream. Wrong types are visible afterwards ([`Loose::Other`], `None`) and are
//! judged by the caller (skip the item, or ignore an optional field). No `Value` tree is built.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A scalar of any JSON type.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum Loose {
    /// A string.
    Str(String),
    /// A number.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`, an object or an array.
    #[default]
    Other,
}

impl Loose {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A number, also from a numeric string.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Num(n) => Some(*n).filter(|x| x.is_finite()),
            Self::Str(s) => s.trim().parse().ok().filter(|x: &f64| x.is_finite()),
            _ => None,
        }
    }
    /// A non-negative integer.
    pub(crate) fn as_usize(&self) -> Option<usize> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        match self {
            Self::Num(n) if *n >= 0.0 && n.fract() == 0.0 && *n < 1e15 => Some(*n as usize),
            _ => None,
        }
    }
}

/// `Option<&Loose>` → trimmed non-empty string.
pub(crate) fn text(l: Option<&Loose>) -> Option<&str> {
    l.and_then(Loose::as_str).map(str::trim).filter(|s| !s.is_empty())
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Loose;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
                Ok(Loose::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Loose, E> {
                Ok(Loose::Str(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
                Ok(Loose::Bool(v))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
                Ok(Loose::Num(v as f64))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
                Ok(Loose::Num(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
                Ok(Loose::Num(v))
            }
            fn visit_unit<E>(self) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_none<E>(self) -> Result<Loose, E> {
                Ok(Loose::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Loose, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Loose, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// An object of type `T`, or `None` when the value is not an object; the flag says the value
/// was there and not an object (`null` included: SARIF has no `null` object), which a caller
/// that needs the object can refuse instead of reading it as absent.
#[derive(Debug)]
pub(crate) struct Lax<T>(pub(crate) Option<T>, pub(crate) bool);

impl<T> Default for Lax<T> {
    fn default() -> Self {
        Self(None, false)
    }
}

impl<T> Lax<T> {
    pub(crate) fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lax<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Lax<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Lax<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(m)).map(|t| Lax(Some(t), false))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Lax<T>, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lax(None, true))
            }
            fn visit_str<E>(self, _: &str) -> Result<Lax<T>, E> {
                Ok(Lax(None, true))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Lax<T>, E> {
                Ok(Lax(None, true))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Lax<T>, E> {
                Ok(Lax(None, true))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Lax<T>, E> {
                Ok(Lax(None, true))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Lax<T>, E> {
                Ok(Lax(None, true))
            }
            fn visit_unit<E>(self) -> Result<Lax<T>, E> {
                Ok(Lax(None, true))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An array of `T` objects (elements that are not objects are dropped); empty when the value
/// is not an array. The flag says something was dropped: the value was there and not an
/// array (nor `null`), or an element was not an object.
#[derive(Debug)]
pub(crate) struct LaxVec<T>(pub(crate) Vec<T>, pub(crate) bool);

impl<T> Default for LaxVec<T> {
    fn default() -> Self {
        Self(Vec::new(), false)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LaxVec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = LaxVec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<LaxVec<T>, A::Error> {
                let (mut out, mut dropped) = (Vec::new(), false);
                while let Some(x) = s.next_element::<Lax<T>>()? {
                    dropped |= x.0.is_none();
                    out.extend(x.0);
                }
                Ok(LaxVec(out, dropped))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<LaxVec<T>, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LaxVec(Vec::new(), true))
            }
            fn visit_str<E>(self, _: &str) -> Result<LaxVec<T>, E> {
                Ok(LaxVec(Vec::new(), true))
            }
            fn visit_bool<E>(self, _: bool) -> Result<LaxVec<T>, E> {
                Ok(LaxVec(Vec::new(), true))
            }
            fn visit_i64<E>(self, _: i64) -> Result<LaxVec<T>, E> {
                Ok(LaxVec(Vec::new(), true))
            }
            fn visit_u64<E>(self, _: u64) -> Result<LaxVec<T>, E> {
                Ok(LaxVec(Vec::new(), true))
            }
            fn visit_f64<E>(self, _: f64) -> Result<LaxVec<T>, E> {
                Ok(LaxVec(Vec::new(), true))
            }
            fn visit_unit<E>(self) -> Result<LaxVec<T>, E> {
                Ok(LaxVec(Vec::new(), false))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A string → string map (fingerprints) as a sorted list (no tree nodes for one or two
/// entries); entries whose value is not a string are dropped; empty when not an object. The
/// flag says something was dropped: the value was there and not an object (nor `null`), or an
/// entry's value was not a string.
#[derive(Debug, Default)]
pub(crate) struct LaxMap(pub(crate) Vec<(String, String)>, pub(crate) bool);

impl<'de> Deserialize<'de> for LaxMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LaxMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<LaxMap, A::Error> {
                let mut out: Vec<(String, String)> = Vec::new();
                let mut dropped = false;
                while let Some((k, v)) = m.next_entry::<String, Loose>()? {
                    if let Loose::Str(v) = v {
                        out.retain(|(x, _)| *x != k); // a repeated key: the last one wins
                        out.push((k, v));
                    } else {
                        dropped = true;
                    }
                }
                out.sort();
                Ok(LaxMap(out, dropped))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<LaxMap, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LaxMap(Vec::new(), true))
            }
            fn visit_str<E>(self, _: &str) -> Result<LaxMap, E> {
                Ok(LaxMap(Vec::new(), true))
            }
            fn visit_bool<E>(self, _: bool) -> Result<LaxMap, E> {
                Ok(LaxMap(Vec::new(), true))
            }
            fn visit_i64<E>(self, _: i64) -> Result<LaxMap, E> {
                Ok(LaxMap(Vec::new(), true))
            }
            fn visit_u64<E>(self, _: u64) -> Result<LaxMap, E> {
                Ok(LaxMap(Vec::new(), true))
            }
            fn visit_f64<E>(self, _: f64) -> Result<LaxMap, E> {
                Ok(LaxMap(Vec::new(), true))
            }
            fn visit_unit<E>(self) -> Result<LaxMap, E> {
                Ok(LaxMap::default())
            }
        }
        d.deserialize_any(V)
    }
}

// ---- the parts of a SARIF result secfw reads ---------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SResult {
    pub(crate) rule_id: Option<Loose>,
    pub(crate) rule_index: Option<Loose>,
    pub(crate) rule: Lax<SRuleRef>,
    pub(crate) kind: Option<Loose>,
    pub(crate) level: Option<Loose>,
    pub(crate) baseline_state: Option<Loose>,
    pub(crate) message: Lax<SText>,
    pub(crate) locations: LaxVec<SLocation>,
    pub(crate) fingerprints: LaxMap,
    pub(crate) partial_fingerprints: LaxMap,
    pub(crate) properties: Lax<SProps>,
    pub(crate) taxa: LaxVec<STaxon>,
    pub(crate) suppressions: LaxVec<SSuppression>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct SRuleRef {
    pub(crate) id: Option<Loose>,
    pub(crate) index: Option<Loose>,
    #[serde(rename = "toolComponent")]
    pub(crate) tool_component: Lax<SComponentRef>,
}

/// A `toolComponentReference`: the extension whose rules a result's rule index counts in.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct SComponentRef {
    pub(crate) index: Option<Loose>,
    pub(crate) name: Option<Loose>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct SText {
    pub(crate) text: Option<Loose>,
    pub(crate) markdown: Option<Loose>,
    pub(crate) id: Option<Loose>,
    pub(crate) arguments: Option<LaxTags>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SLocation {
    pub(crate) physical_location: Lax<SPhysical>,
    pub(crate) logical_locations: LaxVec<SLogical>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SPhysical {
    pub(crate) artifact_location: Lax<SArtifactLocation>,
    pub(crate) region: Lax<SRegion>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct SArtifactLocation {
    pub(crate) uri: Option<Loose>,
    pub(crate) index: Option<Loose>,
    #[serde(rename = "uriBaseId")]
    pub(crate) uri_base_id: Option<Loose>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SRegion {
    pub(crate) start_line: Option<Loose>,
    pub(crate) snippet: Lax<SText>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SLogical {
    pub(crate) fully_qualified_name: Option<Loose>,
    pub(crate) name: Option<Loose>,
    pub(crate) index: Option<Loose>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct SProps {
    #[serde(rename = "security-severity")]
    pub(crate) security_severity: Option<Loose>,
    pub(crate) tags: Option<LaxTags>,
}

/// `tags`: an array of strings (other elements dropped).
#[derive(Debug, Default)]
pub(crate) struct LaxTags(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for LaxTags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LaxTags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<LaxTags, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = s.next_element::<Loose>()? {
                    if let Loose::Str(t) = x {
                        out.push(t);
                    }
                }
                Ok(LaxTags(out))
            }
        }
        let l: Result<LaxTags, D::Error> = d.deserialize_any(LaxOr(V));
        l
    }
}

/// Wraps a visitor that handles one kind and turns every other kind into its default.
struct LaxOr<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for LaxOr<V>
where
    V::Value: Default,
{
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(s)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<V::Value, A::Error> {
        while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(V::Value::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_bool<E>(self, _: bool) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_unit<E>(self) -> Result<V::Value, E> {
        Ok(V::Value::default())
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct STaxon {
    pub(crate) id: Option<Loose>,
    pub(crate) tool_component: Lax<SName>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct SName {
    pub(crate) name: Option<Loose>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct SSuppression {
    pub(crate) kind: Option<Loose>,
    pub(crate) status: Option<Loose>,
    pub(crate) justification: Option<Loose>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_never_abort_and_are_visible() {
        let r: SResult = serde_json::from_str(
            r#"{"ruleId": 7, "message": 5, "locations": "x", "properties": {"tags": [1, "a", {}], "security-severity": "7.5"},
                "suppressions": [{"status": "accepted"}, 3], "taxa": {}, "fingerprints": [1], "extra": {"deep": [1, {"x": null}]}}"#,
        )
        .unwrap();
        assert_eq!(r.rule_id, Some(Loose::Num(7.0)));
        assert!(r.message.get().is_none());
        assert!(r.locations.0.is_empty());
        let p = r.properties.get().unwrap();
        assert_eq!(p.tags.as_ref().unwrap().0, ["a"]);
        assert_eq!(p.security_severity.as_ref().and_then(Loose::as_f64), Some(7.5));
        assert_eq!(r.suppressions.0.len(), 1);
        assert!(r.fingerprints.0.is_empty() && r.fingerprints.1, "an array is not a map: flagged");
        let m: LaxMap = serde_json::from_str(r#"{"b": "2", "a": "1", "n": 3, "b": "4"}"#).unwrap();
        assert_eq!(m.0, [("a".to_owned(), "1".to_owned()), ("b".to_owned(), "4".to_owned())]);
        assert!(m.1, "`n` is not a string: flagged");
        let clean: LaxMap = serde_json::from_str(r#"{"a": "1"}"#).unwrap();
        assert!(!clean.1);
    }
}
