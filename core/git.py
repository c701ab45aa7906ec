"""Running git on a repository that may be hostile.

The repository under judgement can carry its own ``.git/config`` (a tarball of a checkout,
a runner that reuses work trees), and git runs programs named there: a ``core.fsmonitor``
hook on every ``ls-files``, ``filter.<driver>.clean`` on ``status``, ``diff.<driver>.textconv``
on ``log -p``. Every git command gatecheck runs goes through :func:`command`, which

- ignores the system configuration (``GIT_CONFIG_NOSYSTEM``) and never prompts;
- overrides, on the command line (which git reads last), every key of the repository's own
  configuration that names a program, so none of them runs;
- forbids every transport protocol, so no git command gatecheck runs can reach the network.

The operator's global configuration (``~/.gitconfig``) is theirs and stays in force.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from gatecheck.redact import is_secret_env_name, scrub_url_credentials

#: Keys that make git run a program, as regular expressions over lower-cased config names,
#: with the value that switches each off.
_PROGRAM_KEYS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"core\.fsmonitor"), "false"),
    (re.compile(r"core\.hookspath"), os.devnull),
    (re.compile(r"core\.(sshcommand|gitproxy|askpass|editor|pager|alternaterefscommand)"), ""),
    (re.compile(r"(sequence\.editor|credential\.helper|credential\..*\.helper|diff\.guitool|merge\.tool)"), ""),
    (re.compile(r"filter\..*\.(clean|smudge|process)"), ""),
    (re.compile(r"filter\..*\.required"), "false"),
    # textconv to `cat` shows the bytes as they are; an external diff becomes `false`, so a
    # command that would have used one fails loudly instead of printing nothing.
    (re.compile(r"diff\..*\.textconv"), "cat"),
    (re.compile(r"(diff\.external|diff\..*\.command|merge\..*\.(driver|cmd))"), "false"),
    (re.compile(r"gpg\.(.*\.)?program"), ""),
    (re.compile(r"(uploadpack\.packobjectshook|remote\..*\.(uploadpack|receivepack)|core\.worktree)"), ""),
)
#: Always on the command line, whatever the repository says.
_FIXED = (
    "core.fsmonitor=false", f"core.hooksPath={os.devnull}", "core.pager=cat", "core.quotepath=off",
    "protocol.allow=never", "credential.helper=",
)
GIT_TIMEOUT = 60.0


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment git runs with: the caller's, without git's own redirections, never prompting."""
    env = {n: v for n, v in (os.environ if base is None else base).items() if not is_secret_env_name(n)}
    for name in [n for n in env if n.startswith("GIT_") and n not in ("GIT_CONFIG_GLOBAL",)]:
        del env[name]  # GIT_DIR, GIT_WORK_TREE, GIT_CONFIG_COUNT... would point git elsewhere
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
                "GIT_ALLOW_PROTOCOL": "", "GIT_PROTOCOL_FROM_USER": "0", "GIT_NO_REPLACE_OBJECTS": "1"})
    return env


@functools.lru_cache(maxsize=64)
def _overrides(root: str, config_stamp: tuple[int, int]) -> tuple[str, ...]:
    """``-c key=value`` pairs that switch off every program the repository's configuration names."""
    del config_stamp  # part of the cache key only: a changed .git/config is read again
    try:
        done = subprocess.run(
            ["git", *_fixed_args(), "config", "--local", "--includes", "--list", "-z"],
            cwd=root, env=environment(), capture_output=True, timeout=GIT_TIMEOUT, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    pairs: list[str] = []
    for entry in done.stdout.split(b"\0"):
        key = entry.split(b"\n", 1)[0].decode("utf-8", "replace").strip().lower()
        for pattern, value in _PROGRAM_KEYS:
            if key and pattern.fullmatch(key):
                pairs += ["-c", f"{key}={value}"]
                break
    return tuple(pairs)


def _fixed_args() -> list[str]:
    args: list[str] = []
    for pair in _FIXED:
        args += ["-c", pair]
    return args


def _config_stamp(root: Path) -> tuple[int, int]:
    try:
        st = (root / ".git" / "config").stat()
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return (0, 0)


def argv(root: Path, args: Sequence[str]) -> list[str]:
    """The full, hardened command line for ``git ARGS`` run in ``root``."""
    return ["git", *_fixed_args(), *_overrides(str(root), _config_stamp(root)), *args]


def run(root: Path, *args: str, input: bytes | None = None, timeout: float = GIT_TIMEOUT) -> subprocess.CompletedProcess[bytes]:
    """Run a hardened ``git ARGS`` in ``root``; a missing git binary is a returncode of 127."""
    try:
        return subprocess.run(argv(root, args), cwd=root, env=environment(), input=input, capture_output=True,
                              timeout=timeout, check=False)
    except FileNotFoundError:
        return subprocess.CompletedProcess(["git", *args], 127, b"", b"git: not found on PATH")
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(["git", *args], 124, b"", f"git timed out after {exc.timeout:g}s".encode())


def output(root: Path, *args: str) -> str | None:
    """Standard output of a hardened ``git ARGS`` as stripped text, or None when it failed."""
    done = run(root, *args)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").strip()


def toplevel(root: Path) -> Path | None:
    """The top of the git work tree that contains ``root``, or None outside one."""
    top = output(root, "rev-parse", "--show-toplevel")
    return Path(top) if top else None


def remote_url(root: Path, name: str = "origin") -> str | None:
    """The remote's URL with any credentials in it masked (it is stored and printed)."""
    url = output(root, "config", "--get", f"remote.{name}.url")
    return scrub_url_credentials(url) if url else None
