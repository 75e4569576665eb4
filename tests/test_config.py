"""config: YAML loading, pattern lists and errors that name file, key and problem."""
import pytest

from scorers.config import (ConfigError, PatternSet, closest, lexicon_path, load_yaml, pattern_set,
                            string_list)


def test_config_error_names_file_key_and_problem(tmp_path):
    err = ConfigError(tmp_path / "rubric.yaml", "criteria.jargon.weight", "must be a number")
    assert str(err) == f"{tmp_path / 'rubric.yaml'}: criteria.jargon.weight: must be a number"
    assert (err.file, err.key, err.problem) == (str(tmp_path / "rubric.yaml"), "criteria.jargon.weight",
                                                "must be a number")
    assert isinstance(err, ValueError)


def test_load_yaml_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_yaml(tmp_path / "nope.yaml")
    assert str(tmp_path / "nope.yaml") in str(info.value)
    assert "file not found" in str(info.value)


@pytest.mark.parametrize("lines, bad_line", [
    (["a: 1", "b: [1, 2", "c: 3"], None),          # unclosed flow sequence: reported where it is noticed
    (["a: 1", "b: 2", "c: d: e"], 3),               # mapping values not allowed here
    (["a: 1", "b: 2", "- x"], 3),                    # a list item inside a mapping
    (["a: 1", "b: 'unterminated", "c: 3"], None),
])
def test_invalid_yaml_names_a_line(tmp_path, lines, bad_line):
    path = tmp_path / "broken.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_yaml(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line ")
    assert "not valid YAML" in message
    if bad_line is not None:
        assert info.value.key == f"line {bad_line}"


def test_load_yaml_reads_mapping(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("name: 共情\nitems: [a, b]\n", encoding="utf-8")
    assert load_yaml(path) == {"name": "共情", "items": ["a", "b"]}


@pytest.mark.parametrize("word, choices, expected", [
    ("majr", ["minor", "major", "critical"], " (did you mean 'major'?)"),
    ("critcal", ["minor", "major", "critical"], " (did you mean 'critical'?)"),
    ("lexcon", ["lexicon", "explain_window"], " (did you mean 'lexicon'?)"),
    ("empathi/v1", ["jargon/v1", "empathy/v1"], " (did you mean 'empathy/v1'?)"),
    ("criterias", ["id", "version", "criteria"], " (did you mean 'criteria'?)"),
    ("zzzz", ["minor", "major", "critical"], ""),
    ("", ["minor"], ""),
])
def test_closest(word, choices, expected):
    assert closest(word, choices) == expected


@pytest.mark.parametrize("data, required, expected", [
    ({"k": ["a", "b"]}, True, ["a", "b"]),
    ({}, False, []),
    ({"k": None}, False, []),
])
def test_string_list_ok(tmp_path, data, required, expected):
    assert string_list(data, "k", tmp_path / "f.yaml", required) == expected


@pytest.mark.parametrize("data, problem", [
    ({}, "missing list"),
    ({"k": "a"}, "must be a list of non-empty strings"),
    ({"k": ["a", ""]}, "must be a list of non-empty strings"),
    ({"k": ["a", "  "]}, "must be a list of non-empty strings"),
    ({"k": ["a", 3]}, "must be a list of non-empty strings"),
])
def test_string_list_errors(tmp_path, data, problem):
    with pytest.raises(ConfigError) as info:
        string_list(data, "k", tmp_path / "f.yaml")
    assert str(info.value) == f"{tmp_path / 'f.yaml'}: k: {problem}"


@pytest.mark.parametrize("patterns, bad_index", [
    (["(未闭合"], 0),
    (["好的", "[a-"], 1),
    (["ok", "fine", "a{2,1}"], 2),
    (["ok", "*开头"], 1),
])
def test_invalid_regex_names_file_and_key_index(tmp_path, patterns, bad_index):
    path = tmp_path / "lexicons" / "empathy.yaml"
    with pytest.raises(ConfigError) as info:
        pattern_set({"distress": patterns}, "distress", path)
    message = str(info.value)
    assert message.startswith(f"{path}: distress[{bad_index}]: invalid regular expression")
    assert repr(patterns[bad_index]) in message


def test_pattern_set_matches_normalised_patterns():
    """Patterns are normalised like the text: a Traditional or upper-case pattern still matches."""
    patterns = PatternSet(["別著急", "LPR", "簡訊驗證碼"])
    assert patterns.search("您先别着急") is not None
    assert patterns.search("lpr挂钩") is not None
    assert patterns.search("短信验证码") is not None
    assert patterns.search("没有关系") is None


def test_pattern_set_search_finds_the_earliest_match_and_first_pattern_wins_ties():
    patterns = PatternSet(["着急", "别着", "先别"])
    m = patterns.search("您先别着急")
    assert (m.start(), m.group()) == (1, "先别")
    tie = PatternSet(["别着急", "别着"]).search("您别着急")
    assert tie.group() == "别着急"


def test_pattern_set_search_window():
    patterns = PatternSet(["抱歉"])
    text = "抱歉,真的抱歉"
    assert patterns.search(text, 1).start() == 5
    assert patterns.search(text, 1, 6) is None


def test_pattern_set_finditer_sorted_by_start():
    patterns = PatternSet(["着急", "别"])
    assert [(m.start(), m.group()) for m in patterns.finditer("别着急,别着急")] == [
        (0, "别"), (1, "着急"), (4, "别"), (5, "着急")]


def test_empty_pattern_set():
    patterns = PatternSet([])
    assert not patterns
    assert patterns.search("任何文本") is None
    assert list(patterns.finditer("任何文本")) == []


def test_lexicon_path_is_relative_to_the_rubric(tmp_path):
    assert lexicon_path({"phrases": "lexicons/x.yaml"}, "phrases", tmp_path, "empathy") == \
        (tmp_path / "lexicons" / "x.yaml").resolve()


@pytest.mark.parametrize("params", [{}, {"phrases": None}, {"phrases": 3}])
def test_lexicon_path_missing(tmp_path, params):
    with pytest.raises(ConfigError) as info:
        lexicon_path(params, "phrases", tmp_path, "empathy")
    assert info.value.key == "criteria.empathy.params.phrases"
    assert "missing path to a lexicon file" in str(info.value)


@pytest.mark.parametrize("pattern, text, hit", [
    (r"尾号\D", "尾号是1234", True),
    (r"尾号\D", "尾号1234", False),            # lower-cased, \D would be \d
    (r"LPR\S", "lpr利率", True),               # the literal is lower-cased like the text, the escape is not
    (r"\W稳賺", ",稳赚不赔", True),            # Traditional in a pattern still matches Simplified text
    (r"\Bpr", "lpr", True),
])
def test_patterns_are_normalised_but_their_escapes_keep_their_meaning(pattern, text, hit):
    from scorers.config import PatternSet
    from scorers.normalize import normalize

    assert (PatternSet([pattern]).search(normalize(text)) is not None) is hit


def test_pattern_set_prefilter_finds_what_trying_every_pattern_finds():
    """The Aho-Corasick prefilter only skips patterns that cannot match: same answers as a plain loop."""
    import re as _re

    patterns = ["保本(保息)?", r"(?<!不)稳赚", r"一定(能|会)(批|到账)", r"\d{4}", r"[您你]放心", "(?i)ok了", ".{2}收益"]
    ps = PatternSet(patterns)
    plain = [_re.compile(p) for p in patterns]
    texts = ["这款产品保本保息", "不稳赚", "稳赚不赔", "肯定能批", "一定能批下来", "尾号1234", "您放心吧", "OK了",
             "年化收益很高", "", "好的", "一定会到账,您放心"]
    for text in texts:
        for pos, end in ((0, None), (1, None), (0, 3), (2, 5)):
            stop = len(text) if end is None else end
            hits = [m for m in (r.search(text, pos, stop) for r in plain) if m is not None]
            want = min(hits, key=lambda m: m.start()) if hits else None
            got = ps.search(text, pos, end)
            assert (got and (got.start(), got.group())) == (want and (want.start(), want.group())), (text, pos, end)
        assert [m.group() for m in ps.finditer(text)] == [m.group() for m in sorted(
            (m for r in plain for m in r.finditer(text)), key=lambda m: m.start())]


def test_the_fast_loader_reads_every_shipped_file_as_the_python_one_does():
    import yaml
    from pathlib import Path

    from scorers.config import SAFE_LOADER

    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "rubrics").rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=SAFE_LOADER) == yaml.safe_load(text), path
    # a date or a tag stays as safe as before: no Python objects
    with pytest.raises(yaml.YAMLError):
        yaml.load("x: !!python/object:os.system ls\n", Loader=SAFE_LOADER)
