"""Normalisation throughput in MB/s on one core (the stage is per document, so it scales by core).

    python benchmarks/normalise_throughput.py

Corpora: the devset input (dense injected noise: most documents carry several kinds); a large
corpus built at run time from ../shared/corpus/news.jsonl, every article as scraped, repeated to
about 40 MB; and the same with extra noise injected (full-width digits, entities, stray and
invisible spaces in every article).  Target: at least 20 MB/s per core.
"""
from __future__ import annotations

import random

from common import best_of, read_texts, shared

from newsclean import Document, Normalise


def noisy(text: str, rng: random.Random) -> str:
    """Inject the kinds of character noise scrapers leave."""
    out = []
    for c in text:
        r = rng.random()
        if c.isdigit() and r < 0.5:
            c = chr(ord(c) + 0xFEE0)
        elif c == "“" and r < 0.5:
            c = "&ldquo;"
        elif r < 0.005:
            c += rng.choice([" ", "\u3000", "\u200b", "\u00a0"])
        out.append(c)
    return "".join(out)


def throughput(normalise: Normalise, texts: list[str]) -> float:
    size = sum(len(t.encode("utf-8")) for t in texts)
    seconds = best_of(3, lambda: [normalise.process(Document(id="", text=t)) for t in texts])
    return size / seconds / 1e6


def main() -> None:
    rng = random.Random(0)
    devset = read_texts(shared("devset/input.jsonl"))
    corpus = read_texts(shared("corpus/news.jsonl"))
    repeat = max(1, round(40e6 / sum(len(t.encode("utf-8")) for t in corpus)))
    large, noisy_large = corpus * repeat, [noisy(t, rng) for t in corpus] * repeat
    plain, t2s = Normalise.from_rules(), Normalise.from_rules(convert="t2s")
    print(f"{'corpus':<32}{'MB':>8}{'rules MB/s':>12}{'rules+t2s MB/s':>16}")
    for name, texts in [("devset input", devset), ("news corpus as scraped (large)", large),
                        ("news corpus + noise (large)", noisy_large)]:
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        print(f"{name:<32}{mb:>8.1f}{throughput(plain, texts):>12.1f}{throughput(t2s, texts):>16.1f}")


if __name__ == "__main__":
    main()
