"""newsclean: turn scraped newspaper text (mostly Chinese) into a clean, de-duplicated corpus.

>>> from newsclean import Document, Normalise, Repair
>>> doc = Normalise.from_rules().process(Document(id="a", text="临颍县\\n\\n实行管理联动，带\\n\\n带动６００余户。"))
>>> Repair.from_rules().process(doc).text
'临颍县\\n实行管理联动，带动600余户。'
"""
from .document import Document, Edit, Flag, replay, undo
from .job import RunResult, run_job
from .normalize import Normalise, ScriptConverter
from .options import RunOptions
from .pipeline import Pipeline, Stage
from .repair import Repair

__all__ = ["Document", "Edit", "Flag", "Normalise", "Pipeline", "Repair", "RunOptions", "RunResult",
           "ScriptConverter", "Stage", "replay", "undo", "run_job"]
