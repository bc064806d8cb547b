"""Every kind of input and every supported encoding reaches the corpus with the right id."""
import gzip
import io
import json

import pytest

from newsclean.io import InputError, read_inputs

TEXT = "临颍县\n\n近年来，临颍县始终坚持“围绕发展抓党建、抓好党建促发展”的理念。"
TRADITIONAL = "臨潁縣\n\n近年來，臨潁縣始終堅持“圍繞發展抓黨建、抓好黨建促發展”的理念。"


def docs(items):
    return [i for i in items if not isinstance(i, InputError)]


@pytest.mark.parametrize("encoding, data, expected", [
    ("utf-8", TEXT.encode("utf-8"), TEXT),
    ("utf-8-sig", b"\xef\xbb\xbf" + TEXT.encode("utf-8"), TEXT),
    ("gb18030", TEXT.encode("gbk"), TEXT),
    ("big5", TRADITIONAL.encode("big5"), TRADITIONAL),
    ("utf-16", TEXT.encode("utf-16"), TEXT),
])
def test_text_files_are_decoded_and_the_encoding_recorded(tmp_path, encoding, data, expected):
    (tmp_path / "doc.txt").write_bytes(data)
    [doc] = docs(read_inputs([str(tmp_path / "doc.txt")]))
    assert (doc.id, doc.text, doc.encoding) == ("doc", expected, encoding)


def test_directories_are_walked_in_sorted_order_with_relative_ids(tmp_path):
    for name in ["b/2.txt", "a.txt", "b/1.txt", "c/skip.md"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(TEXT, encoding="utf-8")
    (tmp_path / "b" / "more.jsonl").write_text(json.dumps({"id": "j1", "text": "x"}) + "\n", encoding="utf-8")
    with gzip.open(tmp_path / "z.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "g1", "text": "y"}) + "\n")
    assert [d.id for d in docs(read_inputs([str(tmp_path)]))] == ["a", "b/1", "b/2", "j1", "g1"]


def test_jsonl_fields_are_configurable_and_sources_name_the_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps({"doc": f"d{i}", "body": TEXT}) for i in range(3)) + "\n", encoding="utf-8")
    found = docs(read_inputs([str(path)], id_field="doc", text_field="body"))
    assert [(d.id, d.source) for d in found] == [(f"d{i}", f"{path}:{i + 1}") for i in range(3)]


def test_integer_ids_are_accepted_as_strings(tmp_path):
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": 7, "text": TEXT}) + "\n", encoding="utf-8")
    assert [d.id for d in docs(read_inputs([str(tmp_path / "in.jsonl")]))] == ["7"]


def test_stdin_is_read_as_jsonl():
    stream = io.BytesIO((json.dumps({"id": "s", "text": TEXT}, ensure_ascii=False) + "\n").encode("utf-8"))
    [doc] = docs(read_inputs(["-"], stdin=stream))
    assert (doc.id, doc.source, doc.text) == ("s", "<stdin>:1", TEXT)
