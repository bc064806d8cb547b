"""Turn a repair plan into edits on the document, each labelled with its rule.

The plan is the final order of the kept blocks, the seam before each one (or a
paragraph break), and the rule that removed each dropped block.  Rendering
walks the original text between consecutive blocks that stay in place: each
removed block becomes a deletion with its rule, a moved run becomes an
insertion where it now belongs and a deletion where it was, and the
separator that is left becomes ``\\n`` (a paragraph break) or nothing (a seam).
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from ..document import Document, Edit
from ..names import DISPLACED_CONTINUATION, PARAGRAPH_BREAK, REPAIR
from .blocks import Block
from .seams import Seam

#: A Latin letter (``é`` too), digit or ASCII sign on either side of a seam, and no white space.
_LATIN_EDGE = regex.compile(r"[!-~\p{Latin}]\S|\S[!-~\p{Latin}]")


@dataclass
class Placed:
    """A kept block in its final place; ``seam`` joins it to the block before, else a new paragraph."""

    block: int
    seam: Seam | None


def render(doc: Document, blocks: list[Block], final: list[Placed], removed: dict[int, str]) -> None:
    """Apply the plan to ``doc`` as edits (see module docstring)."""
    order = [p.block for p in final]
    position = {b: n for n, b in enumerate(order)}
    moved = _moved(order)
    base = [b for b in order if b not in moved]
    placed = {p.block: p for p in final}
    plan: list[tuple[int, int, str, str, str]] = []  # (start, end, after, rule, note) on the original text
    cursor, previous = 0, -1
    for current in base + [len(blocks)]:
        for i in range(previous + 1, current):
            if i not in placed or i in moved:
                rule = DISPLACED_CONTINUATION if i in moved else removed.get(i, "removed")
                plan.append((cursor, blocks[i].end, "", rule, "moved back" if i in moved else ""))
                cursor = blocks[i].end
        if current == len(blocks):
            plan.append((cursor, len(doc.text), "", PARAGRAPH_BREAK, ""))
            break
        start = blocks[current].start
        here = placed[current]
        if previous < 0:
            plan.append((cursor, start, "", PARAGRAPH_BREAK, ""))
        else:
            inserted = order[position[previous] + 1:position[current]]
            text = "".join(_joint(placed[b]) + blocks[b].text[_drop(placed[b]):] for b in inserted)
            seams = [placed[b].seam for b in inserted] + [here.seam]
            rule = DISPLACED_CONTINUATION if inserted else (here.seam.rule if here.seam else blocks[current].rule or PARAGRAPH_BREAK)
            note = "; ".join(s.evidence for s in seams if s and s.evidence)
            joint = _joint(here, blocks[previous].text, doc.text[blocks[previous].end:start], blocks[current].text)
            plan.append((cursor, start + _drop(here), text + joint, rule, note))
        cursor, previous = blocks[current].end, current
    # Build the new text once; each edit's offset is shifted by the edits before it.
    pieces, cursor, delta = [], 0, 0
    for start, end, after, rule, note in plan:
        before = doc.text[start:end]
        if before == after:
            continue
        doc.edits.append(Edit(REPAIR, rule, start + delta, before, after, note))
        pieces += [doc.text[cursor:start], after]
        cursor, delta = end, delta + len(after) - len(before)
    if pieces:
        doc.text = "".join(pieces) + doc.text[cursor:]


def _joint(p: Placed, left: str = "", separator: str = "", right: str = "") -> str:
    """What replaces the separator: ``\n`` between paragraphs; nothing at a seam, but for a
    space that a line wrapped at next to a Latin word, a number or an ASCII sign (``Rachel``
    / `` Bilson``, ``佳能`` / `` EOS``, ``33.7%`` / `` |``).  Between Chinese characters a
    space is never kept."""
    if not p.seam:
        return "\n"
    if p.seam.rule == "hard_wrap" and " " in separator and _LATIN_EDGE.match(left[-1:] + right[p.seam.drop:][:1]):
        return " "
    return ""


def _drop(p: Placed) -> int:
    return p.seam.drop if p.seam else 0


def _moved(order: list[int]) -> set[int]:
    """Blocks placed before a block that came earlier in the original: they were moved back."""
    moved, smallest = set(), None
    for b in reversed(order):
        if smallest is not None and b > smallest:
            moved.add(b)
        smallest = b if smallest is None else min(smallest, b)
    return moved
