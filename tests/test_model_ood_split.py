"""ood_split: the shared out-of-domain dialogues split once and for all into a training and a measured half."""
from scorers.models.ood_split import MEASURE, TRAIN, ood_part


def test_the_split_is_stable_and_about_half():
    ids = [f"crosswoz-{n}" for n in range(2000)]
    parts = [ood_part(i) for i in ids]
    assert parts == [ood_part(i) for i in ids]
    assert 0.45 < parts.count(TRAIN) / len(parts) < 0.55 and set(parts) == {TRAIN, MEASURE}


def test_the_training_negatives_come_from_the_training_half_only():
    import json

    from tests.conftest import ROOT

    path = ROOT / "data" / "training" / "ood" / "ood_train.jsonl"
    sources = {json.loads(line)["source"] for line in path.read_text(encoding="utf-8").splitlines()}
    assert sources and all(ood_part(s) == TRAIN for s in sources)
