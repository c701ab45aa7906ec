"""The one scrubber for everything that leaves the process.

Findings, messages, reports, the policy input, logs, the cache, attestations and the store
all pass through a :class:`Redactor` before they are written anywhere. It removes three
kinds of secret:

- **credentials in URLs**: ``https://user:PASSWORD@host`` becomes ``https://user:****@host``,
  and a long user part that is itself a token (``https://ghp_...@github.com``) becomes ``****``;
- **secret-bearing environment values**: the value of every environment variable whose name
  says it holds a secret (``*_TOKEN``, ``*_SECRET``, ``*PASSWORD*``, ``*_KEY`` ...), wherever it
  appears, becomes ``[REDACTED:$NAME]``;
- **values a check registered**: the secrets check hands every credential it matched to
  :meth:`Redactor.add`, so the same value in another check's output (a semgrep message
  that quotes the line, a SARIF snippet) is masked too.

Scrubbing is idempotent and cheap when there is nothing to find: most strings are rejected
by a substring test before any regular expression runs.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from typing import Any

from gatecheck.model import CheckResult, Finding

#: Placeholder for a password in a URL.
MASK = "****"
#: Values shorter than this are never registered: masking "true" or "1" everywhere would
#: destroy reports while protecting nothing.
MIN_VALUE_LENGTH = 8

# Names of environment variables that carry secrets by convention (CI systems, clouds,
# package registries). Matched against whole underscore-separated words.
_SECRET_WORDS = (
    "TOKEN", "SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASSPHRASE", "PASS", "PWD", "KEY", "APIKEY", "PRIVATE",
    "CREDENTIAL", "CREDENTIALS", "CREDS", "AUTH", "COOKIE", "SESSION", "JWT", "DSN", "SIGNATURE", "CERT", "WEBHOOK",
)
_SECRET_NAME = re.compile(r"(?:^|_)(?:" + "|".join(_SECRET_WORDS) + r")(?:_|$)|(?:^|_)DATABASE_URL$|CONNECTION_STRING")
#: Conventional names that match the pattern but hold nothing secret.
_NOT_SECRET = frozenset({"PWD", "OLDPWD", "SSH_AUTH_SOCK", "GPG_AGENT_INFO", "XAUTHORITY", "KEYTIMEOUT", "PASSWORD_STORE_DIR"})

# scheme://userinfo@ where userinfo has no '/', '@' or white space. The user part of a
# user-only form is masked when it is long enough to be a token rather than a login name.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]{0,30}://)(?P<user>[^/\s@:?#\"'<>]*)(?::(?P<password>[^/\s@\"'<>]*))?@")
_TOKEN_USER_LENGTH = 20


def is_secret_env_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret (``GITHUB_TOKEN``, ``AWS_SECRET_ACCESS_KEY``)."""
    upper = name.upper()
    return upper not in _NOT_SECRET and _SECRET_NAME.search(upper) is not None


def scrub_url_credentials(text: str) -> str:
    """``text`` with the passwords (and token-like user names) of every URL replaced by ``****``."""
    if "://" not in text or "@" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        user = match.group("user") or ""
        password = match.group("password")
        if password is not None:
            return f"{match.group('scheme')}{user}:{MASK}@" if password else match.group(0)
        if len(user) >= _TOKEN_USER_LENGTH:
            return f"{match.group('scheme')}{MASK}@"
        return match.group(0)

    return _URL_USERINFO.sub(replace, text)


class Redactor:
    """Masks URL credentials, secret environment values and registered values in text and JSON data."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self._shortest = 0
        env = os.environ if environ is None else environ
        for name, value in env.items():
            if is_secret_env_name(name):
                self.add(value, f"${name}")

    def add(self, value: str | bytes, label: str = "secret") -> None:
        """Mask ``value`` wherever it appears from now on (values shorter than 8 characters are ignored)."""
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        value = value.strip()
        candidates = [value] + ([line.strip() for line in value.splitlines() if line.strip()] if "\n" in value else [])
        with self._lock:
            for item in candidates:
                if len(item) >= MIN_VALUE_LENGTH and item not in self._values:
                    self._values[item] = label
                    self._pattern = None

    def _compiled(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._values:
                # Longest first, so a value that contains another is masked whole.
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
                self._shortest = len(ordered[-1])
            return self._pattern

    def text(self, text: str) -> str:
        """``text`` with every secret masked."""
        if not text or not isinstance(text, str):
            # A check's result is validated after scrubbing (runner._sealed): a field of the wrong
            # type is reported there, not a crash here.
            return text
        out = scrub_url_credentials(text)
        pattern = self._compiled()
        if pattern is not None and len(out) >= self._shortest:
            out = pattern.sub(lambda m: f"[REDACTED:{self._values.get(m.group(0), 'secret')}]", out)
        return out

    def data(self, value: Any) -> Any:
        """JSON data with every string (keys included) scrubbed; unchanged containers are returned as they are."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            items = [self.data(v) for v in value]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        if isinstance(value, dict):
            pairs = [(self.text(k) if isinstance(k, str) else k, self.data(v)) for k, v in value.items()]
            changed = any(k2 is not k or v2 is not v for (k2, v2), (k, v) in zip(pairs, value.items(), strict=True))
            return dict(pairs) if changed else value
        return value

    def finding(self, finding: Finding) -> None:
        """Scrub a finding's free-text fields in place (ids, rule ids and digests are never secret)."""
        finding.title = self.text(finding.title)
        finding.metadata = self.data(finding.metadata)
        finding.references = self.data(finding.references)
        if finding.location is not None:
            finding.location.path = self.text(finding.location.path)
        if finding.package is not None:
            finding.package.name = self.text(finding.package.name)
            if finding.package.version:
                finding.package.version = self.text(finding.package.version)
            if finding.package.purl:
                finding.package.purl = self.text(finding.package.purl)

    def result(self, result: CheckResult) -> CheckResult:
        """Scrub a check result in place, findings, summary, error and artifacts included; returns it."""
        if result.error:
            result.error = self.text(result.error)
        result.summary = self.data(result.summary)
        for finding in result.findings:
            self.finding(finding)
        for artifact in result.artifacts:
            artifact.content = self.data(artifact.content)
        for item in result.inputs:
            item.path = self.text(item.path)
        return result


_default: Redactor | None = None
_default_lock = threading.Lock()


def default() -> Redactor:
    """The process-wide redactor (environment values read once, on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Redactor()
        return _default


def scrub(text: str) -> str:
    """Scrub ``text`` with the process-wide redactor: the one call for messages and logs."""
    return default().text(text)
