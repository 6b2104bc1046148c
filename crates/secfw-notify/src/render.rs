//! Message bodies: plain text, a minimal HTML part, and the webhook bodies (generic JSON,
//! Slack, Teams). Pure functions of the [`Message`]: the same message gives the same bytes.
//!
//! A public namespace: the renderings of one message (`render::text`, `render::html`, `render::body`).

use std::fmt::Write as _;

use secfw_artifacts::model::rulebook::WebhookFormat;

use crate::plan::Message;

/// The `schema` of the generic JSON body.
pub const MESSAGE_SCHEMA: &str = "secfw.notify.message/v1";

/// The plain-text body.
pub fn text(m: &Message) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", m.title);
    for l in &m.lines {
        let _ = writeln!(s, "{l}");
    }
    if !m.items.is_empty() {
        s.push('\n');
        for i in &m.items {
            let _ = writeln!(s, "- {i}");
        }
    }
    if let Some(d) = &m.digest {
        let _ = writeln!(s, "\nDigest: {d}");
    }
    let _ = write!(s, "\n-- secfw notify ({} about {})", m.reason, m.subject);
    s
}

/// The minimal HTML part (every value escaped; no scripts, styles or remote content).
pub fn html(m: &Message) -> String {
    let mut s = format!("<!DOCTYPE html>\n<html><body>\n<h2>{}</h2>\n", secfw_artifacts::escape_markup(&m.title));
    for l in &m.lines {
        let _ = writeln!(s, "<p>{}</p>", secfw_artifacts::escape_markup(l));
    }
    if !m.items.is_empty() {
        s.push_str("<ul>\n");
        for i in &m.items {
            let _ = writeln!(s, "<li>{}</li>", secfw_artifacts::escape_markup(i));
        }
        s.push_str("</ul>\n");
    }
    if let Some(d) = &m.digest {
        let _ = writeln!(s, "<p>Digest: {}</p>", secfw_artifacts::escape_markup(d));
    }
    let _ = write!(
        s,
        "<p><small>secfw notify ({} about {})</small></p>\n</body></html>\n",
        m.reason,
        secfw_artifacts::escape_markup(&m.subject)
    );
    s
}

fn esc_slack(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The webhook body of `m` in `format` (compact JSON).
pub fn body(m: &Message, format: WebhookFormat) -> Vec<u8> {
    let v = match format {
        WebhookFormat::Json => serde_json::json!({
            "schema": MESSAGE_SCHEMA,
            "id": m.id,
            "subject": m.subject,
            "reason": m.reason,
            "recipient": m.recipient.name,
            "title": m.title,
            "lines": m.lines,
            "items": m.items,
            "digest": m.digest,
            "text": text(m),
            "html": html(m),
        }),
        WebhookFormat::Slack => serde_json::json!({ "text": esc_slack(&text(m)) }),
        WebhookFormat::Teams => {
            let mut t: String = m.lines.join("\n\n");
            for i in &m.items {
                let _ = write!(t, "\n\n- {i}");
            }
            if let Some(d) = &m.digest {
                let _ = write!(t, "\n\nDigest: {d}");
            }
            serde_json::json!({
                "@type": "MessageCard",
                "@context": "https://schema.org/extensions",
                "summary": m.title,
                "title": m.title,
                "text": t,
            })
        }
    };
    serde_json::to_vec(&v).unwrap_or_default()
}
