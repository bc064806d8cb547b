"""Bad input: one clear line naming the file (and line), the rest still processed, exit code 1."""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclean.cli import main
from conftest import read_jsonl

#: Runs a command as ``nobody``, as tests/test_faults.py does.
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
GOOD = "近年来，临颍县始终坚持“围绕发展抓党建、抓好党建促发展”的理念。"


def run(args, **kwargs):
    return CliRunner().invoke(main, ["run", *args], catch_exceptions=False, **kwargs)


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b-binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "c-undecodable.txt").write_bytes(b"abc \x80\xff\x80\xff def" * 20)
    lines = [json.dumps({"id": "j-good", "text": GOOD}, ensure_ascii=False), "{not json",
             json.dumps({"id": "j-missing"}), json.dumps({"id": "j-number", "text": 3}),
             json.dumps({"text": GOOD}, ensure_ascii=False), json.dumps(["a", "list"]),
             json.dumps({"id": "j-good2", "text": GOOD}, ensure_ascii=False)]
    (folder / "d.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "e.jsonl.gz").write_bytes(b"this is not gzip")
    (folder / "f-empty.txt").write_text("", encoding="utf-8")
    return folder


def test_each_bad_input_is_named_and_the_good_ones_are_written(inputs, tmp_path):
    out = tmp_path / "out"
    result = run([str(inputs), str(tmp_path / "missing.txt"), "--out", str(out)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("newsclean: error:")]
    expected = [
        "b-binary.txt: undecodable bytes",
        "c-undecodable.txt: undecodable bytes",
        "d.jsonl:2: malformed JSON",
        "d.jsonl:3: missing field 'text'",
        "d.jsonl:4: field 'text' must be a string",
        "d.jsonl:5: missing field 'id'",
        "d.jsonl:6: a JSONL line must be a JSON object",
        "e.jsonl.gz: cannot read",
        "missing.txt: no such file or directory",
    ]
    assert len(errors) == len(expected)
    for line, fragment in zip(errors, expected):
        assert fragment in line
    assert "Traceback" not in result.output + result.stderr
    written = read_jsonl(out / "corpus.jsonl")
    assert [d["id"] for d in written] == ["a-good", "j-good", "j-good2", "f-empty"]
    assert written[-1]["flags"] == [{"kind": "empty", "paragraph": None}]
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["input"]["errors"] == len(expected)


def test_binary_file_with_nul_bytes_is_refused(tmp_path):
    (tmp_path / "img.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    result = run([str(tmp_path / "img.txt"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "img.txt: binary file" in result.stderr


def test_duplicate_ids_are_reported(tmp_path):
    (tmp_path / "in.jsonl").write_text(
        "\n".join(json.dumps({"id": "same", "text": GOOD}, ensure_ascii=False) for _ in range(2)) + "\n",
        encoding="utf-8")
    result = run([str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "in.jsonl:2: duplicate id 'same'" in result.stderr


def test_unreadable_file_is_reported():
    """Root reads a file whatever its permissions, so as root (as CI is) the command runs as
    ``nobody``, in a folder nobody owns: pytest's temporary folders are root's alone."""
    root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="newsclean-unreadable-"))
    try:
        if root:
            os.chown(folder, 65534, 65534)
        path = folder / "secret.txt"
        path.write_text(GOOD, encoding="utf-8")
        path.chmod(0)
        args = [str(path), "--out", str(folder / "out")]
        if root:
            done = subprocess.run([*NOBODY, sys.executable, "-m", "newsclean", "run", *args],
                                  capture_output=True, text=True, timeout=300, cwd="/")
            exit_code, stderr = done.returncode, done.stderr
        else:
            result = run(args)
            exit_code, stderr = result.exit_code, result.stderr
        assert exit_code == 1 and "secret.txt: cannot read: permission denied" in stderr, stderr
    finally:
        shutil.rmtree(folder)


def test_strict_stops_at_the_first_error_and_writes_nothing(inputs, tmp_path):
    out = tmp_path / "out"
    result = run([str(inputs), "--out", str(out), "--strict"])
    assert result.exit_code == 1
    assert "b-binary.txt" in result.stderr and "c-undecodable.txt" not in result.stderr
    assert "nothing was written" in result.stderr
    assert not [p for p in out.iterdir()] if out.exists() else True


def test_a_failed_run_leaves_previous_outputs_unfinished_and_no_partial_files(inputs, tmp_path):
    out = tmp_path / "out"
    assert run([str(inputs / "a-good.txt"), "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    run([str(inputs), "--out", str(out), "--strict"])
    del before["stats.json"]  # removed as the run began: a folder whose last run failed never looks finished
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_bad_rule_file_is_a_clear_error(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "normalise.toml").write_text('[[rule]]\nid = "x"\nkind = "pattern"\npattern = "(a+)+"\nreplace = ""\n',
                                          encoding="utf-8")
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    result = run([str(tmp_path / "a.txt"), "--out", str(tmp_path / "out"), "--rules", str(rules)])
    assert result.exit_code == 3
    assert f"{rules / 'normalise.toml'}:1: rule 'x': pattern '(a+)+' can backtrack catastrophically" in result.stderr
    assert not (tmp_path / "out" / "corpus.jsonl").exists()


def test_corrupt_gzip_in_the_middle_reports_the_file(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    data = gzip.compress((json.dumps({"id": "a", "text": GOOD}, ensure_ascii=False) + "\n").encode() * 50)
    path.write_bytes(data[: len(data) // 2])
    result = run([str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "cut.jsonl.gz: cannot read" in result.stderr


def test_an_internal_error_on_one_document_is_reported_and_the_rest_written(tmp_path, monkeypatch):
    from newsclean.repair import Repair
    original = Repair.process

    def fragile(self, doc):
        if "boom" in doc.text:
            raise RuntimeError("simulated bug")
        return original(self, doc)

    monkeypatch.setattr(Repair, "process", fragile)
    (tmp_path / "in.jsonl").write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                                               for i, t in [("a", GOOD), ("b", "boom"), ("c", GOOD + "。")]) + "\n",
                                      encoding="utf-8")
    result = run([str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "in.jsonl:2: internal error, document skipped" in result.stderr and "simulated bug" in result.stderr
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["a", "c"]


def test_a_document_normalised_to_nothing_is_flagged_empty(tmp_path):
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "blank", "text": "\u3000\u200b"}) + "\n", encoding="utf-8")
    assert run([str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out")]).exit_code == 0
    [written] = read_jsonl(tmp_path / "out" / "corpus.jsonl")
    assert (written["text"], written["flags"]) == ("", [{"kind": "empty", "paragraph": None}])


def test_an_empty_id_is_refused(tmp_path):
    """An id is what ``duplicate_of``, ``explain ID`` and the archive name a document by: an
    empty one (or only spaces) names nothing, and reads as no id where a missing one is falsy."""
    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"id": i, "text": GOOD}, ensure_ascii=False) + "\n"
                                               for i in ["", " ", "a"]), encoding="utf-8")
    result = run([str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "in.jsonl:1: field 'id' is empty" in result.stderr and "in.jsonl:2: field 'id' is empty" in result.stderr
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "corpus.jsonl")] == ["a"]
