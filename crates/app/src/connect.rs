//! Checking an access token before anything is saved: `/me` says whose token it is and which
//! workspace it opens, `/admins` lists who the agent may act as, and one cheap read of each
//! kind the inbox needs shows a permission the token's app lacks. Then [`login`], the one
//! login flow that the connect screen and `agentdesk login` both run: check, choose the
//! acting admin, store the token, make the workspace active. Every failure becomes a
//! [`ConnectError`] with a code the UI branches on and a sentence that says what to do.

use intercom::{AccessToken, ApiError, Client, ErrorKind, Op, Query, SearchRequest};

use crate::exit;
use crate::secrets::{TokenLocation, TokenStore};
use crate::workspaces::{RegionSpec, RegistryFile, Workspace};

/// What a good token opens.
#[derive(Debug, Clone)]
pub struct TokenCheck {
    /// Intercom's app id (`id_code`), or one made from the region and admin when absent.
    pub workspace_id: String,
    /// The workspace's name.
    pub workspace_name: String,
    /// The region the token answered in.
    pub region: RegionSpec,
    /// The admin the token belongs to.
    pub token_admin_id: String,
    /// Whom the agent may act as.
    pub admins: Vec<intercom::models::Admin>,
}

/// A failed check: `code` for branching (`unauthorized`, `forbidden`, `wrong_region`,
/// `offline`, `invalid_input`, `internal`), `message` for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    /// What the UI branches on.
    pub code: &'static str,
    /// A sentence that says what to do.
    pub message: String,
}

impl ConnectError {
    /// An error with this code and sentence.
    pub fn new(code: &'static str, message: impl Into<String>) -> ConnectError {
        ConnectError {
            code,
            message: message.into(),
        }
    }

    /// The CLI's exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self.code {
            "unauthorized" | "forbidden" | "wrong_region" => exit::AUTH,
            "offline" => exit::NETWORK,
            "invalid_input" => exit::USAGE,
            _ => exit::OTHER,
        }
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Maps any client error to the connect screen's vocabulary.
pub fn from_api(err: &ApiError) -> ConnectError {
    let code = match err.kind() {
        ErrorKind::Unauthorized => "unauthorized",
        ErrorKind::Forbidden { .. } => "forbidden",
        ErrorKind::Transport => "offline",
        ErrorKind::RateLimited => "rate_limited",
        _ => "internal",
    };
    ConnectError::new(code, err.to_string())
}

/// Builds a client for a region and a token (no request is made).
pub fn client(region: &RegionSpec, token: &str) -> Result<Client, ConnectError> {
    let token = AccessToken::new(token);
    if token.is_empty() {
        return Err(ConnectError::new(
            "invalid_input",
            "The access token is empty. Paste the token from the Developer Hub (Your Apps > your app > Authentication).",
        ));
    }
    let region = region
        .to_region()
        .map_err(|m| ConnectError::new("invalid_input", m))?;
    Client::builder(region, token)
        .product_version(env!("CARGO_PKG_VERSION"))
        .build()
        .map_err(|e| ConnectError::new("invalid_input", e.to_string()))
}

/// Checks a token against a region. On a 401 in one of Intercom's regions, the other two are
/// tried, so a token from the wrong region gets "choose EU" instead of "token rejected".
/// Then the reads the inbox depends on are tried once each (see `probe_reads`), so a token
/// whose app lacks a permission fails here, naming it, instead of passing and failing in sync.
pub async fn check_token(region: &RegionSpec, token: &str) -> Result<TokenCheck, ConnectError> {
    check_token_at(region, token, &|r| r.clone()).await
}

/// [`check_token`] with `host` saying where each region's API is reached: itself in the app;
/// in tests, sandboxes standing in for Intercom's regions.
async fn check_token_at(
    region: &RegionSpec,
    token: &str,
    host: &(dyn Fn(&RegionSpec) -> RegionSpec + Sync),
) -> Result<TokenCheck, ConnectError> {
    let api = client(&host(region), token)?;
    let me = match api.me().await {
        Ok(me) => me,
        Err(err)
            if matches!(err.kind(), ErrorKind::Unauthorized) && region_probe_applies(region) =>
        {
            for other in [RegionSpec::Us, RegionSpec::Eu, RegionSpec::Au] {
                if &other == region {
                    continue;
                }
                if let Ok(probe) = client(&host(&other), token) {
                    if probe.me().await.is_ok() {
                        return Err(ConnectError::new(
                            "wrong_region",
                            format!(
                                "This token belongs to a workspace in the {} region, not {}. Choose {} and check again.",
                                other.label().to_uppercase(),
                                region.label().to_uppercase(),
                                other.label().to_uppercase()
                            ),
                        ));
                    }
                }
            }
            return Err(from_api(&err));
        }
        Err(err) => return Err(from_api(&err)),
    };
    let admins = probe_reads(&api).await?;
    // An admin list without the token's own admin (a bot's token) still lets it act as itself.
    let admins = if admins.is_empty() {
        vec![me.clone()]
    } else {
        admins
    };
    let app = me.app.clone().unwrap_or_default();
    let workspace_id = app
        .id_code
        .filter(|id| !id.trim().is_empty())
        .unwrap_or_else(|| {
            format!(
                "{}-{}",
                region
                    .label()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
                me.id
            )
        });
    Ok(TokenCheck {
        workspace_name: app.name.unwrap_or_else(|| workspace_id.clone()),
        workspace_id,
        region: region.clone(),
        token_admin_id: me.id.clone(),
        admins,
    })
}

/// The permissions the inbox reads with, as the Developer Hub names them.
const READ_ADMINS: &str = "Read admins";
const READ_CONVERSATIONS: &str = "Read conversations";
const READ_CONTACTS: &str = "Read and list users and companies";

/// `/me` needs no permission, so it cannot tell what a token may read. This tries, once
/// each and with one item at most, what the inbox reads all day: the admins (whom to act
/// as) and teams (the views), a conversation search (sync), and one contact (the customer
/// panel). Write permissions show on the first send, with their own sentence. Returns the
/// admins.
async fn probe_reads(api: &Client) -> Result<Vec<intercom::models::Admin>, ConnectError> {
    let admins = api
        .list_admins()
        .await
        .map_err(|e| probe_error(&e, READ_ADMINS, "list the teammates you can act as"))?;
    api.list_teams()
        .await
        .map_err(|e| probe_error(&e, READ_ADMINS, "list the teams"))?;
    let one = SearchRequest::new(Query::filter("created_at", Op::Gt, 0)).per_page(1);
    let page = api
        .search_conversations_page(&one, None)
        .await
        .map_err(|e| probe_error(&e, READ_CONVERSATIONS, "read the conversations"))?;
    let contact = page
        .items
        .first()
        .and_then(|c| c.contacts.as_ref())
        .and_then(|c| c.contacts.first())
        .map(|c| c.id.clone());
    if let Some(id) = contact {
        match api.get_contact(&id).await {
            // A contact deleted or merged since says nothing about the permission.
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Gone) => {}
            Err(e) => return Err(probe_error(&e, READ_CONTACTS, "show the customers")),
            Ok(_) => {}
        }
    }
    Ok(admins)
}

/// A failed probe: a 403 for a missing permission names it (the Developer Hub's name, and
/// Intercom's own when it gave one); anything else is the usual sentence.
fn probe_error(err: &ApiError, permission: &str, needed_to: &str) -> ConnectError {
    match err.kind() {
        ErrorKind::Forbidden {
            code,
            permission: named,
        } if code != "api_plan_restricted" => {
            let named = named
                .as_deref()
                .filter(|n| *n != permission)
                .map(|n| format!(" (Intercom calls it \"{n}\")"))
                .unwrap_or_default();
            ConnectError::new(
                "forbidden",
                format!(
                    "The token works, but its app lacks the \"{permission}\" permission{named}, which Agentdesk needs to {needed_to}. Add it in the Intercom Developer Hub (Your Apps > your app > Authentication > Edit permissions), then check again."
                ),
            )
        }
        _ => from_api(err),
    }
}

fn region_probe_applies(region: &RegionSpec) -> bool {
    !matches!(region, RegionSpec::Custom(_))
}

/// The acting admin: the requested one if it exists in the workspace, else the token's own.
pub fn choose_admin<'a>(
    check: &'a TokenCheck,
    wanted: Option<&str>,
) -> Result<&'a intercom::models::Admin, ConnectError> {
    let id = wanted.unwrap_or(&check.token_admin_id);
    check.admins.iter().find(|a| a.id == id).ok_or_else(|| {
        ConnectError::new(
            "invalid_input",
            format!(
                "There is no admin with id {id} in this workspace; choose one of: {}",
                check
                    .admins
                    .iter()
                    .map(|a| format!("{} ({})", a.id, a.name.as_deref().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// A workspace logged in to.
#[derive(Debug, Clone)]
pub struct Login {
    /// The workspace, now the active one.
    pub workspace: Workspace,
    /// Where its token was stored.
    pub token_location: TokenLocation,
}

/// The one login flow, for the connect screen and `agentdesk login` alike: checks the token
/// (always here, never trusting an earlier check), chooses the acting admin (`admin`, else
/// the token's own), stores the token, and saves the workspace as the active one.
pub async fn login(
    tokens: &TokenStore,
    registry: &RegistryFile,
    region: RegionSpec,
    token: &str,
    admin: Option<&str>,
) -> Result<Login, ConnectError> {
    let check = check_token(&region, token).await?;
    let admin = choose_admin(&check, admin)?;
    let workspace = Workspace {
        id: check.workspace_id.clone(),
        name: check.workspace_name.clone(),
        region,
        admin_id: admin.id.clone(),
        admin_name: admin.name.clone().unwrap_or_else(|| admin.id.clone()),
        demo: false,
    };
    let internal = |m: String| ConnectError::new("internal", m);
    let token_location = tokens.save(&workspace.id, token).map_err(internal)?;
    tracing::info!(workspace = %workspace.id, keychain = matches!(token_location, TokenLocation::Keychain), "token stored");
    let mut list = registry.load().map_err(internal)?;
    list.upsert_active(workspace.clone());
    registry.save(&list).map_err(internal)?;
    Ok(Login {
        workspace,
        token_location,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use intercom_sandbox::{Sandbox, SandboxConfig};

    async fn sandbox(edit: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
        let mut config = SandboxConfig {
            conversations: 20,
            contacts: 10,
            ..Default::default()
        };
        edit(&mut config);
        Sandbox::start(config)
            .await
            .expect("a sandbox starts on loopback")
    }

    fn at(sb: &Sandbox) -> RegionSpec {
        RegionSpec::Custom(sb.base_url().to_string())
    }

    async fn check(sb: &Sandbox, token: &str) -> Result<TokenCheck, ConnectError> {
        check_token(&at(sb), token).await
    }

    #[tokio::test]
    async fn a_good_token_passes_with_the_admins() {
        let sb = sandbox(|_| {}).await;
        let check = check(&sb, sb.token()).await.expect("a full token passes");
        assert_eq!(
            check.token_admin_id,
            sb.admin_id(),
            "the token's own admin is the default acting admin"
        );
        assert!(
            check.admins.len() > 1,
            "the workspace's admins are offered to act as"
        );
    }

    #[tokio::test]
    async fn a_wrong_token_says_to_create_a_new_one() {
        let sb = sandbox(|_| {}).await;
        let err = check(&sb, "not-a-token").await.expect_err("refused");
        assert_eq!(err.code, "unauthorized", "the UI branches on the code");
        assert!(
            err.message.contains("rejected the access token")
                && err.message.contains("Developer Hub"),
            "the sentence says what happened and where to get a new token: {}",
            err.message
        );
        assert!(
            !err.message.contains("not-a-token"),
            "the token never appears in an error"
        );
    }

    /// Regression: `/me` needs no permission, so a token whose app cannot read
    /// conversations passed "Check" and failed later, in sync, with no sentence on screen.
    #[tokio::test]
    async fn a_token_that_cannot_read_conversations_is_refused_naming_the_permission() {
        let sb = sandbox(|c| {
            c.limited_tokens = vec![("no-convs".into(), vec!["read_conversations".into()])]
        })
        .await;
        let err = check(&sb, "no-convs").await.expect_err("refused");
        assert_eq!(err.code, "forbidden", "the UI branches on the code");
        assert!(
            err.message.contains("\"Read conversations\""),
            "the sentence names the permission as the Developer Hub shows it: {}",
            err.message
        );
        assert!(
            err.message.contains("Edit permissions"),
            "and says where to add it: {}",
            err.message
        );
    }

    /// Regression: an error listing the admins was swallowed (the check passed offering only
    /// the token's admin).
    #[tokio::test]
    async fn a_token_that_cannot_list_admins_is_refused_not_ignored() {
        let sb =
            sandbox(|c| c.limited_tokens = vec![("no-admins".into(), vec!["read_admins".into()])])
                .await;
        let err = check(&sb, "no-admins").await.expect_err("refused");
        assert_eq!(err.code, "forbidden", "the UI branches on the code");
        assert!(
            err.message.contains("\"Read admins\""),
            "the sentence names the permission: {}",
            err.message
        );
    }

    #[tokio::test]
    async fn a_token_that_cannot_read_contacts_is_refused_naming_the_permission() {
        let sb = sandbox(|c| {
            c.limited_tokens = vec![("no-contacts".into(), vec!["read_users_companies".into()])]
        })
        .await;
        let err = check(&sb, "no-contacts").await.expect_err("refused");
        assert_eq!(err.code, "forbidden", "the UI branches on the code");
        assert!(
            err.message
                .contains("\"Read and list users and companies\""),
            "the sentence names the permission: {}",
            err.message
        );
    }

    #[tokio::test]
    async fn a_read_only_token_passes_the_check() {
        let sb = sandbox(|c| c.read_only_tokens = vec!["ro".into()]).await;
        check(&sb, "ro")
            .await
            .expect("reading is all the check needs; writes say what they lack when sent");
    }

    /// A US token checked against the EU host: the EU host rejects it (401), the US host
    /// knows it, so the sentence says to choose US rather than to make a new token.
    #[tokio::test]
    async fn a_token_of_another_region_says_which_region_to_choose() {
        let us = sandbox(|c| c.tokens = vec!["us-token".into()]).await;
        let eu = sandbox(|c| c.tokens = vec!["eu-token".into()]).await;
        let au = sandbox(|c| c.tokens = vec!["au-token".into()]).await;
        let host = |r: &RegionSpec| match r {
            RegionSpec::Us => at(&us),
            RegionSpec::Eu => at(&eu),
            RegionSpec::Au => at(&au),
            RegionSpec::Custom(_) => r.clone(),
        };
        let err = check_token_at(&RegionSpec::Eu, "us-token", &host)
            .await
            .expect_err("refused");
        assert_eq!(err.code, "wrong_region", "the UI branches on the code");
        assert!(
            err.message.contains("in the US region, not EU") && err.message.contains("Choose US"),
            "the sentence says which region to choose: {}",
            err.message
        );
        let err = check_token_at(&RegionSpec::Eu, "unknown", &host)
            .await
            .expect_err("refused");
        assert_eq!(
            err.code, "unauthorized",
            "a token no region knows is a wrong token, not a wrong region"
        );
        let check = check_token_at(&RegionSpec::Us, "us-token", &host)
            .await
            .expect("the right region passes");
        assert_eq!(check.region, RegionSpec::Us, "the region chosen is kept");
    }

    #[tokio::test]
    async fn no_network_says_to_check_the_connection() {
        // A port nothing listens on: the connection is refused, as offline.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let err = check_token(
            &RegionSpec::Custom(format!("http://127.0.0.1:{port}")),
            "any-token",
        )
        .await
        .expect_err("refused");
        assert_eq!(err.code, "offline", "the UI branches on the code");
        assert!(
            err.message.contains("check the internet connection"),
            "the sentence says what to do: {}",
            err.message
        );
    }

    #[tokio::test]
    async fn login_stores_the_token_and_makes_the_workspace_active() {
        let sb = sandbox(|_| {}).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let tokens = TokenStore::file_only(dir.path());
        let registry = RegistryFile::new(dir.path());
        let login = login(&tokens, &registry, at(&sb), sb.token(), None)
            .await
            .expect("a good token logs in");
        assert_eq!(
            login.workspace.admin_id,
            sb.admin_id(),
            "without a choice, the token's own admin acts"
        );
        assert_eq!(
            tokens
                .load(&login.workspace.id)
                .expect("readable")
                .as_deref(),
            Some(sb.token()),
            "the token is stored under the workspace's id"
        );
        assert_eq!(
            registry.load().expect("readable").active(),
            Some(&login.workspace),
            "the workspace becomes the active one"
        );
        let err = super::login(&tokens, &registry, at(&sb), sb.token(), Some("nobody"))
            .await
            .expect_err("an unknown admin is refused");
        assert_eq!(err.code, "invalid_input", "the UI branches on the code");
    }
}
