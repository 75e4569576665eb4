"""role operator: who is speaking, the cheap first filter of most service rules."""
import pytest

from scorers.config import ConfigError
from scorers.operators import Context
from tests.op_helpers import EMPTY, condition, dialogue, evaluate, found, unknown

CALL = dialogue("C: 喂?", "A: 您好", "C: 我不知道密码", "A: 好的", "A: 我帮您查")
NOT_KNOWING = {"all": [{"role": "agent"}, {"keywords": ["不知道"]}]}


@pytest.mark.parametrize("speaker, hits", [
    ("agent", [1, 3, 4]),
    ("customer", [0, 2]),
])
def test_role_picks_the_speakers_utterances(speaker, hits):
    assert found({"role": speaker}, CALL) == hits


def test_the_hit_is_the_whole_utterance():
    hit = evaluate({"role": "customer"}, CALL).found[2]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (0, 0, "role:customer", "")


@pytest.mark.parametrize("call", [EMPTY, dialogue("C: 喂?", "C: 有人吗?")])
def test_nothing_from_a_call_without_the_speaker(call):
    hits = evaluate({"role": "agent"}, call)
    assert hits.found == {} and hits.unknown == set()


def test_timestamps_do_not_matter():
    assert found({"role": "agent"}, dialogue("A 0-1: 您好", "C: 嗯", "A: 好的")) == [0, 2]
    assert unknown({"role": "agent"}, dialogue("A: 您好", "C: 嗯")) == []


@pytest.mark.parametrize("within, hits", [
    (range(5), [1, 3, 4]),         # the whole call (the cached path)
    ([0, 1, 2, 3, 4], [1, 3, 4]),  # the same utterances as a list
    ([2, 3], [3]),
    (range(1, 3), [1]),
    ([0, 2], []),
    ([], []),
])
def test_only_the_utterances_asked_are_judged(within, hits):
    assert sorted(condition({"role": "agent"}).evaluate(Context(CALL), within).found) == hits


@pytest.mark.parametrize("lines, hits", [
    # default.yaml's service rules judge the agent: a customer's 我不知道 is no 服务禁语
    (["C: 我不知道密码", "A: 没关系,可以在手机银行重置。"], []),
    (["C: 密码忘了怎么办?", "A: 不知道,你自己看吧。"], [1]),
])
def test_customer_words_are_context_not_violations(lines, hits):
    assert found(NOT_KNOWING, dialogue(*lines)) == hits


def test_inside_all_the_evidence_comes_from_the_words_not_the_role():
    hit = evaluate(NOT_KNOWING, dialogue("A: 这个我不知道")).found[0]
    assert hit.rule == "all.keywords.any" and (hit.start, hit.end) == (3, 6)


@pytest.mark.parametrize("spec, fragment", [
    ("agnet", "(did you mean 'agent'?)"),
    ("Agent", "(did you mean 'agent'?)"),
    ("custmer", "(did you mean 'customer'?)"),
    ("any", "must be one of agent, customer, got 'any'"),   # every utterance is no role
    (None, "must be one of agent, customer, got None"),
    (["agent"], "must be one of agent, customer"),
    ({"speaker": "agent"}, "must be one of agent, customer"),
])
def test_errors_name_the_key(spec, fragment):
    with pytest.raises(ConfigError) as info:
        condition({"role": spec})
    assert info.value.key == "criteria.c.violation_when.role" and fragment in str(info.value)
    assert str(info.value).startswith(str(info.value.file))
