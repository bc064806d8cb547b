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

import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass

import regex

from .blocks import Block, split_glued_heads, split_items
from .census import CLAUSE, Census, cut_text, shape, short_line
from .layout import Layout
from .rules import RULE_TIMEOUT, PatternSet, RepairRules, timed
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
        #: Whether any edge rule matches a block, asked first: most match none.
        self.edges = PatternSet(list(self.rules.furniture_edges))
        self._fields_of = functools.lru_cache(maxsize=4)(self._labelled_runs)

    def mark(self, blocks: list[Block]) -> list[Block]:
        """``blocks`` with jump lines glued to an edge, glued items and glued headlines cut off
        (:mod:`~newsclean.repair.blocks`), and each piece
        of furniture a pattern names marked (``kind`` and ``rule``).  A labelled line shaped
        like furniture between two labelled lines is a field of their list (``策划编辑：…`` /
        ``责任编辑：…`` / ``美术编辑：…`` on a book's imprint page).  A rule's settings hold
        it back (``rules/furniture.toml``): ``outside_text`` marks no line inside the text next
        to one of its sentences; ``kept_at_end`` none closing the text after its last
        sentence; ``page_apart`` none near another of its lines after its section's end."""
        out = split_glued_heads(split_items([piece for block in blocks for piece in self._split_edges(block)]))
        fields = self._fields(out)
        around = Around.of(out, self.rules)
        found: dict[str, list[int]] = defaultdict(list)
        for i, block in enumerate(out):
            if block.kind == "text" and i not in fields:
                rule = self.rules.furniture(block.text)
                if rule in self.rules.outside_text and around.inside(i):
                    continue  # inside the text, by a sentence: not a page's chrome around it
                if rule in self.rules.kept_at_end and around.closes(i):
                    continue  # closing the text after its last sentence: a letter's date
                if rule:
                    found[rule].append(i)
        around = Around.of(out, self.rules, {i for lines in found.values() for i in lines})
        for rule, lines in found.items():
            for k, i in enumerate(lines):
                near = [j for j in lines[max(k - 1, 0):k] + lines[k + 1:k + 2]
                        if not around.page_apart(min(i, j), max(i, j))]
                if rule in self.rules.page_apart and near and not around.after_cut(i):
                    continue  # a number near another, after its section's end: the text's own
                out[i].kind, out[i].rule = "furniture", rule
        return out

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
        if self.edges.first(block.text) is None:
            return [block]
        for rule_id, pattern in self.rules.furniture_edges:
            for match in timed(rule_id, pattern.finditer(block.text, timeout=RULE_TIMEOUT)):
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

    def _fields(self, blocks: list[Block]) -> frozenset[int]:
        """Blocks in a run of three or more labelled lines that are not all furniture: the
        fields of a list (``版次：…`` / ``定价：…`` / ``责任编辑：…``), kept whole.  A run of
        credits alone (``责任编辑：…`` / ``美编：…`` / ``审核：…``) is furniture whole."""
        return self._fields_of(tuple(b.text for b in blocks))

    def _labelled_runs(self, texts: tuple[str, ...]) -> frozenset[int]:
        """:meth:`_fields` of blocks of ``texts``."""
        fields: set[int] = set()
        for labelled, run in itertools.groupby(range(len(texts)), key=lambda i: bool(self.rules.label(texts[i]))):
            run = list(run)
            if labelled and len(run) >= FIELDS and not all(self.rules.furniture(texts[i]) for i in run):
                fields.update(run)
        return frozenset(fields)

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
        """Lines of one shape, numbers masked, printed at least twice with other numbers, one
        of them inside a sentence, as a page cuts text anywhere.  A list's, a timetable's or a
        chronology's lines recur with other numbers too, but among short lines (``5月1日`` /
        ``检查仓库`` / ``5月2日``) or after their section's end (``…。`` / ``1978年``)."""
        by_shape: dict[str, list[int]] = defaultdict(list)
        for i in candidates:
            if _DIGIT.search(blocks[i].text):
                by_shape[shape(blocks[i].text)].append(i)
        around = Around.of(blocks, self.rules)
        return [i for lines in by_shape.values() if len({blocks[j].text for j in lines}) > 1
                and any(around.after_cut(j) for j in lines) for i in lines]

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



@dataclass(frozen=True)
class Around:
    """What stands around each block of a document, counted once: how many blocks holding a
    sentence (clause punctuation, the length of one) come before it, whether the text block
    before it was cut by a page (:func:`cut_text`), and whether a text block follows it.

    >>> from newsclean.repair.blocks import split_blocks
    >>> around = Around.of(split_blocks("标题\\n近年来，全县开展党员教育培训，由县委组织部牵头，各乡镇分批组织，参加的党员\\n第4版\\n人数逐年增加。"),
    ...                    RepairRules.load())
    >>> around.after_cut(2), around.inside(2), around.closes(1)
    (True, False, False)
    """

    sentences: tuple[int, ...]
    cut: tuple[bool, ...]
    text_after: tuple[bool, ...]
    sentence: tuple[bool, ...]

    @classmethod
    def of(cls, blocks: list[Block], rules: RepairRules, aside: frozenset[int] | set[int] = frozenset()) -> "Around":
        """The facts around ``blocks``, the text blocks in ``aside`` (furniture found) taken
        as furniture."""
        text = [b.kind == "text" and i not in aside for i, b in enumerate(blocks)]
        sentence = tuple(len(b.text) >= rules.sentence_min_chars and bool(CLAUSE.search(b.text)) for b in blocks)
        counts, cut, last = [0], [], None
        for b, holds, is_text in zip(blocks, sentence, text):
            cut.append(last is not None and cut_text(last, rules))
            counts.append(counts[-1] + holds)
            last = b.text if is_text else last
        after, seen = [], False
        for is_text in reversed(text):
            after.append(seen)
            seen = seen or is_text
        return cls(tuple(counts), tuple(cut), tuple(reversed(after)), sentence)

    def between(self, first: int, second: int) -> int:
        """How many blocks holding a sentence stand between blocks ``first`` and ``second``."""
        return self.sentences[second] - self.sentences[first + 1]

    def page_apart(self, first: int, second: int) -> bool:
        """A block holding a sentence stands between blocks ``first`` and ``second``."""
        return self.between(first, second) > 0

    def after_cut(self, i: int) -> bool:
        """Block ``i`` sits inside a sentence a page cut: after cut text, before more text."""
        return self.cut[i] and self.text_after[i]

    def inside(self, i: int) -> bool:
        """Block ``i`` stands inside the text: sentences before and after it, one of them next
        to it (a page's chrome sits among its other chrome, or at an edge)."""
        n = len(self.sentence)
        return self.sentences[i] > 0 and self.sentences[n] - self.sentences[i + 1] > 0 \
            and (self.sentence[i - 1] or (i + 1 < n and self.sentence[i + 1]))

    def closes(self, i: int) -> bool:
        """Block ``i`` closes the text, after its last sentence."""
        return self.sentences[i] > 0 and self.sentences[len(self.sentence)] == self.sentences[i]
