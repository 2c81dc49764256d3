import pytest

from assistant.documents.chunking import chunk_document, paragraph_spans, sentence_spans
from assistant.documents.corpus import sha256
from assistant.records import Document

from .conftest import ART, CORPUS


def _doc(name: str) -> Document:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return Document(id=name, text=text, sha256=sha256(text))


def test_us_abbreviation_does_not_end_a_sentence():
    text = _doc(ART["000"]).text
    sents = [text[s:e] for s, e in sentence_spans(text)]
    assert any(s.endswith("auto exports to the U.S. market.") for s in sents)
    assert not any(s.endswith("U.S.") for s in sents)


def test_sentences_stay_inside_paragraphs_and_cover_them():
    text = _doc(ART["001"]).text
    paras = paragraph_spans(text)
    for s, e in sentence_spans(text):
        assert any(p0 <= s < e <= p1 for p0, p1 in paras)
        assert "\n\n" not in text[s:e]


def test_chunks_have_exact_offsets_and_respect_the_token_limit(fake_embedder):
    for name in ART.values():
        doc = _doc(name)
        chunks = chunk_document(doc, fake_embedder.count_tokens, max_tokens=40, min_tokens=10)
        assert chunks
        for c in chunks:
            assert c.n_tokens <= 40
            assert c.n_tokens == fake_embedder.count_tokens(doc.text[c.start : c.end])
        # in order, no overlap, and every word of the document is in some chunk
        for a, b in zip(chunks, chunks[1:], strict=False):
            assert a.end <= b.start
        covered = " ".join(doc.text[c.start : c.end] for c in chunks)
        assert covered.split() == doc.text.split()


def test_overlong_sentence_is_cut_at_words(fake_embedder):
    text = " ".join(f"word{i}" for i in range(300)) + "."
    doc = Document(id="x", text=text, sha256=sha256(text))
    chunks = chunk_document(doc, fake_embedder.count_tokens, max_tokens=50, min_tokens=10)
    assert len(chunks) > 1 and all(c.n_tokens <= 50 for c in chunks)
    assert all(not text[c.start].isspace() and not text[c.end - 1].isspace() for c in chunks)


@pytest.mark.model
def test_real_tokenizer_keeps_chunks_under_the_model_limit(real_index_settings):
    from assistant.core import Assistant

    chunks = Assistant.open(settings=real_index_settings).index.chunks
    assert len(chunks) and max(chunks.n_tokens) <= real_index_settings.chunk_max_tokens < 256


@pytest.mark.model
def test_page_chunks_carry_a_header_and_stay_under_the_model_limit(real_embedder):
    from assistant.documents.chunking import context_header, embedding_text

    long_line = "Consolidated Statement of Cash Flows " * 30
    text = f"Table of Contents\n3M Company and Subsidiaries {long_line}\n\n" + "Purchases of PP&E (1,577). " * 120
    page = Document(id="fb.jsonl#3M_2018_10K/p59", text=text, sha256=sha256(text), page=59, name="3M_2018_10K")
    header = context_header(page, real_embedder.count_tokens)
    assert header.startswith("3M 2018 10K, page 60: Table of Contents")  # 0-based page 59 is page 60 to people
    for c in chunk_document(page, real_embedder.count_tokens, 200, 48):
        assert real_embedder.count_tokens(embedding_text(page, c, header)) + 2 <= 256  # + [CLS], [SEP]
    article = _doc(ART["000"])
    assert context_header(article, real_embedder.count_tokens) == ""
