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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import regex

from ..ruleset import Rule, compile_pattern, load_rules

RULE_FILE = "normalise.toml"
KINDS = {
    "translate": {"from", "to"},
    "delete": {"chars"},
    "pattern": {"pattern", "replace", "transform"},
    "flag": {"pattern", "flag"},
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
    pattern: regex.Pattern
    replacement: Callable[[regex.Match], str] | None
    flag: str | None = None


def compile_rule(rule: Rule) -> Substitution:
    s = rule.settings
    if rule.kind == "translate":
        src, dst = s.get("from"), s.get("to")
        if not isinstance(src, str) or not isinstance(dst, str) or not src or len(src) != len(dst):
            raise rule.error("'from' and 'to' must be non-empty strings of the same length")
        table = str.maketrans(src, dst)
        return Substitution(rule, _char_class(src), lambda m: m.group().translate(table))
    if rule.kind == "delete":
        chars = s.get("chars")
        if not isinstance(chars, str) or not chars:
            raise rule.error("'chars' must be a non-empty string")
        return Substitution(rule, _char_class(chars), lambda m: "")
    pattern = compile_pattern(rule)
    if rule.kind == "flag":
        if not isinstance(s.get("flag"), str):
            raise rule.error("'flag' must name the flag kind")
        return Substitution(rule, pattern, None, s["flag"])
    if ("replace" in s) == ("transform" in s):
        raise rule.error("a pattern rule needs exactly one of 'replace' or 'transform'")
    if "transform" in s:
        transform = TRANSFORMS.get(s["transform"])
        if transform is None:
            raise rule.error(f"unknown transform {s['transform']!r}; expected one of {sorted(TRANSFORMS)}")
        return Substitution(rule, pattern, lambda m: transform(m.group(m.lastindex or 0)))
    template = s["replace"]
    if not isinstance(template, str):
        raise rule.error("'replace' must be a string")
    for ref in regex.findall(r"\\(\d+)|\\g<(\w+)>", template):
        number, name = ref
        if (number and int(number) > pattern.groups) or (name and not name.isdigit()
                                                          and name not in pattern.groupindex):
            raise rule.error(f"replacement {template!r} refers to a group the pattern does not have")
    return Substitution(rule, pattern, lambda m: m.expand(template))


def _char_class(chars: str) -> regex.Pattern:
    return regex.compile("[" + "".join(regex.escape(c) for c in dict.fromkeys(chars)) + "]+")


def load_substitutions(user_dir: Path | str | None = None, replace_bundled: bool = False) -> list[Substitution]:
    """The normalisation rules, bundled and user's, compiled in application order."""
    return [compile_rule(r) for r in load_rules(RULE_FILE, KINDS, user_dir=user_dir,
                                                replace_bundled=replace_bundled)]
