"""The model card carries every figure a reviewer needs: pretraining licences, calibration, thresholds, evaluations."""
import json

from scorers.models.card import (CARD_FILE, pretraining_record, read_card, record_evaluation, render_readme,
                                 write_card)

CARD = {"name": "m", "version": "v1", "labels": ["over_promise"], "base": "enc",
        "data": {"n_examples": 3, "sources": ["data/x"], "sha256": "abc"},
        "calibration": {"over_promise": {"temperature": 1.2, "ece_before": 0.05, "ece_after": 0.02}},
        "thresholds": {"over_promise": {"target_precision": 0.9, "threshold": 0.93, "precision": 0.91,
                                        "recall": 0.4}}}


def test_pretraining_record_lists_each_corpus_files_and_licences(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sources.json").write_text(json.dumps({"files": [{"file": "a.txt.gz", "source": "KdConv",
                                                                "licence": "Apache-2.0"}]}), encoding="utf-8")
    encoder = tmp_path / "enc"
    encoder.mkdir()
    (encoder / "pretraining.json").write_text(json.dumps({"lines": 10, "sources": [
        {"path": str(corpus)}, {"path": str(tmp_path / "no-list")}]}), encoding="utf-8")
    record = pretraining_record(encoder)
    assert record["sources"][0]["files"][0]["licence"] == "Apache-2.0"
    assert "files" not in record["sources"][1]
    assert pretraining_record(None) == {} and pretraining_record(tmp_path) == {}


def test_readme_states_pretraining_licences_calibration_and_thresholds():
    card = {**CARD, "pretraining": {"lines": 10, "steps": 5, "sources": [
        {"path": "data/pretrain", "files": [{"file": "t.gz", "source": "Tatoeba", "licence": "CC-BY-2.0-FR"}]}]}}
    text = render_readme(card)
    assert "| t.gz | Tatoeba | CC-BY-2.0-FR |" in text
    assert "| over_promise | 1.2 | 0.05 | 0.02 |" in text
    assert "| over_promise | 0.9 | 0.93 | 0.91 | 0.4 |" in text


def test_record_evaluation_updates_the_card_and_its_readme(tmp_path):
    write_card(tmp_path, dict(CARD))
    record_evaluation(tmp_path, "ood", {"abstention_rate": 0.054})
    record_evaluation(tmp_path, "hand-checked", {"precision": 0.8})
    card = read_card(tmp_path)
    assert card["evaluation"] == {"ood": {"abstention_rate": 0.054}, "hand-checked": {"precision": 0.8}}
    assert json.loads((tmp_path / CARD_FILE).read_text(encoding="utf-8"))["name"] == "m"
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "## Evaluation: ood" in readme and "0.054" in readme and "## Evaluation: hand-checked" in readme
