"""scoring: what findings cost under a rubric — caps, required behaviour, veto, normalisation, ids."""
import dataclasses
import re
from pathlib import Path

import pytest

from scorers.call import Call, Utterance
from scorers.finding import MET, VIOLATION, Finding
from scorers.rubric import Criterion, Rubric
from scorers.scoring import NOT_APPLICABLE, finding_id, score_call


def stub(*hits):
    """A scorer returning fresh findings for ``hits`` = (outcome, utterance_index[, rule_id])."""
    def scorer(call):
        return [Finding(scorer.criterion, hit[0], hit[1], 0, 2, call.utterances[hit[1]].text,
                        hit[2] if len(hit) > 2 else f"stub.{hit[0]}") for hit in hits]
    scorer.criterion = ""
    return scorer


def crit(cid, weight, deduction=None, hits=(), **kw):
    scorer = stub(*hits)
    scorer.criterion = cid
    return Criterion(id=cid, name=cid, scorer_name="stub/v1", weight=weight,
                     deduction=weight if deduction is None else deduction,
                     severity=kw.pop("severity", "minor"), scorer=scorer, **kw)


def rubric(*criteria, pass_score=60):
    return Rubric(id="fake", version="0.1", name="fake", pass_score=pass_score, criteria=list(criteria),
                  path=Path("fake.yaml"))


def a_call(call_id="S-1", with_customer=True):
    utterances = [Utterance("agent", "您好"), Utterance("agent", "请讲"), Utterance("agent", "好的"),
                  Utterance("agent", "还有吗"), Utterance("agent", "再见")]
    if with_customer:
        utterances[1] = Utterance("customer", "我想查余额")
    return Call(call_id=call_id, agent_id="A1", utterances=utterances)


# --------------------------------------------------------------------------- deductions

@pytest.mark.parametrize("weight, deduction, n, deducted, points", [
    (10, 4, 1, 4, [-4]),
    (10, 4, 2, 8, [-4, -4]),
    (10, 4, 3, 10, [-4, -4, -2]),
    (10, 4, 5, 10, [-4, -4, -2, 0, 0]),
    (10, 10, 2, 10, [-10, 0]),
    (15, 5, 3, 15, [-5, -5, -5]),
    (15, 5, 4, 15, [-5, -5, -5, 0]),
    (10, 0, 3, 0, [0, 0, 0]),
    (7.5, 2.5, 4, 7.5, [-2.5, -2.5, -2.5, 0]),
])
def test_deduction_per_violation_capped_at_weight(weight, deduction, n, deducted, points):
    c = crit("c", weight, deduction, hits=[(VIOLATION, i % 5) for i in range(n)])
    other = crit("other", 100 - weight)
    scored = score_call(a_call(), rubric(c, other))
    result = scored.results["c"]
    assert result.status == VIOLATION
    assert result.deducted == pytest.approx(deducted)
    assert result.score == pytest.approx(weight - deducted)
    assert [f.points for f in scored.findings] == pytest.approx(points)
    assert sum(f.points for f in scored.findings) == pytest.approx(-deducted)
    assert scored.total_score == pytest.approx(100 - deducted)


def test_met_findings_cost_nothing():
    scored = score_call(a_call(), rubric(crit("empathy", 20, 10, hits=[(MET, 0), (MET, 2)]), crit("x", 80)))
    assert scored.results["empathy"].status == "met"
    assert scored.results["empathy"].score == 20
    assert [f.points for f in scored.findings] == [0, 0]
    assert scored.total_score == 100


def test_met_and_violation_together_is_a_violation():
    scored = score_call(a_call(), rubric(crit("empathy", 20, 10, hits=[(MET, 0), (VIOLATION, 1)]), crit("x", 80)))
    assert scored.results["empathy"].status == VIOLATION
    assert scored.results["empathy"].deducted == 10
    assert [(f.outcome, f.points) for f in scored.findings] == [(MET, 0), (VIOLATION, -10)]


def test_respected_prohibition_is_met():
    scored = score_call(a_call(), rubric(crit("over_promise", 25, veto=True), crit("x", 75)))
    assert scored.results["over_promise"].status == "met"
    assert scored.results["over_promise"].score == 25
    assert not scored.vetoed and scored.passed


# --------------------------------------------------------------------------- required behaviour

@pytest.mark.parametrize("with_customer, hits, status, deducted", [
    (True, [], VIOLATION, 5),                        # expected, never shown
    (False, [], NOT_APPLICABLE, 0),                  # nobody to restate
    (True, [(MET, 2)], "met", 0),
    (False, [(MET, 2)], "met", 0),
    (True, [(VIOLATION, 2)], VIOLATION, 10),         # a violation costs its deduction, not missing_deduction
    (True, [(VIOLATION, 2), (VIOLATION, 3)], VIOLATION, 10),
])
def test_required_behaviour(with_customer, hits, status, deducted):
    c = crit("paraphrase", 10, hits=hits, required=True, missing_deduction=5)
    scored = score_call(a_call(with_customer=with_customer), rubric(c, crit("x", 90)))
    result = scored.results["paraphrase"]
    assert (result.status, result.deducted, result.score) == (status, deducted, 10 - deducted)
    assert scored.total_score == 100 - deducted


def test_missing_required_behaviour_is_one_finding_at_the_customers_first_turn():
    c = crit("paraphrase", 10, required=True, missing_deduction=5)
    call = a_call()
    scored = score_call(call, rubric(c, crit("x", 90)))
    (finding,) = scored.findings
    assert (finding.criterion, finding.outcome, finding.rule_id) == ("paraphrase", "violation",
                                                                     "paraphrase.required_missing")
    assert call.utterances[finding.utterance_index].is_customer
    assert finding.points == -5
    assert scored.total_score == 95


# --------------------------------------------------------------------------- veto, pass, total

@pytest.mark.parametrize("veto, pass_score, passed, vetoed", [
    (True, 60, False, True),     # 99 points and still failed: 一票否决
    (True, 0, False, True),
    (False, 60, True, False),
    (False, 99, True, False),    # score == pass_score passes
    (False, 99.5, False, False),
])
def test_veto_and_pass(veto, pass_score, passed, vetoed):
    c = crit("info_leak", 30, 1, hits=[(VIOLATION, 2)], veto=veto, severity="critical")
    scored = score_call(a_call(), rubric(c, crit("x", 70), pass_score=pass_score))
    assert scored.total_score == 99
    assert (scored.passed, scored.vetoed) == (passed, vetoed)


def test_veto_criterion_without_violation_does_not_veto():
    c = crit("info_leak", 30, hits=[(MET, 0)], veto=True)
    scored = score_call(a_call(), rubric(c, crit("x", 70, hits=[(VIOLATION, 0)])))
    assert not scored.vetoed
    assert scored.total_score == 30


@pytest.mark.parametrize("weights, deductions, expected", [
    ([10, 30], [10, 0], 75.0),
    ([10, 30], [0, 0], 100.0),
    ([10, 30], [10, 30], 0.0),
    ([1, 2], [1, 0], 66.67),
    ([2, 1], [0, 1], 66.67),
    ([3, 3, 3], [1, 0, 0], 88.89),
    ([15, 20, 10, 25, 30], [5, 10, 0, 0, 0], 85.0),
])
def test_total_is_normalised_to_100(weights, deductions, expected):
    criteria = [crit(f"c{i}", w, d, hits=[(VIOLATION, 0)] if d else []) for i, (w, d) in enumerate(zip(weights, deductions))]
    scored = score_call(a_call(), rubric(*criteria))
    assert scored.total_score == expected
    assert 0 <= scored.total_score <= 100


def test_scored_call_carries_rubric_and_findings_in_criterion_order():
    r = rubric(crit("b", 50, 10, hits=[(VIOLATION, 4), (VIOLATION, 0)], severity="major"),
               crit("a", 50, 5, hits=[(MET, 3)], severity="critical"))
    scored = score_call(a_call(), r)
    assert (scored.rubric_id, scored.rubric_version) == ("fake", "0.1")
    assert list(scored.results) == ["b", "a"]
    assert [(f.criterion, f.utterance_index, f.severity) for f in scored.findings] == [
        ("b", 4, "major"), ("b", 0, "major"), ("a", 3, "critical")]


def test_criterion_without_scorer_is_met():
    c = crit("todo", 10)
    c.scorer = None
    scored = score_call(a_call(), rubric(c, crit("x", 90)))
    assert scored.results["todo"].status == "met" and scored.total_score == 100


# --------------------------------------------------------------------------- finding ids

def test_finding_id_is_stable_across_runs():
    def run():
        r = rubric(crit("a", 50, 10, hits=[(VIOLATION, 0), (VIOLATION, 2), (MET, 3)]),
                   crit("b", 50, 10, hits=[(VIOLATION, 0)]))
        scored = score_call(a_call("S-9"), r)
        return [finding_id("S-9", f) for f in scored.findings]

    first, second = run(), run()
    assert first == second
    assert len(set(first)) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in first)


BASE = Finding("jargon", VIOLATION, 3, 5, 8, "这笔被退汇了", "jargon.unexplained_term")


def test_finding_id_ignores_presentation():
    """Evidence, spans, points and confidence may change with a lexicon edit; the id must not."""
    changed = dataclasses.replace(BASE, span_start=0, span_end=2, evidence="别的", detail="d", points=-5.0,
                                  confidence=0.5, severity="major")
    assert finding_id("S-1", changed) == finding_id("S-1", BASE)


@pytest.mark.parametrize("call_id, change", [
    ("S-2", {}),
    ("S-1", {"criterion": "empathy"}),
    ("S-1", {"outcome": MET}),
    ("S-1", {"utterance_index": 4}),
    ("S-1", {"rule_id": "jargon.other"}),
])
def test_finding_id_tells_findings_apart(call_id, change):
    assert finding_id(call_id, dataclasses.replace(BASE, **change)) != finding_id("S-1", BASE)


# --------------------------------------------------------------------------- suspected findings (suggest mode)

def suspected_stub(*indexes):
    """A scorer whose violations are suspected: found by the model alone, not counted."""
    def scorer(call):
        return [Finding(scorer.criterion, VIOLATION, i, 0, 2, call.utterances[i].text, "x.model", scorer="model",
                        basis="model", counted=False) for i in indexes]
    return scorer


def test_a_suspected_violation_costs_nothing_and_vetoes_nothing():
    c = crit("over_promise", 25, veto=True)
    c.scorer = suspected_stub(2)
    c.scorer.criterion = "over_promise"
    scored = score_call(a_call(), rubric(c, crit("x", 75)))
    assert (scored.vetoed, scored.passed, scored.total_score) == (False, True, 100.0)
    assert scored.results["over_promise"].status == "met"
    (f,) = scored.findings
    assert (f.counted, f.points, f.basis) == (False, 0.0, "model")


def test_a_confirmed_suspected_violation_counts_on_rescoring():
    c = crit("over_promise", 25, veto=True)
    c.scorer = suspected_stub(2)
    c.scorer.criterion = "over_promise"
    r = rubric(c, crit("x", 75))
    fid = finding_id("S-1", score_call(a_call(), r).findings[0])
    scored = score_call(a_call(), r, confirmed=frozenset({fid}))
    assert scored.vetoed and not scored.passed and scored.results["over_promise"].status == "violation"
    (f,) = scored.findings
    assert f.counted and f.points == -25 and "已复核确认" in f.detail
    # confirming another call's finding changes nothing here
    assert not score_call(a_call("S-2"), r, confirmed=frozenset({fid})).vetoed


def test_a_suspected_met_does_not_satisfy_a_required_behaviour():
    c = crit("paraphrase", 10, required=True, missing_deduction=5)
    def scorer(call):
        return [Finding("paraphrase", MET, 3, 0, 2, "还有吗", "paraphrase.model", scorer="model", basis="model",
                        counted=False)]
    scorer.criterion = "paraphrase"
    c.scorer = scorer
    scored = score_call(a_call(), rubric(c, crit("x", 90)))
    assert scored.results["paraphrase"].status == "violation"
    assert sorted((f.rule_id, f.counted) for f in scored.findings) == [("paraphrase.model", False),
                                                                     ("paraphrase.required_missing", True)]
