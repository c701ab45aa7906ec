"""The dependency inventory: how gatecheck finds, reads and parses Python dependency files.

This is a library, not a plugin. The ``sca`` check (known vulnerabilities) and the ``sbom``
check (the bill of materials) both read dependency files through it, so the rules that keep a
hostile tree from steering them exist once:

- **finding** (:mod:`.files`): dependency files are picked from the repository view's listing
  only, never from the file system directly, so a symlink out of the tree or a FIFO is never a
  candidate (the gate reports those as ``gatecheck/unsafe-path``);
- **reading**: every byte comes through :class:`gatecheck.api.Repository`: confined to
  the tree, regular files only, with a size limit. Nothing else opens a path of the tree,
  not even the parsing libraries;
- **includes** (:mod:`.requirements`): ``-r`` and ``-c`` are resolved with
  :meth:`Repository.join`; one that leaves the tree (``-r /proc/self/environ``,
  ``-r ../../x``, an included symlink out of it) is bad input naming the including file and
  line, and nothing is read from it;
- **parsing**, once per format: pip requirements files (pip-requirements-parser), PEP 751
  ``pylock.toml``, ``uv.lock`` and ``poetry.lock`` (:mod:`.locks`), ``pyproject.toml``
  (:mod:`.pyproject`), ``setup.cfg`` (:mod:`.setupcfg`), installed environments
  (:mod:`.environment`). A malformed file is a :class:`~.model.DependencyFileError` (bad input,
  exit 2) whose message starts ``file:line:``. Text that leaves the inventory never carries a
  URL's password;
- **the project's shape** (:mod:`.shape`): an application (deployed as exact versions) or a
  library (declares ranges), which decides what a range means;
- **a commit** (:class:`gatecheck.api.GitTree`): the same readers over the files of a git commit, for
  ``--baseline-ref``.

What the parsed files *mean* (which pins can be audited, what counts as pinned in an SBOM) is
decided by each check. Example::

    from gatecheck_plugins import dependencies

    for rel in dependencies.select(ctx.scan_files(), None):
        parsed = dependencies.read(ctx.repo, rel)
        if isinstance(parsed, dependencies.RequirementsSet):
            for file, requirement in parsed.requirements():
                ...
"""

from __future__ import annotations

from gatecheck.api import GitTree, GitTreeError

from . import locks, pyproject, requirements, setupcfg
from .environment import CURRENT, Environment, Installed, open_environment
from .files import (
    LOCK_KINDS,
    PACKAGE_KINDS,
    POETRY_LOCK,
    PYLOCK,
    PYPROJECT,
    REQUIREMENTS,
    SETUP_CFG,
    UV_LOCK,
    Tree,
    is_dependency_file,
    is_glob,
    kind_of,
    matches,
    select,
)
from .locks import LockFile
from .model import Artifact, DependencyFileError, PackageRecord, Project, checked_url, without_credentials
from .pyproject import Declared, PyProject
from .requirements import Requirement, RequirementsFile, RequirementsSet
from .setupcfg import SetupCfg
from .shape import APPLICATION, LIBRARY, SHAPES, Shape

#: What :func:`read` returns for each kind of dependency file.
Parsed = RequirementsSet | LockFile | PyProject

__all__ = [
    "APPLICATION", "CURRENT", "LIBRARY", "LOCK_KINDS", "PACKAGE_KINDS", "POETRY_LOCK", "PYLOCK", "PYPROJECT",
    "REQUIREMENTS", "SETUP_CFG", "SHAPES", "UV_LOCK",
    "Artifact", "Declared", "DependencyFileError", "Environment", "GitTree", "GitTreeError", "Installed", "LockFile",
    "PackageRecord", "Parsed", "Project", "PyProject", "Requirement", "RequirementsFile", "RequirementsSet", "SetupCfg",
    "Shape", "Tree",
    "checked_url", "files_read", "is_dependency_file", "is_glob", "kind_of", "matches", "open_environment", "read", "select",
    "without_credentials",
]


def read(repo: Tree, rel: str) -> Parsed:
    """Read and parse the dependency file ``rel`` (and, for a requirements file, its includes)."""
    kind = kind_of(rel)
    if kind == REQUIREMENTS:
        return requirements.read(repo, rel)
    if kind == PYPROJECT:
        return pyproject.read(repo, rel, default_name=repo.root.name)
    if kind == SETUP_CFG:
        return setupcfg.read(repo, rel, default_name=repo.root.name)
    if kind in LOCK_KINDS:
        return locks.read(repo, rel, kind)
    raise DependencyFileError(rel, None, "not a dependency file gatecheck can read (requirements *.txt, pylock.toml, "
                                         "uv.lock, poetry.lock, pyproject.toml, setup.cfg)")


def files_read(repo: Tree, rels: list[str]) -> list[str]:
    """Every file reading ``rels`` reads (includes of requirements files too), each once: what
    decides a check's result, for its cache key."""
    found: dict[str, None] = {}
    for rel in rels:
        included = requirements.read(repo, rel).files if kind_of(rel) == REQUIREMENTS else [rel]
        found.update(dict.fromkeys(included))
    return list(found)
