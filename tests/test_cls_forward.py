"""cls_forward: the last layer at [CLS] only gives transformers' own logits, to float rounding."""
import gzip
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from scorers.models.classifier import UtteranceClassifier  # noqa: E402
from scorers.models.cls_forward import ClsForward, cls_forward  # noqa: E402
from scorers.models.encoding import encode, model_inputs, score_items  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "models" / "callqa-small"


@pytest.fixture(scope="module")
def shipped():
    classifier = UtteranceClassifier(SHIPPED).load()
    return classifier._model, classifier._tokenizer


def real_lines(n: int) -> list[str]:
    """Dialogue lines written outside the project, of every length (some longer than the model reads)."""
    with gzip.open(ROOT / "data" / "pretrain" / "kdconv_dialogue.txt.gz", "rt", encoding="utf-8") as f:
        lines = [line.strip() for _, line in zip(range(n * 3), f) if line.strip()]
    return lines[:n]


def test_the_shipped_checkpoint_is_supported(shipped):
    model, _ = shipped
    assert isinstance(cls_forward(model), ClsForward)
    assert cls_forward(model) is cls_forward(model)  # built once per model


@pytest.mark.parametrize("task", ["agent", "customer", "pair"])
def test_logits_equal_transformers_on_padded_batches_of_real_text(shipped, task):
    model, tokenizer = shipped
    lines = real_lines(300)
    lines += ["嗯", "好的", "您好，請問有什麼可以幫您？",  # short, 繁體
              "收益肯定有百分之五，稳赚不赔" * 12]  # longer than the model reads
    items = [(task, text, lines[n - 1] if task == "pair" else "") for n, text in enumerate(lines)]
    fast = cls_forward(model)
    with torch.inference_mode():
        for start in range(0, len(items), 64):  # unsorted: batches carry a lot of padding
            enc = encode(tokenizer, [model_inputs(*item) for item in items[start:start + 64]])
            assert (enc["attention_mask"] == 0).any() or start > 0
            expected = model(**enc).logits
            got = fast(**enc)
            assert got.shape == expected.shape
            assert torch.allclose(got, expected, atol=1e-5), (got - expected).abs().max()


def test_a_score_does_not_depend_on_its_batch(shipped):
    """Padding is never attended to: an input scored alone or among longer ones gets the same score."""
    model, tokenizer = shipped
    items = [("agent", text, "") for text in real_lines(40)]
    together = score_items(model, tokenizer, items, batch_size=40)
    alone = [score_items(model, tokenizer, [item], batch_size=1)[0] for item in items[:8]]
    for row, single in zip(together, alone):
        assert abs(row - single).max() < 1e-5


def test_weights_are_read_at_each_call(shipped):
    """A model still in training is scored with its current weights, not a copy taken earlier."""
    model, tokenizer = shipped
    enc = encode(tokenizer, [model_inputs("agent", text, "") for text in real_lines(16)])
    fast = cls_forward(model)
    key = model.bert.encoder.layer[0].attention.self.key.weight
    saved = key.detach().clone()
    try:
        with torch.no_grad():
            key.mul_(1.5)
        with torch.inference_mode():
            changed = fast(**enc)
            assert torch.allclose(changed, model(**enc).logits, atol=1e-5)
    finally:
        with torch.no_grad():
            key.copy_(saved)
    with torch.inference_mode():
        assert not torch.allclose(changed, fast(**enc), atol=1e-4)


class _NotBert:
    config = type("Config", (), {"model_type": "roberta", "is_decoder": False})()


def test_other_models_use_their_own_forward(shipped):
    model, _ = shipped
    assert cls_forward(_NotBert()) is None
    model.config.is_decoder = True
    try:
        assert not ClsForward.supports(model)
    finally:
        model.config.is_decoder = False
