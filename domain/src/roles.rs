//! Roles a person holds in an establishment, with their French names.

use serde::{Deserialize, Serialize};

/// A role held in one establishment. A person may hold several, in several establishments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// Élève.
    Student,
    /// Responsable: parent or legal guardian.
    Guardian,
    /// Enseignant.
    Teacher,
    /// Vie scolaire: CPE and assistants d'éducation.
    SchoolLife,
    /// Direction: principal, deputy.
    Direction,
    /// Administrateur: the establishment's référent numérique.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Student, Role::Guardian, Role::Teacher, Role::SchoolLife, Role::Direction, Role::Admin];

    /// The stable code stored in the database and used in CSV files.
    pub fn code(self) -> &'static str {
        match self {
            Role::Student => "eleve",
            Role::Guardian => "responsable",
            Role::Teacher => "enseignant",
            Role::SchoolLife => "vie_scolaire",
            Role::Direction => "direction",
            Role::Admin => "administrateur",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The French name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Role::Student => "Élève",
            Role::Guardian => "Responsable",
            Role::Teacher => "Enseignant",
            Role::SchoolLife => "Vie scolaire",
            Role::Direction => "Direction",
            Role::Admin => "Administrateur",
        }
    }

    /// Staff roles see establishment-wide data (within their own establishment only).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Teacher | Role::SchoolLife | Role::Direction | Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_code_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("pirate"), None);
    }
}
