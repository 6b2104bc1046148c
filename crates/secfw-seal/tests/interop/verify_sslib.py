"""Third-party verification of a secfw seal (offline).

usage: verify_sslib.py ENVELOPE TRUST_JSON WORKSPACE_DIR [--trust-only]

TRUST_JSON is a plain policy or a signed trust chain; a chain is verified version by version
(securesystemslib `Envelope.verify` with the root thresholds of the previous and the own
version). With --trust-only only the chain is verified.

* securesystemslib (>= 1.6): per-role k-of-n `Envelope.verify` with keyids recomputed from the
  key material (no keyid aliasing) and disjoint accepted key sets across roles;
* in-toto-attestation: `Statement.validate()` of the verified payload;
* rfc8785: the payload is exactly the canonical JSON of itself;
* every subject's sha256 matches the file in WORKSPACE_DIR.

Exit 0 and print "OK ..." on success; any failure raises (exit 1).
"""
import hashlib
import json
import os
import sys

import rfc8785
from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey
from securesystemslib.signer._utils import compute_default_keyid

TRUST_PAYLOAD_TYPE = "application/vnd.secfw.trust+json"


def sslib_keys(policy):
    keys = {}
    for kid, k in policy["keys"].items():
        d = {"keytype": k["keytype"], "scheme": k["scheme"], "keyval": k["keyval"]}
        assert kid == compute_default_keyid(d["keytype"], d["scheme"], d["keyval"]), "keyid aliasing"
        keys[kid] = SSlibKey.from_dict(kid, dict(d))
    assert len({k.keyval["public"] for k in keys.values()}) == len(keys), "duplicate key material"
    return keys


def load_trust(path):
    """A plain policy, or a signed chain (secfw-trust-chain): every version's DSSE envelope is
    verified with securesystemslib against a threshold of its own root keys and of the previous
    version's root keys (TUF root rotation); the newest policy is returned."""
    doc = json.load(open(path))
    if doc.get("_type") != "secfw-trust-chain":
        return doc
    prev = None
    for raw in doc["versions"]:
        env = Envelope.from_dict(raw)
        assert env.payload_type == TRUST_PAYLOAD_TYPE, env.payload_type
        pol = json.loads(env.payload)
        assert rfc8785.dumps(pol) == env.payload, "trust payload is not RFC 8785 canonical"
        if prev is not None:
            assert pol["version"] == prev["version"] + 1, "versions are not consecutive"
        for signer in [pol] if prev is None else [prev, pol]:
            root = signer["roles"]["root"]
            keys = sslib_keys(signer)
            env.verify([keys[k] for k in root["keyids"]], root["threshold"])
        prev = pol
    return prev


env_path, trust_path, ws = sys.argv[1:4]
trust = load_trust(trust_path)
if len(sys.argv) > 4 and sys.argv[4] == "--trust-only":
    print("OK trust version", trust["version"])
    sys.exit(0)
env = Envelope.from_dict(json.load(open(env_path)))
assert env.payload_type == "application/vnd.in-toto+json", env.payload_type

keys = sslib_keys(trust)

accepted_by_role = {}
for role in ("prepared_by", "approved_by"):
    r = trust["roles"][role]
    accepted = env.verify([keys[k] for k in r["keyids"]], r["threshold"])
    accepted_by_role[role] = set(accepted)
assert not (accepted_by_role["prepared_by"] & accepted_by_role["approved_by"]), "one key in two roles"

payload = env.payload
assert rfc8785.dumps(json.loads(payload)) == payload, "payload is not RFC 8785 canonical"
stmt_pb = json_format.Parse(payload, statement_pb2.Statement())
Statement.copy_from_pb(stmt_pb).validate()
for s in stmt_pb.subject:
    with open(os.path.join(ws, s.name), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == s.digest["sha256"], s.name
print("OK", {r: sorted(a) for r, a in accepted_by_role.items()})
