"""speech_rate operator: spoken characters per minute, per utterance or over the whole call."""
import pytest

from scorers.operators import Context
from tests.op_helpers import EMPTY, assert_config_error, condition, dialogue, evaluate, found, timed, unknown

RUBRIC = {"speech_rate": {"over_per_min": 300, "min_chars": 20, "speaker": "agent"}}
CALL_SCOPE = {"speech_rate": {"over_per_min": 300, "min_chars": 20, "scope": "call"}}
TRANSFER = "您这笔转账已经成功了一般两小时内到账如果没到您再打过来我们帮您查"  # 32 spoken characters
TWENTY = "您好请问有什么可以帮您的吗我们这边为您服"  # 20 characters, none of them punctuation


def said(text: str, millis: int | None, speaker: str = "A"):
    return timed((speaker, text, 0 if millis is not None else None, millis))


@pytest.mark.parametrize("text, millis, hits", [
    (TRANSFER, 3000, [0]),           # 640 a minute
    (TRANSFER, 8000, []),            # 240 a minute
    (TWENTY + "务,感谢来电", 5000, []),   # 25 spoken in 5 s: exactly 300 is not over
    (TWENTY + "务,感谢来电", 4999, [0]),  # 300.06 a minute
    (TWENTY + ",,,,,", 4000, []),    # punctuation takes no time to say: 20 in 4 s is 300, not 375
    (TWENTY + "     ", 4000, []),    # nor do spaces
    (TWENTY + "ABC12", 4999, [0]),   # letters and digits are spoken
])
def test_rate_against_the_threshold(text, millis, hits):
    assert found(RUBRIC, said(text, millis)) == hits


def test_the_hit_carries_the_rate():
    hit = evaluate(RUBRIC, said(TRANSFER, 3000)).found[0]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (0, 0, "speech_rate", "语速640.0字/分钟")


@pytest.mark.parametrize("text, min_chars, hits", [
    (TWENTY[:19], 20, []),            # too short to say anything about pace, however fast
    (TWENTY, 20, [0]),                # exactly min_chars is judged
    (TWENTY[:19] + "!!!", 20, []),    # 22 characters, 19 of them spoken
    ("好", 0, [0]),                   # min_chars: 0 judges everything
    ("好", 1, [0]),
    ("好", 2, []),
])
def test_min_chars_counts_spoken_characters(text, min_chars, hits):
    spec = {"speech_rate": {"over_per_min": 300, "min_chars": min_chars}}
    assert found(spec, said(text, 100)) == hits


@pytest.mark.parametrize("speaker, hits", [
    (None, [0]),             # the agent by default
    ("agent", [0]),
    ("customer", [1]),
    ("any", [0, 1]),
])
def test_speaker(speaker, hits):
    spec = {"over_per_min": 300}
    if speaker:
        spec["speaker"] = speaker
    call = timed(("A", TRANSFER, 0, 3000), ("C", TRANSFER, 4000, 7000), ("A", TRANSFER, 8000, 20000))
    assert found({"speech_rate": spec}, call) == hits


@pytest.mark.parametrize("start, end, text, unknowns", [
    (None, None, TRANSFER, [0]),
    (0, None, TRANSFER, [0]),
    (None, 3000, TRANSFER, [0]),
    (3000, 3000, TRANSFER, [0]),          # a zero duration is no rate (no division by zero either)
    (None, None, "好的,请稍等。", []),     # too short to be judged with timestamps, so not unknown without
    (None, None, TWENTY[:19] + "!!!", []),
])
def test_missing_timestamps_are_unknown_never_too_fast(start, end, text, unknowns):
    call = timed(("A", text, start, end))
    assert found(RUBRIC, call) == [] and unknown(RUBRIC, call) == unknowns


def test_a_call_without_timestamps_is_not_applicable_and_the_customer_is_not_judged():
    hits = evaluate(RUBRIC, dialogue(f"A: {TRANSFER}", f"C: {TRANSFER}", "A: 好的"))
    assert hits.found == {} and hits.unknown == {0} and hits.not_applicable


@pytest.mark.parametrize("spec", [RUBRIC, CALL_SCOPE])
def test_an_empty_call_has_no_rate_and_nothing_unknown(spec):
    hits = evaluate(spec, EMPTY)
    assert hits.found == {} and hits.unknown == set()


def test_only_the_utterances_asked_are_judged():
    call = timed(("A", TRANSFER, 0, 3000), ("A", TRANSFER, None, None), ("A", TRANSFER, 4000, 7000))
    result = condition(RUBRIC).evaluate(Context(call), [1, 2])
    assert sorted(result.found) == [2] and result.unknown == {1}


# --------------------------------------------------------------------------- scope: call

@pytest.mark.parametrize("turns, hits", [
    # two 10-character utterances, each too short alone, are 20 characters in 2 s together
    ([("A", TWENTY[:10], 0, 1000), ("C", "嗯", 1000, 1500), ("A", TWENTY[10:], 2000, 3000)], [2]),
    # one fast utterance in a slow call: the call's pace is fine
    ([("A", TRANSFER, 0, 3000), ("A", TRANSFER, 4000, 20000)], []),
    # 20 characters in exactly 4 s is 300: not over; 1 ms less is
    ([("A", TWENTY[:10], 0, 2000), ("A", TWENTY[10:], 5000, 7000)], []),
    ([("A", TWENTY[:10], 0, 2000), ("A", TWENTY[10:], 5000, 6999)], [1]),
    # the pauses between utterances are not speaking time
    ([("A", TWENTY[:10], 0, 1000), ("A", TWENTY[10:], 60000, 61000)], [1]),
    # fewer than min_chars over the whole call are not judged
    ([("A", TWENTY[:19], 0, 100)], []),
    # the customer's speed does not count for the agent
    ([("A", TWENTY, 0, 8000), ("C", TRANSFER * 3, 9000, 10000)], []),
])
def test_call_scope_adds_up_the_speakers_utterances(turns, hits):
    assert found(CALL_SCOPE, timed(*turns)) == hits


def test_call_scope_reports_at_the_speakers_last_utterance():
    call = timed(("A", TWENTY[:10], 0, 1000), ("A", TWENTY[10:], 2000, 3000), ("C", "好的", 4000, 5000))
    hit = evaluate(CALL_SCOPE, call).found[1]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (0, 0, "speech_rate.call", "全通语速600.0字/分钟")
    spec = {"speech_rate": {"over_per_min": 300, "scope": "call", "speaker": "customer", "min_chars": 0}}
    assert found(spec, call) == []
    spec["speech_rate"]["over_per_min"] = 100
    assert found(spec, call) == [2]


@pytest.mark.parametrize("turns, hits, unknowns", [
    # no timestamps at all: unknown, at the last agent utterance
    ([("A", TRANSFER, None, None), ("A", TRANSFER, None, None), ("C", "嗯", None, None)], [], [1]),
    ([("A", TRANSFER, 0, 0)], [], [0]),
    # what is timed is judged alone: the untimed utterance adds neither characters nor time
    ([("A", TWENTY, 0, 2000), ("A", TRANSFER * 5, None, None)], [1], []),
    ([("A", TWENTY, 0, 8000), ("A", TRANSFER * 5, 9000, None)], [], []),
    # no agent utterance: nothing to judge, nothing unknown
    ([("C", TRANSFER, None, None)], [], []),
])
def test_call_scope_without_timestamps(turns, hits, unknowns):
    call = timed(*turns)
    assert found(CALL_SCOPE, call) == hits and unknown(CALL_SCOPE, call) == unknowns


@pytest.mark.parametrize("within, hits", [([0, 1], [1]), ([1], [1]), ([0], []), ([], [])])
def test_call_scope_is_judged_only_when_its_last_utterance_is_asked(within, hits):
    call = timed(("A", TWENTY[:10], 0, 1000), ("A", TWENTY[10:], 2000, 3000))
    assert sorted(condition(CALL_SCOPE).evaluate(Context(call), within).found) == hits


@pytest.mark.parametrize("lines, hits", [
    # default.yaml speech_rate examples
    ([f"A 0-3: {TRANSFER}"], [0]),
    ([f"A 0-8: {TRANSFER}"], []),
    (["A 0-1: 好的,请稍等。"], []),
    # an elderly customer's fast question is not the agent's fault
    ([f"C 0-3: {TRANSFER}", "A 3.5-12: 好的,您别着急,我这边慢慢给您查一下这笔转账的情况。"], []),
])
def test_speech_rate_criterion_examples(lines, hits):
    assert found(RUBRIC, dialogue(*lines)) == hits


@pytest.mark.parametrize("spec, key, fragment", [
    ({}, "criteria.c.violation_when.speech_rate.over_per_min", "missing: speech_rate needs `over_per_min`"),
    ({"over_per_min": -1}, "criteria.c.violation_when.speech_rate.over_per_min", "must be a number ≥ 0"),
    ({"over_per_min": "300"}, "criteria.c.violation_when.speech_rate.over_per_min", "must be a number"),
    ({"over_per_min": 300, "min_chars": 2.5}, "criteria.c.violation_when.speech_rate.min_chars",
     "must be a whole number ≥ 0, got 2.5"),
    ({"over_per_min": 300, "min_chars": -1}, "criteria.c.violation_when.speech_rate.min_chars", "whole number"),
    ({"over_per_min": 300, "scope": "calls"}, "criteria.c.violation_when.speech_rate.scope",
     "(did you mean 'call'?)"),
    ({"over_per_min": 300, "speaker": "agnet"}, "criteria.c.violation_when.speech_rate.speaker",
     "(did you mean 'agent'?)"),
    ({"over_per_min": 300, "min_char": 20}, "criteria.c.violation_when.speech_rate.min_char",
     "(did you mean 'min_chars'?)"),
    ({"over_per_min": 300, "over_s": 20}, "criteria.c.violation_when.speech_rate.over_s",
     "known: over_per_min, min_chars, speaker, scope"),
    (300, "criteria.c.violation_when.speech_rate", "takes a mapping of parameters"),
])
def test_errors_name_the_key(spec, key, fragment):
    assert_config_error({"speech_rate": spec}, key, fragment)
