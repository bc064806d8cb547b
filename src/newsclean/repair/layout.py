"""A document's layout, read from its own blocks before any seam between them is judged.

A block that stops without terminal punctuation is evidence of a cut only in running
prose.  Verse, lists, tables of contents, labelled lines (``电话：…``, a speaker's turn
``盧葦：…``) and headings stop without one by design, and a document cut at a fixed width
ends every full line mid-clause.  The layout says which blocks are such lines, so that
only strong evidence joins them and no flag is raised for what they lack:

- ``heading``: a short block with no clause punctuation (``临颍县``, a title);
- ``unit``: a line that is a unit by its shape (``rules/seams.toml``, kind ``unit``: a
  label and its value, a table row);
- ``verse``: one of three or more short lines in a row (verse, a list, a contents page);
- ``prose``: anything else.

It also reads the width a document was hard-wrapped at, if its lines show one (see
:func:`wrap_width`).

>>> from newsclean.repair.blocks import split_blocks
>>> from newsclean.repair.rules import RepairRules
>>> from newsclean.repair.seams import SeamJudge
>>> poems = "静夜思\\n李白\\n床前明月光，疑是地上霜。\\n举头望明月，低头思故乡。\\n春晓\\n孟浩然\\n春眠不觉晓，处处闻啼鸟。"
>>> Layout.read(split_blocks(poems), SeamJudge(RepairRules.load())).roles
('verse', 'verse', 'verse', 'verse', 'verse', 'verse', 'verse')
>>> news = "临颍县\\n\\n近年来，临颍县始终坚持“围绕发展抓党建、抓好党建促发展”的理念，全面提\\n\\n升了水平。"
>>> Layout.read(split_blocks(news), SeamJudge(RepairRules.load())).roles
('heading', 'prose', 'prose')
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

import regex

from .blocks import Block
from .lexicon import word_across
from .seams import Seam, SeamJudge

#: In a document whose text is mostly in short lines, three of them in a row are a layout of
#: lines (verse, a list), not prose cut short.  (In a document of prose, short blocks in a
#: row are as likely to be the pieces of a paragraph cut by page and column breaks; and a
#: block that evidence joins to the next, evidence that holds even between lines, is such a
#: piece, not a line: see :func:`_bound`.)
RUN, LINES_SHARE = 3, 0.5
#: A layout of lines shows itself in at least this many of them (a quatrain and its title);
#: fewer are as likely the pieces of a paragraph cut short.
LINES_MIN = 5
#: A hard-wrapped document shows its width in at least this many lines, none narrower than
#: this (a list of short lines is never a wrap).
WRAP_LINES, WRAP_MIN_WIDTH = 3, 12
#: ... exactly, or goes on from at least this many full lines to the next: fewer show no
#: width (a short poem's lines of two lengths).
WRAP_ENDS = 4
#: Lines within this many characters of the width sit at it (a wrapper that counts columns
#: fits more characters in a line holding ASCII: ``(1986~1997)``).
NEAR_WIDTH = 2
#: A paragraph's indent is at most this many characters (more centre a heading).
PARAGRAPH_INDENT = 4
#: A document with this share of its lines indented is indented throughout (an OCR page):
#: there an indent starts no paragraph.
INDENTED_ALIKE = 0.8
#: Of the lines at least half as long as the width (titles and headings are shorter), this
#: share must sit at it: every line but the last of each paragraph.
WRAP_NEAR_SHARE = 0.6
#: A wrapper cuts every line at the width: at most this share of lines may be longer.
WRAP_LONGER_SHARE = 0.1
#: At least this share of the full lines must end inside a word or a number (a cut), and at
#: most this share at a sentence's end: verse and lists of equal lines end where they mean to.
WRAP_CUT_SHARE, WRAP_CLOSED_SHARE = 0.25, 0.5
#: An unpunctuated line this long is prose (文言), not a line of verse or of a list.
UNPUNCTUATED = 16
#: A document shows it prints no punctuation in this many paragraphs without any.
UNPUNCTUATED_PARAGRAPHS = 2
_PUNCTUATION = regex.compile(r"[，、；：。！？,;:.!?]")
#: Lines cut by their punctuation into phrases of one length, this share of them, are verse.
PARALLEL_SHARE = 0.5
_HAN_END = regex.compile(r"[\p{Han}\d]$")
_HAN_START = regex.compile(r"[\p{Han}\d]")
_CLAUSE = regex.compile(r"[，、；。！？,;]")


@dataclass(frozen=True)
class Layout:
    """The role of each block (by index), and the width the document was wrapped at."""

    roles: tuple[str, ...]
    width: int | None = None
    #: Blocks that reach the wrap width: the line after one goes on with its text.
    full: frozenset[int] = frozenset()
    #: Blocks that go on from a full line: the lines of a wrapped paragraph after its first.
    wrapped: frozenset[int] = frozenset()
    #: Blocks whose text goes on in the next text block: before a jump line that sends the
    #: reader on (text cut by the page), or the letter-spaced first line of a story cut from
    #: its headline (``glued_heading``).
    cut: frozenset[int] = frozenset()
    #: The document's text is mostly in short lines (verse, a list, a contents page, an
    #: imprint): a block stopping without punctuation is no evidence of a cut anywhere in it.
    lines: bool = False
    #: Nearly every line is indented (:data:`INDENTED_ALIKE`): an indent starts no paragraph.
    indented_alike: bool = False
    #: The document's paragraphs hold no punctuation (classical text, an OCR page without
    #: it): one stopping without it is no evidence of a cut.
    unpunctuated: bool = False
    #: A blank line stands between every two lines (:func:`double_spaced`): it parts no
    #: paragraphs.
    spaced: bool = False

    @classmethod
    def read(cls, blocks: list[Block], judge: SeamJudge, kept: list[int] | None = None,
             goes_on: frozenset[int] = frozenset()) -> "Layout":
        """The layout of ``blocks`` (those in ``kept``, default all).  The text of a block in
        ``goes_on`` goes on in the next text block (see :attr:`cut`)."""
        kept = list(range(len(blocks))) if kept is None else kept
        width = wrap_width([blocks[i] for i in kept], judge)
        full = frozenset(i for i in kept if width and _full(blocks[i], width))
        spaced = double_spaced([blocks[i] for i in kept])
        wrapped = frozenset(i for before, i in zip(kept, kept[1:])
                            if before in full and (spaced or not blocks[i].blank_before))
        roles = ["prose"] * len(blocks)
        for i in kept:
            text = blocks[i].text
            if i in full or i in wrapped or i in goes_on:
                continue
            if judge.rules.unit(text):
                roles[i] = "unit"
            elif judge.heading_shaped(text):
                roles[i] = "heading"
        laid_out = full | wrapped | goes_on
        following = dict(zip(kept, kept[1:]))
        candidates = {i for i in kept if i not in laid_out and not (i in following and _bound(
            judge.strong(blocks[i].text, blocks[following[i]].text)))}
        in_runs = {i for run in _runs(kept, lambda i: i in candidates
                                      and judge.line_shaped(blocks[i].text, among_lines=True))
                   if len(run) >= RUN for i in run}
        short = [i for i in kept if i in in_runs or i in candidates and judge.line_shaped(blocks[i].text)]
        lines = len(short) >= LINES_MIN \
            and sum(len(blocks[i].text) for i in short) >= LINES_SHARE * sum(len(blocks[i].text) for i in kept)
        if lines:
            for run in _runs(kept, set(short).__contains__):
                if len(run) >= RUN:
                    for i in run:
                        roles[i] = "verse"
        indented_alike = sum(blocks[i].indented for i in kept) >= INDENTED_ALIKE * len(kept) > 0
        paragraphs = [blocks[i].text for i in kept if i not in laid_out and len(blocks[i].text) > judge.rules.heading_max_chars]
        unpunctuated = len(paragraphs) >= UNPUNCTUATED_PARAGRAPHS and not any(map(_PUNCTUATION.search, paragraphs))
        return cls(tuple(roles), width, full, wrapped, goes_on, lines, indented_alike, unpunctuated, spaced)

    def stands_alone(self, i: int) -> bool:
        """Block ``i`` is a line of its own by the layout: never joined on weak evidence."""
        return self.roles[i] != "prose"


def _bound(seam: Seam | None) -> bool:
    """A block this seam joins to the next is a piece of a paragraph, not a line: the evidence
    holds even between lines (a word two short lines share is as likely chance)."""
    return seam is not None and seam.binds_lines


def wrap_width(blocks: list[Block], judge: SeamJudge) -> int | None:
    """The fixed width a document was cut at, if its lines show one.

    Most lines of a hard-wrapped text have the same length, the most common one; the last
    line of each paragraph is shorter, and hardly any is longer.  And the cuts fall
    anywhere: inside words, numbers and clauses, rarely at a sentence's end.  Verse and
    lists of equal lines have a common length too, but each line ends where it means to,
    and parallel verse cuts its lines into phrases of one length.

    >>> from newsclean.repair.blocks import split_blocks
    >>> from newsclean.repair.rules import RepairRules
    >>> judge = SeamJudge(RepairRules.load())
    >>> text = ("近年来，临颍县始终坚持“围绕发展\\n抓党建、抓好党建促发展”的理念，\\n"
    ...         "以整合基层党组织为抓手，全面提升\\n了全县基层党建水平。")
    >>> wrap_width(split_blocks(text), judge)
    16
    >>> wrap_width(split_blocks("床前明月光，疑是地上霜。\\n举头望明月，低头思故乡。\\n" * 2), judge) is None
    True
    """
    widths = Counter(b.width for b in blocks if b.width >= 8)
    lines = sum(widths.values())
    if lines < WRAP_LINES:
        return None
    width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
    near = sum(widths.get(w, 0) for w in range(width - NEAR_WIDTH, width + NEAR_WIDTH + 1))
    longer = sum(n for w, n in widths.items() if w > width + NEAR_WIDTH)
    body = sum(n for w, n in widths.items() if w >= width / 2)  # not titles and headings
    if width < WRAP_MIN_WIDTH or count < 2 or near < max(WRAP_LINES, WRAP_NEAR_SHARE * body) \
            or longer > WRAP_LONGER_SHARE * lines:
        return None
    spaced = double_spaced(blocks)
    ends = [(left.text, right.text) for left, right in zip(blocks, blocks[1:])
            if _full(left, width) and (spaced or not right.blank_before)]
    if not ends or count < WRAP_LINES and len(ends) < WRAP_ENDS or _parallel([left for left, _ in ends]):
        return None
    if sum(1 for left, _ in ends if judge.closed(left)) > WRAP_CLOSED_SHARE * len(ends):
        return None
    cuts = (_cut(left, right, judge, strict=spaced) for left, right in ends)
    return width if _at_least(WRAP_CUT_SHARE * len(ends), cuts) else None


def _at_least(count: float, flags: Iterable[bool]) -> bool:
    """At least ``count`` of ``flags`` are true; no more of them are read than it takes.

    >>> _at_least(2, (10 // n > 0 for n in (1, 5, 0)))  # 10 // 0 is never read
    True
    """
    found = 0
    for flag in flags:
        found += bool(flag)
        if found >= count:
            return True
    return found >= count


def double_spaced(blocks: list[Block]) -> bool:
    """A blank line stands between every two of ``blocks`` (three at least): a scrape that
    doubles every line break, where a blank line parts no paragraphs.

    >>> from newsclean.repair.blocks import split_blocks
    >>> double_spaced(split_blocks("一\\n\\n二\\n\\n三")), double_spaced(split_blocks("一\\n\\n二\\n三"))
    (True, False)
    """
    return len(blocks) >= WRAP_LINES and all(b.blank_before for b in blocks[1:])


def _parallel(lines: list[str]) -> bool:
    """Most ``lines`` are cut by their punctuation into phrases of one length: verse in
    parallel lines (``吉日兮辰良，穆将愉兮上皇`` / ``抚长剑兮玉珥，璆锵鸣兮琳琅``), where
    a wrap puts punctuation anywhere."""
    balanced = 0
    for line in lines:
        phrases = [len(p) for p in _CLAUSE.split(line) if p]
        balanced += len(phrases) >= 2 and max(phrases) - min(phrases) <= 1
    return balanced >= max(WRAP_LINES, PARALLEL_SHARE * len(lines))


def _cut(left: str, right: str, judge: SeamJudge, strict: bool = False) -> bool:
    """The line break between ``left`` and ``right`` falls inside a word, a number or a Latin
    word, before a mark that cannot open a sentence, or inside a clause of prose: a line
    that runs on from a Han character into one, and holds clause punctuation or is as long
    as no unpunctuated line of verse or a list is (classical text has no punctuation).  A
    line opening a unit of its own (``第三章``, ``2.``, a table's row, a label and its value)
    is no cut: a contents page's lines, a table's rows or a roster's may all be of one length.
    ``strict`` (lines a blank line parts, as verse and lists of headlines print them) counts
    only a word or a number cut, or a mark no sentence opens with."""
    if judge.rules.new_start(right) or judge.rules.unit(right) or judge.rules.label(right):
        return False
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return True
    if not strict and _HAN_END.search(left) and _HAN_START.match(right) \
            and (_CLAUSE.search(left) or len(left) >= UNPUNCTUATED):
        return True
    return bool(judge.continues(right)) or word_across(left, right) is not None


def _full(block: Block, width: int) -> bool:
    """A line that reaches the wrap width (within :data:`NEAR_WIDTH` characters normalisation
    may have missed), a paragraph's indent counted: a wrapper may count an article's own
    leading spaces; but not a centred heading's."""
    return block.width + min(block.indent, PARAGRAPH_INDENT) >= width - NEAR_WIDTH


def _runs(indexes: list[int], short) -> list[list[int]]:
    """Maximal runs of ``indexes``, next to each other in the list, that are ``short``."""
    runs: list[list[int]] = [[]]
    for i in indexes:
        if short(i):
            runs[-1].append(i)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]
