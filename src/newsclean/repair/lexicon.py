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

import opencc

#: A word must be at least this frequent in the dictionary to count as evidence.
MIN_COUNT = 3
_T2S = opencc.OpenCC("t2s")


@functools.cache
def _words() -> dict[str, int]:
    text = importlib.resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    words: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) >= 2 and 2 <= len(parts[0]) <= 4:
            words[parts[0]] = int(parts[1])
    return words


def word_count(word: str) -> int:
    """How often ``word`` (Simplified) occurs in the dictionary's corpus."""
    return _words().get(word, 0)


def spanning_word(left: str, right: str) -> str | None:
    """The most frequent dictionary word made of the end of ``left`` and the start of ``right``."""
    tail, head = _T2S.convert(left[-3:]), _T2S.convert(right[:3])
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
