"""silence operator: dead air measured from the latest end of what was said, judged where it ends."""
import pytest

from scorers.operators import Context
from tests.op_helpers import EMPTY, assert_config_error, condition, dialogue, evaluate, found, timed, unknown

OVER_20 = {"silence": {"over_s": 20}}
BEFORE_AGENT = {"silence": {"over_s": 20, "before": "agent"}}
HOLD = {"lexicon": {"file": "lexicons/service.yaml", "list": "hold_notice"}}
DEAD_AIR = {"window": {"anchor": BEFORE_AGENT, "before": 1, "unit": "agent_utterances", "lacks": HOLD}}


def pause(gap_ms: int, first: str = "A", second: str = "A"):
    """Two utterances with ``gap_ms`` of silence between them (the first ends at 3 s)."""
    return timed((first, "好的,我查一下", 0, 3000), (second, "查到了", 3000 + gap_ms, 5000 + gap_ms))


@pytest.mark.parametrize("gap_ms, hits", [
    (25000, [1]),     # a clear silence
    (2000, []),       # a normal pause
    (20000, []),      # exactly over_s is not over
    (20001, [1]),     # one millisecond more is
    (-1000, []),      # overlapping speech is no silence
])
def test_gap_against_the_threshold(gap_ms, hits):
    assert found(OVER_20, pause(gap_ms)) == hits


@pytest.mark.parametrize("over_s, gap_ms, hits", [
    (2.01, 2010, []),     # 2.01 * 1000 is 2009.9999999999998 in floating point: still exactly the limit
    (2.01, 2011, [1]),
    (0.5, 500, []),
    (0.5, 501, [1]),
    (0, 0, []),           # back-to-back speech is no silence even at over_s: 0
    (0, 1, [1]),
])
def test_fractional_thresholds_are_exact_to_the_millisecond(over_s, gap_ms, hits):
    assert found({"silence": {"over_s": over_s}}, pause(gap_ms)) == hits


def test_the_hit_is_the_utterance_that_ends_the_silence_with_its_length():
    hit = evaluate(OVER_20, pause(25400)).found[1]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (0, 0, "silence", "静默25.4秒")


@pytest.mark.parametrize("turns, hits", [
    # a customer "嗯" inside the agent's long turn does not start the silence early: 15 s, not 22.5 s
    ([("A", "您稍等,我帮您查一下这笔交易", 0, 10000), ("C", "嗯", 2000, 2500), ("A", "查到了", 25000, 27000)], []),
    ([("A", "您稍等,我帮您查一下这笔交易", 0, 10000), ("C", "嗯", 2000, 2500), ("A", "查到了", 31000, 33000)], [2]),
    # the first utterance has no silence before it, however late it starts (ringing, IVR)
    ([("A", "您好", 40000, 42000)], []),
    # every long gap is its own hit
    ([("A", "我查一下", 0, 1000), ("A", "还在查", 30000, 31000), ("A", "查到了", 60000, 61000)], [1, 2]),
])
def test_gap_runs_from_the_latest_end_so_far(turns, hits):
    assert found(OVER_20, timed(*turns)) == hits


@pytest.mark.parametrize("before, first, second, hits", [
    ("any", "A", "C", [1]),
    ("agent", "A", "A", [1]),
    ("agent", "A", "C", []),          # the customer ends it: the customer was thinking, not kept waiting
    ("agent", "C", "A", [1]),
    ("customer", "C", "A", []),
    ("customer", "A", "C", [1]),
])
def test_before_picks_who_ends_the_silence(before, first, second, hits):
    spec = {"silence": {"over_s": 20, "before": before}}
    assert found(spec, pause(25000, first, second)) == hits


@pytest.mark.parametrize("turns, hits, unknowns", [
    # no timestamps at all: nothing can be measured, the first utterance has nothing to measure
    ([("A", "好的", None, None), ("C", "嗯", None, None), ("A", "查到了", None, None)], [], [1, 2]),
    # the utterance that would end the silence has no start
    ([("A", "好的", 0, 3000), ("A", "查到了", None, 40000)], [], [1]),
    # the one before has no end: it may have run right up to the next one
    ([("A", "好的", 0, None), ("A", "查到了", 40000, 42000)], [], [1]),
    # its start alone is enough for the gap before it, not for the one after
    ([("A", "好的", 0, 3000), ("C", "嗯", 30000, None), ("A", "查到了", 60000, 62000)], [1], [2]),
    # a gap of a missing utterance is unknown, the next measurable one is judged again
    ([("A", "我查一下", 0, 3000), ("C", "嗯", None, None), ("A", "还在查", 30000, 33000),
      ("A", "好了", 34000, 35000), ("A", "查到了", 60000, 61000)], [4], [1, 2]),
])
def test_missing_timestamps_are_unknown_never_a_silence(turns, hits, unknowns):
    call = timed(*turns)
    assert found(OVER_20, call) == hits and unknown(OVER_20, call) == unknowns


def test_a_call_without_timestamps_is_not_applicable():
    hits = evaluate(OVER_20, dialogue("A: 好的,我查一下", "C: 嗯", "A: 查到了"))
    assert hits.found == {} and hits.not_applicable


def test_before_leaves_the_other_speakers_gaps_unjudged_even_without_timestamps():
    assert unknown(BEFORE_AGENT, dialogue("A: 好的", "C: 嗯", "A: 查到了")) == [2]


@pytest.mark.parametrize("call", [EMPTY, dialogue("A: 您好"), timed(("A", "您好", 0, 1000))])
def test_empty_and_single_utterance_calls_have_no_silence_and_nothing_unknown(call):
    hits = evaluate(OVER_20, call)
    assert hits.found == {} and hits.unknown == set() and not hits.not_applicable


@pytest.mark.parametrize("within, hits, unknowns", [
    ([0, 1, 2, 3], [1, 3], [2]),
    ([3], [3], []),
    ([2], [], [2]),
    ([0], [], []),
    ([], [], []),
])
def test_only_the_utterances_asked_are_judged(within, hits, unknowns):
    call = timed(("A", "我查一下", 0, 1000), ("A", "还在查", 30000, None),
                 ("C", "嗯", 40000, 41000), ("A", "查到了", 70000, 71000))
    result = condition(OVER_20).evaluate(Context(call), within)
    assert sorted(result.found) == hits and sorted(result.unknown) == unknowns


@pytest.mark.parametrize("lines, hits", [
    # default.yaml dead_air examples: 25 s before the agent's answer
    (["A 0-3: 好的,您的卡号后四位是多少?", "C 3.5-5: 1234", "A 30-33: 查到了,您这笔已经到账了。"], [2]),
    (["A 0-3: 好的,请您稍等,我帮您查询一下。", "C 3.5-4: 嗯", "A 30-33: 让您久等了,查到了。"], [2]),
    (["A 0-3: 好的,您的卡号后四位是多少?", "C 3.5-5: 1234", "A 24-27: 查到了。"], []),
])
def test_dead_air_anchor_on_the_rubric_examples(lines, hits):
    assert found(BEFORE_AGENT, dialogue(*lines)) == hits


@pytest.mark.parametrize("lines, hits, not_applicable", [
    (["A 0-3: 好的,您的卡号后四位是多少?", "C 3.5-5: 1234", "A 30-33: 查到了,您这笔已经到账了。"], [2], False),
    (["A 0-3: 好的,请您稍等,我帮您查询一下。", "C 3.5-4: 嗯", "A 30-33: 让您久等了,查到了。"], [], False),
    (["A: 好的,您的卡号后四位是多少?", "C: 1234", "A: 查到了。"], [], True),
])
def test_dead_air_criterion_as_default_yaml_writes_it(lines, hits, not_applicable):
    """A silence the agent announced is fine; one without timestamps cannot be judged at all."""
    result = evaluate(DEAD_AIR, dialogue(*lines))
    assert sorted(result.found) == hits and result.not_applicable == not_applicable


@pytest.mark.parametrize("spec, key, fragment", [
    ({}, "criteria.c.violation_when.silence.over_s", "missing: silence needs `over_s`"),
    ({"over_s": -1}, "criteria.c.violation_when.silence.over_s", "must be a number ≥ 0, got -1"),
    ({"over_s": "20"}, "criteria.c.violation_when.silence.over_s", "must be a number"),
    ({"over_s": True}, "criteria.c.violation_when.silence.over_s", "must be a number"),
    ({"over_s": 20, "before": "agnet"}, "criteria.c.violation_when.silence.before", "(did you mean 'agent'?)"),
    ({"over_s": 20, "befor": "agent"}, "criteria.c.violation_when.silence.befor", "(did you mean 'before'?)"),
    ({"over_s": 20, "ovr_s": 30}, "criteria.c.violation_when.silence.ovr_s", "(did you mean 'over_s'?)"),
    ({"over_s": 20, "ovr_s": 30}, "criteria.c.violation_when.silence.ovr_s", "known: over_s, before"),
    (20, "criteria.c.violation_when.silence", "takes a mapping of parameters"),
])
def test_errors_name_the_key(spec, key, fragment):
    assert_config_error({"silence": spec}, key, fragment)
