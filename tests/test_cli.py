"""The command line through CliRunner and as an installed command, on the seed and the samples."""
import json
import subprocess
import sys

from click.testing import CliRunner

from newsclean.cli import main
from conftest import ROOT, SAMPLES, SEED, read_jsonl


def test_every_option_states_its_default():
    result = CliRunner().invoke(main, ["run", "--help"])
    assert result.exit_code == 0, result.output
    help_text = result.output
    for option in ["--id-field", "--text-field", "--convert", "--rules", "--orphans", "--strict", "--quiet"]:
        line = help_text[help_text.index(option):]
        assert "default" in line[: line.index("\n  -") if "\n  -" in line else len(line)], option


def test_run_on_seed_and_samples_matches_the_expected_outputs(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["run", "seeds", "samples/input", "--out", str(tmp_path),
                                       "--convert", "t2s", "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "corpus.jsonl").read_text(encoding="utf-8") == \
        (SAMPLES / "expected" / "corpus.jsonl").read_text(encoding="utf-8")
    ids = [d["id"] for d in read_jsonl(tmp_path / "corpus.jsonl")]
    assert ids == ["000_d5c66a5eef0a8122", "linying-big5", "shifanqu", "kaifaqu", "xicheng-yancheng",
                   "yuanhui-zhaoling", "wuyang-gbk"]


def test_outputs_are_byte_identical_across_runs_except_timings(tmp_path):
    outs = []
    for n in range(2):
        out = tmp_path / str(n)
        result = CliRunner().invoke(main, ["run", str(SEED.parent), str(SAMPLES / "input"), "--out", str(out), "-q"])
        assert result.exit_code == 0, result.stderr
        stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
        stats.pop("timings")
        outs.append(((out / "corpus.jsonl").read_bytes(), (out / "duplicates.jsonl").read_bytes(),
                     (out / "report.html").read_bytes(), stats))
    assert outs[0] == outs[1]


def test_stats_record_each_stage_and_say_which_did_not_run(tmp_path):
    result = CliRunner().invoke(main, ["run", str(SEED), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.stderr
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["stages"]["repair"]["status"] == "done"
    assert stats["stages"]["repair"]["documents"] == 1
    assert stats["rules"]["repair/page_break_repeated_char"] == 1
    assert set(stats["timings"]) >= {"normalise", "repair", "total"}


def test_stdin_dash_reads_jsonl(tmp_path):
    line = json.dumps({"id": "x", "text": "临颍县\n\n实行管理联动，带\n\n带动600余户。"}, ensure_ascii=False)
    result = CliRunner().invoke(main, ["run", "-", "--out", str(tmp_path), "-q"], input=line + "\n")
    assert result.exit_code == 0, result.stderr
    assert read_jsonl(tmp_path / "corpus.jsonl")[0]["text"] == "临颍县\n实行管理联动，带动600余户。"


def test_installed_command_and_module_run_the_seed(tmp_path):
    for command in (["newsclean"], [sys.executable, "-m", "newsclean"]):
        out = tmp_path / command[-1]
        done = subprocess.run([*command, "run", str(SEED), "--out", str(out)], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "1 documents read, 1 written" in done.stderr
        assert (out / "corpus.jsonl").exists() and (out / "stats.json").exists()


def test_progress_is_quiet_when_piped(tmp_path):
    done = subprocess.run(["newsclean", "run", str(SEED), "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "1 documents read, 1 written" in done.stderr  # the summary, without the progress bar
    assert "docs" not in done.stderr and "MB/s" not in done.stderr


# -- issue 19: an empty input, a failed start, explain's header for --stage ------------------

def test_issue19_an_empty_folder_or_one_of_unread_files_is_an_error_that_names_them_and_writes_nothing(tmp_path):
    """Nothing to read is bad input (exit 1), not an empty corpus that looks finished; the
    files skipped for their suffix are named.  ``a.TXT`` is read: suffixes match in any case."""
    empty, unread, some = tmp_path / "empty", tmp_path / "unread", tmp_path / "some"
    empty.mkdir(), unread.mkdir(), some.mkdir()
    for name in ("b.md", "c.json"):
        (unread / name).write_text("临颍县", encoding="utf-8")
    for folder, out in ((empty, tmp_path / "o1"), (unread, tmp_path / "o2")):
        result = CliRunner().invoke(main, ["run", str(folder), "--out", str(out)])
        assert result.exit_code == 1, result.stderr
        assert f"nothing to read in {folder}" in result.stderr and "nothing was written" in result.stderr
        assert not out.exists()  # no empty corpus, no work folder, no folder at all
    result = CliRunner().invoke(main, ["run", str(unread), "--out", str(tmp_path / "o2")])
    assert f"({unread / 'b.md'}, {unread / 'c.json'})" in result.stderr
    for n in range(8):
        (some / f"{n}.md").write_text("x", encoding="utf-8")
    (some / "a.TXT").write_text("临颍县始终坚持围绕发展抓党建。", encoding="utf-8")
    (some / ".hidden").write_text("x", encoding="utf-8")
    read = CliRunner().invoke(main, ["run", str(some), "--out", str(tmp_path / "o3")])
    assert read.exit_code == 0, read.stderr
    assert [d["id"] for d in read_jsonl(tmp_path / "o3" / "corpus.jsonl")] == ["a"]
    assert (f"warning: 8 file(s) not read (not .txt, .jsonl or .jsonl.gz): {some / '0.md'}, "
            f"{some / '1.md'}, {some / '2.md'}, {some / '3.md'}, {some / '4.md'} and 3 more") in read.stderr
    assert ".hidden" not in read.stderr
    (some / "a.TXT").unlink()
    (some / "blank.jsonl").write_text("\n", encoding="utf-8")  # a file, but no document in it
    blank = CliRunner().invoke(main, ["run", str(some), "--out", str(tmp_path / "o4"),
                                      "--index", str(tmp_path / "archive.sqlite")])
    assert blank.exit_code == 1 and "nothing to read" in blank.stderr, blank.stderr
    assert not (tmp_path / "o4").exists() and not (tmp_path / "archive.sqlite").exists()  # nor a new archive


def test_issue19_a_run_that_fails_at_start_leaves_nothing(tmp_path):
    """An unknown --convert is refused before the output folder, its work folder or the
    archive is made; in a folder that was there, nothing new is left."""
    there = tmp_path / "there"
    there.mkdir()
    (there / "notes.txt").write_text("x", encoding="utf-8")
    for out in (tmp_path / "new" / "out", there):
        result = CliRunner().invoke(main, ["run", str(SEED.parent), "--out", str(out), "--convert", "bogus",
                                           "--index", str(tmp_path / "archive.sqlite")])
        assert result.exit_code == 3 and "unknown OpenCC configuration 'bogus'" in result.stderr, result.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["there"]
        assert [p.name for p in there.iterdir()] == ["notes.txt"]


def test_issue19_explain_with_a_stage_counts_that_stages_edits_in_its_header(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert CliRunner().invoke(main, ["run", "seeds", "samples/input", "--out", str(tmp_path), "--convert", "t2s",
                                     "-q"]).exit_code == 0
    record = next(d for d in read_jsonl(tmp_path / "corpus.jsonl")  # one with edits of both stages
                  if {"normalise", "repair"} <= {e["stage"] for e in d["edits"]})
    stages = [e["stage"] for e in record["edits"]]
    for stage in ("normalise", "repair"):
        header = CliRunner().invoke(main, ["explain", record["id"], "--run", str(tmp_path),
                                           "--stage", stage]).output.split("\n")[0]
        assert header.startswith(f"{record['id']}: {stages.count(stage)} {stage} edits (of {len(stages)} in all)")
    whole = CliRunner().invoke(main, ["explain", record["id"], "--run", str(tmp_path)]).output
    assert whole.startswith(f"{record['id']}: {len(stages)} edits")
