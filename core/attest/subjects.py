"""Subjects: turn what a user names on the command line into an in-toto subject with a DigestSet.

Three forms are accepted, by both ``gatecheck run --subject`` and ``gatecheck verify``:

``PATH`` to a file
    ``{"sha256": sha256 of the file's bytes}``.
``PATH`` to a directory
    ``{"dirHash": ...}``, in-toto's directory digest (the Go module "h1" dirhash in hex):
    list every *regular* file under the directory (symbolic links, empty directories and
    other special files are not included), take each file's path relative to the directory
    with ``/`` separators, sort the paths by their UTF-8 bytes, write one line
    ``"<sha256 hex of the file>  <path>\\n"`` per file, and take the sha256 of those lines.
    It equals ``find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum | sha256sum``
    run inside the directory. A file name containing a newline cannot be listed this way
    and is refused.
``NAME@sha256:HEX`` (an OCI image by digest) or ``sha256:HEX``
    ``{"sha256": HEX}``; nothing is fetched, the digest is taken as given.

The ``resourceUri`` a VSA carries is absolute, as SLSA and RFC 3986 want: an image's purl
(``pkg:oci/app@sha256:HEX?repository_url=registry.example.com/team/app``, purl's ``oci``
type), an RFC 8089 ``file:///`` URI of the resolved absolute path for a file or a directory,
and ``urn:sha256:HEX`` for a bare digest.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from gatecheck.attest.statement import Subject
from gatecheck.digests import file_sha256, prefixed, sha256_hex
from gatecheck.errors import BadInput

_DIGEST = re.compile(r"sha256:([0-9a-fA-F]{64})")
_OCI = re.compile(r"(?P<name>[^@\s]+)@sha256:(?P<hex>[0-9a-fA-F]{64})")


@dataclass(frozen=True)
class ResolvedSubject:
    """A subject and the ``resourceUri`` a VSA about it carries."""

    subject: Subject
    resource_uri: str


def dir_hash(root: Path) -> str:
    """in-toto ``dirHash`` of a directory tree (see the module docstring for the exact rule)."""
    entries: list[tuple[bytes, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in filenames:
            full = Path(dirpath, name)
            if not stat.S_ISREG(full.lstat().st_mode):
                continue  # symlinks, sockets, fifos: `find -type f` skips them too
            rel = full.relative_to(root).as_posix()
            if "\n" in rel:
                raise BadInput("a file name contains a newline; the directory digest cannot list it", path=full)
            entries.append((os.fsencode(rel), full))
    entries.sort(key=lambda e: e[0])
    return sha256_hex(b"".join(file_sha256(full).encode("ascii") + b"  " + rel_bytes + b"\n" for rel_bytes, full in entries))


def resolve(spec: str, *, base: Path | None = None) -> ResolvedSubject:
    """Resolve ``PATH``, ``sha256:HEX`` or ``NAME@sha256:HEX`` to a subject; BadInput when unreadable."""
    m = _DIGEST.fullmatch(spec)
    if m:
        hexval = m.group(1).lower()
        return ResolvedSubject(Subject(prefixed(hexval), {"sha256": hexval}), f"urn:{prefixed(hexval)}")
    m = _OCI.fullmatch(spec)
    if m and not Path(spec).exists():
        hexval = m.group("hex").lower()
        name = m.group("name")
        return ResolvedSubject(Subject(name, {"sha256": hexval}), image_purl(name, hexval))
    path = Path(spec)
    if base is not None and not path.is_absolute():
        path = base / path
    try:
        if path.is_dir():
            digest = {"dirHash": dir_hash(path)}
        elif path.is_file():
            digest = {"sha256": file_sha256(path)}
        else:
            raise BadInput("subject not found: not a file, a directory, sha256:HEX or NAME@sha256:HEX", path=spec)
    except OSError as exc:
        raise BadInput(f"cannot read subject: {exc.strerror or exc}", path=spec) from None
    name = Path(spec).as_posix()
    return ResolvedSubject(Subject(name, digest), path.resolve().as_uri())


def image_purl(name: str, hexval: str) -> str:
    """The purl of the image ``NAME@sha256:HEX``: type ``oci``, the last path segment as its name, the
    repository (without a tag) as ``repository_url`` and a tag, when the name has one, as ``tag``."""
    from packageurl import PackageURL  # here: only images need it, and verify starts faster without

    repository, tag = name, None
    head, colon, last = name.rpartition(":")
    if colon and "/" not in last:  # a colon after the last slash starts a tag; one before it is a registry port
        repository, tag = head, last
    qualifiers = {"repository_url": repository, **({"tag": tag} if tag else {})}
    purl: str = PackageURL(type="oci", name=repository.rsplit("/", 1)[-1].lower(), version=prefixed(hexval),
                           qualifiers=qualifiers).to_string()
    return purl
