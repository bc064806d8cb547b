"""A long document with many edits, made in linear time, for tests and benchmarks of the cost
of showing edits (``Document.replace`` would copy the whole text at every edit).

>>> from newsclean.document import replay
>>> text, edits = edited(12, every=4, seed="一二三四五六")
>>> text, len(edits), replay("一二三四五六一二三四五六", edits) == text
('１三四六一２四', 8, True)
"""
from __future__ import annotations

from newsclean.document import Edit


def edited(size: int, every: int, seed: str) -> tuple[str, list[Edit]]:
    """A document of ``size`` characters of ``seed`` and its edits, as (final text, edits): a
    pass left to right widening one character in ``every``, a pass right to left removing two
    in ``every``, and a pass taking out a tenth of the text as one block."""
    text = (seed * (size // len(seed) + 1))[:size]
    edits = []
    for stage, spans in [("normalise", lambda t: [(i, i + 1, "１２") for i in range(0, len(t) - 1, every)]),
                         ("repair", lambda t: [(i, i + 2, "") for i in range(len(t) - 2, 0, -every)]),
                         ("repair", lambda t: [(len(t) // 2, len(t) // 2 + len(t) // 10, "")])]:
        text, made = _edited_once(text, spans(text), stage)
        edits += made
    return text, edits


def _edited_once(text: str, spans: list[tuple[int, int, str]], stage: str) -> tuple[str, list[Edit]]:
    """``text`` with each span (disjoint, listed in the order the edits are made, left to right
    or right to left) replaced, and the edits made."""
    forward = len(spans) < 2 or spans[0][0] < spans[1][0]
    pieces, edits, shift, last = [], [], 0, 0
    for start, end, after in sorted(spans):
        pieces += [text[last:start], after]
        edits.append(Edit(stage, "test", start + shift if forward else start, text[start:end], after))
        shift, last = shift + len(after) - (end - start), end
    return "".join(pieces + [text[last:]]), edits if forward else edits[::-1]
