"""Spaces between Han characters: a scrape's stray ones go, separators stay as one space.

Chinese prose puts no space between words, so a space between two Han characters is
either noise (a scraper's, or a PDF's letter-spacing) or a separator standing where
punctuation would in a looser layout: between the halves of a headline, the names of a
list, a label and its value, the cells of a table.  A space goes only on evidence that
it is noise:

- ``space_in_word``: it splits a word, which the most probable segmentation of the
  text around it reads across it (``慎 重`` → ``慎重``);
- ``space_in_phrase``: a phrase cannot break there, for the text after it cannot open
  one (``她 们``) or the text before it ends on a particle that ties it to what follows
  (``…狂欢的 人群``), by ``rules/seams.toml``;
- ``letter_spacing``: the text is letter-spaced, a lone character on both sides of the
  space, or three in a row on one side (``於 律 敦 治``); one alone beside a word, a number
  or a letter is a field of a list or a table (``星期一 晴``, ``钱钟书 著``, ``18日 晴``).

Any other run of spaces between Han characters becomes one plain space
(``separator_space``), but for two ideographic spaces, which indent or justify, and a tab
between a table's cells.  A tab elsewhere is a scraper's, judged as a space.

>>> from newsclean.document import Document
>>> from newsclean.repair.rules import RepairRules
>>> doc = Document(id="a", text="选择专业都应该是慎 重和理性\\n副主任：关永贵　岳彩荣　杨国才")
>>> Spaces(SeamJudge(RepairRules.load())).apply(doc)
>>> doc.text
'选择专业都应该是慎重和理性\\n副主任：关永贵 岳彩荣 杨国才'
>>> [(e.rule, e.note) for e in doc.edits]
[('space_in_word', 'word 慎重'), ('separator_space', 'a separator'), ('separator_space', 'a separator')]
"""
from __future__ import annotations

import regex

from ..document import Document, Edit
from ..names import REPAIR
from .lexicon import word_across
from .seams import SeamJudge

_BETWEEN_HAN = regex.compile(r"(?<=\p{Han})(?!\u3000\u3000)[ \u3000\t]+(?=\p{Han})")
#: Letter-spaced characters, each alone between single spaces, marks or the line's edges (not
#: letters or digits: ``18日 晴``), that
#: end the text before a space (read backwards) or open the text after it.  (Two ideographic
#: spaces justify a heading's characters, ``第一章　总　　则``: no letter-spacing.)
_LONE_BEFORE = regex.compile(r"(?:^|[^\p{L}\p{N}\s]|(?<!\u3000)[ \u3000])((?:\p{Han}[ \u3000]){0,20}\p{Han})$")
_LONE_AFTER = regex.compile(r"(\p{Han}(?:[ \u3000]\p{Han}){0,20})(?:$|[^\p{L}\p{N}\s]|[ \u3000](?!\u3000))")
#: A space beside this many letter-spaced characters in a row is letter-spacing, though the
#: character across it opens a word (``有 時 與 朋 友 在 屋邨…``).
LETTER_RUN = 3
#: Names or terms of two to four characters, :data:`LIST_ITEMS` or more kept apart by spaces
#: and nothing else between two marks: a list (``孙丽 江涛 董洁 白雪``), whose spaces all
#: separate, though two of its names read as a word (``丽江``).  (Fewer are as likely a
#: headline that stray spaces cut: ``认清形 势坚 定信心``.)
LIST_ITEMS = 4
_ITEMS_BEFORE = regex.compile(r"(?:^|[^\p{Han} \u3000])((?:\p{Han}{2,4}[ \u3000]{1,4}){0,30}\p{Han}{2,4})$")
_ITEMS_AFTER = regex.compile(r"(\p{Han}{2,4}(?:[ \u3000]{1,4}\p{Han}{2,4}){0,30})(?:$|[^\p{Han} \u3000])")
_SPACES = regex.compile(r"[ \u3000]+")
#: Characters of a line judged each side of a space: more than the longest stretch the
#: patterns above can match with the character before or after it (a list's 30 items of up to
#: 8 characters), and than the rules' :data:`~newsclean.repair.rules.EDGE_CHARS`.
CONTEXT = 256


class Spaces:
    """Judge and mend each run of spaces between Han characters of a document."""

    def __init__(self, judge: SeamJudge):
        self.judge = judge

    def judge_space(self, before: str, after: str) -> tuple[str, str] | None:
        """The rule and evidence by which a space between the line's text ``before`` it and
        ``after`` it is noise, or ``None`` for a separator."""
        if _letter_spaced(before, after):
            return "letter_spacing", "letter-spaced text"
        if _in_list(before, after):
            return None
        word = word_across(before, after)
        if word:
            return "space_in_word", f"word {word}"
        if self.judge.continues(after):
            return "space_in_phrase", f"{after[0]} cannot open a phrase"
        if self.judge.ties(before):
            return "space_in_phrase", f"{before[-1]} ties its phrase to what follows"
        return None

    def apply(self, doc: Document) -> None:
        """Remove the stray spaces of ``doc.text`` and make each separator one space, as edits.
        Each space is judged by the :data:`CONTEXT` characters of its line either side, so a
        line of any length costs time in proportion to it."""
        text = doc.text
        pieces, cursor, delta = [], 0, 0
        line_start, line_end, scanned = 0, -1, 0
        for match in _BETWEEN_HAN.finditer(text):
            line_start = text.rfind("\n", scanned, match.start()) + 1 or line_start
            scanned = match.start()
            if line_end < match.end():
                line_end = text.find("\n", match.end())
                line_end = len(text) if line_end < 0 else line_end
            if "\t" in match.group() and line_end - line_start <= self.judge.rules.units.longest \
                    and self.judge.rules.unit(text[line_start:line_end]):
                continue  # a tab between a table's cells (a longer line is no unit)
            noise = self.judge_space(text[max(line_start, match.start() - CONTEXT):match.start()],
                                     text[match.end():min(line_end, match.end() + CONTEXT)])
            rule, after, note = (noise[0], "", noise[1]) if noise else ("separator_space", " ", "a separator")
            if match.group() == after:
                continue
            doc.edits.append(Edit(REPAIR, rule, match.start() + delta, match.group(), after, note))
            pieces += [text[cursor:match.start()], after]
            cursor, delta = match.end(), delta + len(after) - len(match.group())
        if pieces:
            doc.text = "".join(pieces) + text[cursor:]


def _letter_spaced(before: str, after: str) -> bool:
    """A space between letter-spaced characters: one alone on each side of it (``目 录``,
    ``王 刚`` padded to a three-character name's width), or a run of :data:`LETTER_RUN` on
    one side; but not one alone beside a word (``星期一 晴``, ``钱钟书 著``).

    >>> _letter_spaced("目", "录"), _letter_spaced("有 時 與 朋 友 在", "屋邨"), _letter_spaced("星期一", "晴")
    (True, True, False)
    """
    left, right = _LONE_BEFORE.search(before), _LONE_AFTER.match(after)
    runs = [len(_SPACES.split(m.group(1))) if m else 0 for m in (left, right)]
    return min(runs) >= 1 or max(runs) >= LETTER_RUN


def _in_list(before: str, after: str) -> bool:
    """The space between ``before`` and ``after`` is one of a list's: :data:`LIST_ITEMS` or
    more items of two to four characters, kept apart by spaces, fill the clause around it.

    >>> _in_list("副主任：孙丽", "江涛 董洁 白雪"), _in_list("赵六", "钱七"), _in_list("认清形", "势坚 定信心")
    (True, False, False)
    """
    left, right = _ITEMS_BEFORE.search(before), _ITEMS_AFTER.match(after)
    return bool(left and right) and len(_SPACES.split(left.group(1))) + len(_SPACES.split(right.group(1))) >= LIST_ITEMS
