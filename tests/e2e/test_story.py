"""The whole delivery story, end to end, with the real ``gatecheck`` script in subprocesses.

A copy of ``examples/webapp`` plays a service going through CI and deploy:

1. as shipped, the example is DENIED (it has real problems);
2. a fixed variant passes the gate in "CI", which signs an in-toto bundle and pushes it to a
   SQLite attestation store; ``store push`` / ``store search`` find it; ``verify`` in a
   "deploy" step passes;
3. a change that adds a secret is denied, its FAILED verdict is signed, and ``verify`` of the
   changed artifact fails;
4. a migration finding is let through by a waiver with a reason while the waiver holds, and the
   same run is denied again once the waiver has expired (the expired waiver is reported, not
   applied).

Nothing is mocked: every step runs ``gatecheck`` from the virtualenv as CI would.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "webapp"
GATECHECK = Path(sys.executable).with_name("gatecheck")

# A fabricated AWS key pair in the documented format (AWS's own documentation example values are
# allow-listed by secret scanners, so these are made up); it grants nothing.
LEAKED = 'AWS_ACCESS_KEY_ID = "AKIAQ4MZX7RTB2LWN3PD"\nAWS_SECRET_ACCESS_KEY = "Zp3Kd9Wq2Lr8Tx5Mv1Nb7Hc4Gf6Js0Ye2Ua8RiQo"\n'

SAFE_SETTINGS = '''"""Runtime settings for the orders service."""

import os

DEBUG = os.environ.get("ORDERS_DEBUG") == "1"
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://orders@localhost/orders")
'''

SAFE_VIEWS = '''"""HTTP handlers for the orders service."""

from flask import Flask
from sqlalchemy import create_engine, text

from app import settings

app = Flask(__name__)
engine = create_engine(settings.DATABASE_URL)


@app.route("/orders/<customer>")
def orders_for(customer):
    query = text("SELECT id, total FROM orders WHERE customer = :customer")
    with engine.connect() as conn:
        rows = conn.execute(query, {"customer": customer}).fetchall()
    return {"orders": [dict(r._mapping) for r in rows]}
'''

SAFE_JS = """// Renders the order list without interpreting it as HTML.
export function renderOrders(list, orders) {
  for (const order of orders) {
    const item = document.createElement("li");
    item.textContent = `${order.id}: ${order.total}`;
    list.appendChild(item);
  }
}
"""

# The ESLint run of the fixed front end: it ran and found nothing.
CLEAN_SARIF = {
    "version": "2.1.0",
    "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
    "runs": [{"tool": {"driver": {"name": "ESLint", "rules": []}}, "results": []}],
}

# The order-status migration written safely: bounded lock wait, nullable text column.
SAFE_MIGRATION = """-- Adds order status tracking without rewriting or long-locking the orders table.
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN status text;
"""

# A later migration whose plain CREATE INDEX blocks writes while it builds (a finding the
# default policy lets through only with a waiver naming its finding_id).
INDEX_MIGRATION = """-- Index for the status dashboard.
SET lock_timeout = '2s';
CREATE INDEX orders_status_idx ON orders (status);
"""

# Dependencies the example's OSV extract holds no advisories for.
SAFE_REQUIREMENTS = "click==8.1.3\nitsdangerous==2.1.2\nmarkupsafe==2.1.1\n"


def gatecheck(*args: str | Path, cwd: Path, expect: int) -> subprocess.CompletedProcess[str]:
    """Run the installed ``gatecheck`` script and assert its exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "GATECHECK_"))}
    proc = subprocess.run([str(GATECHECK), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == expect, (
        f"gatecheck {' '.join(map(str, args))} exited {proc.returncode}, expected {expect}\n"
        f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    )
    return proc


def statements(bundle: Path) -> list[dict[str, Any]]:
    """The decoded in-toto statements of a DSSE JSON Lines bundle."""
    out = []
    for line in bundle.read_text().splitlines():
        if line.strip():
            envelope = json.loads(line)
            out.append(json.loads(base64.b64decode(envelope["payload"])))
    return out


def vsa(bundle: Path) -> dict[str, Any]:
    """The SLSA verification summary (the verdict) of a bundle."""
    found = [s for s in statements(bundle) if "verification_summary" in s["predicateType"]]
    assert len(found) == 1, [s["predicateType"] for s in statements(bundle)]
    return found[0]


def denied_rules(report: Path) -> list[tuple[str, str]]:
    decision = json.loads(report.read_text())["decision"]
    return [(d["rule"], d.get("check", "")) for d in decision["deny"]]


def fixed_variant(target: Path) -> Path:
    """A copy of the example with its problems fixed: safe code, no leaked key, a safe
    migration, dependencies without known advisories, a clean linter report."""
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".gatecheck", "__pycache__"))
    (target / "app" / "settings.py").write_text(SAFE_SETTINGS)
    (target / "app" / "views.py").write_text(SAFE_VIEWS)
    (target / "static" / "app.js").write_text(SAFE_JS)
    (target / "reports" / "eslint.sarif").write_text(json.dumps(CLEAN_SARIF))
    (target / "migrations" / "0002_order_status.sql").write_text(SAFE_MIGRATION)
    (target / "requirements.txt").write_text(SAFE_REQUIREMENTS)
    return target


def test_the_whole_story(tmp_path: Path) -> None:
    work = tmp_path
    store = f"sqlite:///{work / 'store.sqlite'}"
    gatecheck("keygen", "-o", work / "keys" / "ci", cwd=work, expect=0)
    key, pub = work / "keys" / "ci.key", work / "keys" / "ci.pub"

    # --- 0. The example as shipped is denied: leaked key, unsafe code, unsafe migration, CVEs.
    shipped = work / "shipped"
    shutil.copytree(EXAMPLE, shipped, ignore=shutil.ignore_patterns(".gatecheck", "__pycache__"))
    gatecheck("run", shipped, "-q", "-f", "json", "-o", work / "shipped.json", cwd=work, expect=1)
    checks_denied = {check for _, check in denied_rules(work / "shipped.json")}
    assert {"secrets", "migrations", "sast", "sca"} <= checks_denied

    # --- 1. CI: the fixed service passes, signs its verdict about the build output and stores it.
    app = fixed_variant(work / "webapp")
    subject = app / "app"  # the artifact deployed: the application package directory
    ci_bundle = work / "ci" / "gate.intoto.jsonl"
    gatecheck(
        "run", app, "--stage", "ci", "-q", "-f", "json", "-o", work / "ci.json",
        "--attest", ci_bundle, "--subject", subject, "--key", f"file:{key}", "--store", store,
        cwd=work, expect=0,
    )  # fmt: skip
    decision = json.loads((work / "ci.json").read_text())["decision"]
    assert decision["allow"] is True and decision["deny"] == []
    verdict = vsa(ci_bundle)
    assert verdict["predicate"]["verificationResult"] == "PASSED"
    digest = verdict["subject"][0]["digest"]
    algorithm, value = next(iter(digest.items()))

    # The run pushed the bundle already: a second push stores nothing new, search finds it.
    pushed = gatecheck("store", "push", ci_bundle, "--store", store, "--key", pub, "--format", "json", cwd=work, expect=0)
    push = json.loads(pushed.stdout)
    envelopes = [line for line in ci_bundle.read_text().splitlines() if line.strip()]
    assert push["stored"] == [] and push["refused"] == [] and len(push["duplicates"]) == len(envelopes)
    found = json.loads(
        gatecheck(
            "store",
            "search",
            "--store",
            store,
            "--subject",
            f"{algorithm}:{value}",
            "--verdict",
            "passed",
            cwd=work,
            expect=0,
        ).stdout
    )
    assert len(found) == 1 and found[0]["verdict"] == "PASSED"
    gatecheck("store", "check", "--store", store, cwd=work, expect=0)

    # --- 2. Deploy: the artifact about to ship verifies against the CI key.
    deployed = gatecheck(
        "verify", subject, "--bundle", ci_bundle, "--key", pub, "--stage", "ci", "--max-age", "1h",
        "--require-check", "secrets", "--require-check", "migrations", "--format", "json",
        cwd=work, expect=0,
    )  # fmt: skip
    verified = json.loads(deployed.stdout)
    assert verified["ok"] is True and verified["verdict"]["result"] == "PASSED"

    # --- 3. A change that adds a secret: denied, its verify fails.
    with (app / "app" / "settings.py").open("a") as fh:
        fh.write(LEAKED)
    bad_bundle = work / "ci" / "leak.intoto.jsonl"
    leak = gatecheck(
        "run", app, "-q", "-f", "json", "-o", work / "leak.json", "--attest", bad_bundle,
        "--attest-failed", "--subject", subject, "--key", f"file:{key}", "--store", store,
        cwd=work, expect=1,
    )  # fmt: skip
    assert set(denied_rules(work / "leak.json")) == {("gatecheck.secret", "secrets")}
    leak_report = json.loads((work / "leak.json").read_text())
    secret_rules = {f["rule_id"] for r in leak_report["results"] if r["check"] == "secrets" for f in r["findings"]}
    assert "aws-access-key-id" in secret_rules
    # The secret's value is in no output, report or attestation (decoded).
    for text in (leak.stdout, leak.stderr, (work / "leak.json").read_text(), json.dumps(statements(bad_bundle))):
        assert "AKIAQ4MZX7RTB2LWN3PD" not in text and "Zp3Kd9Wq2Lr8Tx5Mv1Nb7Hc4Gf6Js0Ye2Ua8RiQo" not in text
    assert vsa(bad_bundle)["predicate"]["verificationResult"] == "FAILED"
    # The changed artifact has only a FAILED verdict ...
    failed = gatecheck("verify", subject, "--bundle", bad_bundle, "--key", pub, "--format", "json", cwd=work, expect=1)
    assert json.loads(failed.stdout)["reason"] == "RESULT_FAILED"
    # ... and the old passing verdict is about other bytes.
    mismatch = gatecheck("verify", subject, "--bundle", ci_bundle, "--key", pub, "--format", "json", cwd=work, expect=1)
    assert json.loads(mismatch.stdout)["ok"] is False
    assert "SUBJECT_MISMATCH" in {r["code"] for r in json.loads(mismatch.stdout)["reasons"]} | {
        json.loads(mismatch.stdout)["reason"]
    }
    failed_stored = json.loads(gatecheck("store", "search", "--store", store, "--verdict", "failed", cwd=work, expect=0).stdout)
    assert len(failed_stored) == 1
    (app / "app" / "settings.py").write_text(SAFE_SETTINGS)  # the leak is reverted (and the key revoked)

    # --- 4. A migration finding: denied, waived with a reason until it expires.
    (app / "migrations" / "0003_status_index.sql").write_text(INDEX_MIGRATION)
    gatecheck("run", app, "-q", "-f", "json", "-o", work / "mig.json", cwd=work, expect=1)
    report = json.loads((work / "mig.json").read_text())
    mig_denials = [d for d in report["decision"]["deny"] if d.get("check") == "migrations"]
    assert mig_denials and {d["rule"] for d in report["decision"]["deny"]} == {"gatecheck.migration"}
    finding_ids = sorted({d["finding_id"] for d in mig_denials})

    today = dt.datetime.now(dt.UTC).date()
    waivers = work / "gatecheck.waivers.toml"

    def write_waivers(expires: dt.date) -> None:
        waivers.write_text(
            "".join(
                f'[[waivers]]\nid = "WVR-{n}"\n'
                'reason = "orders holds 2,000 rows in this release; CONCURRENTLY follows in OPS-7"\n'
                f'owner = "team-data"\nticket = "OPS-7"\nexpires = {expires.isoformat()}\n'
                f'match = {{ finding_id = "{fid}" }}\n\n'
                for n, fid in enumerate(finding_ids, 1)
            )
        )

    write_waivers(today + dt.timedelta(days=30))
    waived_bundle = work / "ci" / "waived.intoto.jsonl"
    gatecheck(
        "run", app, "-q", "-f", "json", "-o", work / "waived.json", "--waivers", waivers,
        "--attest", waived_bundle, "--subject", subject, "--key", f"file:{key}", "--store", store,
        cwd=work, expect=0,
    )  # fmt: skip
    waived = json.loads((work / "waived.json").read_text())
    assert waived["decision"]["allow"] is True
    assert sorted(w["finding_id"] for w in waived["decision"]["waived"]) == finding_ids
    assert {w["waiver_id"] for w in waived["decision"]["waived"]} == {f"WVR-{n}" for n in range(1, len(finding_ids) + 1)}
    gatecheck("verify", subject, "--bundle", waived_bundle, "--key", pub, "--stage", "ci", cwd=work, expect=0)

    # The same waiver, expired (it held through yesterday): reported, not applied, denied again.
    write_waivers(today - dt.timedelta(days=1))
    expired_run = gatecheck("run", app, "-q", "-f", "json", "-o", work / "expired.json", "--waivers", waivers, cwd=work, expect=1)
    expired = json.loads((work / "expired.json").read_text())
    assert expired["decision"]["waived"] == []
    assert sorted(d["finding_id"] for d in expired["decision"]["deny"]) == finding_ids
    expired_warnings = [w for w in expired["decision"]["warn"] if w["rule"] == "gatecheck.waiver_expired"]
    assert len(expired_warnings) == len(finding_ids), expired["decision"]["warn"]
    assert "WVR-1" in json.dumps(expired_warnings) or "WVR-1" in expired_run.stdout + expired_run.stderr
