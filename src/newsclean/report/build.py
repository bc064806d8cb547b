"""The editors' report: one self-contained HTML file built from a run's outputs.

Every value read from the run (scraped text, ids, rule names and notes, the
counts in ``stats.json``) reaches the page through :func:`_shown`: escaped with
:func:`html.escape`, its control and bidi characters shown as escapes.  The
inline script only shows and hides what is already there, and a
Content-Security-Policy forbids any other script, every network request, a
``<base>`` and a form's submission.  What is embedded is capped (clusters,
documents) so the file opens fast, and the report says how much was left out.

>>> page = build_report([{"id": "x<script>\u202e", "text": "y", "flags": [{"kind": "empty", "paragraph": None}],
...                       "edits": [], "duplicate_of": None}], [], {"input": {"documents": "<meta>"}})
>>> "x&lt;script&gt;\\\\u202e" in page, "x<script>" in page, "<b>&lt;meta&gt;</b>" in page
(True, False, True)
"""
from __future__ import annotations

import base64
import functools
import hashlib
import heapq
import importlib.resources
import re
from collections import Counter
from html import escape
from typing import Any, Iterable, Iterator

from rapidfuzz.distance import Indel

from ..document import Edit
from ..names import PARAGRAPH_BREAK, REPAIR
from ..normalize.convert import to_simplified
from .context import EditedText
from .printable import printable

MAX_CLUSTERS = 200
MAX_MEMBERS = 8
MAX_DOCUMENTS = 200
MAX_FRAGMENTS = 500
MAX_MEMBER_CHARS = 1200
MAX_EDIT_CHARS = 240
CONTEXT = 24
#: What each part of the page means for an editor, and what to do next: one line under its heading.
MEANS = {
    "overview": "how much of the batch needs a person; the sections below list each duplicate, repair and "
                "fragment to check, duplicates first.",
    "repairs by kind": f"what page layout did to the text and how often it was undone. {PARAGRAPH_BREAK}, "
                       "the commonest, only makes what separates two paragraphs (a blank line, an indent) one "
                       "line break, and is not listed per document; pick any other kind under “repair” above "
                       "to read its repairs.",
    "rules": "the rules behind those counts, character fixes (normalise) included; a rule of the rules files "
             "that fires where it should not is switched off by enabled = false in a --rules folder.",
    "flags": "documents a person should open: truncated_start and truncated_end are the fragments below; an "
             "empty document has no text; mojibake marks bytes a wrong decoding lost, so read the source; "
             "rule_timeout is a document left unrepaired.",
    "clusters": "a document cluster is one story printed more than once: the green copy is kept and the others "
                "are marked duplicate_of it, so check only that their marked edits hold nothing to keep; a "
                "paragraph cluster is a paragraph that different stories share, and nothing is removed.",
    "repairs": "where newsclean joined, moved or removed text to undo page layout: skim each before and "
               "after, and report a wrong one by its rule.",
    "fragments": "paragraphs whose start or end was lost before newsclean read them: check them against the "
                 "source, and restore or drop them.",
}
#: Corner quotation marks (Traditional, Japanese) read as the curly ones in a copy's comparison.
_QUOTES = str.maketrans("「」『』", "“”‘’")
_CORNERS = re.compile("[「」『』]")
#: The page's Content-Security-Policy: nothing but its own style and its one script (by
#: hash); no request, no <base> to move its links, no form to submit.
POLICY = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; base-uri 'none'; "
          "form-action 'none'")


class ReportBuilder:
    """Build the page from corpus records read one at a time: counts of everything, and the
    (capped) part the page shows, so a report of any run is built in bounded memory."""

    def __init__(self) -> None:
        self.documents = self.duplicates = self.repaired = self.fragments = 0
        self.clusters: Counter = Counter()
        self._largest: list[tuple] = []  # a min-heap of the clusters shown: (rank, record)
        self.repairs: Counter = Counter()
        self.flags: Counter = Counter()
        self.rules: Counter = Counter()
        self.kinds: set[str] = set()
        self.shown: list[dict] = []
        self.fragment_rows: list[tuple[str, int, str, str, str]] = []

    def add(self, doc: dict) -> None:
        """Count one corpus record, and keep it if the page shows it."""
        self.documents += 1
        self.duplicates += bool(doc.get("duplicate_of"))
        repairs = _repairs(doc)
        self.repairs.update(e["rule"] for e in doc["edits"] if e["stage"] == REPAIR)  # paragraph_break too
        self.flags.update(f["kind"] for f in doc["flags"])
        self.rules.update(f"{e['stage']}/{e['rule']}" for e in doc["edits"])
        if repairs or doc["flags"]:
            self.repaired += 1
            self.kinds.update(e.rule for e in repairs)
            if len(self.shown) < MAX_DOCUMENTS:
                self.shown.append(doc)
        paragraphs = None  # split once, for the first fragment shown
        for flag in doc["flags"]:
            if flag["kind"].startswith("truncated") and flag.get("paragraph") is not None:
                self.fragments += 1
                if len(self.fragment_rows) < MAX_FRAGMENTS:
                    paragraphs = paragraphs or doc["text"].split("\n")
                    self.fragment_rows.append((doc["id"], flag["paragraph"], flag["kind"],
                                               paragraphs[flag["paragraph"]], flag.get("detail", "")))

    def add_cluster(self, cluster: dict) -> None:
        """Count one cluster record, and keep it if it is among the largest (the page shows
        the largest first, document clusters before paragraph clusters of a size, then in
        order)."""
        self.clusters[cluster["level"]] += 1
        rank = (len(cluster["members"]), cluster["level"] == "document", -sum(self.clusters.values()))
        if len(self._largest) < MAX_CLUSTERS:
            heapq.heappush(self._largest, (rank, cluster))
        elif rank > self._largest[0][0]:
            heapq.heapreplace(self._largest, (rank, cluster))

    def build(self, stats: dict) -> str:
        """The page, for the records added and ``stats.json``'s content."""
        ordered = [cluster for _, cluster in sorted(self._largest, key=lambda entry: entry[0], reverse=True)]
        total = sum(self.clusters.values())
        script = _asset("report.js")
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        parts = [
            "<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">",
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY.format(digest=digest)}\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>newsclean report</title><style>", _asset("report.css"), "</style></head><body>",
            f"<header><h1>newsclean report</h1><p>{self.documents} documents written · "
            f"{total} duplicate clusters · {self.repaired} documents repaired or flagged</p></header>",
            _navigation(sorted(self.kinds)),
            "<main>",
            self._overview(stats),
            _clusters(ordered, total),
            _repairs_section(self.shown, self.repaired),
            _fragments(self.fragment_rows, self.fragments),
            "</main>",
            f"<script>{script}</script></body></html>\n",
        ]
        return "".join(parts)

    def _overview(self, stats: dict) -> str:
        levels = self.clusters
        cards = [
            ("documents in", stats.get("input", {}).get("documents", self.documents)),
            ("documents out", self.documents),
            ("bad inputs", stats.get("input", {}).get("errors", 0)),
            ("duplicates marked", self.duplicates),
            ("document clusters", levels["document"]),
            ("paragraph clusters", levels["paragraph"]),
            ("fragments flagged", sum(v for k, v in self.flags.items() if k.startswith("truncated"))),
        ]
        card_html = "".join(f"<div class=\"card\">{name}<b>{_shown(value)}</b></div>" for name, value in cards)
        return (
            "<section id=\"overview\"><h2>Overview</h2>" + _means(MEANS["overview"]) +
            f"<div class=\"cards\">{card_html}</div>"
            "<h3>Repairs by kind</h3>" + _means(MEANS["repairs by kind"]) + _bar_chart(self.repairs.most_common()) +
            "<h3>Rules that fired most</h3>" + _means(MEANS["rules"]) +
            _table(["rule", "edits"], self.rules.most_common(12)) +
            "<h3>Flags</h3>" + _means(MEANS["flags"]) + _table(["flag", "documents"], sorted(self.flags.items())) +
            "</section>"
        )


def build_report(documents: Iterable[dict], clusters: Iterable[dict], stats: dict) -> str:
    """The report page for corpus records, cluster records and ``stats.json``'s content."""
    builder = ReportBuilder()
    for doc in documents:
        builder.add(doc)
    for cluster in clusters:
        builder.add_cluster(cluster)
    return builder.build(stats)


def write_report(path, documents: Iterable[dict], clusters: Iterable[dict], stats: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(build_report(documents, clusters, stats))


def _shown(value: Any) -> str:
    """A value from the run as page text: escaped, its control and bidi characters shown as escapes."""
    return escape(printable(str(value)))


def _asset(name: str) -> str:
    return importlib.resources.files("newsclean.report").joinpath(name).read_text(encoding="utf-8")


def _repairs(doc: dict) -> list[Edit]:
    """The repairs of a corpus record the page lists, made Edits (only they: most are not)."""
    return [Edit.from_json(e) for e in doc["edits"] if e["stage"] == REPAIR and e["rule"] != PARAGRAPH_BREAK]


def _is_repair(edit: Edit) -> bool:
    """A repair the page lists (paragraph separators are normalised on every document)."""
    return edit.stage == REPAIR and edit.rule != PARAGRAPH_BREAK


def _means(line: str) -> str:
    return f"<p class=\"means\"><b>What this means:</b> {escape(line)}</p>"


def _navigation(kinds: list[str]) -> str:
    options = "".join(f"<option value=\"{_shown(k)}\">{_shown(k)}</option>" for k in kinds)
    return (
        "<nav><label>id <input id=\"q\" type=\"search\" placeholder=\"document id\"></label>"
        f"<label>repair <select id=\"kind\"><option value=\"\">all kinds</option>{options}</select></label>"
        "<label>cluster size ≥ <input id=\"size\" type=\"number\" min=\"0\" value=\"0\" style=\"width:5em\"></label>"
        "<a href=\"#overview\">overview</a><a href=\"#clusters\">duplicates</a><a href=\"#repairs\">repairs</a>"
        "<a href=\"#fragments\">fragments</a></nav>"
    )


def _bar_chart(items: list[tuple[str, int]]) -> str:
    """A horizontal bar chart drawn inline as SVG."""
    if not items:
        return "<p class=\"note\">No repairs.</p>"
    top = max(v for _, v in items)
    row, label, width = 22, 210, 420
    bars = []
    for i, (name, value) in enumerate(items):
        y = i * row
        bars.append(f"<text x=\"0\" y=\"{y + 15}\">{_shown(name)}</text>"
                    f"<rect x=\"{label}\" y=\"{y + 4}\" width=\"{max(1, round(width * value / top))}\" "
                    f"height=\"14\" fill=\"#4a6fa5\"></rect>"
                    f"<text x=\"{label + round(width * value / top) + 6}\" y=\"{y + 15}\">{value}</text>")
    return (f"<svg role=\"img\" aria-label=\"repairs by kind\" width=\"{label + width + 60}\" "
            f"height=\"{row * len(items)}\">{''.join(bars)}</svg>")


def _table(header: list[str], rows: list[tuple[Any, Any]]) -> str:
    if not rows:
        return "<p class=\"note\">None.</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(f"<tr><td>{_shown(a)}</td><td class=\"n\">{_shown(b)}</td></tr>" for a, b in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _clusters(shown: list[dict], total: int) -> str:
    parts = [f"<section id=\"clusters\"><h2>Duplicate clusters</h2>{_means(MEANS['clusters'])}"
             "<p class=\"note\">Largest first. "
             f"Showing <span id=\"shown-cluster\">{len(shown)}</span> of {total} clusters"
             f"{' (capped at %d)' % MAX_CLUSTERS if total > MAX_CLUSTERS else ''}. "
             "Differences from the kept copy are highlighted, compared as the clustering compares them: in "
             "Simplified script, so a Traditional copy shows only its real edits, and then follows as printed, "
             "in its own script.</p>"]
    for cluster in shown:
        members = cluster["members"]
        kept_id, kept_paragraph = cluster["kept"]["id"], cluster["kept"].get("paragraph")
        kept = next(m for m in members if m["id"] == kept_id and m.get("paragraph") == kept_paragraph)
        ids = " ".join(m["id"] for m in members)
        hidden = len(members) - MAX_MEMBERS
        members = [kept] + [m for m in members if m is not kept][:MAX_MEMBERS - 1]
        parts.append(
            f"<article class=\"cluster\" data-filter=\"cluster\" data-ids=\"{_shown(ids)}\" "
            f"data-size=\"{len(cluster['members'])}\" data-level=\"{_shown(cluster['level'])}\">"
            f"<h3>{_shown(cluster['cluster'])} · {_shown(cluster['level'])} level · {len(cluster['members'])} copies · "
            f"similarity ≥ {cluster['similarity']:.2f} · kept: {_shown(kept_id)} "
            f"<span class=\"note\">(rule: {_shown(cluster['keep_rule'])})</span></h3><div class=\"members\">")
        for m in members:
            is_kept, printed = m is kept, ""
            where = f" ¶{m['paragraph']}" if m.get("paragraph") is not None else ""
            badge = (f"<span class=\"badge kept\">kept · {_shown(cluster['keep_rule'])}</span>" if is_kept
                     else f"<span class=\"badge\">{m.get('similarity', 1.0):.2f}</span>")
            if m.get("archived"):
                seen = m["archived"]
                badge += f"<span class=\"badge archived\">archived · first seen {_shown(seen['first_seen'])}</span>"
                text = f"<span class=\"note\">from an earlier batch: {_shown(seen['source'])}</span>"
            elif is_kept or kept.get("archived"):
                text = _shown(m["text"][:MAX_MEMBER_CHARS])
            else:
                text, printed = _difference(kept["text"], m["text"])
            more = "…" if len(m["text"]) > MAX_MEMBER_CHARS else ""
            if printed:
                printed = (f"<details class=\"printed\" open><summary>as printed, in its own script</summary>"
                           f"<div class=\"text\">{printed}{more}</div></details>")
            parts.append(f"<div class=\"member{' kept' if is_kept else ''}\"><div>{badge}"
                         f"<b>{_shown(m['id'])}</b>{_shown(where)}</div><div class=\"text\">{text}{more}</div>"
                         f"{printed}</div>")
        more = f"<p class=\"note\">and {hidden} more copies: {_shown(ids)}</p>" if hidden > 0 else ""
        parts.append(f"</div>{more}</article>")
    parts.append("</section>")
    return "".join(parts)


def _difference(kept: str, other: str) -> tuple[str, str]:
    """``other`` against ``kept``, aligned on what the comparison key sees of each character
    (:func:`_folded`): what ``other`` lacks struck out, what it adds highlighted, in Simplified
    script, so a Traditional copy of a Simplified story shows only its real edits.  Second, when
    the copy is not all in Simplified script, the copy as printed, with the same edits marked
    (else "").  All of it is escaped.  The alignment is the longest common subsequence,
    as difflib's, computed by rapidfuzz in C++ (about a hundred times faster on long copies)."""
    a, b = kept[:MAX_MEMBER_CHARS], other[:MAX_MEMBER_CHARS]
    (a_shown, a_key), (b_shown, b_key) = _folded(a), _folded(b)
    views = [(a_shown, b_shown)] + ([(a, b)] if b_shown != b else [])  # compared; as printed
    out: list[list[str]] = [[] for _ in views]
    for tag, (i, j), (k, m) in _aligned(Indel.opcodes(a_key, b_key)):
        for (kept_text, copy_text), html in zip(views, out):
            if tag == "equal":
                html.append(_shown(copy_text[k:m]))
            elif tag == "delete":
                html.append(f"<del>{_shown(kept_text[i:j])}</del>")
            else:
                html.append(f"<ins>{_shown(copy_text[k:m])}</ins>")
    return "".join(out[0]), "".join(out[1]) if len(out) > 1 else ""


def _aligned(opcodes) -> Iterator[tuple[str, tuple[int, int], tuple[int, int]]]:
    """The changes between equal runs, each as what went (``delete``) then what came (``insert``)."""
    removed = added = None
    for op in [*opcodes, None]:
        if op is None or op.tag == "equal":
            if removed:
                yield "delete", removed, (0, 0)
            if added:
                yield "insert", (0, 0), added
            removed = added = None
            if op is not None:
                yield "equal", (op.src_start, op.src_end), (op.dest_start, op.dest_end)
        elif op.tag == "delete":
            removed = (removed[0] if removed else op.src_start, op.src_end)
        else:
            added = (added[0] if added else op.dest_start, op.dest_end)


@functools.lru_cache(maxsize=4)  # the kept copy, against each of its cluster's copies
def _folded(text: str) -> tuple[str, str]:
    """``text`` in Simplified script (OpenCC t2s, as the comparison key reads it: phrase by
    phrase where that keeps the length, else character by character, so that each character
    keeps its place), and what is compared of it: that, with 「」『』 read as “”‘’.

    The key's other folds are left out: the normalise rules already make every copy's letters
    and digits half-width, and its punctuation and spaces are text a reader sees."""
    shown = to_simplified(text)
    if len(shown) != len(text):
        shown = "".join(to_simplified(c) or c for c in text)
    if len(shown) != len(text):
        shown = text  # a character that converts to more or fewer: compare as written
    return shown, shown.translate(_QUOTES) if _CORNERS.search(shown) else shown


def _repairs_section(shown: list[dict], total: int) -> str:
    parts = [f"<section id=\"repairs\"><h2>Repairs per document</h2>{_means(MEANS['repairs'])}"
             "<p class=\"note\">Showing "
             f"<span id=\"shown-doc\">{len(shown)}</span> of {total} documents with repairs or flags"
             f"{' (capped at %d)' % MAX_DOCUMENTS if total > MAX_DOCUMENTS else ''}. "
             "Each repair shows the text around it before (removed text struck out) and after "
             "(inserted text highlighted); ⏎ is a line break.</p>"]
    for doc in shown:
        repairs = _repairs(doc)
        kinds = " ".join(sorted({e.rule for e in repairs} | {f["kind"] for f in doc["flags"]}))
        normalised = Counter(e["rule"] for e in doc["edits"] if e["stage"] != REPAIR)
        flags = "".join(f"<span class=\"badge flag\">{_shown(f['kind'])}"
                        f"{' ¶' + _shown(f['paragraph']) if f.get('paragraph') is not None else ''}</span>"
                        for f in doc["flags"])
        parts.append(f"<article class=\"doc\" data-filter=\"doc\" data-ids=\"{_shown(doc['id'])}\" "
                     f"data-kinds=\"{_shown(kinds)}\"><h3>{_shown(doc['id'])} {flags}</h3>")
        if normalised:
            summary = ", ".join(f"{_shown(r)} ×{n}" for r, n in sorted(normalised.items()))
            parts.append(f"<p class=\"note\">character fixes: {summary}</p>")
        if repairs:
            parts.append("<ol class=\"edits\">")
            parts.extend(_edit_items(doc))
            parts.append("</ol>")
        parts.append("</article>")
    parts.append("</section>")
    return "".join(parts)


def _edit_items(doc: dict) -> list[str]:
    """Each repair with the text around it as it stood."""
    edits = [Edit.from_json(e) for e in doc["edits"]]
    try:
        shown = EditedText(doc["text"]).contexts(edits, CONTEXT, wanted=_is_repair)
    except ValueError as err:
        raise ValueError(f"document {doc['id']!r}: {err}") from None
    items = []
    for e, left, right in shown:
        old = _visible(left) + f"<del>{_visible(e.before)}</del>" + _visible(right)
        new = _visible(left) + f"<ins>{_visible(e.after)}</ins>" + _visible(right)
        note = f" <span class=\"note\">{_shown(e.note)}</span>" if e.note else ""
        items.append(f"<li data-kind=\"{_shown(e.rule)}\"><span class=\"badge\">{_shown(e.rule)}</span>"
                     f"at {e.at}{note}<span class=\"ctx\"><span class=\"label\">before</span>{old}</span>"
                     f"<span class=\"ctx\"><span class=\"label\">after</span>{new}</span></li>")
    return items


def _visible(text: str) -> str:
    """Shown (escaped), line breaks marked, long spans (a removed block) shortened in the middle."""
    if len(text) > MAX_EDIT_CHARS:
        half = MAX_EDIT_CHARS // 2
        text = f"{text[:half]} … [{len(text) - 2 * half} characters] … {text[-half:]}"
    return _shown(text.replace("\n", "⏎"))


def _fragments(rows: list[tuple[str, int, str, str, str]], total: int) -> str:
    parts = [f"<section id=\"fragments\"><h2>Fragments to review</h2>{_means(MEANS['fragments'])}"
             f"<p class=\"note\">Paragraphs that start or "
             f"end mid-sentence with nothing to attach to, or whose lost start a copy shows: {total}"
             f"{', showing %d' % MAX_FRAGMENTS if total > MAX_FRAGMENTS else ''}.</p>"
             "<table class=\"fragments\"><tr><th>document</th><th>¶</th><th>flag</th><th>text</th>"
             "<th>evidence</th></tr>"]
    for doc_id, paragraph_number, kind, paragraph, detail in rows:
        excerpt = paragraph if len(paragraph) <= 120 else paragraph[:50] + " … " + paragraph[-50:]
        parts.append(f"<tr data-filter=\"fragment\" data-ids=\"{_shown(doc_id)}\" "
                     f"data-kinds=\"{_shown(kind)}\"><td>{_shown(doc_id)}</td><td class=\"n\">"
                     f"{_shown(paragraph_number)}</td><td>{_shown(kind)}</td><td class=\"text\">{_shown(excerpt)}</td>"
                     f"<td>{_shown(detail)}</td></tr>")
    parts.append("</table></section>")
    return "".join(parts)
