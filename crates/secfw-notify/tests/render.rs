//! Message bodies: Slack and Teams shapes, HTML escaping, byte-for-byte determinism.

mod common;

use common::{RULEBOOK, load, now, workspace};
use secfw_artifacts::model::rulebook::WebhookFormat;
use secfw_notify::{Ledger, plan_with_ledger, render};

fn escalation() -> secfw_notify::Message {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), &RULEBOOK.replace("Finding {id}", "x"));
    let p = plan_with_ledger(&load(t.path()), &Ledger::default(), &common::no_acks(), now()).unwrap();
    p.messages.into_iter().next().unwrap()
}

#[test]
fn slack_and_teams_bodies_have_their_shapes() {
    let mut m = escalation();
    m.items.push("<script>alert(1)</script> & co".to_owned());
    let slack: serde_json::Value = serde_json::from_slice(&render::body(&m, WebhookFormat::Slack)).unwrap();
    let text = slack["text"].as_str().unwrap();
    assert!(text.starts_with("[secfw] ESC-"), "{text}");
    assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), "{text}");
    assert_eq!(slack.as_object().unwrap().len(), 1);
    let teams: serde_json::Value = serde_json::from_slice(&render::body(&m, WebhookFormat::Teams)).unwrap();
    assert_eq!(teams["@type"], "MessageCard");
    assert_eq!(teams["@context"], "https://schema.org/extensions");
    assert_eq!(teams["title"], m.title.as_str());
    assert!(teams["text"].as_str().unwrap().contains("Digest: https://intranet.example.com/secfw/digest.html"));
}

#[test]
fn html_escapes_every_value_and_text_is_plain() {
    let mut m = escalation();
    m.items = vec!["<img src=x onerror=alert(1)>".to_owned()];
    let h = render::html(&m);
    assert!(h.contains("<li>&lt;img src=x onerror=alert(1)&gt;</li>"), "{h}");
    assert!(!h.contains("<img"));
    let t = render::text(&m);
    assert!(t.contains("- <img src=x onerror=alert(1)>"));
    assert!(t.ends_with(&format!("-- secfw notify (escalation about {})", m.subject)));
    assert_eq!(render::body(&m, WebhookFormat::Json), render::body(&m, WebhookFormat::Json));
}
