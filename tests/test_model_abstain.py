"""abstain: the model says nothing on inputs unlike its training data, and the rule's answer stands."""
import pytest

from scorers.models.abstain import Abstainer, content_chars
from scorers.model_scorer import CallModel
from scorers.normalize import normalize
from tests.helpers import call_of


@pytest.mark.parametrize("text, chars", [
    ("嗯嗯好的呀~", "好"),
    ("[数字][姓名]您好", "您好"),
    ("卡掉了亲!!", "卡掉"),
    ("**** 多少钱?", "多少钱"),
    ("這款產品穩賺不賠", "这款产品稳赚不赔"),
])
def test_content_chars_drop_fillers_placeholders_and_punctuation(text, chars):
    assert content_chars(normalize(text)) == chars


@pytest.mark.parametrize("text, reason", [
    ("好的", "short"), ("多少钱", "short"), ("这个吗", "short"), ("[数字][数字]", "short"), ("卡掉了亲", "short"),
    ("这款产品稳赚不赔", None), ("我保证今天之内钱一定退回来", None),
])
def test_short_inputs_are_not_judged(text, reason):
    assert Abstainer().reason(normalize(text)) == reason


def test_mostly_unseen_characters_are_not_judged():
    abstainer = Abstainer.fit(["这款产品稳赚不赔", "这款产品稳赚不赔", "收益肯定有百分之五", "收益肯定有百分之五"])
    assert abstainer.reason(normalize("这款产品收益稳")) is None
    assert abstainer.reason(normalize("酒店附近有地铁站吗")) == "unseen"


def test_fit_keeps_characters_seen_min_count_times_and_round_trips(tmp_path):
    abstainer = Abstainer.fit(["甲乙", "甲丙"], min_count=2, min_chars=3, max_unseen_share=0.5)
    assert abstainer.seen == frozenset("甲")
    abstainer.save(tmp_path)
    assert Abstainer.load(tmp_path) == abstainer
    assert Abstainer.load(tmp_path / "nowhere") == Abstainer()  # an older checkpoint: length only


class CountingClassifier:
    name, version = "fake", "1"

    def __init__(self, abstainer):
        self.abstainer = abstainer
        self.items = []

    def predict(self, items):
        import numpy as np

        self.items += items
        return np.full((len(items), 4), 0.99, dtype=np.float32)


def test_an_abstained_utterance_gets_no_score_and_is_counted():
    classifier = CountingClassifier(Abstainer())
    model = CallModel(classifier, heads={"over_promise", "distress"})
    call = call_of("C: 多少钱", "A: 好的", "A: 这款产品稳赚不赔", "C: 你们到底怎么回事,气死我了")
    scores = model.scores(call)
    assert scores.of("over_promise") == {2: pytest.approx(0.99)} and set(scores.of("distress")) == {3}
    assert [text for _, text, _ in classifier.items] == ["这款产品稳赚不赔", "你们到底怎么回事,气死我了"]
    assert model.abstained == {"short": 2} and model.looked_at == 4
