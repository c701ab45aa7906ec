"""What kind of code a finding sits in: source, test, documentation, example or generated.

A finding is judged where it is: ``pickle.loads`` in a test's round-trip is not the risk it is in
a request handler, and a vulnerable pin in ``docs/requirements.txt`` does not ship. The gate
classifies every finding's ``location.kind`` from its repository-relative path with glob patterns
(``**`` spans directories); the default policy reports findings outside source code without
denying on them, except secrets, which deny wherever they are.

Patterns are configurable per kind in ``[locations]`` (a kind's list replaces its defaults);
the first kind whose patterns match wins, in the order generated, test, example, docs.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence

from gatecheck.model import CheckResult

KINDS = ("source", "test", "docs", "example", "generated")
#: The order kinds are tried in: generated code is generated wherever it lies, a test of an
#: example is a test, and an example in the documentation tree is an example.
PRECEDENCE = ("generated", "test", "example", "docs")

DEFAULT_PATTERNS: dict[str, tuple[str, ...]] = {
    "generated": (
        "**/*_pb2.py", "**/*_pb2_grpc.py", "**/*_pb2.pyi", "**/*.min.js", "**/*.min.css",
        "build/**", "dist/**", "**/__generated__/**", "**/generated/**",
    ),
    "test": (
        "tests/**", "test/**", "testing/**", "**/tests/**", "**/test/**", "**/testing/**",
        # A top-level t/ is the test tree of celery, kombu and billiard (t/unit, t/integration).
        "t/**",
        "**/test_*.py", "**/*_test.py", "**/*_tests.py", "**/conftest.py", "**/testdata/**", "**/fixtures/**",
        # A Django app's tests module (startapp writes one): django-allauth's providers/*/tests.py.
        "**/tests.py",
        # Test-support packages inside the source tree (pretix's src/pretix/testutils/settings.py).
        "**/testutils/**", "**/test_utils/**",
        # Requirements of development and test tooling: not what the project ships or deploys.
        "**/requirements/dev*.txt", "**/requirements/test*.txt", "**/requirements/lint*.txt",
        "**/requirements/typing*.txt", "**/requirements-dev*.txt", "**/requirements-test*.txt",
        "**/requirements_dev*.txt", "**/requirements_test*.txt", "**/dev-requirements*.txt", "**/test-requirements*.txt",
    ),
    "example": (
        "examples/**", "example/**", "samples/**", "sample/**", "demo/**", "demos/**",
        "**/examples/**", "**/example/**", "**/samples/**",
        # What `django-admin startproject --template` / `wagtail start` copy into a new project: a
        # starting point with development settings and its own requirements, not the package's code.
        "**/project_template/**", "**/app_template/**",
    ),
    "docs": (
        "docs/**", "doc/**", "**/docs/**", "**/*.md", "**/*.rst", "**/*.adoc",
        # The code the documentation includes (FastAPI, Typer, SQLModel: docs_src/security/tutorial004.py).
        "docs_src/**", "**/docs_src/**",
        "**/requirements/doc*.txt", "**/requirements-doc*.txt", "**/doc-requirements*.txt", "**/docs-requirements*.txt",
    ),
}


def glob_regex(pattern: str) -> str:
    """A glob as a regular expression over a whole root-relative path: ``**`` spans directories
    (``**/x`` also matches a top-level ``x``), ``*`` and ``?`` stay within one, ``[...]`` is a set.

    Written here rather than taken from wcmatch because the translated alternation of a few
    dozen wcmatch patterns cost ~50 us a path, and a run classifies every finding's path.
    """
    segments = pattern.split("/")
    out: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        out.append(fnmatch.translate(segment).removeprefix("(?s:").removesuffix(")\\Z").replace(".*", "[^/]*")
                   .replace("(?s:", "(?:"))
        if not last:
            out.append("/")
    return "".join(out)


_LITERAL = re.compile(r"[^*?\[\]]+")


class _KindMatcher:
    """The patterns of one kind, sorted by shape so that most paths are judged by set lookups:
    ``NAME/**`` (a top directory), ``**/NAME/**`` (a directory anywhere), ``**/GLOB`` (a file
    name), and anything else as a whole-path regular expression."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.top: set[str] = set()
        self.anywhere: set[str] = set()
        names: list[str] = []
        paths: list[str] = []
        for pattern in patterns:
            parts = pattern.split("/")
            if len(parts) == 2 and parts[1] == "**" and _LITERAL.fullmatch(parts[0]):
                self.top.add(parts[0])
            elif len(parts) == 3 and parts[0] == parts[2] == "**" and _LITERAL.fullmatch(parts[1]):
                self.anywhere.add(parts[1])
            elif len(parts) == 2 and parts[0] == "**" and parts[1] != "**":
                names.append(glob_regex(parts[1]))
            else:
                paths.append(glob_regex(pattern))
        self.name = re.compile("|".join(names)) if names else None
        self.path = re.compile("|".join(f"(?:{p})" for p in paths)) if paths else None

    def matches(self, path: str, dirs: list[str], name: str) -> bool:
        if dirs and (dirs[0] in self.top or not self.anywhere.isdisjoint(dirs)):
            return True
        if self.name is not None and self.name.fullmatch(name):
            return True
        return self.path is not None and self.path.fullmatch(path) is not None


class LocationKinds:
    """Classifies repository-relative paths by the configured (or default) patterns."""

    def __init__(self, configured: Mapping[str, Sequence[str]] | None = None) -> None:
        chosen = {kind: tuple(patterns) for kind, patterns in DEFAULT_PATTERNS.items()}
        for kind, patterns in (configured or {}).items():
            chosen[kind] = tuple(patterns)
        self.patterns = chosen
        self._matchers = [(kind, _KindMatcher(chosen[kind])) for kind in PRECEDENCE]
        self._known: dict[str, str] = {}

    def kind_of(self, path: str) -> str:
        """``source``, ``test``, ``docs``, ``example`` or ``generated`` for a root-relative POSIX path."""
        known = self._known.get(path)
        if known is not None:
            return known
        *dirs, name = path.split("/")
        kind = next((k for k, matcher in self._matchers if matcher.matches(path, dirs, name)), "source")
        self._known[path] = kind
        return kind

    def classify(self, results: Iterable[CheckResult]) -> None:
        """Set ``location.kind`` on every finding that has a location, in place."""
        for result in results:
            for finding in result.findings:
                if finding.location is not None and finding.location.path:
                    finding.location.kind = self.kind_of(finding.location.path)
