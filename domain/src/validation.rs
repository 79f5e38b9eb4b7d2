//! Parsers that turn outside input into types carrying their rules (parse, don't validate).
//! Each refusal says in French what to fix.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// Shortest password accepted.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Longest password accepted (argon2 would take more, but nobody types more).
pub const PASSWORD_MAX_CHARS: usize = 128;
/// Longest username accepted.
pub const USERNAME_MAX_CHARS: usize = 64;
/// Longest display name part (first or last name) accepted.
pub const NAME_MAX_CHARS: usize = 80;

/// Passwords too common to accept, whatever their length (lower-cased comparison).
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "azertyuiopqs",
    "azertyuiop123",
    "motdepasse123",
    "motdepasse1234",
    "password1234",
    "password12345",
    "qwertyuiop12",
    "qwertyuiop123",
    "azertyazerty",
    "bonjour12345",
    "soleil123456",
    "jetaime12345",
    "marseille1313",
    "doudou123456",
    "111111111111",
    "000000000000",
    "aaaaaaaaaaaa",
    "abcdefghijkl",
    "abcdefabcdef",
    "1234567890ab",
    "administrateur",
    "preaupreau12",
    "motdepassepreau",
];

/// A login identifier: lower-case letters, digits, dots, hyphens and underscores.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim().to_lowercase();
        let field = "identifiant";
        if s.is_empty() {
            return Err(DomainError::new(field, "Saisissez votre identifiant."));
        }
        if s.chars().count() > USERNAME_MAX_CHARS {
            return Err(DomainError::new(
                field,
                format!("L'identifiant ne doit pas dépasser {USERNAME_MAX_CHARS} caractères."),
            ));
        }
        if !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)) {
            return Err(DomainError::new(
                field,
                "L'identifiant ne contient que des lettres sans accent, des chiffres, des points, des tirets ou des soulignés.",
            ));
        }
        Ok(Username(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password the user chose, checked against the policy. Never serialised back out.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    /// Policy: at least 12 characters (a passphrase of a few words qualifies), at most 128,
    /// not the username, not in the list of common passwords, not one repeated character.
    pub fn parse(raw: &str, username: &Username) -> Result<Self, DomainError> {
        let field = "mot_de_passe";
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(DomainError::new(
                field,
                format!(
                    "Le mot de passe doit faire au moins {PASSWORD_MIN_CHARS} caractères. Une phrase de quelques mots, facile à retenir, convient très bien."
                ),
            ));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(DomainError::new(
                field,
                format!("Le mot de passe ne doit pas dépasser {PASSWORD_MAX_CHARS} caractères."),
            ));
        }
        let lower = raw.to_lowercase();
        let squeezed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
        if squeezed.contains(username.as_str()) {
            return Err(DomainError::new(field, "Le mot de passe ne doit pas contenir votre identifiant."));
        }
        let first = squeezed.chars().next();
        if COMMON_PASSWORDS.contains(&squeezed.as_str()) || squeezed.chars().all(|c| Some(c) == first) {
            return Err(DomainError::new(
                field,
                "Ce mot de passe est trop courant. Choisissez-en un autre, par exemple une phrase de quelques mots.",
            ));
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// An establishment's UAI code (Unité Administrative Immatriculée): 7 digits and a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Uai(String);

impl Uai {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim().to_uppercase();
        let ok = s.len() == 8
            && s[..7].chars().all(|c| c.is_ascii_digit())
            && s[7..].chars().all(|c| c.is_ascii_uppercase());
        if ok {
            Ok(Uai(s))
        } else {
            Err(DomainError::new("uai", "Le code UAI comporte 7 chiffres puis une lettre, par exemple 0671234A."))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short label such as a class, group or subject name: trimmed, 1 to 60 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Label(String);

/// Longest class, group or subject name accepted.
pub const LABEL_MAX_CHARS: usize = 60;

impl Label {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            return Err(DomainError::new(field, "Ce champ est obligatoire."));
        }
        if s.chars().count() > LABEL_MAX_CHARS {
            return Err(DomainError::new(field, format!("{LABEL_MAX_CHARS} caractères au plus.")));
        }
        if s.chars().any(char::is_control) {
            return Err(DomainError::new(field, "Caractère non autorisé."));
        }
        Ok(Label(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's first or last name: trimmed, 1 to 80 characters, letters, spaces, hyphens,
/// apostrophes and dots.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            return Err(DomainError::new(field, "Ce champ est obligatoire."));
        }
        if s.chars().count() > NAME_MAX_CHARS {
            return Err(DomainError::new(field, format!("{NAME_MAX_CHARS} caractères au plus.")));
        }
        if !s.chars().all(|c| c.is_alphabetic() || " -'’.".contains(c)) {
            return Err(DomainError::new(
                field,
                "Seuls les lettres, espaces, tirets, apostrophes et points sont acceptés.",
            ));
        }
        Ok(PersonName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name folded for usernames and for sorting the French way: lower case, accents and
/// ligatures removed ("Léo" → "leo"), spaces and apostrophes as "-", anything else dropped.
pub fn fold_accents(s: &str) -> String {
    s.replace('œ', "oe")
        .replace('æ', "ae")
        .replace('Œ', "oe")
        .replace('Æ', "ae")
        .chars()
        .filter_map(|c| {
            let c = c.to_lowercase().next().unwrap_or(c);
            let base = match c {
                'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
                'ç' => 'c',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'î' | 'ï' | 'í' => 'i',
                'ô' | 'ö' | 'ó' => 'o',
                'ù' | 'û' | 'ü' | 'ú' => 'u',
                'ÿ' => 'y',
                ' ' | '\'' | '’' => '-',
                c => c,
            };
            (base.is_ascii_lowercase() || base.is_ascii_digit() || base == '-').then_some(base)
        })
        .collect()
}

/// Suggests a username from a person's names: "prenom.nom", accents removed, lower case.
pub fn suggest_username(first: &PersonName, last: &PersonName) -> String {
    format!("{}.{}", fold_accents(first.as_str()), fold_accents(last.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Username {
        Username::parse("marie.curie").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_username_is_trimmed_and_lower_cased() {
        assert_eq!(Username::parse("  Marie.Curie ").map(|u| u.0), Ok("marie.curie".into()));
    }

    #[test]
    fn a_username_with_spaces_or_accents_is_refused() {
        assert!(Username::parse("marie curie").is_err());
        assert!(Username::parse("élodie").is_err());
        assert!(Username::parse("").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn a_short_password_is_refused_with_a_hint() {
        let err = NewPassword::parse("court", &user()).err();
        assert!(err.is_some_and(|e| e.reason.contains("12 caractères")));
    }

    #[test]
    fn a_passphrase_is_accepted() {
        assert!(NewPassword::parse("le chat dort sur le canapé", &user()).is_ok());
    }

    #[test]
    fn a_password_containing_the_username_is_refused() {
        assert!(NewPassword::parse("marie.curie2024!", &user()).is_err());
    }

    #[test]
    fn a_common_password_is_refused_whatever_its_case() {
        assert!(NewPassword::parse("MotDePasse123", &user()).is_err());
        assert!(NewPassword::parse("zzzzzzzzzzzzzz", &user()).is_err());
    }

    #[test]
    fn a_password_longer_than_the_limit_is_refused() {
        assert!(NewPassword::parse(&"ab".repeat(65), &user()).is_err());
    }

    #[test]
    fn a_uai_has_seven_digits_and_a_letter() {
        assert!(Uai::parse("0671234a").is_ok());
        assert!(Uai::parse("067123A").is_err());
        assert!(Uai::parse("ABCDEFGH").is_err());
    }

    #[test]
    fn a_label_collapses_spaces_and_has_a_limit() {
        assert_eq!(Label::parse("classe", "  4e   B ").map(|l| l.0), Ok("4e B".into()));
        assert!(Label::parse("classe", "   ").is_err());
        assert!(Label::parse("classe", &"x".repeat(61)).is_err());
    }

    #[test]
    fn a_name_accepts_accents_and_hyphens_but_not_digits() {
        assert!(PersonName::parse("prenom", "Jean-Émile").is_ok());
        assert!(PersonName::parse("nom", "D'Artagnan").is_ok());
        assert!(PersonName::parse("nom", "R2D2").is_err());
    }

    #[test]
    fn a_suggested_username_folds_accents() {
        let first = PersonName::parse("prenom", "Zoé").unwrap_or_else(|e| panic!("{e}"));
        let last = PersonName::parse("nom", "Le Bœuf").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(suggest_username(&first, &last), "zoe.le-boeuf");
    }
}
