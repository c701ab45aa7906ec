"""``gatecheck serve``: the Kubernetes admission webhook and verify API, over TLS, on uvicorn.

Safe by default: it listens on loopback unless ``--host`` says otherwise, and it does not start
unless ``/v1/verify`` and ``/metrics`` need credentials (``--token-file``, ``--client-ca``) or the
operator says ``--insecure-no-auth``.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gatecheck.attest import DEFAULT_VERIFIER_ID
from gatecheck.attest.verify import VerifyOptions
from gatecheck.cli.durations import Duration
from gatecheck.cli.output import QUIET, VERBOSE, info, notice, verbosity
from gatecheck.cli.store_cmd import load_keys, open_store, store_option, trust_options
from gatecheck.cli.verify_cmd import CLOCK_SKEW, MAX_AGE, load_policy, policy_digest_hex
from gatecheck.errors import BadInput
from gatecheck.server.auth import BearerTokens
from gatecheck.store.extras import require

if TYPE_CHECKING:
    import uvicorn

    from gatecheck.store.providers import AttestationStore


def verify_options(keys: tuple[Path, ...], threshold: int, policy_digest: str | None, stage: str | None,
                   require_checks: tuple[str, ...], max_age: timedelta | None, clock_skew: timedelta,
                   verifier_id: str) -> VerifyOptions:
    """Build the verifier's requirements from command-line values; BadInput for unusable ones."""
    options = VerifyOptions(keys=load_keys(keys), threshold=threshold, verifier_id=verifier_id,
                            policy_digest=policy_digest_hex(policy_digest), stage=stage,
                            require_checks=list(require_checks), max_age=max_age, clock_skew=clock_skew)
    options.validate()
    return options


@click.command("serve")
@store_option
@trust_options
@click.option("--policy-digest", metavar="sha256:HEX", help="Require verdicts made under this policy.")
@click.option("--stage", help="Require verdicts made for this gate stage (ci, deploy, admission).")
@click.option("--require-check", "require_checks", multiple=True, metavar="NAME",
              help="Require this check's result among the verdict's inputs (repeatable).")
@click.option("--max-age", type=MAX_AGE, default="24h", show_default=True,
              help="Deny verdicts older than this (none for no limit).")
@click.option("--clock-skew", type=CLOCK_SKEW, default="5m", show_default=True,
              help="How far in the future timeVerified may be before it is rejected as FUTURE_DATED.")
@click.option("--verifier-id", default=DEFAULT_VERIFIER_ID, show_default=True)
@click.option("--policy", "policy_path", metavar="DIR",
              help="Judge every stored statement about an image with this verify-time Rego policy (as gatecheck "
                   "verify --policy; it replaces the default rule, a passing verdict). Example: --policy "
                   "/etc/gatecheck/verify-policy")
@click.option("--engine", default="embedded", show_default=True, metavar="NAME",
              help="Policy engine for --policy: embedded, or opa ($GATECHECK_OPA_URL). Example: --policy "
                   "verify-policy/ --engine opa")
@click.option("--exclude-namespace", "exclude", multiple=True, metavar="NS",
              help="Admit everything in this namespace without checking (repeatable).")
@click.option("--warn", is_flag=True, help="Warn mode: admit, and return the denials as warnings.")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADDRESS",
              help="The address to listen on; --host 0.0.0.0 for every interface (in a pod, where the Service "
                   "connects to the pod's IP).")
@click.option("--port", type=click.IntRange(0, 65535), default=8443, show_default=True)
@click.option("--tls-cert", type=click.Path(dir_okay=False, path_type=Path), metavar="CERT.pem",
              help="Server certificate (PEM); Kubernetes only calls webhooks over TLS. Read again when the file "
                   "changes (a renewal), for new connections, without a restart.")
@click.option("--tls-key", type=click.Path(dir_okay=False, path_type=Path), metavar="KEY.pem",
              help="The certificate's private key (PEM, unencrypted); read again with --tls-cert.")
@click.option("--insecure-http", is_flag=True,
              help="Serve plain HTTP (only behind a TLS-terminating proxy, or for local tries).")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="Bearer tokens, one per line (at least 32 characters each; the file must not be readable by "
                   "other users): /v1/verify and /metrics answer only 'Authorization: Bearer TOKEN'.")
@click.option("--client-ca", type=click.Path(dir_okay=False, path_type=Path), metavar="CA.pem",
              help="Require a client certificate signed by this CA on every connection (checked in the TLS "
                   "handshake; serve the health probes on --probe-port then).")
@click.option("--authenticate-webhook", is_flag=True,
              help="Require the bearer token on /validate too (the kube-apiserver sends it when its admission "
                   "kubeconfig names the token).")
@click.option("--insecure-no-auth", is_flag=True,
              help="Serve /v1/verify and /metrics to anyone who can connect (local tries only).")
@click.option("--probe-port", type=click.IntRange(1, 65535), metavar="PORT",
              help="Also serve /healthz and /readyz alone over plain HTTP on this port, for kubelet probes "
                   "that hold no client certificate.")
@click.option("--cache-size", type=click.IntRange(0), default=10_000, show_default=True,
              help="Verdicts kept in memory (0 disables the cache).")
@click.option("--cache-ttl", type=Duration(bare_unit="s"), default="60s", show_default=True,
              help="How long a verdict stays in the cache (a duration; a plain number is seconds).")
@click.option("--admission-log/--no-admission-log", default=True, show_default=True,
              help="Record each judged image in the store for `gatecheck audit report` (off for a read-only store user).")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              help="The server's log level  [default: info; warning with -q, debug with -v].")
def serve(store_url: str, keys: tuple[Path, ...], threshold: int, policy_digest: str | None, stage: str | None,
          require_checks: tuple[str, ...], max_age: timedelta | None, clock_skew: timedelta, verifier_id: str,
          policy_path: str | None, engine: str, exclude: tuple[str, ...],
          warn: bool, host: str, port: int, tls_cert: Path | None, tls_key: Path | None, insecure_http: bool,
          token_file: Path | None, client_ca: Path | None, authenticate_webhook: bool, insecure_no_auth: bool,
          probe_port: int | None, cache_size: int, cache_ttl: timedelta, admission_log: bool,
          log_level: str | None) -> None:
    """Serve the admission webhook (POST /validate), POST /v1/verify, /healthz, /readyz and /metrics.

    Every container image of a Pod or pod template must be pinned by digest and have a
    stored, verifying, fresh, PASSED verdict; otherwise the request is denied with a
    message naming the image and the reason code. Nothing is scanned and no registry is
    contacted while a request waits.

    The certificate, key and client CA files are read again when they change (cert-manager
    renewing the Secret, the kubelet swapping the mounted files): new connections get the new
    certificate, open ones keep theirs, and a pair that does not load (the key not yet
    written) is logged while the last good one stays in service.

    It listens on 127.0.0.1 unless --host says otherwise. /v1/verify and /metrics need a bearer
    token (--token-file) or a client certificate (--client-ca); without either it does not
    start, unless --insecure-no-auth. /healthz and /readyz are open; /validate is open unless
    --client-ca or --authenticate-webhook (see docs/admission.md for why).

    \b
    Examples:
      # In a pod (contrib/kubernetes): every interface, TLS, a bearer token
      gatecheck serve --store postgresql://gatecheck@db/attestations --key ci.pub \\
          --host 0.0.0.0 --tls-cert tls.crt --tls-key tls.key \\
          --token-file /etc/gatecheck/api/token --exclude-namespace kube-system --max-age 7d
      # The token on /validate too (the API server's admission kubeconfig sends it)
      gatecheck serve --key ci.pub --tls-cert tls.crt --tls-key tls.key \\
          --token-file token --authenticate-webhook
      # Client certificates on every connection; kubelet probes on a plain-HTTP port
      gatecheck serve --key ci.pub --host 0.0.0.0 --tls-cert tls.crt --tls-key tls.key \\
          --client-ca clients-ca.pem --probe-port 8080
      # A local try-out on 127.0.0.1:8080: no TLS, no authentication
      gatecheck serve --key ci.pub --insecure-http --insecure-no-auth --port 8080 --warn
      # A verify-time policy over every stored statement (provenance, SBOM, verdicts)
      gatecheck serve --key ci.pub --key builder.pub --policy verify-policy/ --tls-cert tls.crt \\
          --tls-key tls.key --token-file token
    """
    require("server")  # before the imports below: exit 2 naming the extra, not a traceback
    import uvicorn

    from gatecheck.server.app import ServerSettings, create_app
    from gatecheck.server.tls import ServerTLS
    from gatecheck.store import display_url

    if not insecure_http and (tls_cert is None or tls_key is None):
        raise BadInput("give --tls-cert and --tls-key (Kubernetes calls webhooks only over TLS), or --insecure-http",
                       key="--tls-cert")
    tokens = _authentication(token_file, client_ca, authenticate_webhook, insecure_no_auth, insecure_http)
    tls = None if insecure_http or tls_cert is None or tls_key is None else ServerTLS(tls_cert, tls_key, client_ca)
    if probe_port is not None and probe_port == port:
        raise BadInput(f"the probe port must differ from --port {port}", key="--probe-port")
    options = verify_options(keys, threshold, policy_digest, stage, require_checks, max_age, clock_skew, verifier_id)
    options.policy = load_policy(policy_path, engine)
    settings = ServerSettings(options=options, exclude_namespaces=frozenset(exclude), warn=warn,
                              cache_size=cache_size, cache_ttl=cache_ttl.total_seconds(), log_admissions=admission_log,
                              tokens=tokens, authenticate_webhook=authenticate_webhook)
    if log_level is None:
        log_level = {QUIET: "warning", VERBOSE: "debug"}.get(verbosity(), "info")
    with open_store(store_url) as st:
        app = create_app(st, settings)
        _log_to_stderr(log_level)
        scheme = "http" if insecure_http else "https"
        methods = [name for name, used in (("client certificates", client_ca is not None),
                                           ("bearer tokens", tokens is not None)) if used]
        info(f"gatecheck: serving {scheme}://{host}:{port} from {display_url(store_url)}"
             f"{' (warn mode)' if warn else ''}; authentication: {' and '.join(methods) or 'none'}")
        if insecure_no_auth:
            notice(f"gatecheck: warning: --insecure-no-auth: serving /v1/verify and /metrics without "
                   f"authentication to anyone who can connect to {host}:{port}")
        if tls is not None:
            info(f"gatecheck: TLS certificate {tls.served}")
        config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=log_level == "debug")
        # The server's SSLContext is ours (it takes up renewed certificates), not one uvicorn builds
        # from file names once: set after load(), which would otherwise replace it.
        config.load()
        config.ssl = tls.context if tls is not None else None
        server = uvicorn.Server(config)
        probe = (_serve_probes(st, host, probe_port, log_level, serving=lambda: server.started)
                 if probe_port is not None else None)
        try:
            server.run()
        except SystemExit:
            # uvicorn exits when it cannot listen (it has logged why): bad input, not a crash.
            if server.started:
                raise
        except KeyboardInterrupt:
            return
        finally:
            if probe is not None:
                probe.should_exit = True
        if not server.started:
            raise BadInput(f"cannot serve on {host}:{port} (see the message above)", key="--port")


def _authentication(token_file: Path | None, client_ca: Path | None, authenticate_webhook: bool,
                    insecure_no_auth: bool, insecure_http: bool) -> BearerTokens | None:
    """The bearer tokens to ask for (None when none); BadInput for a combination that leaves a route open by mistake."""
    if client_ca is not None and insecure_http:
        raise BadInput("--client-ca needs TLS: client certificates are checked in the TLS handshake "
                       "(give --tls-cert and --tls-key instead of --insecure-http)", key="--client-ca")
    if insecure_no_auth and (token_file is not None or client_ca is not None):
        raise BadInput("--insecure-no-auth contradicts --token-file and --client-ca; give one or the other",
                       key="--insecure-no-auth")
    if authenticate_webhook and token_file is None:
        raise BadInput("--authenticate-webhook needs --token-file (with --client-ca, /validate already needs a "
                       "client certificate)", key="--authenticate-webhook")
    if token_file is None and client_ca is None and not insecure_no_auth:
        raise BadInput("/v1/verify and /metrics need authentication: give --token-file PATH (bearer tokens) or "
                       "--client-ca CA.pem (client certificates over TLS); --insecure-no-auth serves them to anyone "
                       "who can connect")
    return BearerTokens.from_file(token_file) if token_file is not None else None


def _log_to_stderr(log_level: str) -> None:
    """Send the server's own messages (a lost admission record, a decision that raised) to stderr, as uvicorn does its own."""
    logger = logging.getLogger("gatecheck")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(log_level.upper())


def _serve_probes(store: AttestationStore, host: str, port: int, log_level: str, *,
                  serving: Callable[[], bool]) -> uvicorn.Server:
    """Start /healthz and /readyz over plain HTTP on ``port`` in a thread; BadInput when it cannot listen there.

    A thread of its own, not the main server's loop: uvicorn handles signals only in the main
    thread, so the main server alone decides when the process stops.
    """
    import uvicorn

    from gatecheck.server.app import create_probe_app

    server = uvicorn.Server(uvicorn.Config(create_probe_app(store, serving), host=host, port=port, log_level=log_level,
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, name="gatecheck-probes", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise BadInput(f"cannot serve the health probes on {host}:{port} (see the message above)",
                           key="--probe-port")
        time.sleep(0.02)
    info(f"gatecheck: health probes on http://{host}:{port}/healthz and /readyz")
    return server


COMMANDS = [serve]
