//! Accounts: the login and activation pages, the logout button, and who is logged in.
//! Forms are plain HTML posts to server functions, so they work with JavaScript off and a
//! successful login always lands on a freshly rendered page.

pub mod account;
pub mod api;
#[cfg(feature = "ssr")]
pub mod db;

use crate::components::FormError;
use domain::{EstablishmentId, Role, UserId};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use server_fn::ServerFn;

pub use api::{Activate, Login, Logout};

/// The logged-in person as the UI sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: UserId,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub region_admin: bool,
    pub establishment: Option<EstablishmentInfo>,
    /// Roles held in `establishment`.
    pub roles: Vec<Role>,
}

impl Me {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstablishmentInfo {
    pub id: EstablishmentId,
    pub name: String,
    pub uai: String,
}

/// Letters of activation codes: no 0/O, 1/I/L, so a code on paper is read without doubt.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in an activation code (31^10 ≈ 2^49 possibilities, and attempts are throttled).
pub const CODE_LEN: usize = 10;
/// Days an activation code stays valid.
pub const CODE_VALID_DAYS: i64 = 60;

/// Codes are typed as printed ("ABCD-EFGH-JK"), in any case, with or without dashes.
pub fn normalise_code(raw: &str) -> String {
    raw.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// A new activation code, grouped for printing.
#[cfg(feature = "ssr")]
pub fn new_activation_code() -> anyhow::Result<String> {
    let mut bytes = [0u8; CODE_LEN];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let chars: Vec<char> = bytes.iter().map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char).collect();
    Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("suivant").unwrap_or_default();
    view! {
        <main id="contenu" class="auth-page">
            <div class="auth-card">
                <p class="brand-big" aria-hidden="true">"Préau"</p>
                <h1>"Connexion"</h1>
                <p class="muted">"L'espace numérique de travail de votre établissement."</p>
                <FormError action=login/>
                <form method="post" action={<Login as ServerFn>::PATH} class="stack">
                    <label for="identifiant">"Identifiant"</label>
                    <input
                        id="identifiant"
                        name="identifiant"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                    />
                    <label for="mot_de_passe">"Mot de passe"</label>
                    <input
                        id="mot_de_passe"
                        type="password"
                        name="mot_de_passe"
                        autocomplete="current-password"
                        required
                    />
                    <input type="hidden" name="suivant" value=next/>
                    <button type="submit" class="primary">"Se connecter"</button>
                </form>
                <p class="small">
                    <a href="/activation">"Première connexion ? Activez votre compte avec votre code."</a>
                </p>
            </div>
        </main>
    }
}

#[component]
pub fn ActivationPage() -> impl IntoView {
    let activate = ServerAction::<Activate>::new();
    view! {
        <main id="contenu" class="auth-page">
            <div class="auth-card">
                <p class="brand-big" aria-hidden="true">"Préau"</p>
                <h1>"Activer mon compte"</h1>
                <p class="muted">
                    "Saisissez l'identifiant et le code d'activation de la lettre remise par l'établissement, puis choisissez votre mot de passe."
                </p>
                <FormError action=activate/>
                <form method="post" action={<Activate as ServerFn>::PATH} class="stack">
                    <label for="identifiant">"Identifiant"</label>
                    <input id="identifiant" name="identifiant" autocomplete="username" autocapitalize="none" required/>
                    <label for="code">"Code d'activation"</label>
                    <input id="code" name="code" autocomplete="one-time-code" autocapitalize="characters" required/>
                    <label for="mot_de_passe">"Nouveau mot de passe"</label>
                    <input
                        id="mot_de_passe"
                        type="password"
                        name="mot_de_passe"
                        autocomplete="new-password"
                        minlength="12"
                        aria-describedby="aide-mdp"
                        required
                    />
                    <p id="aide-mdp" class="small muted">
                        "Au moins 12 caractères. Une phrase de quelques mots, facile à retenir, convient très bien."
                    </p>
                    <label for="confirmation">"Confirmez le mot de passe"</label>
                    <input id="confirmation" type="password" name="confirmation" autocomplete="new-password" required/>
                    <button type="submit" class="primary">"Activer et me connecter"</button>
                </form>
                <p class="small"><a href="/connexion">"J'ai déjà un mot de passe"</a></p>
            </div>
        </main>
    }
}

/// The logout button: a plain form post, so it works without JavaScript.
#[component]
pub fn LogoutButton() -> impl IntoView {
    view! {
        <form method="post" action={<Logout as ServerFn>::PATH} class="inline">
            <button type="submit" class="link-button">"Se déconnecter"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_typed_in_any_case_with_or_without_dashes() {
        assert_eq!(normalise_code(" abcd-efgh-jk "), "ABCDEFGHJK");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_new_code_uses_only_unambiguous_letters() -> anyhow::Result<()> {
        let code = new_activation_code()?;
        assert_eq!(normalise_code(&code).len(), CODE_LEN);
        assert!(normalise_code(&code).bytes().all(|b| CODE_ALPHABET.contains(&b)));
        Ok(())
    }
}
