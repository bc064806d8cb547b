"""Compile the character rules of ``rules/normalise.toml`` into substitutions.

Each rule becomes a compiled pattern and a function from a match to its
replacement; ``translate`` and ``delete`` rules become a character class of
their keys, so one scan finds every run to change.

>>> rule = Rule("fw", "translate", {"from": "１２", "to": "12"})
>>> sub = compile_rule(rule)
>>> sub.pattern.sub(sub.replacement, "第１２版")
'第12版'
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import regex

from ..ruleset import Rule, compile_pattern, load_rules

RULE_FILE = "normalise.toml"
KINDS = {
    "translate": {"from", "to"},
    "delete": {"chars"},
    "pattern": {"pattern", "replace", "transform", "triggers"},
    "flag": {"pattern", "flag", "triggers"},
}


def _html_unescape(text: str) -> str:
    """Unescape until stable, so double-escaped entities (``&amp;ldquo;``) need one pass."""
    for _ in range(4):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    return text


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text.strip(" "))


TRANSFORMS: dict[str, Callable[[str], str]] = {
    "html_unescape": _html_unescape,
    "fullwidth": _fullwidth,
}


@dataclass(frozen=True)
class Substitution:
    """A compiled rule: where it matches and what each match becomes (``None`` for flags)."""

    rule: Rule
    pattern: regex.Pattern | re.Pattern
    replacement: Callable[[regex.Match], str] | None
    flag: str | None = None
    #: A character class every match holds one of (``[&]``), or None: the rule always runs.
    triggers: str | None = None


def compile_rule(rule: Rule) -> Substitution:
    s = rule.settings
    if rule.kind == "translate":
        src, dst = s.get("from"), s.get("to")
        if not isinstance(src, str) or not isinstance(dst, str) or not src or len(src) != len(dst):
            raise rule.error("'from' and 'to' must be non-empty strings of the same length")
        table = str.maketrans(src, dst)
        pattern = _char_class(src)
        return Substitution(rule, pattern, lambda m: m.group().translate(table), triggers=pattern.pattern[:-1])
    if rule.kind == "delete":
        chars = s.get("chars")
        if not isinstance(chars, str) or not chars:
            raise rule.error("'chars' must be a non-empty string")
        pattern = _char_class(chars)
        return Substitution(rule, pattern, lambda m: "", triggers=pattern.pattern[:-1])
    pattern = compile_pattern(rule)
    triggers = _triggers(rule)
    if rule.kind == "flag":
        if not isinstance(s.get("flag"), str):
            raise rule.error("'flag' must name the flag kind")
        return Substitution(rule, pattern, None, s["flag"], triggers)
    if ("replace" in s) == ("transform" in s):
        raise rule.error("a pattern rule needs exactly one of 'replace' or 'transform'")
    if "transform" in s:
        if not isinstance(s["transform"], str):
            raise rule.error(f"'transform' must name one of {sorted(TRANSFORMS)}")
        transform = TRANSFORMS.get(s["transform"])
        if transform is None:
            raise rule.error(f"unknown transform {s['transform']!r}; expected one of {sorted(TRANSFORMS)}")
        return Substitution(rule, pattern, lambda m: transform(m.group(m.lastindex or 0)), triggers=triggers)
    template = s["replace"]
    if not isinstance(template, str):
        raise rule.error("'replace' must be a string")
    for ref in regex.findall(r"\\(\d+)|\\g<(\w+)>", template):
        number, name = ref
        if (number and int(number) > pattern.groups) or (name and not name.isdigit()
                                                          and name not in pattern.groupindex):
            raise rule.error(f"replacement {template!r} refers to a group the pattern does not have")
    return Substitution(rule, pattern, lambda m: m.expand(template), triggers=triggers)


def _triggers(rule: Rule) -> str | None:
    triggers = rule.settings.get("triggers")
    if triggers is None:
        return None
    if not isinstance(triggers, str) or not regex.fullmatch(r"\[(?!\^)(?:\\.|[^\]\[])+\]", triggers):
        raise rule.error("'triggers' must be a character class such as '[&]'")
    try:
        regex.compile(triggers)
    except regex.error as err:
        raise rule.error(f"invalid triggers {triggers!r}: {err}") from None
    return triggers


def rare_triggers(sub: Substitution) -> bool:
    """Whether the rule's triggers are rare enough to find in one shared scan: a class holding
    common ASCII (a space, a comma) would make that scan stop at every other character."""
    if not sub.triggers:
        return False
    pattern = regex.compile(sub.triggers)
    return not any(pattern.match(chr(c)) for c in range(0x20, 0x7F))


def trigger_scan(substitutions: list[Substitution]) -> re.Pattern | regex.Pattern:
    """One pattern finding the rare trigger characters of every rule in a single scan
    (with ``re`` where the classes allow it, for speed, as in :func:`_char_class`)."""
    bodies = "".join(s.triggers[1:-1] for s in substitutions if rare_triggers(s))
    return compile_class(f"[{bodies}]+") if bodies else re.compile(r"(?!)")


def compile_class(pattern: str) -> re.Pattern | regex.Pattern:
    """A character class compiled with ``re`` (faster) unless it needs ``regex`` (``\\p{Han}``)."""
    try:
        return re.compile(pattern)
    except re.error:
        return regex.compile(pattern)


def _char_class(chars: str) -> re.Pattern:
    """A pattern matching runs of ``chars``, written as code point ranges.

    Classes built here cannot backtrack, so they use the standard library's ``re``, which
    scans a simple class about four times faster than ``regex``; patterns written in rule
    files use ``regex`` (``\\p{Han}``, time limits)."""
    points = sorted({ord(c) for c in chars})
    ranges: list[list[int]] = []
    for p in points:
        if ranges and p == ranges[-1][1] + 1:
            ranges[-1][1] = p
        else:
            ranges.append([p, p])
    parts = (f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)
    return re.compile("[" + "".join(parts) + "]+")


def load_substitutions(user_dir: Path | str | None = None, replace_bundled: bool = False) -> list[Substitution]:
    """The normalisation rules, bundled and user's, compiled in application order."""
    return [compile_rule(r) for r in load_rules(RULE_FILE, KINDS, user_dir=user_dir,
                                                replace_bundled=replace_bundled)]
