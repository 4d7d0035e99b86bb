//! Shared helpers for the sandbox's integration tests: start a sandbox on 127.0.0.1:0 and
//! talk to it over real HTTP.

#![allow(dead_code)]

use intercom_sandbox::{Sandbox, SandboxConfig};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A response as the tests see it.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

/// A small client bound to one sandbox and token.
pub(crate) struct Api {
    pub base: String,
    pub token: String,
    /// The `Intercom-Version` header sent (2.14 unless a test asks for another).
    pub version: String,
    pub http: reqwest::Client,
}

pub(crate) async fn start(config: SandboxConfig) -> (Sandbox, Api) {
    let sb = Sandbox::start(config)
        .await
        .expect("the sandbox must start on a free loopback port");
    let api = Api {
        base: sb.base_url().to_string(),
        token: sb.token().to_string(),
        version: "2.14".into(),
        http: reqwest::Client::new(),
    };
    (sb, api)
}

pub(crate) fn small() -> SandboxConfig {
    SandboxConfig {
        seed: 11,
        conversations: 240,
        contacts: 60,
        ..Default::default()
    }
}

impl Api {
    pub(crate) fn with_token(&self, token: &str) -> Api {
        Api {
            base: self.base.clone(),
            token: token.to_string(),
            version: self.version.clone(),
            http: self.http.clone(),
        }
    }

    pub(crate) fn with_version(&self, version: &str) -> Api {
        Api {
            version: version.to_string(),
            ..self.with_token(&self.token)
        }
    }

    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
    ) -> Reply {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        };
        let mut req = self
            .http
            .request(method, url)
            .header("Intercom-Version", self.version.as_str());
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req
            .send()
            .await
            .expect("the sandbox must answer over loopback");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("the body must arrive whole");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("the body must be JSON")
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(&body.to_string()))
            .await
    }

    pub(crate) async fn delete(&self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::DELETE, path, Some(&body.to_string()))
            .await
    }

    pub(crate) async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(&body.to_string()))
            .await
    }
}

/// The first error code of an `error.list`.
pub(crate) fn error_code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or("")
}
