"""The context every external number is read against: "BM25 best sentence".

Retrieve with BM25 alone, quote the single sentence of the retrieved passages that covers the
most of the question's words (IDF-weighted), and never refuse or flag a conflict. It uses the
same index and the same notion of a term as the assistant, and none of its tuned parts.

``NearestName`` is the keyword baseline for "who said" questions: the best sentence under BM25
over sentences, and the nearest name before its reporting verb (else the nearest after it, else
the last name of the sentences before), named first, then the sentence.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from assistant.answering.conversation import Turn, answered, begin
from assistant.answering.retrieval import HybridRetriever
from assistant.core import Assistant
from assistant.language import lexical
from assistant.language.attribution import CUE
from assistant.language.entities import names
from assistant.records import Answer, Citation, Claim


class BM25BestSentence:
    def __init__(self, bot: Assistant, k: int = 8) -> None:
        self.index = bot.index
        self.retriever = HybridRetriever(bot.index, bot.embedder, mode="lexical")
        self.k = k

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Turn:
        """The turn answered with the one best-covering sentence (history is not used)."""
        return answered(begin(question, history), self.answer(question))

    def answer(self, question: str) -> Answer:
        t0 = time.perf_counter()
        hits = self.retriever.retrieve(question, self.k)
        q = set(lexical.terms(question))
        idf = self.index.idf
        total = sum(idf(t) for t in sorted(q)) or 1.0  # summed in one order: the same floats every run
        best: tuple[float, str, int, int] | None = None
        for hit in hits:
            doc = self.index.documents[hit.chunk.doc_id]
            for s, e in self.index.sentences.get(doc.id, []):
                if e <= hit.chunk.start or s >= hit.chunk.end:
                    continue
                cover = round(sum(idf(t) for t in sorted(q & set(lexical.terms(doc.text[s:e])))) / total, 6)
                if best is None or cover > best[0]:
                    best = (cover, doc.id, s, e)
        timings = {"total": (time.perf_counter() - t0) * 1e3}
        retrieved = tuple(h.chunk.doc_id for h in hits)
        if best is None:
            return Answer(question, False, timings_ms=timings, retrieved=retrieved)
        cover, doc_id, s, e = best
        doc = self.index.documents[doc_id]
        cite = Citation(1, doc_id, s, e, doc.text[s:e], cover, doc.page_label, doc.file)
        return Answer(question, True, (Claim(cite.quote, 1),), (cite,), timings_ms=timings, retrieved=retrieved)


class NearestName:
    def __init__(self, bot: Assistant) -> None:
        self.index = bot.index
        self.retriever = HybridRetriever(bot.index, bot.embedder, mode="lexical")

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Turn:
        return answered(begin(question, history), self.answer(question))

    def answer(self, question: str) -> Answer:
        t0 = time.perf_counter()
        top = self.retriever.sentences(question, 1)
        if not top:
            return Answer(question, False, timings_ms={"total": (time.perf_counter() - t0) * 1e3})
        row = top[0][0]
        doc_id = self.index.chunks[self.index.sentence_chunk[row]].doc_id  # the chunk the sentence starts in
        doc = self.index.documents[doc_id]
        sents = self.index.sentences[doc_id]
        k = row - self.index.sentence_rows[doc_id]
        s, e = sents[k]
        text = doc.text[s:e]
        cue = CUE.search(text)
        found = names(text)
        at = cue.start() if cue else len(text)
        name = ([(s + n.start, s + n.end) for n in found if n.end <= at][-1:]
                or [(s + n.start, s + n.end) for n in found if n.start >= at][:1]
                or [(a + n.start, a + n.end) for a, b in reversed(sents[:k]) for n in names(doc.text[a:b])][:1])
        cites = [Citation(1, doc_id, s, e, text, top[0][1], doc.page_label, doc.file)]
        claims = [Claim(text, 1)]
        if name:
            a, b = name[0]
            cites.append(Citation(2, doc_id, a, b, doc.text[a:b], top[0][1], doc.page_label, doc.file))
            claims.insert(0, Claim(doc.text[a:b], 2, "answer"))
        timings = {"total": (time.perf_counter() - t0) * 1e3}
        return Answer(question, True, tuple(claims), tuple(cites), timings_ms=timings, retrieved=(doc_id,))
