//! The names of the built browser assets: the stylesheet, the hydration script and the wasm.
//!
//! A release build (`cargo leptos build --release`, `hash-files = true` in the workspace's
//! Leptos metadata) names each after its content (`preau.<hash>.css`) and writes the hashes
//! to `hash.txt` beside the server binary. A name then always means the same bytes, so the
//! server lets browsers keep these files for a year without asking again (`immutable`): a
//! returning visitor downloads nothing but the page, and after a deploy the new page names the
//! new files. Without `hash.txt` (a debug build, the tests' in-process server) the plain names
//! are used and browsers check them at each load.

use std::collections::HashSet;
use std::path::Path;

/// `Cache-Control` of a content-named asset.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The file cargo-leptos writes beside the server binary.
pub const HASH_FILE: &str = "hash.txt";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetNames {
    /// `preau.<hash>.css`, or `preau.css`.
    pub css: String,
    /// Read from `hash.txt`: the names carry their content's hash.
    pub hashed: bool,
    /// The content-named files under the pkg directory (`preau.<hash>.js` ...).
    immutable: HashSet<String>,
}

impl AssetNames {
    /// The plain names of an unhashed build.
    pub fn plain(output_name: &str) -> Self {
        AssetNames { css: format!("{output_name}.css"), hashed: false, immutable: HashSet::new() }
    }

    /// Reads `hash.txt` beside the running binary, or the plain names without one. A hash file
    /// that cannot be read is an error: the pages would name files that do not exist.
    pub fn load(output_name: &str) -> anyhow::Result<Self> {
        let Some(path) = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|d| d.join(HASH_FILE))) else {
            return Ok(Self::plain(output_name));
        };
        Self::load_from(&path, output_name)
    }

    fn load_from(path: &Path, output_name: &str) -> anyhow::Result<Self> {
        if !path.exists() {
            return Ok(Self::plain(output_name));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading the asset hashes {}: {e}", path.display()))?;
        Self::parse(output_name, &text)
            .ok_or_else(|| anyhow::anyhow!("{} names no js, wasm and css hashes", path.display()))
    }

    /// The names written in a hash file (`js: <hash>`, `wasm: <hash>`, `css: <hash>`, one per
    /// line, as cargo-leptos writes them); `None` unless all three are there.
    pub fn parse(output_name: &str, text: &str) -> Option<Self> {
        let hash_of = |kind: &str| {
            text.lines().find_map(|line| {
                let (k, v) = line.split_once(':')?;
                let v = v.trim();
                let safe = !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                (k.trim() == kind && safe).then(|| v.to_string())
            })
        };
        let names: Vec<String> = ["js", "wasm", "css"]
            .into_iter()
            .map(|kind| hash_of(kind).map(|h| format!("{output_name}.{h}.{kind}")))
            .collect::<Option<_>>()?;
        Some(AssetNames { css: names[2].clone(), hashed: true, immutable: names.into_iter().collect() })
    }

    /// Is `path` (`/pkg/preau.<hash>.wasm`) a content-named asset under `pkg_dir` (`pkg`)?
    pub fn is_immutable(&self, pkg_dir: &str, path: &str) -> bool {
        path.strip_prefix('/')
            .and_then(|p| p.strip_prefix(pkg_dir))
            .and_then(|p| p.strip_prefix('/'))
            .is_some_and(|file| self.immutable.contains(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASHES: &str = "js: Ab3_x-9\nwasm: Zz01\ncss: c55Q\n";

    #[test]
    fn a_hash_file_names_each_asset_after_its_content() -> anyhow::Result<()> {
        let names = AssetNames::parse("preau", HASHES).ok_or_else(|| anyhow::anyhow!("three hashes"))?;
        assert_eq!(names.css, "preau.c55Q.css");
        assert!(names.hashed);
        for path in ["/pkg/preau.Ab3_x-9.js", "/pkg/preau.Zz01.wasm", "/pkg/preau.c55Q.css"] {
            assert!(names.is_immutable("pkg", path), "{path}");
        }
        for path in ["/pkg/preau.js", "/pkg/preau.css", "/pkg/snippets/x.js", "/preau.c55Q.css", "/pkgpreau.c55Q.css"] {
            assert!(!names.is_immutable("pkg", path), "{path}");
        }
        Ok(())
    }

    #[test]
    fn an_incomplete_or_odd_hash_file_is_refused() {
        assert_eq!(AssetNames::parse("preau", "js: a\nwasm: b\n"), None);
        assert_eq!(AssetNames::parse("preau", "js: a\nwasm: b\ncss: ../x\n"), None);
        assert_eq!(AssetNames::parse("preau", ""), None);
    }

    #[test]
    fn without_a_hash_file_the_plain_names_are_checked_at_each_load() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("preau-assets-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(HASH_FILE);
        let _ = std::fs::remove_file(&path);
        let plain = AssetNames::load_from(&path, "preau")?;
        assert_eq!((plain.css.as_str(), plain.hashed), ("preau.css", false));
        assert!(!plain.is_immutable("pkg", "/pkg/preau.css"));
        std::fs::write(&path, HASHES)?;
        assert_eq!(AssetNames::load_from(&path, "preau")?.css, "preau.c55Q.css");
        std::fs::write(&path, "css: only\n")?;
        assert!(AssetNames::load_from(&path, "preau").is_err());
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
