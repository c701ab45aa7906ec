"""The command-line conventions of docs/cli.md: --format json and -o everywhere, - for stdin, one
duration grammar, global -q/-v, NO_COLOR/FORCE_COLOR, shell completion, and untrusted text printed
literally (never as markup, control characters escaped)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import pytest

from gatecheck.cli.durations import parse
from gatecheck.cli.output import color_wanted
from gatecheck.model import CheckResult, Decision, DecisionEntry, Finding, Location, Tool
from gatecheck.reports import Report
from gatecheck.reports.text import TextReporter, visible

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GATECHECK = str(BIN / "gatecheck")

#: A finding title a hostile repository could write: rich markup, an emoji code, a screen clear,
#: a window-title change and a one-byte CSI.
HOSTILE = "pip install 'gatecheck[migrations]' [bold red]x[/] :warning: \x1b[2J\x1b]0;pwned\x07 \x9b31m end"
HOSTILE_SHOWN = r"pip install 'gatecheck[migrations]' [bold red]x[/] :warning: \x1b[2J\x1b]0;pwned\x07 \x9b31m end"

Cli = Callable[..., Any]


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, cwd: Path | None = None,
        ) -> subprocess.CompletedProcess[bytes]:
    """The installed `gatecheck` script, as a user's shell runs it."""
    return subprocess.run([GATECHECK, *args], input=stdin, capture_output=True, timeout=300, cwd=cwd,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], None]:
    """Give the in-process CLI these bytes on standard input."""
    return lambda data: monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A key pair and a passing, signed bundle about the example's requirements.txt."""
    root = tmp_path_factory.mktemp("signed")
    shutil.copytree(REPO / "examples" / "webapp", root / "webapp", ignore=shutil.ignore_patterns(".gatecheck"))
    env = {"GATECHECK_CACHE_DIR": str(root / "cache")}
    assert run("keygen", "-o", str(root / "ci"), "-q").returncode == 0
    subject = root / "webapp" / "requirements.txt"
    bundle = root / "gate.intoto.jsonl"
    made = run("run", str(root / "webapp"), "--check", "sarif", "--fail-on", "critical", "-q", "--attest", str(bundle),
               "--subject", str(subject), "--key", f"file:{root / 'ci.key'}", env=env)
    assert made.returncode == 0, made.stderr
    return {"root": root, "key": root / "ci.pub", "bundle": bundle, "subject": subject}


# -- one duration grammar ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("15m", 900), ("1h30m", 5400), ("7d", 604_800), ("2w", 1_209_600), ("1.5h", 5400), (" 24H ", 86_400),
])
def test_durations(text: str, seconds: int) -> None:
    assert parse(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "soon", "1h30", "-5s", "5", "1y", "h", "1 h", "99999999999d", "9" * 400 + "s"])
def test_bad_durations_are_value_errors(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration|too long"):
        parse(text)


def test_a_plain_number_is_the_unit_the_option_names() -> None:
    assert parse("30", bare_unit="s") == timedelta(seconds=30)
    assert parse("14", bare_unit="d") == timedelta(days=14)
    assert parse("2w", bare_unit="d") == timedelta(weeks=2)


def test_store_search_takes_the_durations_verify_takes(cli: Cli, tmp_path: Path) -> None:
    # Before: store --since refused 1h30m, which verify --max-age took.
    result = cli("store", "search", "--store", f"sqlite:///{tmp_path}/s.sqlite", "--since", "1h30m")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("args", [
    ("verify", "sha256:" + "0" * 64, "--bundle", "b", "--key", "k", "--max-age", "99999999999d"),
    ("store", "search", "--since", "99999999999d"),
    ("audit", "report", "--since", "99999999999d"),
    ("waivers", "list", "--soon", "99999999999"),
    ("policy", "test", "--timeout", "99999999999d"),
])
def test_an_enormous_duration_is_bad_input_not_an_overflow(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result.stderr
    assert "duration too long" in result.stderr and "at most 36500d" in result.stderr
    assert "OverflowError" not in result.stderr and "Traceback" not in result.stderr


def test_a_bad_duration_names_its_option(cli: Cli) -> None:
    result = cli("verify", "sha256:" + "0" * 64, "--bundle", "b", "--key", "k", "--max-age", "soon")
    assert result.exit_code == 2
    assert "'--max-age'" in result.stderr and "not a duration: 'soon'" in result.stderr
    skew = cli("verify", "sha256:" + "0" * 64, "--bundle", "b", "--key", "k", "--clock-skew", "none")
    assert skew.exit_code == 2 and "'--clock-skew'" in skew.stderr  # "none" would read as "no limit"


def test_options_that_took_numbers_take_durations_too(cli: Cli, example_copy: Path) -> None:
    assert cli("policy", "test", "--timeout", "2m", "-q").exit_code == 0
    assert cli("policy", "test", "--timeout", "30", "-q").exit_code == 0
    assert cli("policy", "test", "--timeout", "0s").exit_code == 2
    assert cli("waivers", "list", str(example_copy), "--soon", "2w").exit_code == 0
    assert cli("waivers", "list", str(example_copy), "--soon", "14").exit_code == 0


# -- --format json and -o on every command that prints data -------------------------------------

#: Commands that print no data (they write files or serve), and `run`, whose -f FMT[:PATH] is the
#: multi-report form of the same convention.
NO_DATA = {"init", "serve", "secrets baseline"}
OWN_FORMATS = {"audit report": ("html", "md", "csv"), "config reference": ("markdown", "json")}
#: keygen's -o names the key files it writes (documented in every CI set-up).
NO_OUTPUT_FILE = {"keygen"}


def every_command() -> Iterator[tuple[str, click.Command]]:
    from gatecheck.cli import cli as group

    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            for sub_name, sub in command.commands.items():
                yield f"{name} {sub_name}", sub
        else:
            yield name, command


def test_every_command_that_prints_data_takes_format_json_and_output() -> None:
    for name, command in every_command():
        if name in NO_DATA:
            continue
        options = {opt: param for param in command.params for opt in param.opts}
        assert "--format" in options and "-f" in options, f"`gatecheck {name}` has no -f/--format"
        if name != "run":  # run's -f FMT[:PATH] is checked by what it does (test_run_format_json_...)
            choices = getattr(options["--format"].type, "choices", ())
            wanted = OWN_FORMATS.get(name, ("text", "json"))
            assert set(wanted) <= set(choices), f"`gatecheck {name} --format` offers {choices}, not {wanted}"
        if name not in NO_OUTPUT_FILE:
            assert "-o" in options and "--output" in options, f"`gatecheck {name}` has no -o/--output"


def test_every_command_takes_quiet_and_verbose() -> None:
    for name, command in every_command():
        opts = {opt for param in command.params for opt in param.opts}
        assert {"-q", "--quiet", "-v", "--verbose"} <= opts, f"`gatecheck {name}` lacks -q/-v"


@pytest.mark.parametrize("args", [
    ("version",), ("plugins",), ("config", "validate", "{example}"), ("policy", "test"),
    ("waivers", "list", "{example}"), ("waivers", "check", "{example}"), ("secrets", "rules"),
    ("db", "info", "--path", "{example}/osv/PyPI-extract.zip"), ("config", "reference", "--schema", "waivers"),
])
def test_format_json_prints_json(cli: Cli, example_copy: Path, args: tuple[str, ...]) -> None:
    result = cli(*(a.format(example=example_copy) for a in args), "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    json.loads(result.stdout)


def test_version_json(cli: Cli) -> None:
    from gatecheck import __version__

    doc = json.loads(cli("version", "--format", "json").stdout)
    assert doc["version"] == __version__ and doc["python"]


def test_keygen_json_names_the_key_files(cli: Cli, tmp_path: Path) -> None:
    result = cli("keygen", "-o", str(tmp_path / "k"), "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["public_key"] == str(tmp_path / "k.pub") and doc["private_key"] == str(tmp_path / "k.key")
    assert re.fullmatch(r"[0-9a-f]{64}", doc["keyid"]) and doc["algorithm"] == "ed25519"


def test_config_validate_json_reports_the_error_too(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "gatecheck.toml").write_text("version = 1\n[run]\njobs = 0\n")
    result = cli("config", "validate", str(tmp_path), "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and doc["error"]["line"] == 3 and doc["error"]["key"] == "run.jobs"
    assert "gatecheck.toml:3: run.jobs:" in result.stderr


def test_policy_test_json_lists_every_test(cli: Cli) -> None:
    doc = json.loads(cli("policy", "test", "--format", "json").stdout)
    assert doc["failed"] == 0 and doc["passed"] == len(doc["tests"]) > 0


def test_output_file_holds_the_data_and_stdout_nothing(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "plugins.json"
    result = cli("plugins", "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["reporters"]
    assert f"wrote json to {target}" in result.stderr
    quiet = cli("-q", "plugins", "--format", "json", "-o", str(target))
    assert quiet.stderr == ""


def test_output_to_a_directory_is_bad_input(cli: Cli, tmp_path: Path) -> None:
    result = cli("version", "-o", str(tmp_path))
    assert result.exit_code == 2 and "--output" in result.stderr


def test_run_format_json_is_the_same_as_f_json(cli: Cli, example_copy: Path) -> None:
    long = json.loads(cli("run", str(example_copy), "--check", "sarif", "-q", "--format", "json").stdout)
    short = json.loads(cli("run", str(example_copy), "--check", "sarif", "-q", "-f", "json").stdout)
    assert [f["id"] for f in long["results"][0]["findings"]] == [f["id"] for f in short["results"][0]["findings"]]


def test_json_flag_is_a_hidden_deprecated_alias(cli: Cli, example_copy: Path) -> None:
    result = cli("waivers", "list", str(example_copy), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["waivers"] == []
    assert "deprecated" in result.stderr and "--format json" in result.stderr
    assert "--json" not in cli("waivers", "list", "--help").stdout
    assert cli("db", "info", "--path", str(example_copy / "osv" / "PyPI-extract.zip"), "--max-age-days", "7"
               ).exit_code == 1  # no manifest: age unknown


def test_store_search_and_get_speak_text_too(cli: Cli, signed: dict[str, Path], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.sqlite"
    assert cli("store", "push", str(signed["bundle"]), "--store", url, "--key", str(signed["key"])).exit_code == 0
    lines = cli("store", "search", "--store", url, "--format", "text").stdout.splitlines()
    assert len(lines) == 2 and "verification_summary/v1 PASSED" in lines[0] and "requirements.txt" in lines[0]
    record = cli("store", "get", "1", "--store", url, "-f", "text").stdout
    assert "predicateType: https://gatecheck.dev/attestation/check-result/v1" in record
    assert json.loads(cli("store", "get", "1", "--store", url).stdout)["id"] == 1  # JSON stays the default


# -- `-` is standard input ---------------------------------------------------------------------


def policy_input(cli: Cli, example_copy: Path) -> Path:
    target = example_copy.parent / "input.json"
    cli("run", str(example_copy), "--check", "sarif", "-q", "--policy-input", str(target), "-f", "json")
    return target


def test_policy_eval_reads_stdin(cli: Cli, example_copy: Path, stdin: Callable[[bytes], None]) -> None:
    document = policy_input(cli, example_copy)
    from_file = cli("policy", "eval", "-i", str(document))
    stdin(document.read_bytes())
    from_stdin = cli("policy", "eval", "-i", "-")
    assert from_stdin.exit_code == from_file.exit_code == 1
    assert json.loads(from_stdin.stdout)["deny"] == json.loads(from_file.stdout)["deny"]
    stdin(document.read_bytes())
    text = cli("policy", "eval", "-i", "-", "--format", "text")
    assert text.stdout.startswith("DENIED by sha256:") and "  deny   gatecheck.severity: ESLint/no-eval" in text.stdout


def test_bad_stdin_is_named_with_its_line(cli: Cli, stdin: Callable[[bytes], None]) -> None:
    stdin(b'{\n  "subject": [],\n  oops\n}\n')
    result = cli("policy", "eval", "-i", "-")
    assert result.exit_code == 2 and "<stdin>:3: invalid JSON" in result.stderr
    stdin(b'{\n"a": "\xff"}')
    result = cli("policy", "eval", "-i", "-")
    assert result.exit_code == 2 and "<stdin>:2: policy input is not UTF-8 text" in result.stderr


def test_verify_reads_the_bundle_the_key_or_the_artifact_from_stdin(signed: dict[str, Path]) -> None:
    subject, bundle, key = str(signed["subject"]), str(signed["bundle"]), str(signed["key"])
    piped_bundle = run("verify", subject, "--bundle", "-", "--key", key, stdin=signed["bundle"].read_bytes())
    assert piped_bundle.returncode == 0, piped_bundle.stderr
    assert b"[<stdin>:" in piped_bundle.stdout  # the verdict's source names standard input and its line
    piped_key = run("verify", subject, "--bundle", bundle, "--key", "-", stdin=signed["key"].read_bytes())
    assert piped_key.returncode == 0, piped_key.stderr
    piped_artifact = run("verify", "-", "--bundle", bundle, "--key", key, stdin=signed["subject"].read_bytes())
    assert piped_artifact.returncode == 0 and piped_artifact.stdout.startswith(b"PASS <stdin> (sha256:")
    other = run("verify", "-", "--bundle", bundle, "--key", key, stdin=b"another artifact")
    assert other.returncode == 1 and b"SUBJECT_MISMATCH" in other.stdout


def test_store_push_reads_stdin(cli: Cli, signed: dict[str, Path], tmp_path: Path,
                                stdin: Callable[[bytes], None]) -> None:
    stdin(signed["bundle"].read_bytes())
    result = cli("store", "push", "-", "--store", f"sqlite:///{tmp_path}/s.sqlite", "--key", str(signed["key"]),
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [s["source"] for s in json.loads(result.stdout)["stored"]] == ["<stdin>:1", "<stdin>:2"]


def test_only_one_input_can_be_stdin(cli: Cli, signed: dict[str, Path], stdin: Callable[[bytes], None]) -> None:
    stdin(signed["bundle"].read_bytes())
    result = cli("verify", str(signed["subject"]), "--bundle", "-", "--key", "-")
    assert result.exit_code == 2 and "only one input can be - (standard input is already given to" in result.stderr
    twice = cli("store", "push", "-", "-", "--key", str(signed["key"]))
    assert twice.exit_code == 2 and "only one input can be -" in twice.stderr


@pytest.mark.parametrize(("text", "kind"), [
    ('[[waivers]]\nid = "w1"\nreason = "accepted risk"\nowner = "team"\nexpires = "2020-01-01"\n'
     '[waivers.match]\nrule = "x"\n', "toml"),
    ('waivers:\n  - id: w1\n    reason: accepted risk\n    owner: team\n    expires: "2020-01-01"\n'
     '    match: {rule: x}\n', "yaml"),
])
def test_waivers_from_stdin_toml_or_yaml(cli: Cli, example_copy: Path, stdin: Callable[[bytes], None],
                                         text: str, kind: str) -> None:
    stdin(text.encode())
    result = cli("waivers", "check", str(example_copy), "--file", "-")
    assert result.exit_code == 1, result.stderr  # the waiver expired in 2020
    assert "error: <stdin>:" in result.stdout and "waiver w1 expired" in result.stdout


def test_a_closed_stdin_is_bad_input(tmp_path: Path) -> None:
    result = subprocess.run(["bash", "-c", f"{GATECHECK} policy eval -i - <&-"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and "<stdin>: standard input is closed" in result.stderr


# -- -q and -v, before or after the command ------------------------------------------------------


def test_quiet_before_or_after_the_command(cli: Cli, example_copy: Path) -> None:
    loud = cli("run", str(example_copy), "--check", "sarif")
    assert "gatecheck: sarif started" in loud.stderr
    for args in (("-q", "run", str(example_copy), "--check", "sarif"), ("run", str(example_copy), "--check", "sarif", "-q"),
                 ("--quiet", "run", str(example_copy), "--check", "sarif")):
        result = cli(*args)
        assert result.exit_code == loud.exit_code == 1 and result.stderr == ""


def test_quiet_on_other_commands_and_plugin_commands(cli: Cli, tmp_path: Path) -> None:
    assert "gatecheck: wrote" in cli("keygen", "-o", str(tmp_path / "a")).stderr
    assert cli("-q", "keygen", "-o", str(tmp_path / "b")).stderr == ""
    assert " rules" in cli("secrets", "rules").stderr
    assert cli("secrets", "rules", "-q").stderr == ""


def test_verbose_adds_details(cli: Cli, example_copy: Path) -> None:
    result = cli("-v", "run", str(example_copy), "--check", "sarif")
    assert f"gatecheck: configuration {example_copy / 'gatecheck.toml'}; stage ci; checks sarif" in result.stderr
    passing = cli("policy", "test", "-v").stdout
    assert passing.startswith("PASS ")
    assert "PASS " not in cli("policy", "test").stdout


def test_quiet_and_verbose_together_is_bad_input(cli: Cli) -> None:
    result = cli("-q", "version", "-v")
    assert result.exit_code == 2 and "--quiet and --verbose contradict each other" in result.stderr


# -- colour: NO_COLOR and FORCE_COLOR ------------------------------------------------------------


@pytest.mark.parametrize(("env", "tty", "expected"), [
    ({}, False, False), ({}, True, True), ({"FORCE_COLOR": "1"}, False, True), ({"FORCE_COLOR": "0"}, False, True),
    ({"FORCE_COLOR": ""}, False, False), ({"NO_COLOR": "1"}, True, False), ({"NO_COLOR": ""}, True, True),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False), ({"TERM": "dumb"}, True, False),
])
def test_color_wanted(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tty: bool, expected: bool) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert color_wanted(Stream()) is expected


def test_force_color_colours_a_pipe_and_no_color_wins(example_copy: Path) -> None:
    env = {"GATECHECK_CACHE_DIR": str(example_copy.parent / "cache")}
    for name in ("NO_COLOR", "FORCE_COLOR"):
        env[name] = ""
    plain = run("run", str(example_copy), "--check", "sarif", "-q", env=env)
    assert plain.returncode == 1 and b"\x1b[" not in plain.stdout
    forced = run("run", str(example_copy), "--check", "sarif", "-q", env={**env, "FORCE_COLOR": "1"})
    assert b"\x1b[" in forced.stdout and b"DENIED" in forced.stdout
    both = run("run", str(example_copy), "--check", "sarif", "-q", env={**env, "FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert b"\x1b[" not in both.stdout
    table = run("plugins", env={**env, "FORCE_COLOR": "1"})
    assert b"\x1b[" in table.stdout
    assert b"\x1b[" not in run("plugins", env={**env, "FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout


# -- untrusted text is printed literally ---------------------------------------------------------


def hostile_report(tmp_path: Path) -> Report:
    finding = Finding(id="f" * 32, check="sarif", rule_id="ESLint/no-eval", title=HOSTILE, severity="high",
                      location=Location("static/[red]app[/].js", 7, 7))
    results = [
        CheckResult(check="sarif", tool=Tool("sarif", "1"), findings=[finding]),
        CheckResult.failed("migrations", "skipped",
                           "pglast is not installed: pip install 'gatecheck[migrations]'\nsecond line :smile:"),
    ]
    decision = Decision(allow=False, deny=[DecisionEntry("gatecheck.severity", f"ESLint/no-eval: {HOSTILE}",
                                                         finding_id=finding.id, check="sarif")])
    return Report(results=results, decision=decision, stage="ci", root=tmp_path, gatecheck_version="0.1.0",
                  exit_code=1)


@pytest.mark.parametrize("color", [False, True])
def test_text_report_prints_untrusted_text_literally(tmp_path: Path, color: bool) -> None:
    text = TextReporter(color=color, width=300).render(hostile_report(tmp_path))
    assert f"  gatecheck.severity  static/[red]app[/].js:7  ESLint/no-eval: {HOSTILE_SHOWN}\n" in text
    assert "pip install 'gatecheck[migrations]'\n    second line :smile:\n" in text
    for raw in ("\x1b[2J", "\x1b]0;", "\x07", "\x9b", "⚠", "😄"):
        assert raw not in text
    assert ("\x1b[" in text) is color  # the report's own colour, and only when asked for


def test_the_run_text_report_shows_a_hostile_sarif_title_literally(example_copy: Path) -> None:
    sarif = example_copy / "reports" / "eslint.sarif"
    doc = json.loads(sarif.read_text())
    doc["runs"][0]["results"][0]["message"]["text"] = HOSTILE
    sarif.write_text(json.dumps(doc))
    env = {"GATECHECK_CACHE_DIR": str(example_copy.parent / "cache"), "NO_COLOR": ""}
    for extra in ({}, {"FORCE_COLOR": "1"}):
        result = run("run", str(example_copy), "--check", "sarif", env={**env, **extra})
        out = result.stdout.decode()
        # The report wraps at 110 columns: compare with the line breaks taken out.
        assert HOSTILE_SHOWN in re.sub(r"\x1b\[[0-9;]*m", "", out).replace("\n", "")
        assert "\x1b[2J" not in out and "\x9b" not in out and "⚠" not in out
        assert "\x1b[2J" not in result.stderr.decode()


def test_progress_lines_escape_control_characters() -> None:
    from gatecheck.cli.progress import LineProgress

    stream = io.StringIO()
    LineProgress(stream).finished(CheckResult.failed("demo\x1b[2J", "error", "boom\n\x1b]0;pwned\x07"))
    assert stream.getvalue() == "gatecheck: demo\\x1b[2J error, boom\\n\\x1b]0;pwned\\x07 (0 ms)\n"


def test_waivers_list_and_errors_escape_control_characters(cli: Cli, example_copy: Path) -> None:
    (example_copy / "gatecheck.waivers.toml").write_text(
        '[[waivers]]\nid = "w1"\nreason = "accepted risk"\nowner = "mallory\\u001b[2J\\u009b"\nexpires = "2020-01-01"\n'
        '[waivers.match]\nrule = "x"\n'
    )
    listing = cli("waivers", "list", str(example_copy))
    assert "owner=mallory\\x1b[2J\\x9b" in listing.stdout and "\x1b" not in listing.stdout
    as_json = cli("waivers", "list", str(example_copy), "--format", "json")
    assert "\\u009b" in as_json.stdout and "\x9b" not in as_json.stdout
    assert json.loads(as_json.stdout)["waivers"][0]["owner"] == "mallory\x1b[2J\x9b"
    missing = cli("policy", "eval", "-i", "no\x1b[2Jsuch.json")
    assert missing.exit_code == 2 and "no\\x1b[2Jsuch.json: input file not found" in missing.stderr


def test_visible_escapes_every_control_and_bidi_character() -> None:
    assert visible("a\tb\nc\rd\x00\x7f\x85\u202e\u2066\u2028é✓") == "a\\tb\\nc\\rd\\x00\\x7f\\x85\\u202e\\u2066\\u2028é✓"


# -- shell completion, start-up, and the shell examples of docs/cli.md ---------------------------


def test_bash_completion() -> None:
    script = run(env={"_GATECHECK_COMPLETE": "bash_source"})
    assert script.returncode == 0 and b"_gatecheck_completion()" in script.stdout
    words = run(env={"_GATECHECK_COMPLETE": "bash_complete", "COMP_WORDS": "gatecheck ver", "COMP_CWORD": "1"})
    assert words.stdout.decode().split() == ["plain,verify", "plain,version"]


def test_start_up_imports_no_rich_and_no_command_it_does_not_run() -> None:
    code = ("import sys; from gatecheck.cli import main; main(['version']); "
            "print(sorted(m for m in sys.modules if m.startswith(('rich', 'gatecheck.cli.', 'sqlalchemy'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "['gatecheck.cli.output', 'gatecheck.cli.version_cmd']"


def shell_examples() -> list[tuple[str, int]]:
    """The lines of the ```sh blocks of docs/cli.md, each with the exit code a `# exit: N` line after it states."""
    found: list[tuple[str, int]] = []
    for block in re.findall(r"```sh\n(.*?)```", (REPO / "docs" / "cli.md").read_text(), re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.strip() and not line.startswith("#"):
                m = re.match(r"# exit: (\d)", lines[i + 1]) if i + 1 < len(lines) else None
                found.append((line, int(m.group(1)) if m else 0))
    return found


def test_the_shell_examples_of_docs_cli_md(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".gatecheck"))
    examples = shell_examples()
    assert len(examples) >= 10
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GATECHECK_CACHE_DIR": str(tmp_path / "c")}
    for line, expected in examples:
        result = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=tmp_path, capture_output=True, text=True,
                                timeout=300, env=env)
        assert result.returncode == expected, f"`{line}` exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "\x1b[" in (tmp_path / "out" / "cli" / "report-in-colour.txt").read_text()
