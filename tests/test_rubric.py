"""rubric: the default rubric loads; every broken edit is reported with file, key, problem and a hint."""
import pytest
import yaml

from scorers.config import ConfigError
from scorers.rubric import SEVERITIES, load_rubric

CORE = ["jargon", "empathy", "paraphrase", "over_promise", "info_leak"]
SERVICE = ["greeting", "closing", "blame_shifting", "service_taboo", "dead_air", "interruption", "speech_rate",
           "time_commitment"]


def test_default_rubric_loads(default_rubric, default_rubric_path):
    r = default_rubric
    assert (r.id, r.version, r.pass_score) == ("default", "2026.12.6", 80.0)
    assert r.path == default_rubric_path.resolve()
    assert r.criterion_ids == CORE + SERVICE
    assert sum(c.weight for c in r.criteria if c.id in CORE) == 100  # the core keep their weights; the total
    assert sum(c.weight for c in r.criteria) == 150                   # is normalised to 0-100
    by_id = {c.id: c for c in r.criteria}
    assert {cid for cid, c in by_id.items() if c.veto} == {"over_promise", "info_leak"}
    assert {cid for cid, c in by_id.items() if c.required} == {"paraphrase"}
    assert by_id["paraphrase"].missing_deduction == 5
    assert by_id["jargon"].deduction == 5 and by_id["jargon"].weight == 15
    assert by_id["paraphrase"].deduction == by_id["paraphrase"].weight  # deduction defaults to the weight
    for c in r.criteria:
        assert c.severity in SEVERITIES
        assert 0 <= c.deduction <= c.weight
        assert callable(c.scorer) and c.scorer.criterion == c.id


def test_load_without_building_scorers(default_rubric_path):
    r = load_rubric(default_rubric_path, build=False)
    assert r.criterion_ids == CORE + SERVICE
    assert all(c.scorer is None and c.conditions is None for c in r.criteria)


def test_a_copied_rubric_loads(rubric_copy):
    assert load_rubric(rubric_copy).criterion_ids == CORE + SERVICE


# (old text, new text, key named in the error, fragments of the problem)
BROKEN = {
    "severity typo": ("severity: minor\n    coaching: 说到", "severity: majr\n    coaching: 说到",
                      "criteria.jargon.severity",
                      ["must be one of minor, major, critical", "got 'majr'", "(did you mean 'major'?)"]),
    "severity unknown": ("severity: major", "severity: fatal", "criteria.empathy.severity",
                         ["must be one of minor, major, critical, got 'fatal'"]),
    "scorer version": ("scorer: empathy/v1", "scorer: empathy/v2", "criteria.empathy.scorer",
                       ["unknown scorer 'empathy/v2'", "(did you mean 'empathy/v1'?)", "known: jargon/v1"]),
    "scorer typo": ("scorer: empathy/v1", "scorer: empathi/v1", "criteria.empathy.scorer",
                    ["unknown scorer 'empathi/v1'", "(did you mean 'empathy/v1'?)"]),
    "param typo": ("lexicon: lexicons/jargon.yaml", "lexcon: lexicons/jargon.yaml", "criteria.jargon.params.lexcon",
                   ["unknown parameter for jargon/v1", "(did you mean 'lexicon'?)", "known: lexicon, explain_window"]),
    "param typo 2": ("window: 2", "windw: 2", "criteria.empathy.params.windw",
                     ["unknown parameter for empathy/v1", "(did you mean 'window'?)"]),
    "params not a mapping": ("    params:\n      lexicon: lexicons/jargon.yaml", "    params: [lexicons/jargon.yaml]",
                             "criteria.jargon.params", ["must be a mapping"]),
    "weight too high": ("weight: 15\n", "weight: 150\n", "criteria.jargon.weight",
                        ["must be between 0 and 100, got 150"]),
    "weight negative": ("weight: 15\n", "weight: -1\n", "criteria.jargon.weight",
                        ["must be between 0 and 100, got -1"]),
    "weight not a number": ("weight: 15\n", "weight: fifteen\n", "criteria.jargon.weight",
                            ["must be a number, got 'fifteen'"]),
    "weight boolean": ("weight: 15\n", "weight: true\n", "criteria.jargon.weight", ["must be a number, got True"]),
    "deduction above weight": ("deduction: 5\n", "deduction: 20\n", "criteria.jargon.deduction",
                               ["must be between 0 and 15.0, got 20"]),
    "deduction negative": ("deduction: 5\n", "deduction: -5\n", "criteria.jargon.deduction",
                           ["must be between 0 and 15.0, got -5"]),
    "missing_deduction above weight": ("missing_deduction: 5", "missing_deduction: 11",
                                       "criteria.paraphrase.missing_deduction", ["must be between 0 and 10.0, got 11"]),
    "veto not a flag": ("veto: true", "veto: yes please", "criteria.over_promise.veto",
                        ["must be true or false, got 'yes please'"]),
    "required not a flag": ("required: true", "required: 1", "criteria.paraphrase.required",
                            ["must be true or false, got 1"]),
    "pass_score too high": ("pass_score: 80", "pass_score: 180", "pass_score", ["must be between 0 and 100, got 180"]),
    "unknown top-level key": ("pass_score: 80", "pass_score: 80\ncriterias: {}", "criterias",
                              ["unknown key", "(did you mean 'criteria'?)",
                               "allowed: criteria, description, id, model, name, pass_score, version"]),
    "top-level typo": ("pass_score: 80", "passing_score: 80", "passing_score",
                       ["unknown key", "(did you mean 'pass_score'?)"]),
    "criterion key typo": ("    weight: 15", "    wieght: 15", "criteria.jargon.wieght",
                           ["unknown key", "(did you mean 'weight'?)"]),
    "scorer missing": ("    scorer: jargon/v1\n", "", "criteria.jargon.scorer", ["missing"]),
    "severity missing": ("    severity: major\n", "", "criteria.empathy.severity", ["missing"]),
    "id missing": ("id: default\n", "", "id", ["missing"]),
    "version missing": ('version: "2026.12.6"\n', "", "version", ["missing"]),
    "criterion not a mapping": ("  jargon:\n    name:", "  jargon: 15\n  jargon_old:\n    name:", "criteria.jargon",
                                ["must be a mapping"]),
}


@pytest.mark.parametrize("old, new, key, fragments", list(BROKEN.values()), ids=list(BROKEN))
def test_broken_rubric_is_reported_with_file_key_and_problem(rubric_copy, edit, old, new, key, fragments):
    edit(rubric_copy, old, new)
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    message = str(info.value)
    assert info.value.key == key
    assert message.startswith(f"{rubric_copy}: {key}: ")
    for fragment in fragments:
        assert fragment in message


def test_criteria_must_be_a_mapping(rubric_copy):
    text = rubric_copy.read_text(encoding="utf-8")
    rubric_copy.write_text(text.split("criteria:")[0] + "criteria: [jargon, empathy]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    assert str(info.value) == f"{rubric_copy}: criteria: must map criterion ids to their settings"


def test_weights_adding_up_to_zero(rubric_copy):
    data = yaml.safe_load(rubric_copy.read_text(encoding="utf-8"))
    for c in data["criteria"].values():
        c.update(weight=0, deduction=0)
        c.pop("missing_deduction", None)
    rubric_copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    assert str(info.value) == f"{rubric_copy}: criteria: the weights add up to zero"


def test_rubric_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    assert info.value.file == str(path) and info.value.key == "(file)"


def test_missing_rubric_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_rubric(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: (file): file not found"


def test_invalid_yaml_in_rubric_names_the_line(rubric_copy, edit):
    lines = rubric_copy.read_text(encoding="utf-8").splitlines()
    line_no = next(n for n, line in enumerate(lines, start=1) if line == "    weight: 15")
    edit(rubric_copy, "    weight: 15\n", "    weight: 15: 16\n")
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    assert info.value.key == f"line {line_no}"
    assert str(info.value).startswith(f"{rubric_copy}: line {line_no}: not valid YAML")


def test_missing_lexicon_file_is_named(rubric_copy, edit):
    edit(rubric_copy, "lexicons/empathy.yaml", "lexicons/empathi.yaml")
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    assert info.value.file == str(rubric_copy.parent / "lexicons" / "empathi.yaml")
    assert "file not found" in str(info.value)


@pytest.mark.parametrize("lexicon, key", [
    ("empathy.yaml", "distress"),
    ("empathy.yaml", "empathy"),
    ("info_leak.yaml", "secrets"),
    ("info_leak.yaml", "refusals"),
    ("over_promise.yaml", "guarantees"),
    ("paraphrase.yaml", "cues"),
])
def test_invalid_regex_in_lexicon_names_lexicon_file_and_key_index(rubric_copy, lexicon, key):
    path = rubric_copy.parent / "lexicons" / lexicon
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[key].append("(没有闭合的括号")
    index = len(data[key]) - 1
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    assert info.value.file == str(path.resolve())
    assert info.value.key == f"{key}[{index}]"
    assert "invalid regular expression '(没有闭合的括号'" in str(info.value)


@pytest.mark.parametrize("entry, key_suffix, problem", [
    ({"term": "头寸"}, ".gloss", "needs a plain-language gloss"),
    ({"gloss": "没有词条"}, "", "each term needs a non-empty 'term'"),
    ({"term": "新词", "gloss": "解释", "aliases": "不是列表"}, ".aliases", "must be a list of strings"),
])
def test_broken_jargon_term_names_lexicon_file_and_index(rubric_copy, entry, key_suffix, problem):
    path = rubric_copy.parent / "lexicons" / "jargon.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["terms"].append(entry)
    index = len(data["terms"]) - 1
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    assert info.value.file == str(path.resolve())
    assert info.value.key == f"terms[{index}]{key_suffix}"
    assert problem in str(info.value)


def test_duplicate_jargon_spelling_is_reported(rubric_copy):
    path = rubric_copy.parent / "lexicons" / "jargon.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = data["terms"][0]["term"]
    data["terms"].append({"term": first, "gloss": "重复的词条"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    assert info.value.key == f"terms[{len(data['terms']) - 1}]"
    assert f"{first!r} already defined at terms[0]" in str(info.value)


def test_traditional_characters_in_a_lexicon_are_accepted(rubric_copy):
    path = rubric_copy.parent / "lexicons" / "empathy.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["empathy"].append("讓您擔心了")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rubric = load_rubric(rubric_copy)
    assert rubric.criteria[1].rule_scorer.empathy.search("让您担心了") is not None


def test_unquoted_version_is_not_mangled(rubric_copy, edit):
    edit(rubric_copy, 'version: "2026.12.6"', "version: 2026.10")
    try:
        rubric = load_rubric(rubric_copy)
    except ConfigError as err:
        assert err.key == "version"
    else:
        assert rubric.version == "2026.10"


@pytest.mark.parametrize("written, expected", [('"2026.10"', "2026.10"), ("'7'", "7"), ("3", "3"), ("v2", "v2")])
def test_rubric_version_is_kept_as_text(rubric_copy, edit, written, expected):
    edit(rubric_copy, 'version: "2026.12.6"', f"version: {written}")
    assert load_rubric(rubric_copy).version == expected


@pytest.mark.parametrize("written", ["2026.10", "1.5", "[1, 2]", "null"])
def test_rubric_version_that_is_not_text_is_an_error(rubric_copy, edit, written):
    edit(rubric_copy, 'version: "2026.12.6"', f"version: {written}")
    with pytest.raises(ConfigError) as info:
        load_rubric(rubric_copy)
    assert info.value.key == "version"
    assert str(info.value).startswith(f"{rubric_copy}: version: ")
