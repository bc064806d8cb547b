"""Word frequencies from jieba's bundled dictionary: does a word run across a seam?

A page break that cuts a word (``干`` / ``部``, ``组`` / ``织``) leaves a
dictionary word spanning the seam.  That is the strongest single sign that two
blocks belong to one sentence.  jieba's ``dict.txt`` ships inside the package
(about 350,000 Simplified words with counts), so nothing is downloaded.
Traditional text is folded with OpenCC before lookup.

>>> spanning_word("领导干", "部要坚持")
'干部'
>>> spanning_word("不妥，", "阿荣当时") is None
True
"""
from __future__ import annotations

import functools
import importlib.resources
import re

from ..normalize.convert import to_simplified

#: A word must be at least this frequent in the dictionary to count as evidence.
MIN_COUNT = 3
_ENTRY = re.compile(r"^(\S{2,4}) (\d+)", re.M)


@functools.cache
def _words() -> dict[str, int]:
    """Words of two to four characters and their counts (``word count tag`` lines)."""
    text = importlib.resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    return {word: int(count) for word, count in _ENTRY.findall(text)}


def word_count(word: str) -> int:
    """How often ``word`` (Simplified) occurs in the dictionary's corpus."""
    return _words().get(word, 0)


def spanning_word(left: str, right: str) -> str | None:
    """The most frequent dictionary word made of the end of ``left`` and the start of ``right``."""
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
