"""Hostile inputs and a hostile environment: each bad record, folder, link, device, disk or
signal gives one line naming it and its own exit code, and every good document is still written.

Exit codes: 1 bad input, 2 usage, 3 the environment or setup, 4 a bug, 130 SIGINT, 143 SIGTERM.
The read-only and full disks are small tmpfs mounts; a missing permission runs the command as
``nobody`` (root reads everything), so these tests need root, as CI has.
"""
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclean.cli import main
from conftest import read_jsonl

DEPTH = 1500  # folders under the input folder, where a recursive walk fails near 1,000
GOOD = "近年来，临颍县始终坚持“围绕发展抓党建、抓好党建促发展”的理念。"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounts and dropping privileges need root (CI runs as root)")


def newsclean(*args: str, nobody: bool = False, **kwargs) -> subprocess.CompletedProcess:
    """The installed command in a process of its own (as ``nobody`` if asked)."""
    command = [*(NOBODY if nobody else []), sys.executable, "-m", "newsclean", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd="/", **kwargs)


def record(doc_id, text=GOOD) -> str:
    return json.dumps({"id": doc_id, "text": text}, ensure_ascii=False)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("newsclean: error:")]


@contextlib.contextmanager
def tmpfs(path: Path, options: str):
    """A tmpfs mounted at ``path`` with ``options`` (``size=64k``, ``ro``) while in use."""
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


@pytest.fixture
def shared():
    """A folder ``nobody`` owns (pytest's own temporary folders are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="newsclean-faults-"))
    os.chown(folder, 65534, 65534)
    yield folder
    shutil.rmtree(folder)


def test_a_record_python_cannot_hold_is_one_line_and_the_others_are_written(tmp_path):
    """A lone surrogate in the text or the id, an integer of 5,000 digits, JSON nested 100,000
    deep: each aborted the whole batch with a traceback."""
    lines = [record("a"), r'{"id": "b", "text": "x\ud800y"}', r'{"id": "\ud800", "text": "abc"}',
             '{"id": ' + "9" * 5000 + ', "text": "abc"}', "[" * 100_000 + "]" * 100_000, record("z")]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = newsclean("run", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert [line.split(": ")[2] for line in error_lines(done.stderr)] == \
        [f"{tmp_path / 'in.jsonl'}:{n}" for n in (2, 3, 4, 5)]
    assert "field 'text' holds a lone surrogate" in done.stderr and "field 'id' holds a lone surrogate" in done.stderr
    assert "a number of more than 4300 digits" in done.stderr and "JSON nested too deeply" in done.stderr
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["a", "z"]


def test_a_file_name_that_is_not_utf8_is_named_and_the_others_are_written(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text(GOOD + "。", encoding="utf-8")
    done = newsclean("run", str(folder), "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert error_lines(done.stderr) == [f"newsclean: error: {folder}/caf\\xe9.txt: the path is not UTF-8: "
                                        "rename it to read it"]
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["good"]


@needs_root
def test_a_read_only_out_is_one_line_naming_it_and_exit_3(tmp_path):
    (tmp_path / "in.jsonl").write_text(record("a") + "\n", encoding="utf-8")
    with tmpfs(tmp_path / "ro", "size=64k,ro") as read_only:
        for out in (read_only, read_only / "new"):
            done = newsclean("run", str(tmp_path / "in.jsonl"), "--out", str(out))
            assert done.returncode == 3, done.stderr
            [line] = done.stderr.splitlines()
            assert str(read_only) in line and line.endswith("read-only file system")


@needs_root
def test_a_full_disk_is_one_line_naming_the_folder_and_exit_3_in_the_work_folder_or_the_outputs(tmp_path):
    """Disks of growing size fill up first while shards are staged, then while the outputs
    are written (every shard finished), and at last hold the run."""
    (tmp_path / "in.jsonl").write_text(
        "".join(record(n, f"{GOOD}第{n}段。\n{GOOD[::-1]}{n}") + "\n" for n in range(1500)), encoding="utf-8")
    phases = set()
    size = 64
    while True:
        with tmpfs(tmp_path / f"{size}k", f"size={size}k") as out:
            done = newsclean("run", str(tmp_path / "in.jsonl"), "--out", str(out), "--shard-size", "500",
                             "--workers", "1")
            if done.returncode == 0:
                break
            assert done.returncode == 3, done.stderr
            [line] = done.stderr.splitlines()
            assert line.startswith(f"Error: {out}") and line.endswith(": no space left on device"), line
            assert not (out / "stats.json").exists() and not (out / "corpus.jsonl").exists()
            assert not list(out.glob(".newsclean-work/*.partial"))  # what failed to fit is not kept
            phases.add("outputs" if len(list(out.glob(".newsclean-work/shard-??????"))) == 3 else "work folder")
        size *= 2
    assert phases == {"work folder", "outputs"}


@needs_root
def test_a_folder_without_search_permission_is_one_line_naming_the_path(shared):
    (shared / "in.jsonl").write_text(record("a") + "\n", encoding="utf-8")
    locked = shared / "locked"
    locked.mkdir(mode=0o700)  # root's: nobody cannot search it
    (locked / "in.jsonl").write_text(record("b") + "\n", encoding="utf-8")
    done = newsclean("run", str(shared / "in.jsonl"), "--out", str(locked / "out"), nobody=True)
    assert done.returncode == 3
    [line] = done.stderr.splitlines()
    assert line.startswith(f"Error: {locked}/out") and line.endswith(": permission denied")
    done = newsclean("run", str(shared / "in.jsonl"), str(locked / "in.jsonl"), "--out", str(shared / "out"),
                     nobody=True)
    assert done.returncode == 1 and error_lines(done.stderr) == [
        f"newsclean: error: {locked}/in.jsonl: cannot read: permission denied"]
    assert [d["id"] for d in read_jsonl(shared / "out" / "corpus.jsonl")] == ["a"]


def test_a_bug_is_one_line_saying_where_its_traceback_is_and_exit_4(tmp_path, monkeypatch):
    from newsclean.dedup import pool_cluster

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(pool_cluster, "cluster", broken)
    (tmp_path / "in.jsonl").write_text(record("a") + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out")],
                                catch_exceptions=False)
    assert result.exit_code == 4
    [line] = result.stderr.splitlines()
    assert "internal error (a bug, please report it): RuntimeError: simulated bug; its traceback is in " in line
    saved = Path(line.rsplit(" ", 1)[1])
    assert saved.parent == Path(tempfile.gettempdir()) and "in broken" in saved.read_text(encoding="utf-8")
    saved.unlink()


def test_a_wrong_command_line_is_exit_2(tmp_path):
    assert newsclean("run", "x.jsonl", "--out", str(tmp_path), "--no-such-option").returncode == 2


@needs_root
def test_unreadable_folders_and_broken_or_looping_symlinks_are_each_named(shared):
    folder = shared / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "sub" / "b.txt").write_text(GOOD + "。", encoding="utf-8")
    (folder / "unreadable").mkdir(mode=0o700)  # root's: nobody cannot read it
    (folder / "unreadable" / "lost.txt").write_text(GOOD, encoding="utf-8")
    (folder / "broken.txt").symlink_to("nowhere.txt")
    (folder / "self").symlink_to("self")
    (folder / "sub" / "up").symlink_to("..")
    done = newsclean("run", str(folder), "--out", str(shared / "out"), nobody=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert error_lines(done.stderr) == [
        f"newsclean: error: {folder}/broken.txt: broken symlink (to nowhere.txt)",
        f"newsclean: error: {folder}/self: symlink loop",
        f"newsclean: error: {folder}/sub/up: symlink loop (back to {folder}): not followed",
        f"newsclean: error: {folder}/unreadable: cannot read folder: permission denied",
    ]
    assert [d["id"] for d in read_jsonl(shared / "out" / "corpus.jsonl")] == ["a", "sub/b"]


def test_folders_reached_by_many_links_are_read_once(tmp_path):
    """Links that fork and meet again (a lattice) would double the walk at each level."""
    levels = 20
    for level in range(levels + 1):
        (tmp_path / "in" / f"d{level}").mkdir(parents=True)
    for level in range(levels):
        for fork in "xy":
            (tmp_path / "in" / f"d{level}" / fork).symlink_to(f"../d{level + 1}")
    (tmp_path / "in" / f"d{levels}" / "a.jsonl").write_text(record("a") + "\n", encoding="utf-8")
    done = newsclean("run", str(tmp_path / "in" / "d0"), "--out", str(tmp_path / "out"), "--workers", "1")
    assert done.returncode == 1, done.stderr
    assert len(error_lines(done.stderr)) == levels  # each folder read once, the other way to it named
    assert all("folder already read" in line for line in error_lines(done.stderr))
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["a"]


def test_a_link_to_the_output_folder_and_a_killed_runs_work_are_not_read(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "in" / "0-link").symlink_to(tmp_path / "out")  # sorts before a.txt
    done = newsclean("run", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert error_lines(done.stderr) == [
        f"newsclean: error: {tmp_path}/in/0-link: the output folder of a run in progress: not read"]
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["a"]
    (tmp_path / "in" / "0-link").unlink()
    work = tmp_path / "in" / "old" / ".newsclean-work" / "shard-000000"  # what a killed run left
    work.mkdir(parents=True)
    (work / "records.jsonl").write_text(record("stale") + "\n", encoding="utf-8")
    done = newsclean("run", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["a"]


def test_a_symlinked_folder_is_read(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "b.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "linked").symlink_to(tmp_path / "elsewhere")
    done = newsclean("run", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["linked/b"]


@pytest.fixture
def deep(tmp_path):
    """A folder 1,500 levels deep holding ``x.txt``.  It removes the tree itself, with ``rm -rf``
    (which keeps its own stack), whatever happens: shutil.rmtree and pytest's own clean-up
    recurse a call a level and would fail with RecursionError for everyone sharing /tmp."""
    top = tmp_path / "in"
    try:
        folder = str(top)
        os.mkdir(folder)
        for _ in range(DEPTH):
            folder += "/d"
            os.mkdir(folder)
        Path(folder, "x.txt").write_text(GOOD, encoding="utf-8")
        yield top
    finally:
        subprocess.run(["rm", "-rf", str(top)], check=True)


def test_a_folder_tree_thousands_deep_is_read_and_resumed(deep, tmp_path):
    for extra in ([], ["--resume"]):
        done = newsclean("run", str(deep), "--out", str(tmp_path / "out"), *extra)
        assert done.returncode == 0, done.stderr[-2000:]
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["/".join(["d"] * DEPTH + ["x"])]


def test_suffixes_in_any_case_are_known_and_devices_pipes_and_other_files_refused(tmp_path):
    (tmp_path / "UP.JSONL").write_text(record("up") + "\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "B.TXT").write_text(GOOD + "。", encoding="utf-8")
    (tmp_path / "notes.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "pipe.jsonl").write_text(record("piped") + "\n", encoding="utf-8")
    command = (f"{sys.executable} -m newsclean run {tmp_path}/UP.JSONL {tmp_path}/folder {tmp_path}/notes.md "
               f"/dev/zero <(cat {tmp_path}/pipe.jsonl) --out {tmp_path}/out")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    errors = error_lines(done.stderr)
    assert errors[:2] == [f"newsclean: error: {tmp_path}/notes.md: not a .txt, .jsonl or .jsonl.gz file: not read",
                          "newsclean: error: /dev/zero: a device, not a file"]
    assert len(errors) == 3 and errors[2].startswith("newsclean: error: /dev/fd/")
    assert errors[2].endswith(": a pipe, not a file: give - to read JSONL on standard input")
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["up", "B"]


def test_documents_read_count_those_a_stage_failed_on(tmp_path, monkeypatch):
    from newsclean.repair import Repair

    def broken(self, doc):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(Repair, "process", broken)
    (tmp_path / "in.jsonl").write_text("".join(record(n) + "\n" for n in range(12)), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"newsclean: 12 documents read, 0 written to {tmp_path / 'out'}" in result.stderr
    assert json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))["input"]["documents"] == 12


def test_a_binary_file_named_jsonl_gives_a_few_lines_and_a_count(tmp_path):
    data = random.Random(0).randbytes(100_000)
    (tmp_path / "noise.jsonl").write_bytes(data)
    done = newsclean("run", str(tmp_path / "noise.jsonl"), "--out", str(tmp_path / "out"))
    errors = error_lines(done.stderr)
    assert done.returncode == 1 and len(errors) == 11
    bad = sum(1 for line in data.split(b"\n") if line.decode("utf-8", "replace").strip())  # blank lines are skipped
    assert errors[-1] == f"newsclean: error: {tmp_path}/noise.jsonl: {bad - 10} more bad line(s), not listed"
    assert f"newsclean: {bad} bad input(s)" in done.stderr  # every bad line counted, listed or not
    assert json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))["input"]["errors"] == bad


def test_a_raw_control_character_is_named_with_its_column(tmp_path):
    (tmp_path / "in.jsonl").write_bytes(b'{"id": "a", "text": "x\x00y"}\n')
    done = newsclean("run", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out"))
    assert error_lines(done.stderr) == [
        f"newsclean: error: {tmp_path}/in.jsonl:1: malformed JSON: Invalid control character U+0000 at column 23"]


def busy_run(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """A run of 200 shards on two workers, and its output folder, once its first shard is done."""
    (tmp_path / "in.jsonl").write_text(
        "".join(record(n, f"{GOOD}第{n}段。\n{GOOD[::-1]}") + "\n" for n in range(20_000)), encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "newsclean", "run", str(tmp_path / "in.jsonl"), "--out", str(out),
                            "--shard-size", "100", "--workers", "2", "-q"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob(".newsclean-work/shard-??????")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return run, out


@pytest.mark.parametrize("signum, code, said", [(signal.SIGTERM, 143, "terminated"),
                                                 (signal.SIGINT, 130, "interrupted")])
def test_a_signal_stops_the_run_cleanly_with_its_exit_code(tmp_path, signum, code, said):
    """Sent while worker processes are busy: the run unwinds (no leaked semaphore), says one line."""
    run, out = busy_run(tmp_path)
    run.send_signal(signum)
    stderr = run.communicate(timeout=120)[1]  # to its end: a resource tracker's warning comes last
    assert len(list(out.glob(".newsclean-work/shard-??????"))) < 200, "the run finished before the signal"
    assert run.returncode == code and stderr.splitlines() == [f"Error: {said}"]
    assert not (out / "stats.json").exists()


def children(pid: int) -> list[int]:
    """The processes ``pid`` started."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def test_a_worker_killed_is_one_line_and_exit_3(tmp_path):
    """The out-of-memory killer ends a worker: no traceback of a broken pool."""
    run, out = busy_run(tmp_path)
    [server] = [pid for pid in children(run.pid) if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    os.kill(children(server)[0], signal.SIGKILL)  # a worker
    stderr = run.communicate(timeout=120)[1]
    assert run.returncode == 3 and stderr.splitlines() == [
        "Error: a worker process was killed (by the system, perhaps for want of memory): "
        "run again, with fewer --workers"]


@needs_root
def test_an_archive_on_a_full_disk_is_one_line_and_left_as_it_was(tmp_path):
    """SQLite reports a full disk as its own error, not an OSError: still a setup failure (3)."""
    rng = random.Random(1)
    paragraph = lambda: "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(60)) + "。"  # noqa: E731
    (tmp_path / "one.jsonl").write_text(record("one", paragraph()) + "\n", encoding="utf-8")
    (tmp_path / "many.jsonl").write_text("".join(record(f"m{i}", "\n".join(paragraph() for _ in range(6))) + "\n"
                                                 for i in range(300)), encoding="utf-8")
    with tmpfs(tmp_path / "disk", "size=256k") as disk:
        index = str(disk / "archive.sqlite")
        assert newsclean("run", str(tmp_path / "one.jsonl"), "--out", str(tmp_path / "o1"), "--index", index,
                         "-q").returncode == 0
        before = newsclean("index", "stats", index).stdout
        full = newsclean("run", str(tmp_path / "many.jsonl"), "--out", str(tmp_path / "o2"), "--index", index, "-q")
        assert full.returncode == 3, full.stderr
        assert full.stderr == (f"Error: cannot add the batch to the archive {index}: database or disk is full; "
                               "the archive was left as it was\n")
        assert newsclean("index", "stats", index).stdout == before
    assert not (tmp_path / "o2" / "stats.json").exists()
