"""Layouts of short lines that a newspaper prints (verse, lists, tables, contents, Q&A, bios,
laws, rosters of names) pass through repair with their lines as they were: no line joined,
split, dropped or flagged for the punctuation such a line never carries, and no space between
names or cells removed (a run of spaces may become one).  (Fewer lines than ``LINES_MIN`` show
no layout: they are as likely the pieces of a paragraph.)"""
import regex
from hypothesis import HealthCheck, given, settings, strategies as st

from newsclean import Document, Normalise, Repair
from newsclean.repair.layout import LINES_MIN
from newsclean.repair.spaces import LIST_ITEMS

NORMALISE, REPAIR = Normalise.from_rules(), Repair.from_rules()
#: Words of which no two read as one dictionary word across a line's end: ``环境`` / ``保护``
#: reads ``环境保护``, evidence strong enough to join even lines of verse.
WORDS = ("春风 山河 故乡 明月 乡村 道路 工人 农民 学生 老师 医院 工厂 田野 河流 森林 建设 发展 改革 "
         "服务 管理 生产 经营 文化 经济 环境 安全 美丽 温暖 安静 辽阔 深远 清澈 灿烂 坚定").split()
NAMES = "张建国 李秀英 王志强 刘海燕 陈立新 杨国才 赵文华".split()
NUMERALS = "一二三四五六七八九十"
SPACES = regex.compile(r"[ \u3000]+")


def lines_of(text: str) -> list[str]:
    """The lines of ``text``, each run of spaces as one plain space (a separator's form)."""
    return [SPACES.sub(" ", line) for line in text.split("\n")]

phrase = st.lists(st.sampled_from(WORDS), min_size=2, max_size=4).map("".join)
numeral = st.integers(1, 10).map(lambda n: NUMERALS[n - 1])


def _lines(item, min_size=LINES_MIN, max_size=10):
    """Lines of a layout, none the same as another (a line printed twice is what a scrape
    repeats; an author's refrain is verse's, tested by the cases)."""
    return st.lists(item, min_size=min_size, max_size=max_size, unique_by=repr)


verse = st.tuples(_lines(st.tuples(phrase, st.sampled_from(["", "，"])).map("".join)),
                  st.sampled_from(["", "。", "！"])).map(lambda v: v[0][:-1] + [v[0][-1].rstrip("，") + v[1]])
enumerated = _lines(st.tuples(phrase, st.sampled_from(["", "；"]))).map(
    lambda items: [f"{k}. {text}{end}" for k, (text, end) in enumerate(items, 1)])
bulleted = _lines(phrase).map(lambda items: [f"（{NUMERALS[k % 10]}）{text}" for k, text in enumerate(items)])
table = st.tuples(st.sampled_from(["\t", " | "]), _lines(st.tuples(st.sampled_from(NAMES), phrase,
                                                                    st.integers(18, 70)), LINES_MIN - 1)).map(
    lambda t: [t[0].join(["姓名", "单位", "年龄"])] + [t[0].join([n, u, str(a)]) for n, u, a in t[1]])
contents = _lines(st.tuples(phrase, st.integers(1, 300))).map(
    lambda rows: [f"第{NUMERALS[k % 10]}章　{title}　{page}" for k, (title, page) in enumerate(rows)])
interview = _lines(st.tuples(phrase, phrase), (LINES_MIN + 1) // 2, 5).map(
    lambda turns: [line for q, a in turns for line in (f"问：{q}吗？", f"答：{a}。")])
bio = st.tuples(st.sampled_from(NAMES), st.integers(1940, 2000), st.sampled_from(WORDS), phrase).map(
    lambda b: [f"姓名：{b[0]}", "性别：男", f"出生年月：{b[1]}年", f"籍贯：{b[2]}", f"职务：{b[3]}"])
law = st.tuples(_lines(phrase, LINES_MIN - 1, 8), phrase).map(
    lambda t: [f"第{NUMERALS[0]}条　{t[1]}，应当遵守下列规定："]
    + [f"（{NUMERALS[k]}）{text}{'；' if k < len(t[0]) - 1 else '。'}" for k, text in enumerate(t[0])])
#: Names of which some read as a word across the space between them (孙丽 江涛: 丽江).
ROSTER = NAMES + "孙丽 江涛 董洁 白雪 赵六 钱七".split()
roster = _lines(st.tuples(st.sampled_from(["出席", "评委", "获奖者", "委员"]),
                          st.lists(st.sampled_from(ROSTER), min_size=LIST_ITEMS, max_size=7),
                          st.sampled_from([" ", "\u3000", "  "]))).map(
    lambda rows: [f"{label}：{gap.join(names)}" for label, names, gap in rows])
LAYOUTS = st.one_of(verse, enumerated, bulleted, table, contents, interview, bio, law, roster)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.tuples(st.one_of(st.just([]), phrase.map(lambda title: [title])), LAYOUTS))
def test_a_layout_of_short_lines_passes_through_unchanged(document):
    title, lines = document
    text = "\n".join(title + lines)
    doc = REPAIR.process(NORMALISE.process(Document(id="layout", text=text)))
    assert lines_of(doc.text) == lines_of(text)
    assert not doc.flags
