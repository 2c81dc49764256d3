"""Answer the seed suite in a fresh index and print the answers as JSON (one process, one run).

    python -m tests.seed_answers OUT.json

``tests/test_stability.py`` runs it under forced CPU kernels and runtimes (OpenVINO limited to
AVX2, FAISS without SIMD, OpenBLAS's Haswell kernels, the torch backend) and requires the same
answers from each: what a machine of another CPU type would compute, index included.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from assistant import offline  # noqa: F401  (before any model library loads)
from assistant.answering.present import answer_json
from assistant.core import Assistant, index_corpus
from assistant.interfaces.evals import load_suite, run_cases
from assistant.settings import ROOT, Settings


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        index_corpus(settings, progress=False)
        bot = Assistant.open(settings=settings)
        results = run_cases(bot.ask, load_suite(ROOT / "evals" / "seeds.jsonl"))
    import faiss
    from threadpoolctl import threadpool_info

    meta = {"backend": getattr(bot.embedder, "backend", ""), "faiss_simd": faiss.SIMDConfig.get_level_name(),
            "blas": [i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"]}
    answers = {r.case.id: answer_json(r.reply) | {"passed": r.passed} for r in results}
    out.write_text(json.dumps({"meta": meta, "answers": answers}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
