//! Where access tokens live: the OS keychain (Secret Service on Linux, through `keyring`), or,
//! only when no keychain service answers, a file readable by the user alone (0600, in a 0700
//! directory) under the data directory. The app says which one it used, so the agent knows.
//! Tokens are never logged; errors here name the store, never the secret.

use std::path::{Path, PathBuf};

const SERVICE: &str = "dev.agentdesk.app";

/// The environment variable scripts and tests may give a token in.
pub const TOKEN_VAR: &str = "AGENTDESK_TOKEN";

/// An access token given in the environment (`AGENTDESK_TOKEN`), taken out of it at start-up
/// by [`EnvToken::take`] and passed down from there, so nothing the app starts inherits it.
/// Its `Debug` says only whether one is set.
#[derive(Clone, Default)]
pub struct EnvToken(Option<String>);

impl EnvToken {
    /// Reads `AGENTDESK_TOKEN` and removes it from the process environment. Call it first
    /// thing in `main`, before any thread exists: the environment is one process-wide table
    /// that nothing synchronises (`remove_var` is `unsafe` from edition 2024 for that reason),
    /// and every process started later copies it: the browser a link opens, a file manager,
    /// WebKit's own processes.
    pub fn take() -> EnvToken {
        let value = std::env::var_os(TOKEN_VAR);
        if value.is_some() {
            std::env::remove_var(TOKEN_VAR);
        }
        EnvToken::new(value.and_then(|v| v.into_string().ok()))
    }

    /// A token got another way (tests); blank is none.
    pub fn new(token: Option<String>) -> EnvToken {
        EnvToken(
            token
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        )
    }

    /// The token, if a non-blank one was given.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl std::fmt::Debug for EnvToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.0.is_some() { "set" } else { "unset" };
        write!(f, "EnvToken({state})")
    }
}

/// Where a token was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenLocation {
    /// The system keychain (Secret Service).
    Keychain,
    /// No keychain service was available; the token is in this private file.
    File(PathBuf),
}

impl TokenLocation {
    /// A sentence for Settings and the CLI.
    pub fn describe(&self) -> String {
        match self {
            TokenLocation::Keychain => "The access token is stored in your system keychain.".into(),
            TokenLocation::File(path) => format!(
                "No system keychain service is running, so the access token is stored in {} \
                 (readable by your user only). Start a Secret Service (e.g. GNOME Keyring) to use the keychain.",
                path.display()
            ),
        }
    }
}

/// Stores tokens per account (the workspace id).
#[derive(Debug, Clone)]
pub struct TokenStore {
    dir: PathBuf,
    use_keychain: bool,
}

impl TokenStore {
    /// The normal store: keychain first, private file as the fallback.
    pub fn new(data_dir: &Path) -> TokenStore {
        TokenStore {
            dir: data_dir.join("secrets"),
            use_keychain: true,
        }
    }

    /// The store the window uses: [`TokenStore::file_only`] with `AGENTDESK_TOKEN_STORE=file`,
    /// else [`TokenStore::new`].
    pub fn from_env(data_dir: &Path) -> TokenStore {
        if std::env::var("AGENTDESK_TOKEN_STORE").as_deref() == Ok("file") {
            TokenStore::file_only(data_dir)
        } else {
            TokenStore::new(data_dir)
        }
    }

    /// A store that never touches the keychain (tests, and `AGENTDESK_TOKEN_STORE=file`).
    pub fn file_only(data_dir: &Path) -> TokenStore {
        TokenStore {
            dir: data_dir.join("secrets"),
            use_keychain: false,
        }
    }

    fn file(&self, account: &str) -> PathBuf {
        self.dir.join(format!(
            "{}.token",
            agentdesk_store::safe_file_name(account)
        ))
    }

    /// Runs `op` on the keychain entry for `account`, on a thread of its own: the Secret
    /// Service client blocks on a runtime of its own, which must not nest inside the caller's
    /// (tokio refuses that with a panic).
    fn with_entry<T: Send>(
        &self,
        account: &str,
        op: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send,
    ) -> Option<keyring::Result<T>> {
        if !self.use_keychain {
            return None;
        }
        std::thread::scope(|scope| {
            scope
                .spawn(|| keyring::Entry::new(SERVICE, account).and_then(|entry| op(&entry)))
                .join()
                .ok()
        })
    }

    /// Stores `account`'s token: in the keychain, else in the private file.
    pub fn save(&self, account: &str, token: &str) -> Result<TokenLocation, String> {
        if let Some(result) = self.with_entry(account, |e| e.set_password(token)) {
            match result {
                Ok(()) => {
                    // A stale file copy from an earlier fallback must not outlive the move.
                    let _ = std::fs::remove_file(self.file(account));
                    return Ok(TokenLocation::Keychain);
                }
                Err(err) => {
                    tracing::info!(error = %err, "no keychain service; storing the token in a private file")
                }
            }
        }
        let path = self.file(account);
        write_private(&self.dir, &path, token.as_bytes())
            .map_err(|e| format!("cannot store the access token in {}: {e}", path.display()))?;
        Ok(TokenLocation::File(path))
    }

    /// `account`'s token, from the keychain or the private file; `None` when neither has one.
    pub fn load(&self, account: &str) -> Result<Option<String>, String> {
        if let Some(result) = self.with_entry(account, |e| e.get_password()) {
            match result {
                Ok(token) => return Ok(Some(token)),
                Err(keyring::Error::NoEntry) => {}
                Err(err) => {
                    tracing::debug!(error = %err, "keychain unavailable; looking for a token file")
                }
            }
        }
        match std::fs::read_to_string(self.file(account)) {
            Ok(token) => Ok(Some(token.trim().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read the stored access token: {e}")),
        }
    }

    /// The private file holding `account`'s token, when it is there rather than in the
    /// keychain (no keychain service answered when it was saved), so the window can say so.
    pub fn file_fallback(&self, account: &str) -> Option<PathBuf> {
        let path = self.file(account);
        path.is_file().then_some(path)
    }

    /// Removes the token from both places; missing is fine.
    pub fn delete(&self, account: &str) -> Result<(), String> {
        if let Some(result) = self.with_entry(account, |e| e.delete_credential()) {
            match result {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                Err(err) => {
                    tracing::debug!(error = %err, "keychain unavailable while deleting a token")
                }
            }
        }
        match std::fs::remove_file(self.file(account)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot delete the stored access token: {e}")),
        }
    }
}

fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::paths::private_dir(dir)?;
    crate::paths::write_private(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_environment_token_is_trimmed_and_never_printed() {
        let token = EnvToken::new(Some("  tok_secret\n".into()));
        assert_eq!(
            token.get(),
            Some("tok_secret"),
            "whitespace around it is not the token"
        );
        assert!(
            !format!("{token:?}").contains("tok_secret"),
            "Debug output (logs, panics) must not show the token"
        );
        assert_eq!(
            EnvToken::new(Some("  ".into())).get(),
            None,
            "blank is no token"
        );
    }

    #[test]
    fn file_store_round_trips_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::file_only(dir.path());
        assert_eq!(store.load("ws1").unwrap(), None, "nothing stored yet");
        let location = store.save("ws1", "tok_secret").unwrap();
        assert!(
            matches!(location, TokenLocation::File(_)),
            "file-only store says it used a file"
        );
        assert_eq!(
            store.load("ws1").unwrap().as_deref(),
            Some("tok_secret"),
            "the token reads back"
        );
        assert_eq!(
            store.file_fallback("ws1"),
            Some(dir.path().join("secrets").join("ws1.token")),
            "the store tells where the file is, so the window can say the token is not in the keychain"
        );
        store.delete("ws1").unwrap();
        assert_eq!(
            store.load("ws1").unwrap(),
            None,
            "logout leaves no token behind"
        );
        assert_eq!(
            store.file_fallback("ws1"),
            None,
            "no file, nothing to warn about"
        );
        store.delete("ws1").unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn token_file_is_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::file_only(dir.path());
        let TokenLocation::File(path) = store.save("ws1", "tok").unwrap() else {
            unreachable!()
        };
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o600,
            "other users on a shared computer must not read the token"
        );
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700, "nor list the secrets directory");
    }

    #[test]
    fn account_names_cannot_escape_the_secrets_directory() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::file_only(dir.path());
        let TokenLocation::File(path) = store.save("../../etc/passwd", "tok").unwrap() else {
            unreachable!()
        };
        assert!(
            path.starts_with(dir.path().join("secrets")),
            "a hostile account name stays inside: {path:?}"
        );
    }

    #[test]
    fn location_descriptions_never_contain_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::file_only(dir.path());
        let location = store.save("ws", "tok_very_secret").unwrap();
        assert!(
            !location.describe().contains("tok_very_secret"),
            "messages name the store, never the secret"
        );
    }
}
