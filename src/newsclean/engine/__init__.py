"""Engines run the per-document stages shard by shard: on this machine's cores
(:class:`LocalEngine`, the default) or on a Ray cluster (:class:`RayEngine`)."""
from .local import LocalEngine, available_cpus
from .ray_engine import EngineError, RayEngine
from .shards import SHARD_DOCS, Shard, ShardResult, merge_stats, process_shard
from .spool import ResumeError, Spool

ENGINES = ("local", "ray")


def make_engine(name: str, workers: int | None = None, address: str | None = None):
    """The engine called ``name``, with ``workers`` (default: every CPU)."""
    if name == "ray":
        return RayEngine(address, workers)
    if address:
        raise EngineError("--ray-address needs --engine ray")
    return LocalEngine(workers)


__all__ = ["ENGINES", "SHARD_DOCS", "EngineError", "LocalEngine", "RayEngine", "ResumeError", "Shard",
           "ShardResult", "Spool", "available_cpus", "make_engine", "merge_stats", "process_shard"]
