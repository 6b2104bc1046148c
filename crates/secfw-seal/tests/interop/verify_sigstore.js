// usage: node verify_sigstore.js BUNDLE.json SPKI_HEX [expect-invalid-bundle]
// Verifies a Sigstore bundle (v0.3, DSSE, public-key trust material, no tlog) with
// @sigstore/verify, the reference JavaScript verifier. Exit 0 = verified; with
// `expect-invalid-bundle`, exit 0 = the bundle validator rejected it.
const fs = require('fs');
const { bundleFromJSON } = require('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

const [bundlePath, spkiHex, mode] = process.argv.slice(2);
const json = JSON.parse(fs.readFileSync(bundlePath, 'utf8'));
let bundle;
try {
  bundle = bundleFromJSON(json);
} catch (e) {
  if (mode === 'expect-invalid-bundle') { console.log('rejected by the bundle validator: ' + e.message); process.exit(0); }
  console.error('invalid bundle: ' + e.message); process.exit(1);
}
if (mode === 'expect-invalid-bundle') { console.error('the bundle validator accepted it'); process.exit(1); }
const keyid = json.verificationMaterial.publicKey.hint;
const root = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
               tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
const keys = { [keyid]: { rawBytes: Buffer.from(spkiHex, 'hex'), keyDetails: 'PKIX_ED25519' } };
try {
  new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 })
    .verify(toSignedEntity(bundle));
  console.log('verified');
} catch (e) {
  console.error('not verified: ' + (e.code || '') + ' ' + e.message); process.exit(1);
}
