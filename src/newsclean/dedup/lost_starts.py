"""Lost starts that a republished copy gives away.

A paragraph whose first words were lost often reads like any other start
(``教育局在网上提供…``): nothing in its own document says it is a fragment.  A
copy of the story published elsewhere may still hold the words before it, in the
middle of a sentence (``…据报道，教育局在网上提供…``).  That copy is the evidence.

The paragraph is flagged ``truncated_start`` when its first :data:`WINDOW`
characters appear exactly once in its own document and once in a copy, and there
the text before them neither ends a sentence or unit nor starts a paragraph.  When
the document itself holds the copy's words before them (blind to punctuation),
going on otherwise, nothing was lost: the repair left that seam open (the words end
the paragraph before), or the copy joined two pieces the document keeps apart, or
its editor turned a full stop into a comma.

Sentence starts and ends are judged by the run's repair rules (``--rules``):

>>> from newsclean.repair.rules import RepairRules
>>> found = lost_starts(["标题\\n上月业绩平平。\\n教育局在网上提供了参考教学资源。",
...                      "标题\\n据报道，教育局在网上提供了参考教学资源。"], ["a", "b"], RepairRules.load())
>>> found[0]
[Flag(kind='truncated_start', paragraph=2, detail='copy b goes on from …据报道，')]
>>> 1 in found  # the copy's paragraph opens its sentence
False
"""
from __future__ import annotations

import functools
import re
from typing import Sequence

from ..document import Flag
from ..normalize.convert import to_simplified
from ..repair.rules import RepairRules
from .key import letters

#: How many characters of a paragraph's start must match a copy, once in each document.
WINDOW = 12
#: How many characters of the copy's text before the match are compared with the document.
CONTEXT = 8
#: How many copies each document is compared with (the first ones): a cluster of thousands
#: of copies (a template) costs no more than this many comparisons a paragraph.
MAX_COPIES = 8
#: Columns laid out with spaces: a table, whose rows copies cut and join each their own way.
_COLUMNS = re.compile(r" {3,}")
_SPACE = re.compile(r"[^\S\n]+")


def lost_starts(texts: Sequence[str], ids: Sequence[str], rules: RepairRules) -> dict[int, list[Flag]]:
    """The lost starts of each of ``texts`` (copies of one story, named by ``ids``), by
    position, judging where sentences start and end by ``rules``."""
    tables = [{j for j, p in enumerate(text.split("\n")) if _COLUMNS.search(p)} for text in texts]
    # blind to script and white space, not to punctuation (sentence ends matter); width was
    # normalised before repair
    wholes = [_SPACE.sub("", to_simplified(text)) for text in texts]
    paragraphs = [whole.split("\n") for whole in wholes]

    @functools.cache
    def words(a: int) -> str:  # wanted only where a copy leads into a paragraph: rare
        return "\n".join(map(letters, paragraphs[a]))

    found: dict[int, list[Flag]] = {}
    for a, own in enumerate(paragraphs):
        for j in range(1, len(own)):
            head = own[j][:WINDOW]
            if len(head) < WINDOW or j in tables[a] or wholes[a].count(head) != 1 or rules.new_start(own[j]):
                continue
            for b, whole in enumerate(wholes[:MAX_COPIES + 1]):
                before = _before(whole, head, rules) if b != a else None
                if before and not _goes_on_otherwise(before, head, words(a)):
                    evidence = f"copy {ids[b]} goes on from …{before}"
                    found.setdefault(a, []).append(Flag("truncated_start", j, evidence))
                    break
    return found


def _before(whole: str, head: str, rules: RepairRules) -> str | None:
    """The last :data:`CONTEXT` characters before the one place ``head`` appears in
    ``whole``, when they lead into it mid-sentence."""
    if whole.count(head) != 1:
        return None
    line = whole[:whole.find(head)].rpartition("\n")[2]
    if not line or rules.closed_end(line):
        return None
    return line[-CONTEXT:]


def _goes_on_otherwise(before: str, head: str, words: str) -> bool:
    """``words`` (a document's paragraphs, letters and digits only) hold ``before`` going
    on with something other than ``head`` (another paragraph, or other words)."""
    before, head = letters(before), letters(head)
    return bool(before) and before in words and before + head[:2] not in words
