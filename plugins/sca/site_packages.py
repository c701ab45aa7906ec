"""Where a virtual environment keeps its installed distributions (no pip-audit import: cheap to load)."""

from __future__ import annotations

from pathlib import Path


def find_site_packages(path: Path) -> list[Path]:
    """site-packages directories of a virtual environment, or ``path`` itself if it is one."""
    if any(path.glob("*.dist-info")):
        return [path]
    found = sorted(path.glob("lib/python3*/site-packages")) + sorted(path.glob("lib64/python3*/site-packages"))
    found += [p for p in [path / "Lib" / "site-packages"] if p.is_dir()]
    unique: list[Path] = []
    for p in found:
        if p.resolve() not in [u.resolve() for u in unique]:
            unique.append(p)
    return unique


def metadata_files(path: Path) -> list[Path]:
    """The ``METADATA`` file of every distribution installed under ``path`` (for the cache key)."""
    files: list[Path] = []
    for site in find_site_packages(path):
        files += sorted(site.glob("*.dist-info/METADATA"))
    return files
