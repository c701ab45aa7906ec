"""Loads a policy bundle (a directory or an OPA ``.tar.gz`` bundle) and computes its digest.

A bundle is ``.rego`` modules plus data files named ``data.json`` / ``data.yaml``, whose
directory becomes their place under ``data`` (OPA's bundle layout: ``a/b/data.json`` is
``data.a.b``). Modules whose name ends in ``_test.rego`` are the bundle's unit tests: part
of the digest, run by ``gatecheck policy test``, not loaded for a decision.
"""

from __future__ import annotations

import copy
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from gatecheck import limits
from gatecheck.canonical import canonical_json
from gatecheck.digests import prefixed, sha256_hex
from gatecheck.errors import BadInput

DATA_FILES = ("data.json", "data.yaml", "data.yml")
MANIFEST = ".manifest"
#: Where ``[policy] data`` from the configuration is merged.
CONFIG_DATA_PATH = ("gatecheck", "config")
DEFAULT_ENTRYPOINT = "data.gatecheck.decision"


@dataclass(frozen=True)
class Bundle:
    """A loaded policy bundle: modules, tests, merged data and the digest over its files."""

    source: str
    modules: dict[str, str] = field(default_factory=dict)
    tests: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    #: ``(path, sha256 hex)`` of every file the digest covers, sorted by path.
    files: tuple[tuple[str, str], ...] = ()
    digest: str = ""
    #: Where a file's text lives on disk (for error messages); empty for tarball members.
    origin: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """No policy module at all: the gate must deny, never pass."""
        return not self.modules

    def display_path(self, name: str) -> str:
        """The path to show a user for a bundle file."""
        return self.origin.get(name) or f"{self.source}!{name}"

    def with_tests(self) -> Bundle:
        """The same bundle with its ``_test.rego`` modules loaded too (for ``policy test``)."""
        return Bundle(self.source, {**self.modules, **self.tests}, {}, self.data, self.files, self.digest, self.origin)

    def cache_key(self) -> tuple[str, tuple[str, ...]]:
        """What identifies the compiled form: the digest and which modules are loaded."""
        return self.digest, tuple(sorted(self.modules))

    def with_data(self, overrides: Mapping[str, Any], at: tuple[str, ...] = CONFIG_DATA_PATH) -> Bundle:
        """A copy whose data has ``overrides`` deep-merged under ``at``; the digest covers them."""
        if not overrides:
            return self
        data = copy.deepcopy(self.data)
        node = data
        for key in at:
            node = node.setdefault(key, {})
        _deep_merge(node, dict(overrides))
        files = (*self.files, ("(configuration data)", sha256_hex(canonical_json({"path": list(at), "data": overrides}))))
        return Bundle(self.source, self.modules, self.tests, data, files, listing_digest(files), self.origin)


def listing_digest(files: tuple[tuple[str, str], ...]) -> str:
    """``sha256:`` over the canonical listing: one ``<sha256 hex>  <path>\\n`` line per file, by path."""
    listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(files))
    return prefixed(sha256_hex(listing.encode("utf-8")))


def default_path() -> Path:
    """The bundled default policy, wherever gatecheck is installed."""
    return Path(str(resources.files("gatecheck.policies")))


def load(path: str | Path | None = None) -> Bundle:
    """Load a bundle from a directory or a ``.tar.gz``; None loads the default policy."""
    target = Path(path) if path is not None else default_path()
    if target.is_dir():
        entries = list(_dir_entries(target))
    elif target.is_file() and (target.name.endswith((".tar.gz", ".tgz"))):
        entries = list(_tar_entries(target))
    elif target.exists():
        raise BadInput("not a policy bundle: give a directory or an OPA bundle (.tar.gz)", path=target)
    else:
        raise BadInput("policy bundle not found", path=target)
    modules: dict[str, str] = {}
    tests: dict[str, str] = {}
    data: dict[str, Any] = {}
    files: list[tuple[str, str]] = []
    origin: dict[str, str] = {}
    for name, raw, disk in entries:
        files.append((name, sha256_hex(raw)))
        shown = disk or f"{target}!{name}"
        if disk:
            origin[name] = disk
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInput(f"not UTF-8 text: {exc}", path=shown) from exc
        pure = PurePosixPath(name)
        if pure.suffix == ".rego":
            (tests if pure.name.endswith("_test.rego") else modules)[name] = text
        elif pure.name in DATA_FILES:
            value = _parse_data(text, pure.name, shown)
            if not isinstance(value, dict):
                raise BadInput("a bundle data file must hold an object", path=shown, line=1)
            node = data
            for part in pure.parent.parts:
                existing = node.setdefault(part, {})
                if not isinstance(existing, dict):
                    raise BadInput(f"data at {'.'.join(pure.parent.parts)} conflicts with another data file", path=shown)
                node = existing
            _deep_merge(node, value, shown)
    frozen = tuple(sorted(files))
    bundle = Bundle(str(target), modules, tests, data, frozen, listing_digest(frozen), origin)
    from gatecheck.policy import lint

    lint.check(bundle)
    return bundle


def _wanted(name: str) -> bool:
    pure = PurePosixPath(name)
    if any(part.startswith(".") and part != MANIFEST for part in pure.parts) or "__pycache__" in pure.parts:
        return False
    return pure.suffix == ".rego" or pure.name in DATA_FILES or pure.name == MANIFEST


def _dir_entries(root: Path) -> Iterator[tuple[str, bytes, str]]:
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if _wanted(name):
            yield name, path.read_bytes(), str(path)


def _tar_entries(archive: Path) -> Iterator[tuple[str, bytes, str]]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                if not member.isfile():
                    continue
                name = PurePosixPath(member.name.lstrip("/"))
                if ".." in name.parts:
                    raise BadInput(f"bundle member {member.name!r} escapes the bundle", path=archive)
                if not _wanted(str(name)):
                    continue
                handle = tar.extractfile(member)
                if handle is None:
                    continue
                yield str(name), handle.read(), ""
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BadInput(f"unreadable OPA bundle: {exc}", path=archive) from exc


def _parse_data(text: str, filename: str, shown: str) -> Any:
    # Within the limits (nesting, size, YAML aliases), with duplicate keys refused.
    if filename.endswith(".json"):
        return limits.load_json(text, shown)
    return limits.load_yaml(text, shown)[0]


def _deep_merge(into: dict[str, Any], new: Mapping[str, Any], shown: str | None = None) -> None:
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value, shown)
        else:
            into[key] = copy.deepcopy(value)
