//! Small pieces every page shares: the error shown for a failed form, the error template
//! of resources, loading text.

use crate::error::AppError;
use leptos::__reexports::send_wrapper::SendWrapper;
use leptos::prelude::*;
use server_fn::ServerFn;

/// Shows the French message of a failed server action (hydrated or after a plain post, when
/// the error comes back in the URL).
#[component]
pub fn FormError<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || {
        action.value().get().and_then(|r| r.err()).map(|e| {
            view! { <p class="alert" role="alert">{e.message()}</p> }
        })
    }
}

/// Shows a resource's error in French, in place of the content it could not load.
#[component]
pub fn ErrorBox(error: AppError) -> impl IntoView {
    let login_link =
        matches!(error, AppError::Unauthenticated).then(|| view! { <a href="/connexion">"Se connecter"</a> });
    view! {
        <div class="alert" role="alert">
            <p>{error.message()}</p>
            {login_link}
        </div>
    }
}

/// Whether the page runs hydrated: false on the server and until hydration, true after.
pub fn hydrated() -> ReadSignal<bool> {
    let (on, set_on) = signal(false);
    Effect::new(move |_| set_on.set(true));
    on
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="muted" aria-live="polite">"Chargement…"</p> }
}

/// Renders a resource's value with `ok`, its error with `ErrorBox`, and loading text until it
/// arrives. Server-rendered pages arrive complete; hydration only takes over.
#[component]
pub fn Async<T, V, F>(resource: Resource<Result<T, AppError>>, ok: F) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    view! {
        <Suspense fallback=Loading>
            {move || {
                let ok = ok.clone();
                resource
                    .get()
                    .map(move |r| match r {
                        Ok(v) => ok(v).into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// A typed query-string parameter of the current page (`?eleve=12`), as a reactive getter;
/// `None` when absent or unreadable.
pub fn query_param<T: std::str::FromStr>(name: &'static str) -> impl Fn() -> Option<T> + Copy + Send + Sync {
    let q = leptos_router::hooks::use_query_map();
    move || q.read().get(name).and_then(|v| v.parse().ok())
}

/// "Ou choisissez un fichier": fills the textarea `target` with a chosen file's text, read in
/// the browser as UTF-8 or, failing that, as the Windows-1252 French Excel and some editors
/// write (`domain::import::decode_spreadsheet_text`). It appears once the page is hydrated,
/// since it needs JavaScript; without it, pasting into the textarea does the same. Files over
/// `max_bytes` are refused before they are read, with the sizes and `too_big` (what to do
/// instead).
///
/// `label`: what to choose ("Ou choisissez un fichier CSV (il remplit la zone ci-dessus) : ");
/// `accept`: the file input's `accept` attribute (".csv,.txt,text/csv,text/plain").
#[component]
pub fn FilePicker(
    target: &'static str,
    max_bytes: usize,
    label: &'static str,
    accept: &'static str,
    too_big: &'static str,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let problem = RwSignal::new(None::<String>);
    let picker_id = format!("{target}-fichier");
    let on_change = move |ev: leptos::ev::Event| {
        use leptos::wasm_bindgen::JsCast;
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
        let size = file.size();
        if size > max_bytes as f64 {
            problem.set(Some(format!(
                "« {} » fait {} Ko : {} Ko au plus. {too_big}",
                file.name(),
                (size / 1024.0).ceil(),
                max_bytes / 1024
            )));
            input.set_value("");
            return;
        }
        leptos::task::spawn_local(async move {
            let read = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await;
            let area =
                document().get_element_by_id(target).and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
            match (read, area) {
                (Ok(buffer), Some(area)) => {
                    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                    area.set_value(&domain::import::decode_spreadsheet_text(&bytes));
                    problem.set(None);
                }
                _ => problem.set(Some("Le fichier n'a pas pu être lu : réessayez, ou collez son contenu.".into())),
            }
        });
    };
    move || {
        hydrated.get().then(|| {
            view! {
                <p class="file-pick">
                    <label for=picker_id.clone()>{label}</label>
                    <input id=picker_id.clone() type="file" accept=accept on:change=on_change/>
                </p>
                {move || problem.get().map(|p| view! { <p class="alert" role="alert">{p}</p> })}
            }
        })
    }
}

/// The label, `accept` and advice of a CSV [`FilePicker`].
pub const CSV_PICKER_LABEL: &str = "Ou choisissez un fichier CSV (il remplit la zone ci-dessus) : ";
pub const CSV_PICKER_ACCEPT: &str = ".csv,.txt,text/csv,text/plain";
pub const CSV_PICKER_TOO_BIG: &str = "Gardez seulement les lignes et les colonnes utiles.";

/// A value that exists only in the browser (a socket, the pad editor's client), reachable from
/// the page's closures. Leptos's `StoredValue::new_local` is not safe for it on the server: the
/// server's response stream can clean a page up on another worker thread than the one that
/// rendered it, and dropping or reading a thread-bound value there panics (seen on the pad
/// page). This one only ever holds a value in the browser, which has one thread; on the server
/// it stays empty, so its clean-up has nothing thread-bound to drop.
pub struct BrowserValue<T: 'static>(StoredValue<Option<SendWrapper<T>>>);

impl<T: 'static> Clone for BrowserValue<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for BrowserValue<T> {}

impl<T: 'static> Default for BrowserValue<T> {
    fn default() -> Self {
        BrowserValue(StoredValue::new(None))
    }
}

impl<T: 'static> BrowserValue<T> {
    /// Empty, owned by the current reactive owner.
    pub fn new() -> Self {
        Self::default()
    }

    /// Holds `value` from now on, in the browser; elsewhere `value` is dropped at once.
    pub fn set(&self, value: Option<T>) {
        if cfg!(target_arch = "wasm32") {
            self.0.set_value(value.map(SendWrapper::new));
        }
    }

    /// Whether it holds a value (never on the server).
    pub fn is_set(&self) -> bool {
        self.with(|_| ()).is_some()
    }

    /// `f` over the value, if there is one.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        self.0.try_with_value(|v| v.as_ref().map(|v| f(v))).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set, read in a clean-up and cleaned up on another thread than the one that made it,
    /// as the server's response stream does: nothing panics.
    #[test]
    fn a_browser_value_is_cleaned_up_on_another_thread_without_a_panic() -> Result<(), String> {
        let owner = Owner::new();
        let value = owner.with(|| {
            let socket = BrowserValue::<std::rc::Rc<u8>>::new();
            socket.set(Some(std::rc::Rc::new(1)));
            on_cleanup(move || {
                let _ = socket.with(|s| **s);
            });
            socket
        });
        assert_eq!(value.with(|s| **s), None, "the server holds no browser value");
        std::thread::spawn(move || owner.cleanup()).join().map_err(|_| "the clean-up panicked".to_string())
    }
}
