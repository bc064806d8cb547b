"""Lost starts that a republished copy gives away: flagged in the corpus, only on that evidence."""
import json

import opencc
import pytest
from click.testing import CliRunner

from newsclean.cli import main
from newsclean.dedup.lost_starts import lost_starts
from newsclean.repair.rules import RepairRules
from conftest import SAMPLES, read_jsonl

GOLDEN = (SAMPLES / "expected" / "seed.txt").read_text(encoding="utf-8").split("\n")
WUYANG = GOLDEN[10:16]  # 舞阳县 and its five paragraphs
DEMO_ZONE = GOLDEN[17:22]  # 市城乡一体化示范区 and its four paragraphs
S2T = opencc.OpenCC("s2t")
RULES = RepairRules.load()


def lose_start(story: list[str], paragraph: int, words: str) -> list[str]:
    """``story`` with the start of one paragraph lost, up to ``words`` (mid-sentence)."""
    cut = story[paragraph].index(words)
    assert story[paragraph][cut - 1] not in "。；！？："
    return story[:paragraph] + [story[paragraph][cut:]] + story[paragraph + 1:]


def clean(tmp_path, documents: list[tuple[str, list[str]]], *options) -> tuple[list[dict], dict]:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": "\n\n".join(p)}, ensure_ascii=False) + "\n"
                              for i, p in documents), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(source), "--out", str(tmp_path / "out"), "-q", *options],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    stats = json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))
    return read_jsonl(tmp_path / "out" / "corpus.jsonl"), stats


def given_away(record: dict) -> list[dict]:
    return [f for f in record["flags"] if f.get("detail", "").startswith("copy ")]


@pytest.mark.parametrize("script", ["Simplified", "Traditional"])
def test_a_copy_that_goes_on_into_a_paragraph_flags_its_lost_start(tmp_path, script):
    full = WUYANG if script == "Simplified" else [S2T.convert(p) for p in WUYANG]
    corpus, stats = clean(tmp_path, [("full", full), ("cut", lose_start(WUYANG, 2, "政治素质过硬"))])
    assert corpus[1]["duplicate_of"] == "full"
    assert given_away(corpus[1]) == [{"kind": "truncated_start", "paragraph": 2,
                                      "detail": "copy full goes on from …堡垒作用。着力把"}]
    assert given_away(corpus[0]) == []
    assert "copy full goes on from …堡垒作用。着力把" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert stats["flags"]["truncated_start"] == sum(f["kind"] == "truncated_start" for r in corpus for f in r["flags"])


def test_a_paragraph_the_copy_opens_after_a_sentence_end_is_no_lost_start(tmp_path):
    """The republisher cut the first sentence of paragraph 2: where the copy's paragraph
    opens, the original's text before it ends a sentence."""
    edited = WUYANG[:2] + [WUYANG[2][WUYANG[2].index("着力把"):]] + WUYANG[3:]
    corpus, _ = clean(tmp_path, [("whole", WUYANG), ("edited", edited)])
    assert corpus[1]["duplicate_of"] == "whole"
    assert [given_away(r) for r in corpus] == [[], []]


def test_a_wrong_join_in_the_copy_is_no_evidence(tmp_path):
    """The copy lost the end of paragraph 2, and the rest was joined to paragraph 3: the
    document holds the copy's words before paragraph 3 going on otherwise, so paragraph 3
    lost nothing."""
    joined = WUYANG[:2] + [WUYANG[2][:24] + WUYANG[3]] + WUYANG[4:]
    corpus, _ = clean(tmp_path, [("whole", WUYANG), ("joined", joined)])
    assert corpus[1]["duplicate_of"] == "whole"
    assert given_away(corpus[0]) == []


def test_a_full_stop_the_copy_turned_into_a_comma_is_no_evidence(tmp_path):
    """The copy's editor ran paragraphs 2 and 3 together with a comma: the document ends
    its sentence, and its paragraph, on the same words."""
    merged = WUYANG[:2] + [WUYANG[2].removesuffix("。") + "，" + WUYANG[3]] + WUYANG[4:]
    corpus, _ = clean(tmp_path, [("whole", WUYANG), ("merged", merged)])
    assert corpus[1]["duplicate_of"] == "whole"
    assert given_away(corpus[0]) == []


def test_a_seam_the_repair_missed_is_no_lost_start():
    """The paragraph before ends with the copy's words before this one: the sentence was cut
    by a seam left open, and nothing was lost."""
    cut = WUYANG[2].index("政治素质过硬")
    missed = WUYANG[:2] + [WUYANG[2][:cut], WUYANG[2][cut:]] + WUYANG[3:]
    assert lost_starts(["\n".join(missed), "\n".join(WUYANG)], ["missed", "whole"], RULES) == {}
    assert list(lost_starts(["\n".join(lose_start(WUYANG, 2, "政治素质过硬")), "\n".join(WUYANG)],
                            ["cut", "whole"], RULES)) == [0]


def test_keep_mode_adds_no_flag(tmp_path):
    corpus, _ = clean(tmp_path, [("full", WUYANG), ("cut", lose_start(WUYANG, 2, "政治素质过硬"))],
                      "--orphans", "keep")
    assert [r["flags"] for r in corpus] == [[], []]


def test_the_flags_reach_their_documents_when_copies_are_dropped(tmp_path):
    """The first story's truncated copy is dropped; the second story's truncated copy comes
    first, so it is kept, and keeps its flag."""
    corpus, _ = clean(tmp_path, [("full", WUYANG), ("cut", lose_start(WUYANG, 2, "政治素质过硬")),
                                 ("cut2", lose_start(DEMO_ZONE, 2, "示范区开发建设")), ("full2", DEMO_ZONE)],
                      "--drop-duplicates")
    assert [r["id"] for r in corpus] == ["full", "cut2"]
    assert [f["paragraph"] for f in given_away(corpus[1])] == [2]


def test_words_found_twice_in_either_document_are_no_evidence():
    """Where a paragraph's first words appear twice, which one the copy's sentence leads
    into cannot be told."""
    cut = lose_start(WUYANG, 2, "政治素质过硬")
    assert lost_starts(["\n".join(cut + [cut[2]]), "\n".join(WUYANG)], ["cut", "whole"], RULES) == {}
    assert lost_starts(["\n".join(cut), "\n".join(WUYANG + [cut[2]])], ["cut", "whole"], RULES) == {}


def test_rows_of_a_table_are_not_fragments():
    """Copies cut, join and edit the rows of a table laid out in columns each their own way:
    here the copy joined two rows and spelled a cell of the first one otherwise."""
    rows = ["红幽灵      950      110      85      大瓶魔法药", "蓝幽灵      950      120      60      大瓶治疗药",
            "女魔族      6000     1000     0       还魂丹"]
    table = WUYANG[:3] + rows + WUYANG[3:]
    joined = WUYANG[:3] + [rows[0] + "水      " + rows[1], rows[2]] + WUYANG[3:]
    assert lost_starts(["\n".join(table), "\n".join(joined)], ["table", "joined"], RULES) == {}


def test_the_runs_rules_judge_lost_starts(tmp_path):
    """A user's rule that the cut paragraph's words open a sentence: its start was not lost."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "seams.toml").write_text('[[rule]]\nid = "party_start"\nkind = "start"\n'
                                      'description = "a paragraph opening on the party\'s qualities"\n'
                                      "pattern = '^政治素质过硬'\n", encoding="utf-8")
    documents = [("full", WUYANG), ("cut", lose_start(WUYANG, 2, "政治素质过硬"))]
    (tmp_path / "bundled").mkdir()
    (tmp_path / "user").mkdir()
    corpus, _ = clean(tmp_path / "bundled", documents)
    assert [f["paragraph"] for f in given_away(corpus[1])] == [2]
    corpus, _ = clean(tmp_path / "user", documents, "--rules", str(rules))
    assert corpus[1]["duplicate_of"] == "full" and given_away(corpus[1]) == []
