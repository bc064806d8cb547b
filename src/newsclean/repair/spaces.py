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
- ``letter_spacing``: the text is letter-spaced, a lone character on one side
  (``於 律 敦 治``).

Any other run of spaces between Han characters becomes one plain space
(``separator_space``), but for two ideographic spaces, which indent or justify.

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
from .lexicon import word_across
from .seams import SeamJudge

STAGE = "repair"
_BETWEEN_HAN = regex.compile(r"(?<=\p{Han})(?!\u3000\u3000)[ \u3000]+(?=\p{Han})")
#: A lone character between single spaces (or a space and the line's edge): letter-spacing.
#: (Two ideographic spaces justify a heading's characters, ``第一章　总　　则``: not a lone one.)
_LONE_BEFORE = regex.compile(r"(?:^|(?<!\u3000)[ \u3000])\p{Han}$")
_LONE_AFTER = regex.compile(r"\p{Han}(?:[ \u3000](?!\u3000)|$)")


class Spaces:
    """Judge and mend each run of spaces between Han characters of a document."""

    def __init__(self, judge: SeamJudge):
        self.judge = judge

    def judge_space(self, before: str, after: str) -> tuple[str, str] | None:
        """The rule and evidence by which a space between the line's text ``before`` it and
        ``after`` it is noise, or ``None`` for a separator."""
        if _LONE_BEFORE.search(before) or _LONE_AFTER.match(after):
            return "letter_spacing", "letter-spaced text"
        word = word_across(before, after)
        if word:
            return "space_in_word", f"word {word}"
        if self.judge.continues(after):
            return "space_in_phrase", f"{after[0]} cannot open a phrase"
        if self.judge.rules.ties(before):
            return "space_in_phrase", f"{before[-1]} ties its phrase to what follows"
        return None

    def apply(self, doc: Document) -> None:
        """Remove the stray spaces of ``doc.text`` and make each separator one space, as edits."""
        text = doc.text
        pieces, cursor, delta = [], 0, 0
        for match in _BETWEEN_HAN.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            noise = self.judge_space(text[line_start:match.start()],
                                     text[match.end():line_end if line_end >= 0 else len(text)])
            rule, after, note = (noise[0], "", noise[1]) if noise else ("separator_space", " ", "a separator")
            if match.group() == after:
                continue
            doc.edits.append(Edit(STAGE, rule, match.start() + delta, match.group(), after, note))
            pieces += [text[cursor:match.start()], after]
            cursor, delta = match.end(), delta + len(after) - len(match.group())
        if pieces:
            doc.text = "".join(pieces) + text[cursor:]
