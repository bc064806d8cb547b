"""Connected components of a graph too large for one process, on Ray Data.

The alternating *large-star* and *small-star* steps of Kiveris et al.,
"Connected Components in MapReduce and Beyond" (SoCC 2014), each one shuffle
by node.  Large-star links every neighbour larger than a node to the smallest
node it sees; small-star links a node and its smaller neighbours to the
smallest of them.  Both keep the components, and together they make each
component a star around its smallest node in a few rounds: the paper proves
O(log² n) for n nodes, and a path of 60 nodes numbered at random took six.  A
round ends with a large-star, whose groups also tell whether the graph they
saw was already such a star forest: then every node's smallest neighbour (or
itself) is its component's smallest node, its label.

Each shuffle group holds a slice of the nodes (node modulo ``groups``), so no
process holds the graph, and the driver holds nothing but a count.

>>> import ray
>>> _ = ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
>>> edges = ray.data.from_items([{"a": 5, "b": 9}, {"a": 9, "b": 2}, {"a": 7, "b": 8}])
>>> sorted((r["node"], r["root"]) for r in components(edges, groups=2).iter_rows())
[(2, 2), (5, 2), (7, 7), (8, 7), (9, 2)]
>>> ray.shutdown()
"""
from __future__ import annotations

import numpy as np

from .ray_groups import shuffle, where

#: Rounds after which the graph must be a star forest: far more than the proven bound
#: (O(log² n) rounds for n nodes) asks for any graph this engine can hold.
MAX_ROUNDS = 200


def components(edges, groups: int):
    """Every node of the undirected ``edges`` (a Ray Dataset with int64 columns ``a`` and
    ``b``, each edge between two different nodes) with its ``root``, the smallest node of
    its component: a materialised Dataset with columns ``node`` and ``root``, shuffled in
    ``groups`` groups."""
    for _ in range(MAX_ROUNDS):
        star = shuffle(edges.map_batches(_both_ways, batch_format="numpy"), "node", groups,
                       _large_star).materialize()
        if not star.sum("unsettled"):
            return where(star, "kind", 1, ["node", "root"]).materialize()
        large = where(star, "kind", 0, ["node", "root"])
        edges = shuffle(large.map_batches(_larger_first, batch_format="numpy"), "node", groups,
                        _small_star).materialize()
    raise RuntimeError(f"no star forest after {MAX_ROUNDS} rounds")


def _both_ways(batch: dict) -> dict:
    """An edge as (node, neighbour) rows in both directions."""
    a, b = batch["a"].astype(np.int64), batch["b"].astype(np.int64)
    return {"node": np.concatenate([a, b]), "other": np.concatenate([b, a])}


def _larger_first(batch: dict) -> dict:
    """A large-star edge (node, root) as (larger, smaller), self-links dropped."""
    a, b = batch["node"], batch["root"]
    keep = a != b
    return {"node": np.maximum(a, b)[keep], "other": np.minimum(a, b)[keep]}


def _runs(node: np.ndarray, other: np.ndarray) -> tuple:
    """Distinct (node, other) rows sorted by node, each row's node's smallest ``other``
    or the node itself (``low``), and where each node's run starts."""
    packed = np.unique(np.stack([node, other], axis=1), axis=0)
    node, other = packed[:, 0], packed[:, 1]
    starts = np.flatnonzero(np.concatenate(([True], node[1:] != node[:-1])))
    low = np.minimum(np.minimum.reduceat(other, starts), node[starts]) if len(node) else node
    return node, other, starts, low


def _large_star(group: dict) -> dict:
    """Large-star: each neighbour larger than a node, linked to the smallest of the node and
    its neighbours (``kind`` 0).  Also each node's own smallest neighbour or itself (``kind``
    1), and whether the node breaks the star-forest shape (``unsettled``): a node with a
    smaller neighbour has no other neighbour in a star forest."""
    node, other, starts, low = _runs(group["node"], group["other"])
    degree = np.diff(np.append(starts, len(node)))
    each_low = np.repeat(low, degree)
    larger = other > node
    unsettled = ((low < node[starts]) & (degree > 1)).astype(np.int64)
    return {"kind": np.concatenate([np.zeros(int(larger.sum()), np.int64), np.ones(len(starts), np.int64)]),
            "node": np.concatenate([other[larger], node[starts]]),
            "root": np.concatenate([each_low[larger], low]),
            "unsettled": np.concatenate([np.zeros(int(larger.sum()), np.int64), unsettled])}


def _small_star(group: dict) -> dict:
    """Small-star: a node and its smaller neighbours, each linked to the smallest of them."""
    node, other, starts, low = _runs(group["node"], group["other"])
    each_low = np.repeat(low, np.diff(np.append(starts, len(node))))
    keep = other != each_low
    return {"a": np.concatenate([other[keep], node[starts]]), "b": np.concatenate([each_low[keep], low])}
