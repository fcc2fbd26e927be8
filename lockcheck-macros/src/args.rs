//! The attribute's arguments: `lock, read(lock), write(lock), "class"`.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Lit, Token};

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Contract {
    Requires,
    Excludes,
}

impl Contract {
    pub(crate) fn attr_name(self) -> &'static str {
        match self {
            Contract::Requires => "requires_lock",
            Contract::Excludes => "excludes_lock",
        }
    }
}

/// How the lock must be held.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Need {
    Any,
    Read,
    Write,
}

/// One argument.
pub(crate) struct LockArg {
    pub(crate) expr: Expr,
    pub(crate) need: Need,
    /// The whole argument as written (`read(self.x)`), for spans.
    pub(crate) tokens: TokenStream,
}

impl LockArg {
    /// The lock expression as written, for messages and comparisons.
    pub(crate) fn text(&self) -> String {
        normalize(&self.expr.to_token_stream())
    }

    /// Whether the argument names a class (a string literal) rather than an instance.
    pub(crate) fn is_class(&self) -> bool {
        matches!(&self.expr, Expr::Lit(l) if matches!(l.lit, Lit::Str(_)))
    }
}

/// Token text with the spacing `quote` inserts taken out: `self . x` → `self.x`.
pub(crate) fn normalize(tokens: &TokenStream) -> String {
    let s = tokens.to_string();
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let tight =
                |c: Option<char>| matches!(c, Some('.' | '(' | ')' | '[' | ']' | ':' | '&' | '*'));
            if tight(prev) || tight(next) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Every argument of one attribute.
pub(crate) struct LockArgs {
    pub(crate) kind: Contract,
    pub(crate) locks: Vec<LockArg>,
}

pub(crate) fn parse(kind: Contract, attr: TokenStream) -> syn::Result<LockArgs> {
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

fn parse_one(kind: Contract, input: ParseStream) -> syn::Result<LockArg> {
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
        if kind == Contract::Excludes {
            return Err(syn::Error::new_spanned(
                &tokens,
                format!(
                    "#[excludes_lock] excludes every mode: write `{}` instead of `{id}(..)`",
                    normalize(&expr.to_token_stream())
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
