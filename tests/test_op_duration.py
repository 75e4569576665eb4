"""duration operator: a call too long (where it crossed the limit) or too short (at its end)."""
import pytest

from scorers.operators import Context
from tests.op_helpers import EMPTY, assert_config_error, condition, dialogue, evaluate, found, timed, unknown

OVER_60 = {"duration": {"over_s": 60}}
UNDER_20 = {"duration": {"under_s": 20}}


def lasting(*ends_ms: int, start_ms: int = 0):
    """Back-to-back utterances, agent and customer in turn, the first from ``start_ms``, ending at ``ends_ms``."""
    turns, start = [], start_ms
    for k, end in enumerate(ends_ms):
        turns.append(("AC"[k % 2], "好的", start, end))
        start = end
    return timed(*turns)


@pytest.mark.parametrize("spec, call, hits", [
    (OVER_60, lasting(30000, 50000, 70000, 80000), [2]),    # the utterance where the call passed 60 s
    (OVER_60, lasting(30000, 50000), []),
    (OVER_60, lasting(30000, 60000), []),                    # exactly the limit is not over
    (OVER_60, lasting(30000, 60001), [1]),
    (UNDER_20, lasting(5000, 10000), [1]),                   # at the last utterance
    (UNDER_20, lasting(5000, 30000), []),
    (UNDER_20, lasting(5000, 20000), []),                    # exactly the limit is not under
    (UNDER_20, lasting(5000, 19999), [1]),
])
def test_length_against_the_limit(spec, call, hits):
    assert found(spec, call) == hits


@pytest.mark.parametrize("spec, call, hits", [
    ({"duration": {"over_s": 2.01}}, lasting(1000, 2010), []),   # 2.01 * 1000 is 2009.999… in floating point
    ({"duration": {"over_s": 2.01}}, lasting(1000, 2011), [1]),
    ({"duration": {"under_s": 4.03}}, lasting(1000, 4030), []),  # 4.03 * 1000 is 4030.000…5
    ({"duration": {"under_s": 4.03}}, lasting(1000, 4029), [1]),
    ({"duration": {"under_s": 0}}, lasting(0), []),              # nothing lasts under nothing
])
def test_fractional_limits_are_exact_to_the_millisecond(spec, call, hits):
    assert found(spec, call) == hits


@pytest.mark.parametrize("spec, index, rule, detail", [
    ({"duration": {"over_s": 60}}, 2, "duration.over", "通话已超过60秒"),
    ({"duration": {"over_s": 1.5}}, 0, "duration.over", "通话已超过1.5秒"),
    ({"duration": {"under_s": 900}}, 3, "duration.under", "通话仅80.0秒"),
])
def test_the_hit_says_what_was_crossed(spec, index, rule, detail):
    hit = evaluate(spec, lasting(30000, 50000, 70000, 80000)).found[index]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (0, 0, rule, detail)


@pytest.mark.parametrize("spec, call, hits", [
    # first word to last: the ringing before the first word is not the call
    (OVER_60, lasting(105000, 130000, start_ms=100000), []),
    (UNDER_20, lasting(105000, 130000, start_ms=100000), []),
    # the end is the latest end, even when an earlier utterance runs past the last one
    (OVER_60, timed(("A", "我给您详细说一下", 0, 70000), ("C", "嗯", 1000, 2000)), [0]),
    (UNDER_20, timed(("A", "我给您详细说一下", 0, 25000), ("C", "嗯", 1000, 2000)), []),
])
def test_length_runs_from_the_first_word_to_the_last(spec, call, hits):
    assert found(spec, call) == hits


@pytest.mark.parametrize("spec", [OVER_60, UNDER_20])
def test_a_call_without_timestamps_is_not_applicable_at_its_last_utterance(spec):
    hits = evaluate(spec, dialogue("A: 您好", "C: 查余额", "A: 好的"))
    assert hits.found == {} and hits.unknown == {2} and hits.not_applicable


@pytest.mark.parametrize("spec", [OVER_60, UNDER_20])
def test_an_empty_call_has_no_length_and_nothing_unknown(spec):
    hits = evaluate(spec, EMPTY)
    assert hits.found == {} and hits.unknown == set()


@pytest.mark.parametrize("spec, turns, hits, unknowns", [
    # untimed talk after the last timestamp may make the call longer than measured: not "too short"
    (UNDER_20, [("A", "您好", 0, 5000), ("C", "查余额", 5000, 10000), ("A", "好的", None, None)], [], [2]),
    (UNDER_20, [("A", "您好", None, None), ("C", "查余额", 5000, 10000)], [], [1]),
    (UNDER_20, [("A", "您好", 0, 5000), ("C", "查余额", 5000, None)], [], [1]),
    # ... nor "not too long"
    (OVER_60, [("A", "您好", 0, 30000), ("C", "查余额", None, None)], [], [1]),
    (OVER_60, [("A", "您好", None, None), ("C", "查余额", 0, 30000)], [], [1]),
    # what was measured already is a fact: over 60 s whatever came after
    (OVER_60, [("A", "您好", 0, 70000), ("C", "查余额", None, None)], [0], []),
    (UNDER_20, [("A", "您好", 0, 30000), ("C", "查余额", None, None)], [], []),
    # untimed utterances between timed ones do not change the length
    (UNDER_20, [("A", "您好", 0, 5000), ("C", "嗯", None, None), ("A", "好的", 6000, 10000)], [2], []),
    (OVER_60, [("A", "您好", 0, 5000), ("C", "嗯", None, None), ("A", "好的", 6000, 10000)], [], []),
])
def test_partly_missing_timestamps(spec, turns, hits, unknowns):
    call = timed(*turns)
    assert found(spec, call) == hits and unknown(spec, call) == unknowns


@pytest.mark.parametrize("spec, within, hits, unknowns", [
    (OVER_60, [0, 1, 2, 3], [2], []),
    (OVER_60, [2], [2], []),
    (OVER_60, [3], [], []),           # the crossing is elsewhere
    (UNDER_20, [3], [], []),
    ({"duration": {"under_s": 900}}, [3], [3], []),
    ({"duration": {"under_s": 900}}, [0, 1, 2], [], []),
])
def test_only_the_utterances_asked_are_judged(spec, within, hits, unknowns):
    call = lasting(30000, 50000, 70000, 80000)
    result = condition(spec).evaluate(Context(call), within)
    assert sorted(result.found) == hits and sorted(result.unknown) == unknowns


@pytest.mark.parametrize("within, unknowns", [([0, 1, 2], [2]), ([2], [2]), ([0, 1], [])])
def test_unknown_only_where_asked(within, unknowns):
    call = dialogue("A: 您好", "C: 查余额", "A: 好的")
    assert sorted(condition(OVER_60).evaluate(Context(call), within).unknown) == unknowns


@pytest.mark.parametrize("lines, spec, hits", [
    # a call dropped after the greeting: too short to have served the customer
    (["A 0-3: 您好,很高兴为您服务", "C 3.5-4.5: 喂?"], {"duration": {"under_s": 20}}, [1]),
    # a 16-minute call: flagged where it passed 15 minutes
    (["A 0-3: 您好,很高兴为您服务", "C 4-600: 我想问一下理财的事情", "A 601-905: 好的,我给您介绍一下",
      "C 906-960: 好的,谢谢"], {"duration": {"over_s": 900}}, [2]),
])
def test_realistic_calls(lines, spec, hits):
    assert found(spec, dialogue(*lines)) == hits


@pytest.mark.parametrize("spec, key, fragment", [
    ({}, "criteria.c.violation_when.duration", "give exactly one of over_s or under_s, got []"),
    ({"over_s": 900, "under_s": 20}, "criteria.c.violation_when.duration", "give exactly one of over_s or under_s"),
    ({"undr_s": 20}, "criteria.c.violation_when.duration", "(did you mean 'under_s'?)"),
    ({"over": 900}, "criteria.c.violation_when.duration", "(did you mean 'over_s'?)"),
    ({"over_s": -5}, "criteria.c.violation_when.duration.over_s", "must be a number ≥ 0, got -5"),
    ({"under_s": "20"}, "criteria.c.violation_when.duration.under_s", "must be a number"),
    ({"over_s": 900, "speaker": "agent"}, "criteria.c.violation_when.duration.speaker",
     "unknown parameter for duration"),
    ({"over_s": 900, "ovr_s": 1}, "criteria.c.violation_when.duration.ovr_s", "(did you mean 'over_s'?)"),
    (900, "criteria.c.violation_when.duration", "takes a mapping of parameters"),
])
def test_errors_name_the_key(spec, key, fragment):
    assert_config_error({"duration": spec}, key, fragment)
