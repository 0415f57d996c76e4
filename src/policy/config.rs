//! [`PolicyConfig`]: any built-in policy's parameters, and the reader of a scenario's
//! `[policy]` table that reports an unknown key or a wrong type where it is written.

use super::{BuiltIn, Common, Params, REGISTRY, StaticParams};
use crate::base::Issue;
use crate::model::{Policy, Tier, Traits};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use std::any::Any;

/// A policy as written in a scenario's `[policy]` table: `kind` names it, the other keys
/// are its parameters (every one optional; `triad policies` lists them with defaults).
///
/// It holds the parameters of one of the [`REGISTRY`]'s policies; [`params`](Self::params)
/// gives them back by type:
///
/// ```
/// use triad::policy::{PolicyConfig, StaticParams};
/// let mut p = StaticParams::default();
/// p.common.samples = 4;
/// let cfg = PolicyConfig::new(p);
/// assert_eq!(cfg.kind(), "static");
/// assert_eq!(cfg.params::<StaticParams>().unwrap().common.samples, 4);
/// ```
///
/// A table is read key by key, so that an unknown key or a wrong type is reported where it
/// is written (serde's tagged enums and `flatten` lose positions). Keys may arrive before
/// `kind` (TOML tables are read in key order): such a key is checked against every policy
/// at once, and a key that only another policy has is reported at the `[policy]` table.
pub struct PolicyConfig(Box<dyn AnyParams>);

/// [`Params`] as an object: what [`PolicyConfig`] needs of the parameters it holds.
trait AnyParams: Send + Sync + std::fmt::Debug {
    fn kind(&self) -> &'static str;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn clone_box(&self) -> Box<dyn AnyParams>;
    fn same(&self, other: &dyn AnyParams) -> bool;
    /// The parameters by key, without `kind` and without the common keys the policy skips.
    fn to_table(&self) -> Result<toml::Table, String>;
    fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>);
    fn common(&self) -> &Common;
    fn build(&self, tiers: &[Tier]) -> Box<dyn Policy>;
    fn user_tier(&self, tiers: &[Tier], traits: &Traits) -> Option<String>;
}

impl<P: Params> AnyParams for P {
    fn kind(&self) -> &'static str {
        P::KIND
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn clone_box(&self) -> Box<dyn AnyParams> {
        Box::new(self.clone())
    }
    fn same(&self, other: &dyn AnyParams) -> bool {
        other.as_any().downcast_ref::<P>() == Some(self)
    }
    fn to_table(&self) -> Result<toml::Table, String> {
        let mut t = toml::Table::try_from(self).map_err(|e| e.to_string())?;
        t.retain(|k, _| !P::SKIPS.contains(&k));
        Ok(t)
    }
    fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        Params::validate(self, tiers, out)
    }
    fn common(&self) -> &Common {
        Params::common(self)
    }
    fn build(&self, tiers: &[Tier]) -> Box<dyn Policy> {
        Params::build(self, tiers)
    }
    fn user_tier(&self, tiers: &[Tier], traits: &Traits) -> Option<String> {
        Params::user_tier(self, tiers, traits)
    }
}

/// The registry's constructor of `P`'s default configuration.
pub(super) fn default_of<P: Params>() -> PolicyConfig {
    PolicyConfig::new(P::default())
}

/// The registry's reader of `P`: the written keys (all of them `P`'s) laid over `P`'s
/// defaults, so that every key left out keeps the value `P::default()` gives it.
pub(super) fn read_as<P: Params>(written: toml::Table) -> Result<PolicyConfig, String> {
    let mut t = toml::Table::try_from(P::default()).map_err(|e| e.to_string())?;
    for (k, v) in written {
        t.insert(k, v);
    }
    t.try_into::<P>()
        .map(PolicyConfig::new)
        .map_err(|e| e.message().trim().to_string())
}

impl PolicyConfig {
    /// The configuration of the policy whose parameters are `p`.
    pub fn new<P: Params>(p: P) -> Self {
        PolicyConfig(Box::new(p))
    }

    /// The `kind` this configuration is written with.
    pub fn kind(&self) -> &'static str {
        self.0.kind()
    }

    /// The parameters, if they are a `P`.
    pub fn params<P: Params>(&self) -> Option<&P> {
        self.0.as_any().downcast_ref()
    }

    /// The parameters to change, if they are a `P`.
    pub fn params_mut<P: Params>(&mut self) -> Option<&mut P> {
        self.0.as_any_mut().downcast_mut()
    }

    /// The parameters every built-in policy shares.
    pub fn common(&self) -> &Common {
        self.0.common()
    }

    /// The parameters as TOML values by key, `kind` left out.
    pub fn to_table(&self) -> Result<toml::Table, String> {
        self.0.to_table()
    }

    /// Checks the parameters against the tiers; problems are reported at `policy.<key>`.
    pub fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        self.0.validate(tiers, out)
    }

    /// The policy object (parameters must be valid).
    pub fn build(&self, tiers: &[Tier]) -> Box<dyn Policy> {
        self.0.build(tiers)
    }

    /// The name of the tier the users run on, if the tiers have it (for `corpus-advice`, the
    /// one it picks from the ladder).
    pub fn user_tier(&self, tiers: &[Tier], traits: &Traits) -> Option<String> {
        self.0.user_tier(tiers, traits)
    }
}

impl<P: Params> From<P> for PolicyConfig {
    fn from(p: P) -> Self {
        PolicyConfig::new(p)
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig::new(StaticParams::default())
    }
}

impl Clone for PolicyConfig {
    fn clone(&self) -> Self {
        PolicyConfig(self.0.clone_box())
    }
}

impl PartialEq for PolicyConfig {
    fn eq(&self, other: &Self) -> bool {
        self.0.same(&*other.0)
    }
}

impl std::fmt::Debug for PolicyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple(self.kind()).field(&self.0).finish()
    }
}

/// As written in a scenario: `kind`, then every parameter.
impl Serialize for PolicyConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let t = self.to_table().map_err(S::Error::custom)?;
        let mut m = s.serialize_map(Some(t.len() + 1))?;
        m.serialize_entry("kind", self.kind())?;
        for (k, v) in &t {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The kinds of the registry, for messages: "`static`, `struggle-adaptive`, ...".
fn kinds() -> String {
    let names: Vec<String> = REGISTRY.iter().map(|b| format!("`{}`", b.kind)).collect();
    names.join(", ")
}

/// The built-in policy `kind` names, or the error to report at it.
fn kind_of(kind: &toml::Value) -> Result<&'static BuiltIn, String> {
    match kind {
        toml::Value::String(k) => BuiltIn::find(k)
            .ok_or_else(|| format!("unknown kind `{k}`, expected one of {}", kinds())),
        other => Err(format!(
            "invalid type: {}, expected a policy name, one of {}",
            other.type_str(),
            kinds()
        )),
    }
}

/// Reads one value of a `[policy]` table and checks it against the policy's kind (when
/// known), so that a problem is reported at this value.
struct Checked<'a> {
    kind: Option<&'a toml::Value>,
    key: &'a str,
}

impl Checked<'_> {
    /// Whether `v` is a valid value of this key (or a valid `kind`).
    fn check(&self, v: &toml::Value) -> Result<(), String> {
        let b = match (self.key, self.kind) {
            ("kind", _) => return kind_of(v).map(|_| ()),
            (_, Some(kind)) => kind_of(kind)?,
            // The kind is not read yet: check the type against a policy that has the key
            // (a key means the same in every policy that has it).
            (key, None) => match REGISTRY.iter().find(|b| b.has(key)) {
                Some(b) => b,
                None => return Ok(()),
            },
        };
        let mut t = toml::Table::new();
        t.insert(self.key.into(), v.clone());
        b.read(t).map(|_| ())
    }

    fn done<E: serde::de::Error>(&self, v: toml::Value) -> Result<toml::Value, E> {
        self.check(&v).map_err(E::custom)?;
        Ok(v)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Checked<'_> {
    type Value = toml::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<toml::Value, D::Error> {
        // The check runs inside the value's own visit, so the error carries its position.
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Checked<'_> {
    type Value = toml::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a value for `{}`", self.key)
    }
    fn visit_bool<E: serde::de::Error>(self, x: bool) -> Result<toml::Value, E> {
        self.done(toml::Value::Boolean(x))
    }
    fn visit_i64<E: serde::de::Error>(self, x: i64) -> Result<toml::Value, E> {
        self.done(toml::Value::Integer(x))
    }
    fn visit_u64<E: serde::de::Error>(self, x: u64) -> Result<toml::Value, E> {
        match i64::try_from(x) {
            Ok(x) => self.done(toml::Value::Integer(x)),
            Err(_) => Err(E::custom(format!("{x} is too large"))),
        }
    }
    fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<toml::Value, E> {
        self.done(toml::Value::Float(x))
    }
    fn visit_str<E: serde::de::Error>(self, x: &str) -> Result<toml::Value, E> {
        self.done(toml::Value::String(x.to_string()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<toml::Value, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = a.next_element::<toml::Value>()? {
            v.push(x);
        }
        self.done(toml::Value::Array(v))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<toml::Value, A::Error> {
        let mut t = toml::Table::new();
        while let Some((k, x)) = a.next_entry::<String, toml::Value>()? {
            t.insert(k, x);
        }
        self.done(toml::Value::Table(t))
    }
}

/// Reads one key of a `[policy]` table and refuses a key the policy's kind (when known)
/// does not have, so that the error points at the key.
struct Key<'a> {
    kind: Option<&'a str>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key<'_> {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a parameter name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<String, E> {
        if key == "kind" {
            return Ok(key.to_string());
        }
        match self.kind.and_then(BuiltIn::find) {
            Some(b) if !b.has(key) => Err(E::custom(b.unknown(key))),
            // The kind is not read yet (keys may come in any order): a key no policy has.
            None if !REGISTRY.iter().any(|b| b.has(key)) => Err(E::custom(format!(
                "unknown field `{key}`: no built-in policy has it (`triad policies` lists their keys)"
            ))),
            _ => Ok(key.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for PolicyConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Table;
        impl<'de> serde::de::Visitor<'de> for Table {
            type Value = PolicyConfig;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a policy table with a `kind` (see `triad policies`)")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<PolicyConfig, A::Error> {
                use serde::de::Error;
                let mut t = toml::Table::new();
                while let Some(key) = map.next_key_seed(Key {
                    kind: t.get("kind").and_then(|k| k.as_str()),
                })? {
                    let v = map.next_value_seed(Checked {
                        kind: t.get("kind"),
                        key: &key,
                    })?;
                    if t.insert(key.clone(), v).is_some() {
                        return Err(A::Error::custom(format!("duplicate key `{key}`")));
                    }
                }
                let Some(kind) = t.remove("kind") else {
                    return Err(A::Error::custom(
                        "missing `kind`: name a policy, e.g. kind = \"static\" (`triad policies` lists them)",
                    ));
                };
                kind_of(&kind)
                    .and_then(|b| b.read(t))
                    .map_err(A::Error::custom)
            }
        }
        d.deserialize_map(Table)
    }
}
