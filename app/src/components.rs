//! Small pieces every page shares: the error shown for a failed form, the error template
//! of resources, loading text.

use crate::error::AppError;
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
