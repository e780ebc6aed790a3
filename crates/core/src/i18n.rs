//! The two languages of the user interface.

use serde::{Deserialize, Serialize};

/// A user-interface language. Follows the system by default; the user can switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    #[default]
    En,
}

impl Lang {
    /// Picks a language from a locale tag such as `nl-NL`, `nl_BE.UTF-8` or `en-GB`.
    pub fn from_locale(tag: &str) -> Lang {
        let t = tag.trim().to_ascii_lowercase();
        if t.starts_with("nl") {
            Lang::Nl
        } else {
            Lang::En
        }
    }

    /// Chooses between a Dutch and an English text.
    pub fn pick<'a>(self, nl: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Text {
    pub nl: String,
    pub en: String,
}

impl Text {
    pub fn new(nl: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            nl: nl.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.nl, &self.en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags() {
        assert_eq!(Lang::from_locale("nl-NL"), Lang::Nl);
        assert_eq!(Lang::from_locale("nl_BE.UTF-8"), Lang::Nl);
        assert_eq!(Lang::from_locale("en-GB"), Lang::En);
        assert_eq!(Lang::from_locale("fr-BE"), Lang::En);
    }
}
