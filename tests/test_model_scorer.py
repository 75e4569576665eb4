"""What the model looks at in a call, and that chunk-wise and call-wise scoring agree (scorers.model_scorer)."""
import numpy as np

from scorers.model_scorer import CallModel
from scorers.models.examples import LABELS
from tests.helpers import call_of


class CountingClassifier:
    """Scores an item by its text length (deterministic), and remembers what it was asked."""

    name, version = "fake", "1"

    def __init__(self):
        self.asked = []

    def predict(self, items):
        self.asked.append(list(items))
        return np.array([[len(text) / 100 + k / 1000 for k in range(len(LABELS))] for _, text, _ in items],
                        dtype=np.float32).reshape(len(items), len(LABELS))


CALL = call_of("A: 您好,请问有什么可以帮您?", "C: 我想把还款日改到15号", "A: 您是想把还款日改到15号对吗?",
               "A: 好的,已经帮您改好了", "C: 谢谢", "A: 不客气")


def test_only_the_heads_a_criterion_reads_are_scored():
    clf = CountingClassifier()
    CallModel(clf, {"over_promise"}).scores(CALL)
    # "不客气" and "谢谢" are too short to judge: the model abstains (scorers.models.abstain)
    assert [task for task, _, _ in clf.asked[0]] == ["agent"] * 3
    clf = CountingClassifier()
    CallModel(clf, {"distress"}).scores(CALL)
    assert [text for _, text, _ in clf.asked[0]] == ["我想把还款日改到15号"]


def test_pairs_only_for_agent_utterances_that_ask_back_after_the_customer_spoke():
    clf = CountingClassifier()
    scores = CallModel(clf, {"paraphrase"}).scores(CALL)
    # utterance 0 asks back but nothing was said yet; 3 and 5 do not ask back
    assert list(scores.of("paraphrase")) == [2]
    (task, text, context), = clf.asked[0]
    assert (task, text, context) == ("pair", "您是想把还款日改到15号对吗?", "我想把还款日改到15号")


def test_heads_share_one_pass_and_land_in_their_column():
    clf = CountingClassifier()
    scores = CallModel(clf, {"empathy", "over_promise"}).scores(CALL)
    assert len(clf.asked) == 1
    text = CALL.utterances[3].text
    assert abs(scores.of("empathy")[3] - len(text) / 100) < 1e-6
    assert abs(scores.of("over_promise")[3] - (len(text) / 100 + 0.001)) < 1e-6


def test_a_prepared_chunk_is_scored_in_one_go_and_gives_the_same_scores():
    other = call_of("C: 气死我了", "A: 抱歉,您别着急,对吗?", call_id="T-2")
    heads = {"empathy", "distress", "paraphrase"}
    alone = [CallModel(CountingClassifier(), heads).scores(c).by_head for c in (CALL, other)]
    clf = CountingClassifier()
    model = CallModel(clf, heads)
    model.prepare([CALL, other])
    assert [model.scores(c).by_head for c in (CALL, other)] == alone
    assert len(clf.asked) == 1  # one batch for the chunk, none per call
    model.release()
    model.scores(CALL)
    assert len(clf.asked) == 2  # released: scored again on demand


def test_an_unprepared_call_is_scored_once_however_many_criteria_ask():
    clf = CountingClassifier()
    model = CallModel(clf, {"empathy"})
    model.scores(CALL), model.scores(CALL)
    assert len(clf.asked) == 1


def test_transformers_is_imported_under_one_lock_from_many_threads():
    # issue 10 item 20: concurrent first imports of transformers' lazy classes failed in chunk threads
    import threading

    from scorers.models import classifier

    barrier, got, errors = threading.Barrier(8), [], []

    def grab():
        barrier.wait()
        try:
            got.append(classifier.import_transformers()[1].__name__)
        except Exception as err:  # noqa: BLE001 - the failure being guarded against
            errors.append(err)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and got == ["AutoModelForSequenceClassification"] * 8
    assert not classifier._IMPORT_LOCK.locked()
