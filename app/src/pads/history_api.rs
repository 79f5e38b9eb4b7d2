//! Server functions of a pad's history, authorship and import: the saved versions and one
//! version's text (`/pads/:id/historique`), who wrote what (`/pads/:id/auteurs`), and a new
//! pad made from a text (`ImportPadForm`). Restoring a version is a form post to the server
//! crate's hub (`POST /pads/{id}/restaurer`), which applies it as a live edit.
//!
//! Each reads the pad's access first: another establishment's pad answers 404 like an
//! unknown one, a non-member 403 with an audit entry.

use super::{PadAuthorship, PadHistory, VersionText};
use crate::error::AppError;
use domain::PadId;
use leptos::prelude::*;

/// A pad's saved versions, oldest first.
#[server(prefix = "/api", endpoint = "pads/historique")]
pub async fn get_pad_history(pad: PadId) -> Result<PadHistory, AppError> {
    crate::server::respond(ssr::pad_history(pad).await)
}

/// The text of a pad's version at `position` (1 = the oldest kept; none or past the end: the
/// newest); `None` while the pad has no version.
#[server(prefix = "/api", endpoint = "pads/version")]
pub async fn get_pad_version(pad: PadId, position: Option<usize>) -> Result<Option<VersionText>, AppError> {
    crate::server::respond(ssr::pad_version(pad, position).await)
}

/// The pad's current text by author, with the legend.
#[server(prefix = "/api", endpoint = "pads/auteurs")]
pub async fn get_pad_authorship(pad: PadId) -> Result<PadAuthorship, AppError> {
    crate::server::respond(ssr::pad_authorship(pad).await)
}

/// Creates a pad of a class or group (`unite`) holding `texte` (a .txt or .md file's text,
/// pasted or read by the page), in one transaction; a plain form post is sent to the new
/// pad's page.
#[server(prefix = "/api", endpoint = "pads/importer")]
pub async fn import_pad(unite: String, titre: String, modification: String, texte: String) -> Result<PadId, AppError> {
    let result = ssr::import_pad(unite, titre, modification, texte).await;
    #[cfg(feature = "ssr")]
    if let Ok(id) = &result {
        leptos_axum::redirect(&format!("/pads/{id}"));
    }
    crate::server::respond(result)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::pads::{AuthorLine, AuthoredRun, IMPORT_MAX_CHARS, PADS_PER_UNIT_MAX, VersionLine, db, history_db};
    use crate::server::{AppState, CurrentUser, audit, require_user, state};
    use domain::pad::PadDoc;
    use domain::pad::authors::{PALETTE, colour_class, colour_index};
    use domain::permissions::{can_edit_pad, can_read_pad, is_member_of};
    use domain::{PadAccess, UserId};
    use std::collections::HashMap;

    /// The pad's access and title, when `user` may read it: 404 for an unknown pad or one
    /// of another establishment, 403 (and an audit entry) for anyone else who may not.
    pub async fn readable(st: &AppState, user: &CurrentUser, pad: PadId) -> Result<(PadAccess, String), AppError> {
        let access = db::access(&st.db, pad).await?.ok_or(AppError::NotFound)?;
        if !is_member_of(&user.viewer, access.establishment) {
            return Err(AppError::NotFound);
        }
        if !can_read_pad(&user.viewer, &access) {
            audit::refused(&st.db, user, &format!("pad {pad}")).await;
            return Err(AppError::Forbidden);
        }
        let title = db::line(&st.db, pad, false).await?.ok_or(AppError::NotFound)?.title;
        Ok((access, title))
    }

    pub async fn pad_history(pad: PadId) -> Result<PadHistory, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (access, title) = readable(&st, &user, pad).await?;
        let versions = history_db::versions(&st.db, pad)
            .await?
            .into_iter()
            .map(|v| VersionLine {
                number: v.version,
                created_at: v.created_at,
                when: domain::paris::format_datetime_long(v.created_at),
                editors: v.editors.into_iter().map(|(_, name)| name).collect(),
            })
            .collect();
        Ok(PadHistory { pad, title, versions, can_edit: can_edit_pad(&user.viewer, &access) })
    }

    pub async fn pad_version(pad: PadId, position: Option<usize>) -> Result<Option<VersionText>, AppError> {
        let user = require_user()?;
        let st = state()?;
        readable(&st, &user, pad).await?;
        let numbers = history_db::version_numbers(&st.db, pad).await?;
        if numbers.is_empty() {
            return Ok(None);
        }
        let position = position.unwrap_or(numbers.len()).clamp(1, numbers.len());
        let number = numbers[position - 1];
        let text = history_db::version_text(&st.db, pad, number).await?.ok_or(AppError::NotFound)?;
        Ok(Some(VersionText { number, position, text }))
    }

    /// The pad's current text as durable (what every acknowledged edit made it).
    pub async fn current_doc(st: &AppState, pad: PadId) -> Result<PadDoc, AppError> {
        let stored = db::load(&st.db, pad).await?;
        PadDoc::from_updates(0, &stored.updates)
            .map_err(|e| AppError::from(anyhow::anyhow!("a stored update of pad {pad} does not apply: {e}")))
    }

    pub async fn pad_authorship(pad: PadId) -> Result<PadAuthorship, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (_, title) = readable(&st, &user, pad).await?;
        let doc = current_doc(&st, pad).await?;
        let names = history_db::author_names(&st.db, pad).await?;
        Ok(authorship(pad, title, &doc, &names))
    }

    /// Groups the document's runs by person (`names`: client, person, name).
    pub fn authorship(pad: PadId, title: String, doc: &PadDoc, names: &[(u64, UserId, String)]) -> PadAuthorship {
        let person_of: HashMap<u64, (UserId, &str)> =
            names.iter().map(|(client, user, name)| (*client, (*user, name.as_str()))).collect();
        let mut people: Vec<UserId> = Vec::new();
        let mut authors: Vec<AuthorLine> = Vec::new();
        let mut runs: Vec<AuthoredRun> = Vec::new();
        let mut unknown_chars = 0;
        for run in doc.authorship() {
            let chars = run.text.chars().count();
            let author = match person_of.get(&run.client) {
                Some((user, name)) => {
                    let k = match people.iter().position(|p| p == user) {
                        Some(k) => k,
                        None => {
                            people.push(*user);
                            authors.push(AuthorLine {
                                name: name.to_string(),
                                colour_class: colour_class(*user),
                                colour_name: PALETTE[colour_index(*user)].name.to_string(),
                                chars: 0,
                            });
                            authors.len() - 1
                        }
                    };
                    authors[k].chars += chars;
                    Some(k)
                }
                None => {
                    unknown_chars += chars;
                    None
                }
            };
            // One person may write with several clients (tabs, reloads): their runs merge.
            match runs.last_mut() {
                Some(last) if last.author == author => last.text.push_str(&run.text),
                _ => runs.push(AuthoredRun { text: run.text, author }),
            }
        }
        // Legend by characters written, most first; runs keep pointing at the right line.
        let mut order: Vec<usize> = (0..authors.len()).collect();
        order.sort_by(|a, b| authors[*b].chars.cmp(&authors[*a].chars).then(authors[*a].name.cmp(&authors[*b].name)));
        let mut new_index = vec![0; authors.len()];
        for (new, old) in order.iter().enumerate() {
            new_index[*old] = new;
        }
        for run in &mut runs {
            run.author = run.author.map(|k| new_index[k]);
        }
        let authors = order.into_iter().map(|k| authors[k].clone()).collect();
        PadAuthorship { pad, title, runs, authors, unknown_chars }
    }

    fn invalid(field: &str, reason: impl Into<String>) -> AppError {
        AppError::Invalid { field: field.into(), reason: reason.into() }
    }

    /// The imported text, checked: not blank, at most [`IMPORT_MAX_CHARS`] characters, line
    /// ends as `\n`. (It is valid UTF-8: the form's text is decoded as such, and the page's
    /// file picker reads a file as UTF-8 or Windows-1252.)
    pub fn check_import_text(texte: &str) -> Result<String, AppError> {
        let text = texte.replace("\r\n", "\n").replace('\r', "\n");
        if text.trim().is_empty() {
            return Err(invalid(
                "texte",
                "Le texte à importer est vide : collez-le, ou choisissez un fichier .txt ou .md.",
            ));
        }
        let chars = text.chars().count();
        if chars > IMPORT_MAX_CHARS {
            return Err(invalid(
                "texte",
                format!(
                    "Le texte fait {chars} caractères : un pad en contient {IMPORT_MAX_CHARS} au plus. Partagez-le entre plusieurs pads."
                ),
            ));
        }
        Ok(text)
    }

    pub async fn import_pad(
        unite: String,
        titre: String,
        modification: String,
        texte: String,
    ) -> Result<PadId, AppError> {
        let user = require_user()?;
        let st = state()?;
        // The same checks as creating an empty pad (who, title, policy) ...
        let new = crate::pads::api::ssr::new_pad(&st, &user, &unite, &titre, &modification).await?;
        // ... then the text, as one insertion by a fresh client id that is the importer's.
        let text = check_import_text(&texte)?;
        let client = db::random_client_id()?;
        let mut doc = PadDoc::new(client);
        doc.insert(0, &text);
        let state_bytes = doc.full_state();
        if state_bytes.len() > domain::pad::MAX_PAD_BYTES {
            return Err(invalid(
                "texte",
                format!(
                    "Ce texte prendrait {} Kio dans un pad, qui en tient {} au plus : partagez-le entre plusieurs pads.",
                    state_bytes.len().div_ceil(1024),
                    domain::pad::MAX_PAD_BYTES / 1024
                ),
            ));
        }
        let first = db::FirstContent { state: &state_bytes, text: &text, client };
        db::create_with_text(&st.db, &new, PADS_PER_UNIT_MAX, &first).await?;
        Ok(new.id)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn an_import_is_refused_when_blank_or_too_long_and_line_ends_become_newlines() {
            assert!(matches!(check_import_text(" \n\t "), Err(AppError::Invalid { .. })));
            assert!(matches!(check_import_text(&"é".repeat(IMPORT_MAX_CHARS + 1)), Err(AppError::Invalid { .. })));
            assert_eq!(
                check_import_text(&"é".repeat(IMPORT_MAX_CHARS)).map(|t| t.chars().count()),
                Ok(IMPORT_MAX_CHARS)
            );
            assert_eq!(check_import_text("a\r\nb\rc"), Ok("a\nb\nc".into()));
        }

        #[test]
        fn runs_of_one_person_merge_and_the_legend_counts_their_characters() -> Result<(), domain::pad::PadError> {
            let mut a = PadDoc::new(1);
            let mut b = PadDoc::new(2);
            let mut c = PadDoc::new(3);
            let u1 = a.insert(0, "Bonjour ");
            b.apply_update(&u1)?;
            let u2 = b.insert(8, "la ");
            c.apply_update(&u1)?;
            c.apply_update(&u2)?;
            // Client 3 is the same person as client 1 (another tab).
            let u3 = c.insert(11, "classe");
            a.apply_update(&u2)?;
            a.apply_update(&u3)?;
            let (anne, bob) = (UserId(10), UserId(20));
            let names =
                vec![(1, anne, "Anne A".to_string()), (2, bob, "Bob B".to_string()), (3, anne, "Anne A".to_string())];
            let view = authorship(PadId(1), "T".into(), &a, &names);
            assert_eq!(
                view.authors.iter().map(|l| (l.name.as_str(), l.chars)).collect::<Vec<_>>(),
                [("Anne A", 14), ("Bob B", 3)]
            );
            assert_eq!(
                view.runs,
                vec![
                    AuthoredRun { text: "Bonjour ".into(), author: Some(0) },
                    AuthoredRun { text: "la ".into(), author: Some(1) },
                    AuthoredRun { text: "classe".into(), author: Some(0) },
                ]
            );
            assert_eq!(view.authors[0].colour_class, colour_class(anne));
            // Without names, everything is unknown.
            let unknown = authorship(PadId(1), "T".into(), &a, &[]);
            assert_eq!((unknown.unknown_chars, unknown.authors.len()), (17, 0));
            Ok(())
        }
    }
}
