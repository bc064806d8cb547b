"""The archive index: incremental runs equal one run, crashes leave it consistent, clear refusals."""
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import opencc
import pytest
from click.testing import CliRunner

from newsclean.cli import main
from newsclean.dedup import DedupOptions
from newsclean.dedup.archive import ArchiveError, open_archive, read_archive
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
    with open_archive(index, DedupOptions().settings):
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
    banded = CliRunner().invoke(main, ["run", first, "--out", str(tmp_path / "o3"), "--index", str(index),
                                       "--threshold", "0.3"])  # 59 bands of 2 rows, not 32 of 4
    assert banded.exit_code == 3 and '"bands": 59' in banded.stderr and "cannot be compared" in banded.stderr
    same_bands = ["run", first, "--out", str(tmp_path / "o4"), "--index", str(index), "--threshold", "0.58"]
    assert CliRunner().invoke(main, same_bands).exit_code == 0
    with sqlite3.connect(index) as db:
        db.execute("UPDATE meta SET value = '999' WHERE name = 'format'")
    with pytest.raises(ArchiveError, match="archive of format 999; this newsclean reads format 1"):
        open_archive(index, DedupOptions().settings)


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
    with open_archive(index, DedupOptions().settings) as archive:
        partial = archive.stats()["documents"]
    assert partial in (0, 1500)  # one transaction: all of the batch or none of it
    rerun = subprocess.run(["newsclean", "index", "add", source, "--index", str(index), "-q"], timeout=300)
    assert rerun.returncode == 0
    with open_archive(index, DedupOptions().settings) as archive:
        assert archive.stats()["documents"] == 1500


@contextlib.contextmanager
def held_by_another_process(index):
    """The archive ``index`` held open, as a run holds it, by a process of its own until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from newsclean.dedup import DedupOptions; "
                               "from newsclean.dedup.archive import open_archive; "
                               f"archive = open_archive({str(index)!r}, DedupOptions().settings); "
                               "print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()


def test_the_lock_holds_the_archive_file_whatever_name_reaches_it(batches, tmp_path):
    first, _ = batches
    index = tmp_path / "archive.sqlite"
    assert run(first, "--out", str(tmp_path / "o0"), "--index", str(index)).exit_code == 0
    (tmp_path / "link.sqlite").symlink_to(index)
    with held_by_another_process(index):
        result = CliRunner().invoke(main, ["run", first, "--out", str(tmp_path / "o1"), "--index",
                                           str(tmp_path / "link.sqlite")])
        assert result.exit_code != 0 and "is in use by another run" in result.stderr
        stats = CliRunner().invoke(main, ["index", "stats", str(tmp_path / "link.sqlite")])
        assert stats.exit_code == 0 and json.loads(stats.output)["documents"] == 2  # read without the lock
    assert not (tmp_path / "o1" / "stats.json").exists()

    os.link(index, tmp_path / "hard.sqlite")  # a second name SQLite cannot see: its journal would be apart
    for name in ("archive.sqlite", "hard.sqlite"):
        result = CliRunner().invoke(main, ["run", first, "--out", str(tmp_path / "o2"), "--index",
                                           str(tmp_path / name)])
        assert result.exit_code != 0 and "has 2 names (hard links)" in result.stderr, result.stderr
        assert not (tmp_path / "o2" / "stats.json").exists()


def test_a_file_that_is_no_archive_is_refused_and_left_as_it_was(batches, tmp_path):
    first, _ = batches
    others = {"app": "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada');",
              "meta": "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT); "
                      "INSERT INTO meta VALUES ('version', '3');"}
    files = []
    for name, script in others.items():
        (tmp_path / name).mkdir()
        files.append(tmp_path / name / f"{name}.db")
        with contextlib.closing(sqlite3.connect(files[-1])) as db:
            db.executescript(script)
    (tmp_path / "text").mkdir()
    files.append(tmp_path / "text" / "notes.jsonl")
    files[-1].write_text(json.dumps({"id": "n1", "text": "不是档案"}, ensure_ascii=False) + "\n", encoding="utf-8")
    for path in files:
        before = {p.name: p.read_bytes() for p in path.parent.iterdir()}
        for command in (["run", first, "--out", str(tmp_path / "out"), "--index", str(path)],
                        ["index", "add", first, "--index", str(path)], ["index", "stats", str(path)]):
            result = CliRunner().invoke(main, command)
            assert result.exit_code != 0 and "is not a newsclean archive" in result.stderr, result.stderr
            assert isinstance(result.exception, SystemExit)  # a message, no traceback
            assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before
    folder = CliRunner().invoke(main, ["run", first, "--out", str(tmp_path / "out"),
                                       "--index", str(tmp_path / "text")])
    assert folder.exit_code != 0 and "cannot use the archive" in folder.stderr, folder.stderr


def test_an_analysed_archive_is_still_an_archive(batches, tmp_path):
    """``ANALYZE`` (or ``PRAGMA optimize``) adds SQLite's own statistics tables."""
    first, second = batches
    index = tmp_path / "archive.sqlite"
    assert run(first, "--out", str(tmp_path / "one"), "--index", str(index)).exit_code == 0
    with sqlite3.connect(index) as db:
        db.execute("ANALYZE")
    second_run = run(second, "--out", str(tmp_path / "two"), "--index", str(index))
    assert second_run.exit_code == 0, second_run.stderr
    assert ("document", "a1", "b1") in pairs(tmp_path / "two")


def resend(tmp_path, index):
    """Archive ``wuyang-gbk``, then run a batch of it again (its id re-sent) and an exact copy of
    it under a new id, against ``index``: the second run's corpus by id and its clusters."""
    text = (SAMPLES / "input" / "wuyang-gbk.txt").read_bytes()
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    (first / "wuyang-gbk.txt").write_bytes(text)
    (second / "wuyang-gbk.txt").write_bytes(text)
    (second / "wuyang-copy.txt").write_bytes(text)
    assert run(str(first), "--out", str(tmp_path / "one"), "--index", index).exit_code == 0
    seen = read_jsonl(tmp_path / "one" / "corpus.jsonl")
    again = run(str(second), "--out", str(tmp_path / "two"), "--index", index)
    assert again.exit_code == 0, again.stderr
    corpus = {d["id"]: d for d in read_jsonl(tmp_path / "two" / "corpus.jsonl")}
    return seen, corpus, read_jsonl(tmp_path / "two" / "duplicates.jsonl")


def check_resent(tmp_path, index):
    """A re-sent id is the archived document seen again: not a copy of itself; its copy
    clusters with it, and the cluster shows it as the archived document, first seen in the
    first run, kept (``--keep first``: the earliest copy); the archive does not add it again."""
    seen, corpus, clusters = resend(tmp_path, index)
    assert corpus["wuyang-gbk"]["duplicate_of"] is None and corpus["wuyang-copy"]["duplicate_of"] == "wuyang-gbk"
    assert [c["level"] for c in clusters] == ["document"]
    cluster = clusters[0]
    assert [m["id"] for m in cluster["members"]] == ["wuyang-gbk", "wuyang-copy"]
    assert cluster["kept"] == {"id": "wuyang-gbk"}
    resent, copy = cluster["members"]
    assert resent["archived"]["source"].endswith("first/wuyang-gbk.txt") and "archived" not in copy
    assert resent["text"] == corpus["wuyang-gbk"]["text"]  # the batch's text: it was read again
    with read_archive(index) as archive:
        assert archive.stats()["documents"] == 2
        first_seen = archive.by_id(["wuyang-gbk"])["wuyang-gbk"].first_seen
    assert resent["archived"]["first_seen"] == first_seen
    assert seen[0]["id"] == "wuyang-gbk"


def test_a_resent_archived_id_is_the_archived_document_seen_again(tmp_path):
    check_resent(tmp_path, str(tmp_path / "archive.sqlite"))



def test_a_run_leaves_no_lock_file_next_to_the_archive_or_in_its_output(batches, tmp_path):
    """The archive is locked by an OS lock on the file itself (there is no ``archive.sqlite.lock``)
    and the output folder's lock file is removed, while still held, when the run ends: after a
    run, an ``index add``, a run refused because another holds the archive, and a failed run."""
    first, second = batches
    archives = tmp_path / "archives"
    index = str(archives / "archive.sqlite")
    assert run(first, "--out", str(tmp_path / "one"), "--index", index).exit_code == 0
    assert CliRunner().invoke(main, ["index", "add", second, "--index", index, "-q"]).exit_code == 0
    assert sorted(p.name for p in archives.iterdir()) == ["archive.sqlite"]
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == \
        ["corpus.jsonl", "duplicates.jsonl", "report.html", "stats.json"]
    with open_archive(index, DedupOptions().settings):
        refused = run(second, "--out", str(tmp_path / "two"), "--index", index)
    assert refused.exit_code == 3 and "in use by another run" in refused.stderr
    assert not (tmp_path / "two").exists()
    failed = run(second, "--out", str(tmp_path / "one"), "--index", index, "--convert", "bogus")
    assert failed.exit_code == 3
    assert sorted(p.name for p in archives.iterdir()) == ["archive.sqlite"]
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == \
        ["corpus.jsonl", "duplicates.jsonl", "report.html", "stats.json"]


def test_an_archive_a_failed_run_made_is_removed_while_locked_and_a_waiting_opener_locks_afresh(batches, tmp_path,
                                                                                                  monkeypatch):
    """A run that fails leaves no new, empty archive: it removes the file while still holding
    its lock.  A run that opened the file just before and wins the lock after finds the file it
    locked gone from the path, and makes and locks a new one (no lock on a removed file)."""
    from newsclean.dedup.archive.sqlite import SqliteArchive, _lock
    settings = DedupOptions().settings
    path = tmp_path / "archive.sqlite"
    archive = SqliteArchive.open(path, settings)
    early = os.open(path, os.O_RDWR)  # what a second run holds between its open and its lock
    archive.discard()
    assert not path.exists()
    os.close(early)
    import fcntl
    from newsclean.dedup.archive import sqlite as module
    calls = []

    class Removing:  # the holder removes the file between this opener's open and its lock
        LOCK_EX, LOCK_NB = fcntl.LOCK_EX, fcntl.LOCK_NB

        @staticmethod
        def flock(fd, how):
            calls.append(fd)
            if len(calls) == 1:
                path.unlink()
            fcntl.flock(fd, how)

    monkeypatch.setattr(module, "fcntl", Removing)
    fd = _lock(path)
    try:
        assert len(calls) == 2 and os.fstat(fd).st_nlink == 1 and os.path.samestat(os.fstat(fd), os.stat(path))
    finally:
        os.close(fd)
    monkeypatch.undo()
    path.unlink()
    first, _ = batches
    assert run(first, "--out", str(tmp_path / "one"), "--index", str(path)).exit_code == 0
    SqliteArchive.open(path, settings).discard()  # not made by this opener, and not empty: kept
    with read_archive(path) as archive:
        assert archive.stats()["documents"] == 2
