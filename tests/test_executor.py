"""The engine is a pure executor: a toy one, written here against the executor interface alone,
runs the whole job and gives the local engine's bytes; and no engine module imports a stage,
the job or the report."""
import ast
import pickle
from pathlib import Path

from conftest import SAMPLES, SEED
from newsclean.job import run_job
from newsclean.options import RunOptions

ENGINE = Path(__file__).resolve().parent.parent / "src" / "newsclean" / "engine"
#: What an executor must not know: the stages, the job, the report (and what runs them).
NOT_THE_ENGINES = ("normalize", "repair", "dedup", "job", "report", "pipeline", "shards", "spool", "options")


class SerialExecutor:
    """Each step in this process, one item after another.  The step and each item are sent
    through pickle, as to a worker of a real engine."""

    name = "serial"
    cpus = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def map(self, step, items):
        step = pickle.loads(pickle.dumps(step))
        for item in items:
            yield step(pickle.loads(pickle.dumps(item)))


def outputs(out: Path) -> list[bytes]:
    return [(out / name).read_bytes() for name in ("corpus.jsonl", "duplicates.jsonl", "report.html")]


def test_a_toy_serial_executor_gives_the_local_engines_bytes(tmp_path):
    inputs = [str(SAMPLES / "input"), str(SEED)]
    options = RunOptions(convert="t2s", shard_docs=2)
    run_job(inputs, tmp_path / "local", RunOptions(convert="t2s", shard_docs=2, workers=2))
    toy = run_job(inputs, tmp_path / "toy", options, engine=SerialExecutor())
    assert toy.documents > 2 * options.shard_docs  # several shards
    assert outputs(tmp_path / "toy") == outputs(tmp_path / "local")


def imported(path: Path) -> set[str]:
    """The newsclean modules ``path`` imports, relative to the newsclean package."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level >= 2 or base.startswith("newsclean"):  # from .. (newsclean), or absolute
                base = base.removeprefix("newsclean").removeprefix(".")
                names.update([base] if base else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            names.update(a.name.removeprefix("newsclean.") for a in node.names if a.name.startswith("newsclean."))
    return names


def test_no_engine_module_imports_a_stage_the_job_or_the_report():
    modules = sorted(ENGINE.glob("*.py"))
    assert len(modules) >= 3
    found = {p.name: sorted(n for n in imported(p) if n.split(".")[0] in NOT_THE_ENGINES) for p in modules}
    assert found == {p.name: [] for p in modules}


def test_the_import_check_sees_an_import_from_above(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from ..dedup.prints import PrintTable\nfrom .. import job\nimport newsclean.report\n")
    assert imported(module) == {"dedup.prints", "job", "report"}
