"""Strictness people choose and confidence they can see (issue 32): each level answers by its own
found threshold, fitted on dev; an answer on weak evidence says so; a rule's answer is not
weighed by the found model."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from assistant.answering.policy import load_calibration
from assistant.answering.present import WEAK_EVIDENCE, answer_json
from assistant.answering.scoring import CALIBRATION_DIR, Calibration, slug
from assistant.core import check_strictness
from assistant.errors import AssistantError, QuestionError
from assistant.interfaces.cli import format_answer
from assistant.records import STRICTNESS, STRICTNESS_TARGET, Answer
from assistant.settings import PACKAGED_MODEL_ID
from evals.external.selective import Outcome, false_refusal, fit_levels, fit_weak, point, risk_area

# Answered by the found model on the seed corpus (not by a rule): found p 0.165 with the shipped
# fit, between the balanced and the strict thresholds.
BETWEEN = "What condition about legal liability did the carmakers attach to any restraint?"
WEAK = "How big a pay premium over the typical industrial wage do American carmakers offer?"  # found p 0.19
STRONG = "How many cars did Japan export to the United States last year?"  # found p 0.69


def test_the_shipped_levels_are_ordered_and_balanced_is_the_found_threshold():
    cal = load_calibration(PACKAGED_MODEL_ID)
    assert set(cal.levels) == set(STRICTNESS)
    assert 0 < cal.threshold("lenient") < cal.threshold("balanced") < cal.threshold("strict") < 1
    assert cal.threshold("balanced") == cal.found.threshold
    for level in STRICTNESS:  # each was measured on dev within a point of its target
        assert abs(cal.fitted["levels"][level]["answerable refused"] - STRICTNESS_TARGET[level]) <= 0.01
    assert cal.threshold("balanced") < cal.weak_below < 1


def test_levels_and_the_weak_band_round_trip_and_an_unknown_level_is_refused(tmp_path):
    d = json.loads((CALIBRATION_DIR / f"{slug(PACKAGED_MODEL_ID)}.json").read_text())
    cal = load_calibration(PACKAGED_MODEL_ID)
    again = Calibration.from_dict(json.loads(cal.to_json()), {f: "" for f in cal.sentence.features},
                                  {f: "" for f in cal.found.features}, {f: "" for f in cal.pair.features})
    assert again.levels == cal.levels and again.weak_below == cal.weak_below
    d["levels"]["paranoid"] = 0.9
    bad = tmp_path / "cal.json"
    bad.write_text(json.dumps(d))
    with pytest.raises(AssistantError, match="unknown strictness levels"):
        load_calibration(PACKAGED_MODEL_ID, bad)


def test_a_level_is_checked_by_name():
    assert [check_strictness(x) for x in STRICTNESS] == list(STRICTNESS)
    for bad in ("STRICT", "", None, 3):
        with pytest.raises(QuestionError, match="use one of lenient, balanced, strict"):
            check_strictness(bad)


def _suite(name: str, ps: list[float], answerable: bool = True) -> list[Outcome]:
    return [Outcome(name, answerable, "found", p, answerable and p >= 0.5) for p in ps]


def test_each_level_is_the_highest_threshold_within_its_target():
    ps = [i / 100 for i in range(100)]
    outcomes = [*_suite("a", ps), *_suite("b", [p / 2 for p in ps]), *_suite("u", ps, answerable=False),
                *_suite("tiny", [0.99] * 5)]  # fewer than MIN_CASES answerable: not in the macro average
    levels = fit_levels(outcomes)
    for level, t in levels.items():
        assert false_refusal(outcomes, t) <= STRICTNESS_TARGET[level]
        higher = [o.p for o in outcomes if o.gate == "found" and o.p > t]
        assert not higher or false_refusal(outcomes, min(higher)) > STRICTNESS_TARGET[level]
    assert levels["lenient"] < levels["balanced"] < levels["strict"]


def test_a_rule_answer_or_a_condition_refusal_is_the_same_at_every_threshold():
    rule = Outcome("s", True, "rule", 0.0, True)
    refused = Outcome("s", True, "refused", 0.0, False)
    for t in (0.0, 0.5, 1.0):
        assert point([rule], t).coverage == 1.0 and point([refused], t).coverage == 0.0


def test_the_weak_band_is_where_fewer_than_half_were_right():
    outcomes = [Outcome("s", True, "found", p / 100, p >= 40) for p in range(100)]
    assert fit_weak(outcomes) == pytest.approx(0.40)
    assert fit_weak([Outcome("s", True, "found", 0.9, True)]) == pytest.approx(0.9)  # none weak: the lowest


def test_the_risk_area_is_lower_for_a_ranking_that_puts_right_answers_first():
    good = [Outcome("s", True, "found", p / 10, p >= 5) for p in range(10)]
    bad = [Outcome("s", True, "found", p / 10, p < 5) for p in range(10)]
    from evals.external.selective import curve

    assert risk_area(curve(good)) < risk_area(curve(bad))


@pytest.mark.model
def test_each_level_answers_by_its_own_threshold(bot):
    cal = load_calibration(PACKAGED_MODEL_ID)
    turns = {level: bot.ask(BETWEEN, strictness=level).reply for level in STRICTNESS}
    p = turns["balanced"].found_p
    assert p is not None and cal.threshold("balanced") <= p < cal.threshold("strict"), \
        f"found p {p}: pick a question between the balanced and strict thresholds"
    for level, a in turns.items():
        assert a.found_p == p and a.strictness == level
        assert a.found == (p >= cal.threshold(level)), level
        assert Answer.from_dict(a.to_dict()) == a
    assert turns["balanced"].found and not turns["strict"].found  # the level reached the found decision
    default = bot.ask(BETWEEN).reply
    assert default.strictness == "balanced" and default.found


@pytest.mark.model
def test_an_answer_on_weak_evidence_says_so_where_people_read_it(bot):
    cal = load_calibration(PACKAGED_MODEL_ID)
    weak, strong = bot.ask(WEAK).reply, bot.ask(STRONG).reply
    assert weak.found and weak.found_p is not None and weak.found_p < cal.weak_below
    assert strong.found and strong.found_p is not None and strong.found_p >= cal.weak_below
    assert (weak.evidence, strong.evidence) == ("weak", "strong")
    assert answer_json(weak)["evidence"] == "weak"
    assert WEAK_EVIDENCE in format_answer(weak) and WEAK_EVIDENCE not in format_answer(strong)
    assert format_answer(weak).splitlines()[1] == WEAK_EVIDENCE  # right under the answer, before its sources
    refused = bot.ask("What was Toyota's profit in 1980?").reply
    assert not refused.found and refused.evidence == ""


def test_a_rule_answer_is_not_weighed_by_the_found_model(fake_bot):
    """A refusal by a condition carries no found probability, at any level: the found model did
    not decide it (a year no document mentions)."""
    for level in STRICTNESS:
        a = fake_bot.ask("How many cars did Japan export in 1975?", strictness=level).reply
        assert not a.found and [r.kind for r in a.refused_for] == ["period"]
        assert a.found_p is None and a.evidence == "" and a.strictness == level


def test_a_weak_label_needs_the_found_model():
    cal = load_calibration(PACKAGED_MODEL_ID)
    from assistant.answering.policy import Policy

    policy = Policy(replace(cal, weak_below=0.4))
    assert policy.evidence(0.39) == "weak" and policy.evidence(0.4) == "strong"
