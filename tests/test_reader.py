"""The shipped reader (assistant/models/): the file its card names, reading word order and
entities rather than word overlap, and the same scores from many threads at once."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from assistant.answering.reader import MODEL_DIR, READER_FILE, Reader, sha256, shared_reader


def test_the_shipped_reader_is_the_file_its_card_describes() -> None:
    card = (MODEL_DIR / "READER.md").read_text(encoding="utf-8")
    assert re.search(r"sha256 `([0-9a-f]{64})`", card)[1] == sha256(READER_FILE)  # type: ignore[index]
    assert "CC BY-SA 4.0" in card  # the training data's licence travels with the weights


def test_it_reads_who_did_what_not_just_shared_words() -> None:
    r = shared_reader()
    q = "In what year did Maria Lopez win the Zorgon prize?"
    right, swapped, unrelated = r.read(q, ["Maria Lopez won the Zorgon prize in 2019, after two attempts.",
                                           "Anna Berg won the Zorgon prize in 2017, after two attempts.",
                                           "Maria Lopez grew up in a small town near the coast."])
    assert right > swapped and right > unrelated and right > 0.5, (right, swapped, unrelated)


def test_a_question_longer_than_the_reader_reads_is_cut_not_an_error() -> None:
    long = "How many cars did Japan export to the United States " + "and to Europe " * 200 + "last year?"
    (p,) = shared_reader().read(long, ["Japan exported 1.82 million cars to the United States last year."], ["x" * 900])
    assert 0.0 <= p <= 1.0


def test_it_is_thread_safe_and_deterministic() -> None:
    r = Reader()
    q = "How many cars did Japan export to the United States last year?"
    sents = ["Japan exported 1.82 million cars to the United States last year.",
             "The agreement limits exports to 1.68 million cars a year.", "Sales rose in April."] * 3
    alone = r.read(q, sents)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda _: r.read(q, sents), range(8)))
    assert all(t == alone for t in together)
    assert alone[0] > alone[2]
