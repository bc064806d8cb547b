"""Lines that recur across a batch's documents with their numbers changed: a paper's or a
site's furniture (``第4版`` … ``第7版``, ``— 3 —``, a running head with its date).

A line's *shape* is its text with the numbers masked, folded to Simplified script and
half-width.  A census counts, over every document of a batch, the short lines that hold a
number and no clause (no label's line, no item of a list), and keeps a shape printed:

- in at least :data:`MIN_DOCUMENTS` documents,
- with at least two different numbers (a heading that recurs word for word is the
  author's: ``第一章　总则``; so is one with a fixed number: ``1.国内联播快讯：``),
- inside a sentence in at least two of them: after a paragraph's text that stops without
  ending it, as a page cuts text anywhere (a subhead with a year, ``2024年展望``, follows
  its section's end; a date line that ends a press release is the release's own).

Counted before any document is repaired, a census makes what repair finds in one document
depend on the batch around it; every engine counts it the same way, so the output still
does not depend on the engine or the number of workers.

>>> from newsclean.repair.rules import RepairRules
>>> census = LineCensus(RepairRules.load())
>>> for n in range(3):
...     census.count(f"标题\\n近年来，临颍县始终坚持“围绕发展抓党建、抓好党建促发展”的理念，全面提\\n第{n + 3}版\\n升了水平。")
>>> census.recurring(), census.close().recurs("第12版"), census.close().recurs("标题")
(['第0版'], True, False)
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import regex

from ..normalize.convert import to_simplified
from .rules import RepairRules, RuleTimeout, loaded_once

#: A furniture shape is printed in at least this many documents of the batch.
MIN_DOCUMENTS = 3
#: ... and inside a sentence, after text a page cut, in at least this many.
MIN_INSIDE = 2
#: Lines longer than this are no furniture found by evidence.
MAX_CHARS = 30
_NUMBER = regex.compile(r"\d+")
_WHITE = regex.compile(r"\s+")
#: Clause punctuation: furniture holds none.
CLAUSE = regex.compile(r"[，。；！？,;!?]")


def short_line(text: str, rules: RepairRules) -> bool:
    """Short, holding no clause, no label's line and no item of a list: the shape of
    furniture found by evidence (a label, a name, a number, a date).

    >>> rules = RepairRules.load()
    >>> short_line("第4版", rules), short_line("电话：25086231", rules), short_line("他说，好。", rules)
    (True, False, False)
    """
    return len(text) <= MAX_CHARS and not CLAUSE.search(text) and not rules.label(text) \
        and not rules.new_start(text)


def cut_text(text: str, rules: RepairRules) -> bool:
    """``text`` is a paragraph's that stops without ending its unit, as a page cuts text
    anywhere.  (A heading stops so too, and what follows it is its section's.)

    >>> rules = RepairRules.load()
    >>> cut_text("近年来，全县开展党员教育培训，由县委组织部牵头，各乡镇分批组织，参加的党员", rules), cut_text("大事记", rules)
    (True, False)
    """
    return len(text) > MAX_CHARS and not rules.closed_end(text)


def shape(text: str) -> str:
    """``text`` with every run of digits masked as ``0``.

    >>> shape("第 12 版"), shape("— 3 —")
    ('第 0 版', '— 0 —')
    """
    return _NUMBER.sub("0", text.strip())


def folded_shape(text: str) -> str:
    """The shape of ``text`` folded (:func:`_folded`): the same whatever normalisation and
    script conversion a run applies."""
    return shape(_folded(text))


def _folded(text: str) -> str:
    """``text`` folded to half-width and Simplified script, white space made one space."""
    return _WHITE.sub(" ", to_simplified(unicodedata.normalize("NFKC", text)))


@dataclass
class _Seen:
    documents: int = 0
    inside: int = 0
    text: str = ""
    varied: bool = False

    def add(self, later: "_Seen") -> None:
        """Count what ``later`` saw (in documents after these) too."""
        self.varied = self.varied or later.varied or bool(self.text and later.text) and self.text != later.text
        self.text = self.text or later.text
        self.documents += later.documents
        self.inside += later.inside


class LineCensus:
    """Count the candidate lines of a batch's documents (:meth:`count`), then keep the
    shapes that recur as furniture does (:meth:`close`)."""

    def __init__(self, rules: RepairRules):
        self.rules = rules
        self._seen: dict[str, _Seen] = defaultdict(_Seen)

    def candidate(self, line: str) -> bool:
        """A line that could be furniture found by recurrence: a :func:`short_line` that holds
        a number."""
        return bool(_NUMBER.search(line)) and short_line(line, self.rules)

    def count(self, text: str) -> None:
        """Count the candidate lines of one document's ``text``; a document on which a rule
        runs out of time is not counted (repair flags it)."""
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        inside: dict[str, bool] = {}
        texts: list[tuple[str, str]] = []
        try:
            for k, line in enumerate(lines):
                folded = _folded(line)
                if self.candidate(folded):
                    key = shape(folded)
                    inside[key] = inside.get(key, False) or 0 < k < len(lines) - 1 and cut_text(lines[k - 1], self.rules)
                    texts.append((key, folded))
        except RuleTimeout:
            return
        found: dict[str, _Seen] = defaultdict(_Seen)
        for key, folded in texts:
            found[key].add(_Seen(text=folded))
        for key, between in inside.items():
            found[key].add(_Seen(documents=1, inside=between))
        self.merge(found)

    def merge(self, counts: "dict[str, _Seen]") -> None:
        """Add the :attr:`counts` of a census of the documents that follow this one's: as if
        this census had counted them too.

        >>> rules = RepairRules.load()
        >>> first, second, both = LineCensus(rules), LineCensus(rules), LineCensus(rules)
        >>> for n, census in enumerate([first, first, second]):
        ...     census.count(f"第{n}版")
        ...     both.count(f"第{n}版")
        >>> first.merge(second.counts)
        >>> first.counts == both.counts
        True
        """
        for key, later in counts.items():
            self._seen[key].add(later)

    @property
    def counts(self) -> "dict[str, _Seen]":
        """What the census has counted, by shape (see :meth:`merge`)."""
        return dict(self._seen)

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


@dataclass(frozen=True)
class CountLines:
    """The step that takes the census of a slice of a batch's documents, by the repair rules
    of ``rules_dir`` (and the bundled ones, unless ``no_default_rules``): its
    :attr:`LineCensus.counts`, which the driver merges in order (:meth:`LineCensus.merge`).

    >>> counts = CountLines(None, False)(["标题\\n第3版"])
    >>> counts["第0版"].documents
    1
    """

    rules_dir: str | None
    no_default_rules: bool

    def __call__(self, texts: list[str]) -> "dict[str, _Seen]":
        census = LineCensus(loaded_once(self.rules_dir, self.no_default_rules))
        for text in texts:
            census.count(text)
        return census.counts
