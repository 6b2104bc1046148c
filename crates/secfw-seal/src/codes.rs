//! The stable diagnostic codes of `secfw-seal` (`SL....`), documented in `docs/diagnostics.md`.
//!
//! A public namespace: the codes read well only qualified (`codes::ROLLBACK`).

secfw_artifacts::define_codes! {
    // --- generating a manifest -----------------------------------------------------------
    NOT_IN_GIT = "SL0001", "The workspace is not inside a git repository (use --no-git to seal without a git binding)";
    WORKSPACE_INVALID = "SL0002", "The workspace has errors and cannot be sealed";
    NO_PROJECT = "SL0003", "No project id: set `project:` in rulebook.yaml or pass --project";
    DIRTY = "SL0004", "Sealed files differ from the git snapshot (uncommitted changes)";
    NOT_REGULAR = "SL0005", "A sealed path is a symlink, directory, FIFO, device or has a symlinked parent";
    BAD_PATH = "SL0006", "A sealed path does not match the path grammar";
    PATH_COLLISION = "SL0007", "Two sealed paths are equal after ASCII case folding";
    GIT_FAILED = "SL0008", "A git command failed or git gave an unexpected answer";
    // --- verifying a manifest ------------------------------------------------------------
    TRUST_POLICY = "SL0101", "The trust policy is invalid or expired";
    ENVELOPE = "SL0102", "The DSSE envelope is malformed";
    PAYLOAD_TYPE = "SL0103", "The envelope's payloadType is not exactly application/vnd.in-toto+json";
    SIGNATURE = "SL0104", "A signature is malformed or does not verify";
    THRESHOLD = "SL0105", "A role's signature threshold is not met by distinct trusted keys";
    NOT_CANONICAL = "SL0106", "The payload is not canonical JSON (RFC 8785), has duplicate keys, floats or is too large";
    STATEMENT = "SL0107", "The payload is not a secfw handoff in-toto Statement v1";
    SUBJECTS = "SL0108", "The subjects and the predicate's artifacts disagree or repeat";
    DIGEST_FORMAT = "SL0109", "A digest is not 64 lower-case hex characters or names an algorithm other than sha256";
    FILE_MISSING = "SL0110", "A sealed file is missing";
    FILE_CHANGED = "SL0111", "A sealed file's digest or size differs from the seal";
    UNLISTED_FILE = "SL0112", "A file in the sealed set is not listed in the manifest (closed-set policy)";
    GIT_BINDING = "SL0113", "The git binding (commit, tree, dirty flag) is wrong or does not match";
    RULEBOOK_BINDING = "SL0114", "The rulebook digest does not match the sealed or pinned rulebook";
    EXPIRED = "SL0115", "The manifest has expired or was issued in the future";
    PROJECT = "SL0116", "The manifest is for another project";
    ROLLBACK = "SL0117", "The manifest's sequence is older than the last accepted one";
    CHAIN = "SL0118", "The previous-seal chain is broken";
    YAML_VIEW = "SL0119", "handoff_manifest.yaml differs from its deterministic rendering";
    CRITICAL_OPEN = "SL0120", "The sealed state has open critical findings (Critical=0 rule)";
    STATEMENT_FILE = "SL0121", "handoff.statement.json differs from the signed payload";
    SEALED_SET = "SL0122", "A subject lies outside the documented sealed set (the six artifacts, digest files, evidence/)";
    SEAL_FILE = "SL0123", "A seal file (envelope, statement, YAML view, state) is not a regular file, is a symlink or is too large";
    SIDECAR = "SL0124", "An SSHSIG sidecar is not the canonical SSHSIG over the signed statement by the trusted envelope signer its name names";
    // --- keys, signing, trust edits ------------------------------------------------------
    KEY_FORMAT = "SL0201", "A key file cannot be read or is not an Ed25519 key in a supported format";
    KEY_NOT_TRUSTED = "SL0202", "The signing key is not in the trust policy";
    DUPLICATE_SIGNATURE = "SL0203", "The envelope already has a signature by this key";
    IDENTITY_MISMATCH = "SL0204", "The identity does not match the trust policy's identity for this key";
    TRUST_EDIT = "SL0205", "The trust policy edit is invalid (unknown role, bad threshold, key in another role)";
    TRUST_SOURCE = "SL0206", "No trust policy was given, or it lies inside the tree being verified without a digest pin";
    KEY_PERMISSIONS = "SL0207", "A private key file is readable or writable by group or others";
    TRUST_CHAIN = "SL0208", "The signed trust policy is refused: a version not signed by root thresholds, older than the pinned one, a gap, a fork or expired";
    // --- packages ------------------------------------------------------------------------
    PACKAGE_FORMAT = "SL0301", "The package archive is malformed or has an unsafe entry";
    PACKAGE_TARGET = "SL0302", "The unpack target is not usable (not empty, or not a directory)";
    PACKAGE_EXTRA_ENTRY = "SL0303", "A package entry is not covered by the signed statement (unsigned extra entry)";
    UNSAFE_WRITE = "SL0304", "A restore would write through a symlink or into .git/ or .secfw/";
}
