//! A place in the source, as reports name it.

use std::borrow::Cow;
use std::fmt;
use std::panic::Location;

/// A place in the source: `file:line:column`.
///
/// # Examples
///
/// ```
/// let site = lockcheck_runtime::Site::new("src/proc.rs", 305, 9);
/// assert_eq!(site.to_string(), "src/proc.rs:305:9");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Site {
    /// The file, as the compiler named it (borrowed from the compiler's `Location` when it
    /// came from one: a report of a long cycle does not copy the same file name thousands of
    /// times).
    pub file: Cow<'static, str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Site {
    /// A site at `file:line:column`.
    pub fn new(file: impl Into<Cow<'static, str>>, line: u32, column: u32) -> Self {
        Site {
            file: file.into(),
            line,
            column,
        }
    }
}

impl From<&'static Location<'static>> for Site {
    fn from(l: &'static Location<'static>) -> Self {
        Site {
            file: Cow::Borrowed(l.file()),
            line: l.line(),
            column: l.column(),
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            crate::shown::shown(&self.file),
            self.line,
            self.column
        )
    }
}
