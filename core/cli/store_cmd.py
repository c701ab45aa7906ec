"""``gatecheck store``: push verified attestation bundles, search and fetch them, check the hash chain."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from gatecheck import git
from gatecheck.attest.keys import PublicKey, load_public_key_file
from gatecheck.attest.verify import VerifyOptions, read_bundle
from gatecheck.errors import EXIT_DENIED, EXIT_PASS, BadInput
from gatecheck.store import DEFAULT_URL, Store, display_url
from gatecheck.store.database import dumps
from gatecheck.store.records import PushResult, parse_since

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
    return click.option("-k", "--key", "keys", multiple=True, required=True, metavar="PUB.pem",
                        help="A trusted public key (PEM); repeatable.")(func)


def load_keys(paths: Sequence[str]) -> list[PublicKey]:
    """The trusted keys, BadInput (exit 2) naming the file for one that cannot be read."""
    return [load_public_key_file(p) for p in paths]


def push_bundles(store: Store, bundles: Sequence[Path], options: VerifyOptions, *,
                 repository: str | None = None, commit: str | None = None) -> PushResult:
    """Read every bundle, then push all their envelopes in one transaction (nothing stored if one is malformed)."""
    entries: list[tuple[str, bytes]] = []
    for path in bundles:
        lines = read_bundle(path)
        if not lines:
            raise BadInput("the bundle holds no envelope", path=path)
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
    with Store.open(store_url) as st:
        result = push_bundles(st, [bundle], options, repository=repository, commit=commit)
    return render_push(result, store_url).rstrip("\n")


def render_push(result: PushResult, url: str) -> str:
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
@click.argument("bundles", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@store_option
@trust_options
@click.option("--repo", "repository", metavar="REPO",
              help="Repository the attestations come from (indexed; credentials in a URL are masked).")
@click.option("--commit", metavar="SHA", help="Commit the attestations were made at (indexed).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def push(bundles: tuple[Path, ...], store_url: str, keys: tuple[str, ...], threshold: int,
         repository: str | None, commit: str | None, fmt: str) -> None:
    """Verify every envelope of BUNDLES against the trusted keys, then store the ones that verify.

    Envelopes already stored (same sha256) are skipped. A malformed line anywhere stores
    nothing and exits 2 naming the file and line. Exit 1 when an envelope was refused
    (its signature does not verify with the trusted keys, for example), 0 otherwise.

    \b
    Example:
      gatecheck store push build/gatecheck.intoto.jsonl --key ci.pub \\
          --repo github.com/acme/shop --commit 3f2a9c1
    """
    options = VerifyOptions(keys=load_keys(keys), threshold=threshold)
    options.validate()
    with Store.open(store_url) as st:
        result = push_bundles(st, bundles, options, repository=repository, commit=commit)
    click.echo(dumps(result.to_dict()) if fmt == "json" else render_push(result, store_url), nl=False)
    raise click.exceptions.Exit(EXIT_DENIED if result.refused else EXIT_PASS)


@store.command("search")
@store_option
@click.option("--subject", metavar="sha256:HEX", help="Attestations about this digest (also NAME@sha256:HEX).")
@click.option("--repo", "repository", metavar="REPO", help="Attestations pushed for this repository.")
@click.option("--commit", metavar="SHA", help="Attestations pushed for this commit.")
@click.option("--since", metavar="WHEN", help="Stored at or after: 30d, 12h, 2w, or an ISO 8601 date.")
@click.option("--until", metavar="WHEN", help="Stored before: 30d, 12h, or an ISO 8601 date.")
@click.option("--verdict", type=click.Choice(["PASSED", "FAILED"], case_sensitive=False),
              help="Only verdicts (SLSA VSAs) with this result.")
@click.option("--predicate-type", metavar="URI", help="Only statements of this predicate type.")
@click.option("--policy-digest", metavar="sha256:HEX", help="Only verdicts made under this policy.")
@click.option("--keyid", metavar="HEX", help="Only envelopes signed by this trusted keyid.")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
def search(store_url: str, subject: str | None, repository: str | None, commit: str | None, since: str | None,
           until: str | None, verdict: str | None, predicate_type: str | None, policy_digest: str | None,
           keyid: str | None, limit: int) -> None:
    """Search stored attestations; prints a JSON list, newest first.

    \b
    Examples:
      gatecheck store search --subject sha256:9f86d0...
      gatecheck store search --repo github.com/acme/shop --since 30d --verdict FAILED
    """
    with Store.open(store_url) as st:
        records = st.search(
            subject=subject, repository=repository, commit=commit,
            since=parse_since(since) if since else None,
            until=parse_since(until, key="--until") if until else None,
            verdict=verdict, predicate_type=predicate_type, policy_digest=policy_digest, keyid=keyid, limit=limit,
        )
    click.echo(dumps([r.to_dict() for r in records]), nl=False)


@store.command("get")
@click.argument("ident", metavar="ID")
@store_option
def get(ident: str, store_url: str) -> None:
    """Print one stored attestation as JSON, with its envelope and decoded statement.

    ID is the record id that search prints, or the envelope digest sha256:HEX.
    Exit 1 when there is no such record.

    \b
    Example:
      gatecheck store get 42
    """
    with Store.open(store_url) as st:
        record = st.get(ident)
    if record is None:
        click.echo(f"gatecheck: no stored attestation {ident}", err=True)
        raise click.exceptions.Exit(EXIT_DENIED)
    click.echo(dumps(record.to_dict(full=True)), nl=False)


@store.command("check")
@store_option
@click.option("--expect-head", metavar="SEQ:HASH",
              help="The head you recorded earlier (catches records cut off the end of the chain).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(store_url: str, expect_head: str | None, fmt: str) -> None:
    """Walk the hash chain: detect changed, removed or reordered records.

    Prints the head (SEQ:HASH); keep it somewhere else and pass it back with
    --expect-head to also detect records removed from the end. Exit 1 when the chain
    does not hold.

    \b
    Example:
      gatecheck store check --expect-head 1204:5be1c0...
    """
    with Store.open(store_url) as st:
        report = st.check(expect_head=expect_head)
    if fmt == "json":
        click.echo(dumps(report.to_dict()), nl=False)
    else:
        state = "intact" if report.ok else "BROKEN"
        click.echo(f"gatecheck: chain {state}: {report.records} record(s), head {report.head_seq}:{report.head_hash}")
        for p in report.problems:
            click.echo(f"  record {p.seq}: {p.code}: {p.message}")
    raise click.exceptions.Exit(EXIT_PASS if report.ok else EXIT_DENIED)


COMMANDS = [store]
