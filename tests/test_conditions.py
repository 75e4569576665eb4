"""conditions: a criterion's violation_when / met_when / applies_when → findings, points, bonus, veto, not applicable.

Also keeps README "Writing rubrics" true: every YAML example there is built and
judged here, and the criteria it lists are the rubrics' criteria.
"""
import json
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from scorers.call import Call
from scorers.conditions import ConditionScorer, CriterionConditions, judge
from scorers.config import ConfigError
from scorers.finding import MET, VIOLATION
from scorers.operators import OPERATORS, Context
from scorers.rubric import load_rubric
from scorers.scoring import NOT_APPLICABLE, score_call
from scorers.selftest import call_from_lines, run_examples
from tests.op_helpers import RUBRICS, condition, default_builtins

ROOT = RUBRICS.parent
README = ROOT / "README.md"


def criterion(**specs) -> CriterionConditions:
    """Conditions of a criterion ``c`` of a rubric in rubrics/ (lexicon paths relative to it)."""
    return CriterionConditions.build("c", specs, RUBRICS / "test.yaml", RUBRICS, default_builtins())


def judged(conditions: CriterionConditions, *lines: str):
    return conditions.judge(Context(call_from_lines(list(lines))))


def write_rubric(folder: Path, criteria: str, pass_score: float = 80) -> Path:
    """A rubric file ``t.yaml`` in ``folder`` (a copy of rubrics/, so lexicons/ resolve) with these criteria."""
    path = folder / "t.yaml"
    path.write_text(f'id: t\nversion: "1"\npass_score: {pass_score}\ncriteria:\n'
                    + textwrap.indent(textwrap.dedent(criteria), "  "), encoding="utf-8")
    return path


def scored(path: Path, *lines: str):
    return score_call(call_from_lines(list(lines)), load_rubric(path))


# --------------------------------------------------------------------------- findings

def test_each_utterance_where_violation_when_holds_is_one_violation():
    findings, not_applicable = judged(criterion(violation_when={"keywords": ["不知道"]}),
                                      "A: 我不知道", "C: 不知道啊", "A: 好的")
    assert not not_applicable
    assert [(f.criterion, f.outcome, f.utterance_index) for f in findings] == [("c", VIOLATION, 0), ("c", VIOLATION, 1)]
    first = findings[0]
    assert (first.span_start, first.span_end, first.evidence) == (1, 4, "我不知道")
    assert first.rule_id == "c.keywords.any"
    assert first.detail == "「不知道」"
    assert (first.severity, first.points) == ("", 0.0)  # the rubric's points come from scoring


@pytest.mark.parametrize("spec, rule_id", [
    ({"all": [{"role": "agent"}, {"lexicon": {"file": "lexicons/service.yaml", "list": "taboo"}}]},
     "c.all.lexicon:taboo"),
    ({"role": "agent", "keywords": ["也没办法"]}, "c.all.keywords.any"),          # several keys: all of them
    ({"any": [{"keywords": ["再见"]}, {"keywords": ["没办法"]}]}, "c.any.keywords.any"),
    ({"not": {"keywords": ["您好"]}}, "c.not.keywords"),
    ({"regex": "没办法"}, "c.regex"),
])
def test_rule_id_is_the_criterion_and_the_operator_path(spec, rule_id):
    findings, _ = judged(criterion(violation_when=spec), "A: 这个我也没办法")
    assert [f.rule_id for f in findings] == [rule_id]


def test_a_whole_utterance_hit_has_the_whole_utterance_as_span():
    findings, _ = judged(criterion(violation_when={"role": "agent"}), "C: 喂", "A: 您好,请讲")
    assert [(f.utterance_index, f.span_start, f.span_end) for f in findings] == [(1, 0, 5)]


def test_evidence_and_detail_are_masked_and_the_span_points_into_the_original():
    findings, _ = judged(criterion(violation_when={"regex": "1[3-9][0-9]{9}"}), "A: 您的手机是13800138000对吧")
    (f,) = findings
    assert "13800138000" not in f.evidence and "13800138000" not in f.detail
    assert f.evidence == "您的手机是138****8000对吧"
    assert "您的手机是13800138000对吧"[f.span_start:f.span_end] == "13800138000"


def test_met_when_gives_met_findings_in_call_order_with_the_violations():
    conditions = criterion(met_when={"keywords": ["您好"]}, violation_when={"keywords": ["喂"]})
    findings, not_applicable = judged(conditions, "A: 喂", "A: 喂,您好", "A: 您好")
    assert not not_applicable
    assert [(f.utterance_index, f.outcome) for f in findings] == [(0, VIOLATION), (1, MET), (1, VIOLATION), (2, MET)]


def test_nothing_found_is_no_finding_and_applicable():
    assert judged(criterion(violation_when={"keywords": ["不知道"]}), "A: 您好") == ([], False)


def test_a_call_without_utterances_is_not_applicable():
    conditions = criterion(violation_when={"role": "agent"})
    assert conditions.judge(Context(Call("T-0", "A1", []))) == ([], True)


# --------------------------------------------------------------------------- applies_when

def test_applies_when_never_holding_makes_the_criterion_not_applicable():
    conditions = criterion(applies_when={"role": "customer"}, violation_when={"role": "agent"})
    assert judged(conditions, "A: 您好", "A: 请讲") == ([], True)


def test_applies_when_is_a_precondition_on_the_call_not_on_the_utterance():
    conditions = criterion(applies_when={"keywords": ["投诉"]}, violation_when={"keywords": ["不知道"]})
    findings, not_applicable = judged(conditions, "A: 不知道", "C: 我要投诉")
    assert not not_applicable
    assert [f.utterance_index for f in findings] == [0]  # judged over the whole call, before the complaint too


def test_applies_when_that_cannot_be_judged_is_not_applicable():
    conditions = criterion(applies_when={"silence": {"over_s": 5}}, violation_when={"role": "agent"})
    assert judged(conditions, "A: 您好", "C: 嗯", "A: 好的") == ([], True)  # no timestamps


# --------------------------------------------------------------------------- timing that cannot be judged

SILENCE = {"silence": {"over_s": 5}}


@pytest.mark.parametrize("lines, indexes, not_applicable", [
    (["A: 您好", "C: 嗯", "A: 好的"], [], True),                            # no timestamps: cannot tell
    (["A 0-1: 您好", "C 2-3: 嗯", "A 4-5: 好的"], [], False),               # measured: no silence
    (["A 0-1: 您好", "C 2-3: 嗯", "A 10-11: 好的"], [2], False),            # measured: a silence
    (["A 0-1: 您好", "C 2-3: 嗯", "A 10-11: 好的", "C: 嗯", "A: 好"], [2], False),  # found one: applicable
    (["A 0-1: 您好", "C 2-3: 嗯", "A 4-5: 好的", "C: 嗯"], [], True),        # one gap unmeasured, none found
])
def test_a_timing_condition_that_cannot_judge_makes_not_applicable_rather_than_met(lines, indexes, not_applicable):
    findings, na = judged(criterion(violation_when=SILENCE), *lines)
    assert [f.utterance_index for f in findings] == indexes
    assert na is not_applicable


def test_a_met_finding_makes_the_criterion_applicable_whatever_the_violation_side_says():
    conditions = criterion(met_when={"keywords": ["稍等"]}, violation_when=SILENCE)
    findings, not_applicable = judged(conditions, "A: 请稍等", "C: 嗯", "A: 好的")
    assert [(f.utterance_index, f.outcome) for f in findings] == [(0, MET)]
    assert not not_applicable


# --------------------------------------------------------------------------- builtin

def test_builtin_hits_are_the_scorers_own_findings_relabelled_for_the_criterion(default_rubric):
    scorer = next(c.scorer for c in default_rubric.criteria if c.id == "over_promise")
    call = call_from_lines(["C: 这个产品稳不稳?", "A: 这款产品保本保息,稳赚不赔。"])
    ctx = Context(call)
    own = ctx.findings_of(scorer)
    conditions = CriterionConditions.build("no_promise", {"violation_when": {"builtin": "over_promise"}},
                                           RUBRICS / "test.yaml", RUBRICS, default_builtins())
    findings, _ = conditions.judge(ctx)
    assert own and len(findings) == len(own)
    for f, o in zip(findings, own):
        assert (f.criterion, f.outcome) == ("no_promise", VIOLATION)
        assert (f.utterance_index, f.span_start, f.span_end, f.evidence, f.rule_id, f.detail) == \
               (o.utterance_index, o.span_start, o.span_end, o.evidence, o.rule_id, o.detail)
        assert f is not o  # copies: scoring sets points on them, the scorer's cached findings stay untouched
    findings[0].points = -25.0
    assert own[0].points == 0.0 and own[0].criterion == "over_promise"


def test_builtin_outcome_met_can_be_judged_as_a_violation():
    conditions = criterion(violation_when={"builtin": {"scorer": "empathy", "outcome": "met"}})
    findings, _ = judged(conditions, "C: 我都打了三次电话了,你们到底怎么回事?", "A: 实在抱歉让您久等了,我马上帮您查。")
    assert [(f.utterance_index, f.outcome) for f in findings] == [(1, VIOLATION)]


def test_module_judge_uses_conditions_then_the_scorer_then_nothing():
    call = call_from_lines(["A: 不知道"])
    conditions = criterion(violation_when={"keywords": ["不知道"]})
    with_conditions = SimpleNamespace(conditions=conditions, scorer=lambda c: pytest.fail("scorer must not run"))
    assert [f.rule_id for f in judge(with_conditions, Context(call))[0]] == ["c.keywords.any"]
    sentinel = [object()]
    assert judge(SimpleNamespace(conditions=None, scorer=lambda c: sentinel), Context(call)) == (sentinel, False)
    assert judge(SimpleNamespace(conditions=None, scorer=None), Context(call)) == ([], False)


def test_a_criterion_of_conditions_alone_gets_a_condition_scorer(rubric_copy):
    path = write_rubric(rubric_copy.parent, """
        taboo:
          weight: 5
          severity: major
          violation_when: {all: [{role: agent}, {keywords: [不知道]}]}
    """)
    (c,) = load_rubric(path).criteria
    assert isinstance(c.scorer, ConditionScorer) and c.scorer.criterion == "taboo"
    findings = c.scorer(call_from_lines(["A: 不知道", "C: 不知道"]))
    assert [(f.criterion, f.utterance_index, f.rule_id) for f in findings] == [("taboo", 0, "taboo.all.keywords.any")]


# --------------------------------------------------------------------------- points, bonus, veto, not applicable

TABOO = """
    taboo:
      weight: 5
      deduction: 2
      severity: major
      violation_when: {all: [{role: agent}, {keywords: [不知道]}]}
"""
THANKS = """
    thanks:
      weight: 5
      bonus: 3
      severity: minor
      met_when: {all: [{role: agent}, {keywords: [感谢]}]}
"""


def test_each_violation_costs_its_deduction_until_the_weight_is_spent(rubric_copy):
    result = scored(write_rubric(rubric_copy.parent, TABOO), "A: 不知道", "C: 我不知道", "A: 我也不知道", "A: 真不知道")
    assert [(f.utterance_index, f.points, f.severity) for f in result.findings] == \
           [(0, -2.0, "major"), (2, -2.0, "major"), (3, -1.0, "major")]
    r = result.results["taboo"]
    assert (r.status, r.score, r.deducted) == (VIOLATION, 0.0, 5.0)
    assert result.total_score == 0.0


@pytest.mark.parametrize("lines, thanks, taboo, total", [
    (["A: 感谢您的耐心"], (MET, 8.0), (MET, 5.0), 100.0),                      # 130 capped at 100
    (["A: 感谢您的耐心", "A: 不知道", "A: 不知道"], (MET, 8.0), (VIOLATION, 1.0), 90.0),  # the bonus makes up
    (["A: 不知道"], (NOT_APPLICABLE, 5.0), (VIOLATION, 3.0), 80.0),            # never shown: no bonus, not "met"
])
def test_bonus_is_earned_when_met_and_the_total_stays_capped(rubric_copy, lines, thanks, taboo, total):
    result = scored(write_rubric(rubric_copy.parent, THANKS + TABOO), *lines)
    assert (result.results["thanks"].status, result.results["thanks"].score) == thanks
    assert (result.results["taboo"].status, result.results["taboo"].score) == taboo
    assert result.total_score == total


def test_no_bonus_when_the_criterion_is_also_violated(rubric_copy):
    path = write_rubric(rubric_copy.parent, THANKS + "      violation_when: {keywords: [不知道]}\n")
    result = scored(path, "A: 感谢您的耐心", "A: 不知道")
    r = result.results["thanks"]
    assert (r.status, r.score) == (VIOLATION, 0.0)
    assert sorted(f.outcome for f in result.findings) == [MET, VIOLATION]


VETO = """
    code:
      weight: 5
      severity: critical
      veto: true
      violation_when: {all: [{role: agent}, {regex: '(报|说|告诉)[^,，。]{0,4}验证码'}]}
    other:
      weight: 95
      severity: minor
      violation_when: {keywords: [不知道]}
"""


@pytest.mark.parametrize("line, vetoed, passed, total", [
    ("A: 麻烦把验证码报给我", False, True, 100.0),
    ("A: 麻烦您报一下验证码", True, False, 95.0),      # 95 ≥ pass_score 80, failed by the veto
])
def test_a_violated_veto_criterion_fails_the_call_whatever_its_score(rubric_copy, line, vetoed, passed, total):
    result = scored(write_rubric(rubric_copy.parent, VETO), line)
    assert (result.vetoed, result.passed, result.total_score) == (vetoed, passed, total)


def test_not_applicable_keeps_the_weight_and_never_vetoes(rubric_copy):
    path = write_rubric(rubric_copy.parent, VETO.replace("      veto: true\n",
                                                         "      veto: true\n      applies_when: {role: customer}\n"))
    result = scored(path, "A: 麻烦您报一下验证码")  # would veto, but no customer ever speaks
    r = result.results["code"]
    assert (r.status, r.score, r.deducted) == (NOT_APPLICABLE, 5.0, 0.0)
    assert (result.vetoed, result.passed, result.findings) == (False, True, [])
    assert result.results["other"].status == MET  # a prohibition respected is met, not "not applicable"


@pytest.mark.parametrize("lines, status", [
    (["A: 您好", "C: 嗯", "A: 查到了"], NOT_APPLICABLE),
    (["A 0-1: 您好", "C 2-3: 嗯", "A 5-6: 查到了"], MET),
    (["A 0-1: 您好", "C 2-3: 嗯", "A 30-31: 查到了"], VIOLATION),
])
def test_timing_criterion_status(rubric_copy, lines, status):
    path = write_rubric(rubric_copy.parent, """
        dead_air:
          weight: 5
          severity: minor
          violation_when: {silence: {over_s: 20, before: agent}}
    """)
    assert scored(path, *lines).results["dead_air"].status == status


def test_the_shipped_dead_air_is_not_applicable_without_timestamps(default_rubric):
    result = score_call(call_from_lines(["A: 您好,我帮您查一下", "C: 好", "A: 查到了,已经到账了"]), default_rubric)
    assert result.results["dead_air"].status == NOT_APPLICABLE
    assert result.results["interruption"].status == NOT_APPLICABLE
    assert result.results["service_taboo"].status == MET


@pytest.mark.parametrize("lines, status, deducted", [
    (["C: 我想改自动还款", "A: 您是想改自动还款,对吗?"], MET, 0.0),
    (["C: 我想改自动还款", "A: 好的"], VIOLATION, 4.0),
    (["A: 您好", "A: 再见"], NOT_APPLICABLE, 0.0),               # no customer: nothing to restate
])
def test_required_behaviour_written_as_met_when(rubric_copy, lines, status, deducted):
    path = write_rubric(rubric_copy.parent, """
        restate:
          weight: 10
          required: true
          missing_deduction: 4
          severity: minor
          met_when: {all: [{role: agent}, {keywords: [对吗]}]}
    """)
    result = scored(path, *lines)
    r = result.results["restate"]
    assert (r.status, r.deducted) == (status, deducted)
    if status == VIOLATION:
        assert [(f.rule_id, f.utterance_index) for f in result.findings] == [("restate.required_missing", 0)]


# --------------------------------------------------------------------------- rubric errors in conditions

# (criterion settings, key named in the error, fragments of the problem)
BROKEN = {
    "operator typo": ("violation_when: {keyword: [不知道]}", "criteria.c.violation_when.keyword",
                      ["unknown operator (did you mean 'keywords'?)", "operators: keywords, regex"]),
    "criterion field typo": ("violation_whn: {keywords: [不知道]}", "criteria.c.violation_whn",
                             ["unknown key (did you mean 'violation_when'?)", "allowed: applies_when"]),
    "applies_when typo": ("aplies_when: {role: customer}\nviolation_when: {role: agent}", "criteria.c.aplies_when",
                          ["(did you mean 'applies_when'?)"]),
    "met_when typo": ("met_wen: {role: agent}", "criteria.c.met_wen", ["(did you mean 'met_when'?)"]),
    "nested operator typo": ("met_when: {all: [{role: agent}, {al: [{role: agent}]}]}", "criteria.c.met_when.all[1].al",
                             ["unknown operator (did you mean 'all'?)"]),
    "not_regex typo": ("violation_when: {regex: 不知道, not_regx: 不知道您}", "criteria.c.violation_when.not_regx",
                       ["unknown operator (did you mean 'not_regex'?)"]),
    "not_regex alone": ("violation_when: {not_regex: 不知道您}", "criteria.c.violation_when.not_regex",
                        ["refines a `regex` next to it, and there is none"]),
    "keywords mode typo": ("violation_when: {all: [{role: agent}, {keywords: {non: [您好]}}]}",
                           "criteria.c.violation_when.all[1].keywords", ["(did you mean 'none'?)"]),
    "role typo": ("violation_when: {all: [{role: agnet}]}", "criteria.c.violation_when.all[0].role",
                  ["must be one of agent, customer, got 'agnet' (did you mean 'agent'?)"]),
    "lexicon list typo": ("violation_when: {lexicon: {file: lexicons/service.yaml, list: tabo}}",
                          "criteria.c.violation_when.lexicon.list", ["no list 'tabo'", "(did you mean 'taboo'?)"]),
    "window unit typo": ("violation_when: {window: {anchor: {role: agent}, after: 1, unit: agent_utterance}}",
                         "criteria.c.violation_when.window.unit", ["(did you mean 'agent_utterances'?)"]),
    "window anchor error": ("violation_when: {window: {anchor: {rol: agent}, after: 1}}",
                            "criteria.c.violation_when.window.anchor.rol", ["(did you mean 'role'?)"]),
    "builtin typo": ("violation_when: {builtin: overpromise}", "criteria.c.violation_when.builtin.scorer",
                     ["unknown built-in scorer 'overpromise' (did you mean 'over_promise'?)"]),
    "parameter typo": ("violation_when: {speech_rate: {over_per_min: 300, scope: cal}}",
                       "criteria.c.violation_when.speech_rate.scope", ["(did you mean 'call'?)"]),
    "bad regex": ("violation_when: {regex: '(不知道'}", "criteria.c.violation_when.regex[0]",
                  ["invalid regular expression '(不知道'"]),
    "not a mapping": ("violation_when: [role, agent]", "criteria.c.violation_when",
                      ["a condition is a mapping of operators"]),
    "precondition of nothing": ("scorer: jargon/v1\napplies_when: {role: customer}", "criteria.c.applies_when",
                                ["a precondition of nothing: add violation_when or met_when"]),
    "bonus without met_when": ("bonus: 2\nviolation_when: {role: agent}", "criteria.c.bonus",
                               ["is earned when the criterion is met: add met_when"]),
    "no scorer, no conditions": ("deduction: 2", "criteria.c.scorer", ["give a scorer, or conditions"]),
}


@pytest.mark.parametrize("settings, key, fragments", list(BROKEN.values()), ids=list(BROKEN))
def test_condition_errors_name_file_criterion_key_and_the_closest_name(rubric_copy, settings, key, fragments):
    path = write_rubric(rubric_copy.parent, "c:\n  weight: 5\n  severity: minor\n" + textwrap.indent(settings, "  "))
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    assert info.value.key == key
    assert str(info.value).startswith(f"{path}: {key}: ")
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_typo_in_the_shipped_rubric_is_reported_as_the_readme_says(rubric_copy, edit):
    edit(rubric_copy, "        - keywords:\n            none:", "        - keyword:\n            none:")
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    expected = "criteria.greeting.violation_when.all[1].keyword: unknown operator (did you mean 'keywords'?)"
    assert str(info.value).startswith(f"{rubric_copy}: {expected}")
    assert f"rubrics/default.yaml: {expected}" in " ".join(README.read_text(encoding="utf-8").split())


# --------------------------------------------------------------------------- README "Writing rubrics"

def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def yaml_blocks(text: str) -> list:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def canonical(spec) -> str:
    return json.dumps(spec, sort_keys=True, ensure_ascii=False)


# Every condition example in the README, with a call where it holds (at those utterances) and one where it does not.
README_CONDITIONS = [
    ("keywords: {any: [您好, 你好]}", ["A: 喂", "A: 你好,请讲"], [1], ["A: 喂,请讲"]),
    ("keywords: {all: [[您好, 你好], [请问有什么可以帮您, 很高兴为您服务]]}",
     ["A: 你好,很高兴为您服务"], [0], ["A: 您好,你好"]),
    ("keywords: {at_least: 2, of: [身份证, 银行卡, 手机号]}", ["C: 带上身份证和银行卡"], [0], ["C: 带上身份证"]),
    ("keywords: {none: [再见, 感谢来电]}", ["A: 感谢来电", "A: 好的"], [1], ["A: 好的,再见"]),
    ("keywords: {any: [不知道], except: '不知道(您|你)'}",
     ["A: 不知道您方便吗?这个我也不知道"], [0], ["A: 我不知道您是否方便"]),
    ("regex: '(这|那)(是|属于)系统的问题'", ["A: 那是系统的问题"], [0], ["A: 这不是系统的问题"]),
    ("regex: 不知道\nnot_regex: '不知道(您|你)'", ["A: 不知道您方便吗?这个我也不知道"], [0], ["A: 我不知道您是否方便"]),
    ("lexicon: {file: lexicons/service.yaml, list: taboo, except: not_taboo}",
     ["A: 不知道,你自己看吧。"], [0], ["A: 我不知道您是否方便现在核对一下信息?"]),
    ("role: agent", ["C: 喂", "A: 您好"], [1], ["C: 喂"]),
    ("position: {first: 1, speaker: agent}", ["C: 喂", "A: 您好", "A: 请讲"], [1], ["C: 喂"]),
    ("position: {last: 2}", ["A: 一", "C: 二", "A: 三"], [1, 2], []),
    ("""window:
         anchor: {lexicon: {file: lexicons/service.yaml, list: follow_up}}
         after: 1
         unit: agent_utterances
         include_anchor: true
         lacks: {lexicon: {file: lexicons/service.yaml, list: time_promise}}""",
     ["A: 我帮您提交给相关部门处理。", "C: 好吧", "A: 还有其他问题吗?"], [0],
     ["A: 我帮您提交给相关部门处理。", "C: 要多久?", "A: 三个工作日内给您回复。"]),
    ("silence: {over_s: 20, before: agent}", ["A 0-3: 您好", "C 3.5-5: 嗯", "A 25.1-27: 查到了"], [2],
     ["A 0-3: 您好", "C 3.5-5: 嗯", "A 25-27: 查到了"]),                          # exactly 20 s is not over
    ("latency: {over_s: 5}", ["C 0-2: 喂?", "A 7.1-8: 您好"], [1], ["C 0-2: 喂?", "A 7-8: 您好"]),
    ("speech_rate: {over_per_min: 300, min_chars: 20, speaker: agent}",
     ["A 0-3.9: 一二三四五六七八九十一二三四五六七八九十"], [0],
     ["A 0-4: 一二三四五六七八九十,一二三四五六七八九十。"]),                     # 20 characters in 4 s: exactly 300
    ("speech_rate: {over_per_min: 280, scope: call}",
     ["A 0-2: 一二三四五六七八九十", "C 2-3: 嗯", "A 3-5: 一二三四五六七八九十"], [2],
     ["A 0-3: 一二三四五六七八九十", "C 3-4: 嗯", "A 4-7: 一二三四五六七八九十"]),
    ("interruption: {tolerance_s: 1.0, min_chars: 4}", ["C 0-8: 我上个月在你们网点办的卡", "A 6.9-9: 您说的是哪张卡?"], [1],
     ["C 0-8: 我上个月在你们网点办的卡", "A 3-4: 嗯嗯", "A 7-9: 您说的是哪张卡?"]),      # exactly 1 s: tolerated
    ("duration: {over_s: 900}", ["A 0-10: 您好", "C 500-901: 嗯", "A 950-960: 再见"], [1],
     ["A 0-10: 您好", "C 500-900: 嗯"]),
    ("duration: {under_s: 20}", ["A 0-10: 您好", "C 10-19: 嗯"], [1], ["A 0-10: 您好", "C 10-20: 嗯"]),
    ("all: [{role: agent}, {lexicon: {file: lexicons/service.yaml, list: blame, except: not_blame}}]",
     ["C: 这不是我的责任", "A: 这不是我的责任。"], [1], ["A: 这不是您的问题,我马上帮您处理。"]),
    ("any: [{keywords: [再见]}, {keywords: [感谢来电, 感谢您的来电]}]", ["A: 好的", "A: 感谢您的来电"], [1], ["A: 好的"]),
    ("not: {keywords: [您好, 你好]}", ["A: 您好", "A: 喂"], [1], ["A: 您好"]),
    ("builtin: over_promise", ["A: 这款产品保本保息,稳赚不赔。"], [0], ["A: 理财产品不保本,过往业绩不代表未来表现。"]),
    ("builtin: {scorer: empathy, outcome: met}",
     ["C: 我都打了三次电话了,你们到底怎么回事?", "A: 实在抱歉让您久等了,我马上帮您查。"], [1],
     ["C: 我都打了三次电话了,你们到底怎么回事?", "A: 请提供一下卡号后四位。"]),
]


def readme_conditions() -> list:
    return [item for block in yaml_blocks(readme_section("Writing rubrics")) if isinstance(block, list)
            for item in block]


def test_every_condition_example_of_the_readme_is_tested_here():
    written = {canonical(item) for item in readme_conditions()}
    tested = {canonical(yaml.safe_load(spec)) for spec, *_ in README_CONDITIONS}
    assert written - tested == set(), "a README example without a case in README_CONDITIONS"
    assert tested - written == set(), "a case of README_CONDITIONS no longer in the README"


def test_the_readme_documents_every_operator():
    used = set()

    def walk(node):
        if isinstance(node, dict):
            used.update(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(readme_conditions())
    assert set(OPERATORS) | {"not_regex"} <= used, "an operator without a YAML example"
    prose = re.sub(r"```.*?```", "", readme_section("Writing rubrics"), flags=re.S)
    bullets = re.findall(r"^- (`.+?)(?=\n- |\n\n)", prose, re.S | re.M)
    for name in list(OPERATORS) + ["not_regex"]:
        assert any(f"`{name}`" in bullet for bullet in bullets), f"no sentence on {name}"


@pytest.mark.parametrize("spec, hit, where, miss", README_CONDITIONS,
                         ids=[f"{k}-{spec.split(':')[0]}" for k, (spec, *_) in enumerate(README_CONDITIONS)])
def test_readme_condition_example(spec, hit, where, miss):
    built = condition(yaml.safe_load(spec), default_builtins())
    for lines, expected in ((hit, where), (miss, [])):
        call = call_from_lines(lines)
        assert sorted(built.evaluate(Context(call), range(len(call.utterances))).found) == expected, lines


def test_readme_timing_examples_cannot_judge_without_timestamps():
    for spec, hit, _, _ in README_CONDITIONS:
        if spec.split(":")[0] in ("silence", "latency", "speech_rate", "interruption", "duration"):
            untimed = [re.sub(r"^([AC]) [0-9.]+-[0-9.]+:", r"\1:", line) for line in hit]
            call = call_from_lines(untimed)
            hits = condition(yaml.safe_load(spec)).evaluate(Context(call), range(len(call.utterances)))
            assert not hits.found and hits.unknown, spec
    # duration: an untimed first or last utterance may make the call longer ...
    for spec in ("duration: {under_s: 20}", "duration: {over_s: 900}"):
        call = call_from_lines(["A 0-10: 您好", "C: 嗯"])
        assert condition(yaml.safe_load(spec)).evaluate(Context(call), range(2)).unknown == {1}, spec
    # ... unless what was measured is already over
    call = call_from_lines(["A 0-10: 您好", "C 500-901: 嗯", "A: 再见"])
    assert sorted(condition({"duration": {"over_s": 900}}).evaluate(Context(call), range(3)).found) == [1]


def test_readme_criterion_example_loads_and_passes_its_examples(rubric_copy):
    (block,) = [b for b in yaml_blocks(readme_section("Writing rubrics")) if isinstance(b, dict) and "criteria" in b]
    path = rubric_copy.parent / "readme.yaml"
    path.write_text(yaml.safe_dump({"id": "readme", "version": "1", **block}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rubric = load_rubric(path)
    assert rubric.criterion_ids == ["service_taboo", "callback_offer"]
    ran, failures = run_examples(rubric)
    assert ran == 7 and [f.message() for f in failures] == []
    shipped = yaml.safe_load((RUBRICS / "default.yaml").read_text(encoding="utf-8"))["criteria"]["service_taboo"]
    assert block["criteria"]["service_taboo"]["violation_when"] == shipped["violation_when"]  # "from default.yaml"
    # the bonus example scores as described: bonus when met, not applicable without a complaint
    results = [score_call(call_from_lines(lines), rubric).results["callback_offer"] for lines in (
        ["C: 我要投诉你们", "A: 我了解清楚后给您回电。"], ["C: 我要投诉你们", "A: 好的。"], ["C: 我想查余额", "A: 稍后给您回电。"])]
    assert [(r.status, r.score) for r in results] == [(MET, 7.0), (NOT_APPLICABLE, 5.0), (NOT_APPLICABLE, 5.0)]


def test_readme_lists_the_criteria_of_the_shipped_rubrics(default_rubric):
    text = readme_section("Writing rubrics")
    table = text[text.index("### The service-standard and wealth criteria"):]
    listed = re.findall(r"^\| `(\w+)` \|", table, re.M)
    wealth = load_rubric(RUBRICS / "wealth_outbound.yaml", build=False)
    core = {"jargon", "empathy", "paraphrase", "over_promise", "info_leak"}
    expected = [c for c in default_rubric.criterion_ids if c not in core] + \
               [c for c in wealth.criterion_ids if c not in default_rubric.criterion_ids]
    assert listed == expected
    assert wealth.criterion_ids[:len(default_rubric.criteria)] == default_rubric.criterion_ids
    by_id = {c.id: c for c in default_rubric.criteria}
    for c in wealth.criteria:  # "the default rubric's thirteen criteria with the same weights"
        if c.id in by_id:
            assert (c.weight, c.deduction, c.veto) == (by_id[c.id].weight, by_id[c.id].deduction, by_id[c.id].veto)
    wealth_by_id = {c.id: c for c in wealth.criteria}
    for cid, cell in re.findall(r"^\| `(\w+)` \| ([^|]+) \|", table, re.M):
        c = wealth_by_id[cid]
        weight, deduction = re.fullmatch(r"([0-9.]+)(?: \(([0-9.]+)\))?(?:, veto)?", cell).groups()
        assert (float(weight), float(deduction or weight), "veto" in cell) == (c.weight, c.deduction, c.veto), cid


# What the README's criteria tables say each shipped criterion catches (and lets pass).
README_CLAIMS = [
    ("default", "greeting", ["A: 喂,什么事?"], VIOLATION),
    ("default", "greeting", ["C: 喂?", "A: 你好,请讲"], MET),
    ("default", "closing", ["A: 好的", "C: 嗯", "A: 就这样"], VIOLATION),
    ("default", "closing", ["A: 还有其他可以帮您的吗?", "C: 没有了", "A: 好的"], MET),
    ("default", "blame_shifting", ["A: 这个我也管不了"], VIOLATION),
    ("default", "blame_shifting", ["A: 你找别的部门去"], VIOLATION),
    ("default", "blame_shifting", ["A: 这不是您的问题,我帮您看看"], MET),
    ("default", "blame_shifting", ["A: 建议您到就近的网点办理"], MET),
    ("default", "service_taboo", ["A: 我都说了三遍了,你听不懂吗?"], VIOLATION),
    ("default", "service_taboo", ["A: 我说过了"], VIOLATION),
    ("default", "service_taboo", ["A: 我不知道您是否方便"], MET),
    ("default", "service_taboo", ["C: 不知道,你自己看吧", "A: 好的"], MET),
    ("default", "dead_air", ["A 0-3: 好的", "C 3-4: 嗯", "A 25-26: 查到了"], VIOLATION),
    ("default", "dead_air", ["A 0-3: 请您稍等,我帮您查询一下", "C 3-4: 嗯", "A 25-26: 查到了"], MET),
    ("default", "dead_air", ["A 0-3: 好的", "C 3-4: 嗯", "A 24-26: 查到了"], MET),                # 20 s: not over
    ("default", "interruption", ["C 0-8: 我上个月在你们网点办的卡", "A 6.5-9: 您说的是哪张卡?"], VIOLATION),
    ("default", "interruption", ["C 0-8: 我上个月在你们网点办的卡", "A 6.5-7: 嗯嗯"], MET),
    ("default", "speech_rate", ["A 0-3: 您这笔转账已经成功了一般两小时内到账请放心"], VIOLATION),
    ("default", "speech_rate", ["A 0-1: 好的,请稍等。"], MET),
    ("default", "time_commitment", ["A: 我帮您转交专员处理"], VIOLATION),
    ("default", "time_commitment", ["A: 我帮您反馈给后台", "C: 好", "A: 明天给您回电"], MET),
    ("wealth_outbound", "disclose_not_guaranteed", ["A: 年化三点五。", "C: 帮我下单"], VIOLATION),
    ("wealth_outbound", "disclose_not_guaranteed", ["A: 这款是中低风险产品,非保本。", "C: 那我买十万"], MET),
    ("wealth_outbound", "disclose_not_guaranteed", ["A: 这款R3,本金可能亏损。", "C: 那我买十万"], MET),
    ("wealth_outbound", "disclose_not_guaranteed", ["A: 现在帮您下单吗?", "C: 好的"], VIOLATION),
    ("wealth_outbound", "disclose_not_guaranteed", ["A: 这款年化三点五。", "C: 我再考虑一下"], NOT_APPLICABLE),
    ("wealth_outbound", "disclose_risk_rating", ["A: 这款不保本。", "C: 好的,那我买十万。"], VIOLATION),
    ("wealth_outbound", "disclose_risk_rating", ["A: 这款是中低风险产品,非保本。", "C: 那我买十万"], MET),
    ("wealth_outbound", "disclose_risk_rating", ["A: 这款R3,本金可能亏损。", "C: 那我买十万"], MET),
    ("wealth_outbound", "disclose_risk_rating", ["A: 这款年化三点五。", "C: 我再考虑一下"], NOT_APPLICABLE),
]


@pytest.fixture(scope="module")
def shipped_rubrics(default_rubric):
    return {"default": default_rubric, "wealth_outbound": load_rubric(RUBRICS / "wealth_outbound.yaml")}


@pytest.mark.parametrize("rubric, criterion_id, lines, status", README_CLAIMS,
                         ids=[f"{c}-{k}" for k, (_, c, _, _) in enumerate(README_CLAIMS)])
def test_readme_criteria_tables(shipped_rubrics, rubric, criterion_id, lines, status):
    result = score_call(call_from_lines(lines), shipped_rubrics[rubric])
    assert result.results[criterion_id].status == status
    if status == VIOLATION and shipped_rubrics[rubric].criteria[
            shipped_rubrics[rubric].criterion_ids.index(criterion_id)].veto:
        assert result.vetoed and not result.passed
