"""Word frequencies from jieba's bundled dictionary: does a word run across a seam?

A page break that cuts a word (``干`` / ``部``, ``组`` / ``织``) leaves a
dictionary word spanning the seam.  That is the strongest single sign that two
blocks belong to one sentence.  jieba's ``dict.txt`` ships inside the package
(about 350,000 Simplified words with counts), so nothing is downloaded.
Traditional text is folded with OpenCC before lookup.

A word that merely *can* be read across the seam is weak evidence: ``启动`` / ``工业``
reads ``动工`` by chance.  :func:`word_across` asks the question the way a reader does:
does the most probable segmentation of the text around the seam (jieba's own
max-probability path over its dictionary) put a word across it?

>>> word_across("领导干", "部要坚持")
'干部'
>>> word_across("智能制造试点示范行动启动", "工业和信息化部") is None
True
>>> spanning_word("不妥，", "阿荣当时") is None
True
"""
from __future__ import annotations

import functools
import importlib.resources
import math
import re

from ..normalize.convert import to_simplified

#: A word must be at least this frequent in the dictionary to count as evidence.
MIN_COUNT = 3
#: The longest dictionary word looked up, and how many characters each side of a seam
#: the segmentation reads.
MAX_WORD, WINDOW = 8, 4
_ENTRY = re.compile(r"^(\S{1,8}) (\d+)", re.M)


@functools.cache
def _words() -> dict[str, int]:
    """Words of up to :data:`MAX_WORD` characters and their counts (``word count tag`` lines)."""
    text = importlib.resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    return {word: int(count) for word, count in _ENTRY.findall(text)}


@functools.cache
def _log_total() -> float:
    return math.log(sum(_words().values()))


def word_count(word: str) -> int:
    """How often ``word`` (Simplified) occurs in the dictionary's corpus."""
    return _words().get(word, 0)


def segment(text: str) -> list[str]:
    """The most probable segmentation of ``text`` (Simplified) into dictionary words, as
    jieba computes it without its HMM: each word weighs its count in the dictionary,
    a character it does not know counts once.

    >>> segment("提升干部能力")
    ['提升', '干部', '能力']
    """
    words, log_total = _words(), _log_total()
    n = len(text)
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        options = [(math.log(words.get(text[i], 0) or 1) - log_total + best[i + 1][0], i + 1)]
        for end in range(i + 2, min(n, i + MAX_WORD) + 1):
            count = words.get(text[i:end])
            if count:
                options.append((math.log(count) - log_total + best[end][0], end))
        best[i] = max(options)
    out, i = [], 0
    while i < n:
        out.append(text[i:best[i][1]])
        i = best[i][1]
    return out


def word_across(left: str, right: str) -> str | None:
    """The word that the most probable segmentation of the text around the seam reads
    across it (``干部`` in ``领导干`` / ``部要``), or ``None`` when it puts a word boundary
    at the seam.  Of a compound (``今天下午`` in ``今天下`` / ``午``), the commonest word
    within it that still spans the seam (``下午``).  Words of fewer than :data:`MIN_COUNT`
    occurrences do not count."""
    return _word_across(left[-WINDOW:], right[:WINDOW])


@functools.lru_cache(maxsize=1 << 15)
def _word_across(left: str, right: str) -> str | None:
    """:func:`word_across` of the :data:`WINDOW` characters each side of the seam (remembered:
    layout, seams and spaces ask about the same seam, and seams repeat across a batch)."""
    tail, head = to_simplified(left), to_simplified(right)
    if not _spanned(tail + head, len(tail)):
        return None  # most seams: no segmentation can read a word across
    position = 0
    for word in segment(tail + head):
        cut = len(tail) - position
        if 0 < cut < len(word):
            inner = [word[i:j] for i in range(cut) for j in range(cut + 1, len(word) + 1)]
            best = max(inner, key=lambda w: (word_count(w), -len(w)))
            return best if word_count(best) >= MIN_COUNT else None
        position += len(word)
    return None


def _spanned(text: str, cut: int) -> bool:
    """Some dictionary word of ``text`` (of the lengths :func:`segment` reads) runs across
    offset ``cut``: a check of a few look-ups, where segmenting takes dozens.

    >>> _spanned("领导干部要", 3), _spanned("不妥，阿荣当", 3)
    (True, False)
    """
    words = _words()
    return any(words.get(text[i:j]) for i in range(max(0, cut - MAX_WORD + 1), cut)
               for j in range(cut + 1, min(len(text), i + MAX_WORD) + 1))


def spanning_word(left: str, right: str) -> str | None:
    """The most frequent dictionary word made of the end of ``left`` and the start of
    ``right``, whether or not a reader would read it there (see :func:`word_across`)."""
    tail, head = to_simplified(left[-3:]), to_simplified(right[:3])
    words = _words()
    best, best_count = None, MIN_COUNT - 1
    for k in range(1, len(tail) + 1):
        for m in range(1, len(head) + 1):
            if not 2 <= k + m <= 4:
                continue
            word = tail[-k:] + head[:m]
            count = words.get(word, 0)
            if count > best_count:
                best, best_count = word, count
    return best
