"""regex operator with not_regex: patterns on normalised text, exclusions per occurrence, spans in the original."""
import pytest

from scorers.config import ConfigError
from scorers.operators import Context
from tests.op_helpers import EMPTY, condition, dialogue, evaluate, found, timed

BLAME = "(这|那)(是|属于)系统的问题"
DEPT = ["不归(我|我们)管", "(你|您)找别的部门去"]


@pytest.mark.parametrize("spec, text, hit", [
    ({"regex": BLAME}, "那是系统的问题,跟我没关系", True),
    ({"regex": BLAME}, "这属于系统的问题", True),
    ({"regex": BLAME}, "系统的问题我帮您查", False),                    # no 这/那 before it
    ({"regex": BLAME}, "那是网络的问题", False),
    ({"regex": DEPT}, "这个不归我们管", True),                          # second alternative of the first
    ({"regex": DEPT}, "您找别的部门去", True),                          # second pattern of the list
    ({"regex": DEPT}, "我帮您找相关部门", False),
    ({"regex": "不知道$"}, "这个我也不知道", True),                      # anchors work
    ({"regex": "不知道$"}, "不知道您方便吗", False),
    ({"regex": "^您好"}, "喂,您好", False),
    ({"regex": "说了[两三]遍"}, "我都说了三遍了", True),
    ({"regex": "说了[两三]遍"}, "我都说了四遍了", False),
    ({"regex": "不知道", "not_regex": "不知道(您|你)"}, "我不知道您是否方便", False),
    ({"regex": "不知道", "not_regex": "不知道(您|你)"}, "不知道您方便吗?这个我也不知道", True),  # 2nd occurrence
    ({"regex": "不知道", "not_regex": ["不知道您", "您不知道"]}, "您不知道的话,不知道您方便吗", False),
    ({"regex": "不知道", "not_regex": "您"}, "不知道您", True),              # touching is not overlapping
    ({"regex": "不知道", "not_regex": "道您"}, "不知道您", False),           # one shared character is
    ({"regex": BLAME, "not_regex": "不是"}, "那是系统的问题,不是您的", True),  # exclusion elsewhere in the text
])
def test_patterns_and_exclusions(spec, text, hit):
    assert found(spec, dialogue(f"A: {text}")) == ([0] if hit else [])


@pytest.mark.parametrize("pattern, text, span, said", [
    ("系统的问题", "那是系統的問題", (2, 7), "系統的問題"),            # Traditional text, Simplified pattern
    ("系統的問題", "那是系统的问题", (2, 7), "系统的问题"),            # Traditional pattern, Simplified text
    ("lpr", "按ＬＰＲ加点", (1, 4), "ＬＰＲ"),                            # full-width and upper case
    ("LPR加点", "按lpr加點", (1, 6), "lpr加點"),
    ("稍等,我", "請您稍等，我幫您查", (2, 6), "稍等，我"),                 # full-width comma
    ("身份证", "請帶上身分證", (3, 6), "身分證"),                          # regional variant 身分证
])
def test_normalised_matching_reports_the_original_text(pattern, text, span, said):
    hit = evaluate({"regex": pattern}, dialogue(f"A: {text}")).found[0]
    assert (hit.start, hit.end) == span and text[slice(*span)] == said
    assert hit.rule == "regex" and hit.detail == f"「{said}」"


def test_evidence_is_the_earliest_match_and_the_first_pattern_wins_a_tie():
    call = dialogue("A: 先说系统的问题再说不归我管")
    hit = evaluate({"regex": ["不归我管", "系统", "系统的问题"]}, call).found[0]
    assert (hit.start, hit.end, hit.detail) == (2, 4, "「系统」")


def test_evidence_skips_the_excluded_occurrence():
    text = "不知道您方便吗?这个我也不知道"
    hit = evaluate({"regex": "不知道", "not_regex": "不知道您"}, dialogue(f"A: {text}")).found[0]
    assert (hit.start, hit.end) == (len(text) - 3, len(text))


def test_both_speakers_are_searched_and_every_utterance_gets_its_own_hit():
    call = dialogue("A: 那是系统的问题", "C: 这是系统的问题吧?", "A: 我帮您查")
    hits = evaluate({"regex": BLAME}, call)
    assert sorted(hits.found) == [0, 1] and not hits.unknown
    assert hits.found[1].detail == "「这是系统的问题」"


def test_only_the_utterances_asked_are_judged():
    call = dialogue("A: 系统的问题", "C: 系统的问题", "A: 系统的问题")
    hits = condition({"regex": "系统"}).evaluate(Context(call), [1, 2])
    assert sorted(hits.found) == [1, 2]


def test_empty_call_and_empty_text():
    assert evaluate({"regex": BLAME}, EMPTY).found == {} and evaluate({"regex": BLAME}, EMPTY).unknown == set()
    hits = evaluate({"regex": "系统"}, dialogue("A: ", "C: 系统"))
    assert sorted(hits.found) == [1]


def test_timestamps_do_not_matter():
    """A text operator judges every utterance, timed or not: never unknown."""
    call = timed(("A", "那是系统的问题", 0, 1000), ("A", "那是系统的问题", None, None), ("C", "嗯", 5, None))
    hits = evaluate({"regex": BLAME}, call)
    assert sorted(hits.found) == [0, 1] and hits.unknown == set() and not hits.not_applicable


def test_combined_with_role_it_is_an_all():
    """{role, regex, not_regex} in one mapping: the agent's utterances only, exclusions still apply."""
    call = dialogue("C: 那是系统的问题吧", "A: 那是系统的问题", "A: 这不是系统的问题")
    spec = {"role": "agent", "regex": "是系统的问题", "not_regex": "不是系统"}
    hits = evaluate(spec, call)
    assert sorted(hits.found) == [1] and hits.found[1].rule == "all.regex"


@pytest.mark.parametrize("text, hit", [           # the service_taboo idea of rubrics/default.yaml, as a regex
    ("不知道,你自己看吧。", True),
    ("我说过了,要本人来办。", True),
    ("我不知道您是否方便现在核对一下信息?", False),
    ("您自己看一下手机银行首页,右上角有个消息按钮。", False),
])
def test_rubric_like_taboo(text, hit):
    spec = {"regex": ["不知道(?![您你]|是否)", "自己(去)?(看|查)(吧|去)", "说过了"],
            "not_regex": "(您|你)自己(在|登录|打开|到)?.{0,8}(看|查)一下"}
    assert found(spec, dialogue(f"A: {text}")) == ([0] if hit else [])


def test_upper_case_escapes_keep_their_meaning():
    assert found({"regex": r"尾号\D"}, dialogue("A: 尾号是1234", "A: 尾号1234")) == [0]


@pytest.mark.parametrize("spec, key, fragment", [
    ({"regex": "(unclosed"}, "criteria.c.violation_when.regex[0]", "invalid regular expression '(unclosed'"),
    ({"regex": ["ok", "[bad"]}, "criteria.c.violation_when.regex[1]", "invalid regular expression"),
    ({"regex": []}, "criteria.c.violation_when.regex", "must be a regular expression or a list of them"),
    ({"regex": ""}, "criteria.c.violation_when.regex", "must be a regular expression"),
    ({"regex": 3}, "criteria.c.violation_when.regex", "got 3"),
    ({"regex": ["a", None]}, "criteria.c.violation_when.regex", "must be a regular expression"),
    ({"regex": {"any": "a"}}, "criteria.c.violation_when.regex", "must be a regular expression"),
    ({"regex": "a", "not_regex": []}, "criteria.c.violation_when.not_regex", "must be a regular expression"),
    ({"regex": "a", "not_regex": "(x"}, "criteria.c.violation_when.not_regex[0]", "invalid regular expression"),
    ({"not_regex": "a"}, "criteria.c.violation_when.not_regex", "refines a `regex` next to it"),
    ({"regx": "a"}, "criteria.c.violation_when.regx", "(did you mean 'regex'?)"),
    ({"regex": "a", "not_regx": "b"}, "criteria.c.violation_when.not_regx", "(did you mean 'not_regex'?)"),
])
def test_errors_name_the_key(spec, key, fragment):
    with pytest.raises(ConfigError) as info:
        condition(spec)
    assert info.value.key == key and fragment in str(info.value)
    assert str(info.value).startswith(str(info.value.file))
