"""The calibration file: what the query path trusts, and how it refuses a bad one."""

from __future__ import annotations

import json

import pytest

from assistant.answering.candidates import FEATURES, SENTENCE_SIGNS
from assistant.answering.policy import FOUND_FEATURES, FOUND_SIGNS, PAIR_FEATURES, READER_FEATURES, load_calibration
from assistant.answering.reader import READER_FILE, sha256
from assistant.answering.scoring import CALIBRATION_DIR, slug
from assistant.errors import AssistantError
from assistant.settings import PACKAGED_MODEL_ID


def test_the_shipped_calibration_is_fitted_for_the_packaged_model():
    cal = load_calibration(PACKAGED_MODEL_ID)
    assert cal.model_id == PACKAGED_MODEL_ID
    reader = READER_FEATURES if not cal.reads else frozenset()  # the reader's, when it ships without
    assert set(cal.sentence.features) == set(FEATURES) - reader
    assert set(cal.found.features) == set(FOUND_FEATURES) - reader
    assert set(cal.pair.features) == set(PAIR_FEATURES) - reader
    assert 0 < cal.found.threshold < 1 and 0 < cal.keep_ratio <= 1
    assert cal.fitted["splits"].startswith("dev of ") and "test" not in cal.fitted["splits"]
    for model, signs in ((cal.sentence, SENTENCE_SIGNS), (cal.found, FOUND_SIGNS)):  # the fit kept its signs
        for name, w in zip(model.features, model.weights, strict=True):
            assert w * signs.get(name, 0) >= 0, (name, w)


def test_the_shipped_fit_and_the_ablation_differ_in_the_reader_only_as_make_calibrate_chose():
    from evals.calibrate import SHIP_READER
    from evals.external.run import ABLATION

    shipped = load_calibration(PACKAGED_MODEL_ID)
    other = load_calibration(PACKAGED_MODEL_ID, ABLATION)  # `make eval-external`'s ablation row
    with_reader, without = (shipped, other) if SHIP_READER else (other, shipped)
    assert with_reader.reads and set(with_reader.prerank.features) == set(FEATURES) - {"reader"}
    assert "reader" in with_reader.found.features and "reader_min" in with_reader.pair.features
    assert not without.reads and not READER_FEATURES & {*without.found.features, *without.pair.features}
    assert with_reader.fitted["sentence"]["reader"].endswith(sha256(READER_FILE))  # fitted on the shipped reader


def test_another_model_falls_back_to_the_packaged_calibration():
    assert load_calibration("hash-bow-256").model_id == PACKAGED_MODEL_ID


@pytest.mark.parametrize("damage", [
    lambda d: d.update(version=1),
    lambda d: d["sentence"]["features"].append("no_such_feature"),
    lambda d: d["found"].pop("weights"),
])
def test_a_bad_calibration_file_is_refused_with_the_fix(tmp_path, damage):
    d = json.loads((CALIBRATION_DIR / f"{slug(PACKAGED_MODEL_ID)}.json").read_text())
    damage(d)
    bad = tmp_path / "cal.json"
    bad.write_text(json.dumps(d))
    with pytest.raises(AssistantError, match="make calibrate"):
        load_calibration(PACKAGED_MODEL_ID, bad)


def test_calibration_is_keyed_to_the_retrieval_settings_it_was_fitted_with():
    from assistant.core import check_fit, retrieval_key
    from assistant.settings import Settings

    cal = load_calibration(PACKAGED_MODEL_ID)
    assert cal.retrieval == retrieval_key(Settings())  # the shipped file fits the defaults
    assert check_fit(cal, Settings()) is cal
    with pytest.raises(AssistantError, match=r"top_k 8 \(now 12\)"):
        check_fit(cal, Settings(top_k=12))
    with pytest.raises(AssistantError, match=r"reserve 1 \(now 0\).*make calibrate"):
        check_fit(cal, Settings(reserve=0))
