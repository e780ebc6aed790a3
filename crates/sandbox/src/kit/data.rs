//! Dutch and Belgian sample data for the stand-ins: people, companies, addresses, phone
//! numbers, VAT, KvK and enterprise numbers, IBANs, EAN codes and products, from the word
//! lists in [`super::names`].
//!
//! Everything is drawn from a seeded [`StdRng`], so the same seed gives the same data. Each
//! function draws from the generator in a fixed order: a stand-in that calls them in the same
//! order gets the same rows, and changing one count of a data set leaves the others alone when
//! each entity has its own [`stream`].

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::names::{
    City, ProductTemplate, CITIES_BE, CITIES_NL, FANTASY_FIRST, FANTASY_SECOND, LEGAL_FORMS_BE,
    LEGAL_FORMS_NL, ORG_MAILBOXES, PRODUCTS, SURNAMES_BE, SURNAMES_NL, TRADES_AFTER, TRADES_BEFORE,
};

/// A stable sub-seed, so that changing one count leaves the other entities as they were.
pub fn stream(seed: u64, salt: u64) -> StdRng {
    StdRng::seed_from_u64(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// A random (version 4) UUID from the seeded generator.
pub fn new_uuid(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.gen()).into_uuid()
}

/// One element of a non-empty list.
pub fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.gen_range(0..xs.len())]
}

/// `n` random decimal digits.
pub fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// Lower-case ASCII letters and digits only, for e-mail addresses.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' | 'Á' | 'À' | 'Ä' => 'a',
            'é' | 'è' | 'ë' | 'ê' | 'É' | 'È' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'Ö' => 'o',
            'ú' | 'ù' | 'ü' | 'û' | 'Ü' => 'u',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The first letter in upper case: "van der" gives "Van der".
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// "P.J." for "Pieter-Jan".
pub fn initials(first: &str) -> String {
    first
        .split('-')
        .filter_map(|p| p.chars().next())
        .map(|c| format!("{c}."))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// addresses and phone numbers

/// A Dutch or (`be`) Belgian city with its postal code range and area code.
pub fn city(rng: &mut StdRng, be: bool) -> &'static City {
    pick(rng, if be { CITIES_BE } else { CITIES_NL })
}

/// The letters a Dutch postal code uses.
const POSTAL_LETTERS: &[u8] = b"ABCDEGHJKLMNPRSTVWXZ";

/// A postal code in the city's range: `1234 AB` (never SA, SD or SS), in Belgium `1234`.
pub fn postal_code(rng: &mut StdRng, city: &City, be: bool) -> String {
    let n = rng.gen_range(city.from..=city.to);
    if be {
        return n.to_string();
    }
    loop {
        let a = POSTAL_LETTERS[rng.gen_range(0..POSTAL_LETTERS.len())] as char;
        let b = POSTAL_LETTERS[rng.gen_range(0..POSTAL_LETTERS.len())] as char;
        let pair = format!("{a}{b}");
        if !matches!(pair.as_str(), "SA" | "SD" | "SS") {
            return format!("{n} {pair}");
        }
    }
}

/// A house number: mostly below 60.
pub fn house_number(rng: &mut StdRng) -> u32 {
    if rng.gen_bool(0.7) {
        rng.gen_range(1..60)
    } else {
        rng.gen_range(1..300)
    }
}

/// A landline number in the city's area: `020-1234567`, in Belgium `+32 9 1234567`.
pub fn landline(rng: &mut StdRng, city: &City, be: bool) -> String {
    let area = city.area;
    if be {
        format!("+32 {area} {}", digits(rng, 8 - area.len()))
    } else {
        format!("0{area}-{}", digits(rng, 9 - area.len()))
    }
}

/// A mobile number: `06-12345678`, in Belgium `+32 471 12 34 56`.
pub fn mobile(rng: &mut StdRng, be: bool) -> String {
    if be {
        format!(
            "+32 4{}{} {} {} {}",
            rng.gen_range(6..10),
            rng.gen_range(0..10),
            digits(rng, 2),
            digits(rng, 2),
            digits(rng, 2)
        )
    } else {
        format!("06-{}", digits(rng, 8))
    }
}

/// A private person's phone: mobile (60 %), landline (20 %) or none.
pub fn person_phone(rng: &mut StdRng, city: &City, be: bool) -> Option<String> {
    match rng.gen_range(0..10) {
        0..=5 => Some(mobile(rng, be)),
        6..=7 => Some(landline(rng, city, be)),
        _ => None,
    }
}

/// A private person's address at `domain`: `jan.jansen@`, `jjansen@` or `janjansen42@`.
pub fn personal_email(rng: &mut StdRng, first: &str, last: &str, domain: &str) -> String {
    let f = slug(first);
    let l = slug(last);
    match rng.gen_range(0..3) {
        0 => format!("{f}.{l}@{domain}"),
        1 => format!("{}{l}@{domain}", f.get(..1).unwrap_or_default()),
        _ => format!("{f}{l}{}@{domain}", rng.gen_range(1..99)),
    }
}

// ---------------------------------------------------------------------------------------------
// companies

/// A company's name, with and without its legal form, and its SBI code (the Dutch trade code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// "Installatiebedrijf de Vries B.V."
    pub name: String,
    /// "Installatiebedrijf de Vries", for its mail domain.
    pub core: String,
    pub sbi: &'static str,
}

/// A Dutch or Belgian company name: a trade and a surname, two surnames of a partnership, or
/// a made-up name, with a legal form most of the time.
pub fn company_name(rng: &mut StdRng, be: bool) -> Company {
    let surnames = if be { SURNAMES_BE } else { SURNAMES_NL };
    let (prefix, last) = *pick(rng, surnames);
    let (core, sbi) = match rng.gen_range(0..10) {
        0..=3 => {
            let (trade, sbi) = *pick(rng, TRADES_BEFORE);
            let sur = if prefix.is_empty() {
                last.to_string()
            } else if be {
                format!("{prefix} {last}")
            } else {
                format!("{} {last}", prefix.to_lowercase())
            };
            (format!("{trade} {sur}"), sbi)
        }
        4..=6 => {
            let (trade, sbi) = *pick(rng, TRADES_AFTER);
            let sur = if prefix.is_empty() {
                last.to_string()
            } else {
                format!("{} {last}", capitalise(prefix))
            };
            (format!("{sur} {trade}"), sbi)
        }
        7 => {
            let (_, other) = *pick(rng, surnames);
            let (what, sbi) = *pick(
                rng,
                &[
                    ("Advocaten", "6910"),
                    ("Accountants", "6920"),
                    ("Notarissen", "6910"),
                    ("Architecten", "7111"),
                    ("Partners", "7022"),
                ],
            );
            (format!("{last} & {other} {what}"), sbi)
        }
        _ => {
            let a = pick(rng, FANTASY_FIRST);
            let (b, sbi) = *pick(rng, FANTASY_SECOND);
            (format!("{a} {b}"), sbi)
        }
    };
    let form = pick(rng, if be { LEGAL_FORMS_BE } else { LEGAL_FORMS_NL });
    let name = if form.is_empty() {
        core.clone()
    } else {
        format!("{core} {form}")
    };
    Company { name, core, sbi }
}

/// A company's general address (95 % have one): `info@installatiebedrijfdevries.nl`.
pub fn company_email(rng: &mut StdRng, core: &str, be: bool) -> Option<String> {
    let tld = if be { "be" } else { "nl" };
    let mut s = slug(core);
    s.truncate(28);
    rng.gen_bool(0.95)
        .then(|| format!("{}@{s}.{tld}", pick(rng, ORG_MAILBOXES)))
}

// ---------------------------------------------------------------------------------------------
// registration, VAT and bank numbers

/// The nine digits of a Dutch VAT number with a valid mod-11 check digit: `NL{core}B01` is the
/// VAT number.
pub fn nl_vat_core(rng: &mut StdRng) -> String {
    loop {
        let d: Vec<u32> = (0..8).map(|_| rng.gen_range(0..10)).collect();
        if d[0] == 0 {
            continue;
        }
        let sum: u32 = d.iter().enumerate().map(|(i, x)| x * (9 - i as u32)).sum();
        let check = sum % 11;
        if check == 10 {
            continue;
        }
        let s: String = d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
        return format!("{s}{check}");
    }
}

/// A KvK (Dutch chamber of commerce) number: eight digits, not starting with 0.
pub fn kvk_number(rng: &mut StdRng) -> String {
    format!("{}{}", rng.gen_range(1..10), digits(rng, 7))
}

/// A Belgian enterprise number: ten digits with its mod-97 check (`0123456749`); `BE` before
/// it is the VAT number.
pub fn be_enterprise_number(rng: &mut StdRng) -> String {
    be_enterprise(rng.gen_range(2_000_000..9_999_999))
}

/// The enterprise number of a seven-digit base: `0`, the base, and its mod-97 check.
pub fn be_enterprise(base: u64) -> String {
    format!("0{base:07}{:02}", 97 - (base % 97))
}

/// An enterprise number as it is written: `0123.456.749`.
pub fn be_enterprise_dotted(number: &str) -> String {
    match (number.get(..4), number.get(4..7), number.get(7..)) {
        (Some(a), Some(b), Some(c)) => format!("{a}.{b}.{c}"),
        _ => number.to_string(),
    }
}

/// Twelve digits and their EAN-13 check digit.
pub fn ean13(body12: &str) -> String {
    let sum: u32 = body12
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b.wrapping_sub(b'0')) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body12}{}", (10 - sum % 10) % 10)
}

/// A Dutch article number (prefix 87) with its check digit.
pub fn ean13_nl(rng: &mut StdRng) -> String {
    ean13(&format!("87{}", digits(rng, 10)))
}

/// The two check digits of an IBAN for a country and its bank account (ISO 13616, mod 97).
fn iban_check(country: &str, bban: &str) -> u32 {
    let mut rem = 0u32;
    for c in bban.chars().chain(country.chars()).chain("00".chars()) {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => 0,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    98 - rem
}

/// Dutch banks' codes in an IBAN.
const NL_BANKS: &[&str] = &[
    "ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ",
];

/// A Dutch IBAN with valid check digits, as printed: `NL91 ABNA 0417 1643 00`.
pub fn iban_nl(rng: &mut StdRng) -> String {
    let bban = format!("{}{}", pick(rng, NL_BANKS), digits(rng, 10));
    group_by_four(&format!("NL{:02}{bban}", iban_check("NL", &bban)))
}

/// A Belgian IBAN with valid check digits (the account's own mod-97 check included), as
/// printed: `BE68 5390 0754 7034`.
pub fn iban_be(rng: &mut StdRng) -> String {
    let account: u64 = rng.gen_range(1_000_000_000..9_999_999_999);
    let check = match account % 97 {
        0 => 97,
        c => c,
    };
    let bban = format!("{account:010}{check:02}");
    group_by_four(&format!("BE{:02}{bban}", iban_check("BE", &bban)))
}

fn group_by_four(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------
// products

/// A product drawn from the templates: its name and a price around the template's.
#[derive(Debug, Clone)]
pub struct ProductPick {
    /// Position of the template in [`PRODUCTS`].
    pub index: usize,
    pub template: &'static ProductTemplate,
    /// Position of the variant in the template's variants.
    pub variant: usize,
    /// The template's name and the variant: "Kabel YMvK 3x2,5 mm² 100 m".
    pub name: String,
    /// The price in cents: the template's, 80 to 125 % (more for larger variants), rounded
    /// to 5 cents, and above 20 euros to 50 cents (sometimes 5 cents less).
    pub cents: i64,
}

pub fn product(rng: &mut StdRng) -> ProductPick {
    let index = rng.gen_range(0..PRODUCTS.len());
    let template = &PRODUCTS[index];
    let variant = rng.gen_range(0..template.variants.len());
    let v = template.variants[variant];
    let name = if v.is_empty() {
        template.name.to_string()
    } else {
        format!("{} {v}", template.name)
    };
    let mut cents = i64::from(template.cents);
    if cents >= 100 {
        let pct = rng.gen_range(80..=125) + 15 * variant as i64;
        cents = cents * pct / 100;
        cents = if cents >= 2000 {
            (cents / 50) * 50 - if rng.gen_bool(0.4) { 5 } else { 0 }
        } else {
            (cents / 5) * 5
        };
    }
    ProductPick {
        index,
        template,
        variant,
        name,
        cents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iban_is_valid(iban: &str) -> bool {
        let s: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
        let (head, rest) = s.split_at(4);
        let mut rem = 0u64;
        for c in rest.chars().chain(head.chars()) {
            let v = c.to_digit(36).map(u64::from).unwrap_or(99);
            rem = if v >= 10 {
                (rem * 100 + v) % 97
            } else {
                (rem * 10 + v) % 97
            };
        }
        rem == 1
    }

    #[test]
    fn ibans_have_valid_check_digits_and_are_printed_in_groups_of_four() {
        assert_eq!(iban_check("NL", "ABNA0417164300"), 91);
        assert_eq!(iban_check("BE", "539007547034"), 68);
        let mut rng = stream(1, 2);
        for _ in 0..500 {
            let nl = iban_nl(&mut rng);
            assert!(iban_is_valid(&nl), "{nl}");
            assert_eq!(nl.len(), 22, "{nl}");
            let be = iban_be(&mut rng);
            assert!(iban_is_valid(&be), "{be}");
            assert_eq!(be.len(), 19, "{be}");
        }
    }

    #[test]
    fn registration_numbers_carry_their_check_digits() {
        let mut rng = stream(3, 4);
        for _ in 0..500 {
            let v = nl_vat_core(&mut rng);
            let d: Vec<u32> = v.chars().filter_map(|c| c.to_digit(10)).collect();
            let sum: u32 = d[..8]
                .iter()
                .enumerate()
                .map(|(i, x)| x * (9 - i as u32))
                .sum();
            assert_eq!(sum % 11, d[8], "{v}");
            let be = be_enterprise_number(&mut rng);
            let base: u64 = be[..8].parse().unwrap_or(0);
            let check: u64 = be[8..].parse().unwrap_or(0);
            assert_eq!(97 - base % 97, check, "{be}");
            assert_eq!(be_enterprise_dotted(&be).len(), 12);
            assert_eq!(kvk_number(&mut rng).len(), 8);
        }
        assert_eq!(ean13("871234567890"), "8712345678906");
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let draw = |seed| {
            let mut rng = stream(seed, 9);
            let c = company_name(&mut rng, false);
            let p = product(&mut rng);
            (c.name, p.name, p.cents, iban_nl(&mut rng))
        };
        assert_eq!(draw(5), draw(5));
        assert_ne!(draw(5), draw(6));
    }
}
