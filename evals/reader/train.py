"""Train the reader (``make train-reader``): fine-tune the packaged MiniLM-L6 as a cross-encoder on
the pairs of ``evals/reader/data.py``, export it to ONNX, quantise to int8, check int8 against
fp32, measure it on the held-out articles and write the model and its card to ``assistant/models/``.

Deterministic: fixed seed, one order of batches, two CPU threads. Takes about 55 minutes on a
2-core CPU (a progress bar shows the ETA). ``--steps N`` stops early (a pilot; writes nothing);
``--validate`` only measures the shipped reader.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering import reader
from assistant.indexing.embedding import export_keyword_model, onnx_runner
from assistant.settings import packaged_model_path
from evals.reader import data

CACHE = Path(__file__).resolve().parent / "cache"
SEED = 13
EPOCHS = 3
BATCH = 16
LR = 4e-5
WARMUP = 0.1
THREADS = 2
BUCKET = 160  # questions drawn together and sorted by length: little padding, order still random


def question_runs(qids: list[str]) -> list[list[int]]:
    """The indices of each question's pairs, from the pairs' question ids in order (a question's
    pairs are consecutive: ``data.build`` writes them so, and batches keep them so)."""
    return [list(run) for _, run in groupby(range(len(qids)), key=qids.__getitem__)]


def batches(pairs: list[data.Pair], tok: Any, rng: random.Random) -> list[list[int]]:
    """Index batches for one epoch: whole questions (their sentences compete in the loss) of at
    least ``BATCH`` pairs, shuffled, length-bucketed."""
    groups = question_runs([p.qid for p in pairs])
    rng.shuffle(groups)
    lengths = [len(tok.encode(p.question, reader.passage(p.sentence, p.title)).ids) for p in pairs]
    out: list[list[int]] = []
    for g in range(0, len(groups), BUCKET):
        batch: list[int] = []
        for grp in sorted(groups[g : g + BUCKET], key=lambda grp: max(lengths[i] for i in grp)):
            batch += grp
            if len(batch) >= BATCH:
                out.append(batch)
                batch = []
        out += [batch] if batch else []
    rng.shuffle(out)
    return out


def loss_of(logits: Any, labels: list[int], qids: list[str]) -> Any:
    """Binary cross-entropy of each pair, plus each question's listwise cross-entropy: its
    sentences and a "none of them" option of logit 0 compete, the answer's sentence (or "none",
    for an unanswerable or swapped question) must win. The first ranks; the second keeps the
    logit's sign meaning "states the answer", as SQuAD 2.0 readers score the null answer."""
    import torch

    target = torch.tensor([float(x) for x in labels])
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    listwise = []
    for run in question_runs(qids):
        s = torch.cat([logits[run[0] : run[-1] + 1], logits.new_zeros(1)])
        gold = next((i for i in run if labels[i]), None)
        listwise.append(torch.logsumexp(s, 0) - (logits[gold] if gold is not None else 0.0))
    return bce + torch.stack(listwise).mean()


def train(pairs: list[data.Pair], epochs: int, max_steps: int | None) -> Any:
    import torch
    from tqdm import tqdm
    from transformers import AutoModelForSequenceClassification, get_linear_schedule_with_warmup
    from transformers.utils import logging as hf_logging

    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    hf_logging.set_verbosity_error()  # "newly initialized: classifier": expected, it is what we train
    model = AutoModelForSequenceClassification.from_pretrained(packaged_model_path(), num_labels=1)
    tok = reader.tokenizer()
    rng = random.Random(SEED)
    plan = [b for _ in range(epochs) for b in batches(pairs, tok, rng)][:max_steps]
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(WARMUP * len(plan)), len(plan))
    model.train()
    bar = tqdm(plan, desc="train-reader", unit="batch", smoothing=0.05)
    ema = None
    for idx in bar:
        batch = [pairs[i] for i in idx]
        feeds = reader.feeds(tok, [(p.question, reader.passage(p.sentence, p.title)) for p in batch])
        inputs = {k: torch.from_numpy(v) for k, v in feeds.items()}
        logits = model(**inputs).logits.reshape(-1)
        loss = loss_of(logits, [p.label for p in batch], [p.qid for p in batch])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        bar.set_postfix(loss=f"{ema:.3f}")
    return model.eval()


def export(model: Any, out_dir: Path) -> Path:
    """fp32 ONNX of the classifier (its logits)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"reader-fp32.{uuid.uuid4().hex[:8]}.onnx"
    export_keyword_model(model, path, "logits", {0: "batch"})
    return path


def quantize(fp32: Path, out: Path) -> None:
    """Dynamic int8, unsigned weights and activations (U8U8): exact integer products on every x86
    CPU (U8S8 may saturate on AVX2/AVX-512 CPUs without VNNI, so answers would differ by CPU)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}")
    quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QUInt8)
    tmp.replace(out)


def auc(scores: list[float], labels: list[int]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def by_question(pairs: list[data.Pair]) -> list[list[data.Pair]]:
    return [[pairs[i] for i in run] for run in question_runs([p.qid for p in pairs])]


def score_all(score: Any, questions: list[list[data.Pair]]) -> list[np.ndarray]:
    """``score``'s logits for every sentence of every question (each question read once)."""
    return [np.asarray(score(qs[0].question, [p.sentence for p in qs], [p.title for p in qs])).reshape(-1)
            for qs in questions]


def validate(questions: list[list[data.Pair]], logits: list[np.ndarray]) -> dict[str, float]:
    """The reader's numbers on held-out articles: AUC over every (question, sentence) pair, the
    answer sentence ranked first, the same for plain word overlap, and refusal at the threshold
    that refuses at most 5% of answerable questions. Of the answerable questions it ranks wrong:
    how many rank the answer's sentence second, pick the sentence next to it (what more context
    would fix), and are ranked right by word overlap."""
    first = first_overlap = second = beside = overlap_right = 0
    best_ans: list[float] = []
    best_una: list[float] = []
    for qs, s in zip(questions, logits, strict=True):
        if any(p.label for p in qs):
            order = [int(i) for i in np.argsort(-s, kind="stable")]
            gold = next(i for i, p in enumerate(qs) if p.label)
            by_overlap = qs[int(np.argmax([data._overlap(qs[0].question, p.sentence) for p in qs]))].label
            first += order[0] == gold
            first_overlap += by_overlap
            if order[0] != gold:
                second += order[1] == gold
                beside += abs(order[0] - gold) == 1
                overlap_right += by_overlap
            best_ans.append(float(s.max()))
        else:
            best_una.append(float(s.max()))
    t = float(np.quantile(best_ans, 0.05))
    labels = [p.label for qs in questions for p in qs]
    return {"questions": len(questions), "answerable": len(best_ans), "unanswerable": len(best_una),
            "auc": round(auc(list(np.concatenate(logits)), labels), 4), "first": round(first / len(best_ans), 4),
            "first_overlap": round(first_overlap / len(best_ans), 4),
            "threshold_5pct": round(t, 4),
            "unanswerable_refused": round(sum(b < t for b in best_una) / max(len(best_una), 1), 4),
            "missed": len(best_ans) - first, "missed_answer_second": second, "missed_picked_beside": beside,
            "missed_overlap_right": overlap_right}


def agreement(fp32: list[np.ndarray], int8: list[np.ndarray]) -> dict[str, float]:
    """int8 against fp32: correlation of the logits, the same sentence first, largest probability gap."""
    zf, zq = np.concatenate(fp32), np.concatenate(int8)
    top = sum(int(np.argmax(a) == np.argmax(b)) for a, b in zip(fp32, int8, strict=True))

    def sig(z: np.ndarray) -> np.ndarray:
        return np.asarray(1 / (1 + np.exp(-z)))

    return {"r": round(float(np.corrcoef(zf, zq)[0, 1]), 4), "top1": round(top / len(fp32), 4),
            "max_dp": round(float(np.max(np.abs(sig(zf) - sig(zq)))), 4)}


CARD = """# Reader: MiniLM-L6 cross-encoder, int8 ONNX

`{file}` (sha256 `{sha}`, {size:.1f} MB) scores a (question, sentence) pair: the logit of "this
sentence states the answer to this question". Loaded by `assistant/answering/reader.py` (onnxruntime).

- **Base**: `sentence-transformers/all-MiniLM-L6-v2` (Apache-2.0), the packaged embedding model,
  with a fresh one-logit classification head.
- **Data**: the first 10 articles of SQuAD 2.0 train (Rajpurkar, Jia, Liang, "Know What You Don't
  Know: Unanswerable Questions for SQuAD", ACL 2018; CC BY-SA 4.0), from
  `../shared/data/squad2-train-subset/`, 8 of its articles; and the TAT-QA dev questions no suite
  asks (Zhu et al., "TAT-QA: A Question Answering Benchmark on a Hybrid of Tabular and Textual
  Content in Finance", ACL 2021; CC BY 4.0), from `../shared/benchmarks/tat-qa/`: {train}
  training pairs ({kinds}), built by `evals/reader/data.py`. This model is derived from
  CC BY-SA 4.0 data: share it under the same terms, with these attributions.
- **Training**: `make train-reader` ({epochs} epochs; batches of whole questions, at least {batch}
  pairs; loss: each pair's binary cross-entropy plus each question's listwise cross-entropy over
  its sentences and a "none" option of logit 0; AdamW lr {lr}, {warmup:.0%} warm-up,
  seed {seed}, {threads} CPU threads, {minutes:.0f} minutes on this machine, {date}).
- **Export**: ONNX opset 17 (all-ones dummy attention mask), dynamic int8 quantisation, U8U8.

## Validation (held-out articles: {held})

| | int8 (shipped) | fp32 | word overlap |
|---|---|---|---|
| AUC, every (question, sentence) pair | {q[auc]} | {f[auc]} | |
| answer sentence ranked first | {q[first]} | {f[first]} | {q[first_overlap]} |
| unanswerable refused (threshold refusing 5% of answerable) | {q[unanswerable_refused]} | {f[unanswerable_refused]} | |

{q[questions]} questions ({q[answerable]} answerable, {q[unanswerable]} unanswerable).
int8 vs fp32: Pearson r of the logits {agree[r]}, the same sentence ranked first for {agree[top1]} of
the questions, largest probability difference {agree[max_dp]}.

Validation runs the same code as training (`evals/reader/train.py`); the pairs are rebuilt by
`python -m evals.reader.data` (counts printed). Whether answers use the reader is decided on the
dev ablation of `make calibrate` (`SHIP_READER` in `evals/calibrate.py`); `make eval-external`
reports both fits (`evals/external/RESULTS.md`).
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=None, help="stop after N batches (a pilot: writes no model)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--validate", action="store_true", help="only measure the shipped reader on the held-out articles")
    args = ap.parse_args()
    t0 = time.time()
    train_pairs, valid = data.build()
    if args.validate:
        questions = by_question(valid)
        print(json.dumps(validate(questions, score_all(reader.Reader().logits, questions)), indent=1))
        return
    kinds: dict[str, int] = {}
    for p in train_pairs:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    print(f"train-reader: {len(train_pairs)} training pairs {kinds}, {len(valid)} validation pairs")
    t1 = time.time()
    model = train(train_pairs, args.epochs, args.steps)
    minutes = (time.time() - t1) / 60
    fp32 = export(model, CACHE)
    if args.steps:
        print(f"pilot: {args.steps} batches in {minutes:.1f} min; nothing written")
    out = reader.READER_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    target = CACHE / "pilot-int8.onnx" if args.steps else out
    quantize(fp32, target)
    f_run = onnx_runner(fp32, "onnxruntime")
    tok = reader.tokenizer()

    def f_score(q: str, sents: list[str], titles: list[str]) -> np.ndarray:
        pairs = [(q, reader.passage(s, t)) for s, t in zip(sents, titles, strict=True)]
        return np.asarray(f_run(reader.feeds(tok, pairs)))

    questions = by_question(valid)
    zf, zq = score_all(f_score, questions), score_all(reader.Reader(target).logits, questions)
    f, q, agree = validate(questions, zf), validate(questions, zq), agreement(zf, zq)
    print(json.dumps({"fp32": f, "int8": q, "agreement": agree}, indent=1))
    if args.steps:
        return
    card = CARD.format(file=out.name, sha=reader.sha256(out), size=out.stat().st_size / 1e6, train=len(train_pairs),
                       kinds=", ".join(f"{v} {k}" for k, v in kinds.items()), epochs=args.epochs, batch=BATCH,
                       lr=LR, warmup=WARMUP, seed=SEED, threads=THREADS, minutes=minutes, date=date.today(),
                       held=", ".join(data.HELD_OUT), q=q, f=f, agree=agree)
    (out.parent / "READER.md").write_text(card, encoding="utf-8")
    (CACHE / "validation.json").write_text(json.dumps({"fp32": f, "int8": q, "agreement": agree}, indent=1))
    print(f"train-reader: wrote {out} and {out.parent / 'READER.md'} in {(time.time() - t0) / 60:.0f} min")


if __name__ == "__main__":
    main()
