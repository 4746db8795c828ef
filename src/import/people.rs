//! Linking imported authors to the site's researchers: by ORCID, then by
//! name and aliases as the build matches them, and, for `--researcher ID`,
//! by that researcher's looser name variants (initials, middle names).

use super::entry::{family_key, given_compatible, Person};
use crate::text::fold_name;
use std::collections::{BTreeMap, HashMap};

/// A researcher as import needs them.
#[derive(Clone, Debug)]
pub struct Known {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub orcid: Option<String>,
}

pub struct People {
    pub known: Vec<Known>,
    by_id: HashMap<String, usize>,
    by_orcid: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
    /// `--researcher`: its index and its name variants as (given, family key).
    target: Option<(usize, Vec<(String, String)>)>,
}

/// How one author was linked.
pub enum Link {
    Researcher(usize),
    /// A name that fits several researchers: left unlinked.
    Ambiguous(Vec<usize>),
    Nobody,
}

impl People {
    pub fn new(known: Vec<Known>, target: Option<&str>) -> People {
        let mut by_orcid = HashMap::new();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, k) in known.iter().enumerate() {
            by_id.entry(k.id.clone()).or_insert(i);
            if let Some(o) = &k.orcid {
                by_orcid.entry(o.clone()).or_insert(i);
            }
            for n in std::iter::once(&k.name).chain(&k.aliases) {
                let v = by_name.entry(fold_name(n)).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        let target = target
            .and_then(|t| known.iter().position(|k| k.id == t))
            .map(|i| {
                let k = &known[i];
                let variants = std::iter::once(&k.name)
                    .chain(&k.aliases)
                    .map(|n| {
                        let p = Person::from_display(n);
                        (p.given, family_key(&p.family))
                    })
                    .collect();
                (i, variants)
            });
        People {
            known,
            by_id,
            by_orcid,
            by_name,
            target,
        }
    }

    /// The researcher with this id.
    pub fn get(&self, id: &str) -> Option<&Known> {
        self.by_id.get(id).map(|&i| &self.known[i])
    }

    pub fn add(&mut self, k: Known) -> usize {
        let i = self.known.len();
        self.by_id.entry(k.id.clone()).or_insert(i);
        if let Some(o) = &k.orcid {
            self.by_orcid.entry(o.clone()).or_insert(i);
        }
        for n in std::iter::once(&k.name).chain(&k.aliases) {
            self.by_name.entry(fold_name(n)).or_default().push(i);
        }
        self.known.push(k);
        i
    }

    /// Links each author of one entry. The `--researcher` is then found
    /// among the unlinked authors by name variant; `target_found` says
    /// whether the entry names them at all.
    pub fn link(&self, authors: &[Person]) -> (Vec<Link>, bool) {
        let mut links: Vec<Link> = authors.iter().map(|a| self.exact(a)).collect();
        let Some((t, variants)) = &self.target else {
            return (links, true);
        };
        if links
            .iter()
            .any(|l| matches!(l, Link::Researcher(r) if r == t))
        {
            return (links, true);
        }
        for (a, l) in authors.iter().zip(links.iter_mut()) {
            if matches!(l, Link::Researcher(_))
                || a.orcid
                    .as_ref()
                    .is_some_and(|o| self.known[*t].orcid.as_ref().is_some_and(|k| k != o))
            {
                continue;
            }
            // The owner of an ORCID record whose name the document omits.
            if a.family.is_empty() && a.given.is_empty() && a.orcid.is_some() {
                *l = Link::Researcher(*t);
                return (links, true);
            }
            let fam = family_key(&a.family);
            if !fam.is_empty()
                && variants
                    .iter()
                    .any(|(g, f)| *f == fam && given_compatible(g, &a.given))
            {
                *l = Link::Researcher(*t);
                return (links, true);
            }
        }
        (links, false)
    }

    fn exact(&self, a: &Person) -> Link {
        if let Some(&r) = a.orcid.as_ref().and_then(|o| self.by_orcid.get(o)) {
            return Link::Researcher(r);
        }
        match self
            .by_name
            .get(&fold_name(&a.display()))
            .map(Vec::as_slice)
        {
            None | Some([]) => Link::Nobody,
            Some([one]) => {
                // An ORCID that differs from the researcher's is another person.
                match (&a.orcid, &self.known[*one].orcid) {
                    (Some(x), Some(y)) if x != y => Link::Nobody,
                    _ => Link::Researcher(*one),
                }
            }
            Some(many) => Link::Ambiguous(many.to_vec()),
        }
    }
}

/// Counts of how authors were linked, for the report.
#[derive(Default)]
pub struct Tally {
    pub linked: BTreeMap<String, usize>,
    pub name_only: usize,
    /// name → the researcher ids it could be.
    pub ambiguous: BTreeMap<String, Vec<String>>,
}
