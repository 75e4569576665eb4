"""latency operator: how long the customer waits for the agent's answer, and only that."""
import pytest

from scorers.operators import Context
from tests.op_helpers import EMPTY, assert_config_error, condition, dialogue, evaluate, found, timed, unknown

OVER_5 = {"latency": {"over_s": 5}}


def answer(after_ms: int):
    """A customer question ending at 2 s and the agent's answer ``after_ms`` later."""
    return timed(("C", "我想查一下余额", 0, 2000), ("A", "好的", 2000 + after_ms, 4000 + after_ms))


@pytest.mark.parametrize("after_ms, hits", [
    (6000, [1]),      # the customer waits 6 s
    (800, []),        # a normal turn
    (5000, []),       # exactly over_s is not over
    (5001, [1]),      # one millisecond more is
    (-1500, []),      # the agent overlapping the customer is no wait (interruption's business)
])
def test_wait_against_the_threshold(after_ms, hits):
    assert found(OVER_5, answer(after_ms)) == hits


@pytest.mark.parametrize("over_s, after_ms, hits", [
    (2.01, 2010, []),     # 2.01 * 1000 is 2009.9999999999998 in floating point: still exactly the limit
    (2.01, 2011, [1]),
    (0, 0, []),
    (0, 1, [1]),
])
def test_fractional_thresholds_are_exact_to_the_millisecond(over_s, after_ms, hits):
    assert found({"latency": {"over_s": over_s}}, answer(after_ms)) == hits


def test_the_hit_is_the_late_answer_with_the_wait():
    hit = evaluate(OVER_5, answer(6300)).found[1]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (0, 0, "latency", "客户说完6.3秒后才回应")


@pytest.mark.parametrize("turns, hits", [
    # the agent continuing their own turn keeps nobody waiting for an answer (silence catches that)
    ([("A", "我查一下", 0, 1000), ("A", "查到了", 30000, 31000)], []),
    # the customer answering late is not the agent's latency
    ([("A", "您的卡号后四位是?", 0, 2000), ("C", "1234", 30000, 31000)], []),
    # the first utterance waits for nobody
    ([("A", "您好", 30000, 32000)], []),
    # measured from the customer's last utterance, not from the first one of their turn
    ([("C", "我想问", 0, 1000), ("C", "信用卡的事", 4000, 5000), ("A", "您请讲", 9000, 10000)], []),
    ([("C", "我想问", 0, 1000), ("C", "信用卡的事", 4000, 5000), ("A", "您请讲", 11000, 12000)], [2]),
    # each late answer is a hit of its own
    ([("C", "你好", 0, 1000), ("A", "您好", 7000, 8000), ("C", "查余额", 9000, 10000), ("A", "好的", 11000, 12000),
      ("C", "多少", 13000, 14000), ("A", "三千", 20000, 21000)], [1, 5]),
])
def test_only_agent_answers_right_after_the_customer_are_judged(turns, hits):
    assert found(OVER_5, timed(*turns)) == hits


@pytest.mark.parametrize("turns, hits, unknowns", [
    ([("C", "查余额", 0, None), ("A", "好的", 30000, 31000)], [], [1]),          # the customer's end
    ([("C", "查余额", 0, 2000), ("A", "好的", None, 31000)], [], [1]),           # the agent's start
    ([("C", "查余额", None, 2000), ("A", "好的", 9000, None)], [1], []),         # the other two are not needed
    ([("C", "查余额", None, None), ("A", "好的", None, None), ("A", "稍等", None, None)], [], [1]),
    ([("A", "您好", None, None), ("C", "嗯", None, None)], [], []),              # nothing to judge at all
])
def test_missing_timestamps_are_unknown_never_a_wait(turns, hits, unknowns):
    call = timed(*turns)
    assert found(OVER_5, call) == hits and unknown(OVER_5, call) == unknowns


def test_a_call_without_timestamps_is_not_applicable():
    hits = evaluate(OVER_5, dialogue("A: 您好", "C: 我想查余额", "A: 好的"))
    assert hits.found == {} and hits.unknown == {2} and hits.not_applicable


def test_an_empty_call_has_no_wait_and_nothing_unknown():
    hits = evaluate(OVER_5, EMPTY)
    assert hits.found == {} and hits.unknown == set()


@pytest.mark.parametrize("within, hits, unknowns", [
    ([0, 1, 2, 3, 4, 5], [1], [5]),
    ([1], [1], []),
    ([5], [], [5]),
    ([0, 2, 4], [], []),
])
def test_only_the_utterances_asked_are_judged(within, hits, unknowns):
    call = timed(("C", "你好", 0, 1000), ("A", "您好", 7000, 8000), ("C", "查余额", 9000, 10000),
                 ("A", "好的", 11000, 12000), ("C", "多少", 13000, None), ("A", "三千", 20000, 21000))
    result = condition(OVER_5).evaluate(Context(call), within)
    assert sorted(result.found) == hits and sorted(result.unknown) == unknowns


@pytest.mark.parametrize("lines, hits", [
    # an agent looking something up without a word: the customer hears nothing for 12 s
    (["A 0-3: 您好,请问有什么可以帮您?", "C 3.5-6: 我想查一下储蓄卡的余额", "A 18-20: 您的余额是三千元。"], [2]),
    (["A 0-3: 您好,请问有什么可以帮您?", "C 3.5-6: 我想查一下储蓄卡的余额", "A 6.5-9: 好的,请您稍等。",
      "A 18-20: 您的余额是三千元。"], []),
])
def test_a_hold_announced_at_once_is_no_latency(lines, hits):
    assert found({"latency": {"over_s": 10}}, dialogue(*lines)) == hits


@pytest.mark.parametrize("spec, key, fragment", [
    ({}, "criteria.c.violation_when.latency.over_s", "missing: latency needs `over_s`"),
    ({"over_s": -1}, "criteria.c.violation_when.latency.over_s", "must be a number ≥ 0, got -1"),
    ({"over_s": "5s"}, "criteria.c.violation_when.latency.over_s", "must be a number"),
    ({"over_s": False}, "criteria.c.violation_when.latency.over_s", "must be a number"),
    ({"over_s": 5, "over": 3}, "criteria.c.violation_when.latency.over", "(did you mean 'over_s'?)"),
    ({"over_s": 5, "before": "agent"}, "criteria.c.violation_when.latency.before", "known: over_s"),
    (5, "criteria.c.violation_when.latency", "takes a mapping of parameters"),
])
def test_errors_name_the_key(spec, key, fragment):
    assert_config_error({"latency": spec}, key, fragment)
