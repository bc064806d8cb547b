"""Shuffles on Ray Data by a slice of a key: the one way newsclean's Ray pipelines group rows.

A group holds every row whose key is the same modulo the number of groups, so a
task reduces a slice of the keys with numpy, not one key at a time in Python.
"""
from __future__ import annotations

import numpy as np

#: Rows a shuffle group holds, on average, at most (one row is a few int64 columns).
GROUP_ROWS = 1 << 22


def group_count(rows: int, cpus: int) -> int:
    """Groups for a shuffle of about ``rows`` rows: one a CPU at least, and no group over
    :data:`GROUP_ROWS` rows on average.

    >>> group_count(100, 2), group_count(10 * GROUP_ROWS, 2)
    (2, 10)
    """
    return max(cpus, -(-rows // GROUP_ROWS))


def shuffle(ds, column: str, groups: int, reduce, **kwargs):
    """``reduce(group, **kwargs)`` (numpy batches in, numpy columns out) applied to each of
    ``groups`` groups of the rows of the Ray Dataset ``ds``: a group holds the rows whose
    ``column`` is the same modulo ``groups``."""
    from ray.data.context import ShuffleStrategy

    keyed = ds.map_batches(_add_group, batch_format="numpy", fn_kwargs=dict(column=column, groups=groups))
    # A sort-based shuffle: on 2 CPUs, Ray's hash shuffle started new actor processes for every
    # shuffle and took 7 to 150 s for a toy.  A Dataset carries its own copy of the context.
    keyed.context.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    return (keyed.groupby("group", num_partitions=groups)
            .map_groups(reduce, batch_format="numpy", fn_kwargs=kwargs))


def where(ds, column: str, value: int, keep: list[str]):
    """The ``keep`` columns of the rows of ``ds`` whose ``column`` equals ``value``."""
    return ds.map_batches(_where, batch_format="numpy", fn_kwargs=dict(column=column, value=value, keep=keep))


def _where(batch: dict, column: str, value: int, keep: list[str]) -> dict:
    chosen = batch[column] == value
    return {name: batch[name][chosen] for name in keep}


def _add_group(batch: dict, column: str, groups: int) -> dict:
    return {**batch, "group": batch[column] % groups}
