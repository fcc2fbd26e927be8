//! The contract attributes and their arguments: `#[requires_lock(lock, read(lock), write(lock),
//! "class")]` and `#[excludes_lock(lock, "class")]`; and `assert_held!`'s one argument.
//!
//! Every error points at the offending tokens and says what to write instead: the macros emit it
//! as a compile error; the lint skips a contract that does not parse (the compiler reports it).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Lit, Token};

use crate::text::normalized;

/// Which attribute states the contract.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ContractKind {
    /// `#[requires_lock]`: the lock must be held.
    Requires,
    /// `#[excludes_lock]`: the lock must not be held.
    Excludes,
}

impl ContractKind {
    /// Both kinds.
    pub const ALL: [ContractKind; 2] = [ContractKind::Requires, ContractKind::Excludes];

    /// The attribute's name.
    pub fn attr_name(self) -> &'static str {
        match self {
            ContractKind::Requires => "requires_lock",
            ContractKind::Excludes => "excludes_lock",
        }
    }

    /// The other kind.
    pub fn other(self) -> ContractKind {
        match self {
            ContractKind::Requires => ContractKind::Excludes,
            ContractKind::Excludes => ContractKind::Requires,
        }
    }

    /// Whether `attr` is this contract attribute, by any path ending in its name
    /// (`#[requires_lock]`, `#[lockcheck::requires_lock]`).
    ///
    /// # Examples
    ///
    /// ```
    /// use lockcheck_syntax::contract::ContractKind;
    ///
    /// let attr: syn::Attribute = syn::parse_quote!(#[lockcheck::requires_lock(SCHED)]);
    /// assert!(ContractKind::Requires.names(&attr));
    /// assert!(!ContractKind::Excludes.names(&attr));
    /// ```
    pub fn names(self, attr: &syn::Attribute) -> bool {
        attr.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == self.attr_name())
    }
}

/// How the lock must be held.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Need {
    /// In any mode.
    Any,
    /// `read(..)`: for reading at least (a write hold meets it).
    Read,
    /// `write(..)`: for writing.
    Write,
}

/// One argument of a contract.
#[derive(Clone)]
pub struct LockArg {
    /// The lock expression (or the class name, a string literal).
    pub expr: Expr,
    /// How it must be held.
    pub need: Need,
    /// The whole argument as written (`read(self.x)`), for spans.
    pub tokens: TokenStream,
}

impl LockArg {
    /// The lock expression's normalised text, for messages and comparisons.
    pub fn text(&self) -> String {
        normalized(&self.expr)
    }

    /// The class name, when the argument names a class (a string literal) rather than an
    /// instance.
    pub fn class_name(&self) -> Option<String> {
        match &self.expr {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        }
    }

    /// Whether the argument names a class rather than an instance.
    pub fn is_class(&self) -> bool {
        self.class_name().is_some()
    }
}

/// Every argument of one attribute.
#[derive(Clone)]
pub struct LockArgs {
    /// Which attribute.
    pub kind: ContractKind,
    /// Its arguments, in order (never empty).
    pub locks: Vec<LockArg>,
}

/// Parses an attribute's argument tokens (what a proc-macro attribute receives).
///
/// # Errors
///
/// No argument, an argument that is not a lock expression or a class string, `read`/`write`
/// with other than one lock or in `#[excludes_lock]`, a lock named twice.
///
/// # Examples
///
/// ```
/// use lockcheck_syntax::contract::{parse_args, ContractKind};
///
/// let Err(err) = parse_args(ContractKind::Excludes, quote::quote!(read(x))) else {
///     unreachable!("`read(..)` excludes nothing");
/// };
/// assert!(err.to_string().contains("excludes every mode"));
/// ```
pub fn parse_args(kind: ContractKind, attr: TokenStream) -> syn::Result<LockArgs> {
    if attr.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            format!(
                "#[{}] needs at least one lock: write #[{}(lock)], e.g. #[{}(self.state)]",
                kind.attr_name(),
                kind.attr_name(),
                kind.attr_name()
            ),
        ));
    }
    let parser = |input: ParseStream| -> syn::Result<LockArgs> {
        let mut locks: Vec<LockArg> = Vec::new();
        loop {
            let arg = parse_one(kind, input)?;
            if let Some(first) = locks.iter().find(|l| l.text() == arg.text()) {
                let mut err = syn::Error::new_spanned(
                    &arg.tokens,
                    format!(
                        "`{}` is named twice in this #[{}]",
                        arg.text(),
                        kind.attr_name()
                    ),
                );
                err.combine(syn::Error::new_spanned(&first.tokens, "first named here"));
                return Err(err);
            }
            locks.push(arg);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break; // a trailing comma
            }
        }
        Ok(LockArgs { kind, locks })
    };
    parser.parse2(attr)
}

/// Parses a contract attribute as it stands on an item (`#[requires_lock(x)]`); a bare
/// `#[requires_lock]` is the "needs at least one lock" error.
///
/// # Errors
///
/// As [`parse_args`]; also a `#[requires_lock = ..]` form.
pub fn parse_attr(kind: ContractKind, attr: &syn::Attribute) -> syn::Result<LockArgs> {
    match &attr.meta {
        syn::Meta::List(l) => parse_args(kind, l.tokens.clone()),
        syn::Meta::Path(_) => parse_args(kind, TokenStream::new()),
        syn::Meta::NameValue(nv) => Err(syn::Error::new_spanned(
            nv,
            format!("write #[{}(lock)]", kind.attr_name()),
        )),
    }
}

/// Parses `assert_held!`'s argument: one lock, optionally in `read(..)`/`write(..)`, with an
/// optional trailing comma.
///
/// # Errors
///
/// As one argument of [`parse_args`].
///
/// # Examples
///
/// ```
/// use lockcheck_syntax::contract::{parse_assertion, Need};
///
/// let arg = parse_assertion(quote::quote!(write(self.inner))).unwrap();
/// assert_eq!((arg.text().as_str(), arg.need), ("self.inner", Need::Write));
/// ```
pub fn parse_assertion(tokens: TokenStream) -> syn::Result<LockArg> {
    let parser = |input: ParseStream| -> syn::Result<LockArg> {
        let arg = parse_one(ContractKind::Requires, input)?;
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
        Ok(arg)
    };
    parser.parse2(tokens)
}

fn parse_one(kind: ContractKind, input: ParseStream) -> syn::Result<LockArg> {
    let fork = input.fork();
    let mode = match fork.parse::<syn::Ident>() {
        Ok(id) if (id == "read" || id == "write") && fork.peek(syn::token::Paren) => Some(id),
        _ => None,
    };
    if let Some(id) = mode {
        input.parse::<syn::Ident>()?;
        let content;
        let parens = syn::parenthesized!(content in input);
        let expr: Expr = content.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected a lock expression inside `{id}(..)`"),
            )
        })?;
        if !content.is_empty() {
            return Err(content.error(format!("`{id}(..)` takes one lock")));
        }
        let mut tokens = id.to_token_stream();
        parens.surround(&mut tokens, |t| expr.to_tokens(t));
        if kind == ContractKind::Excludes {
            return Err(syn::Error::new_spanned(
                &tokens,
                format!(
                    "#[excludes_lock] excludes every mode: write `{}` instead of `{id}(..)`",
                    normalized(&expr)
                ),
            ));
        }
        let need = if id == "read" {
            Need::Read
        } else {
            Need::Write
        };
        return Ok(LockArg { expr, need, tokens });
    }
    if input.peek(Token![,]) {
        return Err(input.error("expected a lock expression before `,`"));
    }
    let expr: Expr = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected a lock expression: a parameter, `self.field`, a static, or a class name in quotes",
        )
    })?;
    if let Expr::Lit(l) = &expr {
        if !matches!(l.lit, Lit::Str(_)) {
            return Err(syn::Error::new_spanned(
                &expr,
                "a literal names a lock class only as a string: write `\"name\"`",
            ));
        }
    }
    let tokens = expr.to_token_stream();
    Ok(LockArg {
        expr,
        need: Need::Any,
        tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn every_form_parses_to_its_lock_and_need() {
        let args = parse_args(
            ContractKind::Requires,
            quote!(self.a, read(b), write(crate::C), "class", m[0],),
        )
        .unwrap();
        let got: Vec<(String, Need, bool)> = args
            .locks
            .iter()
            .map(|l| (l.text(), l.need, l.is_class()))
            .collect();
        assert_eq!(
            got,
            [
                ("self.a".to_owned(), Need::Any, false),
                ("b".to_owned(), Need::Read, false),
                ("crate::C".to_owned(), Need::Write, false),
                ("\"class\"".to_owned(), Need::Any, true),
                ("m[0]".to_owned(), Need::Any, false),
            ]
        );
    }

    #[test]
    fn misuse_is_an_error() {
        for (kind, tokens) in [
            (ContractKind::Requires, quote!()),
            (ContractKind::Requires, quote!(, a)),
            (ContractKind::Requires, quote!(a, a)),
            (ContractKind::Requires, quote!(read(a, b))),
            (ContractKind::Requires, quote!(read())),
            (ContractKind::Requires, quote!(1)),
            (ContractKind::Excludes, quote!(write(a))),
        ] {
            assert!(parse_args(kind, tokens.clone()).is_err(), "{tokens}");
        }
    }

    #[test]
    fn an_attribute_is_parsed_as_its_arguments() {
        let attr: syn::Attribute = syn::parse_quote!(#[requires_lock(read(self.x))]);
        let args = parse_attr(ContractKind::Requires, &attr).unwrap();
        assert_eq!(args.locks[0].need, Need::Read);
        let bare: syn::Attribute = syn::parse_quote!(#[requires_lock]);
        assert!(parse_attr(ContractKind::Requires, &bare).is_err());
    }
}
