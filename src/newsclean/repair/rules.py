"""The repair rules of ``rules/``: furniture, seam evidence and legitimate reduplications.

>>> rules = RepairRules.load()
>>> rules.furniture("— 3 —"), rules.furniture("第4版"), rules.furniture("临颍县")
('page_number', 'page_label', None)
>>> rules.is_reduplication("常常"), rules.is_reduplication("带带")
(True, False)
"""
from __future__ import annotations

import functools
import math
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import regex

from ..ruleset import Rule, compile_pattern, load_rules

FURNITURE_KINDS = {"line": {"pattern", "max_chars", "text_goes_on", "outside_text", "kept_at_end", "page_apart"},
                   "edge": {"pattern"}}
#: Furniture lines are short: a block longer than every rule's ``max_chars`` is not tested.
FURNITURE_MAX_CHARS = 60
#: End rules look at a block's last characters and start rules at its first, not the whole block.
EDGE_CHARS = 64
SEAM_KINDS = {"end": {"pattern"}, "start": {"pattern"}, "unit": {"pattern", "max_chars"}, "continuation": {"pattern"},
              "dangling": {"pattern"}, "label": {"pattern"}, "particle": {"pattern"}, "heading": {"max_chars", "sentence_min_chars", "sentence_pattern"}}
REDUPLICATION_KINDS = {"words": {"words"}}
#: Seconds a rule's pattern may run on one text; past it, :class:`RuleTimeout`.
RULE_TIMEOUT = 1.0
#: Answers a :class:`PatternSet` remembers: layout, furniture and seams ask about the same
#: block (or its edge) many times, and a batch's republished copies repeat their lines.
REMEMBERED = 1 << 15
#: ... of texts no longer than this (a longer one is no key to keep).
REMEMBERED_CHARS = 300


class RuleTimeout(TimeoutError):
    """The pattern of repair rule ``rule`` ran out of time on a text (a crafted text, or a
    pattern that backtracks too much): repair leaves the document as it was and flags it."""

    def __init__(self, rule: str):
        super().__init__(f"rule {rule} timed out")
        self.rule = rule


def timed(rule: str, matches: Iterator[regex.Match]) -> Iterator[regex.Match]:
    """``matches`` of ``rule``'s pattern (found with a ``timeout``), its time running out as
    a :class:`RuleTimeout` that names it."""
    try:
        yield from matches
    except TimeoutError:
        raise RuleTimeout(rule) from None


class PatternSet:
    """Rules of one kind, tried in order; the id of the first that matches is the answer.

    Most texts match none, so a single alternation of the patterns is tried first
    (:func:`_alternation`) and the rules one by one only when it matches; of a text longer
    than some rules' length limits, the alternation of the others.  The last
    :data:`REMEMBERED` answers are remembered, for texts of up to :data:`REMEMBERED_CHARS`
    (a :class:`RuleTimeout` is no answer: it is raised each time).

    >>> rules = PatternSet([("a", regex.compile("x+")), ("b", regex.compile("y"))])
    >>> rules.first("zzy"), rules.first("zzz"), rules.first("xx", full=True)
    ('b', None, 'a')
    """

    def __init__(self, patterns: list[tuple[str, regex.Pattern]], max_chars: dict[str, int] | None = None):
        self.patterns = tuple(patterns)
        #: A rule with a length limit matches no longer text.
        self.max_chars = max_chars or {}
        self.longest = max(self.max_chars.values(), default=0)
        #: For texts up to each length limit (ascending), the alternation of the rules that apply.
        self._limits = sorted({*self.max_chars.values(), math.inf})
        self._any = [_alternation([p for rule_id, p in self.patterns if self.max_chars.get(rule_id, math.inf) >= limit])
                     for limit in self._limits]
        #: The answers remembered, searched for and matched whole: keyed by the text alone, which
        #: allocates nothing (a key of two would be a tuple a call, a collector's work).
        self._remembered = {full: functools.lru_cache(maxsize=REMEMBERED)(functools.partial(self._first, full=full))
                            for full in (False, True)}

    def __reduce__(self):
        return PatternSet, (list(self.patterns), self.max_chars)  # the memory is not sent along

    def first(self, text: str, full: bool = False) -> str | None:
        if self.max_chars and len(text) > self.longest:
            return None
        return self._remembered[full](text) if len(text) <= REMEMBERED_CHARS else self._first(text, full)

    def _first(self, text: str, full: bool) -> str | None:
        alternation = self._any[bisect_left(self._limits, len(text))]
        try:
            if alternation is not None and not _match(alternation, text, full, "(any)"):
                return None
        except RuleTimeout:
            pass  # tried one by one, the rule that runs out of time is named
        for rule_id, pattern in self.patterns:
            if len(text) <= self.max_chars.get(rule_id, len(text)) and _match(pattern, text, full, rule_id):
                return rule_id
        return None


def _alternation(patterns: list[regex.Pattern]) -> regex.Pattern | None:
    """One pattern matching where any of ``patterns`` does, if they are two or more and none
    refers back to a group (which an alternation would renumber)."""
    if len(patterns) < 2 or any(regex.search(r"\\[1-9]|\(\?P=|\\g<", p.pattern) for p in patterns):
        return None
    return regex.compile("|".join(f"(?:{p.pattern})" for p in patterns), regex.V1)


def _match(pattern: regex.Pattern, text: str, full: bool, rule: str):
    """``pattern`` (rule ``rule``'s) matched against the whole of ``text`` or searched in it.
    (The arguments go by position, ``pos, endpos, concurrent, partial, timeout``, as the
    ``regex`` module's own functions pass them: a keyword argument costs 0.4 µs of a 2 µs call.)"""
    try:
        return (pattern.fullmatch if full else pattern.search)(text, None, None, None, False, RULE_TIMEOUT)
    except TimeoutError:
        raise RuleTimeout(rule) from None


@dataclass(frozen=True)
class RepairRules:
    """Compiled repair rules, each pattern kept with the id of the rule it came from."""

    furniture_lines: PatternSet
    furniture_edges: tuple[tuple[str, regex.Pattern], ...]
    #: Ids of furniture lines that say the text before them goes on elsewhere (（下转第2版）).
    goes_on: frozenset[str]
    #: Ids of furniture lines printed around a text, never inside it (a web page's menu bar,
    #: whose shape a list of names may have).
    outside_text: frozenset[str]
    #: Ids of furniture lines that are the text's own where they close it, after its last
    #: sentence (a letter's or a notice's date).
    kept_at_end: frozenset[str]
    #: Ids of furniture lines that are furniture only a page apart, where printed more than
    #: once (page numbers; numbers closer together number the text's own sections).
    page_apart: frozenset[str]
    closed_ends: PatternSet
    new_starts: PatternSet
    #: Each unit rule has a length limit: a longer block opening with a label starts a unit
    #: (``unit_starts``) but does not end one (``记者：…？赵薇：…``).
    units: PatternSet
    unit_starts: PatternSet
    continuations: PatternSet
    danglings: PatternSet
    labels: PatternSet
    particles: PatternSet
    heading_max_chars: int
    sentence_min_chars: int
    sentence_words: regex.Pattern | None
    reduplications: frozenset[str]

    @classmethod
    def load(cls, user_dir: Path | str | None = None, replace_bundled: bool = False) -> "RepairRules":
        opts = dict(user_dir=user_dir, replace_bundled=replace_bundled)
        furniture = load_rules("furniture.toml", FURNITURE_KINDS, **opts)
        seams = load_rules("seams.toml", SEAM_KINDS, **opts)
        words = load_rules("reduplication.toml", REDUPLICATION_KINDS, **opts)
        headings = [r for r in seams if r.kind == "heading"]
        heading = headings[-1] if headings else None
        max_chars = heading.settings.get("max_chars", 30) if heading else 30
        min_chars = heading.settings.get("sentence_min_chars", 12) if heading else 12
        for value, name in ((max_chars, "max_chars"), (min_chars, "sentence_min_chars")):
            if not isinstance(value, int) or value < 1:
                raise heading.error(f"{name!r} must be a positive integer")
        for rule in furniture:
            for key in ("text_goes_on", "outside_text", "kept_at_end", "page_apart"):
                if not isinstance(rule.settings.get(key, False), bool):
                    raise rule.error(f"{key!r} must be true or false")
        sentence_words = compile_pattern(heading, "sentence_pattern") \
            if heading and "sentence_pattern" in heading.settings else None
        return cls(
            furniture_lines=PatternSet(_patterns(furniture, "line"), _limits(furniture, "line")),
            furniture_edges=tuple(_patterns(furniture, "edge")),
            goes_on=_flagged(furniture, "text_goes_on"),
            outside_text=_flagged(furniture, "outside_text"),
            kept_at_end=_flagged(furniture, "kept_at_end"),
            page_apart=_flagged(furniture, "page_apart"),
            closed_ends=PatternSet(_patterns(seams, "end")),
            new_starts=PatternSet(_patterns(seams, "start")),
            units=PatternSet(_patterns(seams, "unit"), _limits(seams, "unit")),
            unit_starts=PatternSet(_patterns(seams, "unit")),
            continuations=PatternSet(_patterns(seams, "continuation")),
            danglings=PatternSet(_patterns(seams, "dangling")),
            labels=PatternSet(_patterns(seams, "label")),
            particles=PatternSet(_patterns(seams, "particle")),
            heading_max_chars=max_chars,
            sentence_min_chars=min_chars,
            sentence_words=sentence_words,
            reduplications=frozenset(_words(words)),
        )

    def furniture(self, text: str) -> str | None:
        """The id of the furniture rule matching the whole of ``text``, if any."""
        return self.furniture_lines.first(text, full=True)

    def closed_end(self, text: str) -> str | None:
        """The id of the rule saying ``text`` ends a unit (a sentence, a lead-in, a credit …)."""
        return self.closed_ends.first(text[-EDGE_CHARS:]) or self.unit(text)

    def unit(self, text: str) -> str | None:
        """The id of the rule saying ``text`` is a whole unit by its shape (a label and its
        value, a table row …), within that rule's ``max_chars``."""
        return self.units.first(text)

    def new_start(self, text: str) -> str | None:
        """The id of the rule saying ``text`` opens a new unit (an enumeration, a dateline …)."""
        return self.new_starts.first(text[:EDGE_CHARS]) or self.unit_starts.first(text[:EDGE_CHARS])

    def continues(self, text: str) -> str | None:
        """The id of the rule saying ``text`` cannot open a sentence."""
        return self.continuations.first(text[:EDGE_CHARS])

    def label(self, text: str) -> str | None:
        """The id of the rule saying ``text`` opens with a label or a speaker's name and a colon."""
        return self.labels.first(text[:EDGE_CHARS])

    def ties(self, text: str) -> str | None:
        """The id of the rule saying ``text`` ends on a particle that ties it to what follows."""
        return self.particles.first(text[-EDGE_CHARS:])

    def dangles(self, text: str) -> str | None:
        """The id of the rule saying ``text`` stops on a word no sentence or headline ends on."""
        return self.danglings.first(text[-EDGE_CHARS:])

    def is_reduplication(self, word: str) -> bool:
        return word in self.reduplications


def _patterns(rules: list[Rule], kind: str) -> list[tuple[str, regex.Pattern]]:
    return [(r.id, compile_pattern(r)) for r in rules if r.kind == kind]


def _flagged(rules: list[Rule], key: str) -> frozenset[str]:
    """Ids of the ``rules`` whose setting ``key`` is true."""
    return frozenset(r.id for r in rules if r.settings.get(key) is True)


def _limits(rules: list[Rule], kind: str) -> dict[str, int]:
    return {r.id: _max_chars(r) for r in rules if r.kind == kind}


def _words(rules: list[Rule]) -> list[str]:
    words: list[str] = []
    for rule in rules:
        listed = rule.settings.get("words")
        if not isinstance(listed, list) or not all(isinstance(w, str) and w for w in listed):
            raise rule.error("'words' must be a list of non-empty strings")
        words.extend(listed)
    return words


def _max_chars(rule: Rule) -> int:
    """A furniture line's or a unit's length limit (:data:`FURNITURE_MAX_CHARS` unless given)."""
    value = rule.settings.get("max_chars", FURNITURE_MAX_CHARS)
    if not isinstance(value, int) or value < 1:
        raise rule.error("'max_chars' must be a positive integer")
    return value


@functools.lru_cache(maxsize=4)
def loaded_once(rules_dir: str | None, no_default_rules: bool) -> RepairRules:
    """:meth:`RepairRules.load`, once a process: for steps a worker runs many times (the
    census's counts, lost starts), where loading the rules would cost more than the step."""
    return RepairRules.load(rules_dir, no_default_rules)
