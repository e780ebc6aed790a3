//! An invoice's texts (introduction, conclusion…) as History shows them, made safe here in
//! Rust before the web view sees them: HTML sanitised (no script, no event handlers, no
//! styles, nothing that loads from an address: links lose their address, images keep only an
//! embedded picture), RTF read as plain text ([`crate::rtf`]), plain text as it is.

use crate::reader::{InvoiceText, TextFormat};
use serde::Serialize;
use std::borrow::Cow;
use std::sync::OnceLock;

// One text of an invoice as the web view may show it. `format` is the format the system gave;
// `html` is set for an HTML text (sanitised, to be rendered as HTML), `text` for every other
// (to be shown as preformatted text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ShownText {
    pub which: String,
    pub format: TextFormat,
    pub html: Option<String>,
    pub text: Option<String>,
}

/// The pictures an HTML text may hold: embedded ones only, of a raster kind (an SVG could
/// carry more than a picture).
fn embedded_picture(src: &str) -> bool {
    let s = src.trim_start().to_ascii_lowercase();
    ["png", "jpeg", "jpg", "gif", "webp"]
        .iter()
        .any(|kind| s.starts_with(&format!("data:image/{kind};base64,")))
}

fn sanitiser() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tag_attributes("a", &["href", "hreflang"])
            .link_rel(None)
            // Only embedded pictures have an address left; nothing relative, nothing remote.
            .url_schemes(["data"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::Deny)
            .attribute_filter(|element, attribute, value| {
                if attribute == "src" && !(element == "img" && embedded_picture(value)) {
                    None
                } else {
                    Some(Cow::Borrowed(value))
                }
            })
            .strip_comments(true);
        b
    })
}

/// HTML made safe to show in the app: no script, no event handlers, no styles, no forms,
/// frames or objects, links without their address, images only when embedded.
pub fn sanitise_html(html: &str) -> String {
    sanitiser().clean(html).to_string()
}

/// A text of an invoice as the web view may show it.
pub fn shown(which: &str, text: InvoiceText) -> ShownText {
    let (html, plain) = match text.format {
        TextFormat::Html => (Some(sanitise_html(&text.content)), None),
        TextFormat::Rtf => (None, Some(crate::rtf::to_text(&text.content))),
        TextFormat::Plain => (
            None,
            Some(text.content.replace("\r\n", "\n").replace('\r', "\n")),
        ),
    };
    ShownText {
        which: which.to_string(),
        format: text.format,
        html,
        text: plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(s: &str) -> String {
        shown(
            "introduction",
            InvoiceText {
                format: TextFormat::Html,
                content: s.into(),
            },
        )
        .html
        .unwrap_or_default()
    }

    #[test]
    fn scripts_event_handlers_and_styles_are_removed_and_the_text_stays() {
        let out = html(
            r#"<p onclick="alert(1)" style="background:url(https://x.example/t.png)">Geachte <b>klant</b>,</p><script>alert(2)</script><style>p{background:url(https://x.example/s.png)}</style><iframe src="https://x.example"></iframe><form action="https://x.example"><input></form>"#,
        );
        assert_eq!(out, "<p>Geachte <b>klant</b>,</p>");
    }

    #[test]
    fn links_lose_their_address_and_remote_images_their_source() {
        let out = html(
            r#"<a href="https://x.example/pay" onmouseover="x()">Betaal hier</a> <img src="https://x.example/pixel.gif" alt="logo"><img src="//x.example/p.png"><img src="/local.png"><a href="javascript:alert(1)">js</a>"#,
        );
        assert!(!out.contains("x.example"), "{out}");
        assert!(!out.contains("href"), "{out}");
        assert!(!out.contains("src"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("Betaal hier"));
        assert!(out.contains(r#"alt="logo""#));
    }

    #[test]
    fn an_embedded_picture_is_kept_and_an_embedded_svg_is_not() {
        let png = "data:image/png;base64,iVBORw0KGgo=";
        let out = html(&format!(r#"<img src="{png}" alt="stempel">"#));
        assert!(out.contains(png), "{out}");
        let out = html(
            r#"<img src="data:image/svg+xml;base64,PHN2Zz4="><a href="data:text/html,x">x</a>"#,
        );
        assert!(!out.contains("data:"), "{out}");
    }

    #[test]
    fn rtf_is_shown_as_its_text_and_plain_text_as_it_is() {
        let rtf = shown(
            "conclusion",
            InvoiceText {
                format: TextFormat::Rtf,
                content: r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}Betaling binnen 30 dagen.\par Dank u.}"
                    .into(),
            },
        );
        assert_eq!(rtf.html, None);
        assert_eq!(
            rtf.text.as_deref(),
            Some("Betaling binnen 30 dagen.\nDank u.")
        );
        let plain = shown(
            "conclusion",
            InvoiceText {
                format: TextFormat::Plain,
                content: "<b>niet vet</b>\r\nregel".into(),
            },
        );
        assert_eq!(plain.text.as_deref(), Some("<b>niet vet</b>\nregel"));
        assert_eq!(plain.which, "conclusion");
    }
}
