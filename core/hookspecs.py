"""The plugin contract: every hook a gatecheck plugin can implement.

This module is the single place that defines how plugins extend gatecheck. First-party
plugins (``plugins/``) use exactly these hooks, registered through the same entry-point
group, ``gatecheck``, as third-party plugins. A plugin is any module or object with
functions decorated by :data:`hookimpl` whose names match the specifications below::

    # my_plugin.py
    from gatecheck import hookimpl

    @hookimpl
    def gatecheck_checks():
        return [MyCheck()]

and, in the plugin distribution's ``pyproject.toml``::

    [project.entry-points.gatecheck]
    my-plugin = "my_plugin"

Each hook returns a list of objects satisfying a small :class:`typing.Protocol`
(:class:`gatecheck.checks.Check`, :class:`gatecheck.reports.Reporter`). All
implementations of a hook are called and their lists concatenated; two objects with the
same name are a configuration error, reported with both plugins named.

Run ``python -m gatecheck_conformance.plugins MODULE`` to check a plugin against the
contract (signatures, schema-valid results, deterministic ids, timeout and error
behaviour).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from gatecheck.attest.signing import SignerProvider
    from gatecheck.checks import Check
    from gatecheck.policy.engines import EngineProvider
    from gatecheck.reports import Reporter
    from gatecheck.store.providers import StoreProvider

PROJECT = "gatecheck"

#: Marks a function in this module as a hook specification.
hookspec = pluggy.HookspecMarker(PROJECT)
#: Marks a plugin function as the implementation of a hook.
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def gatecheck_checks() -> list[Check]:
    """Return the checks this plugin provides.

    A check is an object with ``name``, ``version``, ``description``,
    ``options_schema`` (a JSON Schema for the check's options in the configuration),
    ``inputs(ctx)`` (the files whose content decides the result: the cache key) and
    ``run(ctx) -> CheckResult``. See :class:`gatecheck.checks.Check`. A check lists and reads
    the tree under judgement only through ``ctx.scan_files``/``ctx.files``/``ctx.read_bytes``
    (the repository view), and configuration-side files through ``ctx.config_source``.

    The runner calls ``run`` in a worker thread with a timeout. A check that raises,
    exceeds its timeout, or returns something that fails
    ``schemas/check-result.schema.json`` becomes a result with ``status: error`` or
    ``timeout``; it never stops the gate. Raise :class:`gatecheck.errors.CheckFailed`
    to end with a clear reason. Example::

        class LicenseHeaderCheck:
            name = "license-header"
            version = "1.0.0"
            description = "Python files start with an SPDX licence header."
            options_schema = {"type": "object", "properties": {"patterns": {"type": "array"}}}

            def inputs(self, ctx):
                # The repository view: tracked files under the scan paths, minus excludes,
                # never a symlink out of the tree (see gatecheck.repository).
                return list(ctx.files(ctx.options.get("patterns", ["*.py"])))

            def run(self, ctx):
                findings = []
                for rel in ctx.scan_files(ctx.options.get("patterns", ["*.py"])):
                    if not ctx.read_bytes(rel).startswith(b"# SPDX-License-Identifier:"):
                        findings.append(Finding(
                            id=finding_id(self.name, "missing-header", path=rel),
                            check=self.name, rule_id="missing-header",
                            title="No SPDX licence header", severity="low",
                            location=Location(rel, 1, 1)))
                return CheckResult(tool=Tool(self.name, self.version), findings=findings)

        @hookimpl
        def gatecheck_checks():
            return [LicenseHeaderCheck()]
    """
    raise NotImplementedError


@hookspec
def gatecheck_reporters() -> list[Reporter]:
    """Return the report formats this plugin provides.

    A reporter has a ``name`` (the value of ``gatecheck run --format``), a
    ``media_type``, a ``default_filename`` and ``render(report) -> str`` where
    ``report`` is a :class:`gatecheck.reports.Report`. Example::

        class CsvReporter:
            name = "csv"
            media_type = "text/csv"
            default_filename = "gatecheck.csv"

            def render(self, report):
                rows = ["check,rule,severity,path"]
                for f in report.findings():
                    path = f.location.path if f.location else ""
                    rows.append(f"{f.check},{f.rule_id},{f.severity},{path}")
                return "\\n".join(rows) + "\\n"

        @hookimpl
        def gatecheck_reporters():
            return [CsvReporter()]
    """
    raise NotImplementedError


@hookspec
def gatecheck_signers() -> list[SignerProvider]:
    """Return the signer providers this plugin offers, one per signer URI scheme.

    ``gatecheck run --attest ... --key URI`` picks the provider whose ``scheme`` is the
    part of ``URI`` before the first colon and calls ``open(uri)``; the returned signer
    has ``keyid`` (sha256 of its public key's SPKI DER, hex), ``public_key`` (a
    :class:`gatecheck.attest.keys.PublicKey`) and ``sign(message) -> bytes`` over the
    DSSE PAE bytes. See :class:`gatecheck.attest.signing.SignerProvider`. Raise
    :class:`gatecheck.errors.BadInput` when the URI cannot be used; never put key
    material or a passphrase in the message. Two plugins offering one scheme is a
    configuration error. Example::

        class PkcsSigner:
            scheme = "pkcs11"
            description = "a key in a PKCS#11 token: pkcs11:SLOT/LABEL"

            def open(self, uri):
                slot, _, label = uri.removeprefix("pkcs11:").partition("/")
                return TokenKey(slot, label)   # has keyid, public_key and sign()

        @hookimpl
        def gatecheck_signers():
            return [PkcsSigner()]
    """
    raise NotImplementedError


@hookspec
def gatecheck_policy_engines() -> list[EngineProvider]:
    """Return the policy engines this plugin provides.

    An engine provider has a ``name`` (the value of ``gatecheck run --engine`` and
    ``[policy] engine``), a ``description`` and ``create(settings) -> PolicyEngine``, where
    ``settings`` is a :class:`gatecheck.policy.engines.EngineSettings` (timeout, OPA URL,
    token, TLS). The engine has ``name``, ``version()`` and
    ``evaluate(bundle, query, input) -> QueryResult`` (see
    :class:`gatecheck.policy.engines.PolicyEngine`); it raises ``EngineError`` or
    ``EngineTimeout`` when it cannot answer, and the gate then denies. Before an engine
    decides, the gate runs the canary conformance cases on it and refuses an engine that
    gets one wrong. The built-in ``embedded`` and ``opa`` engines are registered this way.
    Example::

        class RemoteEngine:
            name = "remote"

            def __init__(self, settings):
                self.settings = settings

            def version(self):
                return "remote 1.0"

            def evaluate(self, bundle, query, input):
                answer = my_service.evaluate(bundle.modules, bundle.data, query, input,
                                             timeout=self.settings.timeout)
                if answer is None:
                    return UNDEFINED
                return QueryResult(True, answer)

        class RemoteProvider:
            name = "remote"
            description = "our policy service"

            def create(self, settings):
                return RemoteEngine(settings)

        @hookimpl
        def gatecheck_policy_engines():
            return [RemoteProvider()]
    """
    raise NotImplementedError


@hookspec
def gatecheck_stores() -> list[StoreProvider]:
    """Return the attestation store providers this plugin offers, one per URL scheme.

    ``--store URL`` (``gatecheck store``, ``audit``, ``approve``, ``serve``) picks the provider
    whose ``scheme`` is the part of ``URL`` before ``://`` (``sqlite`` for a bare path; a driver
    suffix such as ``+psycopg`` is dropped) and calls ``open(url, migrate=True)``. The store it
    returns satisfies :class:`gatecheck.store.providers.AttestationStore`: it verifies every
    envelope before it keeps it, never changes or removes a record, chains records by hash, and
    answers the searches the audit and the admission server make. The built-in ``sqlite``,
    ``postgresql`` and ``postgres`` schemes are registered this way
    (:mod:`gatecheck.store.builtin`); two plugins offering one scheme is a configuration error.
    Raise :class:`gatecheck.errors.BadInput` for a URL that cannot be used, with any password
    masked. Example (a store that keeps SQLite files under one directory per team)::

        class TeamStores:
            scheme = "team"
            description = "team://NAME: the team's SQLite store under /var/lib/gatecheck"

            def open(self, url, *, migrate=True):
                name = url.removeprefix("team://")
                if not name.isidentifier():
                    raise BadInput(f"team store name {name!r} is not an identifier", key="--store")
                return Store.open(f"sqlite:////var/lib/gatecheck/{name}.sqlite", migrate=migrate)

        @hookimpl
        def gatecheck_stores():
            return [TeamStores()]
    """
    raise NotImplementedError


@hookspec
def gatecheck_commands() -> list[click.Command]:
    """Return command-line commands this plugin adds to ``gatecheck``.

    Use it for tasks that belong to one plugin and do not fit ``gatecheck run``, such
    as recording a baseline of a check's findings. Each returned :class:`click.Command`
    (usually a :class:`click.Group` named after the plugin) is added to the top-level
    ``gatecheck`` group when the CLI starts; a name a built-in command already uses is
    ignored. Give every command a ``--help`` text with an example, and raise
    :class:`gatecheck.errors.BadInput` for malformed input (exit 2). Example::

        @click.group("licenses")
        def licenses():
            \"\"\"Licence-header helpers.\"\"\"

        @licenses.command("fix")
        @click.argument("path", default=".")
        def fix(path):
            \"\"\"Add missing SPDX headers.  Example: gatecheck licenses fix src/\"\"\"
            ...

        @hookimpl
        def gatecheck_commands():
            return [licenses]
    """
    raise NotImplementedError
