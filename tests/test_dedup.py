"""Near-duplicate detection: thresholds, scripts, short texts, determinism, datasketch round trips."""
import json
import pickle
from unittest import mock

import numpy as np
import opencc
import pytest
from click.testing import CliRunner
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsclean.cli import main
from newsclean.dedup import DedupOptions, Deduplicator, Fingerprinter, comparison_key, shingle_hash
from newsclean.dedup import fingerprint
from newsclean.dedup.cluster import UnionFind
from newsclean.dedup.fingerprint import permutations
from newsclean.dedup.prints import Prints, PrintTable
from newsclean.document import Document
from conftest import SAMPLES, read_jsonl

GOLDEN = (SAMPLES / "expected" / "seed.txt").read_text(encoding="utf-8").split("\n")
LONG = [p for p in GOLDEN if len(p) > 150]
S2T = opencc.OpenCC("s2t")


def jaccard(a: str, b: str, n: int = 5) -> float:
    fp = Fingerprinter(n)
    sa, sb = set(fp.shingles(comparison_key(a)).tolist()), set(fp.shingles(comparison_key(b)).tolist())
    return len(sa & sb) / len(sa | sb)


def edited(text: str, every: int) -> str:
    """``text`` with every ``every``-th Han character replaced: a copy edited in many places."""
    return "".join("某" if i % every == every - 1 and "\u4e00" <= c <= "\u9fff" else c for i, c in enumerate(text))


def paragraph_pairs(docs):
    clusters = Deduplicator().run(docs)
    return {tuple(sorted(m.id for m in c.members)) for c in clusters if c.level == "paragraph"}


@pytest.mark.parametrize("every", [30, 40, 60])
def test_edited_paragraphs_above_the_threshold_are_found(every):
    original = LONG[0]
    copy = edited(original, every)
    assert jaccard(original, copy) >= 0.6
    docs = [Document(id="a", text="\n".join([original] + GOLDEN[10:16])),
            Document(id="b", text="\n".join([copy] + GOLDEN[20:27]))]
    assert paragraph_pairs(docs) == {("a", "b")}
    assert docs[1].duplicate_of is None


@pytest.mark.parametrize("every", [8, 12])
def test_paragraphs_below_the_threshold_are_not_reported(every):
    original = LONG[0]
    copy = edited(original, every)
    assert jaccard(original, copy) < 0.6
    docs = [Document(id="a", text=original), Document(id="b", text=copy)]
    assert Deduplicator().run(docs) == []


def test_copies_in_the_other_script_are_document_duplicates():
    story = "\n".join(GOLDEN[3:9])
    docs = [Document(id="simplified", text=story), Document(id="other", text="\n".join(GOLDEN[10:16])),
            Document(id="traditional", text=S2T.convert(story))]
    clusters = Deduplicator().run(docs)
    assert [(c.level, [m.id for m in c.members]) for c in clusters] == [("document", ["simplified", "traditional"])]
    assert docs[2].duplicate_of == "simplified" and docs[1].duplicate_of is None


def test_a_shared_boilerplate_paragraph_does_not_make_documents_copies():
    boiler = "请加入成为本报的月费订户，长期支持我们的工作。所有订户都可以收到我们的每周时事通讯。"
    docs = [Document(id="a", text="\n".join(GOLDEN[3:8] + [boiler])),
            Document(id="b", text="\n".join(GOLDEN[10:16] + [boiler]))]
    clusters = Deduplicator().run(docs)
    assert [(c.level, [(m.id, m.paragraph) for m in c.members]) for c in clusters] == \
        [("paragraph", [("a", 5), ("b", 6)])]
    assert docs[1].duplicate_of is None


def test_short_texts_take_the_exact_path_and_distinct_ones_never_merge():
    options = DedupOptions(min_chars=1)
    docs = [Document(id="a", text="临颍县"), Document(id="b", text="舞阳县"), Document(id="c", text="临颍县"),
            Document(id="d", text="西城区")]
    clusters = Deduplicator(options).run(docs)
    assert [[m.id for m in c.members] for c in clusters] == [["a", "c"]]
    fp = Fingerprinter()
    assert (fp.signatures(["临颍县"]) == fp.signatures(["舞阳县"])).all(), "short keys share the empty signature"


def test_repeats_inside_one_document_are_left_to_repair():
    doc = Document(id="a", text=LONG[0] + "\n" + LONG[0])
    assert Deduplicator().run([doc, Document(id="b", text=LONG[1])]) == []


def test_cluster_ids_and_kept_members_are_deterministic():
    def run(keep):
        docs = [Document(id=f"d{i}", text="\n".join(GOLDEN[3:9]) + "。" * i) for i in range(4)]
        return [c.to_json() for c in Deduplicator(DedupOptions(keep=keep)).run(docs)], docs
    first, docs = run("first")
    assert first == run("first")[0]
    assert first[0]["cluster"] == "d1" and first[0]["kept"] == {"id": "d0"}
    assert [d.duplicate_of for d in docs] == [None, "d0", "d0", "d0"]
    longest, docs = run("longest")
    assert longest[0]["kept"] == {"id": "d3"} and longest[0]["keep_rule"] == "longest"


def test_fingerprints_round_trip_as_datasketch_lean_minhash():
    fp = Fingerprinter(ngram=5, num_perm=128)
    keys = [comparison_key(p) for p in LONG[:3]]
    signatures = fp.signatures(keys)
    for key, signature in zip(keys, signatures):
        reference = MinHash(num_perm=128, seed=fp.seed, hashfunc=shingle_hash)
        reference.update_batch([key[i:i + 5] for i in range(len(key) - 4)])
        assert (reference.hashvalues == signature).all()
        lean = fp.lean(signature)
        buffer = bytearray(lean.bytesize())
        lean.serialize(buffer)
        restored = LeanMinHash.deserialize(buffer)
        assert restored == lean and restored.scheme == "affine32"
        assert pickle.loads(pickle.dumps(lean)) == lean
    copy = fp.lean(fp.signatures([comparison_key(edited(LONG[0], 40))])[0])
    lsh = MinHashLSH(threshold=0.6, num_perm=128)
    for i, signature in enumerate(signatures):
        lsh.insert(str(i), fp.lean(signature))
    assert lsh.query(copy) == ["0"]
    assert abs(fp.lean(signatures[0]).jaccard(copy) - jaccard(LONG[0], edited(LONG[0], 40))) < 0.15


def test_bulk_signatures_match_one_at_a_time():
    fp = Fingerprinter()
    keys = [comparison_key(p) for p in GOLDEN] + ["", "abc"]
    together = fp.signatures(keys)
    assert all((fp.signatures([k])[0] == row).all() for k, row in zip(keys, together))
    assert together.dtype == np.uint32


def test_fingerprint_memory_is_bounded_and_long_keys_match_datasketch():
    """Issue 16 item 3: a 1M-character paragraph peaked at 528 MB (128 x length x 4 bytes)."""
    import tracemalloc
    fp = Fingerprinter()
    text = comparison_key("".join(GOLDEN))
    huge = (text * (1_000_000 // len(text) + 1))[:1_000_000]
    tracemalloc.start()
    try:
        fp.signatures([huge])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000, f"fingerprinting 1M characters peaked at {peak / 1e6:.0f} MB"
    long_key = huge[:100_003]  # several pieces, the last one n-gram long
    reference = MinHash(num_perm=128, seed=fp.seed, hashfunc=shingle_hash)
    reference.update_batch([long_key[i:i + 5] for i in range(len(long_key) - 4)])
    assert (fp.signatures(["短", long_key, text])[1] == reference.hashvalues).all()


def datasketch_signature(key: str, n: int = 5) -> np.ndarray:
    reference = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash)
    shingles = [key[i:i + n] for i in range(len(key) - n + 1)]
    if shingles:
        reference.update_batch(shingles)
    return reference.hashvalues


ANY = st.characters(exclude_categories=())  # every code point, lone surrogates too
AROUND_NGRAM = st.text(ANY, max_size=9)
LONGER = st.text(ANY, min_size=10, max_size=60)
#: a short unit repeated (many duplicate shingles) past a block of n-grams
REPEATED = st.builds(lambda unit, length: (unit * length)[:length], st.text(ANY, min_size=1, max_size=6),
                     st.integers(fingerprint.BLOCK - 8, fingerprint.BLOCK + 8))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(AROUND_NGRAM, LONGER, REPEATED), max_size=6))
@example(["临颍县\ud800始终坚持围绕", "𠀀𠀁𠀂𠀃𠀄𠀅"])
def test_signatures_are_datasketchs_for_any_keys(keys):
    """Bit for bit, with the real block and batch sizes and with tiny ones that cut every key."""
    expected = [datasketch_signature(k) for k in keys]
    fp = Fingerprinter()
    with mock.patch.multiple(fingerprint, BLOCK=4, BATCH_CHARS=30):
        cut = fp.signatures(keys)
    for signatures in (fp.signatures(keys), cut):
        assert len(signatures) == len(keys)
        assert all((row == e).all() for row, e in zip(signatures, expected))


def test_cli_marks_and_drops_duplicates(tmp_path):
    story = "\n".join(GOLDEN[3:9])
    lines = [{"id": "a", "text": story}, {"id": "b", "text": "\n".join(GOLDEN[10:16])},
             {"id": "c", "text": S2T.convert(story)}]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    runner = CliRunner()
    runner.invoke(main, ["run", str(source), "--out", str(tmp_path / "marked"), "-q"], catch_exceptions=False)
    marked = read_jsonl(tmp_path / "marked" / "corpus.jsonl")
    assert [(d["id"], d["duplicate_of"]) for d in marked] == [("a", None), ("b", None), ("c", "a")]
    clusters = read_jsonl(tmp_path / "marked" / "duplicates.jsonl")
    assert clusters[0]["level"] == "document" and clusters[0]["members"][1]["text"].startswith("臨潁縣")
    runner.invoke(main, ["run", str(source), "--out", str(tmp_path / "dropped"), "-q", "--drop-duplicates"])
    assert [d["id"] for d in read_jsonl(tmp_path / "dropped" / "corpus.jsonl")] == ["a", "b"]


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=60))
def test_union_find_groups_match_a_naive_partition(pairs):
    forest = UnionFind()
    label = list(range(41))
    for a, b in pairs:
        forest.union(a, b)
        old, new = label[b], label[a]
        label = [new if x == old else x for x in label]
    expected = {}
    for x, root in enumerate(label):
        expected.setdefault(root, []).append(x)
    assert forest.groups() == sorted((g for g in expected.values() if len(g) > 1), key=lambda g: g[0])


@pytest.mark.parametrize("num_perm,seed", [(128, 1), (64, 7), (256, 0)])
def test_permutations_are_drawn_as_datasketch_draws_them(num_perm, seed):
    assert (permutations(num_perm, seed) == MinHash(num_perm=num_perm, seed=seed).permutations).all()


def test_a_table_of_saved_shards_reads_the_bands_and_keys_it_was_given(tmp_path):
    """Shards saved to disk (as a run's spool holds them) are read back band by band and key
    by key; the table must see exactly what it would have seen in memory, empty shards too."""
    options, shards = DedupOptions(), [GOLDEN[:12], ["短"], GOLDEN[12:30]]
    prints = [Prints.of([Document(f"s{n}d{i}", "\n".join(part[i:i + 3])) for i in range(0, len(part), 3)],
                        options) for n, part in enumerate(shards)]
    for n, p in enumerate(prints):
        (tmp_path / str(n)).mkdir()
        p.save(tmp_path / str(n))
    memory, disk = PrintTable(prints), PrintTable([Prints.load(tmp_path / str(n)) for n in range(len(prints))])
    assert disk.band_count == memory.band_count == options.bands
    for b in (0, 17, options.bands - 1):
        assert (disk.band(b) == memory.band(b)).all()
    for (first, block), (first2, block2) in zip(disk.band_blocks(), memory.band_blocks(), strict=True):
        assert first == first2 and (block == block2).all()
    assert [disk.item_key(i) for i in range(disk.items)] == [memory.item_key(i) for i in range(memory.items)]
