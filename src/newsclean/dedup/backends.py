"""The ``cluster`` stage's two back-ends, behind one interface: in this process
(:class:`LocalClustering`) or on the Ray that is running (:class:`RayClustering`).

Both read a run's saved shards through a :class:`~newsclean.dedup.prints.ShardReader`
and give the same :class:`~newsclean.dedup.cluster.Clustering`, byte for byte.
:func:`clustering_for` picks the one that fits the engine a run's shards ran on.

>>> clustering_for("local", cpus=2)
LocalClustering()
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

from . import band_shuffle, ray_cluster
from .cluster import Clustering
from .prints import FingerprintTable, PrintTable, ShardReader, shard_bases
from .shard_table import ShardTable

if TYPE_CHECKING:
    from ..document import Document
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
    """In this process: pairs found one band at a time, then union-find."""

    def table(self, reader: ShardReader, sizes, whole: bool) -> PrintTable:
        """Every paragraph's fingerprints, in memory, whatever ``whole`` says: the pair search
        here needs them."""
        return PrintTable.gather(sizes, reader.prints)

    def cluster(self, dedup, table, document, archive, reader) -> Clustering:
        return Clustering.of(*dedup.cluster(table, document, archive))


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


def clustering_for(engine: str, cpus: int) -> ClusteringBackend:
    """The back-end for a run whose shards ran on the engine called ``engine`` with ``cpus``
    CPUs: on Ray, clustering runs on the same Ray."""
    return RayClustering(cpus) if engine == "ray" else LocalClustering()
