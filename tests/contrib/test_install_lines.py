"""Every install instruction in the repository installs this project, never another one.

The distribution is `gatecheck-policy-gate`; on PyPI the name `gatecheck` is an unrelated project
that also installs a `gatecheck` command and import package. So a requirement that names
`gatecheck` (with or without extras, a version or a URL) anywhere in a doc, template, Action,
Dockerfile or hook would install that other project, and one that names `gatecheck-policy-gate`
without a URL would install whatever an index serves under that name: this project is installed
from its repository, a built wheel or the image. Every text file a user reads or runs is scanned:
install commands (pip, pip3, uv pip, uv add, uv tool, pipx, poetry add), the CI templates'
install variables and inputs, pre-commit's additional_dependencies, and requirement-shaped
mentions (`gatecheck[...]`, `gatecheck==...`) anywhere.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
OTHER_PROJECT = "gatecheck"
THIS_PROJECT = "gatecheck-policy-gate"

#: Where docs, templates and user-facing text live (tests/ holds fixtures, not instructions).
ROOTS = ("README.md", "NOTICE", "pyproject.toml", ".pre-commit-hooks.yaml", "docs", "contrib", ".ci", "examples",
         "core", "plugins", "conformance", "policies", "bench")
SUFFIXES = {".md", ".rst", ".txt", ".yml", ".yaml", ".toml", ".py", ".sh", ".cfg", ".ini", ".json", ".rego", ""}
SKIP_DIRS = {"__pycache__", "osv", ".gatecheck", "node_modules"}

INSTALL = re.compile(
    r"(?:\bpip3?(?:\.\d+)?|\buv\s+pip|\bpipx)\s+install\b(?P<pip>.*)"
    r"|\buv\s+(?:add|tool\s+install)\b(?P<uv>.*)"
    r"|\bpoetry\s+add\b(?P<poetry>.*)"
    r"|\bpipx\s+inject\s+\S+(?P<inject>.*)"
    r"|\bGATECHECK_INSTALL\s*[:=]\s*(?P<var>.*)",
)
#: A requirement naming the other project in passing: `gatecheck[kms]`, `gatecheck==0.1`, `gatecheck @ URL`.
MENTION = re.compile(r"(?<![\w./-])gatecheck\s*(?:\[[\w,\s-]*\]|(?:===|==|~=|!=|>=|<=)\s*\d|@\s*\S+://)", re.I)
#: Options of the install commands above that take a value which is not a requirement.
OPTIONS_WITH_VALUE = {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
                      "--extra-index-url", "-f", "--find-links", "--python", "-t", "--target", "--prefix", "--root",
                      "--platform", "--python-version", "--implementation", "--abi", "--src", "--upgrade-strategy",
                      "--config-settings", "-C", "--progress-bar", "--group", "--extra", "--with", "--from"}


def wrong_requirement(arg: str) -> str | None:
    """Why ``arg`` (one argument of an install command) would not install this project, or None."""
    arg = arg.strip().strip("\"'`,")
    if not arg or arg.startswith(("-", ".", "/", "~", "$", "<", "{")) or "://" in arg.split("@", 1)[0]:
        return None  # an option, a path, a variable, a placeholder or a plain URL
    if arg.endswith((".whl", ".tar.gz", ".zip")) or "/" in arg.split("[", 1)[0]:
        return None  # a wheel or an archive or a relative path
    try:
        req = Requirement(arg)
    except InvalidRequirement:
        return None
    name = canonicalize_name(req.name)
    if name == OTHER_PROJECT:
        return f"{arg!r} is the unrelated PyPI project {OTHER_PROJECT!r}"
    if name == THIS_PROJECT and not req.url:
        return f"{arg!r} asks an index for {THIS_PROJECT!r}; install it from the repository or a wheel (name @ URL)"
    return None


def install_arguments(rest: str) -> Iterator[str]:
    """The requirement arguments of one install command line (the text after `install`)."""
    rest = re.split(r"`|&&|\|\||;|\s#|\)\s*$", rest, maxsplit=1)[0]
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in OPTIONS_WITH_VALUE:
            skip = True
        elif not word.startswith("-"):
            yield word


def problems_in_text(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for m in INSTALL.finditer(line):
            rest = next(g for g in m.groups() if g is not None)
            if m.group("var") is not None:
                args: list[str] = [rest.split("#", 1)[0].strip().strip("\"'")]
            else:
                args = list(install_arguments(rest))
            found += [f"line {number}: {why}" for a in args if (why := wrong_requirement(a))]
        found += [f"line {number}: {m.group(0)!r} names the unrelated PyPI project {OTHER_PROJECT!r}"
                  for m in MENTION.finditer(line)]
    return found


def problems_in_yaml(text: str) -> list[str]:
    """Install values in structured YAML (pre-commit hooks, CI variables, Action inputs)."""
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if str(k) == "additional_dependencies" and isinstance(v, list):
                    found.extend(f"{k}: {why}" for item in v if (why := wrong_requirement(str(item))))
                elif str(k) == "GATECHECK_INSTALL" and isinstance(v, str | dict):
                    value = v.get("value", "") if isinstance(v, dict) else v
                    found.extend(f"{k}: {why}" for why in [wrong_requirement(str(value))] if why)
                elif str(k) == "install" and isinstance(v, dict) and "default" in v:
                    found.extend(f"install: {why}" for why in [wrong_requirement(str(v["default"]))] if why)
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    with contextlib.suppress(yaml.YAMLError):  # the line scan above still covers the file
        walk(yaml.safe_load(text))
    return found


def scanned_files() -> list[Path]:
    files = []
    for root in ROOTS:
        path = REPO / root
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for p in candidates:
            rel = p.relative_to(REPO)
            if SKIP_DIRS & set(rel.parts[:-1]) or p.suffix not in SUFFIXES:
                continue
            files.append(p)
    return files


def problems(path: Path) -> list[str]:
    text = path.read_text(errors="replace")
    found = problems_in_text(text)
    if path.suffix in (".yml", ".yaml"):
        found += problems_in_yaml(text)
    return found


FILES = scanned_files()


def test_the_scan_covers_every_template_and_doc() -> None:
    rel = {str(p.relative_to(REPO)) for p in FILES}
    expected = {"README.md", "docs/ci.md", "docs/checks/migrations.md", "docs/plugins.md", ".pre-commit-hooks.yaml",
                "contrib/docker/Dockerfile", "contrib/gitlab/gatecheck.gitlab-ci.yml", "contrib/github-action/action.yml",
                "contrib/github-action/example-workflow.yml", "pyproject.toml", ".ci/demo.sh", ".ci/test.sh"}
    assert expected <= rel, expected - rel


def test_no_install_line_resolves_to_another_project() -> None:
    found = {str(p.relative_to(REPO)): lines for p in FILES if (lines := problems(p))}
    assert found == {}


BAD = [
    "pip install gatecheck",
    "python -m pip install --disable-pip-version-check 'gatecheck[migrations]'",
    "`pip install 'gatecheck[migrations]'`",
    'RUN pip install --no-cache-dir "GateCheck>=0.1"',
    "uv pip install -U gatecheck==0.1.1",
    "pipx install gatecheck",
    "uv tool install gatecheck",
    "poetry add gatecheck",
    "uv add 'gatecheck[all]'",
    'GATECHECK_INSTALL: "gatecheck"',
    "  GATECHECK_INSTALL: gatecheck[all]   # comment",
    "export GATECHECK_INSTALL=gatecheck",
    "install `gatecheck[kms]` for the KMS signers",
    "pip install 'gatecheck @ git+https://example.com/gatecheck.git'",
    "pip install gatecheck-policy-gate",
    "pip install -r requirements.txt gatecheck-policy-gate[all]",
]
GOOD = [
    "pip install .",
    "pip install '.[all]'",
    "pip install -e '.[test]'",
    'pip install ".${EXTRAS}"',
    "python -m pip install --disable-pip-version-check \"${INSTALL:-$GITHUB_ACTION_PATH/../..}\"",
    "pip install 'gatecheck-policy-gate[all] @ git+https://github.com/<owner>/gatecheck@<commit>'",
    "pip install dist/gatecheck_policy_gate-0.1.0-py3-none-any.whl",
    "pip install build pglast==8.8 detect-secrets",
    'GATECHECK_INSTALL: ""',
    "GATECHECK_INSTALL: \"gatecheck-policy-gate @ git+https://gitlab.example.com/tools/gatecheck.git@abc\"",
    "gatecheck run . -f sarif:out.sarif   # the command keeps its name",
    "import gatecheck_plugins[0]",
]


@pytest.mark.parametrize("line", BAD)
def test_the_scan_catches_an_install_of_the_wrong_project(line: str) -> None:
    assert problems_in_text(line), line


@pytest.mark.parametrize("line", GOOD)
def test_the_scan_accepts_installs_of_this_project(line: str) -> None:
    assert problems_in_text(line) == []


def test_the_scan_catches_the_old_gitlab_default_and_a_hook_dependency() -> None:
    """The template as it was before the rename, and a pre-commit hook depending on the other project."""
    template = (REPO / "contrib" / "gitlab" / "gatecheck.gitlab-ci.yml").read_text()
    old = re.sub(r'GATECHECK_INSTALL: ""', 'GATECHECK_INSTALL: "gatecheck"', template)
    assert old != template and problems_in_text(old) and problems_in_yaml(old)
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hooks[0]["additional_dependencies"] = ["gatecheck[migrations]"]
    assert problems_in_yaml(yaml.safe_dump(hooks))
