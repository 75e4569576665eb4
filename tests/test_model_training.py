"""Training writes an ordinary transformers checkpoint with a model card; same seed, same model."""
import json

import pytest

from scorers.models.classifier import UtteranceClassifier
from scorers.models.examples import LABELS, data_hash
from scorers.models.training import TrainConfig, split, train
from tests.model_helpers import TINY, tiny_examples


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "tiny"
    return train(tiny_examples(), out, config=TINY, sources=["tests"])


def test_the_checkpoint_loads_with_transformers_own_classes(tiny_model):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(str(tiny_model.out), local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model.out), local_files_only=True)
    assert [model.config.id2label[i] for i in range(4)] == list(LABELS)
    assert tokenizer.tokenize("坐席:稳赚lpr") == ["坐", "席", ":", "稳", "赚", "l", "##p", "##r"]


def test_the_model_card_says_what_the_model_saw_and_how_it_did(tiny_model):
    card = json.loads((tiny_model.out / "model_card.json").read_text(encoding="utf-8"))
    examples = tiny_examples()
    assert card["data"]["sha256"] == data_hash(examples) and card["data"]["n_examples"] == len(examples)
    assert card["labels"] == list(LABELS) and card["version"].endswith(data_hash(examples)[:8])
    assert set(card["holdout_metrics_at_0.5"]) == set(LABELS)
    assert card["split"]["train"] + card["split"]["holdout"] == len(examples)
    assert card["created"][:4].isdigit() and "seed 5" in (tiny_model.out / "README.md").read_text(encoding="utf-8")


def test_save_and_load_round_trip_gives_the_scores_the_trained_model_gave(tiny_model):
    from scorers.models.classifier import calibrated
    from scorers.models.training import predict_examples
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    examples = tiny_examples(1)
    model = AutoModelForSequenceClassification.from_pretrained(str(tiny_model.out), local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model.out), local_files_only=True)
    direct = predict_examples(model, tokenizer, examples, TINY.max_length).numpy()
    classifier = UtteranceClassifier(tiny_model.out)
    loaded = classifier.predict([(e.task, e.text, e.context) for e in examples])
    assert abs(calibrated(direct, classifier.temperatures) - loaded).max() < 1e-5  # the card's temperatures apply


def test_inference_is_deterministic_whatever_the_batch(tiny_model):
    items = [(e.task, e.text, e.context) for e in tiny_examples(1)]
    first = UtteranceClassifier(tiny_model.out).predict(items)
    again = UtteranceClassifier(tiny_model.out).predict(items)
    one_by_one = UtteranceClassifier(tiny_model.out, batch_size=1).predict(items)
    reversed_ = UtteranceClassifier(tiny_model.out).predict(items[::-1])[::-1]
    assert (first == again).all()
    assert abs(first - one_by_one).max() < 1e-5 and abs(first - reversed_).max() < 1e-5
    assert first.shape == (len(items), len(LABELS)) and ((0 <= first) & (first <= 1)).all()


def test_the_same_seed_trains_the_same_model(tmp_path, tiny_model):
    import torch
    from safetensors.torch import load_file

    again = train(tiny_examples(), tmp_path / "again", config=TINY)
    a, b = load_file(str(tiny_model.out / "model.safetensors")), load_file(str(again.out / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert again.metrics == tiny_model.metrics


def test_the_split_holds_back_each_kind_and_is_seeded():
    examples = tiny_examples(5)
    train_a, held_a = split(examples, 0.2, seed=1)
    train_b, held_b = split(examples, 0.2, seed=1)
    assert held_a == held_b and len(train_a) + len(held_a) == len(examples)
    assert {e.task for e in held_a} == {"agent", "customer", "pair"}
    assert any("over_promise" in e.labels for e in held_a) and any("paraphrase" in e.labels for e in held_a)


def test_a_model_learns_something(tmp_path):
    """Not a quality bar (that is the benchmark's): a model that learns nothing would be a broken loop."""
    config = TrainConfig(**{**TINY.__dict__, "epochs": 15, "holdout": 0.0})
    result = train(tiny_examples(), tmp_path / "m", config=config)
    clf = UtteranceClassifier(result.out)
    scores = clf.predict([("agent", "这款产品稳赚不赔", ""), ("agent", "请稍等", "")])
    col = LABELS.index("over_promise")
    assert scores[0, col] > scores[1, col] + 0.2


def test_a_folder_without_a_checkpoint_is_a_clear_error(tmp_path):
    from scorers.config import ConfigError

    with pytest.raises(ConfigError, match="config.json missing"):
        UtteranceClassifier(tmp_path)


def test_the_shipped_model_was_trained_on_the_data_shipped_with_it():
    """A corpus or label edit without retraining leaves the model stale: retrain with
    `callqa train --out models/callqa-small` (and commit the checkpoint)."""
    from pipelines.train_cli import DEFAULT_CORPUS, DEFAULT_LABELED
    from scorers.models.examples import gather
    from tests.conftest import ROOT

    card = json.loads((ROOT / "models" / "callqa-small" / "model_card.json").read_text(encoding="utf-8"))
    examples, _ = gather(DEFAULT_LABELED, [DEFAULT_CORPUS])
    assert card["data"]["sha256"] == data_hash(examples), "models/callqa-small is stale: retrain it"


@pytest.mark.parametrize("args, message", [
    (["--calls", "a.jsonl"], "give one --labels per --calls"),
    (["--corpus", "missing-folder"], "no *.jsonl examples"),
    (["--base", "."], "has no config.json"),
])
def test_train_refuses_unusable_arguments(tmp_path, args, message):
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(app, ["train", "--out", str(tmp_path / "m"), *args])
    assert result.exit_code == 2 and message in " ".join(result.output.split())
    assert not (tmp_path / "m").exists()


def test_threads_scoring_at_once_load_the_model_once_and_agree(tiny_model):
    """The nightly flow scores chunks in threads: the first predictions race to load the checkpoint."""
    from concurrent.futures import ThreadPoolExecutor

    items = [(e.task, e.text, e.context) for e in tiny_examples(1)]
    clf = UtteranceClassifier(tiny_model.out)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: clf.predict(items), range(4)))
    assert all(abs(r - results[0]).max() < 1e-6 for r in results)


def test_a_loaded_classifier_runs_without_onednn_and_scores_the_same(tiny_model):
    """oneDNN's per-shape primitive cache cost each scoring worker 0.25 GiB: loading turns it off,
    and the scores are the ones oneDNN gives (to float rounding)."""
    import torch

    items = [(e.task, e.text, e.context) for e in tiny_examples(1)]
    clf = UtteranceClassifier(tiny_model.out, cache_size=0).load()
    assert torch.backends.mkldnn.enabled is False
    without = clf.predict(items)
    torch.backends.mkldnn.enabled = True
    try:
        assert abs(clf.predict(items) - without).max() < 1e-5
    finally:
        torch.backends.mkldnn.enabled = False


def test_remembered_scores_are_the_scores(tiny_model):
    items = [(e.task, e.text, e.context) for e in tiny_examples(1)]
    clf = UtteranceClassifier(tiny_model.out, cache_size=5)
    first = clf.predict(items)
    assert len(clf._cache) == 5  # bounded
    again = clf.predict(items[::-1])[::-1]
    assert abs(first - again).max() < 1e-6
    assert abs(UtteranceClassifier(tiny_model.out, cache_size=0).predict(items) - first).max() < 1e-6


def test_a_checkpoint_on_disk_can_be_the_base(tiny_model, tmp_path):
    """--base: any local checkpoint AutoModelForSequenceClassification loads is fine-tuned with its own tokenizer."""
    from transformers import AutoTokenizer

    config = TrainConfig(**{**TINY.__dict__, "epochs": 1})
    result = train(tiny_examples(), tmp_path / "tuned", base=tiny_model.out, config=config)
    card = json.loads((result.out / "model_card.json").read_text(encoding="utf-8"))
    assert card["base"] == str(tiny_model.out)
    base_vocab = AutoTokenizer.from_pretrained(str(tiny_model.out)).get_vocab()
    assert AutoTokenizer.from_pretrained(str(result.out)).get_vocab() == base_vocab
    scores = UtteranceClassifier(result.out).predict([("agent", "稳赚不赔", "")])
    assert scores.shape == (1, len(LABELS))


def test_retraining_swaps_the_checkpoint_in_whole_and_a_failure_keeps_the_old(tiny_model, tmp_path, monkeypatch):
    import shutil

    import scorers.models.training as training

    out = tmp_path / "live"
    shutil.copytree(tiny_model.out, out)
    (out / "stale.txt").write_text("from an older model")
    before = (out / "model.safetensors").read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(training, "model_card", disk_full)
    with pytest.raises(OSError):
        train(tiny_examples(), out, config=TINY)
    assert (out / "model.safetensors").read_bytes() == before and (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live"]  # no staging folder left behind
    monkeypatch.undo()
    train(tiny_examples(), out, config=TINY)
    assert not (out / "stale.txt").exists() and (out / "model_card.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live"]


def test_heads_an_example_does_not_label_are_left_out_of_the_loss():
    from scorers.models.examples import Example
    from scorers.models.training import _targets

    target, mask = _targets([Example("agent", "稳赚", frozenset({"over_promise"}), unknown=frozenset({"empathy"})),
                             Example("customer", "烦死了", frozenset({"distress"}))])
    assert mask.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0]]
    assert target.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0]]
