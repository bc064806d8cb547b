"""A run's life: it holds its output folder and its archive, looks finished only once it is, and
whatever moment it is killed at, a resumed or later run finishes or cleans what it left.

The runs here are real ``python -m newsclean`` processes, killed (SIGKILL) or paused (SIGSTOP) at
a moment the test can see: a shard folder or the staged outputs appearing, or the run waiting
for the archive's write lock, which the test holds through SQLite itself.
"""
import fcntl
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner

from damage import KINDS, damage
from newsclean.cli import main
from newsclean.dedup import DedupOptions
from newsclean.dedup.archive import open_archive
from newsclean.job import SCRATCH_LEFT_SECONDS
from conftest import SEED
from test_engines import article, outputs

DOCUMENTS = 30
OUTPUTS = ["corpus.jsonl", "duplicates.jsonl", "report.html", "stats.json"]
#: A shard a document, so that a run has many moments to be caught at (and --resume must repeat it).
SHARDS = ["--shard-size", "1"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Thirty damaged articles, every fifth a lightly edited copy of an earlier one."""
    characters = sorted(set(regex.findall(r"\p{Han}", SEED.read_text(encoding="utf-8"))))
    rng = random.Random(11)
    articles: list[list[str]] = []
    for n in range(DOCUMENTS):
        paragraphs = list(rng.choice(articles)) if n % 5 == 4 else article(rng, characters)
        if n % 5 == 4:
            paragraphs[-1] = paragraphs[-1][:-1] + "，记者另有补充。"
        articles.append(paragraphs)
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{n:02d}", "text": damage(p, rng.choice(KINDS), rng)},
                                       ensure_ascii=False) + "\n" for n, p in enumerate(articles)),
                    encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False)


def clean(corpus, out, *options):
    """An uninterrupted run; its outputs (:func:`test_engines.outputs`)."""
    result = invoke("run", corpus, "--out", out, "-q", *options)
    assert result.exit_code == 0, result.stderr
    return outputs(out)


def start(*args, env=None) -> subprocess.Popen:
    """``newsclean ARGS`` as a process of its own, one worker, a shard a document."""
    return subprocess.Popen([sys.executable, "-m", "newsclean", *map(str, args), "-q", "--workers", "1", *SHARDS],
                            stderr=subprocess.PIPE, text=True, env=env)


def wait_for(condition, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert process.poll() is None, f"the run ended before {what}: {process.stderr.read()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"


def shards(out) -> list:
    return list((out / ".newsclean-work").glob("shard-??????"))


def refused(result, message: str) -> None:
    """A command that refused with one line saying ``message``: no traceback, nothing written."""
    assert result.exit_code != 0 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# -- item 1: `report` keeps the run finished ----------------------------------------------------


def test_report_can_be_rebuilt_again_and_again(corpus, tmp_path):
    clean(corpus, tmp_path)
    for _ in range(2):
        result = invoke("report", tmp_path)
        assert result.exit_code == 0, result.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == OUTPUTS


# -- item 6: a failed re-run does not leave the previous run looking finished ----------------


def test_a_killed_rerun_leaves_no_finished_looking_output(corpus, tmp_path):
    clean(corpus, tmp_path)
    rerun = start("run", corpus, "--out", tmp_path)
    wait_for(lambda: shards(tmp_path), rerun, "a shard was finished")
    kill(rerun)
    assert not (tmp_path / "stats.json").exists()


# -- item 7: the outputs look finished only once the archive holds the batch -------------------


def killed_while_archiving(corpus, out: Path, archive: Path) -> None:
    """Run into ``out`` with ``archive``, and kill the run while it waits to add its batch (its
    outputs written): another connection holds the archive's write lock meanwhile."""
    holder = sqlite3.connect(archive, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    run = start("run", corpus, "--out", out, "--index", archive)
    wait_for(lambda: (out / ".newsclean-work" / "outputs").is_dir() or (out / "stats.json").exists(), run,
             "the outputs were written")
    kill(run)
    holder.execute("ROLLBACK")
    holder.close()


def test_outputs_look_finished_only_once_the_archive_holds_the_batch(corpus, tmp_path):
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(keepends=True)[:8]), encoding="utf-8")
    archive = tmp_path / "archive.sqlite"
    assert invoke("index", "add", earlier, "--index", archive, "-q").exit_code == 0
    shutil.copy(archive, tmp_path / "reference.sqlite")
    reference = clean(corpus, tmp_path / "reference", "--index", tmp_path / "reference.sqlite")

    out = tmp_path / "out"
    killed_while_archiving(corpus, out, archive)
    assert not (out / "stats.json").exists()

    resumed = invoke("run", corpus, "--out", out, "--index", archive, "--resume", *SHARDS)
    assert resumed.exit_code == 0, resumed.stderr
    assert outputs(out) == reference
    with open_archive(archive, DedupOptions().settings) as held:
        assert held.stats()["documents"] == DOCUMENTS


# -- item 11: --resume does not trust a shard a power loss emptied ------------------------------


def test_resume_redoes_a_shard_whose_files_came_back_empty(corpus, tmp_path):
    reference = clean(corpus, tmp_path / "reference")
    out = tmp_path / "out"
    run = start("run", corpus, "--out", out)
    wait_for(lambda: len(shards(out)) >= 3, run, "three shards were finished")
    kill(run)
    emptied = out / ".newsclean-work" / "shard-000001"
    for name in ("records.jsonl", "bands.bin"):  # what a power loss leaves of data never synced
        (emptied / name).write_bytes(b"")
    result = invoke("run", corpus, "--out", out, "--resume", *SHARDS)
    assert result.exit_code == 0, result.stderr
    assert outputs(out) == reference


# -- item 12: the output folder is not an input folder ------------------------------------------


def test_an_output_folder_inside_an_input_folder_is_refused(corpus, tmp_path):
    shutil.copy(corpus, tmp_path / "corpus.jsonl")
    for out in (tmp_path, tmp_path / "clean"):
        result = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(out), "-q"])
        refused(result, "inside the input folder")
        assert not (out / "stats.json").exists()


# -- item 13: one run at a time in an output folder ---------------------------------------------


def test_a_second_run_on_a_busy_output_folder_refuses(corpus, tmp_path):
    reference = clean(corpus, tmp_path / "reference")
    out = tmp_path / "out"
    first = start("run", corpus, "--out", out)
    wait_for(lambda: shards(out), first, "a shard was finished")
    first.send_signal(signal.SIGSTOP)
    try:
        refused(CliRunner().invoke(main, ["run", str(corpus), "--out", str(out), "-q"]), "in use by another run")
        refused(CliRunner().invoke(main, ["report", str(out)]), "in use by another run")
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    first.stderr.close()
    assert outputs(out) == reference


# -- item 21: what killed runs leave is cleaned by the next ------------------------------------


def test_what_killed_runs_leave_is_cleaned_by_the_next(corpus, tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    index = start("index", "add", corpus, "--index", tmp_path / "archive.sqlite", env=env)
    wait_for(lambda: list(temporary.glob("newsclean-index-*/.newsclean-work/shard-*")), index, "a shard was finished")
    kill(index)
    [left] = temporary.glob("newsclean-index-*")
    os.utime(left, (time.time() - 2 * SCRATCH_LEFT_SECONDS,) * 2)  # left a while ago
    fresh = temporary / "newsclean-index-just-made"  # another command's, not locked yet
    fresh.mkdir()
    locked = os.open(temporary, os.O_RDONLY)
    try:
        fcntl.flock(locked, fcntl.LOCK_SH)  # anyone may hold a lock on the temporary folder
        again = subprocess.run([sys.executable, "-m", "newsclean", "index", "add", str(corpus), "--index",
                                str(tmp_path / "archive.sqlite"), "-q"], env=env, capture_output=True, text=True,
                               timeout=120)
    finally:
        os.close(locked)
    assert again.returncode == 0, again.stderr
    assert os.listdir(temporary) == [fresh.name]

    out, archive = tmp_path / "out", tmp_path / "archive.sqlite"
    killed_while_archiving(corpus, out, archive)
    legacy = out / ".newsclean-k2j4x9_a"  # what a run of an earlier version, killed while writing, left
    legacy.mkdir()
    (legacy / "corpus.jsonl").write_text("{}\n", encoding="utf-8")
    clean(corpus, out, "--index", archive)
    assert sorted(os.listdir(out)) == OUTPUTS


# -- item 22: a work folder that is not a folder -------------------------------------------------


def test_a_work_folder_that_is_a_link_or_a_file_is_replaced(corpus, tmp_path):
    reference = clean(corpus, tmp_path / "reference")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not newsclean's", encoding="utf-8")
    for n, make in enumerate([lambda work: work.symlink_to(elsewhere),
                              lambda work: work.write_text("a file", encoding="utf-8")]):
        out = tmp_path / f"out{n}"
        out.mkdir()
        make(out / ".newsclean-work")
        assert clean(corpus, out) == reference
        assert sorted(os.listdir(out)) == OUTPUTS
    assert os.listdir(elsewhere) == ["keep.txt"]
