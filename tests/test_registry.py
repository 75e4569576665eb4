"""registry: versioned scorer names, parameter checking, paths relative to the rubric."""
import re

import pytest

from scorers.config import ConfigError
from scorers.registry import FACTORIES, create_scorer


@pytest.fixture
def rubric_dir(default_rubric_path):
    return default_rubric_path.parent


def test_names_are_versioned():
    assert set(FACTORIES) == {"jargon/v1", "empathy/v1", "paraphrase/v1", "over_promise/v1", "info_leak/v1"}
    for name, factory in FACTORIES.items():
        assert re.fullmatch(r"[a-z_]+/v[0-9]+", name)
        assert factory.description


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_factory_builds_from_its_defaults(rubric_dir, name):
    scorer = create_scorer(name, None, rubric_dir, "my_criterion")
    assert scorer.criterion == "my_criterion"
    assert callable(scorer)


def test_params_override_defaults(rubric_dir):
    assert create_scorer("empathy/v1", {"window": 3}, rubric_dir, "empathy").window == 3
    assert create_scorer("empathy/v1", {}, rubric_dir, "empathy").window == 2
    assert create_scorer("jargon/v1", {"explain_window": 4}, rubric_dir, "jargon").explain_window == 4


@pytest.mark.parametrize("name, suggestion", [
    ("empathy/v2", "empathy/v1"),
    ("jargon", "jargon/v1"),
    ("info-leak/v1", "info_leak/v1"),
    ("sentiment/v1", None),
])
def test_unknown_scorer(rubric_dir, name, suggestion):
    with pytest.raises(ConfigError) as info:
        create_scorer(name, {}, rubric_dir, "c1", "rubric.yaml")
    assert info.value.file == "rubric.yaml"
    assert info.value.key == "criteria.c1.scorer"
    assert f"unknown scorer {name!r}" in str(info.value)
    assert "known: jargon/v1, empathy/v1, paraphrase/v1, over_promise/v1, info_leak/v1" in str(info.value)
    if suggestion:
        assert f"(did you mean {suggestion!r}?)" in str(info.value)
    else:
        assert "did you mean" not in str(info.value)


@pytest.mark.parametrize("name, params, key, suggestion", [
    ("jargon/v1", {"lexcon": "lexicons/jargon.yaml"}, "lexcon", "lexicon"),
    ("empathy/v1", {"windows": 2}, "windows", "window"),
    ("paraphrase/v1", {"min_overlap": 2}, "min_overlap", None),
    ("over_promise/v1", {"phrase": "lexicons/over_promise.yaml"}, "phrase", "phrases"),
])
def test_unknown_parameter(rubric_dir, name, params, key, suggestion):
    with pytest.raises(ConfigError) as info:
        create_scorer(name, params, rubric_dir, "c1", "rubric.yaml")
    assert info.value.key == f"criteria.c1.params.{key}"
    assert f"unknown parameter for {name}" in str(info.value)
    if suggestion:
        assert f"(did you mean {suggestion!r}?)" in str(info.value)


def test_lexicon_paths_are_relative_to_the_rubric_folder(tmp_path):
    with pytest.raises(ConfigError) as info:
        create_scorer("over_promise/v1", {}, tmp_path, "over_promise")
    assert info.value.file == str(tmp_path / "lexicons" / "over_promise.yaml")
    assert "file not found" in str(info.value)


@pytest.mark.parametrize("name, params, key", [
    ("empathy/v1", {"window": "two"}, "window"),
    ("jargon/v1", {"explain_window": "twelve"}, "explain_window"),
    ("paraphrase/v1", {"min_overlap_with_cue": None}, "min_overlap_with_cue"),
    ("empathy/v1", {"window": -1}, "window"),
    ("empathy/v1", {"window": 2.5}, "window"),
    ("empathy/v1", {"window": True}, "window"),
    ("empathy/v1", {"window": "2"}, "window"),
    ("over_promise/v1", {"phrases": 3}, "phrases"),
    ("jargon/v1", {"lexicon": ["lexicons/jargon.yaml"]}, "lexicon"),
])
def test_bad_parameter_value_is_a_config_error(rubric_dir, name, params, key):
    with pytest.raises(ConfigError) as info:
        create_scorer(name, params, rubric_dir, "c1", "rubric.yaml")
    assert info.value.key == f"criteria.c1.params.{key}"
