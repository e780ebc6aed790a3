//! A small, strict JSON reader for request bodies.
//!
//! Unlike `serde_json::Value` it keeps what a vendor-faithful validator needs: the exact text
//! of every number (so amounts become decimals digit for digit), the members of an object in
//! the order they were sent, and the line and position of every value, counted the way
//! Newtonsoft.Json counts them (1-based line; position = characters read on that line), so
//! errors can say "Path 'RelationId', line 3, position 18." as .NET back ends do.

/// One parsed value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: JValue,
    /// Line of the value (1-based).
    pub line: u32,
    /// For scalars: characters read on `line` up to and including the value's last character.
    /// For objects and arrays: up to and including the opening bracket.
    pub pos: u32,
}

/// A JSON value. Numbers keep their literal text.
#[derive(Debug, Clone, PartialEq)]
pub enum JValue {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl JValue {
    /// The Newtonsoft token type name ("String", "Integer", "Float", ...).
    pub fn token_type(&self) -> &'static str {
        match self {
            JValue::Null => "Null",
            JValue::Bool(_) => "Boolean",
            JValue::Number(n) if n.contains(['.', 'e', 'E']) => "Float",
            JValue::Number(_) => "Integer",
            JValue::String(_) => "String",
            JValue::Array(_) => "Array",
            JValue::Object(_) => "Object",
        }
    }
}

impl Node {
    /// The last member named `name` (ASCII case-insensitive), if this is an object.
    pub fn member(&self, name: &str) -> Option<&Node> {
        match &self.value {
            JValue::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            JValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            JValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&str> {
        match &self.value {
            JValue::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            JValue::Array(items) => Some(items),
            _ => None,
        }
    }
}

/// A path segment, for messages in the Newtonsoft style (`InvoiceLine[0].Quantity`).
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Formats a path the way Newtonsoft.Json does.
pub fn format_path(segs: &[Seg]) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                let plain = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    out.push_str("['");
                    out.push_str(&k.replace('\'', "\\'"));
                    out.push_str("']");
                }
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// A syntax error, with the place it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub path: String,
    pub line: u32,
    pub pos: u32,
}

impl ParseError {
    /// `<message> Path '<path>', line <l>, position <p>.`
    pub fn with_location(&self) -> String {
        format!(
            "{} Path '{}', line {}, position {}.",
            self.message, self.path, self.line, self.pos
        )
    }
}

const MAX_DEPTH: usize = 64;

/// Parses a complete JSON document.
pub fn parse(bytes: &[u8]) -> Result<Node, ParseError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Err(ParseError {
                message: format!(
                    "Request body is not valid UTF-8 (at byte {}).",
                    e.valid_up_to()
                ),
                path: String::new(),
                line: 1,
                pos: 0,
            })
        }
    };
    let mut p = Parser {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        pos: 0,
        path: Vec::new(),
    };
    // A UTF-8 byte order mark is tolerated, as .NET readers do.
    if p.peek() == Some('\u{feff}') {
        p.i += 1;
    }
    p.skip_ws();
    let root = p.value(0)?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        p.bump();
        return Err(p.err(format!(
            "Additional text encountered after finished reading JSON content: {c}."
        )));
    }
    Ok(root)
}

struct Parser {
    chars: Vec<char>,
    i: usize,
    line: u32,
    pos: u32,
    path: Vec<Seg>,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.i).copied()?;
        self.i += 1;
        match c {
            '\n' => {
                self.line += 1;
                self.pos = 0;
            }
            '\r' => {
                if self.peek() == Some('\n') {
                    self.i += 1;
                }
                self.line += 1;
                self.pos = 0;
            }
            _ => self.pos += 1,
        }
        Some(c)
    }

    fn err(&self, message: String) -> ParseError {
        ParseError {
            message,
            path: format_path(&self.path),
            line: self.line,
            pos: self.pos,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if matches!(c, ' ' | '\t' | '\n' | '\r') {
                self.bump();
            } else {
                break;
            }
        }
    }

    fn unexpected_end(&self) -> ParseError {
        self.err("Unexpected end when reading JSON.".into())
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        let Some(c) = self.peek() else {
            return Err(self.unexpected_end());
        };
        match c {
            '{' => self.object(depth + 1),
            '[' => self.array(depth + 1),
            '"' => {
                let s = self.string()?;
                Ok(self.node(JValue::String(s)))
            }
            't' | 'f' | 'n' => self.literal(),
            '-' | '0'..='9' => self.number(),
            other => {
                self.bump();
                Err(self.err(format!(
                    "Unexpected character encountered while parsing value: {other}."
                )))
            }
        }
    }

    fn node(&self, value: JValue) -> Node {
        Node {
            value,
            line: self.line,
            pos: self.pos,
        }
    }

    fn literal(&mut self) -> Result<Node, ParseError> {
        let start = self.i;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric()) {
            self.bump();
        }
        let word: String = self.chars[start..self.i].iter().collect();
        let value = match word.as_str() {
            "true" => JValue::Bool(true),
            "false" => JValue::Bool(false),
            "null" => JValue::Null,
            _ => {
                return Err(self.err(format!(
                    "Unexpected character encountered while parsing value: {}.",
                    word.chars().next().unwrap_or('?')
                )))
            }
        };
        Ok(self.node(value))
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.i;
        while matches!(self.peek(), Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.bump();
        }
        let text: String = self.chars[start..self.i].iter().collect();
        if !is_json_number(&text) {
            return Err(self.err(format!("Input string '{text}' is not a valid number.")));
        }
        Ok(self.node(JValue::Number(text)))
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.bump(); // opening quote
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.err("Unterminated string. Expected delimiter: \".".into()));
            };
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(self.err("Unterminated string. Expected delimiter: \".".into()));
                    };
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi) {
                                // A surrogate pair must follow.
                                if self.peek() == Some('\\') {
                                    self.bump();
                                    if self.bump() != Some('u') {
                                        return Err(self.err("Bad JSON escape sequence.".into()));
                                    }
                                    let lo = self.hex4()?;
                                    let code = 0x10000
                                        + ((hi - 0xD800) << 10)
                                        + (lo.wrapping_sub(0xDC00) & 0x3FF);
                                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                                } else {
                                    out.push('\u{fffd}');
                                }
                            } else {
                                out.push(char::from_u32(hi).unwrap_or('\u{fffd}'));
                            }
                        }
                        other => {
                            return Err(self.err(format!("Bad JSON escape sequence: \\{other}.")))
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    return Err(self.err(format!(
                        "Invalid character in string: control character U+{:04X}.",
                        c as u32
                    )))
                }
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(c) = self.bump() else {
                return Err(self.unexpected_end());
            };
            let Some(d) = c.to_digit(16) else {
                return Err(self.err(format!("Invalid Unicode escape sequence character: {c}.")));
            };
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn object(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!(
                "The reader's MaxDepth of {MAX_DEPTH} has been exceeded."
            )));
        }
        self.bump(); // {
        let (line, pos) = (self.line, self.pos);
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(Node {
                value: JValue::Object(members),
                line,
                pos,
            });
        }
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(self.unexpected_end()),
                Some('"') => {}
                Some(c) => {
                    self.bump();
                    return Err(self.err(format!("Invalid property identifier character: {c}.")));
                }
            }
            let key = self.string()?;
            self.path.push(Seg::Key(key.clone()));
            self.skip_ws();
            match self.bump() {
                Some(':') => {}
                None => return Err(self.unexpected_end()),
                Some(c) => {
                    return Err(self.err(format!(
                        "Invalid character after parsing property name. Expected ':' but got: {c}."
                    )))
                }
            }
            self.skip_ws();
            let v = self.value(depth)?;
            members.push((key, v));
            self.skip_ws();
            match self.bump() {
                Some(',') => {
                    self.path.pop();
                }
                Some('}') => {
                    self.path.pop();
                    return Ok(Node {
                        value: JValue::Object(members),
                        line,
                        pos,
                    });
                }
                None => return Err(self.unexpected_end()),
                Some(c) => {
                    return Err(self.err(format!(
                        "After parsing a value an unexpected character was encountered: {c}."
                    )))
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!(
                "The reader's MaxDepth of {MAX_DEPTH} has been exceeded."
            )));
        }
        self.bump(); // [
        let (line, pos) = (self.line, self.pos);
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(Node {
                value: JValue::Array(items),
                line,
                pos,
            });
        }
        loop {
            self.path.push(Seg::Index(items.len()));
            self.skip_ws();
            let v = self.value(depth)?;
            items.push(v);
            self.path.pop();
            self.skip_ws();
            match self.bump() {
                Some(',') => {}
                Some(']') => {
                    return Ok(Node {
                        value: JValue::Array(items),
                        line,
                        pos,
                    })
                }
                None => return Err(self.unexpected_end()),
                Some(c) => {
                    return Err(self.err(format!(
                        "After parsing a value an unexpected character was encountered: {c}."
                    )))
                }
            }
        }
    }
}

/// RFC 8259 number grammar.
pub fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !matches!(b.get(i), Some(b'0'..=b'9')) {
            return false;
        }
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !matches!(b.get(i), Some(b'0'..=b'9')) {
            return false;
        }
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_newtonsoft() {
        let body = "{\n  \"AdministrationId\": \"x\",\n  \"RelationId\": \"\",\n}";
        let err = parse(body.as_bytes()).unwrap_err();
        assert!(err.message.contains("Invalid property identifier"));
        let ok = parse(b"{\n  \"A\": 1,\n  \"RelationId\": \"\"\n}").unwrap();
        let rel = ok.member("relationid").unwrap();
        assert_eq!((rel.line, rel.pos), (3, 18));
        assert_eq!((ok.line, ok.pos), (1, 1));
    }

    #[test]
    fn numbers_keep_their_text() {
        let n = parse(b"[2.50, -0.1e3, 10]").unwrap();
        let items = n.as_array().unwrap();
        assert_eq!(items[0].as_number(), Some("2.50"));
        assert_eq!(items[1].as_number(), Some("-0.1e3"));
        assert_eq!(items[2].value.token_type(), "Integer");
        assert!(parse(b"01").is_err());
        assert!(parse(b"1.").is_err());
    }

    #[test]
    fn errors_carry_path() {
        let err = parse(b"{\"InvoiceLine\":[{\"Quantity\": x}]}").unwrap_err();
        assert_eq!(err.path, "InvoiceLine[0].Quantity");
        assert_eq!(err.line, 1);
        let err = parse(b"{} x").unwrap_err();
        assert!(err.message.starts_with("Additional text"));
        let err = parse(b"").unwrap_err();
        assert!(err.message.starts_with("Unexpected end"));
    }
}
