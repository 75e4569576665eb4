"""Versioned rubric files: which criteria a call is judged on and what each costs.

A rubric is YAML (see ``rubrics/default.yaml``). Loading it validates every
key and builds the scorers, so a bad edit fails before the night's run starts,
with the file, the key and the problem named (``callqa rubric check FILE``).

A criterion either names a built-in ``scorer`` (with its ``params``), or says
what it looks for with conditions (``violation_when`` / ``met_when`` /
``applies_when``, see :mod:`scorers.conditions`), or both: then the scorer
configures the ``builtin`` operator its conditions use. Scorers are built
first, conditions second, so a condition may use any criterion's scorer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scorers.conditions import CONDITION_KEYS, ConditionScorer, CriterionConditions
from scorers.config import ConfigError, closest, load_yaml, refuse_unknown_keys
from scorers.operators import BuiltinScorers
from scorers.registry import Scorer, create_scorer
from scorers.selftest import Example, parse_examples

SEVERITIES = ("minor", "major", "critical")
RUBRIC_KEYS = {"id", "version", "name", "description", "pass_score", "criteria", "model"}
CRITERION_KEYS = {"name", "description", "scorer", "weight", "deduction", "missing_deduction", "severity",
                  "veto", "required", "params", "category", "coaching", "bonus", "examples", "model",
                  *CONDITION_KEYS}


@dataclass
class Criterion:
    id: str
    name: str
    scorer_name: str
    weight: float  # the most points this criterion can cost
    deduction: float  # points per violation, capped at weight
    severity: str
    veto: bool = False  # 一票否决: any violation fails the call
    required: bool = False  # met behaviour expected in every call with a customer
    missing_deduction: float = 0.0  # cost when a required behaviour never occurs
    category: str = ""
    coaching: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    scorer: Scorer | None = field(default=None, repr=False)
    bonus: float = 0.0  # points earned when the criterion is met (the total stays capped at 100)
    condition_specs: dict[str, Any] = field(default_factory=dict, repr=False)  # as written in the rubric
    conditions: CriterionConditions | None = field(default=None, repr=False)  # built from condition_specs
    examples: list[Example] = field(default_factory=list, repr=False)  # self-tests (`callqa rubric test`)
    expect: str | None = None  # what an example "hit" must produce; default from the criterion
    model_spec: dict[str, Any] = field(default_factory=dict, repr=False)  # how rule and model combine
    rule_scorer: Scorer | None = field(default=None, repr=False)  # the rule alone, when a model is fused in


@dataclass
class Rubric:
    id: str
    version: str
    name: str
    pass_score: float
    criteria: list[Criterion]
    path: Path
    model: Any = None  # scorers.model_scorer.CallModel, when a criterion uses the model

    @property
    def model_name(self) -> str:
        return self.model.name if self.model is not None else ""

    @property
    def model_version(self) -> str:
        return self.model.version if self.model is not None else ""

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]


def _number(value: Any, file: Path, key: str, low: float = 0, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(file, key, f"must be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ConfigError(file, key, f"must be between {low} and {high if high is not None else 'any'}, got {value}")
    return float(value)


def _flag(value: Any, file: Path, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(file, key, f"must be true or false, got {value!r}")
    return value


def _criterion(cid: str, data: Any, file: Path, build: bool) -> Criterion:
    where = f"criteria.{cid}"
    if not isinstance(data, dict):
        raise ConfigError(file, where, "must be a mapping")
    refuse_unknown_keys(data, CRITERION_KEYS, file, f"{where}.")
    specs = {key: data[key] for key in CONDITION_KEYS if data.get(key) is not None}
    if "scorer" not in data:
        if "params" in data:
            raise ConfigError(file, f"{where}.scorer", "missing: `params` configure a scorer, name it "
                                                       "(e.g. scorer: jargon/v1)")
        if "violation_when" not in specs and "met_when" not in specs:
            raise ConfigError(file, f"{where}.scorer", "missing: give a scorer, or conditions "
                                                       "(violation_when / met_when)")
    for key in ("weight", "severity"):
        if key not in data:
            raise ConfigError(file, f"{where}.{key}", "missing")
    if "applies_when" in specs and "violation_when" not in specs and "met_when" not in specs:
        raise ConfigError(file, f"{where}.applies_when", "a precondition of nothing: add violation_when or met_when")
    severity = data["severity"]
    if severity not in SEVERITIES:
        raise ConfigError(file, f"{where}.severity", f"must be one of {', '.join(SEVERITIES)}, got {severity!r}"
                          f"{closest(str(severity), SEVERITIES)}")
    weight = _number(data["weight"], file, f"{where}.weight", 0, 100)
    params = data.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(file, f"{where}.params", "must be a mapping")
    examples, expect = parse_examples(data["examples"], file, cid) if "examples" in data else ([], None)
    criterion = Criterion(
        id=cid, name=str(data.get("name", cid)), scorer_name=str(data.get("scorer", "")), weight=weight,
        deduction=_number(data.get("deduction", weight), file, f"{where}.deduction", 0, weight),
        severity=severity, veto=_flag(data.get("veto", False), file, f"{where}.veto"),
        required=_flag(data.get("required", False), file, f"{where}.required"),
        missing_deduction=_number(data.get("missing_deduction", 0), file, f"{where}.missing_deduction", 0, weight),
        category=str(data.get("category", "")), coaching=str(data.get("coaching", "")), params=params,
        bonus=_number(data.get("bonus", 0), file, f"{where}.bonus", 0, 100), condition_specs=specs,
        examples=examples, expect=expect)
    if criterion.bonus and criterion.scorer_name == "" and "met_when" not in specs:
        raise ConfigError(file, f"{where}.bonus", "is earned when the criterion is met: add met_when")
    if build and criterion.scorer_name:
        criterion.scorer = create_scorer(criterion.scorer_name, params, file.parent, cid, file)
    # after the scorer: a misspelt scorer name is the error to report, not the settings it would take
    criterion.model_spec = _model_spec(data.get("model"), file, f"{where}.model",
                                       with_distress=criterion.scorer_name.startswith("empathy/"))
    return criterion


CARD_THRESHOLD = "card"  # the threshold the model card chose for its stated target precision


def _model_spec(value: Any, file: Path, key: str, with_distress: bool = False) -> dict[str, Any]:
    """``model: {mode, threshold}`` (empathy also ``distress: {mode, threshold}``), validated.

    ``threshold`` is a number, or ``card`` (the default): the lowest score at which the head
    reached the card's target precision on held-back data, so retraining moves it with the model.
    """
    from scorers.fusion import MODES

    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(file, key, "must be a mapping, e.g. {mode: either, threshold: 0.9}")
    refuse_unknown_keys(value, {"mode", "threshold"} | ({"distress"} if with_distress else set()), file, f"{key}.")
    mode = value.get("mode", "either")
    if mode not in MODES:
        raise ConfigError(file, f"{key}.mode", f"must be one of {', '.join(MODES)}, got {mode!r}"
                                               f"{closest(str(mode), MODES)}")
    threshold = value.get("threshold", CARD_THRESHOLD)
    if threshold != CARD_THRESHOLD:
        threshold = _number(threshold, file, f"{key}.threshold", 0, 1)
    spec = {"mode": mode, "threshold": threshold}
    if "distress" in value:
        spec["distress"] = _model_spec(value["distress"], file, f"{key}.distress")
    return spec


def _fuse_models(criteria: list[Criterion], model_value: Any, file: Path) -> Any:
    """Wrap the scorers of criteria with a ``model:`` so rule and model combine; the rubric's CallModel."""
    from scorers.fusion import HEADS, MODEL_COUNTS, Fusion, FusedEmpathyScorer, FusedScorer
    from scorers.model_scorer import CallModel, classifier_at, model_path
    from scorers.operators.builtin import base_name

    users = [c for c in criteria if c.model_spec]
    if not users:
        return None
    if not isinstance(model_value, dict) or not isinstance(model_value.get("path"), str):
        raise ConfigError(file, "model.path", f"missing: criteria {', '.join(c.id for c in users)} use a model; "
                                              "say where its checkpoint is, e.g. model: {path: ../models/callqa-small}")
    refuse_unknown_keys(model_value, {"path"}, file, "model.")
    path = model_path(model_value["path"], file.parent)
    if not (path / "config.json").is_file():
        raise ConfigError(file, "model.path", f"no model checkpoint at {path}: train one with "
                                              f"`callqa train --out {path}`")
    call_model = CallModel(classifier_at(str(path)))
    for c in users:
        kind = base_name(c.scorer_name)
        if kind not in HEADS:
            raise ConfigError(file, f"criteria.{c.id}.model", f"the model has no head for {c.scorer_name or 'conditions'}"
                                                              f"; it helps {', '.join(sorted(HEADS))}")
        spec = c.model_spec
        if c.veto and spec["mode"] in MODEL_COUNTS:
            raise ConfigError(file, f"criteria.{c.id}.model.mode",
                              f"{spec['mode']!r} would let the model fail a call on its own ({c.id} is a veto "
                              f"criterion): use mode suggest (model-only findings wait for a reviewer) or rule")
        c.rule_scorer = c.scorer
        where = f"criteria.{c.id}.model"
        if kind == "empathy":
            fusion = Fusion(spec["mode"], _threshold(spec, "empathy", call_model, file, where))
            distress = spec.get("distress", {"mode": spec["mode"], "threshold": CARD_THRESHOLD})
            distress_fusion = Fusion(distress["mode"], _threshold(distress, "distress", call_model, file,
                                                                  f"{where}.distress"))
            c.scorer = FusedEmpathyScorer(c.scorer, call_model, fusion, distress_fusion)
            call_model.heads |= {h for h, f in (("empathy", fusion), ("distress", distress_fusion))
                                 if f.mode != "rule"}
        else:
            head, outcome = HEADS[kind]
            fusion = Fusion(spec["mode"], _threshold(spec, head, call_model, file, where))
            c.scorer = FusedScorer(c.scorer, call_model, head, outcome, fusion)
            if fusion.mode != "rule":
                call_model.heads.add(head)
            if kind == "paraphrase":
                call_model.asks_back = getattr(c.rule_scorer, "checks", None)
    return call_model


def _threshold(spec: dict[str, Any], head: str, call_model: Any, file: Path, key: str) -> float:
    """The spec's threshold, or the one the model card chose for ``head`` (``threshold: card``)."""
    if spec["threshold"] != CARD_THRESHOLD:
        return spec["threshold"]
    if spec["mode"] == "rule":
        return 1.0  # the model is not asked
    chosen = call_model.classifier.card.get("thresholds", {}).get(head, {}).get("threshold")
    if not isinstance(chosen, (int, float)):
        raise ConfigError(file, f"{key}.threshold", f"the model card at {call_model.classifier.path} chose no "
                                                    f"threshold for the {head} head: give a number, e.g. 0.9")
    return float(chosen)


def _build_conditions(criteria: list[Criterion], file: Path) -> None:
    """Second pass: conditions may use the scorer of any criterion (``builtin: over_promise``)."""
    builtins = BuiltinScorers({c.id: (c.scorer_name, c.scorer) for c in criteria if c.scorer is not None},
                              file.parent, file)
    for c in criteria:
        if c.condition_specs:
            c.conditions = CriterionConditions.build(c.id, c.condition_specs, file, file.parent, builtins)
            if c.scorer is None:
                c.scorer = ConditionScorer(c.conditions)


def load_rubric(path: Path | str, build: bool = True, models: bool = True) -> Rubric:
    """Read and validate a rubric; with ``build`` also load its lexicons and scorers.

    ``models=False`` scores with the rules alone: the criteria's ``model:`` settings are
    validated but not used (to compare, or while a model is being retrained)."""
    file = Path(path)
    data = load_yaml(file)
    if not isinstance(data, dict):
        raise ConfigError(file, "(file)", "a rubric is a mapping with id, version, criteria")
    refuse_unknown_keys(data, RUBRIC_KEYS, file, "")
    for key in ("id", "version", "criteria"):
        if key not in data:
            raise ConfigError(file, key, "missing")
    if not isinstance(data["criteria"], dict) or not data["criteria"]:
        raise ConfigError(file, "criteria", "must map criterion ids to their settings")
    criteria = [_criterion(str(cid), spec, file, build) for cid, spec in data["criteria"].items()]
    model = None
    if build:
        if models:
            model = _fuse_models(criteria, data.get("model"), file)
        _build_conditions(criteria, file)
    if sum(c.weight for c in criteria) <= 0:
        raise ConfigError(file, "criteria", "the weights add up to zero")
    if isinstance(data["version"], float) or not isinstance(data["version"], (str, int)):
        raise ConfigError(file, "version", f"write the version as quoted text, e.g. \"{data['version']}\": "
                                           "YAML reads 2026.10 as the number 2026.1")
    return Rubric(id=str(data["id"]), version=str(data["version"]), name=str(data.get("name", data["id"])),
                  pass_score=_number(data.get("pass_score", 60), file, "pass_score", 0, 100),
                  criteria=criteria, path=file.resolve(), model=model)
