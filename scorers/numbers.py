"""Long numbers in ASR text: find them, tell what they are, mask them.

ASR writes a card number as ``6222 0210 ...``, ``6222-0210...`` or as spoken
numerals ``六二二二零二幺零...`` (幺 = 1, 洞 = 0, 两 = 2). We map numerals to
digits one character for one, so a run found in the mapped text has the same
span in the original. Boundaries are digit lookarounds, never ``\\b``, which
does not work next to Chinese characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum import luhn
from stdnum.cn import ric

from scorers.normalize import FULL_WIDTH

SPOKEN_DIGITS = str.maketrans("零〇洞一幺二两三四五六七八九", "00011223456789")

# A run of at least 7 digits, single separators allowed between digits, an
# optional trailing X (the ID-card check character).
_RUN = re.compile(r"(?<![0-9])[0-9](?:[ \-,、]?[0-9]){6,}(?:[ \-]?[xX叉])?(?![0-9])")
_SEPARATORS = re.compile(r"[ \-,、]")
# A comma or 、 between two long digit groups separates two numbers ("59683353,67862009" is two
# phone numbers); between short groups it is the pause of a number read out in parts ("138、0013、8000").
_HARD_SEPARATOR = re.compile(r"[,、]")
# Dates and money are not personal numbers: 2026-11-20, 12,000 and 1,234,567 stay readable.
_NOT_PERSONAL = re.compile(r"(19|20)[0-9]{2}-[01]?[0-9]-[0-3]?[0-9]|[0-9]{1,3}(,[0-9]{3})+")

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
    """``text`` with full-width characters and spoken numerals mapped to ASCII (same length)."""
    return text.translate(FULL_WIDTH).translate(SPOKEN_DIGITS)


def _digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _numbers_in(run: str) -> list[tuple[int, int]]:
    """Spans of the numbers in one run: it splits at a comma or 、 with a number of its own
    (MASK_FROM_DIGITS digits or more) on either side; spaces and dashes never split it."""
    cuts = [0] + [i for sep in _HARD_SEPARATOR.finditer(run) for i in (sep.start(), sep.end())] + [len(run)]
    groups = list(zip(cuts[::2], cuts[1::2]))
    spans = [groups[0]]
    for (prev_start, prev_end), (start, end) in zip(groups, groups[1:]):
        if min(_digit_count(run[prev_start:prev_end]), _digit_count(run[start:end])) >= MASK_FROM_DIGITS:
            spans.append((start, end))
        else:
            spans[-1] = (spans[-1][0], end)
    return spans


def find_runs(text: str, min_digits: int = MASK_FROM_DIGITS) -> list[NumberRun]:
    runs = []
    for m in _RUN.finditer(digit_text(text)):
        if _NOT_PERSONAL.fullmatch(m.group()):
            continue
        for start, end in _numbers_in(m.group()):
            digits = _SEPARATORS.sub("", m.group()[start:end]).replace("叉", "X").upper()
            if _digit_count(digits) >= min_digits:
                runs.append(NumberRun(m.start() + start, m.start() + end, digits))
    return runs


def mask_digits(digits: str) -> str:
    """Keep just enough digits for a reviewer to tell numbers apart."""
    n = len(digits)
    if n >= 15:
        head, tail = 4, 4
    elif n >= 11:
        head, tail = 3, 4
    else:
        head, tail = 0, 4
    return digits[:head] + "*" * (n - head - tail) + digits[n - tail:]


def mask_text(text: str) -> str:
    """Replace every run of 7+ digits (in any script) with its masked form."""
    runs = find_runs(text)
    if not runs:
        return text
    parts, last = [], 0
    for run in runs:
        parts.append(text[last:run.start])
        parts.append(run.masked)
        last = run.end
    parts.append(text[last:])
    return "".join(parts)


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
