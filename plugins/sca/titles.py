"""A title that says what the vulnerability is, not what the package is.

Many advisories (most ``PYSEC`` records, which are written from CVE descriptions) have no
``summary`` and open their ``details`` with the package's own description: "aiohttp is an
asynchronous HTTP client/server framework for asyncio and Python. In aiohttp before 3.7.4 there is
an open redirect vulnerability." The first sentence is the same in every advisory of the package
and says nothing about the flaw. The title is the first of these that describes the vulnerability:

1. the record's own ``summary``;
2. the ``summary`` of an alias's record in the database (GitHub's advisories have specific ones:
   "aiohttp Open Redirect vulnerability (normalize_path_middleware middleware)");
3. the first sentence of ``details`` that is not a description of the package.

A sentence *describes the package* when it equals the package's own summary (when it is known),
or opens the details of two or more records of the same package (boilerplate such as "An issue was
discovered in Pillow before 8.2.0."), or opens with the package's name followed by "is a/an/the",
"provides", "allows you" and so on and carries none of the words advisories use for flaws
("vulnerab", "attack", "before", "allows attackers" ...). When every sentence is one of those, the
first that names a flaw is the title after all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from packaging.utils import canonicalize_name

#: Words of a flaw: a sentence that carries one is about the vulnerability, whatever it opens with.
_FLAW = re.compile(
    r"vulnerab|attack|exploit|malicious|crafted|bypass|inject|travers|overflow|denial|\bdos\b|redos|leak|"
    r"disclos|exposure|exposes? (?:sensitive|private|secret|credential|information|data)|crash|xss|csrf|ssrf|"
    r"smuggl|spoof|forg|\bbefore\b|\bprior to\b|\bfixed\b|\bpatch|"
    r"affected|\bflaw|\bissue\b|\bbug\b|cve-|ghsa-|insecure|unsafe|arbitrary|untrusted|privilege|"
    r"improper|incorrect|missing|fails? to|does not|doesn't|may allow|could allow|allows? (?:an? )?(?:remote )?attack",
    re.IGNORECASE,
)
#: What a description of a package says after its name.
_DESCRIBES = re.compile(
    r"\s*(?:\([^)]*\)\s*)?(?:,[^,]*,\s*)?(?:is|are|was|provides|offers|implements|allows you|lets you|"
    r"helps|enables|makes|adds|supports|-|\u2013|\u2014|:)\b",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s.*$", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(\[*_])")
TITLE_LIMIT = 200


def plain(markdown: str) -> str:
    """Markdown details as one line of prose: headings dropped, links reduced to their text."""
    text = _HEADING.sub(" ", markdown)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = text.replace("**", "").replace("__", "")
    return " ".join(text.split())


def sentences(markdown: str) -> list[str]:
    """The sentences of a record's details, in order."""
    text = plain(markdown)
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()] if text else []


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def describes_package(sentence: str, package: str, *, package_summary: str | None = None,
                      boilerplate: Iterable[str] = ()) -> bool:
    """Whether ``sentence`` describes the package ``package`` rather than a vulnerability in it."""
    key = _key(sentence)
    if not key:
        return True
    if package_summary and key == _key(package_summary):
        return True
    if key in {_key(b) for b in boilerplate}:
        return True  # repeated at the top of several records: says nothing about this one
    if _FLAW.search(sentence):
        return False
    words = _key(sentence).split()
    spellings = {canonicalize_name(package), canonicalize_name(package).replace("-", "")}
    for skip in (0, 1):  # "The Foo library is ...", "python-foo is ..."
        for length in (1, 2, 3):
            head = words[skip:skip + length]
            if not head:
                continue
            name = canonicalize_name("-".join(head))
            if name in spellings or name.removeprefix("python-") in spellings or name.removeprefix("py") in spellings:
                rest = sentence.split(None, skip + length)[-1] if len(sentence.split()) > skip + length else ""
                rest = rest.removeprefix("library").removeprefix("package").strip()
                if _DESCRIBES.match(" " + rest) or rest.lower().startswith(("is ", "are ", "provides ")):
                    return True
    return False


def boilerplate_openings(details: Sequence[str]) -> set[str]:
    """First sentences that open the details of two or more records of one package."""
    counts = Counter(_key(found[0]) for found in (sentences(d) for d in details) if found)
    return {key for key, n in counts.items() if n >= 2}


def shorten(text: str, limit: int = TITLE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def advisory_title(package: str, *, summary: str, details: str, alias_summaries: Sequence[str] = (),
                   package_summary: str | None = None, boilerplate: Iterable[str] = ()) -> str:
    """The best one-line description of the vulnerability (see the module docstring); empty when the
    record says nothing but what the package is."""
    common = set(boilerplate)
    for candidate in (summary, *alias_summaries):
        line = " ".join(candidate.split()) if candidate else ""
        if line and line != "N/A" and not describes_package(line, package, package_summary=package_summary,
                                                             boilerplate=common):
            return shorten(line)
    found = sentences(details)
    for sentence in found:
        if not describes_package(sentence, package, package_summary=package_summary, boilerplate=common):
            return shorten(sentence)
    return next((shorten(s) for s in found if _FLAW.search(s)), "")
