"""Answering: a question, in its conversation, into a verified ``Answer`` with citations.

- ``conversation``: ``Turn``, a question analysed once, and what a follow-up leans on;
- ``retrieval``: hybrid search (dense + BM25 over passages and sentences, fused);
- ``base``: the ``Answerer`` protocol;
- ``candidates``: candidate sentences and their features;
- ``scoring``: the fitted models (``Logistic``, ``Calibration``) and their file;
- ``policy``: the decisions those models make (rank, found, quote beside, conflict) and the
  named rule overrides;
- ``conditions``: conditions a question puts on any answer (a year, a name the documents never mention);
- ``extractive``: ``ExtractiveAnswerer``, the answer built from verbatim sentences;
- ``values``: the short answer read from its sentence;
- ``reader``: the trained cross-encoder (off in the shipped fit);
- ``verify``: every claim inside its cited span;
- ``present``: the answer's text, the one place that writes ``[n]`` markers.

A new answer rule goes here. Imports ``indexing``, ``documents``, ``language`` and the shared
modules; ``core`` and ``interfaces`` sit above it.
"""

from .base import Answerer
from .candidates import Candidate, Candidates
from .extractive import ExtractiveAnswerer
from .policy import Policy, load_calibration
from .scoring import Calibration, Logistic

__all__ = ["Answerer", "Calibration", "Candidate", "Candidates", "ExtractiveAnswerer", "Logistic", "Policy",
           "load_calibration"]
