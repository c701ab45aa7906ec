"""Parsing nosemgrep comments: which ones count, and what they cover."""

from __future__ import annotations

from gatecheck_plugins.sast.suppressions import covering, find_markers

SOURCE = '''"""Module doc showing the syntax: call()  # nosemgrep: some-rule -- not a real comment
"""
text = "# nosemgrep inside a string"
a = load(x)  # nosemgrep: gatecheck.python.pickle-load, yaml-unsafe-load -- cache written by us
# nosemgrep: eval-exec-dynamic -- expression comes from our own config file
b = eval(expr)
c = eval(expr)  # NOSEMGREP
d = eval(expr)  # nosem: eval-exec-dynamic
e = eval(expr)  # nosemgrep -- reason but no rule
'''


def test_only_real_comments_are_markers_and_fields_are_parsed() -> None:
    markers = find_markers(SOURCE, python=True)
    assert [(m.line, m.rule_names, m.reason, m.valid) for m in markers] == [
        (4, ["gatecheck.python.pickle-load", "yaml-unsafe-load"], "cache written by us", True),
        (5, ["eval-exec-dynamic"], "expression comes from our own config file", True),
        (7, [], "", False),
        (8, ["eval-exec-dynamic"], "", False),
        (9, [], "reason but no rule", False),
    ]
    assert [m.problem for m in markers if not m.valid] == [
        "names no rule and gives no reason", "gives no reason", "names no rule",
    ]


def test_comment_covers_its_line_and_the_next_only_when_standalone() -> None:
    markers = find_markers(SOURCE, python=True)
    assert [m.line for m in covering(markers, 6)] == [5]
    assert [m.line for m in covering(markers, 4)] == [4]
    assert [m.line for m in covering(markers, 5)] == [5]  # its own line (nothing to flag there)
    assert covering(markers, 10) == []  # line 9's comment trails code: it covers only line 9


def test_other_languages_match_line_comments_and_untokenizable_python_errs_towards_reporting() -> None:
    js = "eval(x); // nosemgrep: js-eval -- sandboxed\n"
    assert [(m.rule_names, m.reason) for m in find_markers(js)] == [(["js-eval"], "sandboxed")]
    broken = 'x = """unterminated\n# nosemgrep\n'
    assert [m.line for m in find_markers(broken, python=True)] == [2]
    assert find_markers("nothing to see\n", python=True) == []
