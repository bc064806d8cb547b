"""What every worker of a run needs before its first step, loaded on import: the local
engine's fork server imports this module once, and each worker it forks starts with it.

That is the code of the steps (processing shards, the cluster stage's tasks), the
word list repair judges seams by (half a second to read), and OpenCC's converter.
An earlier fork server loaded the word list only when the first step came, so every
worker waited for it, and runs were slower than with each worker loading its own at
the same time (commit 01e6dd0).  The fork server now starts as a run begins
(:meth:`~newsclean.engine.LocalEngine.__enter__`), and loads all this while the
driver reads the inputs for the census: by the first step it is done.

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
