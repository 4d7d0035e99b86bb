//! The types the UI sees over IPC. Serialization is a compatibility promise with `ui/src/lib/ipc.ts`:
//! camelCase fields, declared once here and once there.

use serde::Serialize;

/// What `get_app_info` returns: enough for the About line and for support requests.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub data_dir: String,
    pub log_dir: String,
}
