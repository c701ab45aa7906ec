"""Escaping untrusted text for each report format.

File names, finding titles, messages and tool output come from the tree under judgement (its file
names, its code, other tools' SARIF). Printed raw they could break a report or forge content in it:
a newline ends a Markdown table row and starts a heading of the attacker's choice in a pull-request
comment, ``|`` adds a column, a backtick closes a code span, ``<img>`` or ``[x](url)`` renders, and a
control character makes a JUnit file invalid XML that a CI server refuses to read. Every renderer
puts untrusted text through one of these functions (the terminal's is :func:`gatecheck.reports.text.visible`).
"""

from __future__ import annotations

import html
import re

from gatecheck.reports.text import visible

# Characters that give meaning to text inside a table cell: emphasis and code (* _ ` ~), links and
# images ([ ], which ( ) and ! need to mean anything), the escape itself and the table's own |.
# Block syntax (#, -, >, numbers) only means something at the start of a line, and a cell never
# starts one; < > & are written as HTML entities.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except the surrogates and
# U+FFFE/U+FFFF; anything else makes the document unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def markdown_text(text: str) -> str:
    """Untrusted text for a Markdown table cell or list item: one line, nothing interpreted."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(visible(text), quote=False))


def markdown_code(text: str) -> str:
    """Untrusted text shown as code in Markdown (a path): an HTML code element, since a backtick in
    the text would close a Markdown code span; ``|`` is escaped for tables."""
    return "<code>" + html.escape(visible(text), quote=False).replace("|", "&#124;") + "</code>"


def xml_text(text: str) -> str:
    """Untrusted text for an XML text node or attribute: characters XML 1.0 does not allow become
    visible escapes (ElementTree escapes ``<``, ``>`` and ``&`` itself)."""
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else
                            f"\\u{ord(m.group()):04x}", text)
