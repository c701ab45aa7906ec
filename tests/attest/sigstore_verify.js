// Verifies Sigstore bundles with @sigstore/verify, the Sigstore project's own JavaScript verifier,
// trusting public keys only: no Fulcio root, no transparency log and no timestamp authority, so the
// log and timestamp thresholds are 0 (what a key-based, offline bundle needs).
//
// Reads {"modules": DIR, "keys": {HINT: BASE64_SPKI_DER}, "bundles": [BUNDLE_JSON, ...]} on stdin and
// prints one result per bundle: {"ok": true} or {"ok": false, "code": ..., "message": ...}.
// Run by tests/attest/test_sigstore_interop.py with the packages .ci/test.sh installs.
"use strict";

const { createRequire } = require("module");
const path = require("path");

let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  const request = JSON.parse(text);
  const load = createRequire(path.join(request.modules, "noop.js"));
  const { bundleFromJSON } = load("@sigstore/bundle");
  const { Verifier, toSignedEntity, toTrustMaterial } = load("@sigstore/verify");

  const keys = {};
  for (const [hint, der] of Object.entries(request.keys)) {
    keys[hint] = { rawBytes: Buffer.from(der, "base64") };
  }
  const root = { certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [] };
  const verifier = new Verifier(toTrustMaterial(root, keys),
    { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });

  const results = request.bundles.map((doc) => {
    try {
      verifier.verify(toSignedEntity(bundleFromJSON(doc)));
      return { ok: true };
    } catch (error) {
      return { ok: false, code: error.code || error.name, message: error.message };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
