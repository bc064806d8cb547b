"""The editors' report: HTML structure with a parser, and the page in a real headless Chromium."""
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from newsclean.cli import main
from newsclean.document import Edit, replay
from newsclean.report.context import EditedText
from conftest import ROOT, SAMPLES, SEED
from edited import edited

HOSTILE = ("<script>alert(1)</script>近年来，临颍县始终坚持围绕发展抓党建的理念。"
           "<img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">链接</a>，全面提升了全县基层党建水平。")
ARTIFACTS = ROOT / "test-artifacts"
#: An id that a bidi override and an isolate would show reordered, and a text whose
#: escape sequence would set a terminal's title (and ring its bell).
BIDI_ID = "bidi\u202eevil\u2066x"
TITLE = "\x1b]0;PWNED\x07"
BLOCK = "新华社北京电 近年来，临颍县始终坚持围绕发展抓党建的理念，全面提升了全县基层党建水平。"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    hostile = out.parent / "hostile.jsonl"
    hostile.write_text(json.dumps({"id": "evil<b>\"'", "text": "标题\n\n" + HOSTILE + "\n\n" + HOSTILE},
                                  ensure_ascii=False) + "\n"
                       + json.dumps({"id": BIDI_ID, "text": f"标题{TITLE}正文\n\n{BLOCK}\n\n{BLOCK}"}) + "\n",
                       encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(SEED.parent), str(SAMPLES / "input"), str(hostile),
                                       "--out", str(out), "--convert", "t2s", "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, k, v or "") for k, v in attrs)

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Elements:
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_the_report_is_one_self_contained_file(run_dir):
    page = parse(run_dir / "report.html")
    assert page.tags.count("script") == 1
    assert not {"link", "img", "iframe", "object", "embed", "base"} & set(page.tags)
    assert not [a for a in page.attributes if a[1] in ("src", "srcset") or a[1].startswith("on")]
    assert not [a for a in page.attributes if "javascript:" in a[2].lower() or "http" in a[2].lower()
                and a[1] != "content"]
    policy = next(v for tag, k, v in page.attributes if k == "content" and "default-src" in v)
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy


def test_scraped_markup_is_text_not_elements(run_dir):
    page = parse(run_dir / "report.html")
    text = "".join(page.text)
    assert "<script>alert(1)</script>" in text and "onerror=alert(2)" in text
    assert 'evil<b>"\'' in text
    assert "img" not in page.tags  # the only links are the report's own anchors:
    assert all(v.startswith("#") for tag, k, v in page.attributes if tag == "a" and k == "href")


def test_the_report_names_clusters_repairs_and_fragments(run_dir):
    page = parse(run_dir / "report.html")
    text = "".join(page.text)
    for expected in ["Duplicate clusters", "Repairs per document", "Fragments to review", "displaced_continuation",
                     "kept · first", "yuanhui-zhaoling", "结合“两学一做”"]:
        assert expected in text, expected
    classes = [v for tag, k, v in page.attributes if k == "class"]
    assert classes.count("cluster") >= 30 and classes.count("doc") >= 5
    assert "svg" in page.tags


def test_report_command_rebuilds_the_same_file(run_dir, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / "report.html").unlink()
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 0
    assert (copy / "report.html").read_bytes() == (run_dir / "report.html").read_bytes()


def test_explain_prints_a_documents_edits(run_dir):
    result = CliRunner().invoke(main, ["explain", "yuanhui-zhaoling", "--run", str(run_dir), "--stage", "repair"])
    assert result.exit_code == 0
    assert "repair/displaced_continuation" in result.output and "积极创办“微[]" in result.output
    missing = CliRunner().invoke(main, ["explain", "nope", "--run", str(run_dir)])
    assert missing.exit_code == 1 and "no document 'nope'" in missing.stderr


def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if not path and os.environ.get("CI"):
        pytest.fail("CI must install Chromium and Playwright (see .ci/run)")
    if not path:
        pytest.skip("Chromium or Playwright is not installed")
    return path


def launch(playwright):
    """Headless Chromium, with nothing of its own that would make a request."""
    return playwright.chromium.launch(executable_path=chromium(), args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])


def test_the_report_in_a_real_browser(run_dir):
    from playwright.sync_api import sync_playwright

    requests, dialogs = [], []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((run_dir / "report.html").as_uri())
        page.wait_for_load_state("load")

        assert page.locator("article.cluster").count() >= 30
        assert page.locator("article.doc").count() >= 5
        body = page.inner_text("body")
        assert "<script>alert(1)</script>" in body and "Duplicate clusters" in body

        page.fill("#q", "yuanhui")
        visible = page.locator("article.doc:visible")
        assert visible.count() == 1 and "yuanhui-zhaoling" in visible.first.inner_text()
        assert page.inner_text("#shown-doc") == "1"
        page.fill("#q", "")
        page.select_option("#kind", "displaced_continuation")
        kinds = page.eval_on_selector_all("article.doc:not([hidden])", "els => els.map(e => e.dataset.kinds)")
        assert kinds and all("displaced_continuation" in k.split() for k in kinds)
        page.select_option("#kind", "")
        page.fill("#size", "3")
        sizes = page.eval_on_selector_all("article.cluster:not([hidden])", "els => els.map(e => +e.dataset.size)")
        assert all(s >= 3 for s in sizes)
        page.fill("#size", "0")

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
        browser.close()
    assert dialogs == []
    assert all(url.startswith("file://") for url in requests), requests
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def newsclean(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsclean", *args], capture_output=True, timeout=300)


def test_an_edited_stats_json_is_shown_as_text_and_cannot_navigate_or_submit(run_dir, tmp_path):
    from playwright.sync_api import sync_playwright

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    stats = json.loads((copy / "stats.json").read_text(encoding="utf-8"))
    refresh = '<meta http-equiv="refresh" content="0;url=https://example.invalid/away">'
    form = ('<form action="https://example.invalid/post" method="post"><input name="a" value="b">'
            '<button id="go">go</button></form>')
    stats["input"].update(documents=refresh, errors=form)
    (copy / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    assert newsclean("report", str(copy)).returncode == 0
    requests = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto((copy / "report.html").as_uri())
        page.wait_for_timeout(1500)  # a refresh of 0 s would have left by now
        assert page.url == (copy / "report.html").as_uri()
        assert page.locator("form, meta[http-equiv=refresh]").count() == 0
        body = page.inner_text("#overview")
        assert refresh in body and form in body
        policy = page.get_attribute("meta[http-equiv=Content-Security-Policy]", "content")
        # Were markup ever to get in, the policy still holds: a <base> is ignored, a form is not sent.
        page.evaluate("""() => {
            const base = document.createElement("base"); base.href = "https://example.invalid/";
            document.head.append(base);
            const form = document.createElement("form"); form.action = "https://example.invalid/post";
            form.method = "post"; document.body.append(form); form.submit(); }""")
        page.wait_for_timeout(1000)
        assert page.url == (copy / "report.html").as_uri()
        assert page.evaluate("document.baseURI") == (copy / "report.html").as_uri()
        browser.close()
    assert all(url.startswith("file://") for url in requests), requests
    assert "base-uri 'none'" in policy and "form-action 'none'" in policy


def test_explain_shows_control_characters_escaped(run_dir):
    done = newsclean("explain", BIDI_ID, "--run", str(run_dir))
    assert done.returncode == 0, done.stderr
    shown = done.stdout.decode("utf-8")
    assert "标题[\\x1b]]0;PWNED\\x07正文" in shown and "bidi\\u202eevil\\u2066x: " in shown
    assert not [c for c in shown if c != "\n" and not c.isprintable()], shown


def test_bidi_controls_in_ids_are_shown_escaped_in_the_report(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "\u202e" not in html and "\u2066" not in html
    assert "bidi\\u202eevil\\u2066x" in "".join(parse(run_dir / "report.html").text)


def test_replaying_a_documents_edits_for_the_report_copies_text_linear_in_its_size():
    """The report and ``explain`` show each edit in the text as it stood: the work (characters
    copied) per character of the document and its edits stays the same as the document grows."""
    work = []
    for scale in (1, 2, 4, 8):
        text, edits = edited(20_000 * scale, every=40, seed=SEED.read_text(encoding="utf-8"))
        replayed = EditedText(text)
        assert len(replayed.contexts(edits, width=24, wanted=lambda e: True)) == len(edits)
        size = len(text) + sum(len(e.before) + len(e.after) + 1 for e in edits)
        work.append(replayed.copied / size)
    assert max(work) < 1.25 * work[0], work


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_each_edit_is_shown_in_the_text_as_it_stood(data):
    """Against the plain replay, on random edits of a text long enough to span many pieces."""
    text = data.draw(st.text(alphabet="ab\n中", min_size=0, max_size=1500))
    source, edits, expected = text, [], []
    for _ in range(data.draw(st.integers(0, 30))):
        at = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(at, min(len(text), at + data.draw(st.sampled_from([0, 3, 300])))))
        after = data.draw(st.text(alphabet="xy\n", max_size=data.draw(st.sampled_from([2, 400]))))
        edit = Edit(data.draw(st.sampled_from(["normalise", "repair"])), "r", at, text[at:end], after)
        expected.append((edit, text[max(0, at - 5):at], text[end:end + 5]))
        edits.append(edit)
        text = text[:at] + after + text[end:]
    assert replay(source, edits) == text
    wanted = [e for e in expected if e[0].stage == "repair"]
    assert EditedText(text).contexts(edits, width=5, wanted=lambda e: e.stage == "repair") == wanted


def test_a_bad_inputs_name_is_shown_escaped_on_the_terminal(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / f"scan{TITLE}.txt").write_bytes(b"\x00\x01\x02 not text \xff\xfe\x00")
    (inputs / "good.txt").write_text(BLOCK, encoding="utf-8")
    done = newsclean("run", str(inputs), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    shown = done.stderr.decode("utf-8")
    assert "scan\\x1b]0;PWNED\\x07.txt" in shown
    assert not [c for c in shown if c != "\n" and not c.isprintable()], shown


def edited_run(run_dir, tmp_path, edit_record=None, edit_stats=None) -> Path:
    """A copy of the run whose ``yuanhui-zhaoling`` record, or whose stats, were edited by hand."""
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    records = [json.loads(line) for line in (copy / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    if edit_record:
        edit_record(next(r for r in records if r["id"] == "yuanhui-zhaoling"))
    (copy / "corpus.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                       encoding="utf-8")
    if edit_stats:
        stats = json.loads((copy / "stats.json").read_text(encoding="utf-8"))
        edit_stats(stats)
        (copy / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    return copy


def one_line(*command: str) -> str:
    done = newsclean(*command)
    message = done.stderr.decode("utf-8")
    assert done.returncode == 1 and message.count("\n") == 1, message
    return message


def test_an_edit_that_does_not_fit_its_text_is_one_line_naming_the_file(run_dir, tmp_path):
    def misplace(record):
        next(e for e in record["edits"] if e["rule"] == "displaced_continuation")["after"] = "不在文中"
    copy = edited_run(run_dir, tmp_path, edit_record=misplace)
    edit = "document 'yuanhui-zhaoling': edit 'displaced_continuation'"
    assert f"{copy} does not hold a valid run: {edit}" in one_line("report", str(copy))
    assert f"{copy / 'corpus.jsonl'}: {edit}" in one_line("explain", "yuanhui-zhaoling", "--run", str(copy))


@pytest.mark.parametrize("edit_record, edit_stats, said", [
    (lambda r: r["edits"][0].pop("rule"), None, "missing field 'rule'"),
    (lambda r: r.update(flags="x"), None, ""),
    (None, lambda s: s.update(input=[]), ""),
])
def test_a_run_file_of_the_wrong_shape_is_one_line_not_a_bug(run_dir, tmp_path, edit_record, edit_stats, said):
    copy = edited_run(run_dir, tmp_path, edit_record, edit_stats)
    assert f"{copy} does not hold a valid run: {said}" in one_line("report", str(copy))
    if edit_record:
        assert f"{copy / 'corpus.jsonl'}: document 'yuanhui-zhaoling': {said}" in one_line(
            "explain", "yuanhui-zhaoling", "--run", str(copy))


#: A story in Simplified script, and its Traditional copy with two real edits (增加 → 增土,
#: 资本 → 離本): the copy is the same story to the clustering, which reads both in Simplified.
STORY = ("探索六种模式，增加村级集体收入。该县在通过财政拨款确保村级年办公经费平均达到3.6万元的基础上，"
         "2015年以来，通过采取盘活资源、村庄治理、龙头带动、市场经营、服务创收、资本运作六种模式，"
         "大力增加村级集体收入，使村组织“有钱办事”。")


def cross_script_run(tmp_path: Path) -> Path:
    import opencc

    traditional = opencc.OpenCC("s2t").convert(STORY)
    assert opencc.OpenCC("t2s").convert(traditional) == STORY
    copy = traditional.replace("增加", "增土", 1).replace("資本", "離本", 1)
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(json.dumps({"id": "simplified", "text": "临颍县\n\n" + STORY}, ensure_ascii=False) + "\n"
                      + json.dumps({"id": "traditional", "text": "臨潁縣\n\n" + copy}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(inputs), "--out", str(tmp_path / "out"), "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return tmp_path / "out"


class Marks(HTMLParser):
    """The text of each ``<del>`` and ``<ins>`` of the page, and the text of its
    ``details.printed`` blocks (the copies as printed)."""

    def __init__(self):
        super().__init__()
        self.marks, self.printed, self._open, self._printed = [], [], None, 0

    def handle_starttag(self, tag, attrs):
        if tag in ("del", "ins"):
            self._open = tag
            self.marks.append([tag, "", bool(self._printed)])
        if tag == "details" and ("class", "printed") in attrs:
            self._printed += 1
            self.printed.append("")

    def handle_endtag(self, tag):
        self._open = None if tag in ("del", "ins") else self._open
        self._printed -= tag == "details" and self._printed > 0

    def handle_data(self, data):
        if self._open:
            self.marks[-1][1] += data
        if self._printed:
            self.printed[-1] += data


def test_a_traditional_copy_shows_only_its_real_edits_and_is_offered_as_printed(tmp_path):
    out = cross_script_run(tmp_path)
    clusters = [json.loads(line) for line in (out / "duplicates.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [sorted(m["id"] for m in c["members"]) for c in clusters] == [["simplified", "traditional"]]
    page = Marks()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    compared = [(tag, text) for tag, text, printed in page.marks if not printed]
    as_printed = [(tag, text) for tag, text, printed in page.marks if printed]
    # In Simplified, as compared: the two edits, and not one character of script.
    assert compared == [("del", "加"), ("ins", "土"), ("del", "资"), ("ins", "离")]
    # As printed: the copy in its own (Traditional) script, the same two edits marked.
    assert as_printed == [("del", "加"), ("ins", "土"), ("del", "资"), ("ins", "離")]
    assert len(page.printed) == 1
    assert page.printed[0].startswith("as printed") and "臨潁縣\n探索六種模式，增加土村級集體收入" in page.printed[0]


def test_a_conversion_that_changes_the_length_still_aligns_the_copies(monkeypatch):
    """OpenCC converts phrase by phrase, and a phrase may change length: then each character is
    converted on its own, so every character still has its place."""
    import newsclean.report.build as build

    convert = build.to_simplified
    monkeypatch.setattr(build, "to_simplified", lambda text: convert(text) + ("…" if len(text) > 1 else ""))
    compared, printed = build._difference("近年来，全县", "近年來，全縣縣")
    assert compared == "近年来，全县<ins>县</ins>" and printed == "近年來，全縣<ins>縣</ins>"
    assert build._difference("近年来", "近年来") == ("近年来", "")  # nothing to show as printed


def test_every_section_says_what_it_means_and_paragraph_breaks_are_counted(run_dir):
    from newsclean.report.build import MEANS

    html = (run_dir / "report.html").read_text(encoding="utf-8")
    headings = ["Overview", "Repairs by kind", "Rules that fired most", "Flags", "Duplicate clusters",
                "Repairs per document", "Fragments to review"]
    for heading in headings:
        level = 2 if heading in ("Overview", "Duplicate clusters", "Repairs per document", "Fragments to review") else 3
        assert f"{heading}</h{level}><p class=\"means\"><b>What this means:</b> " in html, heading
    assert len(MEANS) == len(headings)
    stats = json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))
    breaks = stats["rules"]["repair/paragraph_break"]
    assert breaks > 0
    chart = html[html.index("<svg"):html.index("</svg>")]
    assert ">paragraph_break</text>" in chart and f">{breaks}</text>" in chart
    assert f"<td>repair/paragraph_break</td><td class=\"n\">{breaks}</td>" in html
    assert "<option value=\"paragraph_break\">" not in html  # layout: not listed per document


def test_a_traditional_copy_in_a_real_browser(tmp_path):
    """The copy as printed is open beside its comparison, and its marks are the page's only ones."""
    from playwright.sync_api import sync_playwright

    out = cross_script_run(tmp_path)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        page.goto((out / "report.html").as_uri())
        copy = page.locator("article.cluster .member:not(.kept)")
        assert copy.locator("details.printed").is_visible()
        assert copy.locator("details.printed > .text").inner_text().startswith("臨潁縣\n探索六種模式")
        marks = page.eval_on_selector_all("article.cluster del, article.cluster ins",
                                          "els => els.map(e => e.textContent)")
        assert marks == ["加", "土", "资", "离", "加", "土", "资", "離"]
        browser.close()
