"""window operator: before / after / around an anchor, in utterances or seconds, with has / lacks / neither."""
import pytest

from scorers.config import ConfigError
from scorers.operators import Condition, Context, Hits
from scorers.operators.window import Window
from tests.op_helpers import EMPTY, condition, dialogue, evaluate, found, timed, unknown

ANCHOR = {"keywords": ["转账"]}
CALL = dialogue("A: 零", "C: 一", "A: 二 转账", "C: 三", "C: 四", "A: 五", "A: 六")  # anchor at 2


def window(**params):
    return {"window": {"anchor": ANCHOR, **params}}


@pytest.mark.parametrize("params, members", [
    ({"after": 1}, [3]),
    ({"after": 2}, [3, 4]),                                     # exactly two, not a third
    ({"after": 0}, []),
    ({"after": 0, "include_anchor": True}, [2]),
    ({"after": 1, "unit": "agent_utterances"}, [5]),            # the customer's turns do not use it up
    ({"after": 2, "unit": "agent_utterances"}, [5, 6]),
    ({"after": 1, "unit": "customer_utterances"}, [3]),
    ({"before": 1}, [1]),
    ({"before": 2}, [0, 1]),
    ({"before": 9}, [0, 1]),                                    # more than there are: all of them
    ({"before": 1, "unit": "agent_utterances"}, [0]),
    ({"before": 1, "unit": "customer_utterances"}, [1]),
    ({"around": 1}, [1, 3]),
    ({"around": 1, "include_anchor": True}, [1, 2, 3]),
    ({"around": 1, "unit": "agent_utterances"}, [0, 5]),
    ({"after": "all"}, [3, 4, 5, 6]),
    ({"before": "all", "unit": "agent_utterances", "include_anchor": True}, [0, 2]),
])
def test_select_holds_inside_the_window(params, members):
    hits = evaluate(window(**params), CALL)
    assert sorted(hits.found) == members and hits.unknown == set()


def test_select_rule_and_detail_name_the_anchor_and_window():
    hit = evaluate(window(after=1, unit="agent_utterances"), CALL).found[5]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (0, 0, "window.select", "第3句之后1句坐席话内")
    assert evaluate(window(before="all"), CALL).found[0].detail == "第3句之前全通"


@pytest.mark.parametrize("call, params, members", [
    (dialogue("A: 转账", "C: 嗯"), {"before": 1}, []),           # anchor at the first utterance
    (dialogue("A: 转账", "C: 嗯"), {"around": 1}, [1]),
    (dialogue("C: 嗯", "A: 转账"), {"after": 1}, []),            # anchor at the last utterance
    (dialogue("C: 嗯", "A: 转账"), {"after": 1, "include_anchor": True}, [1]),
    (dialogue("A: 转账", "A: 转账", "C: 嗯"), {"after": 1}, [1, 2]),  # two anchors, overlapping windows
])
def test_anchor_at_the_edges_of_the_call(call, params, members):
    assert found(window(**params), call) == members


def test_select_judges_only_the_utterances_asked_but_finds_anchors_anywhere():
    hits = condition(window(after=2)).evaluate(Context(CALL), [4, 5])
    assert sorted(hits.found) == [4]


SECONDS = [("A", "好的", 0, 1000), ("A", "转账", 10000, 12000), ("C", "嗯", 14000, 15000),
           ("C", "嗯", 15000, 16000), ("A", "好", 14001, 17000)]


@pytest.mark.parametrize("params, members", [
    ({"after": 2}, [2]),                            # from the anchor's end: 14000 - 12000 = 2 s, exactly in
    ({"after": 1.999}, []),
    ({"after": 2.001}, [2, 4]),                     # 14001: 2.001 s after the end
    ({"after": 3}, [2, 3, 4]),
    ({"before": 9}, [0]),                           # from the anchor's start: 10000 - 1000 = 9 s, exactly in
    ({"before": 8.999}, []),
    ({"around": 2, "include_anchor": True}, [1, 2]),
    ({"after": 0}, []),
    ({"after": "all"}, [2, 3, 4]),
])
def test_seconds_measure_from_the_anchor_with_exact_edges(params, members):
    hits = evaluate(window(unit="seconds", **params), timed(*SECONDS))
    assert sorted(hits.found) == members and hits.unknown == set()


def test_seconds_detail():
    hit = evaluate(window(unit="seconds", after=2.5), timed(*SECONDS)).found[2]
    assert hit.detail == "第2句之后2.5秒内"


@pytest.mark.parametrize("turns, found_at, unknown_at", [
    ([("A", "转账", None, None), ("C", "嗯", 1000, 2000), ("C", "嗯", 2000, 3000)], [], [1, 2]),  # anchor untimed
    ([("A", "转账", 0, None), ("C", "嗯", 1000, 2000)], [], [1]),                                  # half timed
    ([("A", "转账", 0, 1000), ("C", "嗯", None, None), ("C", "嗯", 2000, 2500), ("C", "嗯", 9000, 9500)],
     [2], [1]),                                                               # only the untimed one is unknown
    ([("A", "转账", None, None), ("C", "嗯", 1000, 2000)], [], [1]),
])
def test_seconds_without_timestamps_are_unknown_not_outside(turns, found_at, unknown_at):
    hits = evaluate(window(unit="seconds", after=2), timed(*turns))
    assert sorted(hits.found) == found_at and sorted(hits.unknown) == unknown_at


def test_utterance_windows_need_no_timestamps():
    assert found(window(after=1), timed(("A", "转账", None, None), ("C", "嗯", None, None))) == [1]


def test_an_unknown_anchor_leaves_its_window_unknown_not_itself():
    """Untimed: each agent utterance may end a silence; what follows it may or may not be in its window."""
    spec = {"window": {"anchor": {"silence": {"over_s": 20, "before": "agent"}}, "after": 1}}
    call = dialogue("C: 喂", "A: 您好", "C: 查余额", "A: 好的")
    assert found(spec, call) == [] and unknown(spec, call) == [2]
    with_anchor = {"window": {**spec["window"], "include_anchor": True}}
    assert unknown(with_anchor, call) == [1, 2, 3]


@pytest.mark.parametrize("mode, target, found_at, detail", [
    ("has", ["好的"], [2], "「转账」；第5句出现"),
    ("has", ["没有"], [], None),
    ("lacks", ["没有"], [2], "「转账」；之后1句坐席话内未出现"),
    ("lacks", ["好的"], [], None),
])
def test_has_and_lacks_hold_at_the_anchor(mode, target, found_at, detail):
    call = dialogue("A: 嗯", "C: 嗯", "A: 帮您转账", "C: 好的", "A: 好的", "A: 好的")
    hits = evaluate(window(after=1, unit="agent_utterances", **{mode: {"keywords": target}}), call)
    assert sorted(hits.found) == found_at and hits.unknown == set()
    if detail:
        hit = hits.found[2]
        assert (hit.start, hit.end, hit.detail) == (2, 4, detail)
        assert hit.rule == f"window.{mode}.keywords"


def test_an_empty_window_lacks_everything_and_has_nothing():
    call = dialogue("C: 嗯", "A: 转账")
    assert found(window(after=1, lacks={"keywords": ["好"]}), call) == [1]
    assert found(window(after=1, has={"keywords": ["好"]}), call) == []


@pytest.mark.parametrize("turns, mode, found_at, unknown_at", [
    ([("A", "转账", 0, 1000), ("C", "好的", None, None)], "lacks", [], [0]),
    ([("A", "转账", 0, 1000), ("C", "好的", None, None)], "has", [], [0]),
    ([("A", "转账", 0, 1000), ("C", "嗯", None, None), ("C", "好的", 2000, 2500)], "has", [0], []),
    ([("A", "转账", 0, 1000), ("C", "嗯", None, None), ("C", "好的", 2000, 2500)], "lacks", [], []),
    ([("A", "转账", None, None), ("C", "嗯", 2000, 2500)], "lacks", [], [0]),
    ([("A", "转账", 0, 1000), ("C", "嗯", 3001, 3500)], "lacks", [0], []),     # 2.001 s: outside, judged
    ([("A", "转账", 0, 1000), ("C", "好的", 3000, 3500)], "has", [0], []),     # exactly 2 s: inside
])
def test_has_and_lacks_over_seconds(turns, mode, found_at, unknown_at):
    hits = evaluate(window(after=2, unit="seconds", **{mode: {"keywords": ["好的"]}}), timed(*turns))
    assert sorted(hits.found) == found_at and sorted(hits.unknown) == unknown_at


DEAD_AIR = {"window": {"anchor": {"silence": {"over_s": 20, "before": "agent"}}, "before": 1,
                       "unit": "agent_utterances",
                       "lacks": {"lexicon": {"file": "lexicons/service.yaml", "list": "hold_notice"}}}}


@pytest.mark.parametrize("lines, found_at, unknown_at", [  # rubrics/default.yaml dead_air examples
    (["A 0-3: 好的,您的卡号后四位是多少?", "C 3.5-5: 1234", "A 30-33: 查到了,您这笔已经到账了。"], [2], []),
    (["A 0-3: 好的,请您稍等,我帮您查询一下。", "C 3.5-4: 嗯", "A 30-33: 让您久等了,查到了。"], [], []),
    (["A 0-3: 好的,您的卡号后四位是多少?", "C 3.5-5: 1234", "A 24-27: 查到了。"], [], []),
    (["A 0-3: 好的,您的卡号后四位是多少?", "C 3.5-5: 1234", "A 25-27: 查到了。"], [], []),   # exactly 20 s
    (["A 0-3: 好的,您的卡号后四位是多少?", "C 3.5-5: 1234", "A 25.1-27: 查到了。"], [2], []),
    (["A: 好的,您的卡号后四位是多少?", "C: 1234", "A: 查到了。"], [], [2]),                  # not applicable
])
def test_dead_air_criterion(lines, found_at, unknown_at):
    hits = evaluate(DEAD_AIR, dialogue(*lines))
    assert sorted(hits.found) == found_at and sorted(hits.unknown) == unknown_at
    if found_at:
        assert hits.found[2].rule == "window.lacks.lexicon:hold_notice" and "静默" in hits.found[2].detail


CLOSING = {"window": {"anchor": {"position": {"last": 1, "speaker": "agent"}}, "before": 1,
                      "unit": "agent_utterances", "include_anchor": True,
                      "lacks": {"keywords": {"any": ["感谢来电", "感谢您的来电", "再见", "还有其他可以帮您"]}}}}
TIME = {"window": {"anchor": {"all": [{"role": "agent"}, {"lexicon": {"file": "lexicons/service.yaml",
                                                                        "list": "follow_up",
                                                                        "except": "not_follow_up"}}]},
                   "after": 1, "unit": "agent_utterances", "include_anchor": True,
                   "lacks": {"lexicon": {"file": "lexicons/service.yaml", "list": "time_promise"}}}}
PURCHASE = {"window": {"anchor": {"all": [{"role": "customer"}, {"lexicon": {
    "file": "lexicons/wealth.yaml", "list": "purchase_consent", "except": "not_purchase_consent"}}]},
    "before": "all", "unit": "agent_utterances",
    "lacks": {"lexicon": {"file": "lexicons/wealth.yaml", "list": "not_guaranteed"}}}}


@pytest.mark.parametrize("spec, lines, found_at", [    # rubrics/default.yaml and wealth_outbound.yaml examples
    (CLOSING, ["C: 好的我知道了", "A: 嗯,就这样。"], [1]),
    (CLOSING, ["A: 还有其他可以帮您的吗?", "C: 没有了", "A: 感谢您的来电,再见。"], []),
    (CLOSING, ["A: 好的,感谢您的来电。", "C: 拜拜", "A: 嗯。"], []),           # the agent turn before counts
    (CLOSING, ["A: 好的,感谢您的来电。", "A: 还要说", "C: 拜拜", "A: 嗯。"], [3]),  # two agent turns before: no
    (TIME, ["A: 我帮您提交给相关部门处理。"], [0]),
    (TIME, ["A: 这个我帮您登记一下,反馈给后台。", "C: 好吧", "A: 还有其他可以帮您的吗?"], [0]),
    (TIME, ["A: 我帮您提交工单,24小时内给您回电。"], []),
    (TIME, ["A: 我这边帮您反馈给专员。", "C: 那要多久?", "A: 三个工作日内会有短信通知您。"], []),
    (TIME, ["A: 感谢您的反馈。"], []),
    (PURCHASE, ["A: 这款产品风险等级是R2,年化三点五左右。", "C: 好的,那我买十万。"], [1]),
    (PURCHASE, ["A: 这款是R2风险等级,不保本,可能出现亏损。", "C: 好的,那我买十万。"], []),
    (PURCHASE, ["C: 好的,那我买十万。", "A: 这款不保本。"], [0]),          # disclosed only after the purchase
])
def test_rubric_criteria(spec, lines, found_at):
    assert found(spec, dialogue(*lines)) == found_at


class Spy(Condition):
    """A target that holds nowhere and records what it was asked to judge."""

    def __init__(self):
        self.asked = []

    def evaluate(self, ctx, within):
        self.asked.append(list(within))
        return Hits()


def test_the_target_is_judged_only_inside_windows_and_anchors_only_where_asked():
    call = dialogue("A: 转账", "C: 好的", "A: 好的", "A: 转账", "C: 嗯", "A: 嗯")
    hits = condition(window(after=1, lacks={"keywords": ["好的"]})).evaluate(Context(call), [3, 4])
    assert sorted(hits.found) == [3]                # the anchor at 0 is not asked about
    spy = Spy()
    hits = Window(condition(ANCHOR), "after", 1, mode="lacks", target=spy).evaluate(Context(call), range(6))
    assert spy.asked == [[1, 4]] and sorted(hits.found) == [0, 3]


def test_empty_call():
    for params in ({"after": 1}, {"after": 1, "has": {"keywords": ["a"]}}, {"before": 2, "lacks": {"keywords": ["a"]}},
                   {"after": 2, "unit": "seconds", "lacks": {"keywords": ["a"]}}):
        hits = evaluate(window(**params), EMPTY)
        assert hits.found == {} and hits.unknown == set()


ROOT = "criteria.c.violation_when.window"


@pytest.mark.parametrize("params, key, fragment", [
    ({"after": 1}, f"{ROOT}.anchor", "missing: the condition the window is placed around"),
    ({"anchor": ANCHOR}, ROOT, "give exactly one of before, after, around"),
    ({"anchor": ANCHOR, "after": 1, "before": 1}, ROOT, "give exactly one of before, after, around"),
    ({"anchor": ANCHOR, "after": -1}, f"{ROOT}.after", "must be a number ≥ 0 or all, got -1"),
    ({"anchor": ANCHOR, "after": True}, f"{ROOT}.after", "must be a number ≥ 0 or all"),
    ({"anchor": ANCHOR, "around": "some"}, f"{ROOT}.around", "must be a number ≥ 0 or all"),
    ({"anchor": ANCHOR, "after": 1.5}, f"{ROOT}.after", "counts utterances: must be a whole number"),
    ({"anchor": ANCHOR, "after": 1.5, "unit": "agent_utterances"}, f"{ROOT}.after", "counts agent_utterances"),
    ({"anchor": ANCHOR, "after": 1, "unit": "second"}, f"{ROOT}.unit", "(did you mean 'seconds'?)"),
    ({"anchor": ANCHOR, "after": 1, "include_anchor": "yes"}, f"{ROOT}.include_anchor", "must be true or false"),
    ({"anchor": ANCHOR, "after": 1, "has": ANCHOR, "lacks": ANCHOR}, ROOT, "give has or lacks, not both"),
    ({"anchor": ANCHOR, "after": 1, "lack": ANCHOR}, f"{ROOT}.lack", "(did you mean 'lacks'?)"),
    ({"anchor": ANCHOR, "aftr": 1}, f"{ROOT}.aftr", "(did you mean 'after'?)"),
    ({"anchr": ANCHOR, "after": 1}, f"{ROOT}.anchr", "(did you mean 'anchor'?)"),
    ({"anchor": ANCHOR, "after": 1, "includ_anchor": True}, f"{ROOT}.includ_anchor",
     "known: anchor, before, after, around, unit, include_anchor, has, lacks"),
    ({"anchor": {"keyword": ["a"]}, "after": 1}, f"{ROOT}.anchor.keyword", "(did you mean 'keywords'?)"),
    ({"anchor": ANCHOR, "after": 1, "has": {"regx": "a"}}, f"{ROOT}.has.regx", "(did you mean 'regex'?)"),
    ([ANCHOR], ROOT, "window takes a mapping of parameters"),
])
def test_errors_name_the_key(params, key, fragment):
    with pytest.raises(ConfigError) as info:
        condition({"window": params})
    assert info.value.key == key and fragment in str(info.value), str(info.value)
    assert str(info.value).startswith(str(info.value.file))
