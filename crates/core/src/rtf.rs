//! An RTF text as plain text, for showing a system's RTF invoice text (an introduction, a
//! conclusion) without rendering RTF. What is kept: the characters of the document's body,
//! `\par`/`\line`/`\sect`/`\page`/`\row` as line breaks, `\tab`/`\cell` as tabs, `\'hh`
//! escapes read as Windows-1252, `\uN` (with its `\ucN` fallback skipped, surrogate pairs
//! joined) and the typographic symbols (`\emdash`, `\lquote`, `\bullet`…). What is left out:
//! every control word, and the groups that hold no text of the body (font, colour and style
//! tables, pictures, document info, field instructions, every `{\*\…}` destination).
//!
//! The reader never fails and never panics: any input gives some text (an input that is not
//! RTF at all is given back as it is). It runs in one pass without recursion, so deeply nested
//! groups cost memory in proportion to the input, never stack.

/// Destinations whose content is not part of the text.
const SKIPPED: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "pict",
    "info",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "object",
    "objdata",
    "fldinst",
    "revtbl",
    "filetbl",
    "mmathPr",
    "pgdsctbl",
    "nonshppict",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "bkmkstart",
    "bkmkend",
    "field-instruction",
    "template",
    "docvar",
    "userprops",
    "operator",
    "author",
    "title",
    "subject",
    "keywords",
    "comment",
    "company",
    "printim",
    "creatim",
    "revtim",
    "buptim",
];

/// Longest control word RTF allows; a longer run of letters is cut here.
const MAX_WORD: usize = 32;
/// Most digits of a control word's parameter that are read.
const MAX_DIGITS: usize = 10;

/// The state of one group: whether its content is left out, and how many characters follow a
/// `\uN` as its fallback.
#[derive(Clone, Copy)]
struct Group {
    skip: bool,
    uc: usize,
}

/// Windows-1252 for the bytes 0x80–0x9F; every other byte is Latin-1.
fn cp1252(b: u8) -> Option<char> {
    const HIGH: [Option<char>; 32] = [
        Some('€'),
        None,
        Some('‚'),
        Some('ƒ'),
        Some('„'),
        Some('…'),
        Some('†'),
        Some('‡'),
        Some('ˆ'),
        Some('‰'),
        Some('Š'),
        Some('‹'),
        Some('Œ'),
        None,
        Some('Ž'),
        None,
        None,
        Some('‘'),
        Some('’'),
        Some('“'),
        Some('”'),
        Some('•'),
        Some('–'),
        Some('—'),
        Some('˜'),
        Some('™'),
        Some('š'),
        Some('›'),
        Some('œ'),
        None,
        Some('ž'),
        Some('Ÿ'),
    ];
    match b {
        0x80..=0x9f => HIGH.get(usize::from(b - 0x80)).copied().flatten(),
        _ => Some(char::from(b)),
    }
}

/// Whether a text is RTF (it opens with `{\rtf`, leading whitespace aside).
pub fn is_rtf(input: &str) -> bool {
    input.trim_start().starts_with("{\\rtf")
}

/// The text of an RTF document as plain text, lines separated by `\n`, trailing whitespace of
/// each line and empty lines at the end removed. Input that is not RTF is given back as it
/// is, its line ends made `\n`.
pub fn to_text(input: &str) -> String {
    if !is_rtf(input) {
        return tidy(input.replace("\r\n", "\n").replace('\r', "\n"));
    }
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len() / 2);
    let mut stack: Vec<Group> = Vec::new();
    let mut cur = Group { skip: false, uc: 1 };
    // Fallback characters still to skip after a `\uN`.
    let mut fallback = 0usize;
    // A high surrogate from `\uN` waiting for its low half.
    let mut high: Option<u32> = None;
    // The group just opened: its first control word may name a destination.
    let mut first_in_group = false;
    let mut i = 0usize;

    // Adds a character of the body (unless the group is skipped or it is a fallback).
    fn emit(out: &mut String, cur: &Group, fallback: &mut usize, high: &mut Option<u32>, c: char) {
        if cur.skip {
            return;
        }
        if *fallback > 0 {
            *fallback -= 1;
            return;
        }
        if high.take().is_some() {
            out.push('\u{fffd}');
        }
        // Control characters other than tab and line end are no text.
        if !c.is_control() || c == '\t' || c == '\n' {
            out.push(c);
        }
    }

    while let Some(&c) = chars.get(i) {
        match c {
            '{' => {
                stack.push(cur);
                first_in_group = true;
                fallback = 0;
                i += 1;
            }
            '}' => {
                cur = stack.pop().unwrap_or(Group { skip: false, uc: 1 });
                first_in_group = false;
                fallback = 0;
                i += 1;
            }
            '\r' | '\n' => {
                i += 1;
            }
            '\\' => {
                let was_first = first_in_group;
                first_in_group = false;
                let Some(&next) = chars.get(i + 1) else {
                    break;
                };
                if next.is_ascii_alphabetic() {
                    // A control word, its parameter, and one space that ends it.
                    let start = i + 1;
                    let mut j = start;
                    while j < chars.len() && j - start < MAX_WORD && chars[j].is_ascii_alphabetic()
                    {
                        j += 1;
                    }
                    let word: String = chars[start..j].iter().collect();
                    let mut negative = false;
                    if chars.get(j) == Some(&'-')
                        && chars.get(j + 1).is_some_and(|d| d.is_ascii_digit())
                    {
                        negative = true;
                        j += 1;
                    }
                    let digits_start = j;
                    let mut param: Option<i64> = None;
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        if j - digits_start < MAX_DIGITS {
                            let d = i64::from(chars[j].to_digit(10).unwrap_or(0));
                            param = Some(param.unwrap_or(0).saturating_mul(10).saturating_add(d));
                        }
                        j += 1;
                    }
                    let param = param.map(|p| if negative { -p } else { p });
                    if chars.get(j) == Some(&' ') {
                        j += 1;
                    }
                    i = j;
                    if was_first && SKIPPED.contains(&word.as_str()) {
                        cur.skip = true;
                        continue;
                    }
                    if word == "bin" {
                        // Binary data of the given length follows; it is no text.
                        let n = usize::try_from(param.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
                        i = i.saturating_add(n);
                        continue;
                    }
                    if cur.skip {
                        if word == "uc" {
                            cur.uc = usize::try_from(param.unwrap_or(1).clamp(0, 16)).unwrap_or(1);
                        }
                        continue;
                    }
                    if fallback > 0 {
                        // A control word in a `\uN` fallback counts as one character.
                        fallback -= 1;
                        continue;
                    }
                    let text: Option<&str> = match word.as_str() {
                        "par" | "line" | "sect" | "page" | "row" | "softline" => Some("\n"),
                        "tab" | "cell" => Some("\t"),
                        "emdash" => Some("—"),
                        "endash" => Some("–"),
                        "bullet" => Some("•"),
                        "lquote" => Some("‘"),
                        "rquote" => Some("’"),
                        "ldblquote" => Some("“"),
                        "rdblquote" => Some("”"),
                        "emspace" | "enspace" | "qmspace" => Some(" "),
                        _ => None,
                    };
                    if let Some(t) = text {
                        if high.take().is_some() {
                            out.push('\u{fffd}');
                        }
                        out.push_str(t);
                        continue;
                    }
                    match word.as_str() {
                        "uc" => {
                            cur.uc = usize::try_from(param.unwrap_or(1).clamp(0, 16)).unwrap_or(1);
                        }
                        "u" => {
                            let Some(n) = param else {
                                continue;
                            };
                            // Negative values stand for code units above 32767.
                            let unit = match n {
                                -32768..=-1 => n.saturating_add(65536),
                                0..=65535 => n,
                                _ => 0xfffd,
                            };
                            let unit = u32::try_from(unit).unwrap_or(0xfffd);
                            match unit {
                                0xd800..=0xdbff => {
                                    if high.replace(unit).is_some() {
                                        out.push('\u{fffd}');
                                    }
                                }
                                0xdc00..=0xdfff => {
                                    let c = match high.take() {
                                        Some(h) => char::from_u32(
                                            0x10000 + ((h - 0xd800) << 10) + (unit - 0xdc00),
                                        )
                                        .unwrap_or('\u{fffd}'),
                                        None => '\u{fffd}',
                                    };
                                    out.push(c);
                                }
                                _ => {
                                    if high.take().is_some() {
                                        out.push('\u{fffd}');
                                    }
                                    let c = char::from_u32(unit).unwrap_or('\u{fffd}');
                                    if !c.is_control() || c == '\t' || c == '\n' {
                                        out.push(c);
                                    }
                                }
                            }
                            fallback = cur.uc;
                        }
                        _ => {}
                    }
                    continue;
                }
                // A control symbol.
                i += 2;
                match next {
                    '\'' => {
                        let hex: String = chars
                            .iter()
                            .skip(i)
                            .take(2)
                            .take_while(|h| h.is_ascii_hexdigit())
                            .collect();
                        i += hex.len();
                        let byte = if hex.len() == 2 {
                            u8::from_str_radix(&hex, 16).ok()
                        } else {
                            None
                        };
                        if let Some(b) = byte {
                            if let Some(ch) = cp1252(b).filter(|c| !c.is_control()) {
                                emit(&mut out, &cur, &mut fallback, &mut high, ch);
                            } else if !cur.skip && fallback > 0 {
                                fallback -= 1;
                            }
                        }
                    }
                    // An ignorable destination: nothing in it is text this reader knows.
                    '*' if was_first => cur.skip = true,
                    '~' => emit(&mut out, &cur, &mut fallback, &mut high, '\u{a0}'),
                    '_' => emit(&mut out, &cur, &mut fallback, &mut high, '\u{2011}'),
                    '-' => {}
                    '\\' | '{' | '}' => emit(&mut out, &cur, &mut fallback, &mut high, next),
                    '\r' | '\n' => emit(&mut out, &cur, &mut fallback, &mut high, '\n'),
                    _ => {}
                }
            }
            _ => {
                first_in_group = false;
                emit(&mut out, &cur, &mut fallback, &mut high, c);
                i += 1;
            }
        }
    }
    if high.is_some() {
        out.push('\u{fffd}');
    }
    tidy(out)
}

/// Trailing whitespace of each line and empty lines at the start and end removed.
fn tidy(s: String) -> String {
    let lines: Vec<&str> = s.split('\n').map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(a), Some(b)) => lines[a..=b].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paragraphs_become_lines_and_control_words_disappear() {
        let rtf = r"{\rtf1\ansi\deff0 {\fonttbl{\f0\fswiss Arial;}{\f1 Times;}}{\colortbl;\red0\green0\blue0;}
{\stylesheet{\s0 Normal;}}\pard\plain\f0\fs20 Geachte heer,\par
\b Hierbij\b0  de factuur voor de werken.\par\par Met vriendelijke groet}";
        assert_eq!(
            to_text(rtf),
            "Geachte heer,\nHierbij de factuur voor de werken.\n\nMet vriendelijke groet"
        );
    }

    #[test]
    fn hex_escapes_are_read_as_windows_1252() {
        assert_eq!(
            to_text(r"{\rtf1\ansi\ansicpg1252 Caf\'e9 \'80 12,50 \'96 na\'efef \'93ok\'94}"),
            "Café € 12,50 – naïef “ok”"
        );
    }

    #[test]
    fn unicode_escapes_skip_their_fallback_and_join_surrogate_pairs() {
        assert_eq!(
            to_text(r"{\rtf1 \u8364?5 en \uc2\u233\'65\'65t}"),
            "€5 en ét"
        );
        assert_eq!(to_text(r"{\rtf1 \u-10179?\u-8704?!}"), "😀!");
        // A negative value above 32767: U+F020.
        assert_eq!(to_text(r"{\rtf1 \u-4064?}"), "\u{f020}");
    }

    #[test]
    fn pictures_info_and_ignorable_destinations_are_left_out() {
        let rtf = r"{\rtf1{\info{\title Offerte}{\author Jan}}{\*\generator Writer;}Tekst{\pict\pngblip 89504e470d0a}{\*\bkmkstart x} hier {\field{\*\fldinst HYPERLINK http://x.example}{\fldrslt link}}.}";
        assert_eq!(to_text(rtf), "Tekst hier link.");
    }

    #[test]
    fn escaped_braces_backslashes_and_tabs_are_text() {
        assert_eq!(
            to_text(r"{\rtf1 a\{b\}c\\d\tab e\line f\~g}"),
            "a{b}c\\d\te\nf\u{a0}g"
        );
    }

    #[test]
    fn binary_data_is_skipped_by_its_length() {
        assert_eq!(to_text(r"{\rtf1 a{\bin4 }{}}b}"), "ab");
    }

    #[test]
    fn text_that_is_not_rtf_is_given_back() {
        assert_eq!(to_text("Gewoon tekst\r\nregel 2"), "Gewoon tekst\nregel 2");
    }

    #[test]
    fn broken_rtf_still_gives_what_text_it_has() {
        assert_eq!(to_text(r"{\rtf1 open {\b vet"), "open vet");
        assert_eq!(to_text(r"{\rtf1 }}te veel}"), "te veel");
        assert_eq!(to_text(r"{\rtf1 einde\"), "einde");
        assert_eq!(to_text(r"{\rtf1 \'4"), "");
        assert_eq!(to_text(r"{\rtf1 \u"), "");
        assert_eq!(
            to_text(r"{\rtf1 \u99999999999999999999999999 xy}"),
            "\u{fffd}y"
        );
        assert_eq!(to_text("{\\rtf1 a\u{1}\\u0 xb}"), "ab");
    }

    fn rtfish() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("\\".to_string()),
            Just("\\par ".to_string()),
            Just("\\*".to_string()),
            Just("{\\fonttbl".to_string()),
            Just("{\\pict".to_string()),
            Just("\\bin".to_string()),
            Just("\\'".to_string()),
            Just("\\u".to_string()),
            Just("\\uc".to_string()),
            Just("-".to_string()),
            "[0-9a-fA-F]{0,12}",
            "[a-z]{1,40}",
            "\\PC{0,6}",
        ];
        prop::collection::vec(token, 0..40).prop_map(|t| format!("{{\\rtf1 {}", t.concat()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100_000))]

        #[test]
        fn any_input_gives_text_without_panicking(s in "\\PC{0,200}") {
            let _ = to_text(&s);
            let _ = to_text(&format!("{{\\rtf1 {s}"));
        }

        #[test]
        fn rtf_made_of_control_words_and_groups_gives_text_without_panicking(s in rtfish()) {
            let out = to_text(&s);
            // No control character but tabs and line ends comes through.
            prop_assert!(out.chars().all(|c| !c.is_control() || c == '\t' || c == '\n'));
        }
    }
}
