"""The editors' report: HTML structure with a parser, and the page in a real headless Chromium."""
import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclean.cli import main
from conftest import ROOT, SAMPLES, SEED

HOSTILE = ("<script>alert(1)</script>近年来，临颍县始终坚持围绕发展抓党建的理念。"
           "<img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">链接</a>，全面提升了全县基层党建水平。")
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    hostile = out.parent / "hostile.jsonl"
    hostile.write_text(json.dumps({"id": "evil<b>\"'", "text": "标题\n\n" + HOSTILE + "\n\n" + HOSTILE},
                                  ensure_ascii=False) + "\n", encoding="utf-8")
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


def test_the_report_in_a_real_browser(run_dir):
    from playwright.sync_api import sync_playwright

    executable = chromium()
    requests, dialogs = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
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
