//! The raw records as serde reads them from front matter or JSON Lines.
//! Unknown fields are errors; semantic checks come later, in `model`.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

pub use crate::model::text::Text;

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawResearcher {
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub orcid: Option<String>,
    pub headline: Option<String>,
    pub role: Option<String>,
    pub affiliation: Option<String>,
    #[serde(default)]
    pub affiliations: Vec<String>,
    pub open_to_collaborate: Option<bool>,
    pub followers: Option<i64>,
    #[serde(default)]
    pub links: Vec<RawLink>,
    #[serde(default)]
    pub topics: Vec<String>,
    pub trust: Option<RawTrust>,
    pub bio: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTrust {
    pub score: Option<i64>,
    pub verification: Option<String>,
    pub claimed: Option<bool>,
}

/// A link: a bare URL string or `{ label, url }`.
#[derive(Debug, Default)]
pub struct RawLink {
    pub label: Option<String>,
    pub url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkTable {
    label: Option<String>,
    url: String,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawWork {
    pub id: Option<String>,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub year: Option<i64>,
    pub venue: Option<String>,
    pub doi: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub authors: Vec<RawAuthor>,
    /// Left in the file where it can be: see [`Text`].
    #[serde(rename = "abstract")]
    pub abstract_: Option<Text>,
    pub month: Option<i64>,
    pub ids: Option<RawIds>,
    /// The source listed only the first authors (OpenAlex cuts at 100).
    pub authors_truncated: Option<bool>,
    /// Where an imported work came from: `bibtex:key`, `orcid:iD/put-code`, ...
    #[serde(default)]
    pub sources: Vec<String>,
    /// Ids of other versions of this work (a preprint and its publication).
    #[serde(default)]
    pub versions: Vec<String>,
}

/// Identifiers of a work besides its DOI.
#[derive(Deserialize, serde::Serialize, Debug, Default, Clone, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct RawIds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arxiv: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openalex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmcid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
}

impl RawIds {
    pub fn is_empty(&self) -> bool {
        *self == RawIds::default()
    }
}

/// An author: `{ id }` (a researcher of the site), `{ name, orcid }`, or a
/// plain string (a name).
#[derive(Debug, Default, Clone)]
pub struct RawAuthor {
    pub id: Option<String>,
    pub name: Option<String>,
    pub orcid: Option<String>,
    /// Institution ids: the author's affiliations on this work.
    pub institutions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorTable {
    id: Option<String>,
    name: Option<String>,
    orcid: Option<String>,
    #[serde(default)]
    institutions: Vec<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawInstitution {
    pub id: Option<String>,
    pub name: String,
    pub short_name: Option<String>,
    pub country: Option<String>,
    pub url: Option<String>,
    pub ror: Option<String>,
    pub description: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub description: Option<String>,
}

/// A string or a table, told apart without serde's untagged enums, whose
/// "did not match any variant" hides the real error (say, a misspelt field).
struct StringOrTable<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for StringOrTable<T> {
    type Value = Result<String, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a table")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok(v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Err)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(
            "expected a string or a table, found a list",
        ))
    }
}

impl<'de> Deserialize<'de> for RawAuthor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(
            match d.deserialize_any(StringOrTable::<AuthorTable>(Default::default()))? {
                Ok(name) => RawAuthor {
                    name: Some(name),
                    ..Default::default()
                },
                Err(t) => RawAuthor {
                    id: t.id,
                    name: t.name,
                    orcid: t.orcid,
                    institutions: t.institutions,
                },
            },
        )
    }
}

impl<'de> Deserialize<'de> for RawLink {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(
            match d.deserialize_any(StringOrTable::<LinkTable>(Default::default()))? {
                Ok(url) => RawLink { label: None, url },
                Err(t) => RawLink {
                    label: t.label,
                    url: t.url,
                },
            },
        )
    }
}
