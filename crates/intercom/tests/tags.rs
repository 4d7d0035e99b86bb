//! Tags, priority, conversation attributes and SLAs through the client against the sandbox
//! over real HTTP (issue 14).

use intercom::{AccessToken, Client, ErrorKind, Region, Url};
use intercom_sandbox::{Sandbox, SandboxConfig};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed: 7,
        conversations: 60,
        ..Default::default()
    })
    .await
    .expect("the sandbox starts on 127.0.0.1:0")
}

fn client(sb: &Sandbox) -> Client {
    let region = Region::Custom(Url::parse(sb.base_url()).expect("the sandbox base URL parses"));
    Client::builder(region, AccessToken::new(sb.token()))
        .build()
        .expect("a loopback base URL and a token make a client")
}

#[tokio::test]
async fn tagging_untagging_and_priority_change_the_conversation_intercom_returns() {
    let sb = sandbox().await;
    let api = client(&sb);
    let admin = sb.admin_id().to_string();
    let tags = api.list_tags().await.expect("GET /tags answers");
    assert!(
        tags.len() >= 3 && tags.iter().all(|t| t.name.is_some()),
        "the workspace's tags come with names: {tags:?}"
    );
    let id = sb.truth()["conversations"][0]["id"]
        .as_str()
        .expect("a seeded conversation")
        .to_string();
    let tag = &tags[0];

    let applied = api
        .tag_conversation(&id, &tag.id, &admin)
        .await
        .expect("tagging succeeds");
    assert_eq!(applied.id, tag.id, "the answer is the tag applied");
    let again = api
        .tag_conversation(&id, &tag.id, &admin)
        .await
        .expect("tagging twice succeeds: a resend after a timeout is harmless");
    assert_eq!(again.id, tag.id);
    let conv = api.get_conversation(&id, false).await.expect("GET answers");
    let ids: Vec<&str> = conv
        .tags
        .iter()
        .flat_map(|l| l.tags.iter())
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(
        ids.iter().filter(|t| **t == tag.id).count(),
        1,
        "the conversation carries the tag once: {ids:?}"
    );

    api.untag_conversation(&id, &tag.id, &admin)
        .await
        .expect("untagging succeeds");
    let err = api
        .untag_conversation(&id, &tag.id, &admin)
        .await
        .expect_err("untagging a tag the conversation no longer carries is refused");
    assert_eq!(
        err.kind(),
        &ErrorKind::NotFound,
        "a tag removed elsewhere is NotFound, which the outbox treats as done: {err}"
    );
    let err = api
        .tag_conversation(&id, "999999", &admin)
        .await
        .expect_err("an unknown tag is refused");
    assert_eq!(err.kind(), &ErrorKind::NotFound, "{err}");

    let before = api.get_conversation(&id, false).await.expect("GET answers");
    let was = before.priority.as_ref().is_some_and(|p| p.is_priority());
    let after = api
        .set_priority(&id, !was)
        .await
        .expect("priority is set through the Unstable version");
    assert_eq!(
        after.priority.as_ref().is_some_and(|p| p.is_priority()),
        !was,
        "the answer shows the new priority"
    );
    assert_eq!(
        sb.truth()["conversations"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["id"] == id.as_str())
            .map(|c| c["priority"].clone()),
        Some(serde_json::json!(if was {
            "not_priority"
        } else {
            "priority"
        })),
        "the sandbox's truth holds the new priority"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn conversation_attributes_and_slas_are_read() {
    let sb = sandbox().await;
    let api = client(&sb);
    let attributes = api
        .list_conversation_attributes()
        .await
        .expect("GET /data_attributes answers");
    let channel = attributes
        .iter()
        .find(|a| a.name.as_deref() == Some("Channel"))
        .expect("the seeded Channel attribute is defined");
    assert!(channel.is_editable_conversation_attribute(), "{channel:?}");
    assert_eq!(
        channel.option_texts(),
        vec!["web", "email", "ios"],
        "a list attribute's options come with it"
    );
    let types: Vec<&str> = attributes
        .iter()
        .filter_map(|a| a.data_type.as_ref().map(|t| t.as_str()))
        .collect();
    for t in ["string", "integer", "boolean", "float", "date"] {
        assert!(
            types.contains(&t),
            "every data type is defined once: {types:?}"
        );
    }

    let mut with_sla = 0;
    for c in sb.truth()["conversations"].as_array().into_iter().flatten() {
        let id = c["id"].as_str().unwrap_or_default();
        if id.parse::<u64>().is_ok_and(|n| n % 6 == 0) {
            let conv = api.get_conversation(id, false).await.expect("GET answers");
            let sla = conv.sla().expect("one conversation in six carries an SLA");
            assert!(!sla.name.is_empty() && sla.status.is_some(), "{sla:?}");
            with_sla += 1;
        }
    }
    assert!(
        with_sla > 0,
        "the seeded workspace has conversations with an SLA"
    );
    sb.shutdown().await;
}
