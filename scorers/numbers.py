"""Long numbers in ASR text: find them, tell what they are, mask them.

ASR writes a card number as ``6222 0210 ...``, ``6222-0210...``, ``6222/0210``,
with tabs, no-break or zero-width spaces between groups, or as spoken numerals
``六二二二零二幺零...`` (幺 = 1, 洞 = 0, 两/兩 = 2, 拐 = 7, 勾 = 9, and the 大写
forms 壹贰叁…, Traditional 兩 貳 參 陸). Detection and masking must agree on what
a number is, so both go through :func:`find_runs` on the same text,
:func:`digit_text`: full-width characters and numerals in any script mapped
to ASCII digits, one character for one, the same whether it is given the
original utterance (masking) or its normalised form (detection). A run found
there has the same span in the original, and masking is length-preserving too
(each hidden digit becomes one ``*``, separators stay), so a finding's span
indexes its masked evidence exactly as it indexes the utterance.

Boundaries are digit lookarounds, never ``\\b``, which does not work next to
Chinese characters. A number read out over several turns ("幺三八洞洞" …
"幺三八洞洞洞") is found by :func:`split_numbers` and masked across those
utterances by :func:`mask_utterances`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Sequence

from stdnum import luhn
from stdnum.cn import ric

from scorers.normalize import FULL_WIDTH

NUMERALS = {"0": "零〇洞", "1": "一幺壹", "2": "二两贰", "3": "三叁参", "4": "四肆", "5": "五伍",
            "6": "六陆", "7": "七拐柒", "8": "八捌", "9": "九勾玖"}
# What normalize() turns into a numeral (兩 → 两, 貳 → 贰 …): mapped here directly, so digit_text(t) ==
# digit_text(normalize(t)) without paying for OpenCC (tests/test_numbers.py checks every character).
TRADITIONAL_NUMERALS = {"兩": "两", "參": "参", "叄": "叁", "枴": "拐", "柺": "拐", "蔘": "参", "貳": "贰", "陸": "陆"}
_DIGIT_OF = {ch: digit for digit, chars in NUMERALS.items() for ch in chars}
SPOKEN_DIGITS = str.maketrans({**FULL_WIDTH, **_DIGIT_OF,
                               **{ch: _DIGIT_OF[simplified] for ch, simplified in TRADITIONAL_NUMERALS.items()}})

# Between two digits: up to three spaces of any kind (tab, no-break, ideographic, zero-width),
# or one mark (a dash or two, a slash, a dot, a comma, 、) with up to two spaces either side.
_SPACE = r"[\s\u200b\u200c\u200d\u2060\ufeff]"
_MARK = r"(?:[-\u2010-\u2015]{1,2}|[/.,、])"
_SEP = rf"(?:{_SPACE}{{0,2}}{_MARK}{_SPACE}{{0,2}}|{_SPACE}{{0,3}})"
# A run of digits, separators allowed between them, an optional trailing X (the ID check character).
_RUN = re.compile(rf"(?<![0-9])[0-9](?:{_SEP}[0-9])*(?:{_SPACE}{{0,2}}[-\u2010-\u2015]?{_SPACE}{{0,2}}[xX叉](?![a-zA-Z]))?(?![0-9])")

# The same run, matched on the text as it is (not on digit_text(text)): each character class of
# _RUN widened to every character that digit_text maps into it (０-９ and 一 幺 洞 … for [0-9], ，
# for ",", ｘ for x …), and its leading look-behind moved behind the first digit (the same test,
# but the regex engine can then skip ahead to the next digit character instead of trying everywhere). digit_text maps one character to one, so a match here has the span of
# the match of _RUN in digit_text(text), and mapping only the matched run costs far less than
# mapping the whole utterance (tests/test_numbers.py checks every character against _RUN's classes).


def _preimage(chars: str) -> str:
    """``chars`` and every character digit_text maps to one of them, as the body of a character class."""
    wanted = set(chars)
    found = sorted(wanted | {ch for ch in SPOKEN_DIGITS_FROM if SPOKEN_DIGITS_FROM[ch] in wanted})
    return "".join(re.escape(ch) for ch in found)


SPOKEN_DIGITS_FROM = {chr(code): chr(to) if isinstance(to, int) else to for code, to in SPOKEN_DIGITS.items()}
_D = f"[{_preimage('0123456789')}]"
_DASH = f"[{_preimage('-')}\u2010-\u2015]"
_PUNCT = f"[{_preimage('/.,、')}]"
_X = f"[{_preimage('xX叉')}]"
_LATIN = f"[{_preimage('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')}]"
_SEP_RAW = rf"(?:{_SPACE}{{0,2}}(?:{_DASH}{{1,2}}|{_PUNCT}){_SPACE}{{0,2}}|{_SPACE}{{0,3}})"
_RUN_RAW = re.compile(rf"{_D}(?<!{_D}{_D})(?:{_SEP_RAW}{_D})*(?:{_SPACE}{{0,2}}{_DASH}?{_SPACE}{{0,2}}{_X}(?!{_LATIN}))?"
                      rf"(?!{_D})")
# Each class of _RUN_RAW and the class of _RUN it stands for (tests/test_numbers.py checks every character).
RAW_CLASSES = {"[0-9]": _D, "[-\u2010-\u2015]": _DASH, "[/.,、]": _PUNCT, "[xX叉]": _X, "[a-zA-Z]": _LATIN,
               _SPACE: _SPACE}
_ANY_DIGIT = re.compile(_D)  # a quick look: most utterances have no digit at all
_DIGIT = re.compile(r"[0-9xX叉]")
_CHECK_CHARACTER = re.compile(rf"{_SPACE}*[-\u2010-\u2015]?{_SPACE}*[xX叉]$")
# A comma, 、, slash or dot between two long digit groups separates two numbers ("59683353,67862009"
# is two phone numbers); between short groups it is the pause of a number read out in parts
# ("138、0013、8000"). Spaces and dashes never split one.
_HARD_SEPARATOR = re.compile(rf"{_SPACE}*[,、/.]{_SPACE}*")
# Dates, money and decimals are not personal numbers: 2026-11-20, 2026.11.20, 20/11/2026, 12,000, 1,234,567.89 and
# 12345.67 stay readable. A date in front of a number ("2026-11-20 13800138000") is cut off.
# Year first (2026-11-20), or day or month first as spreadsheets write it (20/11/2026, 11/20/2026).
_DATE = (rf"(?:(?:19|20)[0-9]{{2}}((?!(?:[0-9]|$)){_SEP})[01]?[0-9]\1[0-3]?[0-9]"  # a separator, not none
         rf"|[0-3]?[0-9]((?!(?:[0-9]|$)){_SEP})[0-3]?[0-9]\2(?:19|20)[0-9]{{2}})(?![0-9])")
_DATE_PREFIX = re.compile(rf"{_DATE}(?:{_SEP}(?=[0-9])|$)")
_NOT_PERSONAL = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?|[0-9]+\.[0-9]{1,2}")

MASK_FROM_DIGITS = 7  # runs this long or longer never appear unmasked


@dataclass(frozen=True, slots=True)
class NumberRun:
    start: int
    end: int
    digits: str  # separators removed, numerals mapped, trailing X upper-case

    @property
    def masked(self) -> str:
        return mask_digits(self.digits)


def digit_text(text: str) -> str:
    """``text`` with full-width characters and numerals in any script mapped to ASCII (same length).

    Detection reads ``Utterance.norm``, masking the original: ``digit_text`` of either
    is the same, so both find the same numbers whatever script the text was in.
    """
    return text.translate(SPOKEN_DIGITS)


def _digits_of(run: str) -> str:
    return "".join(_DIGIT.findall(run)).replace("叉", "X").upper()


def _numbers_in(run: str) -> list[tuple[int, int]]:
    """Spans of the numbers in one run: it splits at a comma, 、, slash or dot with a number of
    its own (MASK_FROM_DIGITS digits or more, or a full card, ID or mobile number) on either
    side; spaces and dashes never split it."""
    hard = [(sep.start(), sep.end()) for sep in _HARD_SEPARATOR.finditer(run)]
    if not hard:
        return [(0, len(run))]
    cuts = [(0, 0)] + hard + [(len(run), len(run))]
    groups = [(a[1], b[0]) for a, b in zip(cuts, cuts[1:])]
    spans = [groups[0]]
    for (prev_start, prev_end), (start, end) in zip(groups, groups[1:]):
        before, after = _digits_of(run[spans[-1][0]:prev_end]), _digits_of(run[start:end])
        if (min(len(_digits_of(run[prev_start:prev_end])), len(after)) >= MASK_FROM_DIGITS
                or classify(before) or classify(after)):
            spans.append((start, end))
        else:
            spans[-1] = (spans[-1][0], end)
    return spans


def find_runs(text: str, min_digits: int = MASK_FROM_DIGITS) -> list[NumberRun]:
    """Every number of ``min_digits`` or more digits in ``text`` (any script, any separators).

    The one place that decides what a number is: detection and masking both use it.
    """
    return [run for run in _all_runs(text) if len(run.digits) >= min_digits]


@lru_cache(maxsize=8192)
def _all_runs(text: str) -> tuple[NumberRun, ...]:
    """Every digit run of ``text``; cached, as each scorer masks the utterances it cites."""
    first = _ANY_DIGIT.search(text)
    if first is None:
        return ()
    runs = []
    for m in _RUN_RAW.finditer(text, first.start()):
        offset, end = m.span()
        if end - offset == 1:  # a lone digit (the 一 of 一下): the common case, nothing to split
            runs.append(_lone_digit(offset, text[offset]))
            continue
        run = m.group().translate(SPOKEN_DIGITS)  # the run _RUN finds in digit_text(text)
        if run.isdigit():  # digits alone (no separator, no X): no date, no money, one number
            runs.append(NumberRun(offset, end, run))
            continue
        if date_prefix := _DATE_PREFIX.match(run):
            offset, run = offset + date_prefix.end(), run[date_prefix.end():]
        if not run or _NOT_PERSONAL.fullmatch(run):
            continue
        for start, end in _numbers_in(run):
            digits = _digits_of(run[start:end])
            if digits.endswith("X") and (len(digits) > 18 or classify(digits[:-1])):
                # an x after a full number or after 18 digits is not an ID's check character
                end = start + _CHECK_CHARACTER.search(run[start:end]).start()
                digits = _digits_of(run[start:end])
            runs.append(NumberRun(offset + start, offset + end, digits))
    return tuple(runs)


@lru_cache(maxsize=4096)
def _lone_digit(offset: int, char: str) -> NumberRun:
    """The run of one digit character at ``offset`` (runs are immutable: one object serves every text)."""
    return NumberRun(offset, offset + 1, char.translate(SPOKEN_DIGITS))


def _kept(n: int) -> tuple[int, int]:
    """How many leading and trailing digits of an ``n``-digit number stay readable."""
    if n >= 15:
        return 4, 4
    if n >= 11:
        return 3, 4
    return 0, 4


def mask_digits(digits: str) -> str:
    """Keep just enough digits for a reviewer to tell numbers apart."""
    n = len(digits)
    head, tail = _kept(n)
    return digits[:head] + "*" * (n - head - tail) + digits[n - tail:]


def _masked(text: str, spans: Sequence[tuple[int, int, int, int]]) -> str:
    """``text`` with the digits of each span hidden; a span is (start, end, first, n): its
    digits are digits ``first`` … of an ``n``-digit number (a number may span utterances).

    One character for one: a hidden digit becomes ``*``, a shown one its ASCII form,
    separators and everything else stay, so offsets into ``text`` hold in the result.
    """
    if not spans:
        return text
    mapped = digit_text(text)
    out = list(text)
    hidden = set()
    for start, end, first, n in spans:
        head, tail = _kept(n)
        k = first
        for p in range(start, end):
            if _DIGIT.fullmatch(mapped[p]):
                if head <= k < n - tail:
                    hidden.add(p)
                elif p not in hidden:
                    out[p] = "X" if mapped[p] in "xX叉" else mapped[p]
                k += 1
    for p in hidden:
        out[p] = "*"
    return "".join(out)


def mask_text(text: str) -> str:
    """Mask every run of 7+ digits (in any script); the result has the length of ``text``."""
    return _masked(text, [(r.start, r.end, 0, len(r.digits)) for r in find_runs(text)])


# ------------------------------------------------------------------ numbers read out over several turns

SPLIT_MAX_BETWEEN = 2  # other-speaker utterances without digits ("嗯", "好的") allowed between two parts
SPLIT_MAX_DIGITS = 19
# What may stand before a continuing part or after a part that is continued: punctuation, fillers.
# Fillers around a part of a number, in both scripts: matched on the raw text, not its normalised
# form (normalising every utterance with a digit in it was a quarter of the rules' time).
_LEAD = re.compile(r"[\W_]*(?:(?:嗯|呃|啊|额|額|哦|然后|然後|接着|接著|后面|後面|后边|後邊|再|还有|還有|就是|是)"
                   r"[\W_]*){0,3}")
_TRAIL = re.compile(r"[\W_]*(?:(?:嗯|呃|啊|哦|吧|呢|然后|然後|再)[\W_]*){0,3}")
# A number followed by a unit is an amount, a date or a count, never the rest of a card or an ID read
# out in parts: "电话是01069681478。" … "71元,还不是很高吧。" joined into a Luhn-valid 13 digits.
_UNIT = re.compile(r"\s*(?:元|块|塊|角|毛|分钱|分錢|岁|歲|个|個|次|天|年|月|日|号|號|点|點|%|％|倍|万|萬|千|百|亿|億|笔|筆|张|張|"
                   r"人|位|期|层|層|楼|樓|米|公里|小时|小時|分钟|分鐘|秒)")


@dataclass(frozen=True, slots=True)
class SplitNumber:
    """A full card, ID or mobile number read out in parts over consecutive turns of one speaker."""
    speaker: str
    parts: tuple[tuple[int, NumberRun], ...]  # (utterance index, the part's span there)
    kind: str  # 'id', 'card' or 'mobile'

    @property
    def digits(self) -> str:
        return "".join(run.digits for _, run in self.parts)


def _edges(text: str, runs: list[NumberRun]) -> tuple[NumberRun | None, NumberRun | None]:
    """The digit run that opens ``text`` (after fillers) and the one that closes it (before fillers)."""
    if not runs:
        return None, None
    # On the text itself, not digit_text(text): no filler holds a character digit_text maps, none
    # is mapped into one, and a mapped character is [\W_] exactly when its image is (tests check
    # every character), so the fillers match the same in both.
    lead = runs[0] if _LEAD.fullmatch(text, 0, runs[0].start) and not _UNIT.match(text, runs[0].end) else None
    trail = runs[-1] if _TRAIL.fullmatch(text, runs[-1].end) else None
    return lead, trail


_NO_EDGES = (None, None)


def _next_turn(speakers: Sequence[str], i: int, has_digits: list[bool]) -> int | None:
    """The same speaker's next utterance, if only digit-free turns of the other side come between."""
    for j in range(i + 1, min(len(speakers), i + SPLIT_MAX_BETWEEN + 2)):
        if speakers[j] == speakers[i]:
            return j
        if has_digits[j]:
            return None
    return None


def split_numbers(utterances: Sequence[tuple[str, str]]) -> list[SplitNumber]:
    """Full numbers read out in parts, each part closing one turn and opening the speaker's next.

    ``utterances`` are (speaker, text) in call order. Two short numbers in consecutive
    turns are often unrelated ("尾号3867" … "12月5日"), so parts only join when the joined
    digits are a valid number — a Luhn-valid card, an ID with its check character and a
    real birth date, a mobile 1[3-9]x with 11 digits — and no part is a full number alone
    (that one is found within its own utterance).
    """
    return list(_call_numbers(tuple(utterances))[0])


def _split_numbers(utterances: Sequence[tuple[str, str]], runs: Sequence[Sequence[NumberRun]]) -> list[SplitNumber]:
    speakers = [speaker for speaker, _ in utterances]
    edges = [_edges(text, r) if r else _NO_EDGES for (_, text), r in zip(utterances, runs)]
    has_digits = [bool(r) for r in runs]
    links = {}
    for i, (_, trail) in enumerate(edges):
        if trail is not None and (j := _next_turn(speakers, i, has_digits)) is not None and edges[j][0] is not None:
            links[i] = j
    # a turn that is nothing but a part continues a chain: it starts none of its own
    continued = {j for j in links.values() if edges[j][0] == edges[j][1]}
    found = []
    for i in sorted(links):
        if i in continued:
            continue
        chain = [(i, edges[i][1])]
        j = links[i]
        while True:
            chain.append((j, edges[j][0]))
            if edges[j][0] != edges[j][1] or j not in links:
                break
            j = links[j]
        found += _valid_parts(speakers[i], chain)
    return found


def _valid_parts(speaker: str, chain: list[tuple[int, NumberRun]]) -> list[SplitNumber]:
    found, s = [], 0
    while s < len(chain) - 1:
        best = None
        for e in range(s + 1, len(chain)):
            parts = chain[s:e + 1]
            digits = "".join(run.digits for _, run in parts)
            if len(digits) > SPLIT_MAX_DIGITS:
                break
            if (kind := classify(digits)) and not any(classify(run.digits) for _, run in parts):
                best = SplitNumber(speaker, tuple(parts), kind)
        if best is None:
            s += 1
        else:
            found.append(best)
            s += len(best.parts)
    return found


def mask_utterances(utterances: Sequence[tuple[str, str]]) -> list[str]:
    """Each utterance's text masked, with numbers read out over several turns masked across them.

    Every part of a split number is masked as its share of the whole number: a mobile read
    "13800" … "138000" becomes "138**" … "**8000", never two readable halves. Cached: the
    leak scorer, the findings and the transcripts of one call each ask for the same call.
    """
    return list(_call_numbers(tuple(utterances))[1])


@lru_cache(maxsize=4096)  # more than a shard's block (scorers.shards.BLOCK_LINES): scored, then its findings and transcripts written
def _call_numbers(utterances: tuple[tuple[str, str], ...]) -> tuple[tuple[SplitNumber, ...], tuple[str, ...]]:
    """(numbers split over turns, each utterance masked) of one call: worked out once for both
    :func:`split_numbers` and :func:`mask_utterances` (the leak scorer asks for both, for the same turns)."""
    runs = [_all_runs(text) for _, text in utterances]  # every run has a digit: find_runs(text, 1)
    split = _split_numbers(utterances, runs)
    spans: list[list[tuple[int, int, int, int]]] = [
        [(r.start, r.end, 0, len(r.digits)) for r in turn if len(r.digits) >= MASK_FROM_DIGITS] for turn in runs]
    for number in split:
        first, n = 0, len(number.digits)
        for i, run in number.parts:
            spans[i].append((run.start, run.end, first, n))
            first += len(run.digits)
    return tuple(split), tuple(_masked(text, s) if s else text for (_, text), s in zip(utterances, spans))


def is_card_number(digits: str) -> bool:
    return digits.isdigit() and 13 <= len(digits) <= 19 and luhn.is_valid(digits)


def is_id_number(digits: str) -> bool:
    """Resident ID (GB 11643): 17 digits, a check character, a real birth date.

    We check the checksum and the date, not the region code table: region
    codes change over the years and a wrong reject would hide a real leak.
    """
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    if ric.calc_check_digit(digits) != digits[17]:
        return False
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= date.today().year


_MOBILE = re.compile(r"(?:86)?1[3-9][0-9]{9}")


def is_mobile_number(digits: str) -> bool:
    return _MOBILE.fullmatch(digits) is not None


def classify(digits: str) -> str | None:
    """'id', 'card' or 'mobile' when ``digits`` is a valid full number of that kind."""
    if is_id_number(digits):
        return "id"
    if is_card_number(digits):
        return "card"
    if is_mobile_number(digits):
        return "mobile"
    return None
