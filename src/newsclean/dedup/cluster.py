"""Clusters of near-duplicates: union-find over verified pairs, and the rule that picks the kept copy.

>>> forest = UnionFind()
>>> forest.union(0, 2); forest.union(3, 2)
>>> forest.groups()
[[0, 2, 3]]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

from ..document import Flag

KEEP_RULES = ("first", "longest")


class UnionFind:
    """Disjoint sets with path halving and union by size.  Sparse: only members that were
    ever joined are stored, so a run of millions of paragraphs, most of them unique, costs
    memory for its duplicates alone."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, int]]) -> "UnionFind":
        """The forest of the members of ``pairs``, each pair joined."""
        forest = cls()
        for a, b in pairs:
            forest.union(a, b)
        return forest

    def find(self, x: int) -> int:
        parent = self.parent
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size.get(ra, 1) < self.size.get(rb, 1):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.parent.setdefault(ra, ra)
        self.size[ra] = self.size.get(ra, 1) + self.size.pop(rb, 1)

    def groups(self) -> list[list[int]]:
        """Sets of two or more members, each sorted, in order of their first member."""
        by_root: dict[int, list[int]] = {}
        for x in sorted(self.parent):
            by_root.setdefault(self.find(x), []).append(x)
        return sorted(by_root.values(), key=lambda g: g[0])


@dataclass
class Member:
    """One copy: its document id, paragraph index (paragraph level) and text."""

    id: str
    text: str
    paragraph: int | None = None
    similarity: float = 1.0
    #: For a copy from the archive: its ``source`` and ``first_seen`` (its text is not kept).
    archived: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.paragraph is not None:
            out["paragraph"] = self.paragraph
        out["text"] = self.text
        out["similarity"] = round(self.similarity, 4)
        if self.archived is not None:
            out["archived"] = self.archived
        return out


@dataclass
class Cluster:
    """Near-duplicates at one level; ``members[kept]`` is the copy that stays."""

    level: str
    members: list[Member]
    kept: int = 0
    keep_rule: str = "first"
    id: str = ""
    similarity: float = field(default=1.0)

    def to_json(self) -> dict[str, Any]:
        kept = self.members[self.kept]
        return {
            "cluster": self.id,
            "level": self.level,
            "similarity": round(self.similarity, 4),
            "kept": {"id": kept.id, **({"paragraph": kept.paragraph} if kept.paragraph is not None else {})},
            "keep_rule": self.keep_rule,
            "members": [m.to_json() for m in self.members],
        }


def choose_kept(members: list[Member], rule: str) -> int:
    """``first``: the earliest in input order; ``longest``: the longest text, the earliest on a tie."""
    if rule == "first":
        return 0
    if rule == "longest":
        return max(range(len(members)), key=lambda i: (len(members[i].text), -i))
    raise ValueError(f"keep rule must be one of {KEEP_RULES}, not {rule!r}")


class DocumentCluster(NamedTuple):
    """One document cluster as :meth:`~newsclean.dedup.Deduplicator.document_cluster` finds
    it: the cluster, the id each copy of this batch duplicates (by document number), and the
    flags its copies give away (by document number)."""

    cluster: Cluster
    copies: dict[int, str]
    flags: dict[int, list[Flag]]


@dataclass
class Clustering:
    """The ``cluster`` stage's result as the writer takes it: the records of
    ``duplicates.jsonl`` in order; each copy's document number with the id of the document
    it duplicates, in document order; and the flags the copies gave away by document
    number, in document order.  Each is iterated
    once; an engine may stream them from elsewhere.

    >>> found = Clustering.of([Cluster("document", [Member("a", "x"), Member("b", "x")], id="d1")], {1: "a"},
    ...                       {0: [Flag("truncated_start", 2, "copy b goes on from …据报道，")]})
    >>> [r["cluster"] for r in found.records], list(found.copies), found.levels, found.duplicates
    (['d1'], [(1, 'a')], {'document': 1, 'paragraph': 0}, 1)
    >>> list(found.flags)
    [(0, [Flag(kind='truncated_start', paragraph=2, detail='copy b goes on from …据报道，')])]
    """

    records: Iterable[dict]
    copies: Iterable[tuple[int, str]]
    levels: dict[str, int]
    duplicates: int
    flags: Iterable[tuple[int, list[Flag]]]

    @classmethod
    def of(cls, clusters: list[Cluster], copies: dict[int, str], flags: dict[int, list[Flag]]) -> "Clustering":
        """From what :meth:`~newsclean.dedup.Deduplicator.cluster` returns."""
        levels = {"document": 0, "paragraph": 0}
        for c in clusters:
            levels[c.level] += 1
        return cls((c.to_json() for c in clusters), sorted(copies.items()), levels, len(copies),
                   [(d, flags[d]) for d in sorted(flags)])
