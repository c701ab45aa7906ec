"""Readers for Python lock files: ``pylock.toml`` (PEP 751), ``uv.lock``, ``poetry.lock`` and
pip requirements files (pinned, optionally with ``--hash``).

Each reader turns one file into :class:`~gatecheck_plugins.sbom.packages.PackageRecord` s.
A file that cannot be parsed, or that breaks its format's rules, is bad input: the error
names the file and the line (:class:`gatecheck.errors.CheckFailed` with ``bad_input``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cyclonedx.exception.model import InvalidUriException
from cyclonedx.model import XsUri
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from gatecheck.errors import CheckFailed
from gatecheck_plugins.sbom.packages import Artifact, PackageRecord, Project, without_credentials

#: Hex digest lengths of the algorithms CycloneDX has a name for.
HASH_LENGTHS = {
    "md5": 32, "sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128,
    "sha3_256": 64, "sha3_384": 96, "sha3_512": 128,
}


class LockFileError(CheckFailed):
    """A lock or requirements file is malformed; the message starts with ``file:line:``."""

    def __init__(self, rel: str, line: int | None, message: str) -> None:
        where = f"{rel}:{line}" if line else rel
        super().__init__(f"{where}: {message}", bad_input=True)


def kind_of(path: Path) -> str | None:
    """Which reader understands ``path``, by its file name (None: not a lock file)."""
    name = path.name
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return "pylock"
    if name == "uv.lock":
        return "uv.lock"
    if name == "poetry.lock":
        return "poetry.lock"
    if name.endswith(".txt") or name.endswith(".in"):
        return "requirements"
    return None


def read(path: Path, rel: str) -> list[PackageRecord]:
    """Read any supported lock file into package records."""
    kind = kind_of(path)
    readers: dict[str, Callable[[Path, str], list[PackageRecord]]] = {
        "pylock": read_pylock,
        "uv.lock": read_uv_lock,
        "poetry.lock": read_poetry_lock,
        "requirements": read_requirements,
    }
    if kind is None:
        raise LockFileError(rel, None, "not a lock file gatecheck can read (pylock.toml, uv.lock, poetry.lock, *.txt)")
    return readers[kind](path, rel)


# --- TOML helpers ---------------------------------------------------------------------


def _load_toml(path: Path, rel: str) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LockFileError(rel, None, f"cannot read: {exc}") from exc
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise LockFileError(rel, int(match.group(1)) if match else None, f"invalid TOML: {exc}") from exc


def _table_lines(text: str, header: str) -> list[int]:
    """1-based line numbers of every ``[[header]]`` array-of-tables entry, in order."""
    pattern = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]\s*(#.*)?$")
    return [i for i, line in enumerate(text.splitlines(), start=1) if pattern.match(line)]


def _hash(rel: str, line: int | None, alg: str, value: Any) -> tuple[str, str]:
    """Check one digest from a lock file and return it as ``(hashlib name, lower-case hex)``."""
    name = alg.lower().replace("-", "_")
    if name not in HASH_LENGTHS:
        raise LockFileError(rel, line, f"unsupported hash algorithm {alg!r} (one of {', '.join(HASH_LENGTHS)})")
    if not isinstance(value, str) or not re.fullmatch(f"[0-9a-fA-F]{{{HASH_LENGTHS[name]}}}", value):
        raise LockFileError(rel, line, f"malformed {alg} digest {value!r}")
    return name, value.lower()


def _composite_hash(rel: str, line: int | None, value: Any) -> tuple[str, str]:
    """``sha256:<hex>`` as uv and Poetry write it."""
    if not isinstance(value, str) or ":" not in value:
        raise LockFileError(rel, line, f"malformed hash {value!r} (expected ALGORITHM:HEX)")
    alg, _, digest = value.partition(":")
    return _hash(rel, line, alg, digest)


def _url(rel: str, line: int | None, value: Any) -> str | None:
    """A download URL from a lock file, checked the way the SBOM library will check it."""
    if value is None:
        return None
    url = without_credentials(str(value))
    try:
        XsUri(url)
    except InvalidUriException as exc:
        raise LockFileError(rel, line, f"malformed URL {url!r}") from exc
    return url


def _require_str(rel: str, line: int | None, entry: dict[str, Any], key: str, what: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LockFileError(rel, line, f"{what} has no {key!r} string")
    return value


def _dep_list(rel: str, line: int | None, value: Any, what: str) -> list[tuple[str, str | None]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise LockFileError(rel, line, f"{what}: 'dependencies' must be an array")
    deps: list[tuple[str, str | None]] = []
    for dep in value:
        if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
            raise LockFileError(rel, line, f"{what}: every dependency needs a 'name'")
        version = dep.get("version")
        deps.append((canonicalize_name(dep["name"]), version if isinstance(version, str) else None))
    return deps


# --- pylock.toml (PEP 751) -------------------------------------------------------------


def read_pylock(path: Path, rel: str) -> list[PackageRecord]:
    """PEP 751 ``pylock.toml``: ``[[packages]]`` with wheels, sdist, archive, vcs or directory."""
    data, text = _load_toml(path, rel)
    lock_version = data.get("lock-version")
    if not isinstance(lock_version, str) or lock_version.split(".")[0] != "1":
        raise LockFileError(rel, _line_of_key(text, "lock-version"), f"unsupported lock-version {lock_version!r} (expected 1.x)")
    packages = data.get("packages", [])
    if not isinstance(packages, list):
        raise LockFileError(rel, _line_of_key(text, "packages"), "'packages' must be an array of tables")
    lines = _table_lines(text, "packages")
    records: list[PackageRecord] = []
    for index, entry in enumerate(packages):
        line = lines[index] if index < len(lines) else None
        if not isinstance(entry, dict):
            raise LockFileError(rel, line, f"packages[{index}] is not a table")
        name = _require_str(rel, line, entry, "name", f"packages[{index}]")
        version = entry.get("version")
        if version is not None and not isinstance(version, str):
            raise LockFileError(rel, line, f"package {name!r}: 'version' must be a string")
        artifacts: list[Artifact] = []
        for wheel in entry.get("wheels", []) or []:
            artifacts.append(_pylock_artifact(rel, line, name, wheel))
        for key in ("sdist", "archive"):
            if isinstance(entry.get(key), dict):
                artifacts.append(_pylock_artifact(rel, line, name, entry[key]))
        qualifiers: dict[str, str] = {}
        pinned = version is not None
        vcs = entry.get("vcs")
        if isinstance(vcs, dict):
            commit = vcs.get("commit-id")
            url = vcs.get("url") or vcs.get("path")
            if isinstance(url, str):
                vcs_type = vcs.get("type", "git")
                pin = f"@{commit}" if isinstance(commit, str) else ""
                qualifiers["vcs_url"] = without_credentials(f"{vcs_type}+{url}") + pin
            # A VCS checkout is pinned by its commit even when the lock has no version.
            pinned = isinstance(commit, str)
        directory = entry.get("directory")
        if isinstance(directory, dict):
            # A local directory can change under the same name: never a pinned release.
            pinned = False
        records.append(
            PackageRecord(
                name=name,
                version=version,
                source=rel,
                line=line,
                pinned=pinned,
                artifacts=artifacts,
                dependencies=(
                    _dep_list(rel, line, entry.get("dependencies"), f"package {name!r}") if "dependencies" in entry else None
                ),
                qualifiers=qualifiers,
            )
        )
    return records


def _pylock_artifact(rel: str, line: int | None, name: str, entry: Any) -> Artifact:
    if not isinstance(entry, dict):
        raise LockFileError(rel, line, f"package {name!r}: a wheel/sdist/archive entry is not a table")
    hashes = entry.get("hashes")
    if not isinstance(hashes, dict) or not hashes:
        raise LockFileError(rel, line, f"package {name!r}: every wheel, sdist and archive needs 'hashes' (PEP 751)")
    checked = dict(_hash(rel, line, alg, value) for alg, value in sorted(hashes.items()))
    url = _url(rel, line, entry.get("url"))
    filename = entry.get("name") or (url.rsplit("/", 1)[-1] if url else None)
    return Artifact(hashes=checked, url=url, filename=filename)


def _line_of_key(text: str, key: str) -> int | None:
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return i
    return None


# --- uv.lock -------------------------------------------------------------------------------


def read_uv_lock(path: Path, rel: str) -> list[PackageRecord]:
    """``uv.lock``: every ``[[package]]``; the project's own entries (``editable``/``virtual`` ".")
    are left out because they are the SBOM's root component."""
    records, _ = read_uv_lock_with_root(path, rel)
    return records


def read_uv_lock_with_root(path: Path, rel: str) -> tuple[list[PackageRecord], list[tuple[str, str | None]] | None]:
    """As :func:`read_uv_lock`, also returning the root project's direct dependencies."""
    data, text = _load_toml(path, rel)
    version = data.get("version")
    if not isinstance(version, int) or version != 1:
        raise LockFileError(rel, _line_of_key(text, "version"), f"unsupported uv.lock version {version!r} (expected 1)")
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise LockFileError(rel, _line_of_key(text, "package"), "'package' must be an array of tables")
    lines = _table_lines(text, "package")
    records: list[PackageRecord] = []
    root_deps: list[tuple[str, str | None]] | None = None
    for index, entry in enumerate(packages):
        line = lines[index] if index < len(lines) else None
        if not isinstance(entry, dict):
            raise LockFileError(rel, line, f"package[{index}] is not a table")
        name = _require_str(rel, line, entry, "name", f"package[{index}]")
        source = entry.get("source") or {}
        if not isinstance(source, dict):
            raise LockFileError(rel, line, f"package {name!r}: 'source' must be a table")
        deps = _dep_list(rel, line, entry.get("dependencies"), f"package {name!r}")
        if source.get("editable") == "." or source.get("virtual") == ".":
            extra: list[tuple[str, str | None]] = []
            for group in (entry.get("dev-dependencies") or {}).values():
                extra.extend(_dep_list(rel, line, group, f"package {name!r}"))
            root_deps = deps + [d for d in extra if d not in deps]
            continue
        version = entry.get("version")
        if version is not None and not isinstance(version, str):
            raise LockFileError(rel, line, f"package {name!r}: 'version' must be a string")
        artifacts: list[Artifact] = []
        sdist = entry.get("sdist")
        for item in ([sdist] if isinstance(sdist, dict) else []) + list(entry.get("wheels", []) or []):
            if not isinstance(item, dict):
                raise LockFileError(rel, line, f"package {name!r}: a wheel or sdist entry is not a table")
            url = _url(rel, line, item.get("url"))
            hashes = dict([_composite_hash(rel, line, item["hash"])]) if "hash" in item else {}
            if hashes:
                artifacts.append(Artifact(hashes=hashes, url=url, filename=url.rsplit("/", 1)[-1] if url else None))
        qualifiers: dict[str, str] = {}
        pinned = version is not None
        if isinstance(source.get("git"), str):
            qualifiers["vcs_url"] = without_credentials("git+" + source["git"])
            pinned = "#" in source["git"]  # uv appends the resolved commit after '#'
        elif isinstance(source.get("url"), str):
            qualifiers["download_url"] = without_credentials(source["url"])
        elif isinstance(source.get("editable"), str) or isinstance(source.get("directory"), str):
            pinned = False
        records.append(
            PackageRecord(
                name=name, version=version, source=rel, line=line, pinned=pinned,
                artifacts=artifacts, dependencies=deps, qualifiers=qualifiers,
            )
        )
    return records, root_deps


# --- poetry.lock ---------------------------------------------------------------------------


def read_poetry_lock(path: Path, rel: str) -> list[PackageRecord]:
    """``poetry.lock``: ``[[package]]`` with ``files`` hashes and ``[package.dependencies]``."""
    data, text = _load_toml(path, rel)
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise LockFileError(rel, _line_of_key(text, "package"), "'package' must be an array of tables")
    lines = _table_lines(text, "package")
    records: list[PackageRecord] = []
    for index, entry in enumerate(packages):
        line = lines[index] if index < len(lines) else None
        if not isinstance(entry, dict):
            raise LockFileError(rel, line, f"package[{index}] is not a table")
        name = _require_str(rel, line, entry, "name", f"package[{index}]")
        version = _require_str(rel, line, entry, "version", f"package {name!r}")
        artifacts: list[Artifact] = []
        for item in entry.get("files", []) or []:
            if not isinstance(item, dict) or "hash" not in item:
                raise LockFileError(rel, line, f"package {name!r}: every entry of 'files' needs a 'hash'")
            artifacts.append(Artifact(hashes=dict([_composite_hash(rel, line, item["hash"])]), filename=item.get("file")))
        deps_table = entry.get("dependencies") or {}
        if not isinstance(deps_table, dict):
            raise LockFileError(rel, line, f"package {name!r}: 'dependencies' must be a table")
        deps: list[tuple[str, str | None]] = [(str(canonicalize_name(dep)), None) for dep in sorted(deps_table)]
        qualifiers: dict[str, str] = {}
        pinned = True
        source = entry.get("source")
        if isinstance(source, dict):
            kind = source.get("type")
            url = source.get("url")
            if kind == "git" and isinstance(url, str):
                commit = source.get("resolved_reference")
                qualifiers["vcs_url"] = without_credentials(f"git+{url}") + (f"@{commit}" if isinstance(commit, str) else "")
                pinned = isinstance(commit, str)
            elif kind in ("directory", "file") and isinstance(url, str):
                pinned = kind == "file" and bool(artifacts)
            elif kind == "url" and isinstance(url, str):
                qualifiers["download_url"] = without_credentials(url)
        records.append(
            PackageRecord(
                name=name, version=version, source=rel, line=line, pinned=pinned, artifacts=artifacts,
                dependencies=deps, description=entry.get("description") or None, qualifiers=qualifiers,
            )
        )
    return records


# --- requirements files --------------------------------------------------------------------

#: pip options that take a value and do not name a package.
_OPTIONS_WITH_VALUE = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--no-binary", "--only-binary",
    "--trusted-host", "--use-feature", "-c", "--constraint", "--config-settings", "-C",
}
_FLAG_OPTIONS = {"--no-index", "--pre", "--prefer-binary", "--require-hashes"}


def read_requirements(path: Path, rel: str, _seen: frozenset[Path] = frozenset()) -> list[PackageRecord]:
    """A pip requirements file. Pinned means ``name==X`` (or ``===``) without a wildcard, or a
    direct URL with a ``--hash``; ``-r`` includes are followed, constraints files are not
    components and are skipped."""
    resolved = path.resolve()
    if resolved in _seen:
        raise LockFileError(rel, None, "requirements files include each other in a cycle")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LockFileError(rel, None, f"cannot read: {exc}") from exc
    records: list[PackageRecord] = []
    for line_no, logical in _logical_lines(text):
        tokens = logical.split()
        head = tokens[0]
        target = None
        if head in ("-r", "--requirement"):
            target = tokens[1] if len(tokens) > 1 else ""
        elif head.startswith("--requirement="):
            target = head.split("=", 1)[1]
        elif head.startswith("-r") and not head.startswith("--"):
            target = head[2:]
        if target is not None:
            if not target:
                raise LockFileError(rel, line_no, f"{head} needs a file name")
            included = (path.parent / target)
            if not included.is_file():
                raise LockFileError(rel, line_no, f"included requirements file {target!r} does not exist")
            records.extend(read_requirements(included, _rel_sibling(rel, target), _seen | {resolved}))
            continue
        if head in _OPTIONS_WITH_VALUE or any(head.startswith(o + "=") for o in _OPTIONS_WITH_VALUE if o.startswith("--")):
            continue
        if head in _FLAG_OPTIONS:
            continue
        if head in ("-e", "--editable") or head.startswith("--editable="):
            target = tokens[1] if len(tokens) > 1 and head in ("-e", "--editable") else head.split("=", 1)[-1]
            egg = re.search(r"[#&]egg=([A-Za-z0-9._-]+)", target)
            name = egg.group(1) if egg else Path(target.rstrip("/")).name
            # An editable install follows a working tree: it can never be a pinned release.
            records.append(PackageRecord(name=name, version=None, source=rel, line=line_no, pinned=False,
                                         properties={"gatecheck:editable": without_credentials(target)}))
            continue
        if head.startswith("-"):
            raise LockFileError(rel, line_no, f"unknown pip option {head!r}")
        records.append(_requirement(rel, line_no, logical))
    return records


def _rel_sibling(rel: str, target: str) -> str:
    parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
    return f"{parent}/{target}" if parent else target


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations and drop comments; each line keeps its first line number."""
    out: list[tuple[int, str]] = []
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if not buffer:
            start = number
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            out.append((start, buffer.strip()))
        buffer = ""
    if buffer.strip():
        out.append((start, buffer.strip()))
    return out


def _requirement(rel: str, line: int, logical: str) -> PackageRecord:
    hashes: list[tuple[str, str]] = []
    parts: list[str] = []
    tokens = logical.split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--hash"):
            value = token.split("=", 1)[1] if "=" in token else (tokens[i + 1] if i + 1 < len(tokens) else "")
            if "=" not in token:
                i += 1
            hashes.append(_composite_hash(rel, line, value))
        elif token.startswith("--"):
            pass  # per-requirement options (--config-settings ...) do not change identity
        else:
            parts.append(token)
        i += 1
    spec = " ".join(parts)
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        return _bare_file(rel, line, spec, hashes, exc)
    version: str | None = None
    pinned = False
    specifiers = list(req.specifier)
    if len(specifiers) == 1 and specifiers[0].operator in ("==", "===") and "*" not in specifiers[0].version:
        version = specifiers[0].version
        pinned = True
    qualifiers: dict[str, str] = {}
    if req.url:
        req.url = without_credentials(req.url)  # str(req) below goes into the SBOM and a finding
        if req.url.startswith(("https://", "http://")):
            qualifiers["download_url"] = without_credentials(req.url)  # never a machine-specific file:// path
        pinned = bool(hashes)
    properties = {"gatecheck:requirement": str(req)} if not pinned else {}
    return PackageRecord(
        name=req.name, version=version, source=rel, line=line, pinned=pinned,
        artifacts=[Artifact(hashes=dict([h])) for h in hashes], qualifiers=qualifiers, properties=properties,
    )


def _bare_file(rel: str, line: int, spec: str, hashes: list[tuple[str, str]], error: Exception) -> PackageRecord:
    """A requirement given as a wheel or sdist path/URL: the name and version come from the file name."""
    filename = spec.rsplit("/", 1)[-1]
    try:
        name, version, *_ = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        try:
            name, version = parse_sdist_filename(filename)
        except InvalidSdistFilename:
            raise LockFileError(rel, line, f"not a valid requirement: {error}") from error
    return PackageRecord(
        name=str(name), version=str(version), source=rel, line=line, pinned=bool(hashes),
        artifacts=[Artifact(hashes=dict([h]), url=_url(rel, line, spec) if "://" in spec else None, filename=filename)
                   for h in hashes],
    )


# --- the project itself --------------------------------------------------------------------


def read_project(root: Path) -> Project:
    """The root component: ``[project]`` (or ``[tool.poetry]``) of ``pyproject.toml``, else the directory."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return Project(name=root.resolve().name)
    data, _text = _load_toml(pyproject, "pyproject.toml")
    table = data.get("project") if isinstance(data.get("project"), dict) else None
    poetry = (data.get("tool") or {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    if table is None and isinstance(poetry, dict):
        poetry_deps = [str(canonicalize_name(n)) for n in (poetry.get("dependencies") or {}) if n.lower() != "python"]
        return Project(
            name=str(poetry.get("name") or root.resolve().name),
            version=poetry.get("version") if isinstance(poetry.get("version"), str) else None,
            description=poetry.get("description") if isinstance(poetry.get("description"), str) else None,
            dependencies=poetry_deps,
        )
    if table is None:
        return Project(name=root.resolve().name)
    deps_raw = table.get("dependencies") or []
    deps: list[str] = []
    for item in deps_raw if isinstance(deps_raw, list) else []:
        try:
            deps.append(str(canonicalize_name(Requirement(str(item)).name)))
        except InvalidRequirement as exc:
            line = _line_of_key(_text, "dependencies")
            raise LockFileError("pyproject.toml", line, f"invalid dependency {item!r}: {exc}") from exc
    license_value = table.get("license")
    expression = license_value if isinstance(license_value, str) else None
    return Project(
        name=str(table.get("name") or root.resolve().name),
        version=table.get("version") if isinstance(table.get("version"), str) else None,
        description=table.get("description") if isinstance(table.get("description"), str) else None,
        dependencies=deps,
        license_expression=expression,
    )
