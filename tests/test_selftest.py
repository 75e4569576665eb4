"""selftest and `callqa rubric test`: every shipped rubric passes its examples; a broken word list,
threshold or example fails, naming the file, the criterion and the example."""
from pathlib import Path

import pytest
import yaml

from pipelines.cli import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE
from scorers.call import AGENT, CUSTOMER
from scorers.config import ConfigError
from scorers.finding import MET, VIOLATION
from scorers.rubric import load_rubric
from scorers.selftest import Example, Failure, call_from_lines, expected_outcome, run_examples

RUBRICS = Path(__file__).resolve().parents[1] / "rubrics"


def is_rubric(path: Path) -> bool:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return isinstance(data, dict) and "criteria" in data


SHIPPED = sorted(RUBRICS.glob("*.yaml"))  # rubrics and the routing file: what `callqa rubric test rubrics/*.yaml` gets
SHIPPED_RUBRICS = [p for p in SHIPPED if is_rubric(p)]




# --------------------------------------------------------------------------- the shipped rubrics

def test_the_shipped_rubrics_are_found():
    assert {p.name for p in SHIPPED_RUBRICS} >= {"default.yaml", "wealth_outbound.yaml"}
    assert "routing.yaml" not in {p.name for p in SHIPPED_RUBRICS}


@pytest.mark.parametrize("path", SHIPPED_RUBRICS, ids=lambda p: p.name)
def test_every_shipped_rubric_passes_its_examples(path):
    rubric = load_rubric(path)
    ran, failures = run_examples(rubric)
    assert [f.message() for f in failures] == []
    assert ran == sum(len(c.examples) for c in rubric.criteria) > 0


@pytest.mark.parametrize("path", SHIPPED_RUBRICS, ids=lambda p: p.name)
def test_every_criterion_of_a_shipped_rubric_has_hit_and_miss_examples(path):
    for c in load_rubric(path, build=False).criteria:
        kinds = {e.kind for e in c.examples}
        assert kinds == {"hit", "miss"}, f"{path.name}: criteria.{c.id} needs examples: hit and miss"


def test_rubric_test_passes_for_every_shipped_file(invoke):
    result = invoke("rubric", "test", *SHIPPED)
    assert result.exit_code == EXIT_OK, result.output
    assert "FAIL" not in result.text
    for path in SHIPPED_RUBRICS:
        rubric = load_rubric(path, build=False)
        n = sum(len(c.examples) for c in rubric.criteria)
        assert result.text.count(f"ok: {rubric.id}@{rubric.version} — {n} examples in") == 1  # each rubric once


def test_rubric_test_of_a_routing_file_tests_the_rubrics_it_names(invoke):
    result = invoke("rubric", "test", RUBRICS / "routing.yaml")
    assert result.exit_code == EXIT_OK, result.output
    assert "ok: default@" in result.text and "ok: wealth_outbound@" in result.text


# --------------------------------------------------------------------------- broken cases fail

SERVICE_LEXICON = "lexicons/service.yaml"
WEALTH_LEXICON = "lexicons/wealth.yaml"

# (file to edit, relative to rubrics/; old; new; rubric run; failing example; expected; got)
BROKEN = {
    "word list stops hitting": (
        SERVICE_LEXICON, "  - 也没(有)?办法(?![^,.!?。，！？]{0,4}(保证|承诺|打包票|确定))\n  - 没(有)?(办法|辙)(了)?[,.!?。，！？]*$\n",
        "", "default.yaml", "service_taboo.examples.hit[1]", "expected a violation", "got no finding — 这个我也没办法。"),
    "word list over-hits": (
        SERVICE_LEXICON, "  - 不归我管|不关我(的)?事|管不着\n", "  - 不归我管|不关我(的)?事|管不着\n  - 帮您查\n",
        "default.yaml", "service_taboo.examples.miss[2]", "expected no violation",
        "got service_taboo.all.lexicon:taboo at utterance 1 — C: 我也不知道怎么回事,你自己看吧 / A: 好的,我帮您查一下。"),
    "exception list emptied": (
        WEALTH_LEXICON, "  - 买(了|的|过)|想买|打算买\n", "", "wealth_outbound.yaml",
        "disclose_not_guaranteed.examples.miss[3]", "expected no violation",
        "got disclose_not_guaranteed.window.lacks.lexicon:not_guaranteed at utterance 1 — "
        "A: 您好,财富管理专线。 / C: 你好,那我另外想买点债券基金,你们有推荐吗?"),
    "example changed": (
        "default.yaml", '- ["A: 您好,很高兴为您服务,请问有什么可以帮您?"]', '- ["A: 喂,很高兴为您服务,请问有什么可以帮您?"]',
        "default.yaml", "greeting.examples.miss[0]", "expected no violation",
        "got greeting.all.keywords.none at utterance 0 — A: 喂,很高兴为您服务,请问有什么可以帮您?"),
    "threshold changed": (
        "default.yaml", "anchor: {silence: {over_s: 20, before: agent}}", "anchor: {silence: {over_s: 30, before: agent}}",
        "default.yaml", "dead_air.examples.hit[0]", "expected a violation", "got no finding"),
    "timestamps lost": (
        "default.yaml", '- ["A 0-3: 好的,您的卡号后四位是多少?", "C 3.5-5: 1234", "A 30-33: 查到了,您这笔已经到账了。"]',
        '- ["A: 好的,您的卡号后四位是多少?", "C: 1234", "A: 查到了,您这笔已经到账了。"]',
        "default.yaml", "dead_air.examples.hit[0]", "expected a violation", "got not applicable"),
    "only the behaviour shown": (
        "default.yaml", '"A: 请提供一下卡号后四位。", "C: 1234", "A: 好的,查到了。"]',
        '"A: 实在抱歉让您久等了。", "C: 1234", "A: 好的,查到了。"]',
        "default.yaml", "empathy.examples.hit[0]", "expected a violation", "got only met"),
}


@pytest.mark.parametrize("file, old, new, rubric, example, expected, got", list(BROKEN.values()), ids=list(BROKEN))
def test_a_broken_case_fails_naming_file_criterion_and_example(invoke, rubric_copy, edit, file, old, new, rubric,
                                                               example, expected, got):
    edit(rubric_copy.parent / file, old, new)
    target = rubric_copy.parent / rubric
    result = invoke("rubric", "test", target)
    assert result.exit_code == EXIT_FAILED, result.output
    assert f"FAIL {target.resolve()}: criteria.{example}: {expected}, {got}" in result.text
    assert result.text.count("FAIL ") == 1  # only the broken example
    loaded = load_rubric(target, build=False)
    assert f"1 failed: {loaded.id}@{loaded.version}" in result.text
    if example == "service_taboo.examples.hit[1]":  # the message the README shows
        readme = " ".join((RUBRICS.parent / "README.md").read_text(encoding="utf-8").split())
        assert f"/rubrics/default.yaml: criteria.{example}: {expected}, {got}" in readme


def test_a_broken_shared_word_list_fails_every_rubric_that_uses_it(invoke, rubric_copy, edit):
    edit(rubric_copy.parent / SERVICE_LEXICON, "  - 说过了(?<![您你]说过了)(?<![您你]刚才说过了)(?<![您你]已经说过了)\n", "")
    result = invoke("rubric", "test", *sorted(rubric_copy.parent.glob("*.yaml")))
    assert result.exit_code == EXIT_FAILED
    for rubric in ("default", "wealth_outbound"):
        assert f"FAIL {rubric_copy.parent.resolve() / rubric}.yaml: criteria.service_taboo.examples.hit[3]: " \
               f"expected a violation, got no finding — 我说过了,要本人来办。" in result.text
        assert f"1 failed: {rubric}@" in result.text


def test_one_failing_rubric_does_not_hide_the_others(invoke, rubric_copy, edit):
    edit(rubric_copy.parent / WEALTH_LEXICON, "  - 风险(等级|评级|级别)\n", "")
    result = invoke("rubric", "test", rubric_copy, rubric_copy.parent / "wealth_outbound.yaml")
    assert result.exit_code == EXIT_FAILED
    assert "ok: default@" in result.text
    assert "1 failed: wealth_outbound@" in result.text
    assert "criteria.disclose_risk_rating.examples.miss[0]: expected no violation" in result.text


def test_rubric_test_of_an_invalid_rubric_exits_2(invoke, rubric_copy, edit):
    edit(rubric_copy, "        - keywords:\n            none:", "        - keyword:\n            none:")
    result = invoke("rubric", "test", rubric_copy)
    assert result.exit_code == EXIT_UNUSABLE
    assert f"rubric error {rubric_copy}: criteria.greeting.violation_when.all[1].keyword: unknown operator " \
           "(did you mean 'keywords'?)" in result.text


def test_run_examples_reports_each_failure(rubric_copy, edit):
    edit(rubric_copy, "over_s: 20, before: agent", "over_s: 30, before: agent")
    rubric = load_rubric(rubric_copy)
    ran, failures = run_examples(rubric)
    assert ran == sum(len(c.examples) for c in rubric.criteria)
    (failure,) = failures
    assert (failure.criterion, failure.example.kind, failure.example.index) == ("dead_air", "hit", 0)
    assert (failure.expected, failure.got, failure.file) == ("a violation", "no finding", str(rubric_copy.resolve()))


# --------------------------------------------------------------------------- what "fire" means

def write_rubric(folder: Path, criterion: str) -> Path:
    path = folder / "t.yaml"
    path.write_text('id: t\nversion: "1"\ncriteria:\n  c:\n    weight: 5\n    severity: minor\n' + criterion,
                    encoding="utf-8")
    return path


BOTH = "    met_when: {keywords: [您好]}\n    violation_when: {keywords: [喂]}\n"


@pytest.mark.parametrize("criterion, expect, fires, expected", [
    (BOTH, None, "喂", VIOLATION),                       # it can find violations: a hit is a violation
    (BOTH, "met", "您好", MET),                           # expect overrides
    ("    met_when: {keywords: [您好]}\n", None, "您好", MET),  # met_when only: a hit is a met
])
def test_what_a_hit_must_produce(rubric_copy, criterion, expect, fires, expected):
    other = "嗯" if fires != "嗯" else "好"
    extra = f", expect: {expect}" if expect else ""
    good = load_rubric(write_rubric(rubric_copy.parent, criterion + f"    examples: {{hit: [{fires}], miss: [{other}]{extra}}}\n"))
    assert expected_outcome(good.criteria[0]) == expected
    assert run_examples(good) == (2, [])
    bad = load_rubric(write_rubric(rubric_copy.parent, criterion + f"    examples: {{hit: [{other}], miss: [{fires}]{extra}}}\n"))
    ran, failures = run_examples(bad)
    assert ran == 2
    assert [(f.example.kind, f.expected) for f in failures] == [("hit", f"a {expected}"), ("miss", f"no {expected}")]


def test_expected_outcome_of_the_shipped_criteria(default_rubric):
    outcomes = {c.id: expected_outcome(c) for c in default_rubric.criteria}
    assert outcomes.pop("paraphrase") == MET  # it only ever finds the behaviour
    assert set(outcomes.values()) == {VIOLATION}


def test_failure_message_names_file_criterion_example_and_dialogue():
    example = Example("miss", 2, ["C: 喂?", "A: 说吧"], call_from_lines(["C: 喂?", "A: 说吧"]))
    failure = Failure("/r/default.yaml", "greeting", example, "no violation", "greeting.all.keywords.none at utterance 1")
    assert failure.message() == ("/r/default.yaml: criteria.greeting.examples.miss[2]: expected no violation, "
                                 "got greeting.all.keywords.none at utterance 1 — C: 喂? / A: 说吧")


# --------------------------------------------------------------------------- example lines

@pytest.mark.parametrize("line, speaker, text, start, end", [
    ("A: 您好", AGENT, "您好", None, None),
    ("C: 我想查余额", CUSTOMER, "我想查余额", None, None),
    ("agent: 您好", AGENT, "您好", None, None),
    ("customer: 嗯", CUSTOMER, "嗯", None, None),
    ("坐席：您好", AGENT, "您好", None, None),                        # full-width colon
    ("客户: 嗯", CUSTOMER, "嗯", None, None),
    ("A 12.5-15: 查到了", AGENT, "查到了", 12500, 15000),
    ("C [1.5-3s]: 嗯", CUSTOMER, "嗯", 1500, 3000),
    ("C 1~2: 嗯", CUSTOMER, "嗯", 1000, 2000),
    ("不知道,你自己看吧。", AGENT, "不知道,你自己看吧。", None, None),   # no prefix: the agent
    ("A股今天: 涨了", AGENT, "A股今天: 涨了", None, None),            # not a prefix
])
def test_example_lines(line, speaker, text, start, end):
    (u,) = call_from_lines([line]).utterances
    assert (u.speaker, u.text, u.start_ms, u.end_ms) == (speaker, text, start, end)


def test_a_bare_string_example_is_one_line(rubric_copy):
    rubric = load_rubric(write_rubric(rubric_copy.parent, "    violation_when: {silence: {over_s: 5}}\n"
                                      "    examples: {hit: ['C 0-1: 嗯', ['A 0-1: 您好', 'C 9-10: 嗯']]}\n"))
    first, second = rubric.criteria[0].examples
    assert [(u.speaker, u.start_ms) for u in first.call.utterances] == [(CUSTOMER, 0)]
    assert (first.lines, second.lines) == (["C 0-1: 嗯"], ["A 0-1: 您好", "C 9-10: 嗯"])
    ran, failures = run_examples(rubric)
    assert (ran, [(f.example.index, f.got) for f in failures]) == (2, [(0, "no finding")])


# (examples as written, key named in the error, fragment of the problem)
BAD_EXAMPLES = {
    "unknown kind": ("{hits: [不知道]}", "criteria.c.examples.hits", "unknown key (did you mean 'hit'?)"),
    "expect typo": ("{hit: [不知道], expect: violations}", "criteria.c.examples.expect",
                    "must be met or violation, got 'violations' (did you mean 'violation'?)"),
    "not a mapping": ("[不知道]", "criteria.c.examples", "must be a mapping with hit and/or miss lists"),
    "kind not a list": ("{hit: 不知道}", "criteria.c.examples.hit", "must be a list of utterances or dialogues"),
    "empty dialogue": ("{miss: [[]]}", "criteria.c.examples.miss[0]", "an empty dialogue"),
    "line not text": ("{hit: [['A: 您好', 3]]}", "criteria.c.examples.hit[0][1]", "an example line is text"),
    "empty line": ("{hit: ['']}", "criteria.c.examples.hit[0]", "an example line is text"),
    "ends before it starts": ("{hit: [['A 5-3: 您好']]}", "criteria.c.examples.hit[0][0]", "ends (3 s) before it starts (5 s)"),
}


@pytest.mark.parametrize("examples, key, problem", list(BAD_EXAMPLES.values()), ids=list(BAD_EXAMPLES))
def test_bad_examples_name_file_and_key(rubric_copy, examples, key, problem):
    path = write_rubric(rubric_copy.parent, f"    violation_when: {{keywords: [不知道]}}\n    examples: {examples}\n")
    with pytest.raises(ConfigError) as info:
        load_rubric(path, build=False)
    assert info.value.key == key
    assert str(info.value).startswith(f"{path}: {key}: ")
    assert problem in str(info.value)
