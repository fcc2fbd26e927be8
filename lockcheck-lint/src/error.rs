//! What can go wrong around the lint (never a finding: those are [`Finding`](crate::rules::Finding)s).

use std::fmt;
use std::path::PathBuf;

/// An error that stops `cargo lockcheck` before or after the analysis.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// `cargo metadata` failed for a manifest (no manifest, not a workspace, cargo missing).
    Metadata {
        /// The manifest given.
        manifest: PathBuf,
        /// What cargo said.
        source: cargo_metadata::Error,
    },
    /// A file or directory could not be read or written.
    Io {
        /// Which.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A baseline file is not a baseline.
    Baseline {
        /// Which.
        path: PathBuf,
        /// What the JSON reader said.
        source: serde_json::Error,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Metadata { manifest, source } => write!(
                f,
                "cargo metadata failed for {}: {source}",
                manifest.display()
            ),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Baseline { path, source } => {
                write!(f, "{}: not a baseline: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Metadata { source, .. } => Some(source),
            Error::Io { source, .. } => Some(source),
            Error::Baseline { source, .. } => Some(source),
        }
    }
}
