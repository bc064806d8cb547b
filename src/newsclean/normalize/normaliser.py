"""The ``normalise`` stage: character rules from ``rules/``, then optional script conversion.

>>> from newsclean.document import Document
>>> doc = Normalise.from_rules().process(Document(id="a", text="２０１２年&ldquo;VIP&rdquo; 客户"))
>>> doc.text
'2012年“VIP”客户'
>>> [e.rule for e in doc.edits]
['html_entity', 'html_entity', 'fullwidth_alnum', 'space_by_punctuation']
"""
from __future__ import annotations

from pathlib import Path

import regex

from ..document import Document, Edit
from ..names import NORMALISE, RENORMALISE, REPAIR
from .convert import ScriptConverter
from .rules import Substitution, compile_class, load_substitutions, rare_triggers, trigger_scan

#: Seconds a rule may spend on a document, plus a second per 2 MB of text.
TIMEOUT_BASE, TIMEOUT_PER_CHAR = 1.0, 1 / 2e6


class Normalise:
    """Apply each substitution in order to a document, recording every change."""

    name = NORMALISE

    def __init__(self, substitutions: list[Substitution], convert: str | None = None):
        self.substitutions = substitutions
        self.converter = ScriptConverter(convert) if convert else None
        self._scan = trigger_scan(substitutions)
        # Rare triggers are looked up in the characters the shared scan found; common ones
        # (ASCII) are searched for directly, a fast check before the rule's own pattern runs.
        self._rare = [regex.compile(s.triggers) if rare_triggers(s) else None for s in substitutions]
        self._common = [compile_class(s.triggers) if s.triggers and not rare_triggers(s) else None
                        for s in substitutions]

    @classmethod
    def from_rules(cls, user_dir: Path | str | None = None, replace_bundled: bool = False,
                   convert: str | None = None) -> "Normalise":
        return cls(load_substitutions(user_dir, replace_bundled), convert)

    def process(self, doc: Document) -> Document:
        self.apply_rules(doc)
        if self.converter:
            self.converter.apply(doc)
        return doc

    def apply_rules(self, doc: Document) -> None:
        """The character rules alone, in order, each only where its triggers occur."""
        present = self._present(doc.text)
        for sub, rare, common in zip(self.substitutions, self._rare, self._common):
            if (rare is None or rare.search(present)) and (common is None or common.search(doc.text)):
                edits = len(doc.edits)
                _apply(doc, sub)
                # Only a replacement can bring in characters: add the triggers it brought.
                present += self._present("".join(e.after for e in doc.edits[edits:]))

    def _present(self, text: str) -> str:
        """The trigger characters ``text`` holds."""
        return "".join(set("".join(self._scan.findall(text))))

    def normalise_text(self, text: str) -> str:
        """Normalise a bare string (what the comparison keys and tests use)."""
        return self.process(Document(id="", text=text)).text


class Renormalise:
    """Normalise again the documents that repair joined across seams.

    A page break or a hard wrap can cut what normalisation looks for: an entity split as
    ``&l`` / ``dquo;``, a space left at a line end.  Normalising is idempotent, so a second
    pass changes only what the joins brought together.
    """

    name = RENORMALISE

    def __init__(self, normalise: Normalise, after: str = REPAIR):
        self.normalise = normalise
        self.after = after

    def process(self, doc: Document) -> Document:
        if any(e.stage == self.after and e.after == "" for e in doc.edits):
            edits = len(doc.edits)
            self.normalise.apply_rules(doc)
            doc.edits[edits:] = [e._replace(stage=self.name) for e in doc.edits[edits:]]
        return doc


def _apply(doc: Document, sub: Substitution) -> None:
    timeout = TIMEOUT_BASE + len(doc.text) * TIMEOUT_PER_CHAR
    rule = sub.rule.id
    limit = {"timeout": timeout} if isinstance(sub.pattern, regex.Pattern) else {}
    try:
        match = sub.pattern.search(doc.text, **limit)
        if not match:
            return
        if sub.replacement is None:
            doc.flag(sub.flag, None, f"{rule} at {match.start()}: {match.group()!r}")
            return
        edits = []
        delta = 0

        def record(match):
            nonlocal delta
            before, after = match.group(), sub.replacement(match)
            if before != after:
                edits.append(Edit(NORMALISE, rule, match.start() + delta, before, after))
                delta += len(after) - len(before)
            return after

        text = sub.pattern.sub(record, doc.text, **limit)
    except TimeoutError:
        doc.flag("rule_timeout", None, f"rule {rule} ({sub.rule.where}) timed out and was skipped")
        return
    if edits:
        doc.edits.extend(edits)
        doc.text = text
