"""interruption operator: the agent starting over the customer, beyond a tolerance, backchannels aside."""
import pytest

from scorers.operators import Context
from tests.op_helpers import EMPTY, assert_config_error, condition, dialogue, evaluate, found, timed, unknown

DEFAULT = {"interruption": {}}
RUBRIC = {"interruption": {"tolerance_s": 1.0, "min_chars": 4}}
COMPLAINT = "我上个月在你们网点办的那张卡到现在都没收到短信提醒"


def over(agent_start_ms: int, text: str = "您说的是哪张卡?"):
    """The customer speaking from 0 to 8 s, the agent starting at ``agent_start_ms``."""
    return timed(("C", COMPLAINT, 0, 8000), ("A", text, agent_start_ms, agent_start_ms + 3000))


@pytest.mark.parametrize("agent_start_ms, hits", [
    (5000, [1]),      # 3 s before the customer is done
    (8500, []),       # after the customer
    (7000, []),       # exactly tolerance_s of overlap is tolerated
    (6999, [1]),      # one millisecond more is not
    (8000, []),       # right on the customer's last word
    (1000, [1]),      # from near the customer's first word
])
def test_overlap_against_the_tolerance(agent_start_ms, hits):
    assert found(RUBRIC, over(agent_start_ms)) == hits


@pytest.mark.parametrize("spec, agent_start_ms, hits", [
    (DEFAULT, 7000, []),                                   # tolerance_s defaults to 1 s
    (DEFAULT, 6999, [1]),
    ({"interruption": {"tolerance_s": 0}}, 7999, [1]),
    ({"interruption": {"tolerance_s": 0}}, 8000, []),
    ({"interruption": {"tolerance_s": 2.01}}, 5990, []),   # 2.01 * 1000 is 2009.999…: still exactly tolerated
    ({"interruption": {"tolerance_s": 2.01}}, 5989, [1]),
])
def test_tolerance(spec, agent_start_ms, hits):
    assert found(spec, over(agent_start_ms)) == hits


def test_the_hit_is_the_agent_utterance_with_the_overlap():
    hit = evaluate(RUBRIC, over(4500)).found[1]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (0, 0, "interruption", "客户话未说完即插话,重叠3.5秒")


@pytest.mark.parametrize("spec, text, hits", [
    (RUBRIC, "嗯嗯", []),                # a backchannel shows listening
    (RUBRIC, "嗯,嗯!", []),             # punctuation does not make it longer
    (RUBRIC, "好的好的", [1]),            # exactly min_chars is judged
    (RUBRIC, "您说的是哪张卡?", [1]),
    (DEFAULT, "嗯", [1]),                 # min_chars defaults to 0: everything counts
])
def test_min_chars_ignores_backchannels(spec, text, hits):
    assert found(spec, over(5000, text)) == hits


@pytest.mark.parametrize("turns, hits", [
    # the customer talking over the agent is not the agent interrupting
    ([("A", "您好,请问有什么可以帮您?", 0, 8000), ("C", "我想查余额", 2000, 9000)], []),
    # an agent utterance listed after the customer's but begun before it: the customer spoke over the agent
    ([("C", "我想问一下", 3000, 8000), ("A", "您好,请问有什么可以帮您?", 2000, 9000)], []),
    # an agent utterance before the customer has said anything
    ([("A", "您好,请问有什么可以帮您?", 0, 3000), ("C", "你好", 3500, 4000)], []),
    # judged against the customer's latest utterance: a backchannel before it does not matter
    ([("C", "你好", 0, 3000), ("A", "您好,请讲", 3500, 4000), ("C", COMPLAINT, 4000, 12000),
      ("A", "您说的是哪张卡?", 6000, 13000)], [3]),
    # the agent going on after the customer's short answer
    ([("C", "对", 0, 500), ("A", "好的,那我帮您办理", 400, 3000), ("A", "请问您的卡号是?", 3500, 5000)], []),
    # two agent utterances over one long customer utterance: both cut in
    ([("C", COMPLAINT, 0, 10000), ("A", "您是说那张卡吗", 3000, 4000), ("A", "您说的是哪张卡?", 5000, 6000)],
     [1, 2]),
])
def test_who_interrupts_whom(turns, hits):
    assert found(RUBRIC, timed(*turns)) == hits


@pytest.mark.parametrize("customer, agent, hits, unknowns", [
    ((None, 8000), ("您说的是哪张卡?", 5000, 9000), [], [1]),    # the customer's start
    ((0, None), ("您说的是哪张卡?", 5000, 9000), [], [1]),       # the customer's end
    ((0, 8000), ("您说的是哪张卡?", None, 9000), [], [1]),       # the agent's start
    ((0, 8000), ("您说的是哪张卡?", 5000, None), [1], []),       # the agent's end is not needed
    ((None, None), ("嗯嗯", None, None), [], []),                # a backchannel is not judged, timed or not
    ((None, None), ("您说的是哪张卡?", None, None), [], [1]),
])
def test_missing_timestamps_are_unknown_never_an_interruption(customer, agent, hits, unknowns):
    call = timed(("C", COMPLAINT, *customer), ("A", *agent))
    assert found(RUBRIC, call) == hits and unknown(RUBRIC, call) == unknowns


def test_a_call_without_timestamps_is_not_applicable():
    hits = evaluate(RUBRIC, dialogue("A: 您好,请问有什么可以帮您?", f"C: {COMPLAINT}", "A: 您说的是哪张卡?"))
    assert hits.found == {} and hits.unknown == {2} and hits.not_applicable


def test_an_empty_call_has_no_interruption_and_nothing_unknown():
    hits = evaluate(RUBRIC, EMPTY)
    assert hits.found == {} and hits.unknown == set()


@pytest.mark.parametrize("within, hits, unknowns", [
    ([0, 1, 2, 3, 4], [1], [4]),
    ([1], [1], []),
    ([4], [], [4]),
    ([0, 2, 3], [], []),
])
def test_only_the_utterances_asked_are_judged(within, hits, unknowns):
    call = timed(("C", COMPLAINT, 0, 8000), ("A", "您说的是哪张卡?", 5000, 9000), ("C", "尾号1234", 10000, None),
                 ("C", "就是那张", 12000, 13000), ("A", "好的我看一下", None, 20000))
    result = condition(RUBRIC).evaluate(Context(call), within)
    assert sorted(result.found) == hits and sorted(result.unknown) == unknowns


@pytest.mark.parametrize("lines, hits", [
    # default.yaml interruption examples
    ([f"C 0-8: {COMPLAINT}", "A 5-9: 您说的是哪张卡?"], [1]),
    ([f"C 0-8: {COMPLAINT}", "A 8.5-11: 您说的是哪张卡?"], []),
    ([f"C 0-8: {COMPLAINT}", "A 4-5: 嗯嗯"], []),
    (["C 0-8: 我上个月在你们网点办的那张卡", "A 7.5-11: 您说的是哪张卡?"], []),
    # a backchannel first, then cutting in
    ([f"C 0-8: {COMPLAINT}", "A 3-3.5: 嗯", "A 5-9: 您说的是哪张卡?"], [2]),
])
def test_interruption_criterion_examples(lines, hits):
    assert found(RUBRIC, dialogue(*lines)) == hits


@pytest.mark.parametrize("spec, key, fragment", [
    ({"tolerance_s": -0.5}, "criteria.c.violation_when.interruption.tolerance_s", "must be a number ≥ 0"),
    ({"tolerance_s": "1s"}, "criteria.c.violation_when.interruption.tolerance_s", "must be a number"),
    ({"min_chars": 1.5}, "criteria.c.violation_when.interruption.min_chars", "must be a whole number ≥ 0"),
    ({"min_chars": -1}, "criteria.c.violation_when.interruption.min_chars", "must be a whole number ≥ 0"),
    ({"min_chars": True}, "criteria.c.violation_when.interruption.min_chars", "must be a whole number"),
    ({"tolerance": 1}, "criteria.c.violation_when.interruption.tolerance", "(did you mean 'tolerance_s'?)"),
    ({"min_char": 4}, "criteria.c.violation_when.interruption.min_char", "(did you mean 'min_chars'?)"),
    ({"over_s": 1}, "criteria.c.violation_when.interruption.over_s", "known: tolerance_s, min_chars"),
    (None, "criteria.c.violation_when.interruption", "takes a mapping of parameters"),
    (1.0, "criteria.c.violation_when.interruption", "takes a mapping of parameters"),
])
def test_errors_name_the_key(spec, key, fragment):
    assert_config_error({"interruption": spec}, key, fragment)


def test_starting_at_the_same_moment_as_the_customer_is_cutting_in():
    """Both start at 0 ms and the customer talks on for 5 s: the agent spoke over the whole turn."""
    call = timed(("C", "我想问一下我的贷款什么时候到账", 0, 5000), ("A", "您好您好请讲请讲", 0, 2000))
    assert found({"interruption": {}}, call) == [1]
