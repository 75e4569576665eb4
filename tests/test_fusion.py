"""How rules and the model combine, per mode: rule, model, either, both (scorers.fusion)."""
import pytest

from scorers.finding import MET, VIOLATION
from scorers.fusion import Fusion, FusedEmpathyScorer, FusedScorer, combine
from scorers.model_scorer import CallScores
from tests.helpers import call_of, default_scorer


class FakeModel:
    """Fixed scores per head and utterance index, as CallModel.scores would return them."""

    def __init__(self, **by_head):
        self.by_head = by_head
        self.asked = 0

    def scores(self, call):
        self.asked += 1
        return CallScores({h: dict(v) for h, v in self.by_head.items()})


PROMISE_CALL = call_of("A: 您好", "C: 这个理财靠谱吗", "A: 这款产品稳赚不赔", "C: 真的?", "A: 闭着眼睛买都行",
                       "A: 理财产品不保本")
# rule finds utterance 2; the model is confident about 4 (a phrasing nobody wrote down) and 2, unsure about 5
PROMISE_SCORES = {"over_promise": {0: 0.01, 2: 0.97, 4: 0.93, 5: 0.40}}


def indexes(findings, outcome=VIOLATION):
    return [f.utterance_index for f in findings if f.outcome == outcome]


@pytest.mark.parametrize("mode, expected", [
    ("rule", [2]), ("model", [2, 4]), ("either", [2, 4]), ("both", [2]), ("suggest", [2, 4]),
])
def test_over_promise_modes(mode, expected):
    scorer = FusedScorer(default_scorer("over_promise"), FakeModel(**PROMISE_SCORES), "over_promise", VIOLATION,
                         Fusion(mode, 0.9))
    assert indexes(scorer(PROMISE_CALL)) == expected


def test_threshold_is_inclusive_and_decides_what_the_model_adds():
    rule = default_scorer("over_promise")
    at = FusedScorer(rule, FakeModel(over_promise={4: 0.93}), "over_promise", VIOLATION, Fusion("either", 0.93))
    above = FusedScorer(rule, FakeModel(over_promise={4: 0.93}), "over_promise", VIOLATION, Fusion("either", 0.94))
    assert indexes(at(PROMISE_CALL)) == [2, 4] and indexes(above(PROMISE_CALL)) == [2]


def test_both_drops_a_rule_finding_the_model_does_not_confirm():
    scorer = FusedScorer(default_scorer("over_promise"), FakeModel(over_promise={2: 0.2}), "over_promise",
                         VIOLATION, Fusion("both", 0.5))
    assert scorer(PROMISE_CALL) == []


def test_a_rule_finding_keeps_its_evidence_and_a_model_finding_says_it_is_the_model():
    scorer = FusedScorer(default_scorer("over_promise"), FakeModel(**PROMISE_SCORES), "over_promise", VIOLATION,
                         Fusion("either", 0.9))
    by_index = {f.utterance_index: f for f in scorer(PROMISE_CALL)}
    assert by_index[2].scorer == "rule" and by_index[2].rule_id != "over_promise.model"
    model = by_index[4]
    assert (model.scorer, model.rule_id, model.confidence) == ("model", "over_promise.model", 0.93)
    assert (model.span_start, model.span_end) == (0, len("闭着眼睛买都行"))


def test_rule_mode_never_asks_the_model():
    model = FakeModel(**PROMISE_SCORES)
    FusedScorer(default_scorer("over_promise"), model, "over_promise", VIOLATION, Fusion("rule", 0.5))(PROMISE_CALL)
    assert model.asked == 0


def test_model_findings_are_masked():
    call = call_of("C: 我的卡号多少", "A: 您的卡号6222021001234567896肯定没问题")
    (f,) = combine([], {1: 0.99}, Fusion("model", 0.5), "over_promise", VIOLATION, call)
    assert "6222021001234567896" not in f.evidence


def test_paraphrase_fusion_keeps_other_outcomes_and_adds_met():
    call = call_of("C: 我想把信用卡自动还款改成另一张储蓄卡", "A: 好的,换一张卡来自动还是吧?")
    scorer = FusedScorer(default_scorer("paraphrase"), FakeModel(paraphrase={1: 0.95}), "paraphrase", MET,
                         Fusion("either", 0.8))
    (f,) = scorer(call)
    assert (f.outcome, f.utterance_index, f.scorer) == (MET, 1, "model")


DISTRESS_CALL = call_of("C: 我都打了三次电话了,一直没人解决,烦死了", "A: 请报一下卡号后四位", "C: 1234",
                        "A: 好的查到了", "C: 这钱要是没了我怎么办啊", "A: 换我也坐不住",
                        "A: 查到了")


@pytest.mark.parametrize("empathy, distress, met, missing", [
    # the rule hears the first complaint; nobody answers it
    (Fusion("rule", 0.5), Fusion("rule", 0.5), [], [0]),
    # the model also hears the second complaint, and the rule alone misses the (indirect) empathy after it
    (Fusion("rule", 0.5), Fusion("either", 0.8), [], [0, 4]),
    # the model hears the indirect empathy too: the second complaint was answered after all
    (Fusion("either", 0.8), Fusion("either", 0.8), [5], [0]),
    # distress only where rule and model agree: neither 0 (the model says 0.5) nor 4 (the rule is silent)
    (Fusion("either", 0.8), Fusion("both", 0.8), [5], []),
    (Fusion("either", 0.8), Fusion("both", 0.4), [5], [0]),
    # the model alone: it did not hear the first complaint
    (Fusion("model", 0.8), Fusion("model", 0.8), [5], []),
])
def test_empathy_episodes_are_judged_on_the_combined_signals(empathy, distress, met, missing):
    model = FakeModel(empathy={1: 0.1, 3: 0.05, 5: 0.91, 6: 0.2}, distress={0: 0.5, 2: 0.01, 4: 0.88})
    findings = FusedEmpathyScorer(default_scorer("empathy"), model, empathy, distress)(DISTRESS_CALL)
    assert indexes(findings, MET) == met and indexes(findings, VIOLATION) == missing


def test_a_complaint_only_the_model_heard_is_a_model_finding():
    model = FakeModel(empathy={}, distress={4: 0.88})
    findings = FusedEmpathyScorer(default_scorer("empathy"), model, Fusion("rule", 0.5),
                                  Fusion("either", 0.8))(DISTRESS_CALL)
    by_index = {f.utterance_index: f for f in findings if f.outcome == VIOLATION}
    assert by_index[0].scorer == "rule"
    assert (by_index[4].scorer, by_index[4].confidence, by_index[4].rule_id) == \
        ("model", 0.88, "empathy.model_missing_after_distress")
    assert (by_index[4].span_start, by_index[4].span_end) == (0, len("这钱要是没了我怎么办啊"))


@pytest.mark.parametrize("text, added", [
    ("这个产品不是存款,不受存款保险保护", False),          # a legal fact: the lexicon's exemption
    ("我会在24小时内给您回电告知进度", False),             # the agent's own callback
    ("理财产品不保本,过往业绩不代表未来表现", False),      # disclosures, clause after clause
    ("不保本的,不过收益您就等着数钱吧", True),             # one clause disclaims, the next speaks of returns
    ("不保本的,不过您放心,跌不了", False),                 # a limit: no word of the lexicon says it promises
    ("闭着眼睛买都行", True),
])
def test_the_model_adds_no_over_promise_where_the_rules_context_excuses_every_clause(text, added):
    call = call_of("C: 这个靠谱吗", f"A: {text}")
    scorer = FusedScorer(default_scorer("over_promise"), FakeModel(over_promise={1: 0.99}), "over_promise",
                         VIOLATION, Fusion("either", 0.9))
    assert bool([f for f in scorer(call) if f.scorer == "model"]) is added


def test_comprehension_is_not_empathy_and_calm_is_not_distress_whatever_the_model_says():
    call = call_of("C: 我不着急,您慢慢查", "A: 好的,我理解了", "A: 请稍等")
    model = FakeModel(empathy={1: 0.99, 2: 0.1}, distress={0: 0.99})
    findings = FusedEmpathyScorer(default_scorer("empathy"), model, Fusion("either", 0.9),
                                  Fusion("either", 0.9))(call)
    assert findings == []


def test_the_rules_context_never_removes_a_rule_finding_in_both_mode():
    call = call_of("C: 这个靠谱吗", "A: 我保证今天之内钱一定退回来")
    rule = default_scorer("over_promise")
    assert [f.utterance_index for f in rule(call)] == [1]
    scorer = FusedScorer(rule, FakeModel(over_promise={1: 0.99}), "over_promise", VIOLATION, Fusion("both", 0.9))
    assert [f.utterance_index for f in scorer(call)] == [1]


# --------------------------------------------------------------------------- suggest: suspected, not counted

def test_suggest_writes_the_models_own_findings_as_suspected_and_says_the_basis():
    scorer = FusedScorer(default_scorer("over_promise"), FakeModel(**PROMISE_SCORES), "over_promise", VIOLATION,
                         Fusion("suggest", 0.9))
    by_index = {f.utterance_index: f for f in scorer(PROMISE_CALL)}
    assert (by_index[2].basis, by_index[2].counted) == ("both", True)     # the rule's, the model agrees
    assert (by_index[4].basis, by_index[4].counted) == ("model", False)   # the model's alone: suspected
    assert "待复核" in by_index[4].detail


@pytest.mark.parametrize("mode, basis", [("either", "both"), ("rule", "rule"), ("both", "both")])
def test_a_rule_finding_always_counts_and_says_whether_the_model_agreed(mode, basis):
    scorer = FusedScorer(default_scorer("over_promise"), FakeModel(**PROMISE_SCORES), "over_promise", VIOLATION,
                         Fusion(mode, 0.9))
    (f,) = [f for f in scorer(PROMISE_CALL) if f.utterance_index == 2]
    assert f.counted and f.basis == basis


def test_empathy_suggest_keeps_what_the_rule_found_and_marks_what_only_the_model_added():
    model = FakeModel(empathy={1: 0.1, 3: 0.05, 5: 0.91, 6: 0.2}, distress={0: 0.5, 2: 0.01, 4: 0.88})
    findings = FusedEmpathyScorer(default_scorer("empathy"), model, Fusion("suggest", 0.8),
                                  Fusion("suggest", 0.8))(DISTRESS_CALL)
    counted = [(f.outcome, f.utterance_index) for f in findings if f.counted]
    suspected = [(f.outcome, f.utterance_index, f.basis) for f in findings if not f.counted]
    assert counted == [(VIOLATION, 0)]              # the rule's complaint, unanswered
    assert suspected == [(MET, 5, "model")]         # the model's empathy; its complaint at 4 was answered by it


def test_empathy_suggest_on_distress_alone_marks_the_models_complaint_suspected():
    model = FakeModel(empathy={}, distress={4: 0.88})
    findings = FusedEmpathyScorer(default_scorer("empathy"), model, Fusion("rule", 0.5),
                                  Fusion("suggest", 0.8))(DISTRESS_CALL)
    by_index = {f.utterance_index: f for f in findings if f.outcome == VIOLATION}
    assert by_index[0].counted and by_index[0].basis == "rule"
    assert not by_index[4].counted and by_index[4].basis == "model" and "待复核" in by_index[4].detail
