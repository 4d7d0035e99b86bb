//! The window's Content Security Policy (`tauri.conf.json`) in real WebKit: images load only
//! from the app itself and from `data:` URLs (how fetched remote images are inlined). Nothing
//! in the UI uses `blob:` URLs or Tauri's asset protocol, so the policy refuses them: a
//! script that got into the page could otherwise show an image built in a blob, or read local
//! files through `asset:` if the protocol were ever turned on.

use agentdesk_e2e::App;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn images_load_only_from_the_app_and_data_urls() {
    agentdesk_e2e::within("images_load_only_from_the_app_and_data_urls", scenario()).await;
}

/// A 1x1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

async fn scenario() {
    let app = App::launch(&[("AGENTDESK_NO_DEMO", "1")]).await;
    app.find("[data-testid=empty-state]").await;
    // Each image reports how it ended; each refusal by the policy is recorded with the
    // directive it broke. The page keeps both until the test has read them.
    let script = r#"
        const [png] = arguments;
        const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
        const tries = {
          blob: URL.createObjectURL(new Blob([bytes], { type: "image/png" })),
          asset: "asset://localhost/etc/hostname",
          assetHost: "http://asset.localhost/etc/hostname",
          data: "data:image/png;base64," + png,
        };
        window.__csp = { ended: {}, refused: [] };
        document.addEventListener("securitypolicyviolation", (e) =>
          window.__csp.refused.push({ uri: e.blockedURI, directive: e.violatedDirective }));
        for (const [name, src] of Object.entries(tries)) {
          const img = new Image();
          img.onload = () => (window.__csp.ended[name] = "loaded");
          img.onerror = () => (window.__csp.ended[name] = "failed");
          img.src = src;
        }
        return tries;
    "#;
    let tries = app
        .client
        .execute(script, vec![Value::from(PNG)])
        .await
        .expect("the probe runs in the page");
    let blob = tries["blob"].as_str().expect("a blob URL").to_string();
    let (ended, refused) = app
        .eventually(
            "every probe image ended and the policy reported the refused ones",
            || async {
                let state = app
                    .client
                    .execute("return window.__csp", vec![])
                    .await
                    .ok()?;
                let ended = state["ended"].as_object()?.clone();
                let refused: Vec<(String, String)> = state["refused"]
                    .as_array()?
                    .iter()
                    .map(|r| {
                        (
                            r["uri"].as_str().unwrap_or_default().to_string(),
                            r["directive"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                let reported =
                    |prefix: &str| refused.iter().any(|(uri, _)| uri.starts_with(prefix));
                // Done when all four ended and the three refusals were reported (a policy that
                // allows one never reports it: the deadline then fails the test). A blob's
                // refusal names only its scheme.
                (ended.len() == 4
                    && reported("blob")
                    && reported("asset:")
                    && reported("http://asset.localhost"))
                .then_some((ended, refused))
            },
        )
        .await;
    assert_eq!(
        ended["data"], "loaded",
        "data: images are how the app shows fetched images: the policy must allow them"
    );
    assert_eq!(
        ended["blob"], "failed",
        "a blob: image ({blob}) must not load: nothing in the UI uses blob URLs"
    );
    for (uri, directive) in &refused {
        assert!(
            directive.starts_with("img-src"),
            "each refusal is the image policy's: {uri} broke {directive}"
        );
    }
    app.quit().await;
}
