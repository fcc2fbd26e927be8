//! The Rust edition a crate is written in: edition 2024 changed two of the temporary-scope
//! rules guard lifetimes follow (`guards/`), so the lint reads it from the crate's manifest.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// A Rust edition, as far as drop order goes.
///
/// ```
/// use lockcheck_lint::Edition;
/// let e: Edition = "2024".parse().unwrap();
/// assert!(e.drops_if_let_before_else());
/// assert!(!Edition::E2021.drops_if_let_before_else());
/// assert!("2019".parse::<Edition>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    /// Rust 2015 (cargo's default when a manifest names none).
    E2015,
    /// Rust 2018.
    E2018,
    /// Rust 2021: the lint's default when no manifest is found.
    #[default]
    E2021,
    /// Rust 2024.
    E2024,
}

impl Edition {
    /// Edition 2024: an `if let` scrutinee's temporaries drop before its `else` block runs.
    pub fn drops_if_let_before_else(self) -> bool {
        self >= Edition::E2024
    }

    /// Edition 2024: a block's tail-expression temporaries drop at the end of the block, before
    /// its locals, instead of living to the end of the enclosing statement.
    pub fn drops_tail_temporaries_in_block(self) -> bool {
        self >= Edition::E2024
    }

    /// The edition of the package whose manifest is the nearest `Cargo.toml` at or above `path`
    /// (its `[package] edition`, or the workspace's `[workspace.package] edition` when it says
    /// `edition.workspace = true`); `None` when no manifest says.
    ///
    /// A plain scan of the manifest's lines, not a TOML parser: it reads the forms cargo writes
    /// and people use (`edition = "2021"`, `edition.workspace = true`).
    pub fn of_path(path: &Path) -> Option<Edition> {
        let start = if path.is_dir() { path } else { path.parent()? };
        let mut dirs = start.ancestors();
        let manifest = dirs.find(|d| d.join("Cargo.toml").is_file())?;
        let text = std::fs::read_to_string(manifest.join("Cargo.toml")).ok()?;
        match manifest_edition(&text, "package") {
            Some(Declared::Edition(e)) => Some(e),
            Some(Declared::FromWorkspace) => manifest.ancestors().skip(1).find_map(|d| {
                let text = std::fs::read_to_string(d.join("Cargo.toml")).ok()?;
                match manifest_edition(&text, "workspace.package")? {
                    Declared::Edition(e) => Some(e),
                    Declared::FromWorkspace => None,
                }
            }),
            // A package that names no edition is 2015, as cargo reads it.
            None if text.lines().any(|l| l.trim() == "[package]") => Some(Edition::E2015),
            None => None,
        }
    }
}

enum Declared {
    Edition(Edition),
    FromWorkspace,
}

/// The `edition` key of the manifest table `[table]`.
fn manifest_edition(text: &str, table: &str) -> Option<Declared> {
    let header = format!("[{table}]");
    let mut inside = false;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            inside = line == header;
            continue;
        }
        if !inside {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key == "edition.workspace" && value == "true" {
            return Some(Declared::FromWorkspace);
        }
        if key == "edition" {
            if value.starts_with('{') && value.contains("workspace") {
                return Some(Declared::FromWorkspace);
            }
            return value.trim_matches('"').parse().ok().map(Declared::Edition);
        }
    }
    None
}

impl FromStr for Edition {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "2015" => Ok(Edition::E2015),
            "2018" => Ok(Edition::E2018),
            "2021" => Ok(Edition::E2021),
            "2024" => Ok(Edition::E2024),
            other => Err(format!(
                "unknown edition `{other}` (2015, 2018, 2021 or 2024)"
            )),
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Edition::E2015 => "2015",
            Edition::E2018 => "2018",
            Edition::E2021 => "2021",
            Edition::E2024 => "2024",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_package_table_only() {
        let m =
            "[package]\nname = \"x\"\nedition = \"2024\" # new\n[dependencies]\nedition = \"1\"\n";
        assert!(matches!(
            manifest_edition(m, "package"),
            Some(Declared::Edition(Edition::E2024))
        ));
        let m = "[dependencies]\nedition = \"2018\"\n[package]\nname = \"x\"\n";
        assert!(manifest_edition(m, "package").is_none());
        let m = "[package]\nedition.workspace = true\n";
        assert!(matches!(
            manifest_edition(m, "package"),
            Some(Declared::FromWorkspace)
        ));
        let m = "[workspace.package]\nedition = \"2018\"\n";
        assert!(matches!(
            manifest_edition(m, "workspace.package"),
            Some(Declared::Edition(Edition::E2018))
        ));
    }
}
