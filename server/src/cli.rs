//! Command line: `preau` (serve), `preau migrate`, `preau etablissement create ...`,
//! `preau admin create ...`. There is no default administrator: the first one is made here
//! and receives a one-time activation code.

use crate::config::Settings;
use anyhow::{Context, bail};
use app::server::db::{self, new_id, now_ms, sha256_hex};
use domain::{EstablishmentId, Label, PersonName, Role, Uai, Username};

const USAGE: &str = "Usage :
  preau                      lance le serveur
  preau migrate              applique les migrations puis s'arrête
  preau etablissement create --uai 0671234A --nom \"Collège Jean Moulin\" [--ville Strasbourg]
  preau admin create --identifiant j.dupont --prenom Jean --nom Dupont (--uai 0671234A | --region)";

fn opt<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn required<'a>(args: &'a [String], name: &str) -> anyhow::Result<&'a str> {
    opt(args, name).with_context(|| format!("option {name} manquante\n{USAGE}"))
}

pub async fn run(settings: Settings, args: &[String]) -> anyhow::Result<()> {
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["serve"] => {
            let state = crate::build_state(&settings).await?;
            let listener = tokio::net::TcpListener::bind(settings.site_addr)
                .await
                .with_context(|| format!("listening on {}", settings.site_addr))?;
            tracing::info!(addr = %settings.site_addr, settings = ?settings, "Préau is listening");
            crate::serve(state, listener).await
        }
        ["migrate"] => {
            db::connect_and_migrate(&settings.database_url, 1).await?;
            println!("Migrations appliquées.");
            Ok(())
        }
        ["etablissement", "create", ..] => {
            let pool = db::connect_and_migrate(&settings.database_url, 1).await?;
            let uai = Uai::parse(required(args, "--uai")?)?;
            let name = Label::parse("nom", required(args, "--nom")?)?;
            create_establishment(&pool, &uai, &name, opt(args, "--ville").unwrap_or("")).await?;
            println!("Établissement créé : {} ({})", name.as_str(), uai.as_str());
            Ok(())
        }
        ["admin", "create", ..] => {
            let pool = db::connect_and_migrate(&settings.database_url, 1).await?;
            let username = Username::parse(required(args, "--identifiant")?)?;
            let first = PersonName::parse("prenom", required(args, "--prenom")?)?;
            let last = PersonName::parse("nom", required(args, "--nom")?)?;
            let scope = match (opt(args, "--uai"), args.iter().any(|a| a == "--region")) {
                (Some(uai), _) => AdminScope::Establishment(Uai::parse(uai)?),
                (None, true) => AdminScope::Region,
                (None, false) => bail!("précisez --uai ou --region\n{USAGE}"),
            };
            let code = create_admin(&pool, &username, &first, &last, &scope).await?;
            println!(
                "Compte {username} créé. Code d'activation (à usage unique, {} jours) : {code}",
                app::auth::CODE_VALID_DAYS
            );
            println!("Ouvrez /activation, saisissez l'identifiant et ce code, puis choisissez un mot de passe.");
            Ok(())
        }
        _ => bail!("commande inconnue\n{USAGE}"),
    }
}

/// Creates an establishment; its UAI must be new.
pub async fn create_establishment(
    pool: &db::Db,
    uai: &Uai,
    name: &Label,
    city: &str,
) -> anyhow::Result<EstablishmentId> {
    let id = new_id();
    sqlx::query("INSERT INTO establishments (id, name, uai, city, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(name.as_str())
        .bind(uai.as_str())
        .bind(city)
        .bind(now_ms())
        .execute(pool)
        .await
        .with_context(|| format!("création de l'établissement {} (UAI déjà utilisé ?)", uai.as_str()))?;
    Ok(EstablishmentId(id))
}

/// Where a new administrator holds the role.
pub enum AdminScope {
    Establishment(Uai),
    Region,
}

/// Creates an administrator account without a password and returns its one-time activation
/// code. Account, membership and audit entry are written in one transaction.
pub async fn create_admin(
    pool: &db::Db,
    username: &Username,
    first: &PersonName,
    last: &PersonName,
    scope: &AdminScope,
) -> anyhow::Result<String> {
    let establishment = match scope {
        AdminScope::Establishment(uai) => {
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM establishments WHERE uai = $1")
                .bind(uai.as_str())
                .fetch_optional(pool)
                .await?;
            Some(id.with_context(|| format!("aucun établissement d'UAI {}", uai.as_str()))?)
        }
        AdminScope::Region => None,
    };
    let code = app::auth::new_activation_code()?;
    let id = new_id();
    let mut tx = app::server::db::begin_write(pool).await?;
    sqlx::query(
        "INSERT INTO users (id, username, first_name, last_name, activation_hash, activation_expires_at, region_admin, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(username.as_str())
    .bind(first.as_str())
    .bind(last.as_str())
    .bind(sha256_hex(&app::auth::normalise_code(&code)))
    .bind(now_ms() + app::auth::CODE_VALID_DAYS * 86_400_000)
    .bind(i64::from(matches!(scope, AdminScope::Region)))
    .bind(now_ms())
    .execute(&mut *tx)
    .await
    .with_context(|| format!("création du compte {username} (identifiant déjà pris ?)"))?;
    if let Some(est) = establishment {
        sqlx::query("INSERT INTO memberships (user_id, establishment_id, role) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(est)
            .bind(Role::Admin.code())
            .execute(&mut *tx)
            .await?;
    }
    app::server::audit::record(
        &mut *tx,
        app::server::audit::Entry {
            establishment: establishment.map(EstablishmentId),
            actor: None,
            actor_name: "preau admin create",
            action: app::server::audit::action::ADMIN,
            detail: &format!("administrateur créé : {username}"),
            ip: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}
