"""The engine is a pure executor: a toy one, written here against the executor interface alone,
runs the whole job and gives the local engine's bytes (tests/test_imports.py checks that no
engine module imports a stage); the step the engines map saves nothing for a run that is gone."""
import pickle
from pathlib import Path

from conftest import SAMPLES, SEED
from newsclean.document import Document
from newsclean.job import run_job
from newsclean.options import RunOptions
from newsclean.shards import Shard
from newsclean.spool import ProcessShard, Spool


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


def test_a_worker_of_a_killed_run_saves_nothing_into_the_folder_a_new_run_made(tmp_path):
    killed = Spool.open(tmp_path, {"run": 1}, resume=False)
    step = ProcessShard.of(RunOptions(), killed, run="")
    new = Spool.open(tmp_path, {"run": 2}, resume=False)
    assert step(Shard(0, [Document("a", "临颍县")])) is None and not new.done(0)
    assert ProcessShard.of(RunOptions(), new, run="")(Shard(0, [Document("a", "临颍县")])) == 0 and new.done(0)
