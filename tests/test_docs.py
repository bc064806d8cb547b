"""Every relative link in README.md and docs/*.md names a path of the repository, and every
``#fragment`` a heading of the page it names (as GitHub makes heading anchors); the README's two
set-up commands are what CI runs and docs/development.md repeats. No network."""
from __future__ import annotations

import doctest
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: ``[text](target)``; an image's ``![alt](target)`` is matched the same way.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
#: Code blocks and spans hold examples, not links.
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens.

    >>> anchor("Which engine, and what it costs")
    'which-engine-and-what-it-costs'
    >>> anchor("datasketch compatibility: `affine32`")
    'datasketch-compatibility-affine32'
    """
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {anchor(m.group(1)) for m in re.finditer(r"^#{1,6} +(.+?) *#*$", text, re.M)}


def links(page: Path) -> list[str]:
    text = CODE.sub("", page.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_anchor_examples():
    result = doctest.testmod(sys.modules[__name__])
    assert result.attempted and not result.failed


def test_the_pages_have_links():
    assert sum(len(links(p)) for p in PAGES) > 20, "the link pattern found almost no links"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    broken = []
    for target in links(page):
        path, _, fragment = target.partition("#")
        named = (page.parent / path).resolve() if path else page
        if not named.exists() or ROOT not in (named, *named.parents):
            broken.append(f"{target}: no such path in the repository")
        elif fragment and named.suffix == ".md" and fragment not in anchors(named):
            broken.append(f"{target}: {named.name} has no heading #{fragment}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def setup_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"^## Set-up: two commands\n(.*?)^## ", text, re.S | re.M).group(1)


def setup_commands() -> list[str]:
    return [block.strip("\n") for block in re.findall(r"^```\n(.*?)^```", setup_section(), re.S | re.M)]


def test_the_readme_sets_up_with_two_one_line_commands_in_a_virtual_environment():
    """Debian 12 refuses ``pip install`` into its own Python (PEP 668)."""
    commands = setup_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands), commands
    run, test = commands
    for command in commands:
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install "), command
    assert run.endswith(" && newsclean run seeds samples/input --out out --convert t2s")
    assert "pip install '.[test]'" in test and test.endswith(" && python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim_and_installs_the_readme_apt_packages():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test = setup_commands()[1]
    assert test in ci.splitlines(), f".ci/run does not run the README's test command: {test}"
    [apt] = re.findall(r"`apt-get install ([^`]+)`", setup_section())
    [packages] = re.findall(r'^packages="([^"]+)"$', ci, re.M)
    assert sorted(packages.split()) == sorted(apt.split())


def test_development_md_repeats_the_readme_test_command():
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    assert f"```\n{setup_commands()[1]}\n```" in text
