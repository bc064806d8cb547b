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


# -- the progress bar (issue 19): its stages, drawn on a pseudo-terminal ----------------------

def _jsonl_of(path, documents: int) -> None:
    """``documents`` short news documents, some of them near-copies of others."""
    stories = ["近年来，临颍县始终坚持围绕发展抓党建、抓好党建促发展的理念，全面提升了全县基层党建水平。",
               "年初以来，舞阳县强力实施基层党建助力脱贫攻坚工程，取得显著成效。",
               "开发区管委会召开专题会议，研究部署下一阶段招商引资和项目建设重点工作。"]
    with path.open("w", encoding="utf-8") as f:
        for n in range(documents):
            text = "\n".join(f"{stories[(n + k) % 3]}第{n % 41}号通知第{k}段。" for k in range(3))
            f.write(json.dumps({"id": f"d{n}", "text": text}, ensure_ascii=False) + "\n")


def _on_terminal(args: list[str], columns: int = 100) -> tuple[int, str]:
    """Run ``python -m newsclean ARGS`` with stderr a pseudo-terminal ``columns`` wide; its exit
    code and what it drew there."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    try:
        done = subprocess.Popen([sys.executable, "-m", "newsclean", *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT)
    finally:
        os.close(slave)
    drawn = []
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the child has closed its end
            break
        if not chunk:
            break
        drawn.append(chunk)
    os.close(master)
    return done.wait(timeout=120), b"".join(drawn).decode("utf-8", "replace")


def _stages_drawn(drawn: str) -> dict[str, list[str]]:
    """Each stage's states as drawn (each redraw of its line), stages in the order they came."""
    import re

    stages: dict[str, list[str]] = {}
    for state in re.split(r"[\r\n]+", drawn):
        found = re.match(r"(reading|cleaning|clustering|writing): (.*)", state.strip())
        if found:
            stages.setdefault(found[1], []).append(found[2])
    return stages


def _count(state: str) -> str:
    """The count a drawn state shows: ``done/total``, or ``done`` when the total is not known."""
    import re

    with_total = re.search(r"\| *(\d+/\d+)(?: steps)? \[", state)
    return with_total[1] if with_total else re.match(r"(\d+) \w+ \[", state)[1]


def test_progress_shows_each_stage_in_order_with_its_real_counts_on_a_terminal(tmp_path):
    _jsonl_of(tmp_path / "news.jsonl", 300)
    out = tmp_path / "out"
    code, drawn = _on_terminal(["run", str(tmp_path / "news.jsonl"), "--out", str(out), "--shard-size", "50",
                                "--workers", "2"])
    assert code == 0, drawn
    stages = _stages_drawn(drawn)
    assert list(stages) == ["reading", "cleaning", "clustering", "writing"], drawn
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    documents, written = stats["input"]["documents"], stats["output"]["documents"]
    assert documents == written == 300
    finals = {stage: _count(states[-1]) for stage, states in stages.items()}
    assert finals == {"reading": "300", "cleaning": "300/300", "clustering": "4/4", "writing": "300/300"}, drawn
    # the cleaning counts documents in finished shards, of the total the reading counted: it never
    # runs ahead of the work, nor past its total
    cleaned = [int(_count(state).split("/")[0]) for state in stages["cleaning"]]
    assert cleaned == sorted(cleaned) and all(n % 50 == 0 for n in cleaned), stages["cleaning"]
    assert "MB/s" not in drawn
    assert drawn.rstrip().endswith(f"300 documents read, {written} written to {out}")


def test_progress_is_not_drawn_with_quiet_nor_when_stderr_is_not_a_terminal(tmp_path):
    _jsonl_of(tmp_path / "news.jsonl", 60)
    code, drawn = _on_terminal(["run", str(tmp_path / "news.jsonl"), "--out", str(tmp_path / "quiet"), "-q"])
    assert code == 0, drawn
    assert drawn == ""
    piped = subprocess.run([sys.executable, "-m", "newsclean", "run", str(tmp_path / "news.jsonl"),
                            "--out", str(tmp_path / "piped")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == f"newsclean: 60 documents read, 60 written to {tmp_path / 'piped'}\n"


def test_progress_is_drawn_on_a_terminal_that_gives_no_size(tmp_path):
    """A pseudo-terminal never sized (0 by 0, as some CI runners give): tqdm alone draws nothing there."""
    _jsonl_of(tmp_path / "news.jsonl", 20)
    code, drawn = _on_terminal(["run", str(tmp_path / "news.jsonl"), "--out", str(tmp_path / "out")], columns=0)
    assert code == 0, drawn
    assert list(_stages_drawn(drawn)) == ["reading", "cleaning", "clustering", "writing"], drawn


def test_run_job_reports_its_stages_to_on_progress_without_a_bar(tmp_path):
    from newsclean.job import run_job
    from newsclean.options import RunOptions

    _jsonl_of(tmp_path / "news.jsonl", 120)
    calls = []
    result = run_job([str(tmp_path / "news.jsonl")], tmp_path / "out", RunOptions(shard_docs=40, workers=1),
                     on_progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert result.documents == 120
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages == ["reading", "cleaning", "clustering", "writing"]
    last = {stage: (done, total) for stage, done, total in calls}
    assert last == {"reading": (120, None), "cleaning": (120, 120), "clustering": (4, 4), "writing": (120, 120)}
    for stage in stages:
        counts = [done for s, done, _ in calls if s == stage]
        assert counts == sorted(counts), stage


# -- help texts (issue 19) ---------------------------------------------------------------------

def test_help_lists_each_command_with_a_whole_summary():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    commands = result.output[result.output.index("Commands:"):].splitlines()[1:]
    summaries = {line.split()[0]: line.split(None, 1)[1] for line in commands if line.strip()}
    assert set(summaries) == {"explain", "index", "report", "run"}, result.output
    assert summaries["run"] == "Clean INPUT files into a corpus in --out DIR."
    assert all(not s.endswith("...") and s.endswith(".") for s in summaries.values()), summaries
    index_help = CliRunner().invoke(main, ["index", "--help"]).output
    assert "add " in index_help and "..." not in index_help.split("Commands:")[1], index_help


def test_index_help_says_sqlite_or_redis():
    for args in (["--help"], ["index", "--help"]):
        output = CliRunner().invoke(main, args).output
        text = " ".join(output.split())
        assert "SQLite" in text and "Redis" in text, output


def test_usage_shows_the_required_options():
    for args, usage in ((["run"], "run --out DIR [OPTIONS] INPUT..."),
                        (["index", "add"], "index add --index PATH [OPTIONS] INPUT..."),
                        (["explain"], "explain --run DIR [OPTIONS] ID")):
        output = CliRunner().invoke(main, [*args, "--help"]).output
        assert output.splitlines()[0].endswith(usage), output
    missing = CliRunner().invoke(main, ["run", str(SEED)])
    assert missing.exit_code == 2 and "--out DIR [OPTIONS] INPUT..." in missing.output, missing.output


def _options_listed(args: list[str]) -> set[str]:
    import re

    output = CliRunner().invoke(main, [*args, "--help"]).output
    return set(re.findall(r"^  (?:-\w, )?(--[\w-]+)", output.split("Options:")[1], re.MULTILINE))


def test_index_add_lists_only_the_options_it_uses():
    index_add, run = _options_listed(["index", "add"]), _options_listed(["run"])
    for corpus_only in ("--keep", "--document-threshold", "--drop-duplicates", "--out", "--resume"):
        assert corpus_only in run and corpus_only not in index_add, corpus_only
    for shared in ("--id-field", "--convert", "--rules", "--orphans", "--threshold", "--ngram", "--strict",
                   "--workers", "--engine", "--shard-size", "--quiet", "--index"):
        assert shared in index_add, shared
    refused = CliRunner().invoke(main, ["index", "add", str(SEED), "--index", "x.sqlite", "--keep", "longest"])
    assert refused.exit_code == 2 and "No such option '--keep'" in refused.output, refused.output


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
