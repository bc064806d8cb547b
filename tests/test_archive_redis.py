"""The archive in a real Redis server on loopback, started for these tests."""
import json
import os
import shutil
import socket
import subprocess
import time

import pytest
from click.testing import CliRunner

from newsclean.cli import main
from newsclean.dedup import DedupOptions
from newsclean.dedup.archive import ArchiveError, open_archive
from conftest import read_jsonl
from test_archive import batches, pairs, run  # noqa: F401 (the fixture)


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
