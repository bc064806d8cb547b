"""Page furniture: the lines a page prints around an article, by pattern and by evidence.

The patterns of ``rules/furniture.toml`` name the known forms (page numbers, jump lines,
running heads, a web page's chrome).  Three signals find the forms no pattern names:

- ``inside_seam``: a short line, set apart by blank lines or short beside the line before
  it, between two blocks that one sentence runs across on strong evidence (``…实`` /
  ``万方数据`` / ``行管理联动…``);
- ``running_line``: a short line printed again down the document with its numbers changed,
  a page apart and once at least inside a sentence, as running heads and footers are
  (``电子技术应用 2015年第12期 114`` … ``115``);
- ``recurring_line``: a short line whose shape recurs across the batch's documents with its
  numbers changed, inside sentences (:class:`~newsclean.repair.census.Census`), as a
  paper's page labels do.

Each is held to what furniture is: a short line, ending no sentence, that is not a
labelled field of a list.

>>> from newsclean.repair.blocks import split_blocks
>>> from newsclean.repair.rules import RepairRules
>>> judge = SeamJudge(RepairRules.load())
>>> furniture = Furniture(judge)
>>> blocks = furniture.mark(split_blocks("临颍县\\n\\n通过支部建在产业链上，强化了党建引领作用，实\\n\\n万方数据\\n\\n行管理联动。"))
>>> furniture.mark_by_evidence(blocks, Layout.read(blocks, judge))
>>> [(b.text, b.rule) for b in blocks if b.kind == "furniture"]
[('万方数据', 'inside_seam')]
"""
from __future__ import annotations

import itertools
from collections import defaultdict

import regex

from .blocks import Block, split_glued_heads, split_items
from .census import CLAUSE, Census, cut_text, shape, short_line
from .layout import Layout
from .seams import SeamJudge

#: A list of fields has at least this many labelled lines in a row.
FIELDS = 3
#: A menu or link list opening a web page has at least this many lines (a site lists its
#: sections, a paper its pages); an article's own list at its top (an agenda) is shorter.
MENU_LINES = 10
_DIGIT = regex.compile(r"\d")
_LETTER = regex.compile(r"[\p{L}\p{N}]")


class Furniture:
    """Mark the furniture among a document's blocks; cut edge furniture and glued items apart."""

    def __init__(self, judge: SeamJudge, census: Census | None = None):
        self.judge = judge
        self.rules = judge.rules
        self.census = census or Census()

    def mark(self, blocks: list[Block]) -> list[Block]:
        """``blocks`` with jump lines glued to an edge, glued items and glued headlines cut off
        (:mod:`~newsclean.repair.blocks`), and each piece
        of furniture a pattern names marked (``kind`` and ``rule``).  A labelled line shaped
        like furniture between two labelled lines is a field of their list (``策划编辑：…`` /
        ``责任编辑：…`` / ``美术编辑：…`` on a book's imprint page); a rule ``outside_text``
        marks no line between the text's first sentence and its last."""
        out = split_glued_heads(split_items([piece for block in blocks for piece in self._split_edges(block)]))
        fields = self._fields(out)
        sentence = self._sentences(out)
        found: dict[str, list[int]] = defaultdict(list)
        for i, block in enumerate(out):
            if block.kind == "text" and i not in fields:
                rule = self.rules.furniture(block.text)
                if rule in self.rules.outside_text and any(sentence[:i]) and any(sentence[i + 1:]) \
                        and (sentence[i - 1] or sentence[i + 1]):
                    continue  # inside the text, by a sentence: not a page's chrome around it
                if rule in self.rules.kept_at_end and any(sentence[:i]) and not any(sentence[i:]):
                    continue  # closing the text after its last sentence: a letter's date
                if rule:
                    found[rule].append(i)
        for rule, lines in found.items():
            if rule in self.rules.page_apart and not all(
                    _page_apart(sentence, a, b) for a, b in zip(lines, lines[1:])):
                continue  # numbers closer than a page apart number the text's own sections
            for i in lines:
                out[i].kind, out[i].rule = "furniture", rule
        return out

    def _sentences(self, blocks: list[Block]) -> list[bool]:
        """Which of ``blocks`` hold a sentence: clause punctuation, and the length of one."""
        return [len(b.text) >= self.rules.sentence_min_chars and bool(CLAUSE.search(b.text)) for b in blocks]

    def mark_by_evidence(self, blocks: list[Block], layout: Layout) -> None:
        """Mark the furniture no pattern names, by the evidence of the text around it in
        ``layout`` (read without it): lines printed again with other numbers, lines the batch's
        census finds recurring, and short lines inside a seam.  The lines of a hard-wrapped
        paragraph are none of these, and a document laid out in lines has no seams to judge."""
        fields = self._fields(blocks) | layout.full | layout.wrapped
        candidates = [i for i, b in enumerate(blocks)
                      if b.kind == "text" and i not in fields and short_line(b.text, self.rules)]
        for i in self._menu(blocks, candidates, layout):
            blocks[i].kind, blocks[i].rule = "furniture", "menu"
        for i in self._running(blocks, candidates):
            blocks[i].kind, blocks[i].rule = "furniture", "running_line"
        for i in candidates:
            if blocks[i].kind == "text" and self.census.recurs(blocks[i].text):
                blocks[i].kind, blocks[i].rule = "furniture", "recurring_line"
        if not layout.lines:
            self._inside_seams(blocks, set(candidates), layout)

    def _split_edges(self, block: Block) -> list[Block]:
        """A jump line glued to an edge of ``block`` cut off as furniture; the whole block
        where nothing but markup is left (``# (上接第95页)``)."""
        for rule_id, pattern in self.rules.furniture_edges:
            for match in pattern.finditer(block.text, timeout=1.0):
                if match.start() == 0 and match.end() < len(block.text):
                    cut = match.end()
                elif match.end() == len(block.text) and match.start() > 0:
                    cut = match.start()
                else:
                    continue
                if not _LETTER.search(block.text, *((cut, len(block.text)) if match.start() == 0 else (0, cut))):
                    block.kind, block.rule = "furniture", rule_id
                    return [block]
                head, tail = block.cut(cut)
                (head if match.start() == 0 else tail).kind = "furniture"
                (head if match.start() == 0 else tail).rule = rule_id
                return [head, tail]
        return [block]

    def _fields(self, blocks: list[Block]) -> set[int]:
        """Blocks in a run of three or more labelled lines that are not all furniture: the
        fields of a list (``版次：…`` / ``定价：…`` / ``责任编辑：…``), kept whole.  A run of
        credits alone (``责任编辑：…`` / ``美编：…`` / ``审核：…``) is furniture whole."""
        fields: set[int] = set()
        for labelled, run in itertools.groupby(range(len(blocks)), key=lambda i: bool(self.rules.label(blocks[i].text))):
            run = list(run)
            if labelled and len(run) >= FIELDS and not all(self.rules.furniture(blocks[i].text) for i in run):
                fields.update(run)
        return fields

    def _menu(self, blocks: list[Block], candidates: list[int], layout: Layout) -> list[int]:
        """The lines of a web page's menu or link list: a run of at least :data:`MENU_LINES`
        short lines that opens the document, before the text goes on; but for the last, where
        the article's body follows it at once (its title).  A document laid out in lines is
        all such lines, and has none."""
        text = [i for i, b in enumerate(blocks) if b.kind == "text"]
        run = list(itertools.takewhile(set(candidates).__contains__, text))
        if layout.lines or len(run) < MENU_LINES or len(run) == len(text):
            return []
        after = text[len(run)]
        return run[:-1] if layout.roles[after] == "prose" else run

    def _running(self, blocks: list[Block], candidates: list[int]) -> list[int]:
        """Lines of one shape, numbers masked, printed at least twice with other numbers, a
        page apart (a sentence between each two), and one of them inside a sentence, as a
        page cuts text anywhere.  A list's, a timetable's or a chronology's lines recur with
        other numbers too, but among short lines (``5月1日`` / ``检查仓库`` / ``5月2日``) or
        after their section's end (``…。`` / ``1978年`` / ``…。`` / ``1992年``)."""
        by_shape: dict[str, list[int]] = defaultdict(list)
        for i in candidates:
            if _DIGIT.search(blocks[i].text):
                by_shape[shape(blocks[i].text)].append(i)
        sentence = self._sentences(blocks)
        return [i for lines in by_shape.values() if len({blocks[j].text for j in lines}) > 1
                and all(_page_apart(sentence, a, b) for a, b in zip(lines, lines[1:]))
                and any(self._after_cut(blocks, j) for j in lines) for i in lines]

    def _after_cut(self, blocks: list[Block], i: int) -> bool:
        """The text block before block ``i`` is one a page cut (:func:`cut_text`), and one
        follows it."""
        before = [b for b in blocks[:i] if b.kind == "text"]
        return bool(before) and any(b.kind == "text" for b in blocks[i + 1:]) and cut_text(before[-1].text, self.rules)

    def _inside_seams(self, blocks: list[Block], candidates: set[int], layout: Layout) -> None:
        """Mark the short lines (one or two in a row) between a block of prose (not the
        title) and a block that its sentence runs on into, on strong evidence (weak evidence
        would take a numbered subhead after a list: ``…钱七等`` / ``2024年工作安排``).  The
        lines are set apart by blank lines, or at most half as long as the block before them,
        or numbered in a document not hard-wrapped: a line of a wrapped paragraph is none of
        these."""
        text = [i for i, b in enumerate(blocks) if b.kind == "text"]
        k = 2  # the first block is the title, never a seam's left
        while k < len(text) - 1:
            for width in (1, 2):
                middle = text[k:k + width]
                if k + width >= len(text) or not all(i in candidates for i in middle) \
                        or layout.roles[text[k - 1]] != "prose":
                    continue
                left, right = blocks[text[k - 1]].text, blocks[text[k + width]].text
                numbered = all(_DIGIT.search(blocks[i].text) for i in middle)
                set_apart = blocks[middle[0]].blank_before and blocks[text[k + width]].blank_before \
                    or sum(len(blocks[i].text) for i in middle) * 2 <= len(left) \
                    or numbered and not layout.width
                if not set_apart:
                    continue  # a line as long as the one before it may be a wrapped paragraph's
                if self.judge.strong(left, blocks[middle[0]].text) or self.judge.strong(blocks[middle[-1]].text, right):
                    break  # a sentence goes on into the line or out of it: it is text
                if self.judge.strong(left, right):
                    for i in middle:
                        blocks[i].kind, blocks[i].rule = "furniture", "inside_seam"
                    k += width
                    break
            k += 1


def _page_apart(sentence: list[bool], first: int, second: int) -> bool:
    """Blocks ``first`` and ``second`` stand a page apart: a block holding a sentence
    (``sentence``, by index) between them."""
    return any(sentence[first + 1:second])
