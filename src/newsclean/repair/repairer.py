"""The ``repair`` stage: rebuild paragraphs from a document broken by page layout.

In order: cut the text into blocks; drop page furniture and repeated runs of
blocks; join hard wraps and seams with strong evidence; move displaced
continuations back; join the remaining seams with weak evidence; drop repeated
paragraphs; flag fragments.  Never join across a heading.

>>> from newsclean.document import Document
>>> doc = Document(id="a", text="临颍县\\n\\n通过支部建在产业链上，实\\n\\n— 3 —\\n\\n行管理联动。")
>>> Repair.from_rules().process(doc).text
'临颍县\\n通过支部建在产业链上，实行管理联动。'
>>> [(e.rule, e.before) for e in doc.edits]
[('paragraph_break', '\\n\\n'), ('page_number', '\\n\\n— 3 —'), ('page_break', '\\n\\n')]
"""
from __future__ import annotations

import itertools
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..document import Document
from .blocks import GLUED_HEADING, Block, split_blocks
from ..names import PAGE_BREAK, REPAIR
from ..normalize.convert import to_simplified
from .census import Census
from .furniture import Furniture
from .layout import Layout
from .lexicon import spanning_word, word_count
from .render import Placed, render
from .rules import RepairRules, RuleTimeout
from .seams import OPENING_WORD, Seam, SeamJudge, early_closer, echoed_copy
from .spaces import Spaces

ORPHAN_MODES = ("keep", "flag", "drop")
#: A repeated run must hold this many characters to be dropped (short lines repeat legitimately).
MIN_REPEAT_CHARS = 20
#: A block is compared with its last this many earlier copies for a repeated run, and a run
#: is read this many blocks at a time (a longer one is dropped piece by piece): a line printed
#: on every page of a year's paper, or a roster printed twice, costs time linear in its blocks.
REPEAT_SOURCES, REPEAT_RUN = 32, 256
#: A word across the seam must be this common to move a displaced continuation, and to join a
#: heading-shaped block (a rare word spans two unrelated blocks by chance).
COMMON_WORD = 1000
HEADING_WORD = 100
#: A displaced block must close the quote left open within this many characters (a title in
#: 《》 may be long: ``公民權利及政治權利國際公約》``).
QUOTE_REACH = 30
#: How many paragraphs after a displaced run to look for the rest of the sentence it interrupted.
RUN_LOOKAHEAD = 4
#: How many paragraphs after a paragraph that stops mid-sentence to look for its displaced
#: continuation (a caption, a box or an advert stands between; the test sets need 6).  Looking
#: through the whole document made each such paragraph cost time in its length: a document
#: of 8,000 lines cut mid-sentence took 51 s.
REATTACH_REACH = 30


@dataclass
class Paragraph:
    """Blocks that form one paragraph, and the seam before each block after the first."""

    blocks: list[int]
    seams: list[Seam] = field(default_factory=list)

    def extend(self, other: "Paragraph", seam: Seam) -> None:
        self.blocks += other.blocks
        self.seams += [seam] + other.seams


class Repair:
    """Repair one document at a time (pure: the same document always gives the same result)."""

    name = REPAIR

    def __init__(self, rules: RepairRules, orphans: str = "flag", census: Census | None = None):
        if orphans not in ORPHAN_MODES:
            raise ValueError(f"orphans must be one of {ORPHAN_MODES}, not {orphans!r}")
        self.rules = rules
        self.judge = SeamJudge(rules)
        self.spaces = Spaces(self.judge)
        self.furniture = Furniture(self.judge, census)
        self.orphans = orphans

    @classmethod
    def from_rules(cls, user_dir: Path | str | None = None, replace_bundled: bool = False,
                   orphans: str = "flag", census: Census | None = None) -> "Repair":
        """Repair with the bundled rules and a user's, and the furniture shapes ``census``
        found recurring across the batch, if a census was taken."""
        return cls(RepairRules.load(user_dir, replace_bundled), orphans, census)

    def process(self, doc: Document) -> Document:
        """Repair ``doc``; where a rule's pattern runs out of time on it, leave it as it was
        and flag it ``rule_timeout`` with the rule's id."""
        text, edits = doc.text, len(doc.edits)
        try:
            return self._repair(doc)
        except RuleTimeout as timeout:
            doc.text = text
            del doc.edits[edits:]
            doc.flag("rule_timeout", None, f"repair rule {timeout.rule} timed out: the document was not repaired")
            return doc

    def _repair(self, doc: Document) -> Document:
        blocks = self.furniture.mark(split_blocks(doc.text))
        _restore_widths(blocks, doc)
        goes_on = frozenset(_text_before(blocks, i) for i, b in enumerate(blocks)
                            if b.kind == "furniture" and b.rule in self.rules.goes_on) - {None} \
            | {i for i, b in enumerate(blocks) if b.rule == GLUED_HEADING}
        text_blocks = _text(blocks)
        layout = Layout.read(blocks, self.judge, text_blocks, goes_on)
        self.furniture.mark_by_evidence(blocks, layout)
        if (left := _text(blocks)) != text_blocks:  # furniture found by evidence: the layout is read without it
            layout = Layout.read(blocks, self.judge, left, goes_on)
        removed = {i: b.rule for i, b in enumerate(blocks) if b.kind == "furniture"}
        removed.update(self._repeated_runs(blocks, removed, layout))
        kept = [i for i in range(len(blocks)) if i not in removed]
        texts = [b.text for b in blocks]
        paragraphs = self._join_strong(blocks, kept, layout)
        paragraphs = self._reattach(paragraphs, texts, layout)
        paragraphs = self._join_weak(paragraphs, texts, layout)
        for index in self._repeated_paragraphs(paragraphs, blocks, layout):
            for b in paragraphs[index].blocks:
                removed[b] = "repeated_block"
        paragraphs = [p for p in paragraphs if p.blocks[0] not in removed]
        _drop_echoed_copies(paragraphs, texts, doc.text)
        fragments = self._fragments(paragraphs, texts, layout)
        if self.orphans == "drop":
            for index, _ in fragments:
                for b in paragraphs[index].blocks:
                    removed[b] = "orphan_fragment"
            paragraphs = [p for p in paragraphs if p.blocks[0] not in removed]
            fragments = []
        final = [Placed(b, p.seams[k - 1] if k else None) for p in paragraphs for k, b in enumerate(p.blocks)]
        render(doc, blocks, final, removed)
        self.spaces.apply(doc)
        if self.orphans == "flag":
            for index, kind in fragments:
                doc.flag(kind, index)
        return doc

    # -- blocks -------------------------------------------------------------------------

    def _repeated_runs(self, blocks: list[Block], removed: dict[int, str], layout: Layout) -> dict[int, str]:
        """Later copies of runs of blocks that appeared before (a block fetched twice).  A
        scrape repeats text; an author repeats a line the layout makes one of its own (a
        chapter heading after its contents entry, an item, a refrain), which stays."""
        kept = [i for i in range(len(blocks)) if i not in removed]
        seen: dict[str, list[int]] = {}
        dropped: dict[int, str] = {}
        k = 0
        while k < len(kept):
            best = 0
            for j in seen.get(blocks[kept[k]].text, [])[-REPEAT_SOURCES:]:
                if k - j <= best:
                    break  # a copy of a later source would have to end before block k: shorter
                length = 0
                while (length < REPEAT_RUN and k + length < len(kept) and j + length < k
                       and blocks[kept[j + length]].text == blocks[kept[k + length]].text):
                    length += 1
                best = max(best, length)
            run = kept[k:k + best]
            if best and sum(len(blocks[i].text) for i in run) >= MIN_REPEAT_CHARS \
                    and any(self._text_of_its_own(blocks[i].text, layout.roles[i]) for i in run):
                for n in range(best):
                    dropped[kept[k + n]] = "repeated_block"
                k += best
                continue
            seen.setdefault(blocks[kept[k]].text, []).append(k)
            k += 1
        return dropped

    # -- seams --------------------------------------------------------------------------

    def _join_strong(self, blocks: list[Block], kept: list[int], layout: Layout) -> list[Paragraph]:
        """Paragraphs from hard wraps and from seams with strong evidence."""
        paragraphs: list[Paragraph] = []
        for position, i in enumerate(kept):
            seam = None
            if paragraphs:
                j = paragraphs[-1].blocks[-1]
                seam = self._wrap(blocks[j], blocks[i], j, layout) or self._strong(
                    blocks[j].text, blocks[i].text, position == 1, layout.roles[j], layout.roles[i])
            if seam:
                paragraphs[-1].extend(Paragraph([i]), seam)
            else:
                paragraphs.append(Paragraph([i]))
        return paragraphs

    def _wrap(self, left: Block, right: Block, j: int, layout: Layout) -> Seam | None:
        """A full line (block ``j``) continued on the next line, in a document cut at a fixed
        width; not into an indented line (a new paragraph), but where nearly every line is
        indented alike (an OCR page), the indent says nothing."""
        if j in layout.full and (layout.spaced or not right.blank_before) and len(left.text) > 1 \
                and not (right.indented and not layout.indented_alike):
            return Seam("hard_wrap", 0, f"line of {left.width} characters in a text wrapped at {layout.width}",
                        "wrap")
        return None

    def _strong(self, left: str, right: str, left_is_title: bool, left_role: str, right_role: str) -> Seam | None:
        """Strong evidence, held back where the layout makes a line of its own: no title is
        joined; a line of verse or a list only where the next line cannot open a sentence;
        a heading-shaped block or a unit only on evidence a heading cannot give by chance,
        unless it reads as a sentence cut short (:meth:`SeamJudge.cut_short`).
        A repeated character counts only into a short block (the tail of a cut paragraph,
        ``结`` / ``结合“两学一做”``), never out of one (``舞阳县`` / ``县委书记…``)."""
        seam = self.judge.strong(left, right)
        if not seam or left_is_title:
            return None
        if left_role == "heading" and self.judge.cut_short(left):
            left_role = "prose"
        if right_role == "heading" and self.judge.cut_short(right):
            right_role = "prose"
        roles = {left_role, right_role}
        if roles == {"prose"}:
            return seam
        if "verse" in roles:
            return seam if seam.binds_lines else None
        left_heading = left_role != "prose"
        if seam.basis == "latin":
            return None
        if seam.word is not None and word_count(seam.word) < HEADING_WORD:
            return None
        if seam.drop and (left_heading or seam.word is None):
            return None
        return seam

    def _reattach(self, paragraphs: list[Paragraph], texts: list[str], layout: Layout) -> list[Paragraph]:
        """Move each displaced continuation back to the paragraph it was cut from."""
        heading = layout.stands_alone
        e = 1
        while e < len(paragraphs) - 2:
            last = paragraphs[e].blocks[-1]
            end = texts[last]
            if self.judge.closed(end) or heading(last):
                e += 1
                continue
            neighbour = paragraphs[e + 1].blocks[0]
            neighbour_fits = not heading(neighbour) and bool(
                self.judge.weak(self._ending(paragraphs[e], texts), texts[neighbour]))
            for s in range(e + 2, min(e + 2 + REATTACH_REACH, len(paragraphs))):
                first = texts[paragraphs[s].blocks[0]]
                previous = paragraphs[s - 1].blocks[-1]
                seam = self.judge.strong(end, first)
                seam = seam and _decisive(seam, end, first, neighbour_fits)
                if not seam or heading(paragraphs[s].blocks[0]) \
                        or not self._stranded(texts[previous], first, heading(previous)):
                    continue
                stop, resume = self._run_end(paragraphs, texts, s, layout)
                run = paragraphs[s:stop]
                del paragraphs[s:stop]
                if resume:
                    paragraphs[s - 1].extend(paragraphs.pop(s), resume)
                paragraphs[e].extend(run[0], seam.retold("moved back"))
                paragraphs[e + 1:e + 1] = run[1:]
                break
            e += 1
        return paragraphs

    def _stranded(self, before: str, first: str, before_is_heading: bool) -> bool:
        """``first`` does not continue the paragraph it now follows."""
        return bool(self.judge.closed(before)) or before_is_heading or not self.judge.strong(before, first)

    def _run_end(self, paragraphs: list[Paragraph], texts: list[str], s: int,
                 layout: Layout) -> tuple[int, Seam | None]:
        """Where a displaced run starting at paragraph ``s`` ends, and the seam where the
        sentence it interrupted (if it interrupted one) resumes."""
        last = paragraphs[s - 1].blocks[-1]
        before = texts[last]
        if self.judge.closed(before) or layout.stands_alone(last):
            return s + 1, None
        for j in range(s + 1, min(s + 1 + RUN_LOOKAHEAD, len(paragraphs))):
            seam = self.judge.strong(before, texts[paragraphs[j].blocks[0]])
            if seam:
                return j, seam.retold("resumes after a displaced run")
        return s + 1, None

    def _join_weak(self, paragraphs: list[Paragraph], texts: list[str], layout: Layout) -> list[Paragraph]:
        """Join neighbours on weak evidence, never into or out of a line the layout makes
        one of its own (a heading, verse, a unit) or the title.  But a paragraph that ends
        on a word no sentence ends on (``…总结了地形对``) goes on into a block shaped like a
        heading; and that block, so joined, is a heading no more."""
        out: list[Paragraph] = []
        for n, paragraph in enumerate(paragraphs):
            left, right = (out[-1].blocks[-1], paragraph.blocks[0]) if out else (0, 0)
            if not out or n <= 1 or layout.lines or layout.unpunctuated:
                out.append(paragraph)
                continue
            text = self._ending(out[-1], texts)
            left_alone = layout.stands_alone(left) and len(out[-1].blocks) == 1
            right_alone = layout.stands_alone(right) and not (
                layout.roles[right] == "heading" and self.judge.dangles(text))
            if not left_alone and not right_alone:
                seam = self.judge.weak(text, texts[right], cut=left in layout.cut)
                if seam:
                    out[-1].extend(paragraph, seam)
                    continue
            out.append(paragraph)
        return out

    def _ending(self, paragraph: Paragraph, texts: list[str]) -> str:
        """The text of ``paragraph``'s blocks run together, or, when longer than anything
        :meth:`SeamJudge.weak` reads of it (:attr:`SeamJudge.reach`), its last characters: a
        paragraph grown by thousands of joins is not copied whole at each one."""
        reach = self.judge.reach + 1
        parts, size = [], 0
        for b in reversed(paragraph.blocks):
            parts.append(texts[b][-(reach - size):])
            size += len(parts[-1])
            if size >= reach:
                break
        return "".join(reversed(parts))

    # -- paragraphs ---------------------------------------------------------------------

    def _text_of_its_own(self, text: str, role: str) -> bool:
        """A block whose repetition is a scrape's, not an author's: prose, or a whole sentence
        of :data:`MIN_REPEAT_CHARS` or more even in a layout of lines.  A heading, a refrain
        or a contents entry may stand twice (``第三章　香港驻军…`` after its entry)."""
        return role == "prose" or len(text) >= MIN_REPEAT_CHARS and bool(self.judge.closed(text))

    def _repeated_paragraphs(self, paragraphs: list[Paragraph], blocks: list[Block], layout: Layout) -> list[int]:
        """Paragraphs of text that repeat an earlier one word for word (copies cut differently
        into lines); a line the layout makes one of its own may repeat."""
        seen: set[str] = set()
        repeats = []
        for index, paragraph in enumerate(paragraphs):
            text = _paragraph_text(paragraph, blocks)
            if len(text) >= MIN_REPEAT_CHARS and text in seen \
                    and any(self._text_of_its_own(blocks[b].text, layout.roles[b]) for b in paragraph.blocks):
                repeats.append(index)
            seen.add(text)
        return repeats

    def _fragments(self, paragraphs: list[Paragraph], texts: list[str], layout: Layout) -> list[tuple[int, str]]:
        """Prose paragraphs that start or stop mid-sentence with nothing left to attach to
        (:meth:`SeamJudge.starts_sentence`, :meth:`SeamJudge.lost_end`).  A line the layout
        makes one of its own (a heading, verse, a unit) lacks nothing, and in a document laid
        out in lines no line does."""
        if layout.lines:
            return []
        found = []
        for index, paragraph in enumerate(paragraphs):
            first, last = paragraph.blocks[0], paragraph.blocks[-1]
            if index > 0 and not layout.stands_alone(first) and not self.judge.starts_sentence(texts[first]):
                found.append((index, "truncated_start"))
            is_title = index == 0 and len(paragraphs) > 1
            following = texts[paragraphs[index + 1].blocks[0]] if index + 1 < len(paragraphs) else ""
            if not is_title and not (layout.stands_alone(last) and len(paragraph.blocks) == 1) \
                    and self.judge.lost_end(_joined(paragraph, texts), following):
                found.append((index, "truncated_end"))
        return found


def _text_before(blocks: list[Block], i: int) -> int | None:
    """The index of the last text block before block ``i`` (past other furniture), if any."""
    return next((j for j in range(i - 1, -1, -1) if blocks[j].kind == "text"), None)


def _drop_echoed_copies(paragraphs: list[Paragraph], texts: list[str], text: str) -> None:
    """Turn each page break that joined a Latin word with its cut letter doubled into one that
    drops the copy, where the document spells the word without it (:func:`echoed_copy`).  A
    hard wrap cuts lines without repeating anything."""
    for paragraph in paragraphs:
        for k, seam in enumerate(paragraph.seams):
            if seam.rule == PAGE_BREAK and not seam.drop:
                echo = echoed_copy(texts[paragraph.blocks[k]], texts[paragraph.blocks[k + 1]], text)
                paragraph.seams[k] = echo or seam


def _decisive(seam: Seam, end: str, first: str, neighbour_fits: bool) -> Seam | None:
    """``seam`` when its evidence is strong enough to move the block ``first`` across the
    document to the block ``end``, past a neighbour that may itself continue the sentence
    (``neighbour_fits``), else ``None``: only
    a block that cannot open a sentence, or closes in its first words a quote the paragraph
    left open (``党建”特色服务``), alone or behind a repeated character.  A common word across
    the seam (or one of three or four characters) will do where no neighbour fits, or where
    ``first`` does not open with a word of its own (``对`` / ``抗英国。`` but not ``对`` /
    ``此外，``) and the word does not take its one character from a word ``end`` already ends
    with (``充实`` / ``在非公企业…`` reads ``实在`` across the seam, but ``充实`` is whole).
    Never a repeated character alone, an enumeration or a Latin letter, which recur by chance.
    A quote balanced across the seam but closed late (``你唔能`` / ``夠講大話，…供你。」``) is
    judged by the word across the seam that it stood in for (``能够``), which joins its evidence."""
    basis = seam.support if seam.basis == "repeated" else seam.basis
    if basis == "quote" and early_closer(first[seam.drop:], QUOTE_REACH) is not None:
        return seam
    word = seam.word if basis == "word" else spanning_word(end, first) if seam.basis == "quote" else None
    if word:
        common = word_count(word) >= COMMON_WORD or len(word) >= 3
        if not common or neighbour_fits and (word_count(to_simplified(first[:2])) >= OPENING_WORD
                                             or _borrows_last_character(word, end)):
            return None
        return seam if basis == "word" else replace(seam, evidence=f"{seam.evidence}, word {word}", word=word)
    return seam if basis == "continuation" else None


def _borrows_last_character(word: str, end: str) -> bool:
    """``word`` runs across the seam from the last character of ``end`` alone, and ``end``
    already ends with a common word of two characters (``充实`` in ``…充实`` / ``在…``)."""
    return to_simplified(end[-1:]) == word[:1] and word_count(to_simplified(end[-2:])) >= OPENING_WORD


def _text(blocks: list[Block]) -> list[int]:
    """The indexes of the blocks that are not furniture."""
    return [i for i, b in enumerate(blocks) if b.kind != "furniture"]


def _joined(paragraph: Paragraph, texts: list[str]) -> str:
    """The text of ``paragraph``'s blocks run together (enough to judge its length and end)."""
    return "".join(texts[b] for b in paragraph.blocks)


def _paragraph_text(paragraph: Paragraph, blocks: list[Block]) -> str:
    parts = [blocks[paragraph.blocks[0]].text]
    for seam, b in zip(paragraph.seams, paragraph.blocks[1:]):
        parts.append(blocks[b].text[seam.drop:])
    return "".join(parts)


#: Past this many length-changing normalisation edits, widths are taken as they are now.
MAX_WIDTH_EDITS = 2000


def _restore_widths(blocks: list[Block], doc: Document) -> None:
    """Set each block's width to its length as laid out, before normalisation shortened it
    (``&ldquo;`` is one character now, seven on the page).  The indent is not counted."""
    markers: list[tuple[int, int]] = []  # (offset in the current text, characters removed there)
    changes = [e for e in doc.edits if len(e.after) != len(e.before)]
    if len(changes) <= MAX_WIDTH_EDITS:
        for e in changes:
            shift = len(e.after) - len(e.before)
            markers = [(at + shift if at > e.at else at, removed) for at, removed in markers]
            markers.append((e.at, -shift))
    markers.sort()
    offsets = [at for at, _ in markers]
    removed = list(itertools.accumulate((r for _, r in markers), initial=0))
    for block in blocks:  # the markers inside each block, found by bisection
        inside = removed[bisect_left(offsets, block.end)] - removed[bisect_left(offsets, block.start)]
        block.width = len(block.text) + inside
