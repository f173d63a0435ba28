//! What a call has read from the profile, by path, so that each value is
//! read once per call (`Input` in `src/profile.rs` keeps one of these).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use crate::profile::Root;
use crate::template::index::ListIndex;
use crate::value::{Val, Value};

/// Everything a call has read, by path: the node (to read members from), its
/// value, and a list's items once a template went through them.
pub(crate) struct Reads<N> {
    person: Paths<N>,
    event: Paths<N>,
}

impl<N> Default for Reads<N> {
    fn default() -> Self {
        Reads {
            person: Paths::default(),
            event: Paths::default(),
        }
    }
}

/// Reads by path. Paths are a template's own keys and list indices (never
/// keys chosen by the profile), so a fast unkeyed hash is safe.
pub(crate) type Paths<N> = HashMap<Vec<String>, Read<N>, BuildHasherDefault<PathHasher>>;

#[derive(Default)]
pub(crate) struct PathHasher(u64);

impl Hasher for PathHasher {
    /// A key's length and at most its first and last 8 bytes: constant
    /// time per key (keys that share both only cost an extra compare).
    fn write(&mut self, bytes: &[u8]) {
        let fold = |part: &[u8]| part.iter().fold(0u64, |w, b| (w << 8) | u64::from(*b));
        let head = fold(bytes.get(..8).unwrap_or(bytes));
        let tail = fold(bytes.get(bytes.len().saturating_sub(8)..).unwrap_or(bytes));
        self.0 = (self.0.rotate_left(5) ^ head ^ tail.rotate_left(29) ^ bytes.len() as u64)
            .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// One path read: its node (`None`: missing), its value, and for a list its
/// items and index once a template needed them.
pub(crate) struct Read<N> {
    pub node: Option<N>,
    pub value: Value,
    pub items: Option<Rc<[Val]>>,
    pub index: Option<Rc<ListIndex>>,
}

impl<N> Reads<N> {
    pub fn of(&self, root: Root) -> &Paths<N> {
        match root {
            Root::Person => &self.person,
            Root::Event => &self.event,
        }
    }

    pub fn of_mut(&mut self, root: Root) -> &mut Paths<N> {
        match root {
            Root::Person => &mut self.person,
            Root::Event => &mut self.event,
        }
    }
}
