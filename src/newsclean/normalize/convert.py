"""Script conversion with OpenCC, recorded as edits.

OpenCC converts phrase by phrase with its dictionaries, so ``乾隆`` stays
``乾隆`` under ``t2s`` while ``乾燥`` becomes ``干燥``.

>>> from newsclean.document import Document
>>> doc = Document(id="a", text="乾隆年間，頭髮")
>>> ScriptConverter("t2s").apply(doc)
>>> doc.text, [(e.before, e.after) for e in doc.edits]
('乾隆年间，头发', [('間', '间'), ('頭髮', '头发')])
"""
from __future__ import annotations

import numpy as np
import opencc

from ..document import Document

STAGE = "normalise"


class ConfigError(ValueError):
    """An OpenCC configuration that does not exist."""


class ScriptConverter:
    """Convert a document's script with one OpenCC configuration (``t2s``, ``s2t``, ``tw2sp`` …)."""

    def __init__(self, config: str):
        self.config = config.removesuffix(".json")
        try:
            self._cc = opencc.OpenCC(self.config)
        except RuntimeError:
            raise ConfigError(f"unknown OpenCC configuration {config!r} "
                              "(try t2s, s2t, tw2sp, hk2s, s2twp …)") from None
        self.rule = f"opencc_{self.config}"

    def convert(self, text: str) -> str:
        return self._cc.convert(text)

    def apply(self, doc: Document) -> None:
        """Convert ``doc.text`` in place, one edit per run of changed characters."""
        converted = self._cc.convert(doc.text)
        if converted == doc.text:
            return
        offset = 0
        for old, new in zip(doc.text.split("\n"), converted.split("\n")):
            if old != new:
                for start, end, after in _changed_runs(old, new):
                    doc.replace(offset + start, offset + end, after, stage=STAGE, rule=self.rule)
            offset += len(new) + 1
        assert doc.text == converted


def _changed_runs(old: str, new: str) -> list[tuple[int, int, str]]:
    """Runs ``(start, end, replacement)`` in ``old`` coordinates, left to right, already
    shifted for the runs before them, that turn ``old`` into ``new``."""
    if len(old) != len(new):
        head = len(_common_prefix(old, new))
        tail = len(_common_prefix(old[head:][::-1], new[head:][::-1]))
        return [(head, len(old) - tail, new[head:len(new) - tail])]
    a = np.frombuffer(old.encode("utf-32-le"), dtype=np.uint32)
    b = np.frombuffer(new.encode("utf-32-le"), dtype=np.uint32)
    changed = np.flatnonzero(a != b)
    breaks = np.flatnonzero(np.diff(changed) > 1) + 1
    return [(int(run[0]), int(run[-1]) + 1, new[run[0]:run[-1] + 1])
            for run in np.split(changed, breaks)]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]
