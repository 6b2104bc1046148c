//! The rollback floor (`.secfw/seal-state.json`) holds a typed `Seal`: a state file whose seal
//! is not exactly `sha256:` + 64 lower-case hex is refused with its position, never compared as
//! text against a seal it can never equal (which would let the floor be bypassed or jammed).

use secfw_artifacts::Seal;
use secfw_seal::{Error, SealState, codes};

const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn state_file(seal: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("seal-state.json");
    std::fs::write(&p, format!("{{\n  \"project\": \"acme-pay\",\n  \"sequence\": 3,\n  \"seal\": \"{seal}\"\n}}\n"))
        .unwrap();
    (t, p)
}

#[test]
fn a_well_formed_state_round_trips_byte_for_byte() {
    let (_t, p) = state_file(&format!("sha256:{HEX}"));
    let st = SealState::load(&p).unwrap();
    assert_eq!(st.seal, Seal::parse(&format!("sha256:{HEX}")).unwrap());
    let again = tempfile::tempdir().unwrap();
    let q = again.path().join("seal-state.json");
    st.save(&q).unwrap();
    assert_eq!(std::fs::read(&q).unwrap(), std::fs::read(&p).unwrap());
}

#[test]
fn a_malformed_seal_in_the_state_file_is_refused_with_its_position() {
    let upper = HEX.to_uppercase();
    for bad in [
        format!("sha256:{upper}"),
        format!("sha256:{}", HEX.get(..63).unwrap()),
        format!("sha256:{HEX}0"),
        format!("sha512:{HEX}"),
        HEX.to_owned(),
        format!("sha256:{}g", HEX.get(..63).unwrap()),
        String::new(),
    ] {
        let (_t, p) = state_file(&bad);
        let Err(Error::Rejected(d)) = SealState::load(&p) else { panic!("{bad:?} was accepted") };
        assert_eq!(d[0].code, codes::ROLLBACK, "{bad:?}");
        // serde_json reports the position where the object holding the seal ends (line 4 or
        // 5); the message names the bad character's offset inside the value.
        assert!(matches!(d[0].line, Some(4 | 5)), "{bad:?}: {:?}", d[0]);
        assert!(d[0].column.is_some(), "{bad:?}");
        assert!(d[0].message.contains("seal") || d[0].message.contains("digest"), "{bad:?}: {}", d[0].message);
    }
}
