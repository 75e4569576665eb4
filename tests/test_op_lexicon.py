"""lexicon operator: named phrase lists of rubrics/lexicons/service.yaml, `except` lists, file and list errors."""
import os

import pytest

from scorers.config import ConfigError
from scorers.operators import Context
from tests.op_helpers import EMPTY, RUBRICS, condition, dialogue, evaluate, found, timed

SERVICE = RUBRICS / "lexicons" / "service.yaml"


def lexicon(name, excluded=None, file="lexicons/service.yaml"):
    return {"lexicon": {"file": file, "list": name, **({"except": excluded} if excluded else {})}}


@pytest.mark.parametrize("name, excluded, text, said", [
    ("taboo", "not_taboo", "不知道,你自己看吧。", "不知道"),                     # default.yaml service_taboo hits
    ("taboo", "not_taboo", "这个我也没办法。", "也没办法"),
    ("taboo", "not_taboo", "我都说了三遍了,你听不懂吗?", "说了三遍了"),
    ("taboo", "not_taboo", "我说过了,要本人来办。", "说过了"),
    ("taboo", "not_taboo", "我不知道您是否方便现在核对一下信息?", None),          # ... and its misses
    ("taboo", "not_taboo", "您自己看一下手机银行首页,右上角有个消息按钮。", None),
    ("taboo", "not_taboo", "如果您不知道密码,可以在手机银行重置。", None),
    ("taboo", "not_taboo", "我也没办法保证收益", None),                          # a disclosure, not a refusal
    ("blame", "not_blame", "这不是我的责任。", "不是我的责任"),                   # blame_shifting hits
    ("blame", "not_blame", "那是系统的问题,我也管不了。", "那是系统的问题"),
    ("blame", "not_blame", "你找别的部门去。", "找别的部门去。"),
    ("blame", "not_blame", "这不是您的问题,我马上帮您处理。", None),              # ... and its misses
    ("blame", "not_blame", "建议您到就近的网点办理。", None),
    ("blame", "not_blame", "那是系統的問題", "那是系統的問題"),                   # Traditional, original span
    ("follow_up", "not_follow_up", "我帮您提交给相关部门处理。", "帮您提交给"),
    ("follow_up", "not_follow_up", "感谢您的反馈。", None),
    ("time_promise", None, "24小时内给您回电", "24小时内"),
    ("time_promise", None, "三个工作日内会有短信通知您", "三个工作日内"),
    ("time_promise", None, "好的,我记下了", None),
    ("hold_notice", None, "好的,请您稍等,我帮您查询一下。", "稍等"),
    ("hold_notice", None, "查到了,您这笔已经到账了。", None),
])
def test_service_lists(name, excluded, text, said):
    hits = evaluate(lexicon(name, excluded), dialogue(f"A: {text}"))
    if said is None:
        assert hits.found == {}
    else:
        hit = hits.found[0]
        assert text[hit.start:hit.end] == said
        assert hit.rule == f"lexicon:{name}" and hit.detail == f"「{said}」"


@pytest.mark.parametrize("name, excluded, text", [
    ("taboo", "not_taboo", "你也不知道吗"),
    ("taboo", "not_taboo", "不知道密码的话可以重置"),
    ("blame", "not_blame", "您也没有责任"),
    ("follow_up", "not_follow_up", "您可以在手机银行反馈给相关部门"),
    ("follow_up", "not_follow_up", "您的申请已经提交到后台"),
])
def test_except_forgives_what_the_list_alone_would_hit(name, excluded, text):
    call = dialogue(f"A: {text}")
    assert found(lexicon(name), call) == [0]
    assert found(lexicon(name, excluded), call) == []


def test_except_forgives_only_the_occurrence_it_overlaps():
    text = "这不是您的错,跟我们没关系"
    hit = evaluate(lexicon("blame", "not_blame"), dialogue(f"A: {text}")).found[0]
    assert text[hit.start:hit.end] == "跟我们没关系"


def test_blame_shifting_criterion_judges_the_agent_only():
    """rubrics/default.yaml blame_shifting: the customer saying it is context, not a violation."""
    spec = {"all": [{"role": "agent"}, lexicon("blame", "not_blame")]}
    call = dialogue("C: 那是系统的问题吧?", "A: 我帮您查一下具体原因。", "A: 那是系统的问题,我也管不了。")
    hits = evaluate(spec, call)
    assert sorted(hits.found) == [2] and hits.found[2].rule == "all.lexicon:blame"


def test_only_the_utterances_asked_are_judged():
    call = dialogue("A: 不知道", "A: 不知道", "A: 不知道")
    assert sorted(condition(lexicon("taboo")).evaluate(Context(call), [0, 2]).found) == [0, 2]


def test_empty_call_and_missing_timestamps():
    assert evaluate(lexicon("taboo"), EMPTY).found == {} and evaluate(lexicon("taboo"), EMPTY).unknown == set()
    call = timed(("A", "不知道", None, None), ("A", "这个我也没办法。", 0, None))
    hits = evaluate(lexicon("taboo", "not_taboo"), call)
    assert sorted(hits.found) == [0, 1] and hits.unknown == set()


def test_label_names_the_list():
    assert condition(lexicon("taboo", "not_taboo")).label == "lexicon:taboo"
    hit = evaluate({"not": lexicon("taboo")}, dialogue("A: 好的")).found[0]
    assert hit.rule == "not.lexicon:taboo"


def test_an_absolute_path_and_traditional_patterns(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("rude:\n  - 煩不煩\n  - 急什麼\n", encoding="utf-8")
    call = dialogue("A: 你烦不烦啊", "A: 急什么急", "A: 不着急")
    assert found(lexicon("rude", file=str(path)), call) == [0, 1]


def test_an_edited_file_is_read_again(tmp_path):
    """Lists are cached per file version: an edit (new mtime) takes effect, an unchanged file is not reread."""
    path = tmp_path / "mine.yaml"
    path.write_text("rude:\n  - 烦不烦\n", encoding="utf-8")
    call = dialogue("A: 你烦不烦", "A: 急什么")
    assert found(lexicon("rude", file=str(path)), call) == [0]
    stat = path.stat()
    path.write_text("rude:\n  - 急什么\n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert found(lexicon("rude", file=str(path)), call) == [1]


ROOT = "criteria.c.violation_when.lexicon"


@pytest.mark.parametrize("value, key, fragments", [
    ({"list": "taboo"}, f"{ROOT}.file", ["missing: the lexicon file", "lexicons/service.yaml"]),
    ({"file": " ", "list": "taboo"}, f"{ROOT}.file", ["missing: the lexicon file"]),
    ({"file": "lexicons/service.yaml", "list": "tabu"}, f"{ROOT}.list", ["no list 'tabu'", "(did you mean 'taboo'?)",
                                                                         "lists: taboo, not_taboo, blame"]),
    ({"file": "lexicons/service.yaml"}, f"{ROOT}.list", ["no list None", "lists: taboo"]),
    ({"file": "lexicons/service.yaml", "list": "version"}, f"{ROOT}.list", ["no list 'version'"]),
    ({"file": "lexicons/service.yaml", "list": "taboo", "except": "not_tabo"}, f"{ROOT}.except",
     ["no list 'not_tabo'", "(did you mean 'not_taboo'?)"]),
    ({"file": "lexicons/service.yaml", "lst": "taboo"}, f"{ROOT}.lst", ["(did you mean 'list'?)",
                                                                        "known: file, list, except"]),
    ({"file": "lexicons/service.yaml", "list": "taboo", "excpt": "not_taboo"}, f"{ROOT}.excpt",
     ["(did you mean 'except'?)"]),
    ("lexicons/service.yaml", ROOT, ["lexicon takes a mapping of parameters"]),
])
def test_errors_name_the_key(value, key, fragments):
    with pytest.raises(ConfigError) as info:
        condition({"lexicon": value})
    assert info.value.key == key and all(f in str(info.value) for f in fragments), str(info.value)
    assert info.value.file == str(RUBRICS / "test.yaml")


@pytest.mark.parametrize("content, name, key, fragment", [
    ("rude:\n  - 烦不烦\n  - '(急什么'\n", "rude", "rude[1]", "invalid regular expression"),
    ("rude:\n  - 烦不烦\n  - 3\n", "rude", "rude", "must be a list of non-empty strings"),
    ("- 烦不烦\n", "rude", "(file)", "a lexicon is a mapping of named lists"),
])
def test_a_broken_lexicon_is_named_with_its_key(tmp_path, content, name, key, fragment):
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        condition(lexicon(name, file=str(path)))
    assert (info.value.file, info.value.key) == (str(path), key) and fragment in str(info.value)


def test_the_service_lexicon_compiles_every_list():
    for name in ("taboo", "not_taboo", "blame", "not_blame", "hold_notice", "follow_up", "not_follow_up",
                 "time_promise"):
        assert condition(lexicon(name)).label == f"lexicon:{name}"
    assert SERVICE.is_file()


def test_a_misspelt_lexicon_file_names_the_key_and_the_file_it_may_mean():
    with pytest.raises(ConfigError) as info:
        condition({"lexicon": {"file": "lexicons/servce.yaml", "list": "taboo"}})
    assert info.value.key == "criteria.c.violation_when.lexicon.file"
    assert str(RUBRICS / "lexicons" / "servce.yaml") in str(info.value) and "lexicon file not found" in str(info.value) and "(did you mean 'lexicons/service.yaml'?)" in str(info.value)
