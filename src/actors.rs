//! The actor dictionary: alias → canonical speaker → side.
//!
//! The dictionary is a CSV file (`labels/actors.csv` is built in) with the
//! columns `alias,canonical,side`; lines starting with `#` are comments. A
//! row names one way an actor is written (`Mr Peskov`, `Peskov`, `the
//! Kremlin spokesman` is *not* an alias: descriptions are resolved from the
//! article) and the canonical speaker and side it stands for. The canonical
//! name is always an alias of itself.
//!
//! A row whose canonical is `*` is a *descriptor*: a word or phrase that, in a
//! speaker's description, tells their side (`russian,*,RU`, `nato,*,WEST`).
//! Descriptors give a side to speakers the dictionary does not know
//! (`Russian Deputy Foreign Minister Sergei Ryabkov`, `a US official`).
//!
//! Aliases are matched after [`normalize`]: case, periods, a leading `the`, a
//! trailing possessive and curly apostrophes do not matter, so `U.S. State
//! Department`, `the US state department` and `US State Department's` are one
//! alias. The same alias mapped to two different canonical speakers or sides
//! is an error that names both lines: the dictionary must be unambiguous.

use anyhow::{bail, Context, Result};
use crate::features::FxMap;
use std::path::Path;

/// The canonical column value that marks a descriptor row.
pub const DESCRIPTOR: &str = "*";

/// A known speaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub canonical: String,
    pub side: String,
}

/// Where a dictionary row came from, for error messages (`labels/actors.csv:12`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    file: String,
    line: u64,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Alias look-up for canonical speakers and their sides.
///
/// The maps are hashed (FxHash), not ordered: a description is looked up
/// phrase by phrase for every speaker resolved, and a B-tree's string
/// comparisons showed in `score`'s profile. Nothing iterates them into
/// output; where an error names one of several entries, it takes the
/// smallest key, as the ordered maps did.
#[derive(Debug, Clone, Default)]
pub struct Actors {
    /// Normalized alias → actor and the row that defined it.
    aliases: FxMap<String, (Actor, Origin)>,
    /// Normalized descriptor → side and the row that defined it.
    descriptors: FxMap<String, (String, Origin)>,
    /// Most words in any alias or descriptor, to bound phrase scans.
    max_words: usize,
}

/// The alias key: lowercase, no periods, straight apostrophes, no leading
/// `the`, no trailing `'s`, single spaces.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    normalize_into(s, &mut out);
    out
}

/// [`normalize`] written into `out` (cleared first), in one pass and
/// without the word list and the joined copy of the first version (three
/// allocations on every dictionary look-up, some of the busiest in
/// attribution); tested to agree with it.
pub fn normalize_into(s: &str, out: &mut String) {
    out.clear();
    // A run of whitespace is one space, written only when a char follows
    // it, so there is none at either end.
    let mut space = false;
    for c in s.chars() {
        if c == '.' {
            continue;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            '\u{2019}' | '\u{2018}' => out.push('\''),
            // An ASCII char is lowercased as ASCII (the same char; no
            // `ToLowercase` iterator per char).
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    // `the` as the first of two or more words.
    if out.starts_with("the ") {
        out.drain(..4);
    }
    if out.ends_with("'s") {
        out.truncate(out.len() - 2);
    } else if out.ends_with("s'") {
        out.truncate(out.len() - 1);
    }
}

/// One whitespace-free word as `normalize` maps its characters.
fn normalize_word(w: &str) -> String {
    let mut t = String::with_capacity(w.len());
    for c in w.chars() {
        match c {
            '.' => {}
            '\u{2019}' | '\u{2018}' => t.push('\''),
            c if c.is_ascii() => t.push(c.to_ascii_lowercase()),
            c => t.extend(c.to_lowercase()),
        }
    }
    t
}

/// `normalize` of the phrase whose words were each put through
/// `normalize_word`, written into `out`.
fn phrase_key(words: &[String], out: &mut String) {
    out.clear();
    let mut kept = words.iter().filter(|w| !w.is_empty()).peekable();
    let count = words.iter().filter(|w| !w.is_empty()).count();
    if count > 1 && kept.peek().is_some_and(|w| *w == "the") {
        kept.next();
    }
    for (k, w) in kept.enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.ends_with("'s") {
        out.truncate(out.len() - 2);
    } else if out.ends_with("s'") {
        out.truncate(out.len() - 1);
    }
}

impl Actors {
    /// The dictionary shipped in `labels/actors.csv`.
    pub fn builtin() -> Actors {
        // The shipped file is checked by a unit test, so this cannot fail at run time.
        Actors::parse(include_str!("../labels/actors.csv"), "labels/actors.csv")
            .expect("labels/actors.csv is valid (checked by the actors unit tests)")
    }

    /// Loads a user dictionary file (same format as `labels/actors.csv`).
    pub fn from_csv(path: &Path) -> Result<Actors> {
        let src = std::fs::read_to_string(path)
            .with_context(|| format!("reading actor dictionary {}", path.display()))?;
        Actors::parse(&src, &path.display().to_string())
    }

    /// Parses dictionary CSV text; `origin` names it in errors.
    pub fn parse(src: &str, origin: &str) -> Result<Actors> {
        let mut rdr = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(src.as_bytes());
        let headers = rdr
            .headers()
            .with_context(|| format!("{origin}: reading the header line"))?
            .clone();
        let want = ["alias", "canonical", "side"];
        if headers.len() < 3 || headers.iter().take(3).zip(want).any(|(h, w)| !h.eq_ignore_ascii_case(w)) {
            bail!(
                "{origin}: the header must be `alias,canonical,side`, found `{}`",
                headers.iter().collect::<Vec<_>>().join(",")
            );
        }
        let mut actors = Actors::default();
        for rec in rdr.records() {
            let rec = rec.with_context(|| format!("{origin}: malformed CSV"))?;
            let line = rec.position().map_or(0, |p| p.line());
            let at = Origin { file: origin.to_string(), line };
            if rec.len() < 3 {
                bail!("{at}: expected 3 columns (alias,canonical,side), found {}", rec.len());
            }
            let (alias, canonical, side) = (&rec[0], &rec[1], &rec[2]);
            if alias.is_empty() || canonical.is_empty() || side.is_empty() {
                bail!("{at}: alias, canonical and side must all be non-empty");
            }
            if canonical == DESCRIPTOR {
                actors.add_descriptor(alias, side, at)?;
            } else {
                let actor = Actor { canonical: canonical.to_string(), side: side.to_string() };
                actors.add_alias(canonical, &actor, at.clone())?;
                actors.add_alias(alias, &actor, at)?;
            }
        }
        Ok(actors)
    }

    fn add_alias(&mut self, alias: &str, actor: &Actor, at: Origin) -> Result<()> {
        let key = normalize(alias);
        if let Some((old, old_at)) = self.aliases.get(&key) {
            if old != actor {
                bail!(
                    "{at}: alias `{alias}` maps to `{}` ({}), but {old_at} maps it to `{}` ({})",
                    actor.canonical,
                    actor.side,
                    old.canonical,
                    old.side
                );
            }
            return Ok(());
        }
        // One canonical speaker has one side.
        if let Some((old, old_at)) = self
            .aliases
            .iter()
            .filter(|(_, (a, _))| a.canonical == actor.canonical && a.side != actor.side)
            .min_by(|x, y| x.0.cmp(y.0))
            .map(|(_, v)| v)
        {
            bail!(
                "{at}: `{}` has side {}, but {old_at} gives it side {}",
                actor.canonical,
                actor.side,
                old.side
            );
        }
        self.max_words = self.max_words.max(key.split(' ').count());
        self.aliases.insert(key, (actor.clone(), at));
        Ok(())
    }

    fn add_descriptor(&mut self, word: &str, side: &str, at: Origin) -> Result<()> {
        let key = normalize(word);
        if let Some((old, old_at)) = self.descriptors.get(&key) {
            if old != side {
                bail!("{at}: descriptor `{word}` gives side {side}, but {old_at} gives it side {old}");
            }
            return Ok(());
        }
        self.max_words = self.max_words.max(key.split(' ').count());
        self.descriptors.insert(key, (side.to_string(), at));
        Ok(())
    }

    /// Adds every row of `other`; on a conflict `other` wins, so a user file
    /// given with `--actors` can correct the built-in dictionary.
    pub fn extend(&mut self, other: Actors) {
        for (k, v) in other.aliases {
            self.aliases.insert(k, v);
        }
        for (k, v) in other.descriptors {
            self.descriptors.insert(k, v);
        }
        self.max_words = self.max_words.max(other.max_words);
    }

    /// The actor an alias names, if known.
    /// An honorific in front (`Mr Peskov`, `Mrs. Clinton`) is ignored when the
    /// alias with it is not listed.
    pub fn lookup(&self, alias: &str) -> Option<&Actor> {
        // Normalized into a buffer kept per thread: attribution looks up
        // several phrases per quote.
        thread_local!(static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) });
        KEY.with(|k| match k.try_borrow_mut() {
            Ok(mut key) => {
                normalize_into(alias, &mut key);
                self.lookup_key(&key)
            }
            Err(_) => self.lookup_key(&normalize(alias)),
        })
    }

    /// `lookup` of an already normalized key.
    fn lookup_key(&self, key: &str) -> Option<&Actor> {
        if let Some((a, _)) = self.aliases.get(key) {
            return Some(a);
        }
        let (first, rest) = key.split_once(' ')?;
        if matches!(first, "mr" | "mrs" | "ms" | "dr" | "sir" | "dame" | "lord" | "lady" | "madam") {
            return self.aliases.get(rest).map(|(a, _)| a);
        }
        None
    }

    /// The side a descriptor word or phrase gives (`Russian` → RU), if any.
    pub fn descriptor_side(&self, word: &str) -> Option<&str> {
        self.descriptors.get(&normalize(word)).map(|(s, _)| s.as_str())
    }

    /// The side the words of a description give: the first descriptor found
    /// scanning phrases longest first (`Russian embassy to the United States`
    /// is RU, not US, because `russian` comes first).
    pub fn side_of_description(&self, description: &str) -> Option<&str> {
        let words: Vec<&str> = description
            .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
            .filter(|w| !w.is_empty())
            .collect();
        // Each word is normalized once and each phrase key is built in one
        // reused buffer: this runs for every speaker resolved, and building
        // and normalizing every phrase afresh dominated attribution's time.
        let norm: Vec<String> = words.iter().map(|w| normalize_word(w)).collect();
        let mut key = String::new();
        for i in 0..words.len() {
            for n in (1..=self.max_words.min(words.len() - i)).rev() {
                phrase_key(&norm[i..i + n], &mut key);
                if let Some((s, _)) = self.descriptors.get(key.as_str()) {
                    return Some(s.as_str());
                }
                if let Some(a) = self.lookup_key(&key) {
                    // A known actor named inside a description (`Kremlin spokesman`).
                    if n > 1 || words[i].chars().next().is_some_and(char::is_uppercase) {
                        return Some(a.side.as_str());
                    }
                }
            }
        }
        None
    }

    /// Number of aliases (canonical names included) and descriptors.
    pub fn len(&self) -> usize {
        self.aliases.len() + self.descriptors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Longest alias in words.
    pub fn max_alias_words(&self) -> usize {
        self.max_words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_agrees_with_its_word_list_definition() {
        // The first version: map the chars, split, drop a leading `the`,
        // join, strip a trailing `'s`.
        fn by_words(s: &str) -> String {
            let mut t = String::new();
            for c in s.chars() {
                match c {
                    '.' => {}
                    '\u{2019}' | '\u{2018}' => t.push('\''),
                    c if c.is_whitespace() => t.push(' '),
                    c => t.extend(c.to_lowercase()),
                }
            }
            let mut words: Vec<&str> = t.split_whitespace().collect();
            if words.len() > 1 && words[0] == "the" {
                words.remove(0);
            }
            let mut out = words.join(" ");
            if out.ends_with("'s") {
                out.truncate(out.len() - 2);
            } else if out.ends_with("s'") {
                out.truncate(out.len() - 1);
            }
            out
        }
        for s in [
            "", " ", "the", "The", "the ", " the x", "THE  U.S.  State Department’s", "theory x", "the.  x",
            "Mr. Peskov", "Peskov's", "leaders'", "s'", "'s", " . ", "the the", "\tthe\u{a0}Kremlin\n",
            "ÀÉÎ Straße İstanbul’s", "the . x", ".the x", "the’s", "x . ", "Ministry of Foreign Affairs ",
        ] {
            assert_eq!(normalize(s), by_words(s), "{s:?}");
        }
    }

    #[test]
    fn phrase_keys_match_normalize() {
        for phrase in ["The Kremlin's", "the", "U.S. State Department", "Russia’s  Foreign Ministry", "a . b", "the Ministers'", "ΟΔΟΣ Σ"] {
            let words: Vec<String> = phrase.split_whitespace().map(normalize_word).collect();
            let mut key = String::new();
            phrase_key(&words, &mut key);
            assert_eq!(key, normalize(phrase), "{phrase:?}");
        }
    }

    #[test]
    fn builtin_dictionary_parses_and_knows_the_dyad() {
        let a = Actors::builtin();
        assert!(a.len() > 100);
        assert_eq!(a.lookup("Mr. Peskov").unwrap().canonical, "Dmitry Peskov");
        assert_eq!(a.lookup("the Kremlin").unwrap().side, "RU");
        assert_eq!(a.lookup("U.S. State Department").unwrap().side, "US");
        assert_eq!(a.lookup("Zelensky").unwrap().side, "UA");
        assert_eq!(a.lookup("NATO").unwrap().side, "WEST");
    }

    #[test]
    fn normalize_ignores_case_periods_the_and_possessive() {
        assert_eq!(normalize("The U.S.  State Department’s"), "us state department");
        assert_eq!(normalize("Mr. Peskov"), "mr peskov");
        assert_eq!(normalize("the"), "the");
    }

    #[test]
    fn description_sides_come_from_descriptors() {
        let a = Actors::builtin();
        assert_eq!(a.side_of_description("Russian Deputy Foreign Minister"), Some("RU"));
        assert_eq!(a.side_of_description("a US official"), Some("US"));
        assert_eq!(a.side_of_description("NATO Secretary General"), Some("WEST"));
        assert_eq!(a.side_of_description("Ukrainian President"), Some("UA"));
        assert_eq!(a.side_of_description("a local farmer"), None);
    }

    #[test]
    fn conflicting_alias_names_both_lines() {
        let src = "alias,canonical,side\nPutin,Vladimir Putin,RU\nPutin,Someone Else,RU\n";
        let e = Actors::parse(src, "x.csv").unwrap_err().to_string();
        assert!(e.contains("x.csv:3") && e.contains("x.csv:2"), "{e}");
    }

    #[test]
    fn extend_lets_the_user_file_win() {
        let mut a = Actors::builtin();
        let b = Actors::parse("alias,canonical,side\nPeskov,Dmitry Peskov,OTHER\n", "u.csv").unwrap();
        a.extend(b);
        assert_eq!(a.lookup("Peskov").unwrap().side, "OTHER");
    }
}
