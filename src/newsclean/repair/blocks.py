"""Cut a document into blocks: its lines, and the paragraphs that ``　　`` indents start mid-line.

A block is a stretch of text with no line break; the white space between two
blocks (newlines, indents, trailing spaces) is their separator.  Whether a
separator is a paragraph break, a hard wrap or a page break is decided later.

>>> [(b.text, b.blank_before, b.indented) for b in split_blocks("标题\\n\\n　　第一段。　　第二段")]
[('标题', False, False), ('第一段。', True, True), ('第二段', False, True)]
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

# A separator: white space holding a line break, or a paragraph indent (two
# ideographic spaces) after the end of a sentence on the same line.  A tab that opens a
# table's row (a cell, then another tab, follows on its line) is the row's empty first cell.
# (Each starts with white space: saying so first lets the search pass other characters by.)
SEPARATOR = regex.compile(r"(?=\s)(?:[^\S\n]*\n(?:(?!\t[^\t\n]*\S[^\t\n]*\t)\s)*|(?<=[。！？”」』）])[ ]*\u3000\u3000\s*)")
INDENT = regex.compile(r"\u3000|[ ]{2}")
_LEAD = regex.compile(r"\s*")


@dataclass
class Block:
    """One line (or indented paragraph) of the document, by its offsets in the text."""

    start: int
    end: int
    text: str
    blank_before: bool = False
    indented: bool = False
    #: Length of the line as laid out (set by repair from the text before normalisation).
    width: int = 0
    #: White space before the text on its line: some scrapers count it in a fixed-width cut.
    indent: int = 0
    kind: str = "text"
    #: The rule that made this block: a furniture rule, or the rule that cut it from the
    #: block before it (``glued_item``).
    rule: str = ""

    def cut(self, at: int, gap: int = 0) -> tuple["Block", "Block"]:
        """This block cut in two at offset ``at`` of its text; the tail follows the head after
        ``gap`` characters, which become the separator between them."""
        head = Block(self.start, self.start + at, self.text[:at], self.blank_before, self.indented, at, self.indent)
        tail = Block(self.start + at + gap, self.end, self.text[at + gap:], width=len(self.text) - at - gap)
        return head, tail


def split_blocks(text: str) -> list[Block]:
    """The blocks of ``text`` in order, with the facts about the separator before each."""
    blocks: list[Block] = []
    position = 0
    previous_separator = ""
    lead = _LEAD.match(text)
    position = lead.end()
    previous_separator = "\n" + lead.group()
    for sep in SEPARATOR.finditer(text, pos=position):
        if sep.start() > position:
            blocks.append(_block(text, position, sep.start(), previous_separator))
        elif sep.start() < position:
            continue
        previous_separator = sep.group()
        position = sep.end()
    end = len(text.rstrip())
    if end > position:
        blocks.append(_block(text, position, end, previous_separator))
    return blocks


def _block(text: str, start: int, end: int, separator: str) -> Block:
    tail = separator.rsplit("\n", 1)[-1]
    indented = bool(INDENT.match(tail)) or "\u3000\u3000" in separator
    return Block(start, end, text[start:end], blank_before=separator.count("\n") >= 2,
                 indented=indented, width=end - start, indent=len(tail))


def split_items(blocks: list[Block]) -> list[Block]:
    """Cut each reference glued to the one before it into a block of its own: a marker
    ``[7]`` inside a block, right after the text of item 6 (``…1994,14（1).2-6[7]李雪松…``).
    The numbers must follow on from the last marker before it, in this block or an earlier
    one: a bracketed number that does not is a citation (``…研究[3]``), and stays.

    >>> [b.text for b in split_items(split_blocks("[6]鲁周勋.影响[J].1994,14(1).2-6[7]李雪松.仿真[J]"))]
    ['[6]鲁周勋.影响[J].1994,14(1).2-6', '[7]李雪松.仿真[J]']
    """
    out: list[Block] = []
    last = None
    for block in blocks:
        opening = _ITEM.match(block.text)
        last = int(opening.group(1)) if opening else last
        cuts = []
        for match in _ITEM.finditer(block.text, 1):
            if last is not None and int(match.group(1)) == last + 1:
                last += 1
                if _ITEM_END.search(block.text, 0, match.start()):
                    cuts.append(match.start())
        done = 0
        for at in cuts:
            head, block = block.cut(at - done)
            block.rule, done = "glued_item", at
            out.append(head)
        out.append(block)
    return out


#: A reference's number, and what ends the reference glued before one (a page number, a
#: year, a full stop).
_ITEM = regex.compile(r"\[(\d{1,3})\](?=\S)")
_ITEM_END = regex.compile(r"[\d.。)）]$")


def split_glued_heads(blocks: list[Block]) -> list[Block]:
    """Cut a headline from the letter-spaced first line of its story, when a PDF's text put
    them side by side on one line (``馬鬃毛驗禁藥獲獎 陳 銘 坤 與 跑 馬`` / ``地馬場…``):
    plain text, a space, then letter-spaced text to the line's end, whose sentence goes on
    in the next block (one must follow).  The tail is marked ``glued_heading``.

    >>> [b.text for b in split_glued_heads(split_blocks("跑道管理達世界水平 阿 強 中 四 退 學\\n後,終日閒逛"))]
    ['跑道管理達世界水平', '阿 強 中 四 退 學', '後,終日閒逛']
    """
    out: list[Block] = []
    for k, block in enumerate(blocks):
        match = _GLUED_HEAD.search(block.text) if k + 1 < len(blocks) else None
        if match and not _CLAUSE.search(block.text, 0, match.start()):
            head, block = block.cut(match.start(), gap=len(match.group()))
            block.rule = GLUED_HEADING
            out.append(head)
        out.append(block)
    return out


GLUED_HEADING = "glued_heading"
#: Plain text (two Han characters at least), a space, and letter-spaced text to the end.
_GLUED_HEAD = regex.compile(r"(?<=\p{Han}{2})[ \u3000](?=\p{Han}(?:[ \u3000]\p{Han}){2,}$)")
_CLAUSE = regex.compile(r"[，。、；：！？,;:!?]")
