"""The same answers on every CPU: the seed suite, index included, under forced kernels.

Machines of this kind differ in CPU (AVX-512 with AMX, or AVX2 only), and OpenVINO, FAISS and
OpenBLAS pick their kernels by CPU. Each variant below rebuilds the seed index and answers the
seed suite in its own process; every answer, claim, citation span and decision must be the
same as with the default kernels. Probabilities may differ in their last digits, never enough
to change a decision (they are compared to 1e-3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
HAS_AVX2 = "avx2" in Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else False
VARIANTS: dict[str, dict[str, str]] = {
    # OpenVINO's oneDNN kernels, FAISS's distance kernels and numpy's BLAS as on an AVX2-only CPU
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2", "FAISS_SIMD_LEVEL": "AVX2",
             **({"OPENBLAS_CORETYPE": "Haswell"} if HAS_AVX2 else {})},
    "faiss-generic": {"FAISS_SIMD_LEVEL": "NONE"},  # FAISS 1.15 dispatches at run time; FAISS_OPT_LEVEL is moot
    "torch": {"ASSISTANT_EMBED_BACKEND": "torch"},  # another runtime for the same model
}
FLOAT_KEYS = {"found_p", "conflict_p", "score"}


def _answers(tmp: Path, name: str, env: dict[str, str]) -> dict[str, Any]:
    out = tmp / f"{name}.json"
    p = subprocess.run([sys.executable, "-m", "tests.seed_answers", str(out)], cwd=ROOT, capture_output=True,
                       text=True, env={**os.environ, **env}, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def _decisions(x: Any) -> Any:
    """The answer without timings and with probabilities replaced by None (compared apart)."""
    if isinstance(x, dict):
        return {k: None if k in FLOAT_KEYS else _decisions(v) for k, v in x.items() if k != "timings_ms"}
    if isinstance(x, list):
        return [_decisions(v) for v in x]
    return x


def _floats(x: Any, path: str = "") -> dict[str, float]:
    if isinstance(x, dict):
        return {p: v for k, y in x.items() for p, v in _floats(y, f"{path}.{k}").items()} | (
            {f"{path}.{k}": float(y) for k, y in x.items() if k in FLOAT_KEYS and y is not None})
    if isinstance(x, list):
        return {p: v for i, y in enumerate(x) for p, v in _floats(y, f"{path}[{i}]").items()}
    return {}


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _answers(tmp_path_factory.mktemp("kernels"), "default", {})


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_seed_answers_identical_under_forced_kernels(variant: str, default: dict[str, Any],
                                                      tmp_path: Path) -> None:
    other = _answers(tmp_path, variant, VARIANTS[variant])
    assert other["meta"] != default["meta"] or variant == "faiss-generic" and not HAS_AVX2, \
        f"the variant {variant} ran the same kernels as the default: {other['meta']}"
    base, alt = default["answers"], other["answers"]
    assert base.keys() == alt.keys()
    differ = [k for k in base if _decisions(base[k]) != _decisions(alt[k])]
    assert not differ, f"{variant}: other answers for {differ}: " + json.dumps(
        {k: [base[k]["answer"], alt[k]["answer"]] for k in differ[:3]}, indent=1)
    fa, fb = _floats(base), _floats(alt)
    assert fa.keys() == fb.keys()
    worst = max(fa, key=lambda p: abs(fa[p] - fb[p]))
    assert abs(fa[worst] - fb[worst]) < 1e-3, f"{variant}: {worst} {fa[worst]} vs {fb[worst]}"
