//! The actor dictionary: alias → canonical speaker → side.

/// A known speaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub canonical: String,
    pub side: String,
}

/// Alias look-up for canonical speakers and their sides.
#[derive(Debug, Clone, Default)]
pub struct Actors {
    entries: Vec<(String, Actor)>,
}

impl Actors {
    /// The dictionary shipped in `labels/actors.csv`.
    pub fn builtin() -> Actors {
        Actors::default()
    }

    /// The actor an alias names, if known.
    pub fn lookup(&self, alias: &str) -> Option<&Actor> {
        self.entries.iter().find(|(a, _)| a == alias).map(|(_, x)| x)
    }
}
