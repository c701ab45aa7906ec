"""``gatecheck db``: keep the offline vulnerability database (OSV's PyPI export) fresh.

``db update`` downloads (:mod:`.download`); ``db info`` describes the database without a network
(:func:`.database.describe`). The ``sca`` check reads the same database and its manifest.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from gatecheck.api import BadInput, Duration, Output, notice, output_options

from .database import default_database_path, describe
from .download import DEFAULT_URL, update


def _resolve(path: str | None) -> Path:
    return Path(path).expanduser() if path else default_database_path()


@click.group("db")
def db() -> None:
    """Manage the offline OSV vulnerability database the ``sca`` check reads.

    The database is osv.dev's export of PyPI advisories (a zip of OSV JSON records).
    Its default location is the user cache directory; set GATECHECK_OSV_DB or pass
    --path to use another, and point [checks.sca] database at the same file.

    \b
    Examples:
      gatecheck db update                       # fetch osv.dev's PyPI/all.zip
      gatecheck db update --url file:///mirror/PyPI/all.zip --path ./osv-pypi.zip
      gatecheck db info --max-age 7d            # exit 1 when older than a week
    """


@db.command("update")
@click.option("--path", "path", metavar="FILE", help="Where to store the database (default: user cache or $GATECHECK_OSV_DB).")
@click.option("--url", default=DEFAULT_URL, show_default=True, help="Where to fetch the zip from (http(s): or file:).")
@click.option("--timeout", type=Duration(bare_unit="s", positive=True), default="120s", show_default=True,
              help="Network timeout (a duration; a plain number is seconds).")
@click.option("--force", is_flag=True, help="Download even when the server says nothing changed.")
@output_options()
def update_cmd(path: str | None, url: str, timeout: timedelta, force: bool, out: Output) -> None:
    """Download a fresh copy of the OSV PyPI database (the only command that uses the network).

    \b
    Examples:
      gatecheck db update
      gatecheck db update --path .gatecheck/osv/PyPI-all.zip --format json
    """
    if not url.startswith(("https://", "http://", "file:")):
        raise BadInput(f"unsupported URL {url!r}: use https://, http:// or file:", key="--url")
    database = _resolve(path)
    manifest = update(database, url, timeout=timeout.total_seconds(), force=force)
    out.emit({"path": str(database), **manifest}, lambda: (
        f"{database}: {manifest.get('records')} records from {manifest.get('source')}, "
        f"sha256 {str(manifest.get('sha256'))[:16]}…, updated {manifest.get('updated_at')}\n"
    ))


@db.command("info")
@click.option("--path", "path", metavar="PATH", help="The database (a zip or a directory; default: the user cache).")
@output_options()
@click.option("--max-age", type=Duration(bare_unit=None), metavar="DURATION",
              help="Exit 1 when the database is older than this (or its age is unknown): 7d, 36h.")
@click.option("--max-age-days", type=Duration(bare_unit="d"), hidden=True, deprecated="Use --max-age 7d.")
def info_cmd(path: str | None, max_age: timedelta | None, max_age_days: timedelta | None, out: Output) -> None:
    """Show where the database is, how many records it holds and how old it is.

    \b
    Examples:
      gatecheck db info
      gatecheck db info --format json --max-age 7d
    """
    database = _resolve(path)
    info = describe(database)

    def text() -> str:
        lines = [f"{key:>11}: {info[key]}" for key in ("path", "exists", "source", "records", "size", "sha256",
                                                         "updated_at", "age_days") if info.get(key) is not None]
        if info["exists"] and "updated_at" not in info:
            lines.append("        age: unknown (no manifest: not written by `gatecheck db update`)")
        return "\n".join(lines) + "\n"

    out.emit(info, text)
    if not info["exists"]:
        # Like a stale database, a missing one fails the guard (exit 1); it is no bug of gatecheck's.
        notice(f"gatecheck: no database at {database}: run `gatecheck db update`")
        raise click.exceptions.Exit(1)
    limit = max_age if max_age is not None else max_age_days
    if limit is not None:
        age = info.get("age_days")
        if age is None or timedelta(days=float(age)) > limit:
            notice(f"database is older than {_days(limit)} (or of unknown age)")
            raise click.exceptions.Exit(1)


def _days(duration: timedelta) -> str:
    return f"{duration / timedelta(days=1):g} days"

