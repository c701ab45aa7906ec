"""The ``secrets`` check end to end: detection, redaction in every output, suppression, allowlists,
file selection, git history, gitleaks configurations and baselines."""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatecheck.model import CheckResult

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "webapp"


def ids_by_rule(result: CheckResult) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in result.findings:
        out.setdefault(f.rule_id, []).append(f.id)
    return out


# ------------------------------------------------------------------ the example project


def test_example_project_aws_key_pair_is_found(example_copy: Path, run_check: Callable[..., CheckResult]) -> None:
    result = run_check(example_copy)
    assert result.status == "ok"
    assert result.summary["engine"] == "hyperscan"
    found = {(f.rule_id, f.location.path, f.location.start_line) for f in result.findings if f.location}
    assert ("aws-access-key-id", "app/settings.py", 10) in found
    assert ("aws-secret-access-key", "app/settings.py", 11) in found
    settings = (example_copy / "app" / "settings.py").read_text()
    dumped = json.dumps(result.to_dict())
    for line in settings.splitlines():
        if line.startswith("AWS_"):
            value = line.split('"')[1]
            assert value not in dumped
            assert value[4:] not in dumped  # not even the part after the prefix


def test_python_engine_finds_the_same_as_hyperscan(example_copy: Path, run_check: Callable[..., CheckResult]) -> None:
    fast = run_check(example_copy)
    slow = run_check(example_copy, engine="python")
    assert slow.summary["engine"] == "python"
    assert "engine_note" in slow.summary
    assert [f.to_dict() for f in slow.findings] == [f.to_dict() for f in fast.findings]


# ------------------------------------------------------------------ redaction: every output and the cache


def test_no_output_format_attestation_or_cache_contains_a_planted_secret(
    example_copy: Path, cli: Callable[..., object], fab: Any, private_result_cache: Path
) -> None:
    planted = {
        "aws_id": fab.aws_key_id(),
        "aws_secret": fab.aws_secret(),
        "github": fab.github_pat(),
        "stripe": fab.stripe_live(),
        "db_password": fab.password(),
        "key": fab.private_key(),
    }
    (example_copy / "app" / "integrations.py").write_text(
        f'GITHUB_TOKEN = "{planted["github"]}"\n'
        f'STRIPE_KEY = "{planted["stripe"]}"\n'
        f'DATABASE_URL = "postgresql://orders:{planted["db_password"]}@db.internal:5432/orders"\n'
        f'aws_access_key_id = "{planted["aws_id"]}"\n'
        f'aws_secret_access_key = "{planted["aws_secret"]}"\n'
    )
    (example_copy / "deploy_key").write_text(planted["key"] + "\n")
    out = example_copy.parent / "out"  # outside the project, so the second run has the same inputs
    formats = {"text": "report.txt", "json": "report.json", "sarif": "report.sarif", "junit": "report.xml",
               "markdown": "report.md"}
    keys = example_copy.parent / "keys"
    assert cli("keygen", "-o", str(keys / "ci")).exit_code == 0  # type: ignore[attr-defined]
    args = ["run", str(example_copy), "--check", "secrets", "--policy-input", str(out / "policy-input.json"),
            "--attest", str(out / "bundle.intoto.jsonl"), "--attest-failed", "--subject", "orders@sha256:" + "ab" * 32,
            "--key", f"file:{keys / 'ci.key'}"]
    for fmt, name in formats.items():
        args += ["-f", f"{fmt}:{out / name}"]
    first = cli(*args)
    second = cli(*args)  # a cache hit: the cached result must not hold the values either
    assert first.exit_code == 1 and second.exit_code == 1, first.stderr  # type: ignore[attr-defined]
    report = json.loads((out / "report.json").read_text())
    secrets_result = next(r for r in report["results"] if r["check"] == "secrets")
    assert secrets_result["cached"] is True
    rules = {f["rule_id"] for f in secrets_result["findings"]}
    assert {"github-pat", "stripe-secret-key", "postgres-url-password", "aws-access-key-id", "aws-secret-access-key",
            "private-key-openssh"} <= rules
    texts = {name: (out / name).read_text() for name in [*formats.values(), "policy-input.json"]}
    envelopes = [json.loads(line) for line in (out / "bundle.intoto.jsonl").read_text().splitlines() if line.strip()]
    assert envelopes
    for i, envelope in enumerate(envelopes):  # DSSE payloads are base64: read what was signed
        texts[f"attestation {i}"] = base64.b64decode(envelope["payload"]).decode("utf-8")
    assert any("hmac-sha256:" in texts[f"attestation {i}"] for i in range(len(envelopes)))
    # The cache (results, digests, the check's work directory) lives outside the tree now.
    assert not (example_copy / ".gatecheck").exists()
    cached = [p for p in private_result_cache.rglob("*") if p.is_file()]
    assert any(p.parent.parent.name == "results" for p in cached)
    for path in cached:
        texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    settings = (example_copy / "app" / "settings.py").read_text()
    example_values = [line.split('"')[1] for line in settings.splitlines() if line.startswith("AWS_")]
    needles = [*planted.values(), *example_values, *planted["key"].splitlines()[1:-1]]
    for name, text in texts.items():
        for needle in needles:
            assert needle not in text, f"{name} contains a planted secret"
    assert any("hmac-sha256:" in t for t in texts.values())


def test_keyed_hash_depends_on_the_configured_key(example_copy: Path, run_check: Callable[..., CheckResult],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    default = run_check(example_copy)
    monkeypatch.setenv("ORDERS_SECRET_HASH_KEY", "a team key")
    keyed = run_check(example_copy, hash_key_env="ORDERS_SECRET_HASH_KEY")
    assert [f.metadata["secret_hash"] for f in default.findings] != [f.metadata["secret_hash"] for f in keyed.findings]
    assert [f.metadata["preview"] for f in default.findings] == [f.metadata["preview"] for f in keyed.findings]


def test_finding_ids_do_not_change_when_code_moves(tmp_path: Path, run_check: Callable[..., CheckResult],
                                                  fab: Any) -> None:
    token = fab.github_pat()
    (tmp_path / "a.py").write_text(f'TOKEN = "{token}"\n')
    before = run_check(tmp_path)
    (tmp_path / "a.py").write_text(f'"""Module docs."""\n\nimport os\n\nTOKEN = "{token}"\n')
    after = run_check(tmp_path)
    assert [f.id for f in before.findings] == [f.id for f in after.findings]
    assert before.findings[0].location.start_line == 1 and after.findings[0].location.start_line == 5  # type: ignore[union-attr]


def test_one_secret_repeated_in_a_file_is_one_finding_listing_its_lines(
        tmp_path: Path, run_check: Callable[..., CheckResult], fab: Any) -> None:
    """Found on ansible-core: a test asserting on a parsed token repeated it four times, four denials."""
    token = fab.github_pat()
    (tmp_path / "test_a.py").write_text(f'URL = "{token}"\n\nassert parse("{token}") == "{token}"\n')
    (tmp_path / "b.py").write_text(f'TOKEN = "{token}"\n')
    result = run_check(tmp_path)
    by_path = {f.location.path: f for f in result.findings}  # type: ignore[union-attr]
    assert len(result.findings) == 2 and set(by_path) == {"test_a.py", "b.py"}
    assert by_path["test_a.py"].metadata["lines"] == [1, 3, 3]
    assert by_path["test_a.py"].location.start_line == 1  # type: ignore[union-attr]
    assert by_path["b.py"].metadata["lines"] == [1]


# ------------------------------------------------------------------ inline suppression


def test_inline_allow_needs_a_reason(tmp_path: Path, run_check: Callable[..., CheckResult], fab: Any) -> None:
    allowed, bare, above, after = fab.github_pat(), fab.github_pat(), fab.stripe_live(), fab.github_pat()
    (tmp_path / "conf.py").write_text(
        f'A = "{allowed}"  # gatecheck:allow revoked 2024-05-01, kept as a parser fixture\n'
        f'B = "{bare}"  # gatecheck:allow\n'
        "# gatecheck:allow test-mode key for the sandbox account\n"
        f'C = "{above}"\n'
        f'D = "{after}"\n'  # the trailing allow on the line above belongs to that line only
    )
    (tmp_path / "other.py").write_text(f'X = "{fab.github_pat()}"  # gatecheck:allow fixture\nY = "{fab.github_pat()}"\n')
    result = run_check(tmp_path)
    lines = sorted((f.location.path, f.location.start_line) for f in result.findings if f.location)
    assert lines == [("conf.py", 2), ("conf.py", 5), ("other.py", 2)]
    bare_finding = next(f for f in result.findings if f.location and f.location.start_line == 2)
    assert result.findings[1].metadata.get("suppression_error") is None
    assert "suppression_error" in bare_finding.metadata
    assert result.summary["suppressions_without_reason"] == 1
    # Each honoured comment is a suppression record the policy sees: the comment's own line (the
    # line above the secret for C), the rule, the id the finding would have had, and its severity.
    found = sorted((s.path, s.line, s.rule_id, s.reason, s.severity, s.kind, s.new) for s in result.suppressions)
    assert found == [
        ("conf.py", 1, "github-pat", "revoked 2024-05-01, kept as a parser fixture", "critical", "inline", None),
        ("conf.py", 3, "stripe-secret-key", "test-mode key for the sandbox account", "critical", "inline", None),
        ("other.py", 1, "github-pat", "fixture", "critical", "inline", None),
    ]
    assert result.summary["suppressed"] == 3
    # Removing the comment turns the suppression into exactly the finding it names.
    text = (tmp_path / "other.py").read_text().replace("  # gatecheck:allow fixture", "")
    (tmp_path / "other.py").write_text(text)
    unsuppressed = run_check(tmp_path)
    other = next(s for s in result.suppressions if s.path == "other.py")
    assert other.finding_id in {f.id for f in unsuppressed.findings if f.location and f.location.start_line == 1}


# ------------------------------------------------------------------ file selection


def test_binary_and_large_files_and_what_the_repository_view_lists(
    tmp_path: Path, run_check: Callable[..., CheckResult], fab: Any, git: Callable[..., str]
) -> None:
    token = fab.github_pat()
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2" + f'TOKEN="{token}"'.encode())
    (tmp_path / "big.txt").write_text(f'TOKEN="{token}"\n' + "x" * 5000)
    (tmp_path / "utf16.txt").write_bytes(f'TOKEN="{fab.github_pat()}"\n'.encode("utf-16"))
    (tmp_path / ".gitignore").write_text("*.local\nbuild/\n!keep.local\n")
    (tmp_path / "secret.local").write_text(f'TOKEN="{fab.github_pat()}"\n')  # ignored, but committed below
    (tmp_path / "untracked.local").write_text(f'TOKEN="{fab.github_pat()}"\n')  # ignored and untracked
    (tmp_path / "keep.local").write_text(f'TOKEN="{fab.github_pat()}"\n')  # untracked, not ignored
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "out.py").write_text(f'TOKEN="{fab.github_pat()}"\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("generated.py\n")
    (tmp_path / "sub" / "generated.py").write_text(f'TOKEN="{fab.github_pat()}"\n')
    (tmp_path / "client.p12").write_bytes(b"\x30\x82\x00\x00\0binary")
    git(tmp_path, "add", ".gitignore", "sub/.gitignore", "blob.bin", "big.txt", "utf16.txt", "client.p12")
    git(tmp_path, "add", "-f", "secret.local")
    git(tmp_path, "commit", "-q", "-m", "files")
    result = run_check(tmp_path, max_file_size=1000)
    paths = sorted((f.rule_id, f.location.path) for f in result.findings if f.location)
    # Tracked files are scanned even when a .gitignore names them; untracked ones follow [run] untracked
    # (default: those no .gitignore excludes). A binary file is judged by name only (the .p12).
    assert paths == [("github-pat", "keep.local"), ("github-pat", "secret.local"), ("github-pat", "utf16.txt"),
                     ("pkcs12-file", "client.p12")]
    skipped = result.summary["skipped"]
    assert skipped["large_files"] == ["big.txt"]
    assert skipped["binary"] == 2  # blob.bin by its NUL byte, client.p12 by its extension
    assert result.summary["listing"] == {"git": True, "untracked_rule": "unignored", "untracked_files": 1}
    everything = run_check(tmp_path, untracked="all")
    assert {"secret.local", "untracked.local", "build/out.py", "sub/generated.py", "big.txt"} <= {
        f.location.path for f in everything.findings if f.location}
    tracked_only = run_check(tmp_path, untracked="none")
    assert {f.location.path for f in tracked_only.findings if f.location} == {
        "secret.local", "utf16.txt", "client.p12", "big.txt"}


def test_inputs_are_the_scanned_files(tmp_path: Path, git: Callable[..., str]) -> None:
    from gatecheck.api import CheckContext, KeyFact
    from gatecheck_plugins.secrets.check import SecretsCheck

    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / ".gitignore").write_text("ignored.py\nforced.py\n")
    (tmp_path / "ignored.py").write_text("y = 2\n")
    (tmp_path / "forced.py").write_text("z = 3\n")
    git(tmp_path, "add", "-f", "forced.py")
    (tmp_path / "logo.png").write_bytes(b"\0")
    check = SecretsCheck()
    ctx = CheckContext(root=tmp_path, options={})
    ctx.prepared = check.prepare(ctx)
    inputs = check.inputs(ctx)
    assert sorted(p.name for p in inputs if isinstance(p, Path)) == [".gitignore", "a.py", "forced.py"]
    # What decides the result without being a scanned file is a key fact; nothing is written for it.
    facts = {f.name: f.value for f in inputs if isinstance(f, KeyFact)}
    assert set(facts) == {"hash-key", "by-name"} and facts["by-name"] == "logo.png"
    work = tmp_path.parent / f"{tmp_path.name}-work"
    assert check.inputs(CheckContext(root=tmp_path, options={}, work_dir=work)) == inputs and not work.exists()


def test_unchanged_rerun_is_a_cache_hit_and_a_change_is_not(example_copy: Path, cli: Callable[..., object]) -> None:
    out = example_copy.parent / "r.json"
    cli("run", str(example_copy), "--check", "secrets", "-q", "-f", f"json:{out}")
    # Make file mtimes older than the cache's "racy" window so digests are memoized.
    for p in example_copy.rglob("*"):
        if p.is_file() and ".gatecheck" not in p.parts:
            os.utime(p, (1_600_000_000, 1_600_000_000))
    cli("run", str(example_copy), "--check", "secrets", "-q", "-f", f"json:{out}")
    cli("run", str(example_copy), "--check", "secrets", "-q", "-f", f"json:{out}")
    assert json.loads(out.read_text())["results"][0]["cached"] is True
    (example_copy / "app" / "views.py").write_text("# changed\n")
    cli("run", str(example_copy), "--check", "secrets", "-q", "-f", f"json:{out}")
    assert json.loads(out.read_text())["results"][0]["cached"] is False


# ------------------------------------------------------------------ gitleaks-format configuration


GITLEAKS_CONFIG = """\
title = "orders team rules"

[[rules]]
id = "orders-internal-token"
description = "Orders service internal token"
regex = '''(?i)orders[_-]?token\\s*=\\s*["']?(ord_[a-z0-9]{24})'''
secretGroup = 1
entropy = 3.0
keywords = ["ord_"]
severity = "critical"

  [[rules.allowlists]]
  regexTarget = "line"
  regexes = ['''fixture''']

[[rules]]
id = "orders-legacy-token"
regex = '''legacy_(?:[0-9a-f]{16})'''
path = '''\\.cfg$'''
keywords = ["legacy_"]

[[rules]]
id = "keystore-file"
description = "Java keystore in the repository"
path = '''\\.jks$'''

[[allowlists]]
description = "vendored docs"
paths = ['''^vendor/''']

[[allowlists]]
targetRules = ["orders-legacy-token"]
stopwords = ["0000"]
"""


def test_gitleaks_config_instead_of_builtin(tmp_path: Path, run_check: Callable[..., CheckResult], fab: Any) -> None:
    (tmp_path / ".gitleaks.toml").write_text(GITLEAKS_CONFIG)
    token = "ord_" + fab.chars("abcdefghijklmnopqrstuvwxyz0123456789", 24)
    (tmp_path / "app.py").write_text(f'ORDERS_TOKEN = "{token}"\nGH = "{fab.github_pat()}"\n')
    (tmp_path / "test_app.py").write_text(f'ORDERS_TOKEN = "{token}"  # fixture\n')
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "app.py").write_text(f'ORDERS_TOKEN = "{token}"\n')
    (tmp_path / "a.cfg").write_text(f"legacy_{fab.chars('0123456789abcdef', 16)}\nlegacy_12340000abcdef12\n")
    (tmp_path / "a.py").write_text(f"legacy_{fab.chars('0123456789abcdef', 16)}\n")
    (tmp_path / "store.jks").write_bytes(b"\xfe\xed\xfe\xed\0\0")
    result = run_check(tmp_path, builtin_rules=False, config=".gitleaks.toml")
    found = sorted((f.rule_id, f.location.path, f.location.start_line) for f in result.findings if f.location)
    assert found == [("keystore-file", "store.jks", None), ("orders-internal-token", "app.py", 1),
                     ("orders-legacy-token", "a.cfg", 1)]
    token_finding = next(f for f in result.findings if f.rule_id == "orders-internal-token")
    assert token_finding.severity == "critical"
    assert token_finding.metadata["secret_length"] == len(token)
    assert result.summary["rule_sources"] == [str(tmp_path / ".gitleaks.toml")]
    both = run_check(tmp_path, config=".gitleaks.toml")
    assert {"orders-internal-token", "github-pat"} <= set(ids_by_rule(both))


def test_gitleaks_extend_use_default_and_disabled_rules(tmp_path: Path, run_check: Callable[..., CheckResult],
                                                        fab: Any) -> None:
    (tmp_path / "gitleaks.toml").write_text('[extend]\nuseDefault = true\ndisabledRules = ["stripe-secret-key"]\n')
    (tmp_path / "app.py").write_text(f'GH = "{fab.github_pat()}"\nSTRIPE = "{fab.stripe_live()}"\n')
    result = run_check(tmp_path, builtin_rules=False, config="gitleaks.toml")
    assert set(ids_by_rule(result)) == {"github-pat"}


@pytest.mark.parametrize(("text", "line", "message"), [
    ("[[rules]]\nid = 'x'\nregex = '''(unclosed'''\n", 3, "invalid regex"),
    ("title = 'x'\n\n[[rules]]\ndescription = 'no id'\nregex = 'a'\n", 3, "has no 'id'"),
    ("[[rules]]\nid = 'x'\nregex = 'a(b)'\nsecretGroup = 4\n", 4, "secretGroup 4"),
    ("[[rules]]\nid = 'x'\nregex = 'a'\n[[rules]]\nid = 'x'\nregex = 'b'\n", 4, "duplicate rule id"),
    ("[[rules]\nid = 'x'\n", 1, "invalid TOML"),
    ("[[rules]]\nid = 'x'\nregex = 'a'\n  [[rules.allowlists]]\n  condition = 'XOR'\n", 1, "condition"),
])
def test_malformed_gitleaks_config_names_file_and_line(tmp_path: Path, run_check: Callable[..., CheckResult],
                                                       cli: Callable[..., object], text: str, line: int,
                                                       message: str) -> None:
    from gatecheck.errors import CheckFailed

    (tmp_path / "rules.toml").write_text(text)
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(CheckFailed) as info:
        run_check(tmp_path, config="rules.toml")
    assert info.value.bad_input
    assert message in str(info.value)
    if "condition" not in message:
        assert str(info.value).startswith(f"{tmp_path / 'rules.toml'}:{line}:")
    (tmp_path / "gatecheck.toml").write_text('version = 1\n[checks.secrets]\nconfig = "rules.toml"\n')
    result = cli("run", str(tmp_path), "--check", "secrets", "-q")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    listed = cli("secrets", "rules", "--no-builtin", "--config", str(tmp_path / "rules.toml"))
    assert listed.exit_code == 2 and "rules.toml:" in listed.stderr  # type: ignore[attr-defined]


def test_options_stopwords_and_exclude_paths(tmp_path: Path, run_check: Callable[..., CheckResult],
                                             fab: Any) -> None:
    token = fab.github_pat()
    (tmp_path / "a.py").write_text(f'GH = "{token}"\n')
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "b.py").write_text(f'GH = "{fab.github_pat()}"\n')
    assert len(run_check(tmp_path).findings) == 2
    assert [f.location.path for f in run_check(tmp_path, exclude_paths=["fixtures/*"]).findings  # type: ignore[union-attr]
            ] == ["a.py"]
    assert [f.location.path for f in run_check(tmp_path, stopwords=[token[10:16]]).findings  # type: ignore[union-attr]
            ] == ["fixtures/b.py"]


# ------------------------------------------------------------------ git history


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_history_since_finds_a_secret_deleted_later(tmp_path: Path, run_check: Callable[..., CheckResult],
                                                    fab: Any, git: Callable[..., str]) -> None:
    from gatecheck.errors import CheckFailed

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("orders\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    token = fab.github_pat()
    (repo / "deploy.py").write_text(f'import os\n\nTOKEN = "{token}"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add deploy")
    leak = git(repo, "rev-parse", "HEAD")
    (repo / "deploy.py").write_text('import os\n\nTOKEN = os.environ["TOKEN"]\n')
    kept = fab.stripe_live()
    (repo / "billing.py").write_text(f'STRIPE = "{kept}"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "use env, add billing")
    fix = git(repo, "rev-parse", "HEAD")
    assert [f.rule_id for f in run_check(repo).findings] == ["stripe-secret-key"]
    result = run_check(repo, history_since=base)
    found = {f.rule_id: f for f in result.findings}
    assert sorted(found) == ["github-pat", "stripe-secret-key"]
    deleted = found["github-pat"]
    assert (deleted.location.path, deleted.location.start_line, deleted.metadata["commit"]) == (  # type: ignore[union-attr]
        "deploy.py", 3, leak)
    # Still in the tree: reported once, where it is now, with the commit that added it.
    assert found["stripe-secret-key"].location.path == "billing.py"  # type: ignore[union-attr]
    assert found["stripe-secret-key"].metadata["commits"] == [fix]
    assert result.summary["history"]["commits"] == 2
    dumped = json.dumps(result.to_dict())
    assert token not in dumped and kept not in dumped
    with pytest.raises(CheckFailed) as info:
        run_check(repo, history_since="no-such-branch")
    assert info.value.bad_input and "unknown git revision" in str(info.value)
    # A value git would read as an option never reaches it.
    with pytest.raises(CheckFailed) as info:
        run_check(repo, history_since=f"--output={tmp_path / 'written'}")
    assert info.value.bad_input and "is not a git revision" in str(info.value)
    assert not (tmp_path / "written").exists()


# ------------------------------------------------------------------ baseline


def test_baseline_blocks_only_new_secrets(example_copy: Path, cli: Callable[..., object], fab: Any) -> None:
    made = cli("secrets", "baseline", str(example_copy))
    assert made.exit_code == 0, made.stderr  # type: ignore[attr-defined]
    baseline_file = example_copy / ".gatecheck-secrets-baseline.json"
    doc = json.loads(baseline_file.read_text())
    assert sorted(e["rule_id"] for e in doc["entries"]) == ["aws-access-key-id", "aws-secret-access-key"]
    assert "AKIA" not in baseline_file.read_text()
    out = example_copy / "r.json"
    passed = cli("run", str(example_copy), "--check", "secrets", "-q", "-f", f"json:{out}")
    assert passed.exit_code == 0  # type: ignore[attr-defined]
    result = json.loads(out.read_text())["results"][0]
    assert result["findings"] == [] and result["summary"]["baselined"] == 2
    # The known key moved to another file is still known; a new secret is not.
    settings = (example_copy / "app" / "settings.py").read_text()
    (example_copy / "app" / "config.py").write_text(settings + f'\nGH = "{fab.github_pat()}"\n')
    (example_copy / "app" / "settings.py").unlink()
    denied = cli("run", str(example_copy), "--check", "secrets", "-q", "-f", f"json:{out}")
    assert denied.exit_code == 1  # type: ignore[attr-defined]
    result = json.loads(out.read_text())["results"][0]
    assert [f["rule_id"] for f in result["findings"]] == ["github-pat"]


def test_malformed_baseline_is_bad_input(example_copy: Path, cli: Callable[..., object]) -> None:
    (example_copy / ".gatecheck-secrets-baseline.json").write_text('{\n  "format": "gatecheck-secrets-baseline/v1",\n'
                                                                    '  "entries": [\n    {"rule_id": 3}\n  ]\n}\n')
    result = cli("run", str(example_copy), "--check", "secrets", "-q")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    (example_copy / ".gatecheck-secrets-baseline.json").write_text('{"format": \n')
    result = cli("run", str(example_copy), "--check", "secrets", "-f", "json")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert ".gatecheck-secrets-baseline.json:2" in result.stdout  # type: ignore[attr-defined]

    # Not UTF-8 on its third line: the error names the file and that line (it said neither before).
    (example_copy / ".gatecheck-secrets-baseline.json").write_bytes(b'{\n  "format":\n  "\xff"}\n')
    result = cli("run", str(example_copy), "--check", "secrets", "-f", "json")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert ".gatecheck-secrets-baseline.json:3: not UTF-8 text" in result.stdout  # type: ignore[attr-defined]


def test_secrets_rules_lists_the_pack(cli: Callable[..., object]) -> None:
    result = cli("secrets", "rules", "--json")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    rules = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert len(rules) >= 400 and {"id", "family", "severity", "description", "keywords", "validate"} <= set(rules[0])
    assert len({r["family"] for r in rules}) >= 200


def test_without_hyperscan_the_check_falls_back_and_says_so(example_copy: Path, run_check: Callable[..., CheckResult],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from gatecheck.errors import CheckFailed
    from gatecheck_plugins.secrets import matcher

    fast = run_check(example_copy)
    monkeypatch.setattr(matcher, "_hs", None)  # what a machine where the library cannot load looks like
    slow = run_check(example_copy)
    assert slow.status == "ok" and slow.summary["engine"] == "python"
    assert "Hyperscan is not available" in slow.summary["engine_note"]
    assert [f.id for f in slow.findings] == [f.id for f in fast.findings]
    with pytest.raises(CheckFailed, match="hyperscan"):
        run_check(example_copy, engine="hyperscan")


def test_compiled_database_is_reused_from_the_work_dir(tmp_path: Path) -> None:
    from gatecheck_plugins.secrets import matcher
    from gatecheck_plugins.secrets.rules import parse_config

    rules = parse_config("[[rules]]\nid = 'tiny'\nregex = '''tiny_[a-z]{8}'''\n", "tiny.toml")
    matcher._DATABASES.clear()
    first = matcher.Engine(rules, cache_dir=tmp_path)
    stored = list(tmp_path.glob("hyperscan-*.db"))
    assert len(stored) == 1
    matcher._DATABASES.clear()
    second = matcher.Engine(rules, cache_dir=tmp_path)
    for compiled in (first, second):
        assert [m.rule.id for m in compiled.scan("a.py", b"x = 'tiny_abcdefgh'\n")] == ["tiny"]


def test_a_rule_with_lookarounds_runs_in_prefilter_mode(tmp_path: Path) -> None:
    from gatecheck_plugins.secrets import matcher
    from gatecheck_plugins.secrets.rules import parse_config

    text = ("[[rules]]\nid = 'no-test-prefix'\nregex = '''\\b(?!test_)([a-z]{4}_[0-9a-f]{16})\\b'''\nkeywords = ['_']\n"
            "[[rules]]\nid = 'plain'\nregex = '''plain_[0-9]{6}'''\n")
    rules = parse_config(text, "team.toml")
    matcher._FLAGS.clear()
    compiled = matcher.Engine(rules, cache_dir=tmp_path)
    assert compiled.name == "hyperscan" and compiled.prefiltered == ["no-test-prefix"]
    data = b"a = 'live_0123456789abcdef'\nb = 'test_0123456789abcdef'\nc = plain_123456\n"
    found = [(m.rule.id, m.line) for m in compiled.scan("x.py", data)]
    assert found == [("no-test-prefix", 1), ("plain", 3)]
    assert [(m.rule.id, m.line) for m in matcher.Engine(rules, "python").scan("x.py", data)] == found
    matcher._FLAGS.clear()  # the probe's outcome is also remembered on disk
    assert matcher.Engine(rules, cache_dir=tmp_path).prefiltered == ["no-test-prefix"]
    assert list(tmp_path.glob("hyperscan-flags-*.json"))


def test_adding_a_keystore_file_invalidates_the_cache(example_copy: Path, cli: Callable[..., object]) -> None:
    out = example_copy.parent / "r.json"
    cli("run", str(example_copy), "--check", "secrets", "-q", "-f", f"json:{out}")
    (example_copy / "client.p12").write_bytes(b"\x30\x82\x00\x00\0binary")
    cli("run", str(example_copy), "--check", "secrets", "-q", "-f", f"json:{out}")
    result = json.loads(out.read_text())["results"][0]
    assert result["cached"] is False
    assert "pkcs12-file" in {f["rule_id"] for f in result["findings"]}


LEGACY_GITLEAKS = """\
[allowlist]
description = "older single global allowlist"
regexes = ['''^ord_0000''']

[[rules]]
id = "orders-token"
regex = '''(ord_[a-z0-9]{24})'''
keywords = ["ord_"]

  [rules.allowlist]
  condition = "AND"
  paths = ['''^docs/''']
  regexTarget = "match"
  regexes = ['''ord_example''']
"""


def test_gitleaks_legacy_allowlist_tables_and_and_condition(tmp_path: Path, run_check: Callable[..., CheckResult],
                                                            fab: Any) -> None:
    (tmp_path / "rules.toml").write_text(LEGACY_GITLEAKS)
    token = "ord_" + fab.chars("abcdefghijklmnopqrstuvwxyz0123456789", 24)
    (tmp_path / "docs").mkdir()
    # AND: only a docs/ file whose match contains "ord_example" is allowed.
    (tmp_path / "docs" / "a.md").write_text("ord_exampleaaaaaaaaaaaaaaaaa\n" + token + "\n")
    (tmp_path / "b.py").write_text("ord_exampleaaaaaaaaaaaaaaaaa\nord_0000aaaaaaaaaaaaaaaaaaaa\n")
    result = run_check(tmp_path, builtin_rules=False, config="rules.toml")
    assert sorted((f.location.path, f.location.start_line) for f in result.findings if f.location) == [
        ("b.py", 1), ("docs/a.md", 2)]


def test_configured_baseline_that_does_not_exist_is_bad_input(tmp_path: Path,
                                                             run_check: Callable[..., CheckResult]) -> None:
    from gatecheck.errors import CheckFailed

    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(CheckFailed) as info:
        run_check(tmp_path, baseline="known-secrets.json")
    assert info.value.bad_input and "known-secrets.json not found" in str(info.value)
