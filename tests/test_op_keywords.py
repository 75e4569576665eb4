"""keywords operator: any / all / at least N / none, synonyms, exclusions, normalised matching."""
import pytest

from tests.op_helpers import EMPTY, assert_config_error, condition, dialogue, evaluate, found

GREETING = {"all": [["您好", "你好"], ["很高兴为您服务", "请问有什么可以帮您"]]}


@pytest.mark.parametrize("spec, text, hit", [
    ({"any": ["您好", "你好"]}, "您好,请讲", True),
    ({"any": ["您好", "你好"]}, "喂,什么事", False),
    (["您好", "你好"], "你好", True),                                   # a bare list is `any`
    (GREETING, "您好,很高兴为您服务", True),
    (GREETING, "你好,请问有什么可以帮您?", True),                      # synonyms of each idea
    (GREETING, "您好", False),                                          # one idea of two
    (GREETING, "很高兴为您服务,请问有什么可以帮您", False),             # two spellings of one idea
    ({"of": ["身份证", "银行卡", "手机号"], "at_least": 2}, "带上身份证和银行卡", True),
    ({"of": ["身份证", "银行卡", "手机号"], "at_least": 2}, "带上身份证", False),
    ({"of": ["身份证", "银行卡", "手机号"], "at_least": 3}, "身份证、银行卡、手机号", True),
    ({"none": ["再见", "感谢来电"]}, "好的", True),
    ({"none": ["再见", "感谢来电"]}, "感谢来电,再见", False),
    ({"any": ["您好"]}, "您好，很高興為您服務", True),
    ({"any": ["很高兴为您服务"]}, "您好，很高興為您服務", True),        # Traditional text, Simplified word
    ({"any": ["LPR"]}, "按ｌｐｒ加点", True),                           # full-width and case
    ({"any": ["不知道"], "except": "不知道(您|你)"}, "我不知道您是否方便", False),
    ({"any": ["不知道"], "except": "不知道(您|你)"}, "不知道您方便吗?这个我也不知道", True),  # 2nd occurrence
    ({"any": ["不知道"], "except": ["不知道(您|你)"]}, "这个我不知道", True),
])
def test_keyword_modes(spec, text, hit):
    assert found({"keywords": spec}, dialogue(f"A: {text}")) == ([0] if hit else [])


def test_evidence_is_the_first_keyword_said_and_the_detail_lists_them():
    hits = evaluate({"keywords": GREETING}, dialogue("A: 你好,请问有什么可以帮您?"))
    hit = hits.found[0]
    assert (hit.start, hit.end, hit.rule) == (0, 2, "keywords.all")
    assert hit.detail == "「你好」、「请问有什么可以帮您」"


def test_none_points_at_the_whole_utterance():
    hit = evaluate({"keywords": {"none": ["您好"]}}, dialogue("A: 喂")).found[0]
    assert (hit.start, hit.end) == (0, 0) and hit.rule == "keywords.none" and "您好" in hit.detail


def test_only_the_utterances_asked_are_judged():
    call = dialogue("A: 您好", "C: 您好", "A: 您好")
    hits = condition({"keywords": ["您好"]}).evaluate(__import__("scorers.operators", fromlist=["Context"]).Context(call),
                                                      [0, 2])
    assert sorted(hits.found) == [0, 2]


def test_empty_call_and_timestamps_do_not_matter():
    assert evaluate({"keywords": ["您好"]}, EMPTY).found == {}
    assert found({"keywords": ["您好"]}, dialogue("A 0-1: 您好", "A: 您好")) == [0, 1]


@pytest.mark.parametrize("spec, key, fragment", [
    ({"anyy": ["您好"]}, "criteria.c.violation_when.keywords", "(did you mean 'any'?)"),
    ({"any": ["您好"], "all": ["你好"]}, "criteria.c.violation_when.keywords", "give exactly one of"),
    ({"any": []}, "criteria.c.violation_when.keywords.any", "non-empty list"),
    ({"any": ["您好", 3]}, "criteria.c.violation_when.keywords.any[1]", "a word or a list of synonyms"),
    ({"of": ["a", "b"], "at_least": 3}, "criteria.c.violation_when.keywords.at_least", "asks for 3 of only 2"),
    ({"of": ["a", "b"]}, "criteria.c.violation_when.keywords.at_least", "missing"),
    ({"any": ["a"], "at_least": 1}, "criteria.c.violation_when.keywords.at_least", "goes with `of"),
    ({"any": ["a"], "except": "(unclosed"}, "criteria.c.violation_when.keywords.except[0]",
     "invalid regular expression"),
    ({"any": ["a"], "excpt": "x"}, "criteria.c.violation_when.keywords.excpt", "(did you mean 'except'?)"),
])
def test_errors_name_the_key(spec, key, fragment):
    assert_config_error({"keywords": spec}, key, fragment)
