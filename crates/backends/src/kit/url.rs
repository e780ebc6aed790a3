//! The one check of a base URL a clerk types (or a vendor hands out).
//!
//! Rules: surrounding white space is trimmed and a trailing slash removed; the scheme is
//! `https`, or `http` only to this computer (127.0.0.0/8, `localhost`, `[::1]`); no user name
//! or password, no query, no fragment. Every refusal is a `Config` error on field `base_url`,
//! in Dutch and English, and names the address the way the connector calls it.

use invoice_desk_core::error::{Error, ErrorCode, Result};
use url::{Host, Url};

/// How a connector names its address in messages.
#[derive(Debug, Clone, Copy)]
pub struct Wording<'a> {
    /// "het omgevingsadres", "het Silvasoft-adres".
    pub what_nl: &'a str,
    /// "the environment URL", "the Silvasoft address".
    pub what_en: &'a str,
    pub example_nl: &'a str,
    pub example_en: &'a str,
}

/// For a shell that does not know the system yet.
pub const GENERIC: Wording<'static> = Wording {
    what_nl: "het adres",
    what_en: "the address",
    example_nl: "https://klant.voorbeeld.nl/omgeving",
    example_en: "https://customer.example.com/environment",
};

/// The field every base URL error is on.
pub const FIELD: &str = "base_url";

/// Checks and normalises a base URL with the generic wording.
pub fn normalize_base_url(raw: &str) -> Result<String> {
    normalize_base_url_as(raw, &GENERIC)
}

/// Whether a URL's host is this computer: 127.0.0.0/8, `::1` or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.');
            d.eq_ignore_ascii_case("localhost")
        }
        None => false,
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Checks and normalises a base URL: `https://host[:port][/path]`, no trailing slash.
pub fn normalize_base_url_as(raw: &str, w: &Wording<'_>) -> Result<String> {
    let config = |nl: String, en: String| Error::new(ErrorCode::Config, nl, en).with_field(FIELD);
    let (nl, en) = (capital(w.what_nl), capital(w.what_en));
    let t = raw.trim();
    if t.is_empty() {
        return Err(config(
            format!("Vul {} in.", w.what_nl),
            format!("Enter {}.", w.what_en),
        ));
    }
    let invalid = || {
        config(
            format!(
                "{nl} is geen geldig webadres (bijvoorbeeld {}).",
                w.example_nl
            ),
            format!(
                "{en} is not a valid web address (for example {}).",
                w.example_en
            ),
        )
    };
    let url = Url::parse(t).map_err(|_| invalid())?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(config(
                format!(
                    "Gebruik https:// voor {}; http:// mag alleen naar deze computer.",
                    w.what_nl
                ),
                format!(
                    "Use https:// for {}; http:// is only allowed to this computer.",
                    w.what_en
                ),
            ))
        }
        _ => {
            return Err(config(
                format!("{nl} moet met https:// beginnen."),
                format!("{en} must start with https://."),
            ))
        }
    }
    if url.cannot_be_a_base() || url.host_str().map(str::is_empty).unwrap_or(true) {
        return Err(invalid());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(config(
            format!("{nl} mag geen gebruikersnaam of wachtwoord bevatten."),
            format!("{en} must not contain a user name or password."),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config(
            format!("{nl} mag geen '?' of '#' bevatten."),
            format!("{en} must not contain '?' or '#'."),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// The base URL for a host name a vendor hands out with a token (Bouwsoft's `ServerName`):
/// `https://{host}`, or `http://` for this computer (the stand-ins). `None` unless it is a bare
/// host with an optional port: no path, no credentials, no query.
pub fn base_for_host(host: &str) -> Option<String> {
    let h = host.trim().trim_end_matches('/');
    if h.is_empty() || h.contains(['/', '\\', '@', '?', '#', ' ']) {
        return None;
    }
    let url = Url::parse(&format!("https://{h}")).ok()?;
    let scheme = if is_loopback(&url) { "http" } else { "https" };
    let base = format!("{scheme}://{h}");
    let checked = normalize_base_url(&base).ok()?;
    let parsed = Url::parse(&checked).ok()?;
    (parsed.path() == "/" || parsed.path().is_empty()).then_some(checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_addresses_are_normalised() {
        for (raw, want) in [
            ("https://x.afasfocus.nl/env/", "https://x.afasfocus.nl/env"),
            (" https://x.afasfocus.nl/env ", "https://x.afasfocus.nl/env"),
            (
                "https://rest-api.silvasoft.nl/",
                "https://rest-api.silvasoft.nl",
            ),
            ("https://api.mollie.com", "https://api.mollie.com"),
            ("https://klant.bloxs.io/", "https://klant.bloxs.io"),
            (
                "https://Osiris.bouwsoft.be/api/v1",
                "https://osiris.bouwsoft.be/api/v1",
            ),
            ("http://127.0.0.1:8080/afas/", "http://127.0.0.1:8080/afas"),
            ("http://127.1.2.3:9/x", "http://127.1.2.3:9/x"),
            ("http://localhost:8080/env", "http://localhost:8080/env"),
            ("http://LOCALHOST:8080", "http://localhost:8080"),
            ("http://[::1]:8080/env", "http://[::1]:8080/env"),
        ] {
            assert_eq!(normalize_base_url(raw).unwrap(), want, "{raw}");
        }
    }

    #[test]
    fn unsafe_or_broken_addresses_are_config_errors_on_base_url_in_both_languages() {
        for (bad, en_part) in [
            ("", "Enter"),
            ("   ", "Enter"),
            ("x.afasfocus.nl/env", "not a valid web address"),
            ("not a url", "not a valid web address"),
            ("http://x.afasfocus.nl/env", "only allowed to this computer"),
            ("http://192.168.1.10/env", "only allowed to this computer"),
            ("http://localhost.evil.nl/", "only allowed to this computer"),
            ("ftp://x.afasfocus.nl/env", "must start with https://"),
            (
                "https://user:pw@x.afasfocus.nl/env",
                "user name or password",
            ),
            ("https://user@x.afasfocus.nl/env", "user name or password"),
            ("https://x.afasfocus.nl/env?x=1", "'?' or '#'"),
            ("https://x.nl/#frag", "'?' or '#'"),
            ("https://", "not a valid web address"),
        ] {
            let e = normalize_base_url(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::Config, "{bad}");
            assert_eq!(e.field.as_deref(), Some(FIELD), "{bad}");
            assert!(e.message.en.contains(en_part), "{bad}: {}", e.message.en);
            assert!(!e.message.nl.is_empty() && e.message.nl != e.message.en);
        }
    }

    #[test]
    fn a_connector_names_its_own_address() {
        let w = Wording {
            what_nl: "het omgevingsadres",
            what_en: "the environment URL",
            example_nl: "https://klant.afasfocus.nl/omgeving",
            example_en: "https://customer.afasfocus.nl/environment",
        };
        let e = normalize_base_url_as("nope", &w).unwrap_err();
        assert!(e
            .message
            .nl
            .starts_with("Het omgevingsadres is geen geldig webadres"));
        assert!(e.message.en.contains("customer.afasfocus.nl"));
    }

    #[test]
    fn a_host_handed_out_with_a_token_becomes_a_base_url() {
        for (host, want) in [
            ("Osiris.bouwsoft.be", Some("https://osiris.bouwsoft.be")),
            ("ra.bouwsoft.be", Some("https://ra.bouwsoft.be")),
            ("127.0.0.1:4010", Some("http://127.0.0.1:4010")),
            ("localhost:4010", Some("http://localhost:4010")),
            ("", None),
            ("evil.nl/path", None),
            ("user@evil.nl", None),
            ("evil.nl?x=1", None),
            ("a b", None),
        ] {
            assert_eq!(base_for_host(host).as_deref(), want, "{host}");
        }
    }

    #[test]
    fn normalising_never_panics_and_is_idempotent() {
        let strategy = prop_oneof![
            any::<String>(),
            "(https?|ftp|file)://[a-zA-Z0-9.:@/?#\\[\\]%-]{0,40}",
            "[ ]{0,2}https?://(127\\.[0-9]{1,3}\\.0\\.1|localhost|\\[::1\\]|x\\.nl)(:[0-9]{1,6})?(/[a-z%]{0,5}){0,3}/?[ ]{0,2}",
        ];
        crate::props::run("kit::url::normalize_base_url", strategy, |raw| {
            if let Ok(n) = normalize_base_url(&raw) {
                prop_assert_eq!(normalize_base_url(&n).ok(), Some(n.clone()));
                prop_assert!(!n.ends_with('/'));
            }
            let _ = base_for_host(&raw);
            Ok(())
        });
    }
}
