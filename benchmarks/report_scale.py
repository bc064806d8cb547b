"""The report and ``explain`` for one long document with many edits: seconds per size.

    python benchmarks/report_scale.py

The document is the seed text repeated to 1, 2, 4 and 8 MB (UTF-8), with an edit in every
40 characters made left to right, one in every 40 made right to left, and a tenth of the
text taken out as one block (benchmarks/edited.py).  Showing each edit in the text as it stood
costs time linear in the document and its edits, so the seconds per MB stay about the same.
Before, every edit copied the whole text: one 4 MB document spent 26.6 s of a 34 s run in
the report.
"""
from __future__ import annotations

from common import ROOT, best_of
from edited import edited

from newsclean.report import ReportBuilder, explain


def report(record: dict) -> str:
    builder = ReportBuilder()
    builder.add(record)
    return builder.build({})


def main() -> None:
    seed = (ROOT / "seeds" / "000_d5c66a5eef0a8122.txt").read_text(encoding="utf-8")
    per_character = len(seed.encode("utf-8")) / len(seed)
    print(f"{'MB':>4}{'text':>12}{'edits':>9}{'report s':>10}{'s/MB':>7}{'explain s':>11}{'s/MB':>7}")
    for mb in (1, 2, 4, 8):
        text, edits = edited(round(mb * 1e6 / per_character), every=40, seed=seed)
        record = {"id": f"{mb}MB", "text": text, "flags": [], "edits": [e.to_json() for e in edits],
                  "duplicate_of": None}
        built = best_of(3, lambda: report(record))
        explained = best_of(3, lambda: list(explain(record, color=False)))
        print(f"{mb:>4}{len(text):>12,}{len(edits):>9,}{built:>10.2f}{built / mb:>7.2f}"
              f"{explained:>11.2f}{explained / mb:>7.2f}")


if __name__ == "__main__":
    main()
