"""The Document that flows through every stage, and its audit trail.

A document carries its current ``text`` (paragraphs separated by a single
``\\n``), the ``flags`` raised on it and the ``edits`` made to it.  Every edit
is a span replacement recorded at the offset where it was made, so the edits
replayed in order turn the input text into the output text, and undone in
reverse order turn it back:

>>> doc = Document(id="a", text="ＶＩＰ 客户")
>>> doc.replace(0, 3, "VIP", stage="normalise", rule="fullwidth_alnum")
>>> doc.text
'VIP 客户'
>>> replay("ＶＩＰ 客户", doc.edits) == doc.text
True
>>> undo(doc.text, doc.edits)
'ＶＩＰ 客户'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple


class Edit(NamedTuple):
    """One change: ``before`` at offset ``at`` became ``after``.

    ``at`` is a character offset into the text as it stood when the edit was
    made (after all earlier edits); ``note`` says on what evidence, where a
    rule weighs evidence (``word 干部``).  A named tuple, because a document
    can collect thousands and the log stays on by default.
    """

    stage: str
    rule: str
    at: int
    before: str
    after: str
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        out = {"stage": self.stage, "rule": self.rule, "at": self.at,
               "before": self.before, "after": self.after}
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Edit":
        return cls(obj["stage"], obj["rule"], obj["at"], obj["before"], obj["after"], obj.get("note", ""))


@dataclass(frozen=True, slots=True)
class Flag:
    """Something a reviewer should look at.

    ``paragraph`` is a 0-based index into ``text.split("\\n")`` of the final
    text, or ``None`` for a flag on the whole document.
    """

    kind: str
    paragraph: int | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "paragraph": self.paragraph}
        if self.detail:
            out["detail"] = self.detail
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Flag":
        return cls(obj["kind"], obj["paragraph"], obj.get("detail", ""))


@dataclass(slots=True)
class Document:
    """A document, its provenance, and what the pipeline did to it."""

    id: str
    text: str
    source: str = ""
    encoding: str | None = None
    flags: list[Flag] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    duplicate_of: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n") if self.text else []

    def replace(self, at: int, end: int, after: str, *, stage: str, rule: str, note: str = "") -> None:
        """Replace ``text[at:end]`` by ``after`` and record the edit."""
        before = self.text[at:end]
        if before == after:
            return
        self.text = self.text[:at] + after + self.text[end:]
        self.edits.append(Edit(stage, rule, at, before, after, note))

    def flag(self, kind: str, paragraph: int | None = None, detail: str = "") -> None:
        self.flags.append(Flag(kind, paragraph, detail))

    def add_flags(self, found: Iterable[Flag]) -> list[Flag]:
        """Add the ``found`` flags whose kind and paragraph the document is not flagged for
        yet (a fragment its copies gave away, which repair may have flagged already); the
        ones added.

        >>> doc = Document(id="a", text="x", flags=[Flag("truncated_start", 0)])
        >>> doc.add_flags([Flag("truncated_start", 0, "copy b"), Flag("truncated_start", 2)])
        [Flag(kind='truncated_start', paragraph=2, detail='')]
        """
        have = {(f.kind, f.paragraph) for f in self.flags}
        new = [f for f in found if (f.kind, f.paragraph) not in have]
        self.flags += new
        return new

    def to_json(self) -> dict[str, Any]:
        """The record written to ``corpus.jsonl`` (the output contract)."""
        return {
            "id": self.id,
            "text": self.text,
            "flags": [f.to_json() for f in self.flags],
            "edits": [e.to_json() for e in self.edits],
            "duplicate_of": self.duplicate_of,
            "source": self.source,
            "encoding": self.encoding,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Document":
        """The document a :meth:`to_json` record holds.

        >>> doc = Document(id="a", text="b", flags=[Flag("empty")], edits=[Edit("repair", "r", 0, "c", "b")])
        >>> Document.from_json(doc.to_json()) == doc
        True
        """
        return cls(obj["id"], obj["text"], obj["source"], obj["encoding"],
                   [Flag.from_json(f) for f in obj["flags"]], [Edit.from_json(e) for e in obj["edits"]],
                   obj["duplicate_of"])


def replay(text: str, edits: Iterable[Edit]) -> str:
    """Apply ``edits`` in order to ``text``; raise ``ValueError`` if one does not fit."""
    for e in edits:
        if text[e.at:e.at + len(e.before)] != e.before:
            raise ValueError(f"edit {e.rule} at {e.at} does not match the text")
        text = text[:e.at] + e.after + text[e.at + len(e.before):]
    return text


def undo(text: str, edits: Iterable[Edit]) -> str:
    """Undo ``edits`` (given in the order they were made), recovering the input."""
    for e in reversed(list(edits)):
        if text[e.at:e.at + len(e.after)] != e.after:
            raise ValueError(f"edit {e.rule} at {e.at} does not match the text")
        text = text[:e.at] + e.before + text[e.at + len(e.after):]
    return text
