"""Rebuild samples/input/ from the seed's sections (run from the repository root).

- wuyang-gbk.txt: the 舞阳县 section, GBK-encoded (its page break repeats a character: 带 / 带动);
- linying-big5.txt: the 临颍县 section after OpenCC s2t, Big5-encoded (the four characters Big5
  lacks, such as 爲, are taken from the Taiwan standard s2tw instead);
- sections.jsonl: the other sections, one document each; 源汇区 and 召陵区 travel together so the
  repeated run and the displaced continuation between them stay in one document.
"""
import json
from pathlib import Path

import opencc

SEED = Path("seeds/000_d5c66a5eef0a8122.txt")
OUT = Path("samples/input")
HEADINGS = ["临颍县", "舞阳县", "市城乡一体化示范区", "经济技术开发区", "西城区", "郾城区", "源汇区", "召陵区"]


def sections(text: str) -> dict[str, str]:
    starts = [text.index(f"\n{h}\n") + 1 for h in HEADINGS] + [len(text)]
    return {h: text[a:b].strip("\n") + "\n" for h, a, b in zip(HEADINGS, starts, starts[1:])}


def big5_traditional(text: str) -> bytes:
    trad, taiwan = opencc.OpenCC("s2t").convert(text), opencc.OpenCC("s2tw").convert(text)
    return "".join(t if t.encode("big5", errors="ignore") else w for t, w in zip(trad, taiwan)).encode("big5")


def main() -> None:
    sec = sections(SEED.read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "wuyang-gbk.txt").write_bytes(sec["舞阳县"].encode("gbk"))
    (OUT / "linying-big5.txt").write_bytes(big5_traditional(sec["临颍县"]))
    records = [("shifanqu", sec["市城乡一体化示范区"]), ("kaifaqu", sec["经济技术开发区"]),
               ("xicheng-yancheng", sec["西城区"] + "\n" + sec["郾城区"]),
               ("yuanhui-zhaoling", sec["源汇区"] + "\n" + sec["召陵区"])]
    with open(OUT / "sections.jsonl", "w", encoding="utf-8") as f:
        for doc_id, text in records:
            f.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
