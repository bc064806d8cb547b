"""Lines that recur across a batch's documents with their numbers changed: a paper's or a
site's furniture (``第4版`` … ``第7版``, ``— 3 —``, a running head with its date).

A line's *shape* is its text with the numbers masked, folded to Simplified script and
half-width.  A census counts, over every document of a batch, the short lines that hold a
number and no clause (no label's line, no item of a list), and keeps a shape printed:

- in at least :data:`MIN_DOCUMENTS` documents,
- with at least two different numbers (a heading that recurs word for word is the
  author's: ``第一章　总则``; so is one with a fixed number: ``1.国内联播快讯：``),
- between two blocks of text in at least two of them (a date line that ends a press
  release is the release's own).

Counted before any document is repaired, a census makes what repair finds in one document
depend on the batch around it; every engine counts it the same way, so the output still
does not depend on the engine or the number of workers.

>>> from newsclean.repair.rules import RepairRules
>>> census = LineCensus(RepairRules.load())
>>> for n in range(3):
...     census.count(f"标题\\n正文，第{n}段。\\n第{n + 3}版\\n正文又一段。")
>>> census.recurring(), census.close().recurs("第12版"), census.close().recurs("标题")
(['第0版'], True, False)
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import regex

from ..normalize.convert import to_simplified
from .rules import RepairRules

#: A furniture shape is printed in at least this many documents of the batch.
MIN_DOCUMENTS = 3
#: ... and between two blocks of text in at least this many.
MIN_INSIDE = 2
#: Lines longer than this are no furniture.
MAX_CHARS = 30
_NUMBER = regex.compile(r"\d+")
_WHITE = regex.compile(r"\s+")
_CLAUSE = regex.compile(r"[，。；！？,;!?]")


def shape(text: str) -> str:
    """``text`` with every run of digits masked as ``0``.

    >>> shape("第 12 版"), shape("— 3 —")
    ('第 0 版', '— 0 —')
    """
    return _NUMBER.sub("0", text.strip())


def folded_shape(text: str) -> str:
    """The shape of ``text`` folded to half-width and Simplified script, white space made one
    space: the same whatever normalisation and script conversion a run applies."""
    return shape(_WHITE.sub(" ", to_simplified(unicodedata.normalize("NFKC", text))))


@dataclass
class _Seen:
    documents: int = 0
    inside: int = 0
    text: str = ""
    varied: bool = False


class LineCensus:
    """Count the candidate lines of a batch's documents (:meth:`count`), then keep the
    shapes that recur as furniture does (:meth:`close`)."""

    def __init__(self, rules: RepairRules):
        self.rules = rules
        self._seen: dict[str, _Seen] = defaultdict(_Seen)

    def candidate(self, line: str) -> bool:
        """A line that could be furniture found by recurrence: short, holding a number and no
        clause, no label's line and no item of a list."""
        return len(line) <= MAX_CHARS and bool(_NUMBER.search(line)) and not _CLAUSE.search(line) \
            and not self.rules.label(line) and not self.rules.new_start(line)

    def count(self, text: str) -> None:
        """Count the candidate lines of one document's ``text``."""
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        inside: dict[str, bool] = {}
        for k, line in enumerate(lines):
            folded = unicodedata.normalize("NFKC", line)
            if self.candidate(folded):
                key = folded_shape(line)
                inside[key] = inside.get(key, False) or 0 < k < len(lines) - 1
                seen = self._seen[key]
                seen.varied = seen.varied or bool(seen.text) and seen.text != folded
                seen.text = seen.text or folded
        for key, between in inside.items():
            self._seen[key].documents += 1
            self._seen[key].inside += between

    def recurring(self) -> list[str]:
        """The shapes that recur as furniture does, sorted."""
        return sorted(key for key, seen in self._seen.items()
                      if seen.documents >= MIN_DOCUMENTS and seen.inside >= MIN_INSIDE and seen.varied)

    def close(self) -> "Census":
        """The census to repair with."""
        return Census(frozenset(self.recurring()))


@dataclass(frozen=True)
class Census:
    """The furniture shapes a batch's documents share (see :class:`LineCensus`)."""

    shapes: frozenset[str] = frozenset()

    def recurs(self, line: str) -> bool:
        return bool(self.shapes) and folded_shape(line) in self.shapes
