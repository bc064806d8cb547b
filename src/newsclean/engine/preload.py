"""What the local engine's fork server loads before it forks a worker: newsclean and the word
list, so each worker starts with them (shared with the server until written) instead of spending
a second loading its own copy.

>>> import newsclean.engine.preload
>>> from newsclean.repair import lexicon
>>> lexicon.word_count("干部") > 0
True
"""
from ..repair import lexicon
from . import shards  # noqa: F401  (imported for the workers)

lexicon.load()
