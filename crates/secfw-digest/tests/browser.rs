//! digest.html in a real browser: headless Chromium renders it to a PNG without console errors.
//! Ignored (with the reason) where `chromium` was not on PATH at build time; required in CI.

#[path = "../../secfw-metrics/tests/support/mod.rs"]
mod support;

use std::process::Command;

use chrono::{TimeZone, Utc};
use secfw_artifacts::{LoadOptions, load};
use secfw_metrics::{CollectOptions, record};

secfw_testkit::interop_test! { [chromium]
    fn chromium_renders_the_digest_without_console_errors() {
        let chromium = secfw_testkit::tool("chromium").expect("chromium on PATH (scripts/interop-tools)");
        let dir = tempfile::tempdir().unwrap();
        support::write(dir.path());
        let ws = load(dir.path(), &LoadOptions::default()).unwrap();
        // Two earlier cycles so the trend chart has lines.
        for day in [3, 10] {
            let now = Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap();
            let r = secfw_metrics::collect(&ws, &CollectOptions::default(), now).unwrap();
            record(dir.path(), &r).unwrap();
        }
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let done = secfw_digest::generate(&ws, &CollectOptions::default(), now, None).unwrap();
        assert_eq!(done.report.history.len(), 2);
        let html = dir.path().join("digest.html");
        let png = dir.path().join("digest.png");
        let profile = tempfile::tempdir().unwrap();
        let out = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--screenshot={}", png.display()))
            .arg("--window-size=1280,2000")
            .arg(format!("file://{}", html.display()))
            .output()
            .expect("run chromium");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "chromium failed: {stderr}");
        let bytes = std::fs::read(&png).expect("screenshot written");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
        // A blank 1280×2000 page compresses to a few KB; the rendered digest is far larger.
        assert!(bytes.len() > 50_000, "the screenshot is non-trivial ({} bytes)", bytes.len());
        // Chromium logs page console output as `[pid:tid:time:INFO:CONSOLE:line] "message"`; the
        // digest has no scripts, so any console line (or an uncaught error) is a failure.
        for line in stderr.lines() {
            let l = line.to_ascii_lowercase();
            assert!(
                !(l.contains("uncaught") || l.contains(":console")),
                "console error while rendering digest.html: {line}"
            );
        }
        // The DOM the browser built holds every chart as an SVG element with its drawing.
        let profile = tempfile::tempdir().unwrap();
        let dom = Command::new(&chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--dump-dom")
            .arg(format!("file://{}", html.display()))
            .output()
            .expect("run chromium --dump-dom");
        let dom = String::from_utf8_lossy(&dom.stdout);
        for id in ["chart-kpi-trends", "chart-open-by-severity", "chart-mttr-by-severity", "chart-exceptions-expiry"] {
            let (_, chart) =
                dom.split_once(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("{id} missing from the rendered DOM"));
            let (chart, _) = chart.split_once("</svg>").expect("closed svg");
            assert!(chart.contains("<rect") || chart.contains("<path"), "{id} draws something");
        }
        if let Ok(keep) = std::env::var("SECFW_KEEP_SCREENSHOT") {
            std::fs::copy(&png, keep).unwrap();
        }
    }
}
