"""How the reader is trained (evals/reader/): which questions it may learn from, what its loss
rewards and how its batches keep a question's sentences together. Tiny synthetic inputs."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from assistant.documents.corpus import lead_title
from evals.external.convert import tatqa_picked, tatqa_report
from evals.reader import data, train


def _pair(qid: str, sentence: str, label: int, kind: str = "negative") -> data.Pair:
    return data.Pair(qid, "a", "Who won the prize?", sentence, "A title", label, kind)


def test_the_loss_rewards_ranking_the_answer_first_and_none_for_an_unanswerable_question() -> None:
    qids, labels = ["q1", "q1", "q1", "q2", "q2"], [0, 1, 0, 0, 0]  # q2: unanswerable
    right = train.loss_of(torch.tensor([-2.0, 2.0, -2.0, -2.0, -2.0]), labels, qids)
    wrong_first = train.loss_of(torch.tensor([2.5, 2.0, -2.0, -2.0, -2.0]), labels, qids)
    answers_q2 = train.loss_of(torch.tensor([-2.0, 2.0, -2.0, 2.0, -2.0]), labels, qids)
    assert right < wrong_first and right < answers_q2
    # The listwise term is per question: the same scores read as one question of five
    # sentences (q2's now competing with q1's answer) give another loss.
    x = torch.tensor([-2.0, 2.0, -2.0, -2.0, -2.0])
    assert not torch.isclose(train.loss_of(x, labels, qids), train.loss_of(x, labels, ["q1"] * 5))


def test_batches_hold_whole_questions_and_every_pair_once() -> None:
    pairs = [_pair(f"q{q}", f"Sentence {i} of question {q}.", int(i == 0)) for q in range(40) for i in range(q % 5 + 1)]

    class Tok:  # lengths are all the batching needs
        def encode(self, a: str, b: str) -> object:
            return type("E", (), {"ids": (a + b).split()})()

    plan = train.batches(pairs, Tok(), random.Random(1))
    flat = [i for b in plan for i in b]
    assert sorted(flat) == list(range(len(pairs)))
    for b in plan:
        qids = [pairs[i].qid for i in b]
        for q in set(qids):  # a question's pairs are together and consecutive
            where = [k for k, x in enumerate(qids) if x == q]
            assert where == list(range(where[0], where[0] + len(where)))
            assert len(where) == sum(p.qid == q for p in pairs)
    assert sum(len(b) < train.BATCH for b in plan) <= 1  # one bucket: only its last batch may be short


def _context(uid: str, text: str, questions: list[dict]) -> dict:
    return {"table": {"uid": uid, "table": [["", "2019"], ["Revenue", "5"]]},
            "paragraphs": [{"uid": uid + "p", "order": 1, "text": text}], "questions": questions}


def _question(uid: str, question: str, answer: str, source: str = "text") -> dict:
    return {"uid": uid, "question": question, "answer": [answer], "answer_type": "span", "answer_from": source}


def test_the_tatqa_reader_part_never_holds_a_report_the_dev_suite_asks(tmp_path, monkeypatch) -> None:
    text = ("Revenue rose because of the Alpha product line. The chief executive is Dana Smith. "
            "Costs fell in Europe. Costs fell in Europe again in the second half.")
    contexts = [_context(f"ctx{i:03d}", text, [
        _question(f"ctx{i:03d}-who", "Who is the chief executive?", "Dana Smith"),
        _question(f"ctx{i:03d}-why", "Why did revenue rise?", "the Alpha product line"),
        _question(f"ctx{i:03d}-where", "Where did costs fall?", "Europe"),  # in two sentences: left out
    ]) for i in range(200)]
    path = tmp_path / "tatqa_dataset_dev.json"
    path.write_text(json.dumps(contexts), encoding="utf-8")
    monkeypatch.setattr(data, "TATQA", path)
    from assistant.language.attribution import parser

    pairs = data.tatqa(parser(), random.Random(data.SEED))
    asked = {ctx["table"]["uid"] for ctx, _ in tatqa_picked(contexts, "dev")}
    assert asked  # the dev suite asks some of these reports...
    used = {p.qid.rsplit("-", 1)[0] for p in pairs}
    assert used and not used & asked  # ...never trained on
    assert not any(p.qid.endswith("-where") for p in pairs)
    positives = {(p.qid, p.sentence) for p in pairs if p.label}
    assert all(("Dana Smith" in s) == q.endswith("-who") for q, s in positives)
    assert {p.title for p in pairs} == {lead_title(tatqa_report(contexts[0]))}  # the title the product shows


@pytest.mark.parametrize("label", ["PERSON", "DATE"])
def test_a_swapped_question_names_something_its_sentence_does_not(label: str) -> None:
    sentence = "Maria Lopez won the Zorgon prize in 2019."
    ents = [("Maria Lopez", "PERSON"), ("2019", "DATE")]
    inventory = {"PERSON": ["Anna Berg", "Maria Lopez"], "DATE": ["2017", "2019"]}
    swapped = data._swap("Did Maria Lopez win the Zorgon prize in 2019?", [e for e in ents if e[1] == label],
                         inventory, sentence, random.Random(0))
    assert swapped is not None and swapped != "Did Maria Lopez win the Zorgon prize in 2019?"
    assert ("Anna Berg" in swapped) == (label == "PERSON") and ("2017" in swapped) == (label == "DATE")


def test_validation_counts_what_the_misses_are() -> None:
    qs = [[_pair("q1", "The cat sat.", 0), _pair("q1", "Maria Lopez won the prize.", 1), _pair("q1", "Rain.", 0)],
          [_pair("q2", "Maria Lopez won the prize.", 1), _pair("q2", "Sun.", 0), _pair("q2", "Who won it?", 0)],
          [_pair("q3", "Maria Lopez won the prize.", 1), _pair("q3", "Sun.", 0)],
          [_pair("q4", "Nothing here.", 0), _pair("q4", "Nor here.", 0)]]
    logits = [np.array([3.0, 2.0, -1.0]),  # missed: the answer second, the sentence beside it picked
              np.array([-1.0, 0.0, 2.0]),  # missed: the answer last, two sentences away
              np.array([1.0, -1.0]), np.array([-3.0, -4.0])]
    v = train.validate(qs, logits)
    assert (v["answerable"], v["unanswerable"], v["first"]) == (3, 1, round(1 / 3, 4))
    assert (v["missed"], v["missed_answer_second"], v["missed_picked_beside"]) == (2, 1, 1)
    assert v["missed_overlap_right"] == 2  # "Maria Lopez won the prize" shares "won" with the question
