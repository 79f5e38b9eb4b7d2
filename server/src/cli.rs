//! Command line: `preau` (serve), `preau migrate`, `preau etablissement create ...`,
//! `preau admin create ...`. There is no default administrator: the first one is made here
//! and receives a one-time activation code.

use crate::config::Settings;
use anyhow::Context;
use app::server::db::{self, new_id, now_ms, sha256_hex};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use domain::{EstablishmentId, Label, PersonName, Role, Uai, Username};

/// What `preau` was asked to do. Parsed before the configuration is read, so `--help` works
/// whatever the environment holds.
#[derive(Debug, Parser)]
#[command(
    name = "preau",
    about = "Préau, espace numérique de travail : lance le serveur, ou une commande d'administration.",
    disable_version_flag = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lance le serveur (ce que fait `preau` sans commande).
    Serve,
    /// Applique les migrations de la base puis s'arrête.
    Migrate,
    /// Établissements.
    #[command(subcommand)]
    Etablissement(EstablishmentCommand),
    /// Administrateurs.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Subcommand)]
pub enum EstablishmentCommand {
    /// Crée un établissement.
    Create {
        /// UAI de l'établissement (7 chiffres et une lettre, ex. 0671234A).
        #[arg(long)]
        uai: String,
        /// Nom de l'établissement.
        #[arg(long)]
        nom: String,
        /// Ville.
        #[arg(long, default_value = "", hide_default_value = true)]
        ville: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Crée un administrateur sans mot de passe et affiche son code d'activation.
    Create(NewAdmin),
}

#[derive(Debug, Args)]
pub struct NewAdmin {
    /// Identifiant de connexion (ex. j.dupont).
    #[arg(long)]
    pub identifiant: String,
    /// Prénom.
    #[arg(long)]
    pub prenom: String,
    /// Nom.
    #[arg(long)]
    pub nom: String,
    /// Administrateur de l'établissement de cet UAI (sinon --region).
    #[arg(long, required_unless_present = "region", conflicts_with = "region")]
    pub uai: Option<String>,
    /// Administrateur de la région (voit chaque établissement, aucun dossier d'élève).
    #[arg(long)]
    pub region: bool,
}

/// The outcome of reading the command line: a command to run, or a text to print and the
/// process's exit code (0 for `--help`, 2 for a mistake).
pub enum Parsed {
    Run(Cli),
    Exit { text: String, code: u8 },
}

/// Reads the command line (`args` without the program's name). Mistakes are explained in
/// French, naming the option at fault, with the usage of the command concerned.
pub fn parse<I, T>(args: I) -> Parsed
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let argv = std::iter::once(std::ffi::OsString::from("preau")).chain(args.into_iter().map(Into::into));
    let parsed = french(Cli::command()).try_get_matches_from(argv).and_then(|m| Cli::from_arg_matches(&m));
    match parsed {
        Ok(cli) => Parsed::Run(cli),
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) => {
            Parsed::Exit { text: e.render().to_string(), code: if e.kind() == ErrorKind::DisplayHelp { 0 } else { 2 } }
        }
        Err(e) => Parsed::Exit { text: french_error(&e), code: 2 },
    }
}

/// The help's own words in French, in every subcommand.
fn french(cmd: clap::Command) -> clap::Command {
    let help = clap::Arg::new("aide").short('h').long("help").action(clap::ArgAction::Help).help("Affiche cette aide");
    cmd.disable_help_flag(true)
        .arg(help)
        .help_template("{about}\n\nUsage : {usage}\n\n{all-args}\n")
        .subcommand_help_heading("Commandes")
        .subcommand_value_name("COMMANDE")
        .mut_subcommands(french)
}

/// clap's own messages are in English: Préau's users read French.
fn french_error(e: &clap::Error) -> String {
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        _ => String::new(),
    };
    let reason = match e.kind() {
        ErrorKind::UnknownArgument => format!("option inconnue « {} »", text(ContextKind::InvalidArg)),
        ErrorKind::InvalidSubcommand => format!("commande inconnue « {} »", text(ContextKind::InvalidSubcommand)),
        ErrorKind::MissingRequiredArgument => {
            format!("option obligatoire manquante : {}", text(ContextKind::InvalidArg))
        }
        ErrorKind::ArgumentConflict => {
            format!("options incompatibles : {} et {}", text(ContextKind::InvalidArg), text(ContextKind::PriorArg))
        }
        ErrorKind::InvalidValue | ErrorKind::NoEquals => {
            format!("valeur manquante ou invalide pour {}", text(ContextKind::InvalidArg))
        }
        ErrorKind::TooManyValues => {
            format!("option donnée plusieurs fois : {}", text(ContextKind::InvalidArg))
        }
        ErrorKind::MissingSubcommand => "commande manquante".to_string(),
        _ => "ligne de commande invalide".to_string(),
    };
    let usage = match e.get(ContextKind::Usage) {
        Some(ContextValue::StyledStr(u)) => u.to_string().replace("Usage:", "Usage :"),
        _ => String::new(),
    };
    format!("Erreur : {reason}\n{usage}\nAide : preau --help (ou preau <commande> --help)\n")
}

pub async fn run(settings: Settings, cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let state = crate::build_state(&settings).await?;
            let listener = tokio::net::TcpListener::bind(settings.site_addr)
                .await
                .with_context(|| format!("listening on {}", settings.site_addr))?;
            if let Some(addr) = settings.metrics_addr {
                let metrics = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("listening for metrics on {addr}"))?;
                tracing::info!(%addr, "metrics served at /metrics");
                let served = crate::serve_metrics(state.clone(), metrics);
                tokio::spawn(async move {
                    if let Err(e) = served.await {
                        tracing::error!(
                            error = format!("{e:#}"),
                            "the metrics listener stopped; /metrics is no longer served"
                        );
                    }
                });
            }
            tracing::info!(addr = %settings.site_addr, settings = ?settings, "Préau is listening");
            crate::serve(state, listener).await
        }
        Command::Migrate => {
            db::connect_and_migrate(&settings.database_url, 1).await?;
            println!("Migrations appliquées.");
            Ok(())
        }
        Command::Etablissement(EstablishmentCommand::Create { uai, nom, ville }) => {
            let uai = Uai::parse(&uai)?;
            let name = Label::parse("nom", &nom)?;
            let pool = db::connect_and_migrate(&settings.database_url, 1).await?;
            create_establishment(&pool, &uai, &name, &ville).await?;
            println!("Établissement créé : {} ({})", name.as_str(), uai.as_str());
            Ok(())
        }
        Command::Admin(AdminCommand::Create(new)) => {
            let username = Username::parse(&new.identifiant)?;
            let first = PersonName::parse("prenom", &new.prenom)?;
            let last = PersonName::parse("nom", &new.nom)?;
            let scope = match new.uai {
                Some(uai) => AdminScope::Establishment(Uai::parse(&uai)?),
                None => AdminScope::Region,
            };
            let pool = db::connect_and_migrate(&settings.database_url, 1).await?;
            let code = create_admin(&pool, &username, &first, &last, &scope).await?;
            println!(
                "Compte {username} créé. Code d'activation (à usage unique, {} jours) : {code}",
                app::auth::CODE_VALID_DAYS
            );
            println!("Ouvrez /activation, saisissez l'identifiant et ce code, puis choisissez un mot de passe.");
            Ok(())
        }
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
