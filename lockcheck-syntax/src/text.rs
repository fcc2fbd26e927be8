//! The normalised text of an expression: how a lock is named in messages, and how two
//! expressions are compared (`self . x` and `self.x` are one lock).

use quote::ToTokens;

/// The tokens' text with the spacing `quote` inserts taken out around `.`, `::`, brackets,
/// `&`, `*` and `!`: `self . sched` → `self.sched`, `& * x` → `&*x`, `m ! (x)` → `m!(x)`.
///
/// # Examples
///
/// ```
/// let e: syn::Expr = syn::parse_quote!(self.m.sched.lock);
/// assert_eq!(lockcheck_syntax::text::normalized(&e), "self.m.sched.lock");
/// let e: syn::Expr = syn::parse_quote!(&*SCHED);
/// assert_eq!(lockcheck_syntax::text::normalized(&e), "&*SCHED");
/// ```
pub fn normalized(tokens: &impl ToTokens) -> String {
    let s = tokens.to_token_stream().to_string();
    let chars: Vec<char> = s.chars().collect();
    let tight =
        |c: Option<&char>| matches!(c, Some('.' | '(' | ')' | '[' | ']' | ':' | '&' | '*' | '!'));
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' '
            && (tight(i.checked_sub(1).and_then(|j| chars.get(j))) || tight(chars.get(i + 1)))
        {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalized;

    #[test]
    fn spacing_is_taken_out_where_quote_adds_it() {
        let cases: &[(syn::Expr, &str)] = &[
            (syn::parse_quote!(self.state), "self.state"),
            (
                syn::parse_quote!(crate::sched::SCHED),
                "crate::sched::SCHED",
            ),
            (syn::parse_quote!(m[0].lock), "m[0].lock"),
            (syn::parse_quote!(*self.inner), "*self.inner"),
            (syn::parse_quote!(lock_of!(x)), "lock_of!(x)"),
            (syn::parse_quote!("sched"), "\"sched\""),
        ];
        for (e, want) in cases {
            assert_eq!(normalized(e), *want);
        }
    }
}
