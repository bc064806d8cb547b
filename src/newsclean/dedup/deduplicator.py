"""The ``fingerprint`` and ``cluster`` stages: near-duplicate paragraphs and documents.

Paragraphs are the unit of comparison.  Each paragraph's comparison key is
fingerprinted; LSH proposes candidate pairs, and every candidate is verified on
the real Jaccard similarity of its shingle sets before it counts.  Documents
that share a verified paragraph are candidate copies, kept as copies when their
whole-document Jaccard passes ``document_threshold``: a shared boilerplate
paragraph does not make two articles the same story.  Keys shorter than the
n-gram size have no shingles; they are compared by exact equality instead, so
distinct short texts never merge.

>>> from newsclean.document import Document
>>> story = "近年来，临颍县始终坚持围绕发展抓党建、抓好党建促发展的理念，全面提升了全县基层党建水平。"
>>> docs = [Document(id="a", text="临颍县\\n" + story), Document(id="b", text="臨潁縣\\n" + story.replace("近年来", "近年來")),
...         Document(id="c", text="舞阳县\\n年初以来，舞阳县强力实施基层党建助力脱贫攻坚工程，取得显著成效。")]
>>> clusters = Deduplicator().run(docs)
>>> [(c.level, [m.id for m in c.members]) for c in clusters]
[('document', ['a', 'b'])]
>>> docs[1].duplicate_of
'a'
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ..document import Document
from ..pipeline import StageStats
from .cluster import Cluster, Member, UnionFind, choose_kept
from .fingerprint import Fingerprinter
from .key import comparison_key
from .lsh import band_hashes, candidate_pairs


@dataclass
class DedupOptions:
    """Settings of near-duplicate detection; the defaults were chosen on the devset (README)."""

    ngram: int = 5
    num_perm: int = 128
    bands: int = 32
    rows: int = 4
    threshold: float = 0.6
    document_threshold: float = 0.3
    keep: str = "first"
    min_chars: int = 10
    #: A paragraph shared by more documents than this is boilerplate: it is still reported,
    #: but it does not make its documents candidate copies of each other.
    max_shared: int = 50


@dataclass
class _Item:
    doc: int
    paragraph: int | None
    key: str


class Deduplicator:
    """Find near-duplicates across a corpus and mark them (``duplicate_of``)."""

    def __init__(self, options: DedupOptions | None = None):
        self.options = options or DedupOptions()
        o = self.options
        self.fingerprinter = Fingerprinter(o.ngram, o.num_perm)
        self.stats = {"fingerprint": StageStats(), "cluster": StageStats()}
        self._shingles: dict[str, np.ndarray] = {}
        self._doc_keys: list[str] = []

    def run(self, docs: list[Document]) -> list[Cluster]:
        """Cluster ``docs`` at both levels, set ``duplicate_of``, and return the clusters."""
        start = time.perf_counter()
        items, self._doc_keys = self._items(docs)
        keys = [it.key for it in items]
        long = [i for i, k in enumerate(keys) if len(k) >= self.options.ngram]
        # only the band hashes are kept: 4 bytes a band, not 4 a permutation
        bands = band_hashes(self.fingerprinter.signatures([keys[i] for i in long]),
                            self.options.bands, self.options.rows)
        fp = self.stats["fingerprint"]
        fp.documents, fp.seconds = len(docs), time.perf_counter() - start
        fp.counts = {"paragraphs": len(items), "fingerprinted": len(long)}

        start = time.perf_counter()
        pairs = self._verified_pairs(items, long, bands)
        paragraph_groups = self._groups(len(items), pairs)
        doc_clusters = self._document_clusters(docs, items, paragraph_groups)
        par_clusters = self._paragraph_clusters(docs, items, paragraph_groups, doc_clusters)
        clusters = doc_clusters + par_clusters
        for n, c in enumerate(doc_clusters, start=1):
            c.id = f"d{n}"
        for n, c in enumerate(par_clusters, start=1):
            c.id = f"p{n}"
        cl = self.stats["cluster"]
        cl.documents, cl.seconds = len(docs), time.perf_counter() - start
        cl.counts = {"verified_pairs": len(pairs), "document_clusters": len(doc_clusters),
                     "paragraph_clusters": len(par_clusters)}
        self._shingles.clear()
        self._doc_keys = []
        return clusters

    # -- items and pairs ----------------------------------------------------------------

    def _items(self, docs: list[Document]) -> tuple[list[_Item], list[str]]:
        """Every paragraph long enough to compare (a document with none is one item), and
        each document's key, which is its paragraphs' keys put together."""
        items, doc_keys = [], []
        for d, doc in enumerate(docs):
            keys = [comparison_key(text) for text in doc.paragraphs]
            doc_keys.append("".join(keys))
            long = [(p, key) for p, key in enumerate(keys) if len(key) >= self.options.min_chars]
            items.extend(_Item(d, p, key) for p, key in long)
            if not long and doc_keys[-1]:
                items.append(_Item(d, None, doc_keys[-1]))
        return items, doc_keys

    def _verified_pairs(self, items: list[_Item], long: list[int], bands: np.ndarray) -> dict:
        """Pairs of items in different documents whose Jaccard passes the threshold: LSH
        candidates verified on their shingle sets, and short keys that are equal."""
        o = self.options
        pairs: dict[tuple[int, int], float] = {}
        if len(long) > 1:
            found = candidate_pairs(bands)
            index = np.array(long)
            for a, b in index[found].tolist() if len(found) else []:
                if items[a].doc != items[b].doc:
                    similarity = self._jaccard(items[a].key, items[b].key)
                    if similarity >= o.threshold:
                        pairs[(a, b)] = similarity
        by_key: dict[str, int] = {}
        for i, it in enumerate(items):
            if len(it.key) < o.ngram:
                first = by_key.setdefault(it.key, i)
                if first != i and items[first].doc != it.doc:
                    pairs[(first, i)] = 1.0
        return pairs

    def _jaccard(self, a: str, b: str) -> float:
        if a == b:
            return 1.0
        sa, sb = self._set(a), self._set(b)
        if not len(sa) or not len(sb):
            return 0.0
        shared = len(np.intersect1d(sa, sb, assume_unique=True))
        return shared / (len(sa) + len(sb) - shared)

    def _set(self, key: str) -> np.ndarray:
        found = self._shingles.get(key)
        if found is None:
            found = self._shingles[key] = self.fingerprinter.shingles(key)
        return found

    @staticmethod
    def _groups(n: int, pairs: dict) -> list[list[int]]:
        forest = UnionFind(n)
        for a, b in pairs:
            forest.union(a, b)
        return forest.groups()

    # -- clusters -----------------------------------------------------------------------

    def _document_clusters(self, docs: list[Document], items: list[_Item],
                           groups: list[list[int]]) -> list[Cluster]:
        o = self.options
        candidates: set[tuple[int, int]] = set()
        for group in groups:
            owners = sorted({items[i].doc for i in group})
            if len(owners) <= o.max_shared:
                candidates.update(combinations(owners, 2))
        keys = self._doc_keys
        forest = UnionFind(len(docs))
        similarity: dict[tuple[int, int], float] = {}
        for a, b in sorted(candidates):
            j = self._jaccard(keys[a], keys[b])
            if j >= o.document_threshold:
                forest.union(a, b)
                similarity[(a, b)] = j
        clusters = []
        for group in forest.groups():
            members = [Member(docs[d].id, docs[d].text) for d in group]
            kept = choose_kept(members, o.keep)
            for m, d in zip(members, group):
                pair = (min(d, group[kept]), max(d, group[kept]))
                m.similarity = 1.0 if d == group[kept] else similarity.get(
                    pair, self._jaccard(keys[d], keys[group[kept]]))
                if d != group[kept]:
                    docs[d].duplicate_of = docs[group[kept]].id
            clusters.append(Cluster("document", members, kept, o.keep,
                                    similarity=min(m.similarity for m in members)))
        return clusters

    def _paragraph_clusters(self, docs: list[Document], items: list[_Item], groups: list[list[int]],
                            doc_clusters: list[Cluster]) -> list[Cluster]:
        """Paragraph clusters that reach beyond one document cluster (copies of a whole
        story are reported once, at the document level)."""
        o = self.options
        family = {m.id: n for n, c in enumerate(doc_clusters) for m in c.members}
        clusters = []
        for group in groups:
            families = {family.get(docs[items[i].doc].id, docs[items[i].doc].id) for i in group}
            if len(families) < 2:
                continue
            members = [Member(docs[items[i].doc].id, docs[items[i].doc].paragraphs[items[i].paragraph]
                              if items[i].paragraph is not None else docs[items[i].doc].text,
                              items[i].paragraph) for i in group]
            kept = choose_kept(members, o.keep)
            for m, i in zip(members, group):
                m.similarity = self._jaccard(items[i].key, items[group[kept]].key)
            clusters.append(Cluster("paragraph", members, kept, o.keep,
                                    similarity=min(m.similarity for m in members)))
        return clusters
