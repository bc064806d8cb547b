"""A damage simulator: break clean paragraphs the way page layout does, so repair can be tested.

Each damage keeps the evidence a careful reader would use to undo it, because repair is
precision-first and must not guess: a page break falls between two Han characters inside a
sentence (never right after its end), leaving a long enough left piece not to look like a
heading; a repeated character is never a real reduplication; furniture is a page number, a page
label or a jump line; a repeated block is a run of paragraphs fetched twice; a hard wrap cuts
every line at one width, with at least three full lines to show it, and paragraphs kept apart
by blank lines.  The first paragraph is the
title, which repair never joins, so breaks fall in the paragraphs after it.

>>> import random
>>> damage(["临颍县", "近年来，临颍县始终坚持“围绕发展抓党建、抓好党建促发展”的理念，全面提升了水平。"],
...        "page_break", random.Random(1))
'临颍县\\n\\n近年来，临颍县始终坚持“围绕发展抓党建、抓好党建促发展”的理念，全面\\n\\n提升了水平。'
"""
from __future__ import annotations

import random

import regex

from newsclean.repair import RepairRules

KINDS = ("page_break", "page_break_repeated_char", "furniture", "repeated_block", "hard_wrap")
FURNITURE = ["— {n} —", "第{n}版", "（下转第{n}版）", "- {n} -"]
REDUPLICATIONS = RepairRules.load().reduplications
MIN_LEFT = 32


def seams(paragraph: str) -> list[int]:
    """Cut points a page break may fall on: between two different Han characters (a cut
    between two alike, as in the seed's own ``红渠渠``, reads as a break that repeated one),
    after enough text that the left piece cannot pass for a heading, and before a right piece
    that holds a clause mark (a short tail without one could be a heading, and repair leaves
    it alone)."""
    points = []
    last_mark = max(paragraph.rfind(m) for m in "，。；！？、")
    for i in range(MIN_LEFT, min(len(paragraph) - 2, last_mark)):
        before, after = paragraph[i - 1], paragraph[i]
        if regex.match(r"\p{Han}", before) and regex.match(r"\p{Han}", after) and before != after \
                and paragraph[i:i + 2] not in ("一是", "二是", "三是", "四是", "五是"):
            points.append(i)
    return points


def damage(paragraphs: list[str], kind: str, rng: random.Random) -> str:
    """The text of ``paragraphs`` (separated by blank lines) with one damage of ``kind``."""
    paras = list(paragraphs)
    if kind == "hard_wrap":  # a width shows only in three full lines or more
        width = rng.randint(16, 40)
        while sum(len(p) // width for p in paras) < 3 and width > 8:
            width -= 1
        if sum(len(p) // width for p in paras) < 3:
            return "\n\n".join(paras)
        return "\n\n".join("\n".join(p[i:i + width] for i in range(0, len(p), width)) for p in paras)
    if kind == "repeated_block":
        start = rng.randrange(len(paras))
        run = paras[start:start + rng.randint(1, 3)]
        if sum(map(len, run)) < 20:
            return "\n\n".join(paras)
        end = start + len(run)
        return "\n\n".join(paras[:end] + run + paras[end:])
    candidates = [(k, i) for k, p in enumerate(paras) if k > 0 for i in seams(p)
                  if kind != "page_break_repeated_char" or p[i - 1] * 2 not in REDUPLICATIONS and p[i - 1] != p[i]]
    if not candidates:
        return "\n\n".join(paras)
    k, i = rng.choice(candidates)
    left, right = paras[k][:i], paras[k][i:]
    if kind == "page_break_repeated_char":
        right = left[-1] + right
    middle = "\n\n" + FURNITURE[rng.randrange(len(FURNITURE))].format(n=rng.randint(1, 24)) + "\n\n" \
        if kind == "furniture" else "\n\n"
    return "\n\n".join(paras[:k] + [left + middle + right] + paras[k + 1:])
