import json
import time

import pytest

from assistant.documents.corpus import SYMLINK_DIR, SYMLINK_OUT, load_corpus
from assistant.errors import CorpusError

from .docfactory import make_zip_bomb_docx


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


def test_symlinks_never_lead_out_of_the_corpus(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("root:x:0:0:root:/root:/bin/bash", encoding="utf-8")
    (corpus / "good.txt").write_text("Japan exported 1.99 million cars.", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to(outside / "secret.txt")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    (corpus / "alias.txt").symlink_to(corpus / "good.txt")  # inside the corpus: read like the file
    docs, skipped = load_corpus(corpus)
    assert sorted(d.id for d in docs) == ["alias.txt", "good.txt"]
    assert all("root:x" not in d.text for d in docs)
    assert {s.path: s.reason for s in skipped} == {"passwd.txt": SYMLINK_OUT, "elsewhere": SYMLINK_DIR}


def test_zip_bomb_is_refused_by_name_within_seconds_and_the_rest_loads(tmp_path):
    make_zip_bomb_docx(tmp_path / "bomb.docx", inflated_mb=300)
    assert (tmp_path / "bomb.docx").stat().st_size < 2 * 2**20
    (tmp_path / "good.txt").write_text("Japan exported 1.99 million cars.", encoding="utf-8")
    t0 = time.perf_counter()
    docs, skipped = load_corpus(tmp_path)
    assert time.perf_counter() - t0 < 10
    assert [d.id for d in docs] == ["good.txt"]
    (bomb,) = skipped
    assert bomb.path == "bomb.docx" and "zip bomb" in bomb.reason and "limit 200 MB" in bomb.reason
