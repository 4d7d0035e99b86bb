//! Checking an access token before anything is saved: `/me` says whose token it is and which
//! workspace it opens, `/admins` lists who the agent may act as. Shared by the connect screen
//! and `agentdesk login`. Every failure becomes a [`ConnectError`] with a code the UI branches
//! on and a sentence that says what to do.

use intercom::{AccessToken, ApiError, Client, ErrorKind};

use crate::{exit, workspaces::RegionSpec};

/// What a good token opens.
#[derive(Debug, Clone)]
pub struct TokenCheck {
    pub workspace_id: String,
    pub workspace_name: String,
    pub region: RegionSpec,
    pub token_admin_id: String,
    pub admins: Vec<intercom::models::Admin>,
}

/// A failed check: `code` for branching (`unauthorized`, `forbidden`, `wrong_region`,
/// `offline`, `invalid_input`, `internal`), `message` for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    pub code: &'static str,
    pub message: String,
}

impl ConnectError {
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
pub async fn check_token(region: &RegionSpec, token: &str) -> Result<TokenCheck, ConnectError> {
    let api = client(region, token)?;
    let me = match api.me().await {
        Ok(me) => me,
        Err(err)
            if matches!(err.kind(), ErrorKind::Unauthorized) && region_probe_applies(region) =>
        {
            for other in [RegionSpec::Us, RegionSpec::Eu, RegionSpec::Au] {
                if &other == region {
                    continue;
                }
                if let Ok(probe) = client(&other, token) {
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
    let admins = match api.list_admins().await {
        Ok(admins) if !admins.is_empty() => admins,
        // Without the permission to list admins the agent can still act as the token's admin.
        Ok(_) | Err(_) => vec![me.clone()],
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
