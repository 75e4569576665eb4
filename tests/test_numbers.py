"""numbers: find long numbers in ASR text (any script), tell card/ID/mobile apart, mask them."""
import re

import pytest

from scorers.normalize import normalize
from scorers.numbers import (classify, digit_text, find_runs, mask_digits, mask_text, mask_utterances,
                             split_numbers)


def runs(text, **kw):
    return [(r.start, r.end, r.digits) for r in find_runs(text, **kw)]


# --------------------------------------------------------------------------- find_runs

@pytest.mark.parametrize("text, expected", [
    ("卡号6222021001234567896对吗", [(2, 21, "6222021001234567896")]),
    ("卡号6222 0210 0123 4567 896", [(2, 25, "6222021001234567896")]),
    ("6222-0210-0123-4567-896", [(0, 23, "6222021001234567896")]),
    ("六二二二零二幺零零幺二三四五六七八九六", [(0, 19, "6222021001234567896")]),
    ("手机幺三八洞洞幺三八洞洞洞", [(2, 13, "13800138000")]),
    ("尾号两两两两三三三三", [(2, 10, "22223333")]),
    ("号码〇一三八", []),  # 6 digits: short
    ("幺38 0013 八000", [(0, 13, "13800138000")]),  # numerals and digits mixed
    ("号码138 0013 8000吗", [(2, 15, "13800138000")]),
    ("号码138、0013、8000", [(2, 15, "13800138000")]),
    ("身份证11010519491231002X号", [(3, 21, "11010519491231002X")]),
    ("身份证11010519491231002x", [(3, 21, "11010519491231002X")]),
    ("身份证11010519491231002叉", [(3, 21, "11010519491231002X")]),
    ("电话0564-3321678", [(2, 14, "05643321678")]),
    ("abc13800138000def", [(3, 14, "13800138000")]),
    ("我的号码是13800138000。", [(5, 16, "13800138000")]),
    ("号13800138000号", [(1, 12, "13800138000")]),
    ("两个号码13800138000和13900139000", [(4, 15, "13800138000"), (16, 27, "13900139000")]),
    ("1234567", [(0, 7, "1234567")]),
    ("123456", []),
    ("95588", []),
    ("尾号1234", []),
    ("两千块", []),
    ("一万五千元", []),
    ("2026年11月20日", []),
    ("", []),
])
def test_find_runs(text, expected):
    assert runs(text) == expected


@pytest.mark.parametrize("text", [
    "卡号6222 0210 0123 4567 896对吗",
    "手机幺三八洞洞幺三八洞洞洞好的",
    "您的身份证是11010519491231002叉吗",
    "幺38 0013 八000",
])
def test_spans_point_into_the_original_text(text):
    (run,) = find_runs(text)
    original = text[run.start:run.end]
    assert digit_text(original).replace(" ", "").replace("叉", "X").upper() == run.digits


@pytest.mark.parametrize("text, expected", [
    # Chinese characters on either side: a \b boundary would miss these
    ("号码13800138000号", [(2, 13)]),
    ("卡6222021001234567896卡", [(1, 20)]),
    # a long run is taken whole, never a 7-digit window out of it
    ("x12345678901234567890123y", [(1, 24)]),
    # digits next to the run extend it; a 6-digit neighbour joined by a space makes one run
    ("123456 7", [(0, 8)]),
])
def test_digit_lookarounds(text, expected):
    assert [(r.start, r.end) for r in find_runs(text)] == expected


@pytest.mark.parametrize("text, min_digits, expected", [
    ("尾号1234567", 7, 1),
    ("尾号1234567", 11, 0),
    ("13800138000", 11, 1),
    ("1380013800", 11, 0),
])
def test_min_digits(text, min_digits, expected):
    assert len(find_runs(text, min_digits=min_digits)) == expected


# --------------------------------------------------------------------------- classify

@pytest.mark.parametrize("digits, expected", [
    # bank cards: Luhn
    ("6222021001234567896", "card"),
    ("4111111111111111", "card"),
    ("6228480000000000000", "card"),
    ("622588000000002", "card"),
    ("6222021001234567890", None),   # Luhn fails
    ("4111111111111112", None),
    ("411111111116", None),          # Luhn-valid but 12 digits: too short for a card
    # resident ID (GB 11643): check character and a real birth date
    ("11010519491231002X", "id"),
    ("440301199003071230", "id"),
    ("110105200002290013", "id"),    # 29 Feb 2000
    ("110105194912310021", None),    # wrong check character
    ("110105199902300015", None),    # 30 Feb, check character right
    ("110105190002290017", None),    # 1900 was no leap year
    ("440301189912310017", None),    # born before 1900
    ("110105299901010014", None),    # born in the future
    ("11010519491231002", None),     # 17 characters
    # mobile numbers
    ("13800138000", "mobile"),
    ("19912345678", "mobile"),
    ("8613800138000", "mobile"),
    ("12800138000", None),
    ("10800138000", None),
    ("1380013800", None),
    ("138001380001", None),
    # landlines, hotlines
    ("05643321678", None),
    ("95588", None),
])
def test_classify(digits, expected):
    assert classify(digits) == expected


def test_landline_with_area_code_is_not_a_personal_number():
    (run,) = find_runs("请拨打0564-3321678")
    assert run.digits == "05643321678"
    assert classify(run.digits) is None


# --------------------------------------------------------------------------- masking

@pytest.mark.parametrize("digits, expected", [
    ("1234567", "***4567"),
    ("1234567890", "******7890"),
    ("13800138000", "138****8000"),
    ("05643321678", "056****1678"),
    ("6222021001234567896", "6222***********7896"),
    ("11010519491231002X", "1101**********002X"),
])
def test_mask_digits(digits, expected):
    assert mask_digits(digits) == expected
    assert len(mask_digits(digits)) == len(digits)


@pytest.mark.parametrize("text, expected", [
    ("卡号6222021001234567896对吗", "卡号6222***********7896对吗"),
    # separators stay, so the masked text is as long as the original (spans still line up)
    ("卡号6222 0210 0123 4567 896", "卡号6222 **** **** ***7 896"),
    ("6222-0210-0123-4567-896", "6222-****-****-***7-896"),
    ("六二二二零二幺零零幺二三四五六七八九六", "6222***********7896"),
    ("手机幺三八洞洞幺三八洞洞洞", "手机138****8000"),
    ("手机两三八零零一三八零零零", "手机238****8000"),
    ("身份证11010519491231002X", "身份证1101**********002X"),
    ("身份证11010519491231002叉", "身份证1101**********002X"),
    ("号码138 0013 8000吗", "号码138 **** 8000吗"),
    ("两个号码13800138000和13900139000", "两个号码138****8000和139****9000"),
])
def test_mask_text(text, expected):
    assert mask_text(text) == expected


LONG_NUMBERS = [
    "您的卡号是6222021001234567896,对吗",
    "卡号6222 0210 0123 4567 896",
    "卡号6222-0210-0123-4567-896",
    "六二二二零二幺零零幺二三四五六七八九六",
    "手机幺三八洞洞幺三八洞洞洞",
    "手机幺三八 洞洞幺三 八洞洞洞",
    "身份证幺幺零幺零五幺九四九幺二三幺零零二叉",
    "身份证110105 19491231 002X",
    "电话0564-3321678",
    "号码13800138000,备用13900139000",
    "12345678901234567890123",
]


@pytest.mark.parametrize("text", LONG_NUMBERS)
def test_no_long_run_survives_masking(text):
    masked = mask_text(text)
    assert find_runs(masked, min_digits=11) == []
    assert find_runs(masked) == []  # nothing of 7+ digits either


@pytest.mark.parametrize("text", LONG_NUMBERS)
def test_masked_form_keeps_the_last_four(text):
    (run,) = find_runs(text)[:1]
    masked = mask_text(text)
    assert run.digits[-4:] in masked.replace(" ", "").replace("-", "")  # separators stay where they were


@pytest.mark.parametrize("text", LONG_NUMBERS)
def test_masking_is_idempotent(text):
    assert mask_text(mask_text(text)) == mask_text(text)


@pytest.mark.parametrize("text", [
    "尾号1234",
    "后四位0123",
    "请拨打95588",
    "金额5000元",
    "还款3,500.00元",
    "利率3.85%",
    "2026年11月20日",
    "一万两千元",
    "两千块",
    "6222 **** **** 0123",
    "138****8000",
    "123456",
    "",
])
def test_short_numbers_are_untouched(text):
    assert mask_text(text) == text


@pytest.mark.parametrize("text", [
    "您的号码是幺三八，洞洞幺三，八洞洞洞",
    "您的号码是138，0013，8000",
    "您的号码是138　0013　8000",
    "您的手机号是１３８００１３８０００",
])
def test_numbers_found_on_normalised_text_are_masked(text):
    assert find_runs(normalize(text), min_digits=11), "precondition: a full number after normalisation"
    assert find_runs(normalize(mask_text(text)), min_digits=11) == []


@pytest.mark.parametrize("text, expected", [
    # a comma or 、 between two long groups separates two numbers
    ("电话是59683353,67862009", [(3, 11, "59683353"), (12, 20, "67862009")]),
    ("电话是59683353，67862009", [(3, 11, "59683353"), (12, 20, "67862009")]),
    ("13800138000、13900139000", [(0, 11, "13800138000"), (12, 23, "13900139000")]),
    ("010-67498258,13699120196", [(0, 12, "01067498258"), (13, 24, "13699120196")]),
    # between short groups it is a number read out in parts
    ("身份证110105、19491231、002X", [(3, 23, "11010519491231002X")]),
    ("6222,0210,0123,4567,896", [(0, 23, "6222021001234567896")]),
    # spaces and dashes never separate
    ("6222 0212 3456 7890 128", [(0, 23, "6222021234567890128")]),
])
def test_punctuation_between_long_groups_separates_numbers(text, expected):
    assert runs(text) == expected


def test_separate_numbers_are_masked_separately():
    assert mask_text("电话是59683353,67862009") == "电话是****3353,****2009"
    assert classify(find_runs("电话是59683353,67862009")[0].digits) is None


# --------------------------------------------------------------------------- detection and masking agree

MOBILE_WRITTEN = [  # 13800138000 unless noted, written as ASR and agents' notes write it
    "138  0013  8000",                        # double spaces
    "138\t0013\t8000",                        # tab
    "138\u00a00013\u00a08000",                # no-break space
    "138\u200b0013\u200b8000",                # zero-width space
    "138\u3000\u30000013\u3000\u30008000",    # two ideographic spaces
    "138—0013—8000",                          # em dash
    "138——0013——8000",                        # a Chinese dash (two em dashes)
    "138/0013/8000",
    "138.0013.8000",
    "138 - 0013 - 8000",
    "138 ／ 0013 ／ 8000",                     # full-width slash
    "幺三八洞洞幺三八洞洞洞",
]
OTHER_WRITINGS = [
    ("幺三八六兩六五九幺七五", "13862659175", "mobile"),          # Traditional 兩
    ("幺三拐勾洞洞幺三八洞洞", "13790013800", "mobile"),          # 拐 = 7, 勾 = 9
    ("陆贰贰贰零贰幺零零幺贰叁肆伍陆柒捌玖陆", "6222021001234567896", "card"),  # 大写
    ("陸貳貳貳零貳壹零零壹貳參肆伍陸柒捌玖陸", "6222021001234567896", "card"),  # 大写, Traditional
    ("壹壹零壹零伍壹玖肆玖壹贰叁壹零零贰叉", "11010519491231002X", "id"),
]
WRITTEN = [(f"您的号码是{t},对吗", "13800138000", "mobile") for t in MOBILE_WRITTEN] + \
          [(f"您的号码是{t},对吗", digits, kind) for t, digits, kind in OTHER_WRITINGS]


@pytest.mark.parametrize("text, digits, kind", WRITTEN)
def test_detection_and_masking_see_the_same_number(text, digits, kind):
    (run,) = find_runs(text)
    assert (run.digits, classify(run.digits)) == (digits, kind)
    # detection reads the normalised text, masking the original: the same run in both
    assert [(r.start, r.end, r.digits) for r in find_runs(normalize(text))] == [(run.start, run.end, run.digits)]
    masked = mask_text(text)
    assert find_runs(masked) == [] and find_runs(normalize(masked)) == []
    assert digits[-4:] in re.sub(r"[^0-9X]", "", masked)  # the last four stay for the reviewer


@pytest.mark.parametrize("text, digits, kind", WRITTEN)
def test_masking_keeps_the_length_so_spans_still_point_at_the_same_text(text, digits, kind):
    masked = mask_text(text)
    assert len(masked) == len(text)
    (run,) = find_runs(text)
    assert masked[:run.start] == text[:run.start] and masked[run.end:] == text[run.end:]


@pytest.mark.parametrize("text, expected", [
    ("13800138000/13900139000", ["13800138000", "13900139000"]),     # a slash between two numbers
    ("13800138000. 13900139000", ["13800138000", "13900139000"]),
    ("您的号码13800138000,3天内到账", ["13800138000"]),                 # a full number, then a short one
    ("2026-11-20 13800138000", ["13800138000"]),                      # a date in front is not part of it
])
def test_marks_between_full_numbers_separate_them(text, expected):
    assert [r.digits for r in find_runs(text)] == expected


@pytest.mark.parametrize("text", [
    "还款12345.67元", "还款1,234,567.89元", "2026.11.20", "2026/11/20", "2026-11-20 13:45", "20/11/2026 09:00", "11/20/2026", "第1.2.3条",
    "利率3.85%", "尾号1234。5678元已到账",
])
def test_dates_money_and_decimals_stay_readable(text):
    assert mask_text(text) == text


# --------------------------------------------------------------------------- numbers read out over several turns

def turns(*lines):
    return [({"A": "agent", "C": "customer"}[line[0]], line[3:]) for line in lines]


@pytest.mark.parametrize("lines, digits, kind", [
    (["A: 您预留的手机号是13800", "A: 138000,对吗?"], "13800138000", "mobile"),
    (["A: 您预留的手机号是幺三八洞洞", "C: 嗯", "A: 幺三八洞洞洞,对吗?"], "13800138000", "mobile"),
    (["A: 身份证号是110105", "A: 194912", "A: 31002X,对吧"], "11010519491231002X", "id"),
    (["A: 卡号6222 0210", "A: 嗯,0123 4567", "A: 896"], "6222021001234567896", "card"),
    (["C: 我手机是138", "C: 0013 8000"], "13800138000", "mobile"),
])
def test_a_number_read_out_over_several_turns_is_found(lines, digits, kind):
    (number,) = split_numbers(turns(*lines))
    assert (number.digits, number.kind) == (digits, kind)


@pytest.mark.parametrize("lines", [
    ["A: 您尾号是3867", "A: 12月5日到期"],                        # two unrelated short numbers
    ["A: 我的工号是13800", "A: 13800号文件"],                       # joined, not a valid number
    ["A: 您预留的手机号是13800", "A: 再见"],
    ["A: 您预留的手机号是13800", "C: 138000"],                      # another speaker's digits
    ["A: 您预留的手机号是13800", "C: 我记一下138", "A: 138000"],    # digits between the parts
    ["A: 号码是13800,您记一下", "A: 138000"],                       # the first part does not end its turn
    ["A: 13800138000", "A: 1234"],                                  # a full number alone, then a short one
    ["A: OK,电话是01069681478。", "C: 人均多少?", "A: 71元,还不是很高吧。"],  # an amount, not a part
    ["A: 卡号是6222021001234567", "A: 896天以后到期"],               # a count of days
])
def test_short_numbers_in_consecutive_turns_are_not_joined_at_random(lines):
    assert split_numbers(turns(*lines)) == []


def test_a_number_read_out_over_several_turns_is_masked_in_each():
    lines = turns("A: 您预留的手机号是13800", "C: 嗯", "A: 138000,对吗?", "A: 身份证号是110105", "A: 194912",
                  "A: 31002X,对吧")
    masked = mask_utterances(lines)
    assert masked == ["您预留的手机号是138**", "嗯", "**8000,对吗?", "身份证号是1101**", "******", "**002X,对吧"]
    joined = "".join(re.sub(r"[^0-9X]", "", m) for m in masked)
    assert "13800138000" not in joined and "11010519491231002X" not in joined
    assert [len(m) for m in masked] == [len(text) for _, text in lines]


def test_masking_turns_alone_is_plain_masking():
    lines = turns("A: 您尾号是3867", "A: 卡号6222021001234567896", "C: 好")
    assert mask_utterances(lines) == [mask_text(text) for _, text in lines]


def test_digit_text_sees_what_normalisation_would():
    """Masking maps the original, detection the normalised text: for every character
    normalisation turns into a numeral (兩 → 两, 貳 → 贰 …) both must see the same digit."""
    chars = map(chr, [*range(0x3000, 0xA000), *range(0xF900, 0xFB00), *range(0xFF00, 0xFF70)])
    assert [ch for ch in chars if digit_text(ch) != digit_text(normalize(ch)) and digit_text(normalize(ch)).isdigit()] \
        == []


# --------------------------------------------------------------------------- runs found on the text as it is

def _every_character() -> str:
    return "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def test_raw_run_classes_match_what_digit_text_maps_into_runs_classes():
    """_RUN_RAW reads the utterance itself: each of its classes must hold exactly the characters
    digit_text maps into the class of _RUN it stands for (so both find the same runs)."""
    from scorers.numbers import RAW_CLASSES

    raw = _every_character()
    mapped = digit_text(raw)
    assert len(mapped) == len(raw)
    for mapped_class, raw_class in RAW_CLASSES.items():
        on_mapped = [m.start() for m in re.finditer(mapped_class, mapped)]
        on_raw = [m.start() for m in re.finditer(raw_class, raw)]
        assert on_raw == on_mapped, mapped_class


def test_fillers_around_parts_read_the_same_on_the_text_and_its_digits():
    """_edges matches the fillers on the text itself: no filler character is mapped or mapped into,
    and [\\W_] holds for a character exactly when it holds for its image."""
    from scorers.numbers import _LEAD, _TRAIL

    raw = _every_character()
    mapped = digit_text(raw)
    word_or_not = re.compile(r"[\W_]")
    assert [m.start() for m in word_or_not.finditer(raw)] == [m.start() for m in word_or_not.finditer(mapped)]
    filler_chars = set(re.sub(r"\[\\W_\]|[()?:|*{}0-9,]", "", _LEAD.pattern + _TRAIL.pattern))
    changed = {a for a, b in zip(raw, mapped) if a != b}
    images = {b for a, b in zip(raw, mapped) if a != b}
    assert filler_chars and not filler_chars & changed and not filler_chars & images


def _runs_the_old_way(text):
    """find_runs as it was: _RUN on digit_text of the whole text (the reference for the raw reading)."""
    from scorers import numbers as N

    found = []
    for m in N._RUN.finditer(digit_text(text)):
        offset, run = m.start(), m.group()
        if len(run) == 1:
            found.append((offset, offset + 1, run))
            continue
        if date_prefix := N._DATE_PREFIX.match(run):
            offset, run = offset + date_prefix.end(), run[date_prefix.end():]
        if not run or N._NOT_PERSONAL.fullmatch(run):
            continue
        for start, end in N._numbers_in(run):
            digits = N._digits_of(run[start:end])
            if digits.endswith("X") and (len(digits) > 18 or classify(digits[:-1])):
                end = start + N._CHECK_CHARACTER.search(run[start:end]).start()
                digits = N._digits_of(run[start:end])
            found.append((offset + start, offset + end, digits))
    return found


def test_runs_on_the_text_are_the_runs_on_its_digits():
    import random

    rng = random.Random(11)
    alphabet = ("0123456789０１２３４５６７８９一二三四五六七八九零〇洞幺两兩拐勾壹贰貳叁參陆陸"
                " \t\u3000\u200b-－‐—/／.．,，、xXｘＸ叉aｂＺ号码是的吗年月日:")
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(20000)]
    texts += ["2026-11-20 13800138000", "12,000元", "1,234,567.89", "12345.67", "20/11/2026", "手机１３８ ００１３ ８０００",
              "身份证11010519491231002X号", "卡号6222 0210 0123 4567 896x", "电话是010-67498258,13699120196"]
    for text in texts:
        assert runs(text, min_digits=1) == _runs_the_old_way(text), text


def test_every_run_has_a_digit():
    """_call_numbers reads _all_runs for find_runs(text, min_digits=1): the same only if no run is empty."""
    import random

    from scorers.numbers import _all_runs

    rng = random.Random(5)
    alphabet = "0123456789一二两幺洞 -—/.,，、xX叉年月日-12"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert all(run.digits for run in _all_runs(text)), text
