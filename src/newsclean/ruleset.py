"""Load rules kept as data (TOML) from the bundled ``rules/`` and a user's ``--rules DIR``.

Every rule file holds an array of ``[[rule]]`` tables, each with a unique
``id`` and a ``kind``.  A user's file of the same name adds rules to the
bundled set; a user rule with a bundled rule's id replaces it, and
``enabled = false`` switches a bundled rule off.  Rules are validated on load
and a bad one is reported with its file and line.  Nothing in a rule file is
ever executed: patterns are compiled with the ``regex`` module and run with a
time limit.

>>> rules = load_rules("reduplication.toml", {"words": {"words"}})
>>> "常常" in rules[0].settings["words"]
True
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import regex

COMMON_KEYS = {"id", "kind", "description", "enabled"}


class RuleError(ValueError):
    """A rule file or rule that cannot be used; the message starts with ``file:line:``."""


@dataclass(frozen=True)
class Rule:
    """One validated rule: its id, kind, settings and where it was defined."""

    id: str
    kind: str
    settings: dict[str, Any] = field(hash=False)
    path: str = ""
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def error(self, message: str) -> RuleError:
        return RuleError(f"{self.where}: rule {self.id!r}: {message}")


def bundled_dir() -> Path:
    """The folder of the rules shipped with newsclean (``rules/`` at the top of the repository)."""
    return Path(__file__).parent / "rules"


def load_rules(name: str, kinds: dict[str, set[str]], *, user_dir: Path | str | None = None,
               replace_bundled: bool = False) -> list[Rule]:
    """Load and merge the rules of file ``name``; validate each rule's keys against ``kinds``.

    ``kinds`` maps each allowed kind to its allowed keys (besides the common
    ``id``, ``kind``, ``description`` and ``enabled``).
    """
    files = [] if replace_bundled else [bundled_dir() / name]
    if user_dir is not None and (Path(user_dir) / name).exists():
        files.append(Path(user_dir) / name)
    merged: dict[str, Rule] = {}
    for path in files:
        for rule in _read_file(path):
            if rule.settings.get("enabled", True) is False:
                merged.pop(rule.id, None)
                continue
            _check_keys(rule, kinds)
            merged.pop(rule.id, None)
            merged[rule.id] = rule
    return list(merged.values())


def _read_file(path: Path) -> Iterable[Rule]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise RuleError(f"{path}:1: cannot read rule file: {err}") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as err:
        line = regex.search(r"line (\d+)", str(err))
        raise RuleError(f"{path}:{line.group(1) if line else _unclosed_line(raw)}: invalid TOML: {err}") from None
    unknown = set(data) - {"rule"}
    if unknown:
        raise RuleError(f"{path}:1: unknown top-level key(s) {sorted(unknown)}; expected [[rule]] tables")
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RuleError(f"{path}:1: 'rule' must be an array of tables ([[rule]])")
    lines = _rule_lines(raw, tables)
    seen: set[str] = set()
    for index, table in enumerate(tables):
        line = lines[index]
        rule_id, kind = table.get("id"), table.get("kind")
        if not isinstance(rule_id, str) or not rule_id:
            raise RuleError(f"{path}:{line}: rule without a string 'id'")
        if rule_id in seen:
            raise RuleError(f"{path}:{line}: duplicate rule id {rule_id!r}")
        seen.add(rule_id)
        if not isinstance(kind, str) and table.get("enabled", True) is not False:
            raise RuleError(f"{path}:{line}: rule {rule_id!r} without a string 'kind'")
        yield Rule(rule_id, kind or "", dict(table), str(path), line)


#: A ``[[rule]]`` header, a comment may follow it.
_HEADER = regex.compile(r"^[ \t]*\[\[[ \t]*rule[ \t]*\]\][ \t]*(?:#.*)?$", regex.M)


def _rule_lines(raw: str, tables: list[dict]) -> list[int]:
    """The line each rule of ``tables`` starts on: its ``[[rule]]`` header, or, for rules
    written as an inline array (``rule = [{ id = "a", … }]``), the line of its ``id``.

    >>> _rule_lines('# rules\\n[[rule]]  # first\\nid = "a"\\n\\n[[rule]]\\nid = "b"\\n', [{"id": "a"}, {"id": "b"}])
    [2, 5]
    >>> _rule_lines('rule = [\\n  { id = "a" },\\n  { id = "b" },\\n]\\n', [{"id": "a"}, {"id": "b"}])
    [2, 3]
    """
    headers = [raw.count("\n", 0, m.start()) + 1 for m in _HEADER.finditer(raw)]
    if len(headers) == len(tables):
        return headers
    lines, cursor = [], 0
    for table in tables:
        found = regex.compile(r"\bid\s*=\s*[\"']" + regex.escape(str(table.get("id", ""))) + r"[\"']").search(raw, cursor)
        if found:
            cursor = found.end()
        lines.append(raw.count("\n", 0, found.start()) + 1 if found else 1)
    return lines


def _unclosed_line(raw: str) -> int:
    """The line a string left open to the end of a rule file starts on (TOML reports only "at
    end of document"): the last multi-line string opened and not closed, else the last line.

    >>> _unclosed_line("id = 'a'\\ndescription = \'\'\'open\\nstill open\\n")
    2
    """
    opened = None
    for number, line in enumerate(raw.splitlines(), start=1):
        for _ in regex.finditer(r'"""|\'\'\'', line):
            opened = None if opened else number
    return opened or max(1, raw.count("\n") + (not raw.endswith("\n")))


def _check_keys(rule: Rule, kinds: dict[str, set[str]]) -> None:
    if rule.kind not in kinds:
        raise rule.error(f"unknown kind {rule.kind!r}; expected one of {sorted(kinds)}")
    unknown = set(rule.settings) - COMMON_KEYS - kinds[rule.kind]
    if unknown:
        raise rule.error(f"unknown key(s) {sorted(unknown)} for kind {rule.kind!r}")


def compile_pattern(rule: Rule, key: str = "pattern") -> regex.Pattern:
    """Compile ``rule.settings[key]``, refusing invalid or catastrophically backtracking patterns."""
    source = rule.settings.get(key)
    if not isinstance(source, str) or not source:
        raise rule.error(f"{key!r} must be a non-empty string")
    nested = nested_quantifier(source)
    if nested:
        raise rule.error(f"pattern {source!r} can backtrack catastrophically: "
                         f"quantified group {nested!r} contains a quantifier")
    try:
        return regex.compile(source, regex.V1)
    except regex.error as err:
        raise rule.error(f"invalid pattern {source!r}: {err}") from None


def nested_quantifier(pattern: str) -> str | None:
    """Return the first quantified group that itself contains a quantifier, the shape of
    catastrophic backtracking (``(a+)+``, ``(\\s*x*)*``), or ``None``.

    >>> nested_quantifier(r"(a+)+b")
    '(a+)+'
    >>> nested_quantifier(r"(?<=\\p{Han})[ ]+(?=\\p{Han})") is None
    True
    """
    stack: list[tuple[int, bool]] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif c == "(":
            stack.append((i, False))
        elif c == ")" and stack:
            start, has_quantifier = stack.pop()
            following = pattern[i + 1:i + 2]
            if has_quantifier and (following in ("*", "+") or pattern.startswith("{", i + 1)
                                   and regex.match(r"\{\d*,\}", pattern[i + 1:])):
                return pattern[start:i + 2]
            if stack and (has_quantifier or following in ("*", "+", "{")):
                stack[-1] = (stack[-1][0], True)
        elif c in "*+" and stack:
            stack[-1] = (stack[-1][0], True)
        elif c == "{" and stack and regex.match(r"\{\d*,\}", pattern[i:]):
            stack[-1] = (stack[-1][0], True)
        i += 1
    return None
