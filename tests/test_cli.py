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
