//! The JSON Schemas committed under `schemas/` are exactly what the types generate, and they
//! accept the bundled example (checked with the `jsonschema` crate and, as third-party interop,
//! with check-jsonschema).
//!
//! To regenerate after changing a type: `SECFW_BLESS=1 cargo test -p secfw-artifacts --test schemas`.

use std::path::Path;

use secfw_artifacts::yaml;

#[test]
fn committed_schemas_match_the_types() {
    let dir = secfw_testkit::repo_root().join("schemas");
    let bless = std::env::var_os("SECFW_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, json) in secfw_artifacts::schemas() {
        let path = dir.join(name);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &json).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(json.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "schemas out of date: {stale:?}; run SECFW_BLESS=1 cargo test -p secfw-artifacts --test schemas"
    );
}

fn example() -> std::path::PathBuf {
    secfw_testkit::repo_root().join("examples/acme")
}

/// YAML artifact → JSON value, through the same wrapper secfw uses.
fn as_json(path: &Path) -> serde_json::Value {
    let src = secfw_artifacts::read_artifact(path, "x", 1 << 26).unwrap();
    yaml::parse::<serde_json::Value>(&src, yaml::UnknownFields::Warn).unwrap().value
}

#[test]
fn the_example_validates_against_the_schemas() {
    for (file, schema_name) in [
        ("sec_findings.yaml", "sec_findings.schema.json"),
        ("rulebook.yaml", "rulebook.schema.json"),
        ("inventory.yaml", "inventory.schema.json"),
    ] {
        let schema: serde_json::Value =
            serde_json::from_str(&secfw_artifacts::schemas().into_iter().find(|(n, _)| *n == schema_name).unwrap().1)
                .unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let instance = as_json(&example().join(file));
        let errors: Vec<String> =
            validator.iter_errors(&instance).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{file}: {errors:#?}");
        // A mistake the types refuse is refused by the schema too.
        let mut bad = instance.clone();
        bad["version"] = serde_json::json!(3);
        assert!(!validator.is_valid(&bad), "{file}: a numeric version must be rejected");
    }
}

secfw_testkit::interop_test! { [python]
    fn check_jsonschema_accepts_the_example_with_our_schema() {
        let python = secfw_testkit::python().expect("the interop venv (scripts/interop-tools)");
        let cj = python.parent().unwrap().join("check-jsonschema");
        let out = std::process::Command::new(&cj)
            .arg("--schemafile")
            .arg(secfw_testkit::repo_root().join("schemas/sec_findings.schema.json"))
            .arg(example().join("sec_findings.yaml"))
            .output()
            .expect("run check-jsonschema");
        assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
}
