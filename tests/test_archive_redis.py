"""The archive in a real Redis server on loopback, started for these tests."""
import contextlib
import json
import os
import shutil
import socket
import subprocess
import time

import numpy as np

import pytest
from click.testing import CliRunner

from newsclean.cli import main
from newsclean.dedup import DedupOptions
from newsclean.dedup.archive import Archive, ArchivedDocument, ArchiveError, open_archive, read_archive
from newsclean.dedup.archive.redis import LOCK, LOCK_SECONDS, RENEW_SECONDS
from conftest import read_jsonl
from test_archive import batches, check_resent, pairs, run  # noqa: F401 (the fixture)
from test_lifecycle import DOCUMENTS, SHARDS, corpus, invoke, kill, shards, start, wait_for  # noqa: F401 (the fixture)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if not server:
        if os.environ.get("CI"):
            pytest.fail("CI must install redis-server (see .ci/run)")
        pytest.skip("redis-server is not installed")
    pytest.importorskip("redis")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=20)


def test_incremental_runs_through_redis_find_what_one_run_finds(batches, tmp_path, redis_url):  # noqa: F811
    first, second = batches
    assert run(first, second, "--out", str(tmp_path / "single")).exit_code == 0
    assert run(first, "--out", str(tmp_path / "one"), "--index", redis_url).exit_code == 0
    assert run(second, "--out", str(tmp_path / "two"), "--index", redis_url).exit_code == 0
    cross = {p for p in pairs(tmp_path / "single") if p[1][0] != p[2][0]}
    assert pairs(tmp_path / "two") == cross
    corpus = {d["id"]: d for d in read_jsonl(tmp_path / "two" / "corpus.jsonl")}
    assert corpus["b1"]["duplicate_of"] == "a1"
    stats = json.loads(CliRunner().invoke(main, ["index", "stats", redis_url]).output)
    assert stats["documents"] == 4


def test_redis_archive_refuses_a_second_run_and_other_settings(batches, tmp_path, redis_url):  # noqa: F811
    first, _ = batches
    with open_archive(redis_url, DedupOptions().settings):
        held = CliRunner().invoke(main, ["run", first, "--out", str(tmp_path / "o1"), "--index", redis_url])
    assert held.exit_code == 3 and "in use by another run" in held.stderr
    assert run(first, "--out", str(tmp_path / "o2"), "--index", redis_url).exit_code == 0
    with pytest.raises(ArchiveError, match="cannot be compared"):
        open_archive(redis_url, DedupOptions(ngram=4).settings)
    with open_archive(redis_url, DedupOptions().settings) as archive:  # the lock was released
        assert archive.stats()["documents"] == 2


def test_both_back_ends_give_the_same_stats(batches, tmp_path, redis_url):  # noqa: F811
    """``index stats`` reads alike whichever back-end holds the archive: the same keys, and for
    the same documents the same counts."""
    first, second = batches
    stats = {}
    for location in (str(tmp_path / "archive.sqlite"), redis_url):
        added = CliRunner().invoke(main, ["index", "add", first, second, "--index", location, "-q"])
        assert added.exit_code == 0, added.stderr
        with read_archive(location) as archive:
            assert isinstance(archive, Archive)
        stats[location] = json.loads(CliRunner().invoke(main, ["index", "stats", location]).output)
    sqlite, redis = stats.values()
    assert sqlite.keys() == redis.keys() == {"path", "format", "settings", "documents", "paragraphs", "buckets",
                                             "first_seen", "last_seen", "bytes"}
    counts = ["format", "settings", "documents", "paragraphs", "buckets"]
    assert [sqlite[k] for k in counts] == [redis[k] for k in counts]
    assert sqlite["documents"] == 4 and sqlite["buckets"] == sqlite["paragraphs"] * DedupOptions().bands
    assert all(isinstance(s["bytes"], int) and s["bytes"] > 0 for s in (sqlite, redis))
    assert all(s["first_seen"] <= s["last_seen"] for s in (sqlite, redis))


def test_a_server_that_refuses_info_gives_stats_without_bytes(batches, redis_url):  # noqa: F811
    """A managed server may refuse ``INFO`` (an ACL): ``index add`` still adds and reports, and
    ``bytes`` says it is unknown rather than the command failing."""
    redis = pytest.importorskip("redis")
    admin = redis.Redis.from_url(redis_url)
    admin.acl_setuser("team", enabled=True, passwords=["+secret"], keys=["*"], commands=["+@all", "-info"])
    admin.close()
    limited = redis_url.replace("redis://", "redis://team:secret@")
    added = CliRunner().invoke(main, ["index", "add", batches[0], "--index", limited])
    assert added.exit_code == 0, added.stderr
    stats = json.loads(CliRunner().invoke(main, ["index", "stats", limited]).output)
    assert stats["documents"] == 2 and stats["bytes"] is None


def test_a_live_run_renews_a_short_lock_and_one_that_lost_it_adds_nothing(redis_url):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(redis_url)
    with open_archive(redis_url, DedupOptions().settings) as archive:
        before = client.pttl(LOCK)
        assert 0 < before <= LOCK_SECONDS * 1000 <= 60_000  # a dead run's lock is gone within a minute
        time.sleep(RENEW_SECONDS + 1)
        # renewed meanwhile: it lost about 1 s since the last renewal, where running down it would have
        # lost RENEW_SECONDS + 1 (a bound of 1 s held only by the milliseconds the lock's thread took to start)
        assert client.pttl(LOCK) > before - 3000
        client.set(LOCK, "another run's token")  # the lock was broken and another run took it
        document = ArchivedDocument("x1", "x.txt", "临颍县近年来始终坚持", [(0, "临颍县近年来始终坚持")])
        with pytest.raises(ArchiveError, match="lost its lock"):
            archive.add([document], [np.arange(32, dtype=np.uint32)[None, :]], "2026-12-05T00:00:00")
        assert client.get(LOCK) == b"another run's token"
    assert client.hlen("newsclean:ids") == 0
    assert client.get(LOCK) == b"another run's token"  # closing released no lock it no longer held
    client.close()


def test_a_killed_runs_lock_can_be_read_past_and_broken(corpus, tmp_path, redis_url):  # noqa: F811
    out = tmp_path / "out"
    killed = start("run", corpus, "--out", out, "--index", redis_url)
    wait_for(lambda: shards(out), killed, "a shard was finished")
    kill(killed)
    stats = invoke("index", "stats", redis_url)
    assert stats.exit_code == 0 and json.loads(stats.output)["documents"] == 0
    refused = CliRunner().invoke(main, ["run", str(corpus), "--out", str(out), "--index", redis_url, "--resume",
                                        *SHARDS])
    assert refused.exit_code != 0 and f"newsclean index unlock {redis_url}" in refused.stderr
    unlocked = invoke("index", "unlock", redis_url)
    assert unlocked.exit_code == 0 and "removed the lock" in unlocked.stderr
    resumed = invoke("run", corpus, "--out", out, "--index", redis_url, "--resume", "-q", *SHARDS)
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads(invoke("index", "stats", redis_url).output)["documents"] == DOCUMENTS
    assert "nothing to unlock" in invoke("index", "unlock", tmp_path / "archive.sqlite").stderr


def test_a_server_gone_while_the_archive_is_open_is_an_archive_error(redis_url):
    """A fault of the store after the archive was opened is one line naming it, not a bug."""
    import redis
    with open_archive(redis_url, DedupOptions().settings) as archive:
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis.from_url(redis_url).shutdown(nosave=True)
        with pytest.raises(ArchiveError, match=f"cannot use the archive {redis_url}: "):
            archive.candidates(np.zeros((1, 32), dtype=np.uint32))


def test_a_resent_archived_id_is_the_archived_document_seen_again_in_redis(tmp_path, redis_url):
    check_resent(tmp_path, redis_url)
