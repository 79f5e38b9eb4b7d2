//! `ImportPadForm`: a new pad of a class or group made from a .txt or .md text, for the pad
//! list page. The text is pasted in a textarea (a plain form post: it works without
//! JavaScript) or, once the page is hydrated, read from a chosen file into that textarea
//! (`components::FilePicker`, UTF-8 or Windows-1252). The server function (`import_pad`)
//! checks it (not blank, at most `IMPORT_MAX_CHARS` characters, small enough for a pad)
//! and creates the pad with its text in one transaction, then opens it.

use super::IMPORT_MAX_CHARS;
use super::history_api::ImportPad;
use crate::components::{FilePicker, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// Largest file the picker reads: 4 bytes per character at most.
const IMPORT_MAX_FILE_BYTES: usize = IMPORT_MAX_CHARS * 4;

/// The import form for one of `units` (key "c:12" or "g:7", and name): a choice when there
/// are several.
#[component]
pub fn ImportPadForm(units: Vec<(String, String)>) -> impl IntoView {
    let action = ServerAction::<ImportPad>::new();
    let unit = match units.as_slice() {
        [(key, _)] => view! { <input type="hidden" name="unite" value=key.clone()/> }.into_any(),
        _ => view! {
            <label class="block">"Classe ou groupe"
                <select name="unite">
                    {units.into_iter().map(|(key, name)| view! { <option value=key>{name}</option> }).collect_view()}
                </select>
            </label>
        }
        .into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="pad-import-titre">
            <h2 id="pad-import-titre">"Importer un texte dans un nouveau pad"</h2>
            <ActionForm action>
                {unit}
                <label class="block">"Titre du pad"
                    <input name="titre" required maxlength=super::TITLE_MAX_CHARS.to_string()/>
                </label>
                <label class="block">"Qui peut modifier"
                    <select name="modification">
                        <option value="class" selected>"Toute la classe"</option>
                        <option value="teacher">"L'enseignant seul"</option>
                        <option value="named">"Des élèves nommés (à choisir ensuite)"</option>
                    </select>
                </label>
                <label class="block" for="pad-import-texte">"Collez le texte (.txt ou Markdown .md) :"</label>
                <textarea id="pad-import-texte" name="texte" rows="8" required></textarea>
                <FilePicker target="pad-import-texte" max_bytes=IMPORT_MAX_FILE_BYTES
                    label="Ou choisissez un fichier .txt ou .md (il remplit la zone ci-dessus) : "
                    accept=".txt,.md,.markdown,text/plain,text/markdown"
                    too_big="Partagez le texte entre plusieurs pads."/>
                <p class="muted small">{format!("{} caractères au plus. Le texte devient la première version du pad ; vous en êtes l'auteur.", fr_thousands(IMPORT_MAX_CHARS))}</p>
                <button type="submit">"Importer"</button>
            </ActionForm>
            <FormError action/>
        </section>
    }
}

/// "500 000": thousands apart, the French way.
fn fr_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_set_apart_the_french_way() {
        assert_eq!(super::fr_thousands(500_000), "500\u{202f}000");
        assert_eq!(super::fr_thousands(999), "999");
        assert_eq!(super::fr_thousands(1_000), "1\u{202f}000");
    }
}
