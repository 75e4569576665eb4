"""position operator: the first or last N utterances of the call, or of one speaker."""
import pytest

from scorers.operators import Context
from tests.op_helpers import EMPTY, assert_config_error, condition, dialogue, evaluate, found, unknown

CALL = dialogue("C: 喂?", "A: 您好", "C: 我想查余额", "A: 好的", "A: 查到了", "C: 谢谢", "A: 再见")
GREETING = {"all": [{"position": {"first": 1, "speaker": "agent"}}, {"keywords": {"none": [["您好", "你好"]]}}]}


@pytest.mark.parametrize("spec, hits", [
    ({"first": 1}, [0]),
    ({"first": 3}, [0, 1, 2]),
    ({"last": 1}, [6]),
    ({"last": 2}, [5, 6]),
    ({"first": 1, "speaker": "agent"}, [1]),        # the agent's opening, though the customer spoke first
    ({"first": 2, "speaker": "agent"}, [1, 3]),     # the customer's utterances do not use up the count
    ({"last": 2, "speaker": "agent"}, [4, 6]),
    ({"last": 1, "speaker": "customer"}, [5]),
    ({"first": 1, "speaker": "any"}, [0]),
    ({"first": 7}, [0, 1, 2, 3, 4, 5, 6]),          # exactly the whole call
    ({"first": 50}, [0, 1, 2, 3, 4, 5, 6]),         # more than there are: all of them
    ({"last": 50, "speaker": "customer"}, [0, 2, 5]),
])
def test_first_and_last(spec, hits):
    assert found({"position": spec}, CALL) == hits


@pytest.mark.parametrize("end", ["first", "last"])
def test_the_hit_is_the_whole_utterance(end):
    hit = evaluate({"position": {end: 1}}, CALL).found[0 if end == "first" else 6]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (0, 0, f"position:{end}", "")


@pytest.mark.parametrize("call, spec", [
    (EMPTY, {"first": 1}),
    (EMPTY, {"last": 3, "speaker": "agent"}),
    (dialogue("C: 喂?", "C: 有人吗?"), {"first": 1, "speaker": "agent"}),   # the agent never spoke
])
def test_nothing_to_point_at(call, spec):
    hits = evaluate({"position": spec}, call)
    assert hits.found == {} and hits.unknown == set()


def test_timestamps_do_not_matter():
    untimed = dialogue("A: 您好", "C: 嗯", "A: 再见")
    timed_ = dialogue("A 0-1: 您好", "C 1-2: 嗯", "A: 再见")
    spec = {"position": {"last": 1, "speaker": "agent"}}
    assert found(spec, untimed) == found(spec, timed_) == [2]
    assert unknown(spec, untimed) == unknown(spec, timed_) == []


@pytest.mark.parametrize("spec, within, hits", [
    ({"first": 2, "speaker": "agent"}, [3, 4, 5], [3]),
    ({"first": 2, "speaker": "agent"}, [0, 2], []),
    ({"last": 1}, [6], [6]),
    ({"last": 1}, [], []),
    # position counts in the whole call, not among the utterances asked
    ({"first": 1, "speaker": "agent"}, [3, 4], []),
])
def test_only_the_utterances_asked_are_judged(spec, within, hits):
    assert sorted(condition({"position": spec}).evaluate(Context(CALL), within).found) == hits


@pytest.mark.parametrize("lines, hits", [
    # default.yaml greeting examples: the agent's first utterance without 您好/你好
    (["A: 喂,什么事?", "C: 我想查余额"], [0]),
    (["C: 喂?", "A: 说吧,什么问题?"], [1]),
    (["A: 您好,很高兴为您服务,请问有什么可以帮您?"], []),
    (["C: 喂?", "A: 你好,信用卡中心,请问有什么可以帮您?", "A: 喂?"], []),   # a later 喂 is no opening
])
def test_greeting_criterion_examples(lines, hits):
    assert found(GREETING, dialogue(*lines)) == hits


def test_closing_anchor_is_the_agents_last_utterance_even_when_the_customer_hangs_up_last():
    call = dialogue("A: 您好", "C: 查余额", "A: 三千元,还有其他可以帮您的吗?", "C: 没了,拜拜")
    assert found({"position": {"last": 1, "speaker": "agent"}}, call) == [2]


@pytest.mark.parametrize("spec, key, fragment", [
    ({}, "criteria.c.violation_when.position", "give exactly one of first: N or last: N, got []"),
    ({"first": 1, "last": 1}, "criteria.c.violation_when.position", "give exactly one of first: N or last: N"),
    ({"frist": 1}, "criteria.c.violation_when.position", "(did you mean 'first'?)"),
    ({"lst": 2, "speaker": "agent"}, "criteria.c.violation_when.position", "(did you mean 'last'?)"),
    ({"first": 0}, "criteria.c.violation_when.position.first", "must be a whole number ≥ 1, got 0"),
    ({"last": -1}, "criteria.c.violation_when.position.last", "must be a whole number ≥ 1"),
    ({"first": 1.5}, "criteria.c.violation_when.position.first", "must be a whole number"),
    ({"first": True}, "criteria.c.violation_when.position.first", "must be a whole number"),
    ({"first": "1"}, "criteria.c.violation_when.position.first", "must be a whole number"),
    ({"first": 1, "speaker": "agnet"}, "criteria.c.violation_when.position.speaker", "(did you mean 'agent'?)"),
    ({"first": 1, "spaeker": "agent"}, "criteria.c.violation_when.position.spaeker", "(did you mean 'speaker'?)"),
    ({"first": 1, "role": "agent"}, "criteria.c.violation_when.position.role", "known: first, speaker"),
    (1, "criteria.c.violation_when.position", "takes a mapping of parameters"),
])
def test_errors_name_the_key(spec, key, fragment):
    assert_config_error({"position": spec}, key, fragment)
