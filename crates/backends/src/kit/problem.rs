//! RFC 7807 problem details (`application/problem+json`) onto the form's fields.
//!
//! Two vendor styles are read:
//! - ASP.NET `ValidationProblemDetails` (Bloxs): `{"type","title","status","traceId",
//!   "errors": {"lines[1].serviceItemName": ["…"]}}`;
//! - a single `field` (Mollie): `{"status":422,"title":"Unprocessable Entity",
//!   "detail":"…","field":"lines.1.quantity"}`.
//!
//! A vendor's field path (`lines[1].quantity`, `lines.1.quantity`, `Lines[1].Quantity`,
//! `$.lines[0].x`, `request.lines[0].x`) is mapped through the connector's [`FieldMap`] onto the
//! form's field (`lines[1].quantity`, 0-based in the outgoing invoice's lines, which the core's
//! `draft_field` turns into the draft's row). A path the table does not know stays in the
//! error's detail, with its message, so nothing the vendor said is lost.

use invoice_desk_core::error::{Error, ErrorCode, FieldIssue};
use invoice_desk_core::i18n::Text;
use serde_json::Value;

/// Most field messages kept from one answer.
const MAX_ISSUES: usize = 50;
/// Longest text kept from one vendor string.
const MAX_TEXT: usize = 500;

/// A parsed problem document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub status: Option<u16>,
    pub detail: Option<String>,
    pub trace_id: Option<String>,
    /// Vendor path → messages, sorted by path (JSON objects have no order to keep).
    pub errors: Vec<(String, Vec<String>)>,
}

/// How one connector's request names map onto the form's fields.
///
/// Names are compared without case, `_` and `-` (`serviceItemName` = `ServiceItemName` =
/// `service_item_name`).
#[derive(Debug, Clone, Copy)]
pub struct FieldMap<'a> {
    /// Invoice-level names: (`relationReference`, `relation`), (`supplyDate`, `issue_date`).
    pub header: &'a [(&'a str, &'a str)],
    /// Names of the list of lines in the request (`lines`, `invoiceLines`).
    pub lines: &'a [&'a str],
    /// Line-level names: (`numberOfItems`, `quantity`), (`serviceItemName`, `product`).
    pub line_fields: &'a [(&'a str, &'a str)],
    /// The index the vendor gives the first line (0 for JSON paths).
    pub first_line: usize,
}

fn clip(s: &str) -> String {
    let t = s.trim();
    match t.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(clip(s)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn get<'a>(o: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Reads a problem document; `None` when the body is not one (not JSON, not an object, or
/// none of `type`, `title`, `status`, `detail`, `errors`, `field`).
pub fn parse(body: &[u8]) -> Option<Problem> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let o = v.as_object()?;
    let status = match get(o, "status") {
        Some(Value::Number(n)) => n.as_u64().and_then(|s| u16::try_from(s).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let mut errors: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(Value::Object(errs)) = get(o, "errors") {
        for (path, msgs) in errs.iter().take(MAX_ISSUES) {
            let list: Vec<String> = match msgs {
                Value::Array(a) => a.iter().filter_map(|m| text(Some(m))).collect(),
                other => text(Some(other)).into_iter().collect(),
            };
            errors.push((clip(path), list));
        }
    }
    let detail = text(get(o, "detail"));
    if let Some(field) = text(get(o, "field")) {
        let msg = detail.clone().or_else(|| text(get(o, "title")));
        errors.push((field, msg.into_iter().collect()));
    }
    let p = Problem {
        kind: text(get(o, "type")),
        title: text(get(o, "title")),
        status,
        detail,
        trace_id: text(get(o, "traceId")),
        errors,
    };
    let any = p.kind.is_some()
        || p.title.is_some()
        || p.status.is_some()
        || p.detail.is_some()
        || !p.errors.is_empty();
    any.then_some(p)
}

fn norm(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A path as names and indices: `$.Lines[1].Quantity` → `lines`, 1, `quantity`.
#[derive(Debug, PartialEq)]
enum Seg {
    Name(String),
    Index(usize),
}

fn segments(path: &str) -> Option<Vec<Seg>> {
    let mut out = Vec::new();
    let p = path.trim();
    let p = p.strip_prefix('$').unwrap_or(p);
    for part in p.split(['.', '/']) {
        if part.is_empty() {
            continue;
        }
        let mut rest = part;
        let name_end = rest.find('[').unwrap_or(rest.len());
        let name = &rest[..name_end];
        if !name.is_empty() {
            match name.parse::<usize>() {
                Ok(i) => out.push(Seg::Index(i)),
                Err(_) => out.push(Seg::Name(norm(name))),
            }
        }
        rest = &rest[name_end..];
        while let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            let inner = r[..close].trim().trim_matches(['\'', '"']);
            match inner.parse::<usize>() {
                Ok(i) => out.push(Seg::Index(i)),
                Err(_) => out.push(Seg::Name(norm(inner))),
            }
            rest = &r[close + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

impl FieldMap<'_> {
    fn header_field(&self, name: &str) -> Option<&str> {
        self.header
            .iter()
            .find(|(v, _)| norm(v) == name)
            .map(|(_, f)| *f)
    }

    fn is_lines(&self, name: &str) -> bool {
        self.lines.iter().any(|l| norm(l) == name)
    }

    fn line_field(&self, name: &str) -> Option<&str> {
        self.line_fields
            .iter()
            .find(|(v, _)| norm(v) == name)
            .map(|(_, f)| *f)
    }

    fn map_segments(&self, segs: &[Seg], line_count: Option<usize>) -> Option<String> {
        let Some(Seg::Name(first)) = segs.first() else {
            return None;
        };
        if self.is_lines(first) {
            let Some(Seg::Index(raw)) = segs.get(1) else {
                return Some("lines".to_string());
            };
            let i = match raw.checked_sub(self.first_line) {
                Some(i) if line_count.map(|n| i < n).unwrap_or(true) => i,
                _ => return Some("lines".to_string()),
            };
            return Some(match segs.get(2) {
                Some(Seg::Name(n)) => match self.line_field(n) {
                    Some(f) => format!("lines[{i}].{f}"),
                    None => format!("lines[{i}]"),
                },
                _ => format!("lines[{i}]"),
            });
        }
        if segs.len() == 1 {
            return self.header_field(first).map(str::to_string);
        }
        // A nested header name (`recipient.email`) maps by its whole dotted name first.
        let dotted: Vec<&str> = segs
            .iter()
            .map(|s| match s {
                Seg::Name(n) => n.as_str(),
                Seg::Index(_) => "",
            })
            .collect();
        self.header_field(&dotted.join("."))
            .map(str::to_string)
            .or_else(|| self.header_field(first).map(str::to_string))
    }

    /// The form field for a vendor path, or `None` when the table does not know it.
    /// `line_count` (when known) sends an index past the last line to `lines`.
    pub fn form_field(&self, path: &str, line_count: Option<usize>) -> Option<String> {
        let segs = segments(path)?;
        self.map_segments(&segs, line_count).or_else(|| {
            // `request.lines[0].x`, `model.ownerReference`: a wrapper name in front.
            match segs.first() {
                Some(Seg::Name(_)) if segs.len() > 1 => self.map_segments(&segs[1..], line_count),
                _ => None,
            }
        })
    }
}

impl Problem {
    /// The field messages: (form field or `None`, vendor path, message).
    pub fn issues(
        &self,
        map: &FieldMap<'_>,
        line_count: Option<usize>,
    ) -> Vec<(Option<String>, String, String)> {
        let mut out = Vec::new();
        for (path, msgs) in &self.errors {
            let field = map.form_field(path, line_count);
            let msgs: Vec<&str> = if msgs.is_empty() {
                vec![""]
            } else {
                msgs.iter().map(String::as_str).collect()
            };
            for m in msgs {
                if out.len() < MAX_ISSUES {
                    out.push((field.clone(), path.clone(), m.to_string()));
                }
            }
        }
        out
    }

    /// The core error: `code` (the connector's choice, e.g. `Refused` for a 400 or 422), the
    /// message in both languages, the mapped field messages, and everything else the vendor
    /// said in the detail.
    pub fn to_error(
        &self,
        system: &str,
        code: ErrorCode,
        map: &FieldMap<'_>,
        line_count: Option<usize>,
    ) -> Error {
        let issues = self.issues(map, line_count);
        let mut fields: Vec<FieldIssue> = Vec::new();
        let mut unplaced: Vec<String> = Vec::new();
        for (field, path, msg) in issues {
            match field {
                Some(f) => {
                    let msg = if msg.is_empty() {
                        self.title.clone().unwrap_or_default()
                    } else {
                        msg
                    };
                    fields.push(FieldIssue {
                        field: f,
                        message: Text::new(
                            format!("{system} accepteert dit niet: {msg}"),
                            format!("{system} does not accept this: {msg}"),
                        ),
                    });
                }
                None if path.trim().is_empty() || path.trim() == "$" => unplaced.push(msg),
                None => unplaced.push(format!("{path}: {msg}")),
            }
        }
        let mut said: Vec<String> = Vec::new();
        if let Some(d) = self.detail.as_ref().or(self.title.as_ref()) {
            said.push(d.clone());
        }
        said.extend(unplaced.into_iter().filter(|u| !u.trim().is_empty()));
        if let Some(t) = &self.trace_id {
            said.push(format!("traceId {t}"));
        }
        let (nl, en) = match code {
            ErrorCode::Refused | ErrorCode::Validation => (
                format!("{system} heeft de factuur geweigerd"),
                format!("{system} refused the invoice"),
            ),
            _ => (
                format!("{system} gaf een fout terug"),
                format!("{system} returned an error"),
            ),
        };
        let first = fields.first().map(|f| f.field.clone());
        let e = Error::new(code, nl, en)
            .with_detail(said.join("; "))
            .with_fields(fields);
        match first {
            Some(f) => e.with_field(f),
            None => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bloxs' sales invoice service, as a connector for it would map it.
    const BLOXS: FieldMap<'static> = FieldMap {
        header: &[
            ("ownerReference", "extra.owner"),
            ("relationReference", "relation"),
            ("salesContractReference", "extra.sales_contract"),
            ("supplyDate", "issue_date"),
            ("paymentMethod", "extra.payment_method"),
        ],
        lines: &["lines"],
        line_fields: &[
            ("description", "description"),
            ("numberOfItems", "quantity"),
            ("amountExclPerItem", "unit_price"),
            ("serviceItemName", "product"),
            ("realEstateObjectReference", "extra.real_estate_object"),
            ("ledgerAccountCode", "extra.ledger_account"),
        ],
        first_line: 0,
    };

    /// Mollie's sales invoice.
    const MOLLIE: FieldMap<'static> = FieldMap {
        header: &[
            ("status", "extra.status"),
            ("recipientIdentifier", "relation"),
            ("recipient", "relation"),
            ("recipient.email", "extra.recipient_email"),
            ("emailDetails", "extra.email_details"),
            ("paymentDetails", "extra.payment_details"),
            ("memo", "reference"),
        ],
        lines: &["lines"],
        line_fields: &[
            ("description", "description"),
            ("quantity", "quantity"),
            ("unitPrice", "unit_price"),
            ("vatRate", "vat_code"),
        ],
        first_line: 0,
    };

    /// A table a connector might use for a vendor with `invoiceLines` and amounts per line.
    const OTHER: FieldMap<'static> = FieldMap {
        header: &[("customerId", "relation")],
        lines: &["invoiceLines", "lines"],
        line_fields: &[("amountExcl", "unit_price"), ("quantity", "quantity")],
        first_line: 0,
    };

    #[test]
    fn vendor_paths_land_on_the_form_fields() {
        // One case a line: `vendor path => form field` (nothing after `=>`: not placed).
        let bloxs = "lines[1].quantity => lines[1]
            lines[1].numberOfItems => lines[1].quantity
            lines[1].serviceItemName => lines[1].product
            Lines[1].ServiceItemName => lines[1].product
            lines.1.serviceItemName => lines[1].product
            $.lines[0].amountExclPerItem => lines[0].unit_price
            $.lines[0].x => lines[0]
            request.lines[0].numberOfItems => lines[0].quantity
            /lines/1/numberOfItems => lines[1].quantity
            lines => lines
            lines[7].description => lines
            OwnerReference => extra.owner
            $.supplyDate => issue_date
            relationReference => relation
            $ =>
             =>
            somethingElse =>";
        let mollie = "lines.1.quantity => lines[1].quantity
            lines[1].quantity => lines[1].quantity
            Lines[1].Quantity => lines[1].quantity
            lines.0.unitPrice.value => lines[0].unit_price
            status => extra.status
            recipient.email => extra.recipient_email
            recipient.postalCode => relation
            emailDetails.subject => extra.email_details";
        let other = "invoiceLines[0].amountExcl => lines[0].unit_price
            InvoiceLines[0].Quantity => lines[0].quantity
            lines['0'].quantity => lines[0].quantity
            lines[x =>";
        let mut n = 0;
        for (map, cases) in [(&BLOXS, bloxs), (&MOLLIE, mollie), (&OTHER, other)] {
            for case in cases.lines() {
                let (path, want) = case.split_once("=>").unwrap();
                let want = Some(want.trim()).filter(|w| !w.is_empty());
                let got = map.form_field(path.trim(), Some(2));
                assert_eq!(got.as_deref(), want, "{path}");
                n += 1;
            }
        }
        assert_eq!(n, 29);
    }

    #[test]
    fn a_vendor_counting_lines_from_one_lands_on_the_same_row() {
        let one_based = FieldMap {
            first_line: 1,
            ..OTHER
        };
        assert_eq!(
            one_based.form_field("lines[1].quantity", None).as_deref(),
            Some("lines[0].quantity")
        );
        assert_eq!(
            one_based.form_field("lines[0].quantity", None).as_deref(),
            Some("lines")
        );
    }

    #[test]
    fn a_bloxs_validation_problem_becomes_a_refusal_with_field_messages() {
        // The shape the Bloxs documentation gives for a 400 (ASP.NET ValidationProblemDetails).
        let body = br#"{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1",
            "title":"One or more validation errors occurred.","status":400,
            "traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            "errors":{"lines[1].serviceItemName":["The service item 'Schoonmaak' does not exist."],
                      "OwnerReference":["The OwnerReference field is required."],
                      "$.lines[0].numberOfItems":["The JSON value could not be converted to System.Int32."],
                      "Foo":["Something else."]}}"#;
        let p = parse(body).unwrap();
        assert_eq!(p.status, Some(400));
        assert_eq!(p.errors.len(), 4);
        let e = p.to_error("Bloxs", ErrorCode::Refused, &BLOXS, Some(2));
        assert_eq!(e.code, ErrorCode::Refused);
        assert_eq!(e.message.en, "Bloxs refused the invoice");
        let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["lines[0].quantity", "extra.owner", "lines[1].product"]
        );
        assert_eq!(e.field.as_deref(), Some("lines[0].quantity"));
        let said = &e.fields[2].message;
        assert!(
            said.en.contains("'Schoonmaak' does not exist"),
            "{}",
            said.en
        );
        assert!(
            said.nl.starts_with("Bloxs accepteert dit niet"),
            "{}",
            said.nl
        );
        let detail = e.detail.unwrap();
        assert!(detail.contains("One or more validation errors occurred."));
        assert!(detail.contains("Foo: Something else."), "{detail}");
        assert!(detail.contains("traceId 00-4bf9"));
    }

    #[test]
    fn a_mollie_problem_with_one_field_lands_on_that_field() {
        // Mollie's error-response example, and a field error in its path style.
        let body = br#"{"status":422,"title":"Unprocessable Entity",
            "detail":"Field 'status' must be provided","field":"status",
            "_links":{"documentation":{"href":"https://docs.mollie.com/errors","type":"text/html"}}}"#;
        let e = parse(body)
            .unwrap()
            .to_error("Mollie", ErrorCode::Refused, &MOLLIE, Some(1));
        assert_eq!(e.field.as_deref(), Some("extra.status"));
        assert_eq!(e.fields.len(), 1);
        assert!(e.fields[0]
            .message
            .en
            .contains("Field 'status' must be provided"));

        let body = br#"{"status":422,"title":"Unprocessable Entity",
            "detail":"The quantity must be a whole number","field":"lines.1.quantity"}"#;
        let e = parse(body)
            .unwrap()
            .to_error("Mollie", ErrorCode::Refused, &MOLLIE, Some(2));
        assert_eq!(e.field.as_deref(), Some("lines[1].quantity"));

        // 429 and 404 carry no field.
        let body = br#"{"status":429,"title":"Too Many Requests","detail":"You have exceeded the rate limit. Please slow down your requests."}"#;
        let p = parse(body).unwrap();
        assert_eq!(p.status, Some(429));
        let e = p.to_error("Mollie", ErrorCode::RateLimited, &MOLLIE, None);
        assert!(e.fields.is_empty() && e.field.is_none());
        assert_eq!(
            e.detail.as_deref(),
            Some("You have exceeded the rate limit. Please slow down your requests.")
        );
    }

    #[test]
    fn bodies_that_are_not_problems_are_not_parsed_as_one() {
        for body in [
            &b""[..],
            b"<html>502 Bad Gateway</html>",
            b"[]",
            b"{}",
            b"{\"token\":\"x\"}",
            b"null",
        ] {
            assert_eq!(parse(body), None, "{}", String::from_utf8_lossy(body));
        }
        // A lone string message and a status as text are tolerated.
        let p = parse(br#"{"status":"400","errors":{"supplyDate":"Invalid date"}}"#).unwrap();
        assert_eq!(p.status, Some(400));
        assert_eq!(
            p.errors,
            vec![("supplyDate".into(), vec!["Invalid date".into()])]
        );
    }

    #[test]
    fn parsing_any_bytes_never_panics() {
        use proptest::prelude::*;
        let json_like = prop_oneof![
            any::<Vec<u8>>(),
            "\\{\"(status|title|detail|field|errors|type)\":(\"[^\"]{0,12}\"|[0-9]{1,6}|\\{\"[a-zA-Z$.\\[\\]0-9']{0,20}\":\\[\"[^\"]{0,8}\"\\]\\}|null)\\}"
                .prop_map(String::into_bytes),
        ];
        crate::props::run("kit::problem::parse", json_like, |bytes| {
            if let Some(p) = parse(&bytes) {
                let _ = p.to_error("Bloxs", ErrorCode::Refused, &BLOXS, Some(3));
            }
            Ok(())
        });
        crate::props::run("kit::problem::form_field", any::<String>(), |path| {
            let _ = BLOXS.form_field(&path, Some(3));
            let _ = MOLLIE.form_field(&path, None);
            let _ = FieldMap {
                first_line: 1,
                ..OTHER
            }
            .form_field(&path, None);
            Ok(())
        });
    }
}
