"""Training and validation pairs for the reader: (question, sentence) labelled "states the answer".

Built from the SQuAD 2.0 train subset in ``../shared/data/squad2-train-subset/`` (CC BY-SA 4.0)
and the TAT-QA dev questions no suite asks (CC BY 4.0; nothing generated here is committed),
deterministically (fixed seed, sorted inputs):

- positive: the sentence of the paragraph holding the answer's first character;
- negatives: the paragraph's other sentences, and every sentence of an unanswerable
  question's paragraph (SQuAD 2.0 wrote those to overlap a sentence strongly: what a reader must
  learn to refuse);
- swapped negatives: the question with one of its names, numbers or years replaced by another
  of the same kind from the same article (spaCy's entity labels), paired with the answer's
  sentence: the words still match, the question is no longer answered there;
- the same from the TAT-QA reader part (``tatqa``): financial reports, the domain of two suites.

Each sentence is read with its article's title (the product passes the document's title): the
sentence that answers often says "she" where the question names her.

Validation articles (``HELD_OUT``) are never trained on; they give all of their paragraph's
sentences per question, as the evaluation ranks them all.

    python -m evals.reader.data  # prints the counts
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.documents.chunking import sentence_spans
from assistant.documents.corpus import lead_title
from assistant.language import lexical
from evals.external.convert import SHARED, TATQA_FILES, tatqa_picked, tatqa_report

SQUAD = SHARED.parent / "data" / "squad2-train-subset" / "train-v2.0-first10.json"
TATQA = SHARED / "tat-qa" / TATQA_FILES["dev"]
# One article with unanswerable questions and one without: the validation measures refusal too.
HELD_OUT = ("Spectre_(2015_film)", "Solar_energy")
SEED = 13
SWAP_LABELS = ("PERSON", "ORG", "GPE", "NORP", "DATE", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "LOC",
               "WORK_OF_ART", "EVENT", "FAC", "ORDINAL")


@dataclass(frozen=True)
class Pair:
    qid: str  # the question's id (a swapped question: its id + "/swap")
    article: str
    question: str
    sentence: str
    title: str  # the article's, as the reader is given a document's title
    label: int  # 1: the sentence states the answer
    kind: str  # positive / negative / unanswerable / swap / other (validation: every sentence)


def articles() -> list[dict]:
    return json.loads(SQUAD.read_text(encoding="utf-8"))["data"]


def _sentences(context: str) -> list[tuple[int, int]]:
    return sentence_spans(context) or [(0, len(context))]


def _overlap(question: str, sentence: str) -> float:
    q = set(lexical.terms(question))
    return len(q & set(lexical.terms(sentence))) / len(q) if q else 0.0


def _swap(question: str, ents: list[tuple[str, str]], inventory: dict[str, list[str]], sentence: str,
          rng: random.Random) -> str | None:
    """The question with one entity replaced by another of its label from the article, absent
    from the answer's sentence; None when there is none to swap."""
    for text, label in rng.sample(ents, len(ents)):
        pool = [e for e in inventory.get(label, []) if e.lower() not in sentence.lower()
                and e.lower() != text.lower() and not set(lexical.terms(e)) & set(lexical.terms(text))]
        if pool:
            return question.replace(text, rng.choice(pool), 1)
    return None


def _pairs(qid: str, source: str, question: str, texts: list[str], gold: int, title: str,
           ents: list[tuple[str, str]], inventory: dict[str, list[str]], rng: random.Random) -> list[Pair]:
    """A training question's pairs: its answer's sentence (``gold``; -1: unanswerable) and the
    other sentences, and the question with a swapped entity against the answer's sentence."""
    if gold < 0:
        return [Pair(qid, source, question, t, title, 0, "unanswerable") for t in texts]
    out = [Pair(qid, source, question, texts[gold], title, 1, "positive")]
    out += [Pair(qid, source, question, t, title, 0, "negative") for i, t in enumerate(texts) if i != gold]
    if (swapped := _swap(question, ents, inventory, texts[gold], rng)) is not None:
        out.append(Pair(qid + "/swap", source, swapped, texts[gold], title, 0, "swap"))
    return out


def _inventory(nlp: Any, texts: list[str]) -> dict[str, list[str]]:
    """The names, numbers and years of a source's texts, by entity label."""
    inventory: dict[str, set[str]] = defaultdict(set)
    for doc in nlp.pipe(texts):
        for e in doc.ents:
            if e.label_ in SWAP_LABELS and len(e.text) > 1:
                inventory[e.label_].add(e.text)
    return {k: sorted(v) for k, v in inventory.items()}


def _entities(nlp: Any, questions: list[str]) -> list[list[tuple[str, str]]]:
    return [[(e.text, e.label_) for e in d.ents if e.label_ in SWAP_LABELS] for d in nlp.pipe(questions)]


def build() -> tuple[list[Pair], list[Pair]]:
    """(train pairs, validation pairs): SQuAD's, then the TAT-QA reader part's (training only)."""
    from assistant.language.attribution import parser

    nlp = parser()
    rng = random.Random(SEED)
    train: list[Pair] = []
    valid: list[Pair] = []
    for art in articles():
        title = art["title"]
        held = title in HELD_OUT
        shown = title.replace("_", " ")
        paragraphs = art["paragraphs"]
        inv = _inventory(nlp, [p["context"] for p in paragraphs])
        questions = [(p, qa) for p in paragraphs for qa in p["qas"]]
        q_ents = _entities(nlp, [qa["question"] for _, qa in questions])
        for (p, qa), ents in zip(questions, q_ents, strict=True):
            ctx = p["context"]
            spans = _sentences(ctx)
            texts = [ctx[a:b].strip() for a, b in spans]
            q = qa["question"].strip()
            gold = -1
            if not qa["is_impossible"]:
                start = qa["answers"][0]["answer_start"]
                gold = next((i for i, (a, b) in enumerate(spans) if a <= start < b), -1)
                if gold < 0:
                    continue
            if held:
                valid += [Pair(qa["id"], title, q, t, shown, int(i == gold), "other") for i, t in enumerate(texts)]
            else:
                train += _pairs(qa["id"], title, q, texts, gold, shown, ents, inv, rng)
    return train + tatqa(nlp, rng), valid


def tatqa(nlp: Any, rng: random.Random) -> list[Pair]:
    """The reader part of TAT-QA (CC BY 4.0): the dev file's questions answered by one span of
    its text, from the reports the dev suite never asks about (``tatqa_picked``: those are what
    ``make calibrate`` fits on; the test suite comes from another file). A question whose answer
    is in no sentence, or in several, is left out. Each report's sentences are read with the
    title the product gives it (``lead_title``)."""
    contexts = json.loads(TATQA.read_text(encoding="utf-8"))
    asked = {ctx["table"]["uid"] for ctx, _ in tatqa_picked(contexts, "dev")}
    out: list[Pair] = []
    for ctx in contexts:
        if ctx["table"]["uid"] in asked:
            continue
        texts = [p["text"][a:b].strip() for p in sorted(ctx["paragraphs"], key=lambda p: p["order"])
                 for a, b in _sentences(p["text"])]
        qs = [q for q in ctx["questions"] if q["answer_type"] == "span" and q["answer_from"] in ("text", "table-text")]
        if not qs:
            continue
        title = lead_title(tatqa_report(ctx))
        inv = _inventory(nlp, texts)
        for q, ents in zip(qs, _entities(nlp, [q["question"] for q in qs]), strict=True):
            answer = str(q["answer"][0] if isinstance(q["answer"], list) else q["answer"]).strip().lower()
            hits = [i for i, t in enumerate(texts) if answer and answer in t.lower()]
            if len(hits) == 1:
                out += _pairs(q["uid"], "tatqa", q["question"].strip(), texts, hits[0], title, ents, inv, rng)
    return out


def write(pairs: list[Pair], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(asdict(p)) + "\n" for p in pairs), encoding="utf-8")


def read(path: Path) -> list[Pair]:
    return [Pair(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]


if __name__ == "__main__":
    tr, va = build()
    counts: dict[str, int] = defaultdict(int)
    for x in tr:
        counts[x.kind] += 1
    print(f"train {len(tr)} pairs {dict(counts)}; validation {len(va)} pairs "
          f"({len({x.qid for x in va})} questions, {sum(x.label for x in va)} positive)")
    print("swap examples:", *[f"  {x.question}" for x in tr if x.kind == "swap"][:5], sep="\n")

