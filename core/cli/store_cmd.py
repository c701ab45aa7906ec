"""``gatecheck store``: push verified attestation bundles, search and fetch them, check the hash chain."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gatecheck import git
from gatecheck.attest.keys import PublicKey
from gatecheck.attest.verify import VerifyOptions
from gatecheck.cli import inputs
from gatecheck.cli.durations import Moment
from gatecheck.cli.output import Output, detail, notice, output_options
from gatecheck.errors import EXIT_DENIED, EXIT_PASS, BadInput
from gatecheck.reports.text import visible
from gatecheck.store import DEFAULT_URL
from gatecheck.store.records import PushResult, StoredRecord

if TYPE_CHECKING:
    from gatecheck.store.providers import AttestationStore

F = TypeVar("F", bound=Callable[..., Any])


def store_option(func: F) -> F:
    """``--store URL`` (also ``$GATECHECK_STORE``), shared by the store, serve, audit and run commands."""
    return click.option(
        "--store", "store_url", envvar="GATECHECK_STORE", default=DEFAULT_URL, show_default=True, metavar="URL",
        help="The attestation store: sqlite:///PATH or postgresql://USER@HOST/DB (env GATECHECK_STORE).",
    )(func)


def trust_options(func: F) -> F:
    """``--key`` and ``--threshold``: the trust roots envelopes are verified against."""
    func = click.option("--threshold", type=click.IntRange(1), default=1, show_default=True,
                        help="How many distinct trusted keys must have signed each envelope.")(func)
    return click.option("-k", "--key", "keys", multiple=True, required=True, metavar="PUB.pem", type=inputs.FILE,
                        help="A trusted public key (PEM), - for stdin; repeatable.")(func)


def load_keys(paths: Sequence[str | Path]) -> list[PublicKey]:
    """The trusted keys, BadInput (exit 2) naming the file for one that cannot be read (``-``: stdin)."""
    return inputs.public_keys(paths)


def open_store(url: str) -> AttestationStore:
    """The store at ``url``, opened by the provider registered for its scheme (``gatecheck_stores``)
    and named on stderr with ``--verbose`` (credentials masked).

    The built-in SQL stores import SQLAlchemy when they open one, not with the command: without the
    store extra, ``--help`` still works and opening raises MissingExtra (exit 2) naming the extra.
    """
    from gatecheck.plugin_manager import Plugins
    from gatecheck.redact import scrub
    from gatecheck.store.providers import open_store as open_with_provider

    detail(f"gatecheck: store {scrub(url)}")
    return open_with_provider(url, Plugins())


def push_bundles(store: AttestationStore, bundles: Sequence[Path], options: VerifyOptions, *,
                 repository: str | None = None, commit: str | None = None) -> PushResult:
    """Read every bundle (``-``: stdin), then push all their envelopes in one transaction (nothing
    stored if one is malformed). A bundle is JSON Lines of DSSE envelopes or Sigstore bundles, or one
    pretty-printed envelope or bundle; a Sigstore bundle is stored as the envelope it carries."""
    from gatecheck.cli.verify_cmd import read_attestations

    entries: list[tuple[str, bytes]] = []
    for path in bundles:
        lines = read_attestations([path])
        if not lines:
            raise BadInput("the bundle holds no envelope", path=inputs.display(path))
        entries.extend(lines)
    return store.push(entries, options, repository=repository, commit=commit)


def git_facts(root: Path) -> tuple[str | None, str | None]:
    """The repository and commit a run in ``root`` is about: CI variables first, then git itself.

    git runs hardened (:mod:`gatecheck.git`: the repository under judgement names no program
    git would run), and the remote comes back with its credentials masked: a CI checkout's
    ``origin`` usually carries the job's token (``https://x-access-token:TOKEN@github.com/...``).
    The store scrubs whatever repository it indexes once more, whatever its source.
    """
    env = os.environ
    repository = None
    if env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").removeprefix("https://").removeprefix("http://")
        repository = f"{server}/{env['GITHUB_REPOSITORY']}"
    elif env.get("CI_PROJECT_URL"):
        repository = env["CI_PROJECT_URL"].removeprefix("https://").removeprefix("http://")
    commit = env.get("GITHUB_SHA") or env.get("CI_COMMIT_SHA")
    return repository or git.remote_url(root), commit or git.output(root, "rev-parse", "HEAD") or None


def auto_push(store_url: str, bundle: Path, public_keys: Sequence[PublicKey], root: Path) -> str:
    """``gatecheck run --store``: push the bundle the run just signed, verified against every signer's key."""
    repository, commit = git_facts(root)
    keys = list({k.keyid: k for k in public_keys}.values())
    options = VerifyOptions(keys=keys, threshold=len(keys))
    with open_store(store_url) as st:
        result = push_bundles(st, [bundle], options, repository=repository, commit=commit)
    return render_push(result, store_url).rstrip("\n")


def render_push(result: PushResult, url: str) -> str:
    from gatecheck.store import display_url

    lines = [f"gatecheck: stored {len(result.stored)}, already stored {len(result.duplicates)}, "
             f"refused {len(result.refused)} in {display_url(url)}"]
    lines += [f"  refused {r.source}: {r.code}: {r.message}" for r in result.refused]
    return "\n".join(lines) + "\n"


@click.group("store")
def store() -> None:
    """The attestation store: verified envelopes, append-only and hash-chained.

    SQLite by default (sqlite:///.gatecheck/store.sqlite), PostgreSQL for teams.

    \b
    Examples:
      gatecheck store push gatecheck.intoto.jsonl --key ci.pub --repo github.com/acme/shop
      gatecheck store search --subject sha256:9f86d0... --verdict PASSED
      gatecheck store get 42
      gatecheck store check --store postgresql://gatecheck@db.internal/attestations
    """


@store.command("push")
@click.argument("bundles", nargs=-1, required=True, type=inputs.FILE)
@store_option
@trust_options
@click.option("--repo", "repository", metavar="REPO",
              help="Repository the attestations come from (indexed; credentials in a URL are masked).")
@click.option("--commit", metavar="SHA", help="Commit the attestations were made at (indexed).")
@output_options()
def push(bundles: tuple[Path, ...], store_url: str, keys: tuple[Path, ...], threshold: int,
         repository: str | None, commit: str | None, out: Output) -> None:
    """Verify every envelope of BUNDLES (- for stdin) against the trusted keys, then store the ones that verify.

    BUNDLES are JSON Lines of DSSE envelopes or of Sigstore bundles, or one pretty-printed
    envelope or Sigstore bundle; a Sigstore bundle is stored as the DSSE envelope it carries.

    Envelopes already stored (same sha256) are skipped. A malformed line anywhere stores
    nothing and exits 2 naming the file and line. Exit 1 when an envelope was refused
    (its signature does not verify with the trusted keys, for example), 0 otherwise.

    \b
    Examples:
      gatecheck store push build/gatecheck.intoto.jsonl --key ci.pub \\
          --repo github.com/acme/shop --commit 3f2a9c1
      cat build/*.intoto.jsonl | gatecheck store push - --key ci.pub --format json
      gatecheck store push build/gate.sigstore.jsonl provenance.sigstore.json --key ci.pub --key builder.pub
    """
    options = VerifyOptions(keys=load_keys(keys), threshold=threshold)
    options.validate()
    with open_store(store_url) as st:
        result = push_bundles(st, bundles, options, repository=repository, commit=commit)
    out.emit(result.to_dict(), lambda: render_push(result, store_url))
    raise click.exceptions.Exit(EXIT_DENIED if result.refused else EXIT_PASS)


#: Short names ``store search --predicate-type`` takes for the predicate types gatecheck writes.
PREDICATE_TYPES = {
    "approval": "https://gatecheck.dev/attestation/approval/v1",
    "verdict": "https://slsa.dev/verification_summary/v1",
    "check-result": "https://gatecheck.dev/attestation/check-result/v1",
    "sbom": "https://cyclonedx.org/bom",
}


@store.command("search")
@store_option
@click.option("--subject", metavar="sha256:HEX", help="Attestations about this digest (also NAME@sha256:HEX).")
@click.option("--repo", "repository", metavar="REPO", help="Attestations pushed for this repository.")
@click.option("--commit", metavar="SHA", help="Attestations pushed for this commit.")
@click.option("--since", type=Moment(), help="Stored at or after: a duration ago (30d, 12h, 2w) or an ISO 8601 date.")
@click.option("--until", type=Moment(), help="Stored before: a duration ago (30d, 12h) or an ISO 8601 date.")
@click.option("--verdict", type=click.Choice(["PASSED", "FAILED"], case_sensitive=False),
              help="Only verdicts (SLSA VSAs) with this result.")
@click.option("--predicate-type", metavar="URI",
              help="Only statements of this predicate type: a URI, or approval, verdict, check-result, sbom.")
@click.option("--policy-digest", metavar="sha256:HEX", help="Only verdicts made under this policy.")
@click.option("--keyid", metavar="HEX", help="Only envelopes signed by this trusted keyid.")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@output_options(("json", "text"), default="json")
def search(store_url: str, subject: str | None, repository: str | None, commit: str | None, since: datetime | None,
           until: datetime | None, verdict: str | None, predicate_type: str | None, policy_digest: str | None,
           keyid: str | None, limit: int, out: Output) -> None:
    """Search stored attestations, newest first: a JSON list, or one line each with --format text.

    \b
    Examples:
      gatecheck store search --subject sha256:9f86d0...
      gatecheck store search --repo github.com/acme/shop --since 30d --verdict FAILED --format text
      gatecheck store search --subject sha256:9f86d0... --predicate-type approval --format text
    """
    if predicate_type is not None:
        predicate_type = PREDICATE_TYPES.get(predicate_type.lower(), predicate_type)
    with open_store(store_url) as st:
        records = st.search(
            subject=subject, repository=repository, commit=commit, since=since, until=until,
            verdict=verdict, predicate_type=predicate_type, policy_digest=policy_digest, keyid=keyid, limit=limit,
        )
    out.emit([r.to_dict() for r in records], lambda: "".join(render_record_line(r.to_dict()) for r in records))


def render_record_line(record: dict[str, Any]) -> str:
    """One stored record on one line: id, when stored, what it is, its verdict and subjects."""
    subjects = ", ".join(s["name"] for s in record["subjects"][:3]) + (" ..." if len(record["subjects"]) > 3 else "")
    kind = record["predicateType"].rstrip("/").rsplit("/", 2)[-2:]
    verdict = f" {record['verdict']}" if record["verdict"] else ""
    return visible(f"{record['id']:>6}  {record['storedAt']}  {'/'.join(kind)}{verdict}  {subjects}  "
                   f"{record['repository'] or '-'}") + "\n"


@store.command("get")
@click.argument("ident", metavar="ID")
@store_option
@output_options(("json", "text"), default="json")
def get(ident: str, store_url: str, out: Output) -> None:
    """Print one stored attestation with its envelope and decoded statement (JSON; --format text: its facts).

    ID is the record id that search prints, or the envelope digest sha256:HEX.
    Exit 1 when there is no such record.

    \b
    Examples:
      gatecheck store get 42
      gatecheck store get sha256:5be1c0... --format text
    """
    with open_store(store_url) as st:
        record = st.get(ident)
    if record is None:
        notice(f"gatecheck: no stored attestation {ident}")
        raise click.exceptions.Exit(EXIT_DENIED)
    out.emit(record.to_dict(full=True), lambda: render_record(record))


def render_record(record: StoredRecord) -> str:
    """A stored record's indexed facts, one per line (the envelope itself only in JSON)."""
    data = record.to_dict()
    lines = [f"{key}: {', '.join(value) if isinstance(value, list) else value}" for key, value in data.items()
             if key not in ("subjects", "chain") and value]
    lines += [f"subject: {s['name']} " + " ".join(f"{alg}:{d}" for alg, d in s["digest"].items())
              for s in data["subjects"]]
    lines.append(f"chain: {data['chain']['prev']} -> {data['chain']['hash']}")
    return "".join(visible(line) + "\n" for line in lines)


@store.command("check")
@store_option
@click.option("--expect-head", metavar="SEQ:HASH",
              help="The head you recorded earlier (catches records cut off the end of the chain).")
@output_options()
def check(store_url: str, expect_head: str | None, out: Output) -> None:
    """Walk the hash chain: detect changed, removed or reordered records.

    Prints the head (SEQ:HASH); keep it somewhere else and pass it back with
    --expect-head to also detect records removed from the end. Exit 1 when the chain
    does not hold.

    \b
    Examples:
      gatecheck store check --expect-head 1204:5be1c0...
      gatecheck store check --format json -o chain.json
    """
    with open_store(store_url) as st:
        report = st.check(expect_head=expect_head)

    def text() -> str:
        state = "intact" if report.ok else "BROKEN"
        lines = [f"gatecheck: chain {state}: {report.records} record(s), head {report.head_seq}:{report.head_hash}"]
        lines += [f"  record {p.seq}: {p.code}: {p.message}" for p in report.problems]
        return "\n".join(lines) + "\n"

    out.emit(report.to_dict(), text)
    raise click.exceptions.Exit(EXIT_PASS if report.ok else EXIT_DENIED)


COMMANDS = [store]
