"""pretraining: masked-language modelling on unlabelled text, then fine-tuning from the encoder."""
import gzip
import json

import pytest

from scorers.models.pretraining import PRETRAIN_CARD, PretrainConfig, PretrainError, Pretrainer, read_pretrain_texts

TINY = PretrainConfig(seed=3, steps=4, batch_size=8, hidden_size=32, layers=1, heads=2, intermediate_size=64,
                      min_char_count=1)


def corpus(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    with gzip.open(folder / "chat.txt.gz", "wt", encoding="utf-8") as f:
        f.write("亲，这款还有货吗\n\n请问酒店附近有地铁吗\n")
    call = {"call_id": "P-1", "agent_id": "A1", "team": "t", "channel": "phone",
            "started_at": "2026-11-20T09:00:00+08:00",
            "utterances": [{"speaker": "customer", "text": "我的卡号是6222021234567890123"},
                           {"speaker": "agent", "text": "好的，我帮您查一下"}]}
    (folder / "night.jsonl").write_text(json.dumps(call, ensure_ascii=False) + "\n{broken\n", encoding="utf-8")
    return folder


def test_reads_text_and_transcripts_normalised_and_masked(tmp_path):
    texts = list(read_pretrain_texts([corpus(tmp_path)]))
    assert "亲,这款还有货吗" in texts and "请问酒店附近有地铁吗" in texts
    assert "好的,我帮您查一下" in texts
    assert not any("6222021234567890123" in t for t in texts)  # personal numbers are masked first
    assert any("6222" in t and "*" in t for t in texts)
    assert len(texts) == 4  # the broken record is skipped, not learnt


def test_a_missing_or_empty_path_is_a_clear_error(tmp_path):
    with pytest.raises(PretrainError, match="no such file"):
        list(read_pretrain_texts([tmp_path / "nowhere"]))
    (tmp_path / "empty").mkdir()
    with pytest.raises(PretrainError, match="no transcripts"):
        list(read_pretrain_texts([tmp_path / "empty"]))


def test_the_encoder_is_a_checkpoint_the_classifier_fine_tunes(tmp_path):
    from scorers.models.classifier import UtteranceClassifier
    from scorers.models.examples import LABELS
    from scorers.models.training import TrainConfig, train
    from tests.model_helpers import tiny_examples

    pre = Pretrainer(TINY).fit(read_pretrain_texts([corpus(tmp_path)]))
    assert pre.stats_["steps"] == 4 and pre.stats_["lines"] == 4
    encoder = pre.save(tmp_path / "encoder", sources=[{"path": "archive"}])
    assert json.loads((encoder / PRETRAIN_CARD).read_text(encoding="utf-8"))["sources"] == [{"path": "archive"}]
    config = TrainConfig(seed=5, epochs=1, batch_size=16, holdout=0.2)
    result = train(tiny_examples(), tmp_path / "tuned", base=encoder, config=config)
    assert UtteranceClassifier(result.out).predict([("agent", "稳赚不赔", "")]).shape == (1, len(LABELS))
    card = json.loads((result.out / "model_card.json").read_text(encoding="utf-8"))
    assert set(card["calibration"]) == set(LABELS) and set(card["thresholds"]) == set(LABELS)


def test_the_same_seed_pretrains_the_same_encoder(tmp_path):
    texts = list(read_pretrain_texts([corpus(tmp_path)]))
    a, b = Pretrainer(TINY).fit(texts), Pretrainer(TINY).fit(texts)
    assert a.stats_["final_loss"] == b.stats_["final_loss"]


def test_train_refuses_base_and_pretrain_corpus_together(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(app, ["train", "--out", str(tmp_path / "m"), "--base", str(tmp_path),
                                      "--pretrain-corpus", str(tmp_path)])
    assert result.exit_code == 2


def test_train_reports_an_unreadable_pretraining_corpus(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(app, ["train", "--out", str(tmp_path / "m"), "--pretrain-corpus",
                                      str(tmp_path / "nowhere"), "--pretrain-steps", "2"])
    assert result.exit_code == 2 and "no such file" in " ".join(result.output.split())
    assert not (tmp_path / "m").exists()
