"""Engines: every worker count, shard size and engine gives the same bytes; a killed run resumes.

The corpus is written here from the seed's characters: distinct articles, every fifth one an
edited copy of an earlier one or carrying one of the seed's paragraphs (so there are clusters at
both levels), each with one simulated damage (so repair has work), cut into many shards.
"""
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner

from damage import KINDS, damage
from newsclean.cli import main
from newsclean.dedup import Deduplicator
from newsclean.dedup.cluster import UnionFind
from newsclean.dedup.prints import PrintTable
from newsclean.document import Document
from newsclean.dedup import band_shuffle, pool_cluster, ray_groups, shard_table
from newsclean.dedup.components import components
from newsclean.engine import RayEngine
from newsclean.io import read_inputs
from newsclean.options import RunOptions
from newsclean.shards import Shard, process_shard
from newsclean.spool import Spool
from conftest import SEED

DOCUMENTS = 160


def article(rng: random.Random, characters: str) -> list[str]:
    """A title and three to six paragraphs of random sentences."""
    def sentence() -> str:
        return "".join(rng.choice(characters) for _ in range(rng.randint(8, 24))) + rng.choice("，。。；")
    title = "".join(rng.choice(characters) for _ in range(rng.randint(4, 10)))
    return [title] + ["".join(sentence() for _ in range(rng.randint(3, 6))).rstrip("，；") + "。"
                      for _ in range(rng.randint(3, 6))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    seed = SEED.read_text(encoding="utf-8")
    characters = sorted(set(regex.findall(r"\p{Han}", seed)))
    shared = [p for p in seed.split("\n") if len(p) > 40]
    rng = random.Random(7)
    articles: list[list[str]] = []
    for n in range(DOCUMENTS):
        paragraphs = article(rng, characters)
        if n % 10 == 4:  # a republished copy, lightly edited; every other one lost a paragraph's start
            paragraphs = list(rng.choice(articles))
            paragraphs[-1] = paragraphs[-1][:-1] + "，记者另有补充。"
            if n % 20 == 14:
                body = paragraphs[1]
                cut = next(i for i in range(8, len(body)) if regex.match(r"\p{Han}{2}", body[i - 1:i + 1]))
                paragraphs[1] = body[cut:]
        elif n % 10 == 9:  # a paragraph shared with the seed, and with other articles
            paragraphs.insert(2, rng.choice(shared[:3]))
        articles.append(paragraphs)
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for n, paragraphs in enumerate(articles):
            text = damage(paragraphs, rng.choice(KINDS), rng)
            f.write(json.dumps({"id": f"d{n:03d}", "text": text}, ensure_ascii=False) + "\n")
    return path


def outputs(out) -> tuple:
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    stats.pop("timings")
    return ((out / "corpus.jsonl").read_bytes(), (out / "duplicates.jsonl").read_bytes(),
            (out / "report.html").read_bytes(), stats)


def clean(corpus, out, *options) -> tuple:
    result = CliRunner().invoke(main, ["run", str(corpus), "--out", str(out), "--convert", "t2s", "-q", *options],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return outputs(out)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """One worker, one shard: the plain sequential run."""
    return clean(corpus, tmp_path_factory.mktemp("reference"), "--workers", "1", "--shard-size", "1000")


def test_the_corpus_has_duplicates_and_repairs_to_compare(reference):
    corpus, duplicates, _, stats = reference
    assert stats["output"]["clusters"]["document"] >= 10 and stats["output"]["clusters"]["paragraph"] >= 1
    records = [json.loads(line) for line in corpus.decode("utf-8").splitlines()]
    assert sum(f.get("detail", "").startswith("copy ") for r in records for f in r["flags"]) >= 3
    assert stats["stages"]["repair"]["edits"] > DOCUMENTS


def test_two_workers_give_the_same_bytes_as_one(corpus, reference, tmp_path, monkeypatch):
    """The cluster stage runs on the two workers too, in many small tasks, each reading its keys
    and documents in several batches."""
    monkeypatch.setattr(pool_cluster, "TASK_ROWS", 7)
    monkeypatch.setattr(shard_table, "READ_BATCH", 5)
    assert clean(corpus, tmp_path, "--workers", "2", "--shard-size", "7") == reference


def test_the_shard_size_does_not_change_the_output(corpus, reference, tmp_path):
    assert clean(corpus, tmp_path, "--workers", "1", "--shard-size", "3") == reference


def test_the_ray_engine_gives_the_same_bytes_as_the_local_one(corpus, reference, tmp_path, monkeypatch):
    """Every Ray task reads its paragraphs and documents in several batches, and every shuffle
    has several groups."""
    monkeypatch.setattr(shard_table, "READ_BATCH", 5)
    monkeypatch.setattr(ray_groups, "GROUP_ROWS", 64)
    assert clean(corpus, tmp_path, "--engine", "ray", "--workers", "2", "--shard-size", "20") == reference


def test_an_archive_run_on_ray_gives_the_same_bytes_as_the_local_one(corpus, tmp_path):
    """A second batch checked against the archive of the first, on each engine: the matches
    with archived copies are the same (the times they were first seen aside)."""
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "first.jsonl").write_text("".join(lines[:90]), encoding="utf-8")
    (tmp_path / "second.jsonl").write_text("".join(lines[90:]), encoding="utf-8")
    found = []
    for engine in ("local", "ray"):
        options = ["--engine", engine, "--workers", "2", "--shard-size", "20", "--index", str(tmp_path / engine)]
        clean(tmp_path / "first.jsonl", tmp_path / f"{engine}-first", *options)
        outputs = clean(tmp_path / "second.jsonl", tmp_path / f"{engine}-second", *options)
        found.append(regex.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", b"", b"".join(outputs[:3])))
    assert b'"archived"' in found[0] and found[0] == found[1]


def test_the_ray_band_shuffle_finds_exactly_the_pairs_found_on_one_machine(corpus, tmp_path, monkeypatch):
    """The Ray Data pair search against the one-machine one, pair for pair and similarity for
    similarity, over shards of nine documents and in several shuffle groups."""
    documents = [d for d in read_inputs([str(corpus)])]
    # documents too short to fingerprint: equal ones pair on their keys alone
    documents[5:5] = [Document(f"short{n}", text) for n, text in enumerate(["好", "快讯", "好", "快 讯", "好"])]
    spool = Spool.open(tmp_path, {}, resume=False)
    for n in range(0, len(documents), 9):
        spool.save(process_shard(RunOptions(convert="t2s"), Shard(n // 9, documents[n:n + 9])))
    sizes = [spool.summary(n)[2] for n in range(-(-len(documents) // 9))]
    gathered = PrintTable.gather(sizes, spool.prints)
    here = Deduplicator().similar_pairs(gathered)
    monkeypatch.setattr(ray_groups, "GROUP_ROWS", 4096)  # several groups in each shuffle
    with RayEngine(workers=2):
        found = band_shuffle.similar_pairs(spool, gathered.shard_bases, Deduplicator().options, cpus=2)
    assert list(found.items()) == list(here.items())
    named = {(gathered.id(gathered.doc_of(a)), gathered.id(gathered.doc_of(b))) for a, b in here}
    assert len(here) >= 20 and {("short0", "short2"), ("short0", "short4"), ("short1", "short3")} <= named


def test_ray_connected_components_equal_union_find():
    """Shapes that need several large-star and small-star rounds, as one graph: a long path
    numbered at random, a dense random graph, a cycle, a star, a single edge."""
    rng = random.Random(11)
    path = rng.sample(range(80), 80)
    shapes = [list(zip(path, path[1:])),
              [(rng.randrange(300), rng.randrange(300)) for _ in range(260)],
              [(n, (n + 1) % 40) for n in range(40)],
              [(0, n) for n in range(1, 30)],
              [(7, 3)]]
    edges = [(a + 1000 * n, b + 1000 * n) for n, shape in enumerate(shapes) for a, b in shape if a != b]
    forest = UnionFind()
    for a, b in edges:
        forest.union(a, b)
    expected = {node: min(group) for group in forest.groups() for node in group}
    with RayEngine(workers=2):
        import ray.data
        found = components(ray.data.from_items([{"a": a, "b": b} for a, b in edges]), groups=3)
        assert {row["node"]: row["root"] for row in found.iter_rows()} == expected


def test_a_ray_address_needs_the_ray_engine(corpus, tmp_path):
    result = CliRunner().invoke(main, ["run", str(corpus), "--out", str(tmp_path), "--ray-address", "auto"])
    assert result.exit_code == 3 and "--ray-address needs --engine ray" in result.stderr


def test_a_killed_run_leaves_no_output_and_resumes_to_the_same_bytes(corpus, reference, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "newsclean", "run", str(corpus), "--out", str(out), "--convert", "t2s",
               "-q", "--workers", "1", "--shard-size", "2"]
    run = subprocess.Popen(command, stderr=subprocess.PIPE)
    work = out / ".newsclean-work"
    deadline = time.monotonic() + 120
    while len(list(work.glob("shard-??????"))) < 5 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    finished = len(list(work.glob("shard-??????")))
    assert 5 <= finished < DOCUMENTS // 2
    assert not (out / "stats.json").exists() and not (out / "corpus.jsonl").exists()

    result = CliRunner().invoke(main, ["run", str(corpus), "--out", str(out), "--convert", "t2s", "--resume",
                                       "--workers", "2", "--shard-size", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert f"resumed: {finished} finished shard(s) reused" in result.stderr
    assert outputs(out) == reference
    assert not work.exists()


def test_resume_refuses_a_run_with_other_options(corpus, tmp_path):
    Spool.open(tmp_path, {"version": "an older run"}, resume=False)
    result = CliRunner().invoke(main, ["run", str(corpus), "--out", str(tmp_path), "--resume"])
    assert result.exit_code == 3 and "other inputs or options" in result.stderr
    assert not (tmp_path / "corpus.jsonl").exists()


def test_without_resume_a_left_over_work_folder_is_discarded(corpus, reference, tmp_path):
    stale = Spool.open(tmp_path, {"version": "an older run"}, resume=False)
    (stale.folder / "shard-000000").mkdir()  # a finished shard of another run: must not be reused
    assert clean(corpus, tmp_path, "--workers", "1", "--shard-size", "1000") == reference


def test_resume_refuses_standard_input(corpus, tmp_path):
    result = CliRunner().invoke(main, ["run", "-", "--out", str(tmp_path), "--resume"],
                                input=corpus.read_bytes())
    assert result.exit_code == 3 and "standard input" in result.stderr


def test_many_shards_need_few_open_files(corpus, reference, tmp_path):
    """Each shard's files are read through a bounded set of descriptors: 160 shards run
    under a limit of 90 open files, where a descriptor per file would need about 100."""
    limit = "import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (90, 90)); "
    run = subprocess.run([sys.executable, "-c", limit + "from newsclean.cli import main; main()", "run", str(corpus),
                          "--out", str(tmp_path), "--convert", "t2s", "-q", "--workers", "1", "--shard-size", "1"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert outputs(tmp_path) == reference


def forkserver_processes() -> set[int]:
    """Processes of multiprocessing's fork server: the server and the workers it forked."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"multiprocessing.forkserver" in (entry / "cmdline").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def test_workers_exit_when_their_run_is_killed(corpus, tmp_path):
    before = forkserver_processes()
    run = subprocess.Popen([sys.executable, "-m", "newsclean", "run", str(corpus), "--out", str(tmp_path), "-q",
                            "--workers", "2", "--shard-size", "2"])
    deadline = time.monotonic() + 120
    while not list((tmp_path / ".newsclean-work").glob("shard-??????")) and time.monotonic() < deadline:
        time.sleep(0.01)
    started = forkserver_processes() - before
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert started, "no worker processes were seen"
    deadline = time.monotonic() + 10
    while forkserver_processes() & started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not forkserver_processes() & started
