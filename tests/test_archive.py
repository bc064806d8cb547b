"""The archive index: incremental runs equal one run, crashes leave it consistent, clear refusals."""
import json
import os
import signal
import sqlite3
import subprocess
import time

import opencc
import pytest
from click.testing import CliRunner

from newsclean.cli import main
from newsclean.dedup import DedupOptions
from newsclean.dedup.archive import Archive, ArchiveError
from conftest import SAMPLES, read_jsonl

GOLDEN = (SAMPLES / "expected" / "seed.txt").read_text(encoding="utf-8").split("\n")
S2T = opencc.OpenCC("s2t")
BOILER = "请加入成为本报的月费订户，长期支持我们的工作。所有订户都可以收到我们的每周时事通讯。"


def write(path, docs):
    path.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in docs) + "\n",
                    encoding="utf-8")
    return str(path)


@pytest.fixture
def batches(tmp_path):
    first = write(tmp_path / "first.jsonl", [("a1", "\n".join(GOLDEN[3:9])), ("a2", "\n".join(GOLDEN[10:16] + [BOILER]))])
    second = write(tmp_path / "second.jsonl", [("b1", S2T.convert("\n".join(GOLDEN[3:9]))),
                                               ("b2", "\n".join(GOLDEN[20:27] + [BOILER]))])
    return first, second


def run(*args):
    return CliRunner().invoke(main, ["run", *args, "-q"], catch_exceptions=False)


def pairs(out):
    found = set()
    for cluster in read_jsonl(out / "duplicates.jsonl"):
        ids = sorted({m["id"] for m in cluster["members"]})
        found.update((cluster["level"], a, b) for i, a in enumerate(ids) for b in ids[i + 1:])
    return found


def test_incremental_runs_find_what_one_run_finds(batches, tmp_path):
    first, second = batches
    assert run(first, second, "--out", str(tmp_path / "single")).exit_code == 0
    index = str(tmp_path / "archive.sqlite")
    assert run(first, "--out", str(tmp_path / "one"), "--index", index).exit_code == 0
    assert run(second, "--out", str(tmp_path / "two"), "--index", index).exit_code == 0
    cross = {p for p in pairs(tmp_path / "single") if p[1][0] != p[2][0]}
    assert cross == {("document", "a1", "b1"), ("paragraph", "a2", "b2")}
    assert pairs(tmp_path / "two") == cross
    corpus = {d["id"]: d for d in read_jsonl(tmp_path / "two" / "corpus.jsonl")}
    assert corpus["b1"]["duplicate_of"] == "a1" and corpus["b2"]["duplicate_of"] is None
    cluster = next(c for c in read_jsonl(tmp_path / "two" / "duplicates.jsonl") if c["level"] == "document")
    archived = cluster["members"][0]
    assert cluster["kept"] == {"id": "a1"} and archived["archived"]["source"].endswith("first.jsonl:1")
    assert "archived · first seen" in (tmp_path / "two" / "report.html").read_text(encoding="utf-8")


def test_index_add_and_stats(batches, tmp_path):
    first, second = batches
    index = str(tmp_path / "archive.sqlite")
    added = CliRunner().invoke(main, ["index", "add", first, second, "--index", index, "-q"])
    assert added.exit_code == 0
    again = CliRunner().invoke(main, ["index", "add", first, "--index", index])
    assert "0 new to" in again.stderr and "(4 in all)" in again.stderr
    stats = json.loads(CliRunner().invoke(main, ["index", "stats", index]).output)
    assert stats["documents"] == 4 and stats["paragraphs"] > 10 and stats["format"] == 1


def test_a_second_run_on_the_same_archive_refuses_clearly(batches, tmp_path):
    first, _ = batches
    index = tmp_path / "archive.sqlite"
    with Archive.open(index, DedupOptions().settings):
        result = CliRunner().invoke(main, ["run", first, "--out", str(tmp_path / "out"), "--index", str(index)])
    assert result.exit_code == 3 and "is in use by another run" in result.stderr
    assert not (tmp_path / "out" / "corpus.jsonl").exists()


def test_an_archive_of_another_format_or_settings_is_refused(batches, tmp_path):
    first, _ = batches
    index = tmp_path / "archive.sqlite"
    assert run(first, "--out", str(tmp_path / "out"), "--index", str(index)).exit_code == 0
    other = CliRunner().invoke(main, ["run", first, "--out", str(tmp_path / "o2"), "--index", str(index),
                                      "--ngram", "4"])
    assert other.exit_code == 3 and "cannot be compared" in other.stderr
    with sqlite3.connect(index) as db:
        db.execute("UPDATE meta SET value = '999' WHERE name = 'format'")
    with pytest.raises(ArchiveError, match="archive of format 999; this newsclean reads format 1"):
        Archive.open(index, DedupOptions().settings)


def test_a_failure_while_adding_leaves_the_archive_as_it_was(batches, tmp_path, monkeypatch):
    first, second = batches
    index = str(tmp_path / "archive.sqlite")
    assert run(first, "--out", str(tmp_path / "one"), "--index", index).exit_code == 0
    before = CliRunner().invoke(main, ["index", "stats", index]).output

    real_connect = sqlite3.connect

    class FailsOnBuckets:
        """A connection whose insert of bucket rows fails, after documents and paragraphs went in."""

        def __init__(self, db):
            self._db = db

        def __getattr__(self, name):
            return getattr(self._db, name)

        def executemany(self, sql, rows):
            if "INTO buckets" in sql:
                raise OSError("disk full")
            return self._db.executemany(sql, rows)

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: FailsOnBuckets(real_connect(*a, **k)))
    failed = CliRunner().invoke(main, ["index", "add", second, "--index", index], catch_exceptions=False)
    assert failed.exit_code == 3 and failed.stderr.endswith(": disk full\n")
    monkeypatch.undo()
    after = json.loads(CliRunner().invoke(main, ["index", "stats", index]).output)
    assert after == json.loads(before)
    assert CliRunner().invoke(main, ["index", "add", second, "--index", index]).exit_code == 0


def test_a_killed_run_leaves_an_archive_that_opens_and_a_rerun_completes(tmp_path):
    docs = [(f"d{i}", "\n".join(GOLDEN[3 + i % 30:9 + i % 30]) + f"\n第{i}号文件的补充说明，内容各不相同。") for i in range(1500)]
    source = write(tmp_path / "big.jsonl", docs)
    index = tmp_path / "archive.sqlite"
    process = subprocess.Popen(["newsclean", "index", "add", source, "--index", str(index), "-q"])
    deadline = time.time() + 60
    while not index.exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with Archive.open(index, DedupOptions().settings) as archive:
        partial = archive.stats()["documents"]
    assert partial in (0, 1500)  # one transaction: all of the batch or none of it
    rerun = subprocess.run(["newsclean", "index", "add", source, "--index", str(index), "-q"], timeout=300)
    assert rerun.returncode == 0
    with Archive.open(index, DedupOptions().settings) as archive:
        assert archive.stats()["documents"] == 1500
