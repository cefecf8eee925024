//! What the SDK backend puts on the wire where moto's answers cannot tell:
//! the requests, read from a canned IAM endpoint on 127.0.0.1 (see
//! `onramp_testkit::canned`).

use onramp::cloud::Cloud;
use onramp_testkit::canned::{routed, sdk_on};

/// An empty answer to any IAM call, as IAM writes one.
fn empty_answer(body: &str) -> String {
    let action = body
        .split('&')
        .find_map(|p| p.strip_prefix("Action="))
        .unwrap_or("Unknown");
    format!(
        r#"<{action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></{action}Response>"#
    )
}

/// IAM's `UpdateRole` leaves the description of a request without one as
/// it was: clearing it takes an empty `Description`, which moto cannot
/// show (it clears the description either way).
#[tokio::test]
async fn an_empty_description_is_sent_to_clear_it() {
    let server = routed(|request, _| (200, "text/xml", empty_answer(&request.body)));
    let cloud = sdk_on(&server.url).await;
    cloud.update_role_description("r", "").await.unwrap();
    cloud
        .update_role_description("r", "new words")
        .await
        .unwrap();
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 2, "{bodies:#?}");
    let params = |body: &str| {
        let mut params: Vec<String> = body.split('&').map(str::to_owned).collect();
        params.sort();
        params
    };
    assert_eq!(
        params(&bodies[0]),
        [
            "Action=UpdateRole",
            "Description=",
            "RoleName=r",
            "Version=2010-05-08"
        ]
    );
    assert_eq!(
        params(&bodies[1]),
        [
            "Action=UpdateRole",
            "Description=new%20words",
            "RoleName=r",
            "Version=2010-05-08"
        ]
    );
}

/// Each key is one member of `TagKeys`, as written; no keys is no request.
#[tokio::test]
async fn untagging_sends_each_key_and_nothing_for_no_keys() {
    let server = routed(|request, _| (200, "text/xml", empty_answer(&request.body)));
    let cloud = sdk_on(&server.url).await;
    let keys = ["Owner".to_owned(), "cost center".to_owned()];
    let arn = "arn:aws:iam::123456789012:policy/p";
    cloud.untag_role("r", &keys).await.unwrap();
    cloud.untag_policy(arn, &keys).await.unwrap();
    cloud.untag_instance_profile("ip", &keys).await.unwrap();
    cloud.untag_role("r", &[]).await.unwrap();
    cloud.untag_policy(arn, &[]).await.unwrap();
    cloud.untag_instance_profile("ip", &[]).await.unwrap();
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 3, "{bodies:#?}");
    let wanted = [
        ("Action=UntagRole", "RoleName=r"),
        (
            "Action=UntagPolicy",
            "PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fp",
        ),
        ("Action=UntagInstanceProfile", "InstanceProfileName=ip"),
    ];
    for (body, (action, entity)) in bodies.iter().zip(wanted) {
        for part in [
            action,
            entity,
            "TagKeys.member.1=Owner",
            "TagKeys.member.2=cost%20center",
        ] {
            assert!(
                body.split('&').any(|p| p == part),
                "{part} missing from {body}"
            );
        }
        assert!(!body.contains("TagKeys.member.3"), "{body}");
    }
}
