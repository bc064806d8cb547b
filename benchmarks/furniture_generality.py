"""How much page furniture the general signals find without the rule that names its form.

    python benchmarks/furniture_generality.py

A furniture rule names one form (``— 3 —``, ``第4版``, ``（下转第2版）`` …); a scrape of a
paper the rules were not written for prints other forms.  This leaves each bundled rule
out in turn (``enabled = false`` through ``--rules``) and repairs ../shared/devset again:
of the lines the rule removes when every rule is on, it counts those still handled, that
is removed as furniture by another rule or by evidence (``inside_seam``, ``running_line``,
``recurring_line``: the batch's census is taken as ``newsclean run`` takes it) with the
devset paragraphs around them still restored.  It prints a row a rule, with the rules
that found its lines.
"""
from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import regex
from common import shared

from newsclean import Document, Normalise, Repair  # noqa: E402
from newsclean.repair.census import LineCensus  # noqa: E402
from newsclean.repair.rules import RepairRules  # noqa: E402

_WHITE = regex.compile(r"\s+")


def fold(text: str) -> str:
    return _WHITE.sub("", text)


def repaired(repair: Repair, normalise: Normalise, doc: dict) -> Document:
    return repair.process(normalise.process(Document(id=doc["id"], text=doc["text"])))


def main() -> None:
    docs = [json.loads(line) for line in shared("devset/input.jsonl").open(encoding="utf-8")]
    truth = {t["id"]: t for t in map(json.loads, shared("devset/truth.jsonl").open(encoding="utf-8"))}
    normalise = Normalise.from_rules(convert="t2s")
    rules = RepairRules.load()
    ids = [rule_id for rule_id, _ in rules.furniture_lines.patterns] + [rule_id for rule_id, _ in rules.furniture_edges]
    full = Repair.from_rules()
    removed: dict[str, list[tuple[str, str]]] = defaultdict(list)  # rule -> [(doc id, line)]
    restored: dict[str, set[str]] = {}  # doc id -> furniture-event paragraphs the full run restores
    for doc in docs:
        out = repaired(full, normalise, doc)
        paragraphs = {fold(p) for p in out.text.split("\n")}
        t = truth[doc["id"]]
        restored[doc["id"]] = {fold(normalise.normalise_text(t["paragraphs"][e["paragraph"]]))
                               for e in t["events"] if e["kind"] == "furniture"} & paragraphs
        for edit in out.edits:
            if edit.stage == "repair" and edit.rule in ids:
                removed[edit.rule].append((doc["id"], fold(edit.before)))
    by_id = {doc["id"]: doc for doc in docs}
    print(f"{'rule left out':<22} {'lines':>6} {'handled':>8} {'share':>7}  found by")
    for rule_id in ids:
        if not removed[rule_id]:
            print(f"{rule_id:<22} {0:>6} {'':>8} {'':>7}  (removes nothing on the devset)")
            continue
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "furniture.toml").write_text(f'[[rule]]\nid = "{rule_id}"\nenabled = false\n',
                                                         encoding="utf-8")
            census = LineCensus(RepairRules.load(folder))
            for doc in docs:
                census.count(doc["text"])
            without = Repair.from_rules(folder, census=census.close())
            handled, found = 0, Counter()
            outputs = {doc_id: repaired(without, normalise, by_id[doc_id])
                       for doc_id in {doc_id for doc_id, _ in removed[rule_id]}}
            for doc_id, line in removed[rule_id]:
                out = outputs[doc_id]
                paragraphs = {fold(p) for p in out.text.split("\n")}
                finders = [e.rule for e in out.edits if e.stage == "repair" and line and line in fold(e.before)]
                if line not in paragraphs and finders and restored[doc_id] <= paragraphs:
                    handled += 1
                    found[finders[0]] += 1
        share = handled / len(removed[rule_id])
        print(f"{rule_id:<22} {len(removed[rule_id]):>6} {handled:>8} {share:>7.1%}  "
              + ", ".join(f"{r} {n}" for r, n in found.most_common()))


if __name__ == "__main__":
    main()
