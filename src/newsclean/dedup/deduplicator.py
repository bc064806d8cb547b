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
copies join the clusters (first, so the earliest copy is kept by default).  A
document of the batch whose id the archive holds (a re-sent id) is the archived
document seen again, not a copy of it: it is not matched against its archived
self, and in a cluster it stands where the archived document would, with its
first sighting (docs/archive.md).

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
from dataclasses import dataclass, field
from itertools import combinations
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..document import Document, Flag
from ..names import CLUSTER, FINGERPRINT
from ..repair.rules import RepairRules, loaded_once
from ..stats import StageStats
from .archive import Archive, ArchivedDocument, DedupSettings
from .cluster import Cluster, DocumentCluster, Member, UnionFind, choose_kept
from .fingerprint import Fingerprinter
from .lsh import candidate_pairs, lsh_bands
from .lost_starts import lost_starts
from .prints import WHOLE, FingerprintTable, Prints, PrintTable


#: Pairs are compared a batch of about this many characters of keys at a time, their shingles
#: hashed together (some 20 bytes a character while they are).
JACCARD_CHARS = 1 << 20


@dataclass
class DedupOptions:
    """Settings of near-duplicate detection; the defaults were chosen on the devset (README).
    The LSH ``bands`` and ``rows`` follow from ``threshold`` (:func:`~newsclean.dedup.lsh.lsh_bands`)
    unless ``banding`` gives them."""

    ngram: int = 5
    num_perm: int = 128
    threshold: float = 0.6
    #: ``(bands, rows)`` to use instead of those ``threshold`` gives (to compare settings).
    banding: tuple[int, int] | None = None
    bands: int = field(init=False)
    rows: int = field(init=False)
    document_threshold: float = 0.3
    keep: str = "first"
    min_chars: int = 10
    #: A paragraph shared by more documents than this is boilerplate: it is still reported,
    #: but it does not make its documents candidate copies of each other.
    max_shared: int = 50
    #: The run's repair rules (``--rules``, ``--no-default-rules``), by which lost starts
    #: judge where sentences start and end; a run's options set them from its own.
    rules_dir: str | None = None
    no_default_rules: bool = False

    def __post_init__(self):
        self.bands, self.rows = self.banding or lsh_bands(self.threshold, self.num_perm)

    @property
    def settings(self) -> DedupSettings:
        """What an archive must share with this run for fingerprints to compare."""
        return DedupSettings(self.ngram, self.num_perm, self.bands, self.rows)


@dataclass
class _Archived:
    """A document from the archive that a paragraph of this batch matched."""

    id: str
    key: str
    source: str
    first_seen: str


class Deduplicator:
    """Find near-duplicates across a corpus (and an archive) and mark them (``duplicate_of``)."""

    def __init__(self, options: DedupOptions | None = None):
        self.options = options or DedupOptions()
        o = self.options
        self.fingerprinter = Fingerprinter(o.ngram, o.num_perm)
        self.stats = {FINGERPRINT: StageStats(), CLUSTER: StageStats()}

    @property
    def repair_rules(self) -> RepairRules:
        """The repair rules lost starts are judged by, loaded when first wanted, once a
        process (the Ray back-end makes a Deduplicator per task)."""
        return loaded_once(self.options.rules_dir, self.options.no_default_rules)

    def run(self, docs: list[Document], archive: Archive | None = None) -> list[Cluster]:
        """Cluster ``docs`` at both levels, set ``duplicate_of``, flag the lost starts copies
        show, and return the clusters.
        With ``archive``, match against everything archived too (:meth:`remember` adds
        them to it afterwards)."""
        table = PrintTable([self.fingerprint(docs)])
        clusters, copies, flags = self.cluster(table, docs.__getitem__, archive)
        for d, kept in copies.items():
            docs[d].duplicate_of = kept
        for d, found in flags.items():
            docs[d].add_flags(found)
        return clusters

    def fingerprint(self, docs: Sequence[Document]) -> Prints:
        """The ``fingerprint`` stage for a shard of documents (pure: run it anywhere)."""
        start = time.perf_counter()
        prints = Prints.of(docs, self.options, self.fingerprinter)
        fp = self.stats[FINGERPRINT]
        fp.documents += len(docs)
        fp.seconds += time.perf_counter() - start
        fp.counts = {"paragraphs": fp.counts.get("paragraphs", 0) + prints.paragraphs,
                     "fingerprinted": fp.counts.get("fingerprinted", 0) + int(prints.long.sum())}
        return prints

    def cluster(self, table: PrintTable, document: Callable[[int], Document], archive: Archive | None = None,
                find_pairs: Callable[[PrintTable], dict] | None = None
                ) -> tuple[list[Cluster], dict[int, str], dict[int, list[Flag]]]:
        """The ``cluster`` stage: clusters of the documents in ``table`` (and the archive),
        the id each copy is a duplicate of, and the flags copies give away (both by document
        number).  ``document(d)`` gives
        the text of document ``d`` for the clusters' members; ``find_pairs(table)`` finds
        the :meth:`similar_pairs` of ``table`` (by default, here; an engine may find them
        elsewhere).  The clusters are built group by group with the methods below, which an
        engine may also call on groups it found elsewhere (:mod:`~newsclean.dedup.ray_cluster`)."""
        start = time.perf_counter()
        view = View(table)
        pairs = (find_pairs or self.similar_pairs)(table)
        archived = self._match_archive(archive, view, pairs) if archive else 0
        paragraph_groups = UnionFind.of(pairs).groups()
        doc_clusters, copies, flags, doc_groups = self._document_clusters(view, paragraph_groups, document)
        par_clusters = self._paragraph_clusters(view, paragraph_groups, doc_groups, document)
        for n, c in enumerate(doc_clusters, start=1):
            c.id = f"d{n}"
        for n, c in enumerate(par_clusters, start=1):
            c.id = f"p{n}"
        cl = self.stats[CLUSTER]
        cl.documents, cl.seconds = table.documents, time.perf_counter() - start
        cl.counts = {"verified_pairs": len(pairs), "archived_matches": archived,
                     "document_clusters": len(doc_clusters), "paragraph_clusters": len(par_clusters)}
        return doc_clusters + par_clusters, copies, flags

    def remember(self, archive: Archive, table: PrintTable, when: str) -> int:
        """Add the documents of ``table`` to ``archive``, seen at ``when``, in one
        transaction; returns how many were new to it."""
        long = table.long
        owners = table.item_doc[long]
        bounds = np.searchsorted(owners, np.arange(table.documents + 1))
        blocks = table.band_blocks()
        first, block = 0, np.zeros((0, table.band_count), dtype=np.uint32)
        documents, band_rows = [], []
        for d in range(table.documents):
            lo, hi = int(bounds[d]), int(bounds[d + 1])
            while hi > first + len(block):  # a document's rows lie in its shard's block
                first, block = next(blocks)
            documents.append(ArchivedDocument(table.ids[d], table.sources[d], table.doc_key(d),
                                              [(max(int(table.item_paragraph[i]), 0), table.item_key(i))
                                               for i in long[lo:hi]]))
            band_rows.append(block[max(lo - first, 0):max(hi - first, 0)])
        return archive.add(documents, band_rows, when)

    # -- pairs --------------------------------------------------------------------------

    def similar_pairs(self, table: PrintTable) -> dict[tuple[int, int], float]:
        """Pairs of items (``(a, b)``, ``a < b``, in order) in different documents whose Jaccard
        passes the threshold: LSH candidates, read one band at a time, verified; and items too
        short to fingerprint whose keys are equal."""
        pairs = self.verify(self.candidates(table).tolist(), table.doc_of, table.item_key)
        pairs.update(self.equal_short_keys(table))
        return dict(sorted(pairs.items()))

    @staticmethod
    def candidates(table: PrintTable) -> np.ndarray:
        """LSH's candidate pairs ``(a, b)``, ``a < b``, of items in different documents: the
        items that share a band, read one band at a time."""
        if len(table.long) < 2:
            return np.zeros((0, 2), dtype=np.int64)
        items = table.long[candidate_pairs(table.band(b) for b in range(table.band_count))]
        return items[table.item_doc[items[:, 0]] != table.item_doc[items[:, 1]]]

    def verify(self, candidates: Iterable[tuple[int, int]], doc_of: Callable[[int], int],
               key_of: Callable[[int], str]) -> dict[tuple[int, int], float]:
        """The ``candidates`` (item pairs) whose items lie in different documents
        (``doc_of``) and whose keys (``key_of``) are similar enough, with their Jaccard."""
        pairs = {}
        apart = [(a, b) for a, b in candidates if doc_of(a) != doc_of(b)]
        for similarity, pair in zip(self.jaccards((key_of(a), key_of(b)) for a, b in apart), apart):
            if similarity >= self.options.threshold:
                pairs[pair] = similarity
        return pairs

    @staticmethod
    def equal_short_keys(table: PrintTable) -> dict[tuple[int, int], float]:
        """Items too short to fingerprint, each paired with the first item of its key."""
        pairs = {}
        short = np.ones(table.items, dtype=bool)
        short[table.long] = False
        by_key: dict[str, int] = {}
        for i in np.flatnonzero(short).tolist():
            first = by_key.setdefault(table.item_key(i), i)
            if first != i and table.item_doc[first] != table.item_doc[i]:
                pairs[(first, i)] = 1.0
        return pairs

    def _match_archive(self, archive: Archive, view: "View", pairs: dict) -> int:
        """Verified pairs between this batch's paragraphs and archived ones; the archived
        paragraphs and documents join ``view``, and the batch's documents whose ids the archive
        holds are marked as seen before (:meth:`View.seen_again`).  Returns the pair count."""
        table = view.table
        for d, entry in _in_order(table.ids, archive.by_id(table.ids)):
            view.seen_again(d, _Archived(entry.id, entry.key, entry.source, entry.first_seen))
        found = [(first + row, item) for first, block in table.band_blocks()
                 for row, item in archive.candidates(block)]
        paragraphs = archive.paragraphs(item for _, item in found)
        documents = archive.documents(doc for doc, _, _ in paragraphs.values())
        batch_ids = set(table.ids)
        node: dict[int, int] = {}
        place: dict[int, int] = {}
        matched = 0
        found = [(int(table.long[row]), item) for row, item in found
                 if documents[paragraphs[item][0]].id not in batch_ids]  # else the same document seen again
        similarities = self.jaccards((table.item_key(ours), paragraphs[item][2]) for ours, item in found)
        for (ours, archived_item), similarity in zip(found, similarities):
            doc, paragraph, key = paragraphs[archived_item]
            if similarity < self.options.threshold:
                continue
            if doc not in place:
                a = documents[doc]
                place[doc] = view.add_document(_Archived(a.id, a.key, a.source, a.first_seen))
            if archived_item not in node:
                node[archived_item] = view.add_item(place[doc], paragraph, key)
            pairs[(ours, node[archived_item])] = similarity
            matched += 1
        return matched

    def jaccards(self, pairs: Iterable[tuple[str, str]]) -> Iterator[float]:
        """The Jaccard similarity of the shingle sets of each pair of keys (1 for equal keys,
        0 where a key has no shingle), in batches of about :data:`JACCARD_CHARS` characters.

        >>> list(Deduplicator().jaccards([("临颍县始终坚持围绕", "临颍县始终坚持围绕发展"), ("短", "短"), ("短", "临颍县始终坚持")]))
        [0.7142857142857143, 1.0, 0.0]
        """
        batch, size = [], 0
        for pair in pairs:
            batch.append(pair)
            size += len(pair[0]) + len(pair[1])
            if size >= JACCARD_CHARS:
                yield from self._jaccards(batch)
                batch, size = [], 0
        yield from self._jaccards(batch)

    def _jaccards(self, batch: list[tuple[str, str]]) -> Iterator[float]:
        keys = list(dict.fromkeys(key for pair in batch for key in pair))
        sets = dict(zip(keys, self.fingerprinter.shingle_sets(keys)))
        for a, b in batch:
            sa, sb = sets[a], sets[b]
            if a == b:
                yield 1.0
            elif not len(sa) or not len(sb):
                yield 0.0
            else:
                shared = len(np.intersect1d(sa, sb, assume_unique=True))
                yield shared / (len(sa) + len(sb) - shared)

    # -- clusters -----------------------------------------------------------------------

    def _document_clusters(self, view: "View", groups: list[list[int]],
                           document: Callable[[int], Document]
                           ) -> tuple[list[Cluster], dict[int, str], dict[int, list[Flag]], list]:
        """Document clusters, the copies, the flags copies give away, and the clusters'
        document numbers."""
        candidates = {pair for group in groups for pair in self.document_candidates(view.doc_of(i) for i in group)}
        forest = UnionFind()
        similarity: dict[tuple[int, int], float] = {}
        candidates = sorted(candidates)
        for (a, b), j in zip(candidates, self.document_similarities(view, candidates)):
            if j is not None:
                forest.union(a, b)
                similarity[(a, b)] = j
        clusters, copies, flags, groups = [], {}, {}, forest.groups()
        for group in groups:
            found = self.document_cluster(view, group, document, similarity)
            clusters.append(found.cluster)
            copies.update(found.copies)
            flags.update(found.flags)
        return clusters, copies, flags, groups

    def _paragraph_clusters(self, view: "View", groups: list[list[int]], doc_clusters: list[list[int]],
                            document: Callable[[int], Document]) -> list[Cluster]:
        family = {d: min(group) for group in doc_clusters for d in group}
        clusters = (self.paragraph_cluster(view, group, lambda d: family.get(d, d), document) for group in groups)
        return [c for c in clusters if c is not None]

    # -- one group at a time (an engine may form the groups elsewhere) ----------------------

    def document_candidates(self, owners: Iterable[int]) -> list[tuple[int, int]]:
        """Pairs of the documents (``owners``) that hold the paragraphs of a group of verified
        copies, unless more documents than ``max_shared`` hold them (boilerplate)."""
        owners = sorted(set(owners))
        return list(combinations(owners, 2)) if len(owners) <= self.options.max_shared else []

    def document_similarities(self, view: "View", pairs: Sequence[tuple[int, int]]) -> list[float | None]:
        """The Jaccard of documents ``a`` and ``b`` of each pair when it makes them copies, else
        ``None`` (two archived documents were judged when they were added)."""
        judged = [(a, b) for a, b in pairs if not (view.archived(a) and view.archived(b))]
        found = dict(zip(judged, self.jaccards((view.doc_key(a), view.doc_key(b)) for a, b in judged)))
        threshold = self.options.document_threshold
        return [j if (j := found.get(pair)) is not None and j >= threshold else None for pair in pairs]

    def document_cluster(self, view: "View", group: Sequence[int], document: Callable[[int], Document],
                         similarity: dict[tuple[int, int], float] | None = None) -> DocumentCluster:
        """The cluster of the copies ``group`` (document numbers, connected by
        :meth:`document_similarities`), with the kept one chosen; the id each copy of this
        batch is a duplicate of; and the lost starts its copies show (:func:`lost_starts`).
        ``similarity`` holds Jaccards already computed."""
        similarity = similarity or {}
        group = sorted(group, key=view.rank)
        members = [view.member(d, document) for d in group]
        kept = choose_kept(members, self.options.keep)
        k = group[kept]
        copies = {}
        unknown = [d for d in group if d != k and (min(d, k), max(d, k)) not in similarity]
        computed = dict(zip(unknown, self.jaccards((view.doc_key(d), view.doc_key(k)) for d in unknown)))
        for m, d in zip(members, group):
            m.similarity = 1.0 if d == k else computed[d] if d in computed else similarity[(min(d, k), max(d, k))]
            if d != k and not view.archived(d):
                copies[d] = view.id(k)
        ours = [(d, m) for d, m in zip(group, members) if not view.archived(d)]
        found = lost_starts([m.text for _, m in ours], [m.id for _, m in ours], self.repair_rules)
        cluster = Cluster("document", members, kept, self.options.keep,
                          similarity=min(m.similarity for m in members))
        return DocumentCluster(cluster, copies, {ours[n][0]: flags for n, flags in found.items()})

    def paragraph_cluster(self, view: "View", group: Sequence[int], family: Callable[[int], int],
                          document: Callable[[int], Document]) -> Cluster | None:
        """The cluster of the paragraph copies ``group`` (item numbers), or ``None`` when
        their documents are all of one family (``family(doc)``: the same number for the
        documents of one document cluster): copies of a whole story are reported once, at the
        document level."""
        if len({family(view.doc_of(i)) for i in group}) < 2:
            return None
        group = sorted(group, key=lambda i: (view.rank(view.doc_of(i)), max(view.paragraph_of(i), 0)))
        members = [view.member(view.doc_of(i), document, view.paragraph_of(i)) for i in group]
        kept = choose_kept(members, self.options.keep)
        kept_key = view.item_key(group[kept])
        for m, similarity in zip(members, self.jaccards((view.item_key(i), kept_key) for i in group)):
            m.similarity = similarity
        return Cluster("paragraph", members, kept, self.options.keep,
                       similarity=min(m.similarity for m in members))


class View:
    """A run's fingerprints (a :class:`PrintTable`, or a
    :class:`~newsclean.dedup.shard_table.ShardTable` in a Ray task) and the archived
    documents and paragraphs matched to it, numbered after the run's own: what the per-group
    methods of :class:`Deduplicator` read.  A :class:`~newsclean.dedup.prints.FingerprintTable`
    itself."""

    def __init__(self, table: FingerprintTable):
        self.table = table
        self._docs: list[_Archived] = []
        self._items: list[tuple[int, int, str]] = []
        #: the batch's documents whose ids the archive holds, by number: their archived entries
        self._again: dict[int, _Archived] = {}

    @property
    def documents(self) -> int:
        return self.table.documents + len(self._docs)

    @property
    def items(self) -> int:
        return self.table.items + len(self._items)

    def add_document(self, entry: _Archived) -> int:
        self._docs.append(entry)
        return self.documents - 1

    def add_item(self, doc: int, paragraph: int, key: str) -> int:
        self._items.append((doc, paragraph, key))
        return self.items - 1

    def seen_again(self, doc: int, entry: _Archived) -> None:
        """Mark the batch's document ``doc`` as the archived document ``entry`` seen again (its
        id was sent before): it ranks, and shows, as that archived document, with its text."""
        self._again[doc] = entry

    def archived(self, doc: int) -> bool:
        """Whether ``doc`` is an archived document, not one of this batch (a document of the batch
        seen again is the batch's)."""
        return doc >= self.table.documents

    def id(self, doc: int) -> str:
        return self._docs[doc - self.table.documents].id if self.archived(doc) else self.table.id(doc)

    def doc_key(self, doc: int) -> str:
        return self._docs[doc - self.table.documents].key if self.archived(doc) else self.table.doc_key(doc)

    def doc_of(self, item: int) -> int:
        n = item - self.table.items
        return self._items[n][0] if n >= 0 else self.table.doc_of(item)

    def paragraph_of(self, item: int) -> int:
        n = item - self.table.items
        return self._items[n][1] if n >= 0 else self.table.paragraph_of(item)

    def item_key(self, item: int) -> str:
        n = item - self.table.items
        return self._items[n][2] if n >= 0 else self.table.item_key(item)

    def rank(self, doc: int) -> tuple:
        """Archived copies first, oldest first (a document of the batch seen again among them,
        by its first sighting); then this batch in input order."""
        if self.archived(doc):
            return (0, self._docs[doc - self.table.documents].first_seen, doc)
        if doc in self._again:
            return (0, self._again[doc].first_seen, doc)
        return (1, "", doc)

    def member(self, doc: int, document: Callable[[int], Document], paragraph: int | None = None) -> Member:
        """A cluster member: document ``doc`` (or its ``paragraph``) with its text; an archived
        copy with its source and first-seen time instead (its text is not kept); a document of
        the batch seen again with both."""
        index = None if paragraph is None or paragraph == WHOLE else paragraph
        if self.archived(doc):
            entry = self._docs[doc - self.table.documents]
            member = Member(entry.id, "", index)
            member.archived = {"source": entry.source, "first_seen": entry.first_seen}
            return member
        text = document(doc).text
        member = Member(self.table.id(doc), text if index is None else text.split("\n")[index], index)
        if doc in self._again:
            entry = self._again[doc]
            member.archived = {"source": entry.source, "first_seen": entry.first_seen}
        return member


def _in_order(ids: Sequence[str], found: dict) -> Iterator[tuple[int, object]]:
    """``(number, found[id])`` for each of ``ids`` (in order) that ``found`` holds."""
    if found:
        for number, i in enumerate(ids):
            if i in found:
                yield number, found[i]
