"""A rubric's `model:` settings: validated like every other key, and wired into its criteria."""
import json
import shutil

import pytest

from scorers.config import ConfigError
from scorers.fusion import FusedEmpathyScorer, FusedScorer
from scorers.rubric import load_rubric

OP = "      phrases: lexicons/over_promise.yaml\n"
OVER_PROMISE_MODEL = OP + "    model: {mode: suggest, threshold: 0.97}\n"


@pytest.mark.parametrize("old, new, key, fragment", [
    (OVER_PROMISE_MODEL, OP + "    model: {mode: eiher, threshold: 0.9}\n", "criteria.over_promise.model.mode",
     "(did you mean 'either'?)"),
    (OVER_PROMISE_MODEL, OP + "    model: {mode: both, threshold: 1.5}\n",
     "criteria.over_promise.model.threshold", "must be between 0 and 1"),
    (OVER_PROMISE_MODEL, OP + "    model: {mode: both, treshold: 0.5}\n", "criteria.over_promise.model.treshold",
     "(did you mean 'threshold'?)"),
    ("distress: {mode: rule, threshold: 0.97}}", "distress: {mode: allways}}",
     "criteria.empathy.model.distress.mode", "must be one of rule, model, either, both, suggest"),
    ("  path: ../models/callqa-small", "  path: ../models/nowhere", "model.path", "no model checkpoint at"),
    ("  path: ../models/callqa-small", "  pth: ../models/callqa-small", "model.path", "missing: criteria"),
])
def test_model_settings_errors_name_the_key(rubric_copy, edit, old, new, key, fragment):
    edit(rubric_copy, old, new)
    with pytest.raises(ConfigError) as err:
        load_rubric(rubric_copy)
    assert err.value.key == key and fragment in err.value.problem


def test_a_criterion_the_model_has_no_head_for_is_refused(rubric_copy, edit):
    edit(rubric_copy, "      phrases: lexicons/info_leak.yaml\n",
         "      phrases: lexicons/info_leak.yaml\n    model: {mode: either}\n")
    with pytest.raises(ConfigError) as err:
        load_rubric(rubric_copy)
    assert err.value.key == "criteria.info_leak.model" and "no head for info_leak/v1" in err.value.problem


def test_the_default_rubric_fuses_three_criteria_with_one_model_and_asks_it_for_one(default_rubric):
    scorers = {c.id: c.scorer for c in default_rubric.criteria}
    assert isinstance(scorers["empathy"], FusedEmpathyScorer)
    assert isinstance(scorers["over_promise"], FusedScorer) and isinstance(scorers["paraphrase"], FusedScorer)
    assert not isinstance(scorers["jargon"], (FusedScorer, FusedEmpathyScorer))
    # only over_promise asks the model (suggest); empathy and paraphrase are switched off (README "Model scorers")
    assert default_rubric.model.heads == {"over_promise"}
    assert default_rubric.model_name == "callqa-small" and default_rubric.model_version


def test_rule_mode_keeps_the_model_from_running(rubric_copy, edit):
    edit(rubric_copy, OVER_PROMISE_MODEL, OP + "    model: {mode: rule}\n")
    rubric = load_rubric(rubric_copy)
    assert "over_promise" not in rubric.model.heads


def test_without_model_settings_a_rubric_needs_no_model(rubric_copy, edit):
    text = rubric_copy.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True)
             if "model:" not in line and "distress: {mode" not in line and "../models/" not in line
             and "threshold: 0.97 " not in line and "mode: either\n" not in line]
    rubric_copy.write_text("".join(lines), encoding="utf-8")
    (rubric_copy.parent.parent / "models").unlink()  # no checkpoint anywhere: still loads
    rubric = load_rubric(rubric_copy)
    assert rubric.model is None and rubric.model_name == ""


def test_scored_calls_record_the_model(default_rubric, make_call, tmp_path):
    from scorers.batch import run_batch
    from scorers.store import read_dataset

    path = make_call(call_id="M-1")
    run_batch(path, tmp_path / "out", default_rubric)
    (row,) = read_dataset(tmp_path / "out", "calls").to_pylist()
    assert (row["model_name"], row["model_version"]) == ("callqa-small", default_rubric.model_version)


def test_rules_only_keeps_every_criterion_and_its_examples(default_rubric_path):
    """--rules-only drops the model, nothing else: conditions are still built and still pass their examples."""
    from scorers.selftest import run_examples

    rubric = load_rubric(default_rubric_path, models=False)
    assert rubric.model is None and all(c.scorer is not None for c in rubric.criteria)
    assert not any(isinstance(c.scorer, (FusedScorer, FusedEmpathyScorer)) for c in rubric.criteria)
    ran, failures = run_examples(rubric)
    assert ran > 0 and [f.message() for f in failures] == []


def test_distress_settings_belong_to_empathy_only(rubric_copy, edit):
    edit(rubric_copy, OVER_PROMISE_MODEL, OP + "    model: {mode: either, distress: {mode: rule}}\n")
    with pytest.raises(ConfigError) as err:
        load_rubric(rubric_copy)
    assert err.value.key == "criteria.over_promise.model.distress" and "unknown key" in err.value.problem


@pytest.mark.parametrize("mode", ["either", "model"])
def test_a_veto_criterion_may_not_let_the_model_fail_a_call_on_its_own(rubric_copy, edit, mode):
    edit(rubric_copy, OVER_PROMISE_MODEL, OP + f"    model: {{mode: {mode}, threshold: 0.9}}\n")
    with pytest.raises(ConfigError) as err:
        load_rubric(rubric_copy)
    assert err.value.key == "criteria.over_promise.model.mode" and "use mode suggest" in err.value.problem


def test_the_default_rubric_never_lets_the_model_veto(default_rubric):
    from scorers.fusion import MODEL_COUNTS

    for c in default_rubric.criteria:
        if c.veto and c.model_spec:
            assert c.model_spec["mode"] not in MODEL_COUNTS, c.id


def test_threshold_card_takes_the_threshold_the_model_card_chose(rubric_copy, edit):
    edit(rubric_copy, "model: {mode: rule, threshold: 0.97}", "model: {mode: either, threshold: card}")
    rubric = load_rubric(rubric_copy)
    paraphrase = next(c for c in rubric.criteria if c.id == "paraphrase")
    chosen = rubric.model.classifier.card["thresholds"]["paraphrase"]["threshold"]
    assert paraphrase.scorer.fusion.threshold == pytest.approx(chosen)
    assert chosen != 0.97  # the card's value, not the number it replaced


def test_threshold_card_without_a_card_threshold_names_the_key(rubric_copy, edit):
    models = rubric_copy.parent.parent / "models"
    copy = rubric_copy.parent.parent / "model-copy"
    shutil.copytree(models.resolve() / "callqa-small", copy)
    card = json.loads((copy / "model_card.json").read_text(encoding="utf-8"))
    card.pop("thresholds")
    (copy / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
    edit(rubric_copy, "  path: ../models/callqa-small", "  path: ../model-copy")
    edit(rubric_copy, "model: {mode: rule, threshold: 0.97}", "model: {mode: either, threshold: card}")
    with pytest.raises(ConfigError) as err:
        load_rubric(rubric_copy)
    assert err.value.key == "criteria.paraphrase.model.threshold" and "chose no threshold" in err.value.problem
