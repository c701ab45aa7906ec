"""``gatecheck serve``: the Kubernetes admission webhook and verify API, over TLS, on uvicorn."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import click

from gatecheck.attest import DEFAULT_VERIFIER_ID
from gatecheck.attest.verify import VerifyOptions
from gatecheck.cli.store_cmd import load_keys, store_option, trust_options
from gatecheck.cli.verify_cmd import parse_duration
from gatecheck.errors import BadInput
from gatecheck.store import Store, display_url

_POLICY_DIGEST = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})")


def verify_options(keys: tuple[str, ...], threshold: int, policy_digest: str | None, stage: str | None,
                   require_checks: tuple[str, ...], max_age: str, clock_skew: str, verifier_id: str) -> VerifyOptions:
    """Build the verifier's requirements from command-line values; BadInput for unusable ones."""
    digest = None
    if policy_digest is not None:
        m = _POLICY_DIGEST.fullmatch(policy_digest.strip())
        if not m:
            raise BadInput(f"not a sha256 digest: {policy_digest!r} (expected sha256:HEX)", key="--policy-digest")
        digest = m.group(1).lower()
    skew = parse_duration(clock_skew, "--clock-skew")
    options = VerifyOptions(keys=load_keys(keys), threshold=threshold, verifier_id=verifier_id, policy_digest=digest,
                            stage=stage, require_checks=list(require_checks),
                            max_age=parse_duration(max_age, "--max-age"),
                            clock_skew=skew if skew is not None else timedelta(0))
    options.validate()
    return options


@click.command("serve")
@store_option
@trust_options
@click.option("--policy-digest", metavar="sha256:HEX", help="Require verdicts made under this policy.")
@click.option("--stage", help="Require verdicts made for this gate stage (ci, deploy, admission).")
@click.option("--require-check", "require_checks", multiple=True, metavar="NAME",
              help="Require this check's result among the verdict's inputs (repeatable).")
@click.option("--max-age", default="24h", show_default=True, metavar="DURATION",
              help="Deny verdicts older than this (none for no limit).")
@click.option("--clock-skew", default="5m", show_default=True, metavar="DURATION")
@click.option("--verifier-id", default=DEFAULT_VERIFIER_ID, show_default=True)
@click.option("--exclude-namespace", "exclude", multiple=True, metavar="NS",
              help="Admit everything in this namespace without checking (repeatable).")
@click.option("--warn", is_flag=True, help="Warn mode: admit, and return the denials as warnings.")
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8443, show_default=True)
@click.option("--tls-cert", type=click.Path(dir_okay=False, path_type=Path), metavar="CERT.pem",
              help="Server certificate (PEM); Kubernetes only calls webhooks over TLS.")
@click.option("--tls-key", type=click.Path(dir_okay=False, path_type=Path), metavar="KEY.pem",
              help="The certificate's private key (PEM).")
@click.option("--insecure-http", is_flag=True,
              help="Serve plain HTTP (only behind a TLS-terminating proxy, or for local tries).")
@click.option("--cache-size", type=click.IntRange(0), default=10_000, show_default=True,
              help="Verdicts kept in memory (0 disables the cache).")
@click.option("--cache-ttl", type=click.FloatRange(0), default=60.0, show_default=True, metavar="SECONDS")
@click.option("--admission-log/--no-admission-log", default=True, show_default=True,
              help="Record each judged image in the store for `gatecheck audit report` (off for a read-only store user).")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), default="info",
              show_default=True)
def serve(store_url: str, keys: tuple[str, ...], threshold: int, policy_digest: str | None, stage: str | None,
          require_checks: tuple[str, ...], max_age: str, clock_skew: str, verifier_id: str, exclude: tuple[str, ...],
          warn: bool, host: str, port: int, tls_cert: Path | None, tls_key: Path | None, insecure_http: bool,
          cache_size: int, cache_ttl: float, admission_log: bool, log_level: str) -> None:
    """Serve the admission webhook (POST /validate), POST /v1/verify, /healthz, /readyz and /metrics.

    Every container image of a Pod or pod template must be pinned by digest and have a
    stored, verifying, fresh, PASSED verdict; otherwise the request is denied with a
    message naming the image and the reason code. Nothing is scanned and no registry is
    contacted while a request waits.

    \b
    Examples:
      gatecheck serve --store postgresql://gatecheck@db/attestations --key ci.pub \\
          --tls-cert tls.crt --tls-key tls.key --exclude-namespace kube-system --max-age 7d
      gatecheck serve --key ci.pub --insecure-http --port 8080 --warn     # local try-out
    """
    import uvicorn

    from gatecheck.server.app import ServerSettings, create_app

    if not insecure_http and (tls_cert is None or tls_key is None):
        raise BadInput("give --tls-cert and --tls-key (Kubernetes calls webhooks only over TLS), or --insecure-http",
                       key="--tls-cert")
    for path in (tls_cert, tls_key):
        if path is not None and not insecure_http and not path.is_file():
            raise BadInput("file not found", path=path)
    options = verify_options(keys, threshold, policy_digest, stage, require_checks, max_age, clock_skew, verifier_id)
    settings = ServerSettings(options=options, exclude_namespaces=frozenset(exclude), warn=warn,
                              cache_size=cache_size, cache_ttl=cache_ttl, log_admissions=admission_log)
    with Store.open(store_url) as st:
        app = create_app(st, settings)
        scheme = "http" if insecure_http else "https"
        click.echo(f"gatecheck: serving {scheme}://{host}:{port} from {display_url(store_url)}"
                   f"{' (warn mode)' if warn else ''}", err=True)
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=log_level == "debug",
                    ssl_certfile=None if insecure_http else str(tls_cert),
                    ssl_keyfile=None if insecure_http else str(tls_key))


COMMANDS = [serve]
