"""The ``cluster`` stage's two back-ends, behind one interface: on the local engine's
workers (:class:`LocalClustering`) or on the Ray that is running (:class:`RayClustering`).

Both read a run's saved shards through a :class:`~newsclean.dedup.prints.ShardReader`
and give the same :class:`~newsclean.dedup.cluster.Clustering`, byte for byte.
:func:`clustering_for` picks the one that fits the engine a run's shards ran on.

>>> from newsclean.engine import LocalEngine
>>> type(clustering_for(LocalEngine(workers=2))).__name__
'LocalClustering'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

from . import band_shuffle, pool_cluster, ray_cluster
from .cluster import Clustering
from .prints import FingerprintTable, PrintTable, ShardReader, shard_bases
from .shard_table import ShardTable

if TYPE_CHECKING:
    from ..document import Document
    from ..engine import Executor
    from .archive import Archive
    from .deduplicator import Deduplicator


class ClusteringBackend(Protocol):
    """Where the ``cluster`` stage runs."""

    def table(self, reader: ShardReader, sizes: Sequence[tuple[int, int, int]], whole: bool) -> FingerprintTable:
        """The fingerprints of the shards ``reader`` reads (their :attr:`~newsclean.dedup.prints.Prints.sizes`
        are ``sizes``) for :meth:`cluster`; every paragraph's in memory if ``whole`` asks
        (an archive run matches and stores them all)."""

    def cluster(self, dedup: "Deduplicator", table: FingerprintTable, document: Callable[[int], "Document"],
                archive: "Archive | None", reader: ShardReader) -> Clustering:
        """The clusters of the run (and the archive), as :meth:`~newsclean.dedup.Deduplicator.cluster`
        finds them; sets ``dedup.stats["cluster"]``."""


@dataclass
class LocalClustering:
    """On the workers of the local ``engine`` (:mod:`~newsclean.dedup.pool_cluster`): the
    driver holds every paragraph's fingerprints and forms the groups, the workers verify
    them and build the clusters.  An archive run verifies its pairs there, and builds its
    clusters in the driver, where its matches with the archive are."""

    engine: "Executor"

    def table(self, reader: ShardReader, sizes, whole: bool) -> PrintTable:
        """Every paragraph's fingerprints, in memory, whatever ``whole`` says: the driver
        forms the groups from them."""
        return PrintTable.gather(sizes, reader.prints)

    def cluster(self, dedup, table, document, archive, reader) -> Clustering:
        run, workers = self.engine.map, self.engine.cpus
        if archive is None:
            return pool_cluster.cluster(dedup, table, reader, run, workers)
        return Clustering.of(*dedup.cluster(
            table, document, archive, lambda whole: pool_cluster.similar_pairs(dedup, whole, reader, run, workers)))


@dataclass
class RayClustering:
    """On Ray Data, in at least ``cpus`` shuffle groups (:mod:`~newsclean.dedup.ray_cluster`).
    An archive run builds its clusters here, from the pairs the band shuffle found
    (:mod:`~newsclean.dedup.band_shuffle`): its matches are read from the archive."""

    cpus: int

    def table(self, reader: ShardReader, sizes, whole: bool) -> FingerprintTable:
        """A :class:`~newsclean.dedup.shard_table.ShardTable`, which holds nothing a paragraph
        and reads what it is asked for, unless ``whole`` asks for every paragraph in memory."""
        return PrintTable.gather(sizes, reader.prints) if whole else ShardTable(reader, shard_bases(sizes))

    def cluster(self, dedup, table, document, archive, reader) -> Clustering:
        if archive is None:
            return ray_cluster.cluster(dedup, reader, table.shard_bases, self.cpus)
        return Clustering.of(*dedup.cluster(
            table, document, archive,
            lambda whole: band_shuffle.similar_pairs(reader, whole.shard_bases, dedup.options, self.cpus)))


def clustering_for(engine: "Executor") -> ClusteringBackend:
    """The back-end for a run whose shards ran on ``engine``: clustering runs there too."""
    return RayClustering(engine.cpus) if engine.name == "ray" else LocalClustering(engine)
