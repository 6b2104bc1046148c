//! Locating semantic problems in YAML artifacts: source maps built lazily, once per file, only
//! when a diagnostic needs a position.

use std::cell::RefCell;
use std::collections::BTreeMap;

use secfw_artifacts::LoadedWorkspace;
use secfw_artifacts::Pos;
use secfw_artifacts::yaml::{Seg, SourceMap};

/// Finds line and column of paths in the workspace's YAML artifacts.
pub struct Locator<'a> {
    ws: &'a LoadedWorkspace,
    maps: RefCell<BTreeMap<String, Option<SourceMap>>>,
}

impl<'a> Locator<'a> {
    /// A locator over a loaded workspace.
    pub fn new(ws: &'a LoadedWorkspace) -> Self {
        Self { ws, maps: RefCell::new(BTreeMap::new()) }
    }

    /// The workspace.
    pub fn workspace(&self) -> &'a LoadedWorkspace {
        self.ws
    }

    /// Position of the value at `path` in `file` (the deepest existing prefix when the exact
    /// path is absent); `None` when the file was not read or does not parse.
    pub fn pos(&self, file: &str, path: &[Seg]) -> Option<Pos> {
        let mut maps = self.maps.borrow_mut();
        let map = maps.entry(file.to_owned()).or_insert_with(|| self.ws.source_map(file));
        map.as_ref().map(|m| m.nearest(path))
    }

    /// Position of the first of several candidate paths that exists exactly, else the nearest
    /// prefix of the first.
    pub fn pos_any(&self, file: &str, paths: &[Vec<Seg>]) -> Option<Pos> {
        let mut maps = self.maps.borrow_mut();
        let map = maps.entry(file.to_owned()).or_insert_with(|| self.ws.source_map(file));
        let m = map.as_ref()?;
        paths.iter().find_map(|p| m.pos(p)).or_else(|| paths.first().map(|p| m.nearest(p)))
    }
}
