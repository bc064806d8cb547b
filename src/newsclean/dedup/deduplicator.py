"""The ``fingerprint`` and ``cluster`` stages: near-duplicate paragraphs and documents.

Paragraphs are the unit of comparison.  Each paragraph's comparison key is
fingerprinted; LSH proposes candidate pairs, and every candidate is verified on
the real Jaccard similarity of its shingle sets before it counts.  Documents
that share a verified paragraph are candidate copies, kept as copies when their
whole-document Jaccard passes ``document_threshold``: a shared boilerplate
paragraph does not make two articles the same story.  Keys shorter than the
n-gram size have no shingles; they are compared by exact equality instead, so
distinct short texts never merge.  With an :class:`~newsclean.dedup.archive.Archive`,
paragraphs are also matched against everything archived before, and archived
copies join the clusters (first, so the earliest copy is kept by default).

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
from .archive import Archive, ArchivedDocument, DedupSettings
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

    @property
    def settings(self) -> DedupSettings:
        """What an archive must share with this run for fingerprints to compare."""
        return DedupSettings(self.ngram, self.num_perm, self.bands, self.rows)


@dataclass
class _Doc:
    """A document of this batch (``doc`` set) or of the archive (``first_seen`` set)."""

    id: str
    key: str
    source: str = ""
    doc: Document | None = None
    first_seen: str = ""

    @property
    def text(self) -> str:
        return self.doc.text if self.doc is not None else ""


@dataclass
class _Item:
    doc: int
    paragraph: int | None
    key: str


class Deduplicator:
    """Find near-duplicates across a corpus (and an archive) and mark them (``duplicate_of``)."""

    def __init__(self, options: DedupOptions | None = None):
        self.options = options or DedupOptions()
        o = self.options
        self.fingerprinter = Fingerprinter(o.ngram, o.num_perm)
        self.stats = {"fingerprint": StageStats(), "cluster": StageStats()}
        self._shingles: dict[str, np.ndarray] = {}
        self._batch: tuple = ([], [], [], np.zeros((0, o.bands), dtype=np.uint32))

    def run(self, docs: list[Document], archive: Archive | None = None) -> list[Cluster]:
        """Cluster ``docs`` at both levels, set ``duplicate_of``, and return the clusters.
        With ``archive``, match against everything archived too (:meth:`remember` adds
        ``docs`` to it afterwards)."""
        universe, items, long, bands = self.fingerprint(docs)
        start = time.perf_counter()
        pairs = self._verified_pairs(items, long, bands)
        archived = self._match_archive(archive, universe, items, long, bands, pairs) if archive else 0
        paragraph_groups = self._groups(len(items), pairs)
        doc_clusters = self._document_clusters(universe, items, paragraph_groups)
        par_clusters = self._paragraph_clusters(universe, items, paragraph_groups, doc_clusters)
        for n, c in enumerate(doc_clusters, start=1):
            c.id = f"d{n}"
        for n, c in enumerate(par_clusters, start=1):
            c.id = f"p{n}"
        cl = self.stats["cluster"]
        cl.documents, cl.seconds = len(docs), time.perf_counter() - start
        cl.counts = {"verified_pairs": len(pairs), "archived_matches": archived,
                     "document_clusters": len(doc_clusters), "paragraph_clusters": len(par_clusters)}
        self._shingles.clear()
        return doc_clusters + par_clusters

    def fingerprint(self, docs: list[Document]) -> tuple[list[_Doc], list[_Item], list[int], np.ndarray]:
        """The ``fingerprint`` stage alone: comparison keys and band hashes of ``docs``'
        paragraphs (what :meth:`remember` archives), without clustering."""
        start = time.perf_counter()
        universe = [_Doc(d.id, "", d.source, d) for d in docs]
        items = self._items(universe)
        long = [i for i, it in enumerate(items) if len(it.key) >= self.options.ngram]
        # only the band hashes are kept: 4 bytes a band, not 4 a permutation
        bands = band_hashes(self.fingerprinter.signatures([items[i].key for i in long]),
                            self.options.bands, self.options.rows)
        fp = self.stats["fingerprint"]
        fp.documents, fp.seconds = len(docs), time.perf_counter() - start
        fp.counts = {"paragraphs": len(items), "fingerprinted": len(long)}
        self._batch = (list(universe), items, list(long), bands)
        return universe, items, long, bands

    def remember(self, archive: Archive, when: str) -> int:
        """Add the documents last fingerprinted (by :meth:`run` or :meth:`fingerprint`) to
        ``archive``, seen at ``when``, in one transaction; returns how many were new to it."""
        batch, items, long, bands = self._batch
        rows: dict[int, list[tuple[int, str, np.ndarray]]] = {}
        for row, i in enumerate(long):
            it = items[i]
            if it.doc < len(batch):
                rows.setdefault(it.doc, []).append((it.paragraph or 0, it.key, bands[row]))
        documents = [ArchivedDocument(d.id, d.source, d.key, [(p, k) for p, k, _ in rows.get(n, [])])
                     for n, d in enumerate(batch)]
        band_rows = [np.array([b for _, _, b in rows.get(n, [])], dtype=np.uint32).reshape(-1, bands.shape[1])
                     for n in range(len(batch))]
        return archive.add(documents, band_rows, when)

    # -- items and pairs ----------------------------------------------------------------

    def _items(self, universe: list[_Doc]) -> list[_Item]:
        """Every paragraph long enough to compare (a document with none is one item); sets
        each document's key, which is its paragraphs' keys put together."""
        items = []
        for d, entry in enumerate(universe):
            keys = [comparison_key(text) for text in entry.doc.paragraphs]
            entry.key = "".join(keys)
            long = [(p, key) for p, key in enumerate(keys) if len(key) >= self.options.min_chars]
            items.extend(_Item(d, p, key) for p, key in long)
            if not long and entry.key:
                items.append(_Item(d, None, entry.key))
        return items

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

    def _match_archive(self, archive: Archive, universe: list[_Doc], items: list[_Item], long: list[int],
                       bands: np.ndarray, pairs: dict) -> int:
        """Verified pairs between this batch's paragraphs and archived ones; the archived
        paragraphs and documents join ``items`` and ``universe``.  Returns the pair count."""
        found = archive.candidates(bands) if len(bands) else []
        paragraphs = archive.paragraphs(item for _, item in found)
        documents = archive.documents(doc for doc, _, _ in paragraphs.values())
        batch_ids = {d.id for d in universe}
        node: dict[int, int] = {}
        place: dict[int, int] = {}
        matched = 0
        for row, archived_item in found:
            doc, paragraph, key = paragraphs[archived_item]
            if documents[doc].id in batch_ids:
                continue  # the same document seen again, not a copy of it
            ours = long[row]
            similarity = self._jaccard(items[ours].key, key)
            if similarity < self.options.threshold:
                continue
            if doc not in place:
                a = documents[doc]
                place[doc] = len(universe)
                universe.append(_Doc(a.id, a.key, a.source, None, a.first_seen))
            if archived_item not in node:
                node[archived_item] = len(items)
                items.append(_Item(place[doc], paragraph, key))
            pairs[(ours, node[archived_item])] = similarity
            matched += 1
        return matched

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

    def _document_clusters(self, universe: list[_Doc], items: list[_Item],
                           groups: list[list[int]]) -> list[Cluster]:
        o = self.options
        candidates: set[tuple[int, int]] = set()
        for group in groups:
            owners = sorted({items[i].doc for i in group})
            if len(owners) <= o.max_shared:
                candidates.update(combinations(owners, 2))
        forest = UnionFind(len(universe))
        similarity: dict[tuple[int, int], float] = {}
        for a, b in sorted(candidates):
            if universe[a].doc is None and universe[b].doc is None:
                continue  # two archived documents: judged when they were added
            j = self._jaccard(universe[a].key, universe[b].key)
            if j >= o.document_threshold:
                forest.union(a, b)
                similarity[(a, b)] = j
        clusters = []
        for group in forest.groups():
            group = sorted(group, key=lambda d: _rank(universe[d], d))
            members = [_member(universe[d]) for d in group]
            kept = choose_kept(members, o.keep)
            for m, d in zip(members, group):
                k = group[kept]
                m.similarity = 1.0 if d == k else similarity.get(
                    (min(d, k), max(d, k)), self._jaccard(universe[d].key, universe[k].key))
                if d != k and universe[d].doc is not None:
                    universe[d].doc.duplicate_of = universe[k].id
            clusters.append(Cluster("document", members, kept, o.keep,
                                    similarity=min(m.similarity for m in members)))
        return clusters

    def _paragraph_clusters(self, universe: list[_Doc], items: list[_Item], groups: list[list[int]],
                            doc_clusters: list[Cluster]) -> list[Cluster]:
        """Paragraph clusters that reach beyond one document cluster (copies of a whole
        story are reported once, at the document level)."""
        o = self.options
        family = {m.id: n for n, c in enumerate(doc_clusters) for m in c.members}
        clusters = []
        for group in groups:
            families = {family.get(universe[items[i].doc].id, universe[items[i].doc].id) for i in group}
            if len(families) < 2:
                continue
            group = sorted(group, key=lambda i: (_rank(universe[items[i].doc], items[i].doc), items[i].paragraph or 0))
            members = []
            for i in group:
                entry, it = universe[items[i].doc], items[i]
                text = (entry.doc.paragraphs[it.paragraph] if it.paragraph is not None else entry.text) \
                    if entry.doc is not None else ""
                members.append(_member(entry, text, it.paragraph))
            kept = choose_kept(members, o.keep)
            for m, i in zip(members, group):
                m.similarity = self._jaccard(items[i].key, items[group[kept]].key)
            clusters.append(Cluster("paragraph", members, kept, o.keep,
                                    similarity=min(m.similarity for m in members)))
        return clusters


def _rank(entry: _Doc, index: int) -> tuple:
    """Archived copies first, oldest first; then this batch in input order."""
    return (0, entry.first_seen, index) if entry.doc is None else (1, "", index)


def _member(entry: _Doc, text: str | None = None, paragraph: int | None = None) -> Member:
    member = Member(entry.id, entry.text if text is None else text, paragraph)
    if entry.doc is None:
        member.archived = {"source": entry.source, "first_seen": entry.first_seen}
    return member
