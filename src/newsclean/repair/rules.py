"""The repair rules of ``rules/``: furniture, seam evidence and legitimate reduplications.

>>> rules = RepairRules.load()
>>> rules.furniture("— 3 —"), rules.furniture("第4版"), rules.furniture("临颍县")
('page_number', 'page_label', None)
>>> rules.is_reduplication("常常"), rules.is_reduplication("带带")
(True, False)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import regex

from ..ruleset import Rule, compile_pattern, load_rules

FURNITURE_KINDS = {"line": {"pattern", "max_chars"}, "edge": {"pattern"}}
#: Furniture lines are short: a block longer than a rule's ``max_chars`` is not tested against it.
FURNITURE_MAX_CHARS = 60
#: End rules look at a block's last characters and start rules at its first, not the whole block.
EDGE_CHARS = 64
SEAM_KINDS = {"end": {"pattern"}, "start": {"pattern"}, "unit": {"pattern"}, "continuation": {"pattern"},
              "heading": {"max_chars"}}
REDUPLICATION_KINDS = {"words": {"words"}}


@dataclass(frozen=True)
class RepairRules:
    """Compiled repair rules, each pattern kept with the id of the rule it came from."""

    furniture_lines: tuple[tuple[str, regex.Pattern, int], ...]
    furniture_edges: tuple[tuple[str, regex.Pattern], ...]
    closed_ends: tuple[tuple[str, regex.Pattern], ...]
    new_starts: tuple[tuple[str, regex.Pattern], ...]
    units: tuple[tuple[str, regex.Pattern], ...]
    continuations: tuple[tuple[str, regex.Pattern], ...]
    heading_max_chars: int
    reduplications: frozenset[str]

    @classmethod
    def load(cls, user_dir: Path | str | None = None, replace_bundled: bool = False) -> "RepairRules":
        opts = dict(user_dir=user_dir, replace_bundled=replace_bundled)
        furniture = load_rules("furniture.toml", FURNITURE_KINDS, **opts)
        seams = load_rules("seams.toml", SEAM_KINDS, **opts)
        words = load_rules("reduplication.toml", REDUPLICATION_KINDS, **opts)
        headings = [r for r in seams if r.kind == "heading"]
        max_chars = headings[-1].settings.get("max_chars", 30) if headings else 30
        if not isinstance(max_chars, int) or max_chars < 1:
            raise headings[-1].error("'max_chars' must be a positive integer")
        return cls(
            furniture_lines=tuple((rule_id, pattern, _max_chars(rule)) for (rule_id, pattern), rule
                                  in zip(_patterns(furniture, "line"), [r for r in furniture if r.kind == "line"])),
            furniture_edges=_patterns(furniture, "edge"),
            closed_ends=_patterns(seams, "end"),
            new_starts=_patterns(seams, "start"),
            units=_patterns(seams, "unit"),
            continuations=_patterns(seams, "continuation"),
            heading_max_chars=max_chars,
            reduplications=frozenset(_words(words)),
        )

    def furniture(self, text: str) -> str | None:
        """The id of the furniture rule matching the whole of ``text``, if any."""
        for rule_id, pattern, max_chars in self.furniture_lines:
            if len(text) <= max_chars and pattern.fullmatch(text, timeout=1.0):
                return rule_id
        return None

    def closed_end(self, text: str) -> str | None:
        """The id of the rule saying ``text`` ends a unit (a sentence, a lead-in, a credit …)."""
        return _first(self.closed_ends, text[-EDGE_CHARS:]) or _first(self.units, text[:EDGE_CHARS])

    def new_start(self, text: str) -> str | None:
        """The id of the rule saying ``text`` opens a new unit (an enumeration, a dateline …)."""
        return _first(self.new_starts + self.units, text[:EDGE_CHARS])

    def continues(self, text: str) -> str | None:
        """The id of the rule saying ``text`` cannot open a sentence."""
        return _first(self.continuations, text[:EDGE_CHARS])

    def is_reduplication(self, word: str) -> bool:
        return word in self.reduplications


def _patterns(rules: list[Rule], kind: str) -> tuple[tuple[str, regex.Pattern], ...]:
    return tuple((r.id, compile_pattern(r)) for r in rules if r.kind == kind)


def _words(rules: list[Rule]) -> list[str]:
    words: list[str] = []
    for rule in rules:
        listed = rule.settings.get("words")
        if not isinstance(listed, list) or not all(isinstance(w, str) and w for w in listed):
            raise rule.error("'words' must be a list of non-empty strings")
        words.extend(listed)
    return words


def _first(patterns, text: str) -> str | None:
    for rule_id, pattern in patterns:
        if pattern.search(text, timeout=1.0):
            return rule_id
    return None


def _max_chars(rule: Rule) -> int:
    value = rule.settings.get("max_chars", FURNITURE_MAX_CHARS)
    if not isinstance(value, int) or value < 1:
        raise rule.error("'max_chars' must be a positive integer")
    return value
