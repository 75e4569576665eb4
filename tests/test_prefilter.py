"""The literal prefilter only skips work: with or without it, regex and lexicon find exactly the same hits."""
import json
import random
import re
from pathlib import Path

import pytest
import yaml

from scorers.call import Call, Utterance
from scorers.normalize import normalize
from scorers.operators import Context
from scorers.prefilter import Prefilter, required_words
from tests.op_helpers import RUBRICS, condition, dialogue, evaluate

from re import _constants as C, _parser as sre_parse  # Python 3.11, as the prefilter itself

ROOT = Path(__file__).resolve().parents[1]
FILLER = "的了吗您你我,。好a1 K"  # includes the Kelvin sign, which (?i)k matches


@pytest.mark.parametrize("pattern, words", [
    ("不知道", {"不知道"}),
    ("不知道(?![您你])", {"不知道"}),                                  # lookarounds consume nothing
    ("不知道(?<![您你]不知道)(?![您你]|是否)", {"不知道"}),
    ("找(?<=[你您]找)别的", {"找别的"}),
    ("^您好$", {"您好"}),
    ("(你|您)找别的部门去", {"你找别的部门去", "您找别的部门去"}),
    ("不(是|属于)(我|我们)", {"不是我", "不是我们", "不属于我", "不属于我们"}),
    ("没(有)?办法", {"没有办法", "没办法"}),                             # an optional part joins the run
    ("(不|)知道", {"不知道", "知道"}),
    ("说了[两三]遍", {"说了两遍", "说了三遍"}),
    ("稍等|稍候|别挂", {"稍等", "稍候", "别挂"}),
    ("说过了.{0,3}遍", {"说过了"}),                                     # the longer literal run is chosen
    ("(好的)+,谢谢", {",谢谢"}),
    ("ab(?i:k)cde", {"cde"}),
    ("(ab)\\1c", {"ab"}),
    (".", None), ("\\d+", None), ("[^您]", None), ("您?", None), ("(您|.)好?", None), ("", None),
    ("[\u4e00-\u9fa5]{2}", None),                                        # a class too wide to filter on
    ("(?i)kg", None), ("(?i:s)", None),                                  # K and ſ match k and s
    ("(?>原子)", None),                                                  # a construct it does not read
])
def test_required_words(pattern, words):
    assert required_words(pattern) == (None if words is None else frozenset(words))


def test_one_pattern_without_words_turns_the_filter_off():
    assert Prefilter(["不知道", "稍等"]).always is False
    off = Prefilter(["不知道", "\\d{4}"])
    assert off.always and off.may_match("") and off.may_match("好的")


@pytest.mark.parametrize("text, may", [("好的", False), ("", False), ("我不知道", True), ("请稍等一下", True)])
def test_may_match(text, may):
    assert Prefilter(["不知道(?![您你])", "稍等|稍候"]).may_match(text) is may


def test_a_case_insensitive_pattern_is_never_skipped():
    """Regression: (?i)kg matches 'Kg' with a Kelvin sign, which normalising leaves alone."""
    call = dialogue("A: 每件限重20\u212ag", "A: 好的")
    assert sorted(evaluate({"regex": "(?i)kg"}, call).found) == [0]


# --------------------------------------------------------------------------- equivalence over many utterances

def generate(items, rnd: random.Random) -> str:
    """A random string the parsed pattern would likely match (lookarounds ignored, so not always)."""
    out = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op in (C.ANY, C.NOT_LITERAL, C.CATEGORY):
            out.append(rnd.choice(FILLER))
        elif op is C.IN:
            chars = [chr(a) for o, a in av if o is C.LITERAL]
            chars += [chr(c) for o, a in av if o is C.RANGE for c in range(a[0], min(a[1], a[0] + 20) + 1)]
            out.append(rnd.choice(FILLER if any(o is C.NEGATE for o, _ in av) or not chars else chars))
        elif op is C.BRANCH:
            out.append(generate(rnd.choice(av[1]), rnd))
        elif op is C.SUBPATTERN:
            out.append(generate(av[-1], rnd))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, item = av
            out.extend(generate(item, rnd) for _ in range(rnd.randint(low, min(high, low + 2))))
    return "".join(out)


def lexicon_lists() -> dict[str, list[str]]:
    lists = {}
    for path in sorted((RUBRICS / "lexicons").glob("*.yaml")):
        for name, value in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                lists[f"{path.stem}:{name}"] = value
    return lists


TRICKY = ["(?i)kg", "a(?i:b)c", "没(有)?(办法|辙)(了)?[,.!?]*$", "(你|您)?(自己)?看", "[0-9][0-9][0-9]元",
          "(不|没)(是|有)?(我|我们)(的|这边的)?(责任|问题|错|事)", "好(?=的)", "(?<!不)知道", "(今天|明天)?[上下]午",
          "[一二三四五六七八九十]{1,2}(个)?(工作日|天)(内|之内)?", "(a|b|c|d|e|f|g|h)(i|j|k|l|m|n|o|p)(q|r)"]


def corpus(patterns: list[str], rnd: random.Random) -> list[str]:
    """Real sample utterances, generated matches, matches inside real text, and near misses (one character cut)."""
    texts = [u["text"] for file in ("data/sample/calls-2026-11-20.jsonl", "data/labeled/calls.jsonl")
             for line in (ROOT / file).read_text(encoding="utf-8").splitlines() for u in json.loads(line)["utterances"]]
    made = []
    for pattern in patterns:
        tree = sre_parse.parse(normalize(pattern))
        for _ in range(6):
            s = generate(tree, rnd)
            cut = rnd.randrange(len(s)) if s else 0
            made += [s, s[:cut] + s[cut + 1:], rnd.choice(texts)[:8] + s + rnd.choice(texts)[-8:]]
    return texts + made


@pytest.fixture(scope="module")
def everything():
    lists = lexicon_lists()
    patterns = [p for ps in lists.values() for p in ps] + TRICKY
    return lists, corpus(patterns, random.Random(20261120))


def test_every_match_contains_a_required_word(everything):
    """The promise itself: whatever a pattern matches, one of its words is in the text."""
    lists, texts = everything
    normalised = [normalize(t) for t in texts]
    checked = 0
    for pattern in [p for ps in lists.values() for p in ps] + TRICKY:
        regex, words = re.compile(normalize(pattern)), required_words(normalize(pattern))
        if words is None:
            continue
        for text in normalised:
            m = regex.search(text)
            if m is not None:
                checked += 1
                assert any(w in text for w in words), (pattern, sorted(words), text)
    assert checked > 2000


def _call(texts):
    return Call("P-1", "A1", [Utterance("agent" if k % 2 else "customer", t) for k, t in enumerate(texts)])


def _without_prefilter(cond):
    cond.prefilter = Prefilter([".*"])  # requires nothing: every utterance is searched
    assert cond.prefilter.always
    return cond


def _answer(cond, call):
    hits = cond.evaluate(Context(call), range(len(call.utterances)))
    return {i: (h.start, h.end, h.rule, h.detail) for i, h in hits.found.items()}, hits.unknown


def test_lexicon_hits_are_the_same_with_and_without_the_prefilter(everything):
    lists, texts = everything
    call = _call(texts)
    skipped = 0
    for key in lists:
        stem, name = key.split(":")
        spec = {"lexicon": {"file": f"lexicons/{stem}.yaml", "list": name}}
        filtered = condition(spec)
        with_filter = _answer(filtered, call)
        assert with_filter == _answer(_without_prefilter(condition(spec)), call), key
        skipped += sum(not filtered.prefilter.may_match(u.norm) for u in call.utterances)
    assert skipped > len(call.utterances)  # and it does skip work


@pytest.mark.parametrize("spec", [
    {"regex": TRICKY},
    {"regex": ["不知道", "说过了"], "not_regex": "不知道(您|你)"},
    {"regex": ["(这|那)(是|属于)系统的问题", "不归(我|我们)管", "(你|您)找别的部门去"]},
    {"regex": "(?i)KG|公斤"},
])
def test_regex_hits_are_the_same_with_and_without_the_prefilter(everything, spec):
    _, texts = everything
    call = _call(texts + ["那是系統的問題", "按ＬＰＲ加点", "重20\u212aG"])
    assert _answer(condition(spec), call) == _answer(_without_prefilter(condition(spec)), call)
