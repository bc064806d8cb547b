"""The ``normalise`` stage: character rules from ``rules/``, then optional script conversion.

>>> from newsclean.document import Document
>>> doc = Normalise.from_rules().process(Document(id="a", text="２０１２年&ldquo;VIP&rdquo; 客户"))
>>> doc.text
'2012年“VIP”客户'
>>> [e.rule for e in doc.edits]
['html_entity', 'html_entity', 'fullwidth_alnum', 'space_in_han']
"""
from __future__ import annotations

from pathlib import Path

from ..document import Document
from .convert import ScriptConverter
from .rules import Substitution, load_substitutions

STAGE = "normalise"
#: Seconds a rule may spend on a document, plus a second per 2 MB of text.
TIMEOUT_BASE, TIMEOUT_PER_CHAR = 1.0, 1 / 2e6


class Normalise:
    """Apply each substitution in order to a document, recording every change."""

    name = STAGE

    def __init__(self, substitutions: list[Substitution], convert: str | None = None):
        self.substitutions = substitutions
        self.converter = ScriptConverter(convert) if convert else None

    @classmethod
    def from_rules(cls, user_dir: Path | str | None = None, replace_bundled: bool = False,
                   convert: str | None = None) -> "Normalise":
        return cls(load_substitutions(user_dir, replace_bundled), convert)

    def process(self, doc: Document) -> Document:
        for sub in self.substitutions:
            _apply(doc, sub)
        if self.converter:
            self.converter.apply(doc)
        return doc

    def normalise_text(self, text: str) -> str:
        """Normalise a bare string (what the comparison keys and tests use)."""
        return self.process(Document(id="", text=text)).text


def _apply(doc: Document, sub: Substitution) -> None:
    timeout = TIMEOUT_BASE + len(doc.text) * TIMEOUT_PER_CHAR
    rule = sub.rule.id
    try:
        if sub.replacement is None:
            match = sub.pattern.search(doc.text, timeout=timeout)
            if match:
                doc.flag(sub.flag, None, f"{rule} at {match.start()}: {match.group()!r}")
            return
        edits = []
        delta = 0

        def record(match):
            nonlocal delta
            before, after = match.group(), sub.replacement(match)
            if before != after:
                edits.append((match.start() + delta, before, after))
                delta += len(after) - len(before)
            return after

        text = sub.pattern.sub(record, doc.text, timeout=timeout)
    except TimeoutError:
        doc.flag("rule_timeout", None, f"rule {rule} ({sub.rule.where}) timed out and was skipped")
        return
    if edits:
        from ..document import Edit
        doc.edits.extend(Edit(STAGE, rule, at, before, after) for at, before, after in edits)
        doc.text = text
