"""pip requirements files, their ``-r`` / ``-c`` includes, and what each line declares.

One reader for every check, so the include rules exist once:

- every file is read through the repository view (:class:`gatecheck.api.Repository`);
- an include (``-r other.txt``, ``--constraint=pins.txt``) is resolved with
  :meth:`Repository.join` relative to the file that names it. One that leaves the tree (an
  absolute path, ``..`` past the root, a symlink out of it, ``/proc/self/environ``), names a
  URL, or does not exist is bad input naming the including file and line, and nothing is read
  from it;
- each file is read once however often it is included, so include cycles end;
- lines are parsed by pip-requirements-parser (pip's own parser, as pip-audit uses it), from
  the text read through the view: the library never opens a path of the tree itself.

A requirements file pulled in with ``-r`` installs its requirements; one pulled in with ``-c``
installs nothing, but its exact pins decide the version pip installs of a requirement the
others leave open (:meth:`RequirementsSet.pins`). Requirement text that leaves this module
never carries a URL's password.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from pip_requirements_parser import RequirementsFile as ParsedFile  # type: ignore[import-untyped, unused-ignore]

from gatecheck.api import OutsideRepository, Repository, scrub_url_credentials

from .files import Tree, read_text
from .model import DependencyFileError, composite_digest, exact_pin, without_credentials

#: Largest requirements file read.
MAX_REQUIREMENTS_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Requirement:
    """One requirement line, as pip would read it."""

    #: The root-relative file that declares it, and the line the requirement starts on.
    path: str
    line: int
    #: The line as pip prints it (hash options included), URL credentials masked.
    text: str
    #: The distribution name as written; None for a bare URL or path that does not say it.
    name: str | None
    specifier: SpecifierSet | None
    #: The version of an exact pin (``==X`` without a wildcard, ``===X``), else None.
    exact: str | None
    #: The URL or local path the line installs from (``name @ URL``, ``-e git+...``, ``./dist/x.whl``),
    #: URL credentials removed.
    link: str | None
    #: ``name @ URL`` (PEP 508 direct reference) rather than a bare URL or path.
    direct: bool
    editable: bool
    #: The link is a path on the machine running pip (``-e .``, ``./libs/x``), not a URL.
    local: bool
    #: ``--hash`` values as ``(hashlib name, hex)``, checked.
    hashes: tuple[tuple[str, str], ...]
    #: PEP 508 text (``name[extra]>=1; marker``, URL credentials removed) when the line has a name.
    pep508: str | None


@dataclass
class RequirementsFile:
    """One file of a requirements set and the requirements it declares."""

    path: str
    #: Read through ``-c``: its lines constrain versions and install nothing.
    constraints: bool
    requirements: list[Requirement] = field(default_factory=list)
    #: Some line uses ``--hash``, so pip runs in hash-checking mode and needs a hash on every line.
    hash_checking: bool = False


@dataclass
class RequirementsSet:
    """A requirements file and every file it includes, each read once, in pip's reading order."""

    path: str
    parts: list[RequirementsFile] = field(default_factory=list)
    kind = "requirements"

    @property
    def files(self) -> list[str]:
        """Every file read (the file itself first): what decides a result, for the cache key."""
        return [part.path for part in self.parts]

    def requirements(self) -> Iterator[tuple[RequirementsFile, Requirement]]:
        """What the set installs: every requirement of its non-constraints files, with its file."""
        for part in self.parts:
            if not part.constraints:
                for requirement in part.requirements:
                    yield part, requirement

    def fully_pinned(self) -> bool:
        """Every requirement the set installs names one exact version (or is the project itself):
        pip-compile's output, what an application deploys. A set with no requirement is not."""
        named = [r for _, r in self.requirements() if not r.local]
        return bool(named) and all(r.exact is not None and r.link is None for r in named)

    def pins(self) -> dict[str, Requirement]:
        """The exact pins of the constraints files, by canonical name (the first one wins)."""
        pins: dict[str, Requirement] = {}
        for part in self.parts:
            if part.constraints:
                for requirement in part.requirements:
                    if requirement.name and requirement.exact:
                        pins.setdefault(canonicalize_name(requirement.name), requirement)
        return pins


def read(repo: Tree, rel: str) -> RequirementsSet:
    """Read the requirements file ``rel`` and, recursively, the files it includes."""
    found = RequirementsSet(rel)
    _read(repo, rel, False, found, {rel})
    return found


def _read(repo: Tree, rel: str, constraints: bool, into: RequirementsSet, seen: set[str]) -> None:
    parsed = _parse(read_text(repo, rel, limit=MAX_REQUIREMENTS_BYTES, what="requirements file"), rel)
    if parsed.invalid_lines:
        first = parsed.invalid_lines[0]
        message = str(first.error_message).replace("pip_requirements_parser: error: ", "")
        raise DependencyFileError(rel, first.line_number, f"not a valid requirement: {message}")
    part = RequirementsFile(rel, constraints)
    part.requirements = [_requirement(rel, item) for item in parsed.requirements]
    part.hash_checking = any(r.hashes for r in part.requirements)
    into.parts.append(part)
    for option in parsed.options:
        for flag, key, nested_constraints in (("-r", "requirements", False), ("-c", "constraints", True)):
            for target in option.options.get(key) or []:
                included = _include(repo, rel, option.line_number, f"{flag} {target}", str(target))
                if included not in seen:
                    seen.add(included)
                    # pip's rule: a file named by -r holds requirements and one named by -c
                    # constraints, whatever kind of file names it.
                    _read(repo, included, nested_constraints, into, seen)


def _include(repo: Tree, base: str, line: int, what: str, target: str) -> str:
    """The root-relative path an include names, after checking it stays in the tree and exists."""
    if "://" in target:
        raise DependencyFileError(base, line, f"{what}: includes over the network are not followed")
    try:
        included = repo.join(base, target, what="include")
    except OutsideRepository as exc:
        raise DependencyFileError(base, line, f"{what}: outside the repository; includes must stay inside the tree "
                                              "being gated, and nothing was read from it") from exc
    try:
        real = repo.path(included, what="include")
    except OutsideRepository as exc:
        raise DependencyFileError(base, line, f"{what}: a symlink that leaves the repository; not read") from exc
    if not repo.is_file(included):
        raise DependencyFileError(base, line, f"{what}: {_not_a_file(repo, included, real)}")
    return included


def _not_a_file(repo: Tree, rel: str, real: Path) -> str:
    """Why the include ``rel`` (``real`` in the file system) is not read."""
    if not isinstance(repo, Repository):
        # A commit (--baseline-ref) holds files only: what is not one of its files is not there.
        return "no such file"
    # lexists and the repository's is_dir answer False for a name the system refuses (too long),
    # where Path.exists() would raise.
    if repo.is_dir(rel):
        return "a directory, not a requirements file"
    return "not a regular file (device, FIFO or socket); not read" if os.path.lexists(real) else "no such file"


def _parse(text: str, rel: str) -> ParsedFile:
    """pip-requirements-parser over ``text``; the library reads files by name only, so the text is
    handed to it in a private temporary file (UTF-8 with a BOM, which it decodes as such whatever
    the locale)."""
    with tempfile.TemporaryDirectory(prefix="gatecheck-requirements-") as scratch:
        copy = Path(scratch) / "requirements.txt"
        copy.write_bytes(("\ufeff" + text).encode("utf-8"))
        try:
            return ParsedFile.from_file(str(copy), include_nested=False)
        except Exception as exc:  # the parser raises pip's InstallationError family
            raise DependencyFileError(rel, None, f"cannot parse requirements file: {str(exc).replace(str(copy), rel)}") \
                from exc


def _requirement(rel: str, item: Any) -> Requirement:
    """One parsed line as a :class:`Requirement`, its hashes checked."""
    line = int(item.line_number)
    try:
        return _converted(rel, line, item)
    except ValueError as exc:  # packaging refuses a version it cannot represent (an integer of 5,000 digits)
        raise DependencyFileError(rel, line, f"unreadable requirement: {exc}") from exc


def _converted(rel: str, line: int, item: Any) -> Requirement:
    hashes = tuple(composite_digest(rel, line, value) for value in item.hash_options or [])
    link = str(item.link.url) if item.link is not None else None
    req = item.req
    pep508: str | None = None
    if req is not None:
        if req.url:
            req.url = without_credentials(req.url)
        pep508 = str(req)
    return Requirement(
        path=rel,
        line=line,
        text=scrub_url_credentials(item.dumps().strip()),
        name=item.name,
        specifier=item.specifier,
        exact=exact_pin(item.specifier),
        link=without_credentials(link) if link is not None else None,
        direct=bool(req is not None and req.url),
        editable=bool(item.is_editable),
        local=link is not None and not item.is_url,
        hashes=hashes,
        pep508=pep508,
    )
