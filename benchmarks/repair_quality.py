"""Repair quality outside the test suite.

    python benchmarks/repair_quality.py

1. Clean text passes through: every devset truth document, its clean paragraphs separated by
   blank lines, is normalised and repaired; a document whose paragraphs come back joined, split
   or changed counts against precision, and one that loses a space between words is counted
   apart (a run of white space made one space is no change).
2. The project's damage simulator (benchmarks/damage.py) over ../shared/corpus/news.jsonl: each article
   cut into sentences-as-paragraphs gets one damage of each kind; the share whose paragraphs come
   back exactly (white space aside: the simulator damages seams, not spaces) is printed per kind.
"""
from __future__ import annotations

import json
import random
from collections import Counter

import regex
from common import KINDS, damage, shared


from newsclean import Document, Normalise, Repair  # noqa: E402

NORMALISE, REPAIR = Normalise.from_rules(), Repair.from_rules()


def repaired(text: str) -> list[str]:
    """The paragraphs repair makes of ``text``, each run of white space as one space: repair
    keeps a separator between Han characters as one plain space, but a space it removes
    (between names, say) counts."""
    return folded(REPAIR.process(NORMALISE.process(Document(id="", text=text))).text.split("\n"))


def folded(paragraphs: list[str]) -> list[str]:
    return [regex.sub(r"\s+", " ", p).strip() for p in paragraphs]


def unspaced(paragraphs: list[str]) -> list[str]:
    return [regex.sub(r"\s+", "", p) for p in paragraphs]


def clean_pass_through() -> None:
    changed = spaces = total = 0
    for line in shared("devset/truth.jsonl").open(encoding="utf-8"):
        truth = json.loads(line)
        paragraphs = [NORMALISE.normalise_text(p) for p in truth["paragraphs"] if p.strip()]
        if truth["excluded"]:
            continue  # fragments damaged beyond repair are not clean text
        total += 1
        out = repaired("\n\n".join(paragraphs))
        if unspaced(out) != unspaced(paragraphs):
            changed += 1
        elif out != folded(paragraphs):
            spaces += 1
    print(f"clean devset documents changed by repair: {changed}/{total} in their paragraphs or words; "
          f"{spaces} more lose a space the clean text holds (see han_spaces_kept)")


def simulated(limit: int = 600) -> None:
    rng = random.Random(0)
    ok, seen = Counter(), Counter()
    for line in list(shared("corpus/news.jsonl").open(encoding="utf-8"))[:limit]:
        text = NORMALISE.normalise_text(json.loads(line)["text"])
        # Paragraphs: the article's lines, or its sentences grouped in threes when it has none.
        paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
        if len(paragraphs) < 3:
            sentences = regex.findall(r"[^。！？]+[。！？]+[”」]?", text)
            paragraphs = ["".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
        if len(paragraphs) < 3 or unspaced(repaired("\n\n".join(paragraphs))) != unspaced(paragraphs):
            continue  # only text that repair leaves alone when clean can measure a repair
        for kind in KINDS:
            broken = damage(paragraphs, kind, rng)
            if broken == "\n\n".join(paragraphs):
                continue
            seen[kind] += 1
            ok[kind] += unspaced(repaired(broken)) == unspaced(paragraphs)  # the seams, spaces aside
    for kind in KINDS:
        print(f"simulated {kind:<26} repaired {ok[kind]}/{seen[kind]} ({ok[kind] / max(1, seen[kind]):.1%})")


if __name__ == "__main__":
    clean_pass_through()
    simulated()
