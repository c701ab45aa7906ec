"""Licences: from package metadata to SPDX, and the deny-list.

SPDX ids and expressions are recognised with cyclonedx-python-lib's own helpers
(:func:`cyclonedx.spdx.fixup_id`, :func:`cyclonedx.spdx.is_expression`, which use the
license-expression library), so what this module accepts is exactly what the SBOM
library will serialize as an id or an expression.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from cyclonedx.spdx import fixup_id, is_expression
from license_expression import ExpressionError, Licensing  # type: ignore[import-untyped]
from packaging.utils import canonicalize_name

from gatecheck_plugins.dependencies import Installed, PackageRecord

#: Trove licence classifiers that name exactly one SPDX licence. Classifiers that name a
#: family without a version ("GNU General Public License (GPL)", "BSD License") are left
#: out on purpose: guessing a version would put a wrong id into the SBOM.
CLASSIFIER_SPDX: dict[str, str] = {
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "License :: OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "License :: OSI Approved :: Artistic License": "Artistic-2.0",
    "License :: OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "License :: OSI Approved :: Apache Software License 2.0": "Apache-2.0",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "License :: OSI Approved :: Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
    "License :: OSI Approved :: Academic Free License (AFL)": "AFL-3.0",
}

#: A free-text ``License:`` field longer than this is the licence's full text, not a name.
_MAX_NAME_LENGTH = 80


@cache
def spdx(value: str) -> str | None:
    """``value`` as a canonical SPDX id or expression, or None when it is neither."""
    text = " ".join(value.split())
    if not text:
        return None
    ident = fixup_id(text)
    if ident is not None:
        return ident
    if is_expression(text):
        return _normalize_expression(text)
    return None


def _normalize_expression(text: str) -> str:
    """Canonical spelling: operators upper case, known ids as SPDX spells them (``mit`` -> ``MIT``)."""
    out: list[str] = []
    for token in re.findall(r"\(|\)|[^\s()]+", text):
        upper = token.upper()
        if upper in {"AND", "OR", "WITH"}:
            out.append(upper)
        elif token in "()":
            out.append(token)
        else:
            out.append(fixup_id(token) or token)
    return re.sub(r"\( | \)", lambda m: m.group(0).strip(), " ".join(out))


def from_metadata(expression: str | None, license_field: str | None, classifiers: Iterable[str]) -> tuple[str | None, list[str]]:
    """Licence of a distribution from its core metadata: ``(spdx_expression, names)``.

    Order of trust: the PEP 639 ``License-Expression``; a ``License`` field that is an
    SPDX id or expression; the trove classifiers that map to one SPDX id each (several
    are joined with ``OR``, which is what listing several classifiers means); and last a
    short free-text ``License`` field kept as a licence name.
    """
    if expression:
        found = spdx(expression)
        if found:
            return found, []
        return None, [expression.strip()]
    if license_field:
        found = spdx(license_field)
        if found:
            return found, []
    ids = sorted({CLASSIFIER_SPDX[c] for c in classifiers if c in CLASSIFIER_SPDX})
    if ids:
        return " OR ".join(ids), []
    if license_field:
        text = license_field.strip()
        if text and "\n" not in text and len(text) <= _MAX_NAME_LENGTH and text.upper() not in {"UNKNOWN", "NONE"}:
            return None, [text]
    # A family classifier ("BSD License") still tells the licence kind: keep it as a name.
    families = sorted({c.rsplit(" :: ", 1)[-1] for c in classifiers if c.startswith("License :: ") and c not in CLASSIFIER_SPDX})
    return None, families


def ids_in(expression: str) -> set[str]:
    """Every licence id (and exception) named in an SPDX expression."""
    parsed = _licensing().parse(expression)
    return _keys(parsed.symbols) if parsed is not None else set()


def denied(expression: str | None, names: Sequence[str], deny: Sequence[str]) -> list[str]:
    """The deny-list entries that make a licence unacceptable; empty when it is acceptable.

    ``deny`` holds SPDX ids or glob patterns (``GPL-*``), compared case-insensitively.
    For an expression with choices (``MIT OR GPL-3.0-only``) the package is denied only
    when every choice contains a denied licence: the user may pick the acceptable one.
    """
    if not deny:
        return []
    patterns = {p.lower(): p for p in deny}

    def hits(ids: Iterable[str]) -> set[str]:
        return {original for i in ids for p, original in patterns.items() if fnmatch.fnmatchcase(i.lower(), p)}

    if expression:
        try:
            alternatives = _alternatives(expression)
        except ExpressionError:
            alternatives = [{expression}]
        per_choice = [hits(choice) for choice in alternatives]
        if per_choice and all(per_choice):
            return sorted(set().union(*per_choice))
        return []
    return sorted(hits(names))


def _alternatives(expression: str) -> list[set[str]]:
    """The choices an expression offers, each the set of licences that choice requires."""
    licensing = _licensing()
    parsed = licensing.parse(expression)
    if parsed is None:
        return []
    dnf = licensing.dnf(parsed)
    if isinstance(dnf, licensing.OR):
        return [_keys(arg.symbols) for arg in dnf.args]
    return [_keys(dnf.symbols)]


def _keys(symbols: Iterable[Any]) -> set[str]:
    """Ids of licence symbols; ``X WITH Y`` contributes both the licence and the exception."""
    keys: set[str] = set()
    for symbol in symbols:
        if hasattr(symbol, "license_symbol"):
            keys.update((str(symbol.license_symbol.key), str(symbol.exception_symbol.key)))
        else:
            keys.add(str(symbol.key))
    return keys


@cache
def _licensing() -> Licensing:
    # A Licensing without a symbol table parses any id; ids were already checked
    # against the SPDX list by cyclonedx.spdx, and building the full SPDX index costs
    # a third of a second per process.
    return Licensing()


def licence_labels(record: PackageRecord | None) -> list[str]:
    """The licence ids (or names) of a component, for counting and for policies."""
    if record is None:
        return []
    if record.license_expression:
        return sorted(ids_in(record.license_expression))
    return list(record.license_names)


def licenses_from_environment(records: list[PackageRecord], items: list[Installed]) -> None:
    """Lock files carry no licences: borrow them from installed metadata of the *same* version."""
    from gatecheck_plugins.sbom import installed_packages  # it reads licences with this module
    wanted = {(r.key, r.version) for r in records if not r.has_license}
    if not wanted:
        return
    installed: dict[tuple[str, str | None], PackageRecord] = {}
    for item in items:
        key = (canonicalize_name(item.name), item.version)
        if key in wanted:
            installed[key] = installed_packages.record_of(item)
    for record in records:
        match = installed.get((record.key, record.version))
        if match is not None and not record.has_license:
            record.license_expression = match.license_expression
            record.license_names = list(match.license_names)
