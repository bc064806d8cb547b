"""Structure repair: data-driven cases, the seed's golden file, and round trips through damage."""
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from newsclean import Document, Normalise, Repair, replay, undo
from newsclean.ruleset import RuleError
from conftest import SAMPLES
from damage import KINDS, damage

CASES = [json.loads(line) for line in (Path(__file__).parent / "cases" / "repair.jsonl").open(encoding="utf-8")]
NORMALISE, REPAIR = Normalise.from_rules(), Repair.from_rules()
GOLDEN = (SAMPLES / "expected" / "seed.txt").read_text(encoding="utf-8").rstrip("\n")


def clean(text: str) -> Document:
    return REPAIR.process(NORMALISE.process(Document(id="t", text=text)))


@pytest.mark.parametrize("case", CASES, ids=[c["why"] for c in CASES])
def test_case(case):
    """A case gives the text before and after, the rules that fire, and where it says so the
    flags raised (``[kind, paragraph]``) and the source of a real excerpt."""
    doc = clean(case["before"])
    assert doc.text == case["after"]
    fired = {e.rule for e in doc.edits if e.stage == "repair" and e.rule != "paragraph_break"}
    assert fired == set(case["rules"]) - {"paragraph_break"}
    assert replay(case["before"], doc.edits) == doc.text
    if "flags" in case:
        assert [[f.kind, f.paragraph] for f in doc.flags] == case["flags"]


def test_the_seed_matches_its_reviewed_golden_file(seed_text):
    doc = clean(seed_text)
    assert doc.text == GOLDEN
    assert undo(doc.text, doc.edits) == seed_text


def test_every_seam_of_the_seed(seed_text):
    doc = clean(seed_text)
    text, paragraphs = doc.text, doc.text.split("\n")
    for joined in ["实行管理联动", "侵害群众利益的", "县直部门帮扶", "调整不能坚持", "服务站，带动600余户",
                   "每半年组织两镇行政村支部书记", "村级运转经费提高到", "村级组织活动场所106个",
                   "积极创办“微党建”特色服务", "亮业绩、亮形象”五亮论坛；“6”是"]:
        assert joined in text, joined
    assert text.count("目标，在全面落实村级组织活动场所") == 1
    assert paragraphs.index("源汇区") < next(i for i, p in enumerate(paragraphs) if p.startswith("健全机制")) \
        < paragraphs.index("召陵区")
    for heading in ["编者按", "临颍县", "舞阳县", "市城乡一体化示范区", "经济技术开发区", "西城区", "郾城区", "源汇区", "召陵区",
                    "搭建三级服务平台，提升为民服务水平。"]:
        assert heading in paragraphs, heading
    flagged = {(f.kind, paragraphs[f.paragraph][-8:]) for f in doc.flags}
    assert flagged == {("truncated_end", "结合“两学一做”"), ("truncated_end", "先后高标准打造农")}


def test_clean_text_passes_through_unchanged():
    doc = clean(GOLDEN)
    assert doc.text == GOLDEN and not doc.edits


def test_orphans_keep_flag_drop(seed_text):
    kept = Repair.from_rules(orphans="keep").process(NORMALISE.process(Document(id="k", text=seed_text)))
    dropped = Repair.from_rules(orphans="drop").process(NORMALISE.process(Document(id="d", text=seed_text)))
    assert kept.text == GOLDEN and not kept.flags
    assert "结合“两学一做”" not in dropped.text and not dropped.flags
    assert [e.rule for e in dropped.edits].count("orphan_fragment") == 2


GOLDEN_PARAGRAPHS = GOLDEN.split("\n")


@st.composite
def damaged_seed(draw):
    """A run of the golden seed's paragraphs, and that run with one damage."""
    start = draw(st.integers(0, len(GOLDEN_PARAGRAPHS) - 3))
    length = draw(st.integers(2, 6))
    paragraphs = GOLDEN_PARAGRAPHS[start:start + length]
    kind = draw(st.sampled_from(KINDS))
    return paragraphs, kind, damage(paragraphs, kind, random.Random(draw(st.integers(0, 2**32))))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_seed())
def test_repair_undoes_damage_to_the_seed(example):
    paragraphs, kind, broken = example
    doc = clean(broken)
    assert doc.text.split("\n") == paragraphs, kind
    assert replay(broken, doc.edits) == doc.text


@pytest.mark.parametrize("file, rule, key", [
    ("furniture.toml", 'kind = "line"\npattern = "续见.版"\ntext_goes_on = "yes"', "text_goes_on"),
    ("seams.toml", 'kind = "unit"\npattern = "^电话："\nmax_chars = 0', "max_chars"),
])
def test_a_rule_setting_of_the_wrong_type_is_reported_with_its_file_and_line(tmp_path, file, rule, key):
    """text_goes_on is true or false; a unit's max_chars is a positive integer."""
    (tmp_path / file).write_text(f'[[rule]]\nid = "mine"\n{rule}\n', encoding="utf-8")
    with pytest.raises(RuleError) as err:
        Repair.from_rules(tmp_path)
    assert str(err.value).startswith(str(tmp_path / file) + ":1:") and key in str(err.value)


def _cut_lines(count: int, separator: str) -> str:
    """``count`` lines of 90 characters sliced from the golden text, each stopping mid-sentence
    (issue 16 item 3), with a space between two Han characters in each."""
    text = GOLDEN.replace("\n", "")
    rng, lines = random.Random(count), []
    while len(lines) < count:
        start = rng.randrange(len(text) - 90)
        line = text[start:start + 45] + " " + text[start + 45:start + 89]
        if line[-1] not in "。！？；：，、”" and line[44] >= "\u4e00" and line[46] >= "\u4e00":
            lines.append(line)
    return separator.join(lines)


def _repair_work(text: str) -> dict[str, int]:
    """The work repair does on ``text``: seams judged on strong evidence, characters read by
    the weak judge, and characters around the spaces judged."""
    repair = Repair.from_rules()
    work = {"strong calls": 0, "weak chars": 0, "space chars": 0}
    strong, weak, judge_space = repair.judge.strong, repair.judge.weak, repair.spaces.judge_space

    def counted_strong(left, right):
        work["strong calls"] += 1
        return strong(left, right)

    def counted_weak(left, right, cut=False):
        work["weak chars"] += len(left)
        return weak(left, right, cut)

    def counted_space(before, after):
        work["space chars"] += len(before) + len(after)
        return judge_space(before, after)

    repair.judge.strong, repair.judge.weak, repair.spaces.judge_space = counted_strong, counted_weak, counted_space
    repair.process(NORMALISE.process(Document(id="t", text=text)))
    return work


@pytest.mark.parametrize("separator", ["\n\n", "\n"], ids=["paragraphs", "hard-wrapped"])
def test_repair_work_grows_linearly_with_the_lines(separator):
    """Documents of lines that stop mid-sentence: 4 times the lines must cost about 4 times
    the work.  Each paragraph was compared with every later one (``_reattach``), a growing
    paragraph copied whole at each weak join, and a space judged with its whole line."""
    small, large = _repair_work(_cut_lines(500, separator)), _repair_work(_cut_lines(2000, separator))
    for measure, done in large.items():
        assert done <= 5 * max(small[measure], 100), (measure, small[measure], done)


def _steps_in(function, call) -> int:
    """How many lines of ``function`` ran during ``call()`` (its steps, traced)."""
    import sys
    steps = 0

    def tracer(frame, event, arg):
        if frame.f_code is not function.__code__:
            return None

        def count(frame, event, arg):
            nonlocal steps
            steps += event == "line"
            return count
        return count

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return steps


def test_repeated_runs_cost_steps_linear_in_the_blocks():
    """A line repeated on every page (here a paragraph that stops mid-sentence, too short to
    drop): each block was compared with every earlier copy of it, run by run (cubic)."""
    def steps(count):
        text = "\n\n".join(["今天天气很好，我们去"] * count)
        return _steps_in(Repair._repeated_runs, lambda: clean(text))
    small, large = steps(60), steps(240)
    assert large <= 5 * small, (small, large)


#: A pattern with no nested quantifier that still backtracks for ever on a run of 党 with no digit.
SLOW_PATTERN = r"(?:党|党党)*\d"


@pytest.mark.parametrize("rule_file, rule", [
    ("furniture.toml", f'[[rule]]\nid = "slow_line"\nkind = "line"\npattern = \'{SLOW_PATTERN}\'\n'),
    ("seams.toml", f'[[rule]]\nid = "slow_end"\nkind = "end"\npattern = \'{SLOW_PATTERN}\'\n'),
], ids=["furniture", "seams"])
def test_a_repair_rule_that_runs_out_of_time_keeps_the_document_flagged(tmp_path, rule_file, rule):
    """Issue 16 item 4: the document was dropped as an internal error (with a seams rule, every
    document was).  Now it is kept as normalised, flagged with the rule, and the run goes on."""
    import subprocess
    import sys
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / rule_file).write_text(rule, encoding="utf-8")
    crafted = "标题\n\n" + "党" * 40 + "\n\n通过支部建在产业链上，实\n\n行管理联动。"
    plain = "临颍县\n\n通过支部建在产业链上，实\n\n行管理联动。"
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                              for i, t in (("crafted", crafted), ("plain", plain))), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "newsclean", "run", str(source), "--out", str(tmp_path / "out"),
                           "--rules", str(tmp_path / "rules"), "--quiet"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "corpus.jsonl").open(encoding="utf-8"))}
    assert records["plain"]["text"] == "临颍县\n通过支部建在产业链上，实行管理联动。"
    assert records["crafted"]["text"] == crafted
    timeouts = [f for f in records["crafted"]["flags"] if f["kind"] == "rule_timeout"]
    assert len(timeouts) == 1 and rule.split('"')[1] in timeouts[0]["detail"], records["crafted"]["flags"]
