//! The workspaces this computer knows (`workspaces.json` in the data directory) and which one
//! is active. A workspace is one Intercom app (its `id_code`) seen as one acting admin; its
//! cache is `agentdesk_store::db_path(data_dir, id, admin_id)` and its token sits in the
//! keychain under its id (see `secrets.rs`). The file holds no secret.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where a workspace's API lives. Serialized as `"us"`, `"eu"`, `"au"` or the base URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionSpec {
    /// Intercom's US region.
    Us,
    /// Intercom's EU region.
    Eu,
    /// Intercom's Australian region.
    Au,
    /// Another base URL (the sandbox, the demo).
    #[serde(untagged)]
    Custom(String),
}

impl RegionSpec {
    /// Parses user input: `us`, `eu`, `au` (any case) or an http(s) base URL.
    pub fn parse(s: &str) -> Result<RegionSpec, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(RegionSpec::Us),
            "eu" => Ok(RegionSpec::Eu),
            "au" => Ok(RegionSpec::Au),
            _ => Err(format!(
                "unknown region {s:?}: use us, eu or au (or --base-url for a custom API)"
            )),
        }
    }

    /// The client's region; a custom URL is validated by the client's own rules.
    pub fn to_region(&self) -> Result<intercom::Region, String> {
        Ok(match self {
            RegionSpec::Us => intercom::Region::Us,
            RegionSpec::Eu => intercom::Region::Eu,
            RegionSpec::Au => intercom::Region::Au,
            RegionSpec::Custom(url) => {
                let parsed = intercom::Url::parse(url)
                    .map_err(|e| format!("the base URL {url:?} is not a URL ({e})"))?;
                let region = intercom::Region::Custom(parsed);
                region.base_url().map_err(|e| e.to_string())?;
                region
            }
        })
    }

    /// `us`, `eu`, `au`, or the base URL.
    pub fn label(&self) -> String {
        match self {
            RegionSpec::Us => "us".into(),
            RegionSpec::Eu => "eu".into(),
            RegionSpec::Au => "au".into(),
            RegionSpec::Custom(url) => url.clone(),
        }
    }
}

/// A workspace this computer knows, seen as one acting admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    /// Intercom's app id (`id_code`), or `demo` for the built-in demo workspace.
    pub id: String,
    /// The workspace's name.
    pub name: String,
    /// Where its API lives.
    pub region: RegionSpec,
    /// The acting admin.
    pub admin_id: String,
    /// The acting admin's name.
    pub admin_name: String,
    /// Whether this is the demo workspace.
    #[serde(default)]
    pub demo: bool,
}

/// The contents of `workspaces.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Registry {
    /// Every known workspace.
    pub workspaces: Vec<Workspace>,
    /// The active one's id.
    pub active: Option<String>,
}

impl Registry {
    /// The active workspace, if any.
    pub fn active(&self) -> Option<&Workspace> {
        let id = self.active.as_deref()?;
        self.workspaces.iter().find(|w| w.id == id)
    }

    /// Adds or replaces (same id) a workspace and makes it active.
    pub fn upsert_active(&mut self, workspace: Workspace) {
        self.active = Some(workspace.id.clone());
        match self.workspaces.iter_mut().find(|w| w.id == workspace.id) {
            Some(existing) => *existing = workspace,
            None => self.workspaces.push(workspace),
        }
    }

    /// Removes a workspace; the active one falls back to the first remaining.
    pub fn remove(&mut self, id: &str) -> Option<Workspace> {
        let index = self.workspaces.iter().position(|w| w.id == id)?;
        let removed = self.workspaces.remove(index);
        if self.active.as_deref() == Some(id) {
            self.active = self.workspaces.first().map(|w| w.id.clone());
        }
        Some(removed)
    }
}

/// Reads and writes `workspaces.json`.
#[derive(Debug, Clone)]
pub struct RegistryFile {
    path: PathBuf,
}

impl RegistryFile {
    /// `workspaces.json` in `data_dir`.
    pub fn new(data_dir: &Path) -> RegistryFile {
        RegistryFile {
            path: data_dir.join("workspaces.json"),
        }
    }

    /// Missing file: no workspaces. A broken file is moved aside (never silently overwritten:
    /// it lists which caches exist) and the error says where it went.
    pub fn load(&self) -> Result<Registry, String> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Registry::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        serde_json::from_slice(&bytes).or_else(|e| {
            let aside = self.path.with_extension("json.bad");
            let _ = std::fs::rename(&self.path, &aside);
            tracing::warn!(moved_to = %aside.display(), %e, "the workspace list was not valid JSON; moved it aside");
            Ok(Registry::default())
        })
    }

    /// Saves atomically (a temporary file, then a rename), private to the user.
    pub fn save(&self, registry: &Registry) -> Result<(), String> {
        let write = || -> std::io::Result<()> {
            let json = serde_json::to_vec_pretty(registry).map_err(std::io::Error::other)?;
            crate::paths::write_private(&self.path, &json)
        };
        write().map_err(|e| {
            format!(
                "cannot save the workspace list in {}: {e}",
                self.path.display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(id: &str) -> Workspace {
        Workspace {
            id: id.into(),
            name: format!("WS {id}"),
            region: RegionSpec::Eu,
            admin_id: "1".into(),
            admin_name: "Ann".into(),
            demo: false,
        }
    }

    #[test]
    fn registry_round_trips_and_tracks_the_active_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let file = RegistryFile::new(dir.path());
        let mut registry = file.load().unwrap();
        assert!(
            registry.workspaces.is_empty(),
            "a fresh install knows no workspace"
        );
        registry.upsert_active(ws("a"));
        registry.upsert_active(ws("b"));
        file.save(&registry).unwrap();
        let loaded = file.load().unwrap();
        assert_eq!(
            loaded.active().map(|w| w.id.as_str()),
            Some("b"),
            "the last added is active"
        );
        assert_eq!(loaded.workspaces.len(), 2, "both are remembered");
    }

    #[test]
    fn removing_the_active_workspace_falls_back() {
        let mut registry = Registry::default();
        registry.upsert_active(ws("a"));
        registry.upsert_active(ws("b"));
        registry.remove("b");
        assert_eq!(
            registry.active.as_deref(),
            Some("a"),
            "another workspace becomes active"
        );
        registry.remove("a");
        assert_eq!(registry.active, None, "with none left, nothing is active");
    }

    #[test]
    fn regions_serialize_as_short_names_or_urls() {
        let json = serde_json::to_string(&[
            RegionSpec::Us,
            RegionSpec::Custom("http://127.0.0.1:9".into()),
        ])
        .unwrap();
        assert_eq!(
            json, r#"["us","http://127.0.0.1:9"]"#,
            "the file stays readable"
        );
        let back: Vec<RegionSpec> = serde_json::from_str(&json).unwrap();
        assert_eq!(back[0], RegionSpec::Us);
    }

    #[test]
    fn bad_region_and_base_url_input_is_refused_clearly() {
        assert!(RegionSpec::parse("mars")
            .unwrap_err()
            .contains("us, eu or au"));
        assert!(
            RegionSpec::Custom("ftp://x".into()).to_region().is_err(),
            "only http(s) base URLs"
        );
        assert!(
            RegionSpec::Custom("garbage".into()).to_region().is_err(),
            "garbage is not a URL"
        );
    }

    #[test]
    fn a_broken_file_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("workspaces.json"), b"[oops").unwrap();
        let registry = RegistryFile::new(dir.path()).load().unwrap();
        assert!(registry.workspaces.is_empty());
        assert!(
            dir.path().join("workspaces.json.bad").exists(),
            "the broken list is kept for recovery"
        );
    }
}
