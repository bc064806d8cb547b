"""Normalisation: data-driven cases (tests/cases/normalise.jsonl), properties, and bad rule files."""
import json
from collections import Counter
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings, strategies as st

from newsclean import Document, Normalise, replay
from newsclean.normalize import ConfigError, ScriptConverter
from newsclean.ruleset import RuleError

CASES = [json.loads(line) for line in (Path(__file__).parent / "cases" / "normalise.jsonl").open(encoding="utf-8")]
NORMALISE = Normalise.from_rules()
T2S = Normalise.from_rules(convert="t2s")


@pytest.mark.parametrize("case", CASES, ids=[c["why"] for c in CASES])
def test_case(case):
    doc = NORMALISE.process(Document(id="case", text=case["before"]))
    assert doc.text == case["after"]
    rules = {e.rule for e in doc.edits}
    assert (case["rule"] in rules) if case["rule"] else not rules
    assert replay(case["before"], doc.edits) == doc.text


def test_opencc_keeps_phrases_and_converts_characters():
    doc = T2S.process(Document(id="t", text="乾隆年間，臨潁縣的頭髮"))
    assert doc.text == "乾隆年间，临颍县的头发"
    assert {e.rule for e in doc.edits} == {"opencc_t2s"}


def test_any_opencc_configuration_and_a_clear_error_for_an_unknown_one():
    assert ScriptConverter("s2twp").convert("软件") == "軟體"
    with pytest.raises(ConfigError, match="unknown OpenCC configuration 'nope'"):
        ScriptConverter("nope")


# Text made of the characters that matter here: Han (Simplified and Traditional), Chinese and ASCII
# punctuation, Latin letters, digits in both widths, every kind of space, invisible characters and
# entity-like fragments.
ALPHABET = list("漯河市基层党建临颍县舞阳黨乾隆頭髮，。！？：；“”（）、,.!?:;()&#") + list("abcXYZ019０１９ＡＺ") + \
    ["\u3000", " ", "\u00a0", "\n", "\t", "\u200b", "\ufeff", "\r", "&ldquo;", "&amp;", "&#20013;", "&nbsp;"]
texts = st.lists(st.sampled_from(ALPHABET), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_normalising_is_idempotent(text):
    once = T2S.normalise_text(text)
    assert T2S.normalise_text(once) == once


@settings(max_examples=300, deadline=None)
@given(texts)
def test_no_han_character_is_lost(text):
    han = Counter(regex.findall(r"\p{Han}", text))
    assert not han - Counter(regex.findall(r"\p{Han}", NORMALISE.normalise_text(text)))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_conversion_changes_han_characters_only_one_for_one(text):
    plain, converted = NORMALISE.normalise_text(text), T2S.normalise_text(text)
    assert len(regex.findall(r"\p{Han}", plain)) == len(regex.findall(r"\p{Han}", converted))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_output_is_never_longer_than_input_except_by_entities(text):
    # Every bundled rule keeps or shortens the text, except an entity that decodes to a character
    # needing more than its own length (none does), so the output is never longer.
    assert len(NORMALISE.normalise_text(text)) <= len(text)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_edits_replay_from_input_to_output(text):
    doc = T2S.process(Document(id="p", text=text))
    assert replay(text, doc.edits) == doc.text


def write_rules(folder, body):
    folder.mkdir(exist_ok=True)
    (folder / "normalise.toml").write_text(body, encoding="utf-8")
    return folder


@pytest.mark.parametrize("body, message", [
    ('[[rule]]\nid = "a"\nkind = "pattern"\npattern = "x"\nreplace = ""\ncolour = "red"\n',
     ":1: rule 'a': unknown key(s) ['colour']"),
    ('# comment\n\n[[rule]]\nid = "b"\nkind = "pattern"\npattern = "[unclosed"\nreplace = ""\n',
     ":3: rule 'b': invalid pattern"),
    ('[[rule]]\nid = "c"\nkind = "pattern"\npattern = "(\\\\s*x*)*"\nreplace = ""\n',
     ":1: rule 'c': pattern"),
    ('[[rule]]\nid = "d"\nkind = "translate"\nfrom = "ab"\nto = "a"\n', ":1: rule 'd': 'from' and 'to'"),
    ('[[rule]]\nid = "e"\nkind = "shell"\n', ":1: rule 'e': unknown kind 'shell'"),
    ('[[rule]]\nid = "f"\nkind = "pattern"\npattern = "x"\ntransform = "eval"\n', ":1: rule 'f': unknown transform"),
    ('[[rule]]\nid = "g"\nkind = "pattern"\npattern = "(x)"\nreplace = "\\\\2"\n', "refers to a group"),
    ('[[rule]]\nid = "h"\nkind = "delete"\nchars = "x"\n\n[[rule]]\nid = "h"\nkind = "delete"\nchars = "y"\n',
     ":6: duplicate rule id 'h'"),
    ('[[rule]]\nid = "i"\nkind = "delete"\nchars = "x\n', ":4: invalid TOML"),
    # issue 16, item 18: a list where one name goes; a string left open to the end of the
    # file; a header with a comment after it; rules written as an inline array
    ('[[rule]]\nid = "j"\nkind = "pattern"\npattern = "x"\ntransform = ["html_unescape"]\n',
     ":1: rule 'j': 'transform' must name one of"),
    ('# rules\n\n[[rule]]\nid = "k"\ndescription = """open\nkind = "delete"\n', ":5: invalid TOML"),
    ('[[rule]]\nid = "l"\nkind = "delete"\nchars = "x"\n\n[[rule]]  # second\nid = "m"\nkind = "shell"\n',
     ":6: rule 'm': unknown kind"),
    ('# rules\nrule = [\n  { id = "n", kind = "delete", chars = "x" },\n  { id = "o", kind = "shell" },\n]\n',
     ":4: rule 'o': unknown kind"),
])
def test_bad_rule_files_name_the_file_and_line(tmp_path, body, message):
    folder = write_rules(tmp_path / "rules", body)
    with pytest.raises(RuleError) as err:
        Normalise.from_rules(folder)
    assert str(err.value).startswith(str(folder / "normalise.toml") + ":")
    assert message in str(err.value)


def test_user_rules_add_replace_and_switch_off_bundled_ones(tmp_path):
    folder = write_rules(tmp_path / "rules", '[[rule]]\nid = "fullwidth_alnum"\nenabled = false\n\n'
                         '[[rule]]\nid = "brand"\nkind = "pattern"\npattern = "新浪网"\nreplace = "新浪"\n')
    normalise = Normalise.from_rules(folder)
    assert normalise.normalise_text("２０１２年新浪网报道") == "２０１２年新浪报道"
    only_user = Normalise.from_rules(folder, replace_bundled=True)
    assert [s.rule.id for s in only_user.substitutions] == ["brand"]


def test_a_pattern_that_runs_out_of_time_is_skipped_and_flagged(monkeypatch):
    import newsclean.normalize.normaliser as normaliser
    monkeypatch.setattr(normaliser, "TIMEOUT_BASE", 1e-9)
    monkeypatch.setattr(normaliser, "TIMEOUT_PER_CHAR", 0)
    doc = NORMALISE.process(Document(id="slow", text="党 建" * 100_000))
    assert any(f.kind == "rule_timeout" for f in doc.flags)
