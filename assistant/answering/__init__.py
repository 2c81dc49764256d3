"""Answering: an ``Answerer`` turns a conversation turn and its retrieved passages into a Draft.

- ``base``: the ``Answerer`` protocol;
- ``candidates``: candidate sentences and their features;
- ``scoring``: the fitted models (``Logistic``, ``Calibration``) and their file;
- ``policy``: the decisions those models make (rank, found, quote beside, conflict) and the
  named rule overrides;
- ``extractive``: ``ExtractiveAnswerer``, the answer built from verbatim sentences.
"""

from .base import Answerer
from .candidates import Candidate, Candidates
from .extractive import ExtractiveAnswerer
from .policy import Policy, load_calibration
from .scoring import Calibration, Logistic

__all__ = ["Answerer", "Calibration", "Candidate", "Candidates", "ExtractiveAnswerer", "Logistic", "Policy",
           "load_calibration"]
