"""builtin operator: the five rule scorers as conditions — same findings, outcome choice, name resolution."""
import json
from pathlib import Path

import pytest

from scorers.call import Call, Utterance
from scorers.config import ConfigError
from scorers.finding import MET, VIOLATION, Finding
from scorers.operators import BuiltinScorers, Context
from tests.op_helpers import EMPTY, RUBRICS, condition, default_builtins, dialogue, evaluate, found, timed

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "calls-2026-11-20.jsonl"


def hits(spec, call, builtins=None):
    return evaluate({"builtin": spec}, call, builtins or default_builtins())


@pytest.mark.parametrize("spec, lines, at, rule, said", [   # rubrics/default.yaml examples
    ("jargon", ["A: 您的利率是按LPR加点算的。"], 0, "jargon.unexplained_term", "LPR加点"),
    ("empathy", ["C: 我都打了三次电话了,你们到底怎么回事?", "A: 请提供一下卡号后四位。", "C: 1234", "A: 好的,查到了。"],
     0, "empathy.missing_after_distress", "打了三次"),
    ({"scorer": "empathy", "outcome": "met"}, ["C: 我都打了三次电话了,你们到底怎么回事?", "A: 实在抱歉让您久等了,我马上帮您查。"],
     1, "empathy.phrase", "抱歉"),
    ("paraphrase", ["C: 我想把信用卡自动还款改成另一张储蓄卡", "A: 跟您确认一下,您是想把信用卡自动还款改成另一张储蓄卡,对吗?"],
     1, "paraphrase.restates_need", None),
    ("over_promise", ["A: 这款产品保本保息,稳赚不赔。"], 0, "over_promise.guarantee_phrase", "这款产品保本保息"),
    ("over_promise", ["A: 這款產品保本保息,穩賺不賠。"], 0, "over_promise.guarantee_phrase", "這款產品保本保息"),
    ("info_leak", ["A: 您的手机号是13800138000对吧?"], 0, "info_leak.full_number", "13800138000"),
    ("info_leak", ["A: 麻烦您把短信验证码报给我一下。"], 0, "info_leak.solicit_secret", None),
])
def test_hits_are_the_scorers_findings(spec, lines, at, rule, said):
    call = dialogue(*lines)
    result = hits(spec, call)
    assert sorted(result.found) == [at] and result.unknown == set()
    hit = result.found[at]
    text = call.utterances[at].text
    assert hit.rule == rule and hit.findings and hit.findings[0].rule_id == rule
    assert (hit.start, hit.end, hit.detail) == (hit.findings[0].span_start, hit.findings[0].span_end,
                                                hit.findings[0].detail)
    if said:
        assert text[hit.start:hit.end] == said


@pytest.mark.parametrize("spec, lines", [
    ("jargon", ["A: 您的利率是按LPR加点算的,LPR也就是贷款市场报价利率,简单说就是房贷利率参考的基准。"]),
    ("jargon", ["C: LPR降了,我的房贷会降吗?", "A: LPR降了的话,您的房贷利率会在重定价日跟着调整,也就是每年一月一号。"]),
    ("empathy", ["C: 我都打了三次电话了,你们到底怎么回事?", "A: 实在抱歉让您久等了,我马上帮您查。"]),
    ({"scorer": "empathy", "outcome": "met"}, ["C: 我都打了三次电话了", "A: 请提供一下卡号后四位。"]),
    ("paraphrase", ["C: 我想查一下余额", "A: 您再说一遍?"]),
    ("over_promise", ["A: 理财产品不保本,过往业绩不代表未来表现。"]),
    ("over_promise", ["A: 我会在24小时内给您回电告知进度。"]),
    ("info_leak", ["A: 您尾号1234的卡,对吗?"]),
    ("info_leak", ["A: 银行不会向您索要验证码,请不要告诉任何人。"]),
])
def test_misses(spec, lines):
    assert found({"builtin": spec}, dialogue(*lines), default_builtins()) == []


def test_outcome_selects_met_or_violation():
    call = dialogue("C: 我都打了三次电话了,你们到底怎么回事?", "A: 请提供一下卡号后四位。", "C: 1234",
                    "A: 好的,查到了。", "A: 实在抱歉让您久等了")
    assert sorted(hits("empathy", call).found) == sorted(hits({"scorer": "empathy", "outcome": "violation"},
                                                                    call).found) == [0]
    assert sorted(hits({"scorer": "empathy", "outcome": "met"}, call).found) == [4]
    assert all(f.outcome == MET for f in hits({"scorer": "empathy", "outcome": "met"}, call).found[4].findings)


def test_paraphrase_defaults_to_met_the_others_to_violation():
    assert condition({"builtin": "paraphrase"}, default_builtins()).outcome == MET
    for name in ("jargon", "empathy", "over_promise", "info_leak"):
        assert condition({"builtin": name}, default_builtins()).outcome == VIOLATION
    call = dialogue("C: 我想把信用卡自动还款改成另一张储蓄卡", "A: 跟您确认一下,您是想把信用卡自动还款改成另一张储蓄卡,对吗?")
    assert hits({"scorer": "paraphrase", "outcome": "violation"}, call).found == {}


def _sample_calls():
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        yield Call(record["call_id"], record["agent_id"], [
            Utterance(u["speaker"], u["text"], u.get("start_ms"), u.get("end_ms")) for u in record["utterances"]])


@pytest.mark.parametrize("name", ["jargon", "empathy", "paraphrase", "over_promise", "info_leak"])
def test_the_operator_reports_exactly_what_the_scorer_finds(name):
    """Over the sample night: same utterances, same first span and rule, all the findings kept."""
    builtins = default_builtins()
    op = condition({"builtin": name}, builtins)
    scorer = builtins.configured[name][1]
    seen = 0
    for call in _sample_calls():
        expected: dict[int, list[Finding]] = {}
        for f in scorer(call):
            if f.outcome == op.outcome:
                expected.setdefault(f.utterance_index, []).append(f)
        result = op.evaluate(Context(call), range(len(call.utterances)))
        assert sorted(result.found) == sorted(expected) and result.unknown == set()
        for i, hit in result.found.items():
            first = expected[i][0]
            assert (hit.start, hit.end, hit.rule, hit.detail) == (first.span_start, first.span_end, first.rule_id,
                                                                  first.detail)
            assert [f.rule_id for f in hit.findings] == [f.rule_id for f in expected[i]]
        seen += len(expected)
    assert seen > 0, f"the sample night should hold some {name} findings"


def test_only_the_utterances_asked_are_reported_and_findings_survive_all():
    call = dialogue("A: 这款产品保本保息。", "C: 保本保息吗", "A: 保证稳赚不赔。")
    op = condition({"builtin": "over_promise"}, default_builtins())
    assert sorted(op.evaluate(Context(call), [2]).found) == [2]
    result = evaluate({"all": [{"role": "agent"}, {"builtin": "over_promise"}]}, call, default_builtins())
    assert sorted(result.found) == [0, 2]
    assert result.found[0].rule == "all.over_promise.guarantee_phrase" and result.found[0].findings


def test_empty_call_and_missing_timestamps():
    assert hits("jargon", EMPTY).found == {} and hits("empathy", EMPTY).unknown == set()
    untimed = timed(("A", "这款产品保本保息。", None, None))
    assert sorted(hits("over_promise", untimed).found) == [0] and hits("over_promise", untimed).unknown == set()


class Counting:
    """A scorer that counts its calls."""

    criterion = "x"

    def __init__(self, index=0, outcome=VIOLATION):
        self.calls, self.index, self.outcome = 0, index, outcome

    def __call__(self, call):
        self.calls += 1
        return [Finding("x", self.outcome, self.index, 0, 1, "e", "x.rule", detail="d")]


def test_a_scorer_runs_once_per_call_however_many_conditions_name_it():
    scorer = Counting()
    builtins = BuiltinScorers({"mine": ("over_promise/v1", scorer)}, RUBRICS, RUBRICS / "test.yaml")
    spec = {"any": [{"all": [{"role": "agent"}, {"builtin": "mine"}]}, {"builtin": "over_promise"},
                    {"not": {"builtin": "over_promise/v1"}}]}
    result = evaluate(spec, dialogue("A: 好", "C: 嗯"), builtins)
    assert scorer.calls == 1 and sorted(result.found) == [0, 1]


def test_names_resolve_to_the_criterion_then_its_scorer_then_the_registry():
    mine = Counting()
    builtins = BuiltinScorers({"promise": ("over_promise/v1", mine)}, RUBRICS, RUBRICS / "test.yaml")
    for name in ("promise", "over_promise", "over_promise/v1"):
        assert condition({"builtin": name}, builtins).scorer is mine
    jargon = condition({"builtin": "jargon"}, builtins)
    assert jargon.label == "builtin:jargon" and jargon.scorer is condition({"builtin": "jargon/v1"}, builtins).scorer
    assert found({"builtin": "jargon"}, dialogue("A: 您的利率是按LPR加点算的。"), builtins) == [0]


def test_a_scorer_configured_twice_must_be_named_by_criterion():
    builtins = BuiltinScorers({"b": ("over_promise/v1", Counting()), "a": ("over_promise/v1", Counting())},
                              RUBRICS, RUBRICS / "test.yaml")
    with pytest.raises(ConfigError) as info:
        condition({"builtin": "over_promise"}, builtins)
    assert info.value.key == "criteria.c.violation_when.builtin.scorer"
    assert "configured by several criteria (a, b)" in str(info.value) and "builtin: a" in str(info.value)
    assert condition({"builtin": "b"}, builtins).scorer is builtins.configured["b"][1]
    shared = Counting()
    same = BuiltinScorers({"a": ("over_promise/v1", shared), "b": ("over_promise/v1", shared)}, RUBRICS, "r.yaml")
    assert condition({"builtin": "over_promise"}, same).scorer is shared


ROOT = "criteria.c.violation_when.builtin"


@pytest.mark.parametrize("value, key, fragment", [
    ("jargn", f"{ROOT}.scorer", "unknown built-in scorer 'jargn' (did you mean 'jargon'?)"),
    ("over_promis", f"{ROOT}.scorer", "(did you mean 'over_promise'?)"),
    ("jargon/v2", f"{ROOT}.scorer", "(did you mean 'jargon/v1'?)"),
    ({"scorer": "jargon", "outcome": "violaton"}, f"{ROOT}.outcome", "must be one of violation, met"),
    ({"scorer": "jargon", "outcome": "violaton"}, f"{ROOT}.outcome", "(did you mean 'violation'?)"),
    ({"scorer": "jargon", "outcom": "met"}, f"{ROOT}.outcom", "(did you mean 'outcome'?)"),
    ({"scorr": "jargon"}, f"{ROOT}.scorr", "(did you mean 'scorer'?)"),
    ({"outcome": "met"}, f"{ROOT}.scorer", "missing: the built-in scorer"),
    ("", f"{ROOT}.scorer", "missing: the built-in scorer"),
    ({"scorer": 5}, f"{ROOT}.scorer", "missing: the built-in scorer"),
    (3, ROOT, "builtin takes a mapping of parameters"),
])
def test_errors_name_the_key(value, key, fragment):
    with pytest.raises(ConfigError) as info:
        condition({"builtin": value}, default_builtins())
    assert info.value.key == key and fragment in str(info.value), str(info.value)
    assert str(info.value).startswith(str(info.value.file))


def test_an_unknown_name_lists_the_known_scorers():
    with pytest.raises(ConfigError) as info:
        condition({"builtin": "jargn"}, default_builtins())
    known = str(info.value).split("known: ", 1)[1].split(", ")
    assert {"empathy", "info_leak", "jargon", "over_promise", "paraphrase"} <= set(known) and known == sorted(known)


def test_builtins_need_a_rubric_and_default_word_lists():
    with pytest.raises(ConfigError, match="only available inside a rubric") as info:
        condition({"builtin": "jargon"})
    assert info.value.key == ROOT
    elsewhere = BuiltinScorers({}, RUBRICS / "lexicons", RUBRICS / "test.yaml")
    with pytest.raises(ConfigError, match="cannot build jargon/v1 with its default word lists") as info:
        condition({"builtin": "jargon"}, elsewhere)
    assert info.value.key == f"{ROOT}.scorer" and "file not found" in str(info.value)
