"""char_ids: the look-up gives exactly the tokenizer's ids, or hands the text to the tokenizer."""
import gzip
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from scorers.models.char_ids import CharIds, char_ids  # noqa: E402
from scorers.models.classifier import UtteranceClassifier  # noqa: E402
from scorers.models.encoding import MAX_LENGTH, build_char_tokenizer, encode, model_inputs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPORA = sorted((ROOT / "data" / "pretrain").glob("*.txt.gz"))

TRICKY = [
    "", " ", "  a  b ", "[UNK]", "[CLS]好", "x[y]", "ABC", "Abc利率", "café", "naïve", "x×y", "\t好\n",
    "😀好", "\uf900\uf901", "\U00020000", "\U0002b820", "\u200b", "a\xa0b", "ａｂｃ", "ß", "İstanbul",
    "①②", "Ⅱ", "〇", "～—·", ";", "〈〉", "¥100", "lpr利率3.85%", "年化收益4.5%稳赚不赔!!", "中文abc中文",
    "a" * 100, "b" * 101, "x" * 99 + "好" + "y" * 120, "您好" * 80, "坐席:您好,请问有什么可以帮您?",
    "客户:我的卡号是6222****1234", "請問您貴姓？", "？！，。：；“”‘’（）【】《》", "a-b_c/d", "100％",
    "〖12〗", "\u3000好",
]


def tokenizer_says(tokenizer, texts):
    return tokenizer(texts, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")


def same(got, expected) -> bool:
    return got.keys() == {"input_ids", "token_type_ids", "attention_mask"} and all(
        got[k].shape == expected[k].shape and bool((got[k] == expected[k]).all()) for k in got)


@pytest.fixture(scope="module")
def shipped():
    return UtteranceClassifier(ROOT / "models" / "callqa-small").load()._tokenizer


def corpus_lines(per_file: int) -> list[str]:
    lines = []
    for path in CORPORA:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            lines += [line.rstrip("\n") for _, line in zip(range(per_file), f)]
    return lines


def test_the_shipped_tokenizer_has_the_fast_path(shipped):
    assert isinstance(char_ids(shipped), CharIds)
    assert char_ids(shipped) is char_ids(shipped)


@pytest.mark.parametrize("as_model_input", [False, True], ids=["raw", "normalised"])
def test_ids_equal_the_tokenizers_on_real_text(shipped, as_model_input):
    lines = corpus_lines(3000)
    assert len(lines) > 10000
    texts = [model_inputs("agent", t)[0] for t in lines] if as_model_input else lines
    fast = char_ids(shipped)
    for start in range(0, len(texts), 256):
        batch = texts[start:start + 256]
        assert same(fast.encode(batch, MAX_LENGTH), tokenizer_says(shipped, batch)), batch


@pytest.mark.parametrize("text", TRICKY)
def test_ids_equal_the_tokenizers_on_text_built_to_trip_it(shipped, text):
    fast = char_ids(shipped)
    assert same(fast.encode([text], MAX_LENGTH), tokenizer_says(shipped, [text]))
    # and inside a batch of ordinary text, which pads it or is padded by it
    batch = ["您好", text, "收益肯定有百分之五"]
    assert same(fast.encode(batch, MAX_LENGTH), tokenizer_says(shipped, batch))


def test_text_outside_the_simple_classes_goes_to_the_tokenizer(shipped):
    fast = char_ids(shipped)
    for text in ("ABC", "café", "[UNK]", "\t", "\uf900", "\U00020000", "😀"):
        assert fast.ids(text) is None
    assert fast.ids("利率3.85%") is not None


def test_missing_characters_are_unk_as_wordpiece_makes_them():
    """A missing Chinese character is one [UNK]; a word with a missing piece is one [UNK] as a whole."""
    from transformers import BertTokenizerFast

    chars = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "你", "好", "a", "b", "##a", "##b", ","]
    tokenizer = BertTokenizerFast(vocab={t: i for i, t in enumerate(chars)}, do_lower_case=True,
                                  tokenize_chinese_chars=True, model_max_length=MAX_LENGTH)
    fast = char_ids(tokenizer)
    assert fast is not None
    texts = ["你们好", "ab ba", "abc,你", "cab", "。好"]
    assert same(fast.encode(texts, MAX_LENGTH), tokenizer_says(tokenizer, texts))
    assert fast.ids("你们好") == [5, 1, 6] and fast.ids("abc") == [1]


def test_a_vocabulary_of_words_gets_no_fast_path():
    from transformers import BertTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "你好", "a", "##bc"]
    tokenizer = BertTokenizerFast(vocab={t: i for i, t in enumerate(words)}, do_lower_case=True)
    assert char_ids(tokenizer) is None


def test_encode_uses_it_for_single_segments_and_the_tokenizer_for_pairs(shipped):
    singles = [model_inputs("agent", t) for t in ("您好", "稳赚不赔", "ABC")]
    assert same(encode(shipped, singles), tokenizer_says(shipped, [a for a, _ in singles]))
    pairs = [model_inputs("pair", "您是说要改还款日对吗?", "我想改还款日")]
    expected = shipped([pairs[0][0]], [pairs[0][1]], padding=True, truncation="longest_first",
                       max_length=MAX_LENGTH, return_tensors="pt")
    got = encode(shipped, pairs)
    assert all(bool((got[k] == expected[k]).all()) for k in expected)


def test_a_tokenizer_built_by_the_project_is_supported():
    assert char_ids(build_char_tokenizer(["您好，请问有什么可以帮您", "lpr 3.85%"])) is not None
