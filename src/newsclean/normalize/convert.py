"""Script conversion with OpenCC, recorded as edits.

OpenCC converts phrase by phrase with its dictionaries, so ``乾隆`` stays
``乾隆`` under ``t2s`` while ``乾燥`` becomes ``干燥``.

>>> from newsclean.document import Document
>>> doc = Document(id="a", text="乾隆年間，頭髮")
>>> ScriptConverter("t2s").apply(doc)
>>> doc.text, [(e.before, e.after) for e in doc.edits]
('乾隆年间，头发', [('間，頭髮', '间，头发')])
"""
from __future__ import annotations

import functools

import numpy as np
import opencc

from ..document import Document, Edit
from ..names import NORMALISE

#: Changed runs this close together are one edit (``頭髮`` … ``頭``): fewer, still small, edits.
MERGE_GAP = 3
#: Texts up to this long have their Simplified form remembered: repair looks up the few
#: characters around each seam, and the same ones again and again.
SHORT = 8


@functools.cache
def _simplifier() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` in Simplified script (OpenCC ``t2s``): how comparisons and word lookups see it.

    >>> to_simplified("臨潁縣")
    '临颍县'
    """
    return _short_simplified(text) if len(text) <= SHORT else _simplifier().convert(text)


@functools.lru_cache(maxsize=1 << 16)
def _short_simplified(text: str) -> str:
    return _simplifier().convert(text)


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
        if len(converted) == len(doc.text):
            pairs = [(doc.text, converted)]
        else:  # a phrase changed length: compare line by line
            pairs = list(zip(doc.text.split("\n"), converted.split("\n")))
        offset = delta = 0  # where the line starts in the input; how far edits so far moved the text
        for old, new in pairs:
            if old != new:
                for start, end, after in _changed_runs(old, new):
                    doc.edits.append(Edit(NORMALISE, self.rule, offset + start + delta, old[start:end], after))
                    delta += len(after) - (end - start)
            offset += len(old) + 1
        doc.text = converted


def _changed_runs(old: str, new: str) -> list[tuple[int, int, str]]:
    """Runs ``(start, end, replacement)``, left to right in ``old`` coordinates, turning ``old`` into ``new``."""
    if len(old) != len(new):
        head = len(_common_prefix(old, new))
        tail = len(_common_prefix(old[head:][::-1], new[head:][::-1]))
        return [(head, len(old) - tail, new[head:len(new) - tail])]
    a = np.frombuffer(old.encode("utf-32-le"), dtype=np.uint32)
    b = np.frombuffer(new.encode("utf-32-le"), dtype=np.uint32)
    changed = np.flatnonzero(a != b)
    cuts = np.flatnonzero(np.diff(changed) > MERGE_GAP + 1)
    starts = changed[np.concatenate(([0], cuts + 1))].tolist()
    ends = (changed[np.concatenate((cuts, [len(changed) - 1]))] + 1).tolist()
    return [(s, e, new[s:e]) for s, e in zip(starts, ends)]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]
