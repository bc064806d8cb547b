"""``newsclean explain``: one document's edits in the terminal, as a coloured diff.

>>> record = {"id": "a", "text": "带动600余户", "edits": [
...     {"stage": "normalise", "rule": "fullwidth_alnum", "at": 5, "before": "６００", "after": "600"},
...     {"stage": "repair", "rule": "page_break_repeated_char", "at": 1, "before": "\\n\\n带", "after": "",
...      "note": "repeated 带, word 带动"}], "flags": []}
>>> print("\\n".join(explain(record, color=False)))
a: 2 edits
normalise/fullwidth_alnum at 5
  - 带⏎⏎带动[６００]余户
  + 带⏎⏎带动[600]余户
repair/page_break_repeated_char at 1 (repeated 带, word 带动)
  - 带[⏎⏎带]动600余户
  + 带[]动600余户

With ``stage``, the header counts that stage's edits only (and says how many there are in all):

>>> print("\\n".join(explain(record, color=False, stage="normalise")))
a: 1 normalise edits (of 2 in all)
normalise/fullwidth_alnum at 5
  - 带⏎⏎带动[６００]余户
  + 带⏎⏎带动[600]余户
"""
from __future__ import annotations

from typing import Iterator

import click

from ..document import Edit
from ..names import PARAGRAPH_BREAK
from .context import EditedText
from .printable import printable

CONTEXT = 16


def explain(record: dict, *, color: bool = True, stage: str | None = None) -> Iterator[str]:
    """Lines describing each edit of a corpus record: the rule, and the text around the
    change before (red) and after (green), the changed part in brackets.  Control and bidi
    characters are shown as escapes (``\\x1b``), so the lines cannot drive the terminal."""
    edits = [Edit.from_json(e) for e in record["edits"]]
    counted = [e for e in edits if stage is None or e.stage == stage]
    layout = sum(1 for e in counted if e.rule == PARAGRAPH_BREAK)
    flags = ", ".join(str(f["kind"]) for f in record["flags"])
    count = f"{len(edits)} edits" if stage is None else f"{len(counted)} {stage} edits (of {len(edits)} in all)"
    yield printable(f"{record['id']}: {count}" + (f", flags: {flags}" if flags else "")
                    + (f" ({layout} paragraph separators normalised, not shown)" if layout else ""))
    shown = lambda e: (stage is None or e.stage == stage) and e.rule != PARAGRAPH_BREAK  # noqa: E731
    for e, left, right in EditedText(record["text"]).contexts(edits, CONTEXT, wanted=shown):
        yield printable(f"{e.stage}/{e.rule} at {e.at}" + (f" ({e.note})" if e.note else ""))
        yield _styled("  - " + _marked(left, e.before, right), "red", color)
        yield _styled("  + " + _marked(left, e.after, right), "green", color)


def _marked(left: str, part: str, right: str) -> str:
    return printable(f"{left}[{part}]{right}".replace("\n", "⏎"))


def _styled(line: str, colour: str, color: bool) -> str:
    return click.style(line, fg=colour) if color else line
