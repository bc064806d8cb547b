"""Furniture found by evidence, not by a pattern: inside a seam, printed again with other
numbers down a document, and recurring across a batch (the census of ``newsclean run``)."""
import json
import subprocess
import sys

from newsclean import Document, Normalise, Repair
from newsclean.repair.census import LineCensus
from newsclean.repair.rules import RepairRules

NORMALISE = Normalise.from_rules()
#: The page forms these tests print are named by no bundled rule.
MASTHEAD = "漯河日报·要闻{n}"
#: A paragraph's text that a page cut: it stops without ending its sentence.
CUT = "近年来，全县开展党员教育培训，由县委组织部牵头，各乡镇分批组织，参加的党员"


def repaired(text: str, repair: Repair | None = None) -> Document:
    return (repair or Repair.from_rules()).process(NORMALISE.process(Document(id="t", text=text)))


def furniture(doc: Document) -> list[tuple[str, str]]:
    return [(e.rule, e.before.strip()) for e in doc.edits if e.rule in ("inside_seam", "running_line", "recurring_line")]


def test_a_short_line_inside_a_seam_that_a_word_runs_across_is_furniture():
    doc = repaired("临颍县\n\n通过支部建在产业链上，强化了党建引领作用，实\n\n万方数据\n\n行管理联动、产业联育。")
    assert doc.text == "临颍县\n通过支部建在产业链上，强化了党建引领作用，实行管理联动、产业联育。"
    assert furniture(doc) == [("inside_seam", "万方数据")]


def test_negative_a_numbered_subhead_after_text_left_open_is_text():
    """Only weak evidence runs across it (a list that ends on 等): the line stays, and so does
    the seam, though the line is numbered as page furniture is."""
    text = "会议纪要\n\n出席会议的有市长张三，副市长李四、王五等\n\n2024年工作安排\n\n会议研究部署了全年重点工作。"
    doc = repaired(text)
    assert "2024年工作安排" in doc.text.split("\n") and not furniture(doc)


def test_negative_a_short_line_holding_a_clause_is_text_though_a_word_runs_across_it():
    text = "临颍县\n\n通过支部建在产业链上，强化了党建引领作用，实\n\n我们看到，3个村\n\n行管理联动、产业联育。"
    assert "我们看到，3个村" in repaired(text).text


def test_negative_a_line_that_goes_on_into_the_next_block_is_text_not_furniture():
    text = "临颍县\n\n近年来，全县开展党员教育培训，由县委组织部和\n\n镇法律服务所\n\n、镇农办等单位派人参加。"
    assert "镇法律服务所" in repaired(text).text


def test_a_running_head_printed_with_other_page_numbers_is_furniture():
    """A page apart each time, and cutting a sentence at least once, as pages do."""
    pages = [f"近年来，临颍县在第{n}个村开展党员教育培训，群众满意度不断提高。\n\n{MASTHEAD.format(n=n)}" for n in (4, 5)]
    doc = repaired("临颍县\n\n" + "\n\n".join(pages) + f"\n\n{CUT}\n\n{MASTHEAD.format(n=6)}\n\n人数逐年增加。")
    assert "要闻" not in doc.text and "参加的党员人数逐年增加。" in doc.text
    assert {rule for rule, _ in furniture(doc)} == {"running_line"}


def test_negative_numbered_subheads_after_their_sections_end_are_no_running_head():
    """A chronology's years recur with other numbers a section apart, but each after its
    section's end: no page cut the text there."""
    text = ("大事记\n1978年\n十一届三中全会在北京召开，会议作出了把工作重点转移到经济建设上来的决策。\n"
            "1992年\n邓小平视察南方并发表重要谈话，推动改革开放进入新的阶段。\n"
            "2001年\n中国正式加入世界贸易组织，对外开放进入新阶段。")
    assert repaired(text).text == text


def test_negative_a_labelled_list_with_dates_is_no_running_head():
    text = "1. 香港清遠社團總會\n成立：2014年4月\n2. 香港河北青年會\n成立：2014年5月\n3. 香港商界會計師協會\n成立：2014年8月"
    assert repaired(text).text == text



def test_the_census_keeps_a_shape_printed_with_other_numbers_inside_sentences_in_documents():
    census = LineCensus(RepairRules.load())
    for n in range(3):
        census.count(f"标题\n{CUT}\n{MASTHEAD.format(n=n + 3)}\n人数逐年增加。")
    census.count("标题\n第一章　总则\n正文。")
    assert census.recurring() == ["漯河日报·要闻0"]
    doc = repaired(f"标题\n\n近年来，全县开展党员教育培训。\n\n{MASTHEAD.format(n=9)}\n\n群众满意度不断提高。",
                   Repair.from_rules(census=census.close()))
    assert furniture(doc) == [("recurring_line", "漯河日报·要闻9")]


def test_negative_the_census_keeps_no_line_that_recurs_word_for_word_at_the_end_or_after_a_section():
    census = LineCensus(RepairRules.load())
    for n in range(4):
        census.count(f"第一章　总则\n{CUT}\n附表1\n人数逐年增加。")
        census.count(f"标题\n正文，第{n}段。\n2014年9月{n + 1}日(星期五)")
        census.count(f"标题\n近年来，全县开展党员教育培训，群众满意度不断提高。\n{2023 + n}年展望\n明年将继续开展培训。")
    assert census.recurring() == []


def _corpus(tmp_path, count=4):
    lines = [json.dumps({"id": f"d{n}", "text": f"标题{n}\n\n{CUT}\n\n{MASTHEAD.format(n=n + 2)}\n\n人数逐年增加。"},
                        ensure_ascii=False) for n in range(count)]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_run_takes_the_census_of_its_documents_from_files_and_from_stdin(tmp_path):
    source = _corpus(tmp_path)
    for name, args, stdin in (("files", [str(source)], None), ("stdin", ["-"], source.read_bytes())):
        out = tmp_path / name
        subprocess.run([sys.executable, "-m", "newsclean", "run", *args, "--out", str(out), "-q"],
                       input=stdin, check=True)
        records = [json.loads(line) for line in (out / "corpus.jsonl").open(encoding="utf-8")]
        assert len(records) == 4 and all("要闻" not in r["text"] for r in records), name
        assert json.loads((out / "stats.json").read_text())["rules"]["repair/recurring_line"] == 4


def test_a_menu_bar_is_chrome_around_the_text_and_text_beside_its_sentences():
    """``nav_bar`` is ``outside_text``: above the text it goes; between two sentences, next to
    them, the same line is the text's own."""
    bar = "首页 | 新闻 | 体育 | 娱乐 | 财经 | 科技 | 教育"
    first, second = "近年来，全县开展党员教育培训，群众满意度不断提高。", "下一步，全县将继续推进各项工作，确保取得实效。"
    assert bar not in repaired(f"{bar}\n\n标题\n\n{first}\n\n{second}").text
    assert bar in repaired(f"标题\n\n{first}\n\n{bar}\n\n{second}").text


def test_page_labels_close_together_after_a_cut_are_furniture_and_section_numbers_are_text():
    """``page_apart``: two labels with no sentence between (an advertisement's page) still go
    where a page cut the text; numbers close together after their sections' ends stay."""
    doc = repaired(f"标题\n\n{CUT}\n\n第5版\n\n第6版\n\n人数逐年增加。")
    assert "版" not in doc.text and "参加的党员人数逐年增加。" in doc.text
    text = "组诗\n1\n春天来了\n燕子飞回屋檐下\n2\n夏天来了\n荷花开满池塘边"
    assert repaired(text).text == text
