"""Near-duplicate quality on the devset for a grid of settings: how the defaults were chosen.

    python benchmarks/dedup_quality.py

The devset is normalised and repaired once (no --convert: detection must be script-blind on
its own); then each setting is scored with the devset's own scorer functions:
document pairs P/R/F1, shared paragraphs found, reported paragraph pairs that are unrelated,
and republished copies in the other script found.
"""
from __future__ import annotations

import importlib.util
import itertools
import json
from collections import defaultdict

from common import shared

from newsclean import Document, Normalise, Repair
from newsclean.dedup import DedupOptions, Deduplicator

GRID = [
    # (ngram, bands, rows, paragraph threshold, document threshold)
    (5, 32, 4, 0.6, 0.3),  # the defaults
    (3, 32, 4, 0.6, 0.3),
    (4, 32, 4, 0.6, 0.3),
    (6, 32, 4, 0.6, 0.3),
    (5, 16, 8, 0.6, 0.3),
    (5, 64, 2, 0.6, 0.3),
    (5, 32, 4, 0.5, 0.3),
    (5, 32, 4, 0.8, 0.3),
    (5, 32, 4, 0.6, 0.2),
    (5, 32, 4, 0.6, 0.4),
    (5, 32, 4, 0.6, 0.5),
]


def scorer():
    spec = importlib.util.spec_from_file_location("score", shared("devset/score.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    score = scorer()
    truth = [json.loads(line) for line in shared("devset/truth.jsonl").open(encoding="utf-8")]
    raw = {json.loads(line)["id"]: json.loads(line)["text"] for line in shared("devset/input.jsonl").open(encoding="utf-8")}
    normalise, repair = Normalise.from_rules(), Repair.from_rules()
    cleaned = [repair.process(normalise.process(Document(id=t["id"], text=raw[t["id"]]))) for t in truth]
    cluster_of = {t["id"]: t["cluster"] for t in truth}
    members = defaultdict(list)
    for t in truth:
        members[t["cluster"]].append(t["id"])
    want_docs = score.pairs(members.values())
    traditional = {t["id"] for t in truth if score.trad_chars(raw[t["id"]]) > 20}
    cross_script = {p for p in want_docs if (p[0] in traditional) != (p[1] in traditional)}
    hosts = json.load(shared("devset/clusters.json").open(encoding="utf-8"))["hosts"]
    want_paragraphs = {(a, b) for h in hosts.values() for a, b in itertools.combinations(sorted(set(h)), 2)
                       if cluster_of.get(a) != cluster_of.get(b)}
    print(f"{'n':>2} {'bands':>6} {'thr':>5} {'doc thr':>7} | {'doc P':>6} {'doc R':>6} {'doc F1':>6} | "
          f"{'shared':>8} {'unrelated':>10} | {'other script':>12}")
    for ngram, bands, rows, threshold, doc_threshold in GRID:
        docs = [Document(id=d.id, text=d.text) for d in cleaned]
        options = DedupOptions(ngram=ngram, banding=(bands, rows), threshold=threshold,
                               document_threshold=doc_threshold)
        clusters = Deduplicator(options).run(docs)
        found_docs = score.pairs([[m.id for m in c.members] for c in clusters if c.level == "document"])
        p, r, f = score.prf(found_docs, want_docs)
        found_par, bad, reported = set(), 0, 0
        for c in clusters:
            if c.level != "paragraph":
                continue
            for x, y in itertools.combinations(c.members, 2):
                if x.id == y.id:
                    continue
                reported += 1
                bad += score.jaccard(score.key(x.text), score.key(y.text)) < 0.5
                found_par.add(tuple(sorted((x.id, y.id))))
        print(f"{ngram:>2} {bands:>3}x{rows:<2} {threshold:>5} {doc_threshold:>7} | {p:>6.3f} {r:>6.3f} {f:>6.3f} | "
              f"{len(found_par & want_paragraphs):>3}/{len(want_paragraphs):<4} {bad:>4}/{reported:<5} | "
              f"{len(found_docs & cross_script):>5}/{len(cross_script):<6}")


if __name__ == "__main__":
    main()
