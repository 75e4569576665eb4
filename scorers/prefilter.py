"""A literal prefilter for phrase lists: skip the regular expressions when none can match.

Most agent utterances hold no taboo word, no blame-shifting, no promise to
pass a case on. Searching them with every pattern of a list costs ~5 µs an
utterance, and a night has ~300,000 agent utterances per criterion. Every
pattern, though, needs some literal text to match: ``(你|您)找别的部门去``
cannot match an utterance without 找; ``不知道(?![您你])`` not one without
不知道. :func:`required_words` reads a pattern's parse tree and returns such a
set of words (any match contains at least one of them); an utterance with
none of a list's words is skipped in one Aho-Corasick pass.

The analysis is conservative: a construct it does not understand (``.``,
``\\w``, a negated class, a repeat that may be empty, ``(?i)``: K matches k)
requires nothing, and a pattern that requires nothing turns the filter off for
its whole list. So the filter may let an utterance through for nothing, but
never hides a match.
"""
from __future__ import annotations

from typing import Iterable

import ahocorasick

try:  # Python 3.11+: the parser lives in re._parser (sre_parse is its deprecated alias)
    from re import _constants as C, _parser as sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MAX_CLASS = 24  # a character class of more characters is not worth filtering on
MAX_PRODUCT = 64  # 不(是|属于|算)(我|我们) -> 6 words; bigger products are cut into shorter words

Words = frozenset[str]
ZERO_WIDTH = "zero-width"  # lookarounds and anchors: they consume nothing, words run on across them


def _best(candidates: list) -> Words | None:
    """The most selective word set: longest shortest word, then longest words on average, then fewest."""
    usable = [ws for ws in candidates if ws and "" not in ws]
    ranked = sorted(usable, key=lambda ws: (-min(map(len, ws)), -sum(map(len, ws)) / len(ws), len(ws)))
    return frozenset(ranked[0]) if ranked else None


def _item(op, av) -> tuple[Words | None, bool | str]:
    """(words, exact): ``exact`` when the element always matches exactly one of ``words``, whole."""
    if op is C.LITERAL:
        return frozenset({chr(av)}), True
    if op is C.IN:
        chars = set()
        for sub_op, sub_av in av:
            if sub_op is C.LITERAL:
                chars.add(chr(sub_av))
            elif sub_op is C.RANGE and sub_av[1] - sub_av[0] < MAX_CLASS:
                chars.update(map(chr, range(sub_av[0], sub_av[1] + 1)))
            else:  # NEGATE, CATEGORY (\w, \d ...), wide ranges
                return None, False
        return (frozenset(chars), True) if 0 < len(chars) <= MAX_CLASS else (None, False)
    if op is C.SUBPATTERN:
        if av[1] & C.SRE_FLAG_IGNORECASE:  # (?i:k) also matches the Kelvin sign K: no literal is certain
            return None, False
        return _sequence(av[-1])
    if op is C.BRANCH:
        options = [_sequence(branch) for branch in av[1]]
        if any(words is None for words, _ in options):
            return None, False
        return frozenset().union(*(words for words, _ in options)), all(exact is True for _, exact in options)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        low, high, item = av
        words, exact = _sequence(item)
        if (low, high) == (0, 1) and exact is True and words:  # (有)? is (有|): it can join a run
            return words | {""}, True
        return (words, False) if low >= 1 else (None, False)
    if op in (C.ASSERT, C.ASSERT_NOT, C.AT):
        return None, ZERO_WIDTH
    return None, False  # ANY, GROUPREF, CATEGORY ...


def _sequence(items) -> tuple[Words | None, bool]:
    """Words a match of this sequence must contain, and whether it matches exactly one of them."""
    candidates: list[set[str]] = []
    product: set[str] = {""}
    exact_all = True
    for op, av in items:
        words, exact = _item(op, av)
        if exact == ZERO_WIDTH:
            continue
        if exact is True and words and len(product) * len(words) <= MAX_PRODUCT:
            product = {p + w for p in product for w in words}
            continue
        exact_all = False
        candidates.append(product)
        if exact is True and words:
            product = set(words)  # too many combinations: start a new run here
        else:
            product = {""}
            candidates.append(set(words or ()))
    candidates.append(product)
    if exact_all:
        return frozenset(product), True
    return _best(candidates), False


def required_words(pattern: str) -> Words | None:
    """Words one of which every match of ``pattern`` contains; None when there is no such set."""
    try:
        tree = sre_parse.parse(pattern)
        if tree.state.flags & C.SRE_FLAG_IGNORECASE:  # (?i): ſ matches s, K matches k; see _item
            return None
        words = _sequence(tree)[0]
        return None if not words or "" in words else words
    except Exception:  # a construct this reader does not know: no filtering, never a wrong skip
        return None


class Prefilter:
    """Says whether a text may match any pattern of a list (False means: certainly not)."""

    def __init__(self, patterns: Iterable[str]):
        words: set[str] = set()
        self.always = False
        for pattern in patterns:
            found = required_words(pattern)
            if found is None:
                self.always = True
                break
            words |= found
        self._automaton = None
        if not self.always and words:
            self._automaton = ahocorasick.Automaton()
            for word in words:
                self._automaton.add_word(word, word)
            self._automaton.make_automaton()
        self.words = frozenset(words)

    def may_match(self, text: str) -> bool:
        """False when no pattern of the list can match ``text``."""
        if self.always:
            return True
        return self._automaton is not None and next(self._automaton.iter(text), None) is not None
