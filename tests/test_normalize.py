"""normalize: Simplified, half-width, lower-case — and always the same length as the input."""
import pytest

from scorers.normalize import normalize, to_simplified

LENGTH_CASES = [
    "",
    " ",
    "您好",
    "您好,请问有什么可以帮您?",
    "您先別著急，LPR",
    "這個理財產品的風險等級是R3，請您確認一下。",
    "身分證號碼",
    "簡訊驗證碼不要告訴別人",
    "我的帳戶餘額怎麼不對",
    "網路銀行登入不了",
    "ＡＢＣ１２３，！？（）",
    "Ｈｅｌｌｏ　Ｗｏｒｌｄ",
    "😀你好😀",
    "👨‍👩‍👧 一家人都著急",
    "乾隆年間的瞭望台",
    "一隻手機佔用了額度",
    "後來於是裡面什麼",
    "髮型頭髮",
    "著作權和著急",
    "mixed 简体 and 繁體 text 混合",
    "KYC和LPR都是縮寫",
    "e\u0301 café",
    "안녕하세요 ありがとう",
    "\t換行\n第二行\r\n",
    "卡號６２２２　０２１０",
    "１３８００１３８０００",
    "皇后大道",
]


@pytest.mark.parametrize("text", LENGTH_CASES)
def test_normalize_keeps_length(text):
    assert len(normalize(text)) == len(text)


@pytest.mark.parametrize("text", LENGTH_CASES)
def test_to_simplified_keeps_length(text):
    assert len(to_simplified(text)) == len(text)


@pytest.mark.parametrize("text", LENGTH_CASES)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize("text", ["İ", "KİMLİK 卡號"])
def test_normalize_keeps_length_for_dotted_capital_i(text):
    assert len(normalize(text)) == len(text)


@pytest.mark.parametrize("text, expected", [
    ("您先別著急，LPR", "您先别着急,lpr"),
    ("這個理財產品", "这个理财产品"),
    ("後來", "后来"),
    ("於是", "于是"),
    ("裡面", "里面"),
    ("什麼", "什么"),
    ("乾淨", "干净"),
    ("瞭解", "了解"),
    ("一隻", "一只"),
    ("佔用", "占用"),
    ("頭髮", "头发"),
    ("臺灣", "台湾"),
    ("乾隆", "乾隆"),  # a name: OpenCC's phrase table keeps it
    ("皇后", "皇后"),  # Simplified text is left alone
    ("您好,请问有什么可以帮您?", "您好,请问有什么可以帮您?"),
])
def test_traditional_to_simplified(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("身分證", "身份证"),
    ("身分证", "身份证"),
    ("請提供身分證號碼", "请提供身份证号码"),
    ("簡訊", "短信"),
    ("簡訊驗證碼", "短信验证码"),
    ("帳戶", "账户"),
    ("到帳", "到账"),
    ("對帳單", "对账单"),
    ("訊息", "消息"),
    ("網路", "网络"),
])
def test_regional_variants_become_mainland_words(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("ＡＢＣ", "abc"),
    ("１２３４", "1234"),
    ("，！？（）：；", ",!?():;"),
    ("　", " "),
    ("Ｈｅｌｌｏ　Ｗｏｒｌｄ", "hello world"),
    ("卡號６２２２　０２１０", "卡号6222 0210"),
    ("。、「」", "。、「」"),  # CJK punctuation outside the full-width block stays
])
def test_full_width_to_half_width(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("LPR", "lpr"),
    ("KYC", "kyc"),
    ("SWIFT代码", "swift代码"),
    ("R3风险等级", "r3风险等级"),
    ("CVV2", "cvv2"),
    ("App Store", "app store"),
])
def test_latin_is_lower_cased(text, expected):
    assert normalize(text) == expected


def test_character_positions_line_up():
    """A word found in the normalised text sits at the same position in the original."""
    text = "您先別著急，我幫您查一下LPR和身分證的簡訊，ＡＢＣ"
    norm = normalize(text)
    for original, normalised in [("著急", "着急"), ("LPR", "lpr"), ("身分證", "身份证"), ("簡訊", "短信"),
                                 ("ＡＢＣ", "abc"), ("幫您查", "帮您查")]:
        assert norm.index(normalised) == text.index(original)


def test_normalize_is_the_plain_translation_for_every_character():
    """normalize finds full-width characters and capitals with a regex instead of translating every
    character: the same text as translate(FULL_WIDTH), to_simplified, translate(lower ASCII) and the variants."""
    from scorers.normalize import _LOWER_ASCII, _VARIANTS, FULL_WIDTH, to_simplified

    def plain(text):
        out = to_simplified(text.translate(FULL_WIDTH)).translate(_LOWER_ASCII)
        for variant, standard in _VARIANTS.items():
            if variant in out:
                out = out.replace(variant, standard)
        return out

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    chunks = [every[k:k + 64] for k in range(0, len(every), 64)]
    chunks += ["您先別著急，ＬＰＲ　利率", "身分证號碼ＡＢＣ", "帳戶簡訊", "OK了，谢谢！", ""]
    assert [normalize(c) for c in chunks] == [plain(c) for c in chunks]


def _reference(text: str) -> str:
    """normalize written plainly: every step on every text, no shortcut (what the fast path must equal)."""
    from scorers.normalize import _VARIANTS, _converter, _traditional_chars, FULL_WIDTH

    out = text.translate(FULL_WIDTH)
    if not _traditional_chars().isdisjoint(out):
        converted = _converter().convert(out)
        if len(converted) != len(out):
            converted = "".join(_converter().convert(ch) if len(_converter().convert(ch)) == 1 else ch for ch in out)
        out = converted
    out = "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in out)
    for variant, standard in _VARIANTS.items():
        out = out.replace(variant, standard)
    return out


def test_every_character_normalises_as_the_plain_steps_would():
    """The one-search shortcut skips texts without a character to change: none of the 63,000 BMP
    characters may be missing from it."""
    chars = [chr(c) for c in range(0x20, 0x10000) if not 0xD800 <= c < 0xE000]
    assert [normalize(ch) for ch in chars] == [_reference(ch) for ch in chars]


@pytest.mark.parametrize("text", LENGTH_CASES + ["身分证号码和帐户", "简讯里的网路连结", "ＬＰＲ是什么，ＫＹＣ呢？"])
def test_texts_normalise_as_the_plain_steps_would(text):
    assert normalize(text) == _reference(text)
