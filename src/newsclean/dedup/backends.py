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


#: ``on_step(done, total)``: the cluster stage's steps done, of ``total`` (or ``None``).
Step = Callable[[int, "int | None"], None]


def _no_step(done: int, total: int | None) -> None:
    pass


class ClusteringBackend(Protocol):
    """Where the ``cluster`` stage runs."""

    def table(self, reader: ShardReader, sizes: Sequence[tuple[int, int, int]], whole: bool) -> FingerprintTable:
        """The fingerprints of the shards ``reader`` reads (their :attr:`~newsclean.dedup.prints.Prints.sizes`
        are ``sizes``) for :meth:`cluster`; every paragraph's in memory if ``whole`` asks
        (an archive run matches and stores them all)."""

    def cluster(self, dedup: "Deduplicator", table: FingerprintTable, document: Callable[[int], "Document"],
                archive: "Archive | None", reader: ShardReader, on_step: Step = _no_step) -> Clustering:
        """The clusters of the run (and the archive), as :meth:`~newsclean.dedup.Deduplicator.cluster`
        finds them; sets ``dedup.stats["cluster"]``.  ``on_step(done, total)`` is told the
        steps done as they finish (``total`` ``None`` where it is not known), and last with
        ``done == total``."""


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

    def cluster(self, dedup, table, document, archive, reader, on_step: Step = _no_step) -> Clustering:
        """Without an archive, each of the :data:`~newsclean.dedup.pool_cluster.STEPS` steps
        mapped over the workers is one step done; with one, the pairs verified there are one
        step, and the clusters built here the other."""
        total = pool_cluster.STEPS if archive is None else 2
        done = 0

        def run(task, items):  # the engine's map, counting the steps as they finish
            nonlocal done
            yield from self.engine.map(task, items)
            done += 1
            on_step(done, total)

        on_step(0, total)
        workers = self.engine.cpus
        if archive is None:
            return pool_cluster.cluster(dedup, table, reader, run, workers)
        found = Clustering.of(*dedup.cluster(
            table, document, archive, lambda whole: pool_cluster.similar_pairs(dedup, whole, reader, run, workers)))
        on_step(total, total)
        return found


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

    def cluster(self, dedup, table, document, archive, reader, on_step: Step = _no_step) -> Clustering:
        """Ray Data's steps are lazy and not counted here: one step, done when all is."""
        on_step(0, None)
        if archive is None:
            found = ray_cluster.cluster(dedup, reader, table.shard_bases, self.cpus)
        else:
            found = Clustering.of(*dedup.cluster(
                table, document, archive,
                lambda whole: band_shuffle.similar_pairs(reader, whole.shard_bases, dedup.options, self.cpus)))
        on_step(1, 1)
        return found


def clustering_for(engine: "Executor") -> ClusteringBackend:
    """The back-end for a run whose shards ran on ``engine``: clustering runs there too."""
    return RayClustering(engine.cpus) if engine.name == "ray" else LocalClustering(engine)
