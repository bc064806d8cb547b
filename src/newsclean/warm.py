"""What every worker of a run needs before its first step, loaded on import: the local
engine's fork server imports this module once, and each worker it forks starts with it.

That is the code of the steps (the census, processing shards, the cluster stage's tasks),
the word list repair judges seams by (half a second to read), and OpenCC's converter: read
once a run, not once a worker.  An earlier fork server, started at the first step, loaded
the word list while every worker waited, and runs were slower than with each worker loading
its own at the same time (commit 01e6dd0).  The fork server now starts as the run begins
(:meth:`~newsclean.engine.LocalEngine.__enter__`), so the driver's own start overlaps it.
On two workers it saves CPU time, not wall time: the first step still waits for the load
(``python benchmarks/engines.py`` times runs with and without it, docs/benchmarks.md).

>>> import newsclean.warm
>>> from newsclean.repair.lexicon import _words
>>> _words.cache_info().currsize
1
"""
from .dedup import group_tasks  # noqa: F401  (the cluster stage's tasks)
from .normalize.convert import to_simplified
from .repair.lexicon import word_count
from .spool import ProcessShard  # noqa: F401  (the step that processes shards)

word_count("")
to_simplified("")
