"""Structure-aware input strategies for the fuzz suite: valid documents, mutated.

Each strategy starts from a document the parser accepts and breaks it the ways hostile input does:
random bytes spliced in, a line duplicated (duplicate keys), deep nesting wrapped around a value,
huge and non-finite numbers, odd Unicode (surrogates, NUL, right-to-left marks), truncation.
"""

from __future__ import annotations

from hypothesis import strategies as st

ODD = ["\x00", "\ud800", "\u202e", "\ufeff", "\U0001f600", "\r", "\t", "\\", '"', "'", "[", "]", "{", "}", "&a", "*a",
       "<<", "nan", "inf", "-inf", "1e308", "9" * 400, "9999-12-31", "0001-01-01T00:00:00+01:00", "\n[[x]]\n"]


@st.composite
def mutated(draw: st.DrawFn, base: str, *, nest: tuple[str, str] = ("[", "]")) -> str:
    """``base`` with one to three mutations."""
    text = base
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["splice", "odd", "duplicate", "nest", "truncate", "number"]))
        at = draw(st.integers(0, len(text)))
        if kind == "splice":
            text = text[:at] + draw(st.text(max_size=40)) + text[at:]
        elif kind == "odd":
            text = text[:at] + draw(st.sampled_from(ODD)) + text[at:]
        elif kind == "duplicate":
            lines = text.splitlines(keepends=True)
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                lines.insert(i, lines[i])
                text = "".join(lines)
        elif kind == "nest":
            depth = draw(st.sampled_from([2, 70, 1000, 5000]))
            text = text[:at] + nest[0] * depth + nest[1] * depth + text[at:]
        elif kind == "truncate":
            text = text[:at]
        else:
            text = text[:at] + draw(st.sampled_from(["1e400", "-0", "nan", "1" * 5000, "0x10", "1_000"])) + text[at:]
    return text


def mutated_bytes(base: bytes) -> st.SearchStrategy[bytes]:
    """Like :func:`mutated` for byte documents, plus arbitrary bytes spliced in."""
    return st.one_of(
        mutated(base.decode("utf-8", "surrogateescape")).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.tuples(st.binary(max_size=64), st.integers(0, len(base))).map(lambda p: base[:p[1]] + p[0] + base[p[1]:]),
    )
