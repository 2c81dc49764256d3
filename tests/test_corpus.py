import json

import pytest

from assistant.corpus import load_corpus
from assistant.errors import CorpusError


def test_bad_files_are_skipped_with_reasons_and_the_rest_loads(tmp_path):
    (tmp_path / "good.txt").write_text("Japan exported 1.99 million cars.", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "latin1.md").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "stub.pdf").write_bytes(b"%PDF")
    (tmp_path / "ignored.png").write_bytes(b"\x89PNG\x00")
    docs, skipped = load_corpus(tmp_path)
    assert [d.id for d in docs] == ["good.txt"]
    reasons = {s.path: s.reason for s in skipped}
    assert set(reasons) == {"binary.txt", "latin1.md", "empty.txt", "stub.pdf"}  # a .png is not a document
    assert "named like a PDF, but the content is text" in reasons["stub.pdf"]
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.md"]
    assert "empty" in reasons["empty.txt"]


def test_empty_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="No readable"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")


def test_page_files_keep_doc_and_page(tmp_path):
    lines = [{"doc_name": "3M_2018_10K", "page": 4, "text": "Revenue was $1,577 million."},
             {"doc_name": "3M_2018_10K", "page": 5, "text": "Net income rose."}]
    (tmp_path / "fb.jsonl").write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    docs, _ = load_corpus(tmp_path)
    assert [(d.id, d.name, d.page) for d in docs] == [
        ("fb.jsonl#3M_2018_10K/p4", "3M_2018_10K", 4),
        ("fb.jsonl#3M_2018_10K/p5", "3M_2018_10K", 5),
    ]
