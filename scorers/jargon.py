"""``jargon`` (violation): the agent uses a term of the trade without explaining it.

A candidate comes from the lexicon (Aho-Corasick). It is kept only when
- it is a whole word: for Latin terms no letter or digit touches it; for
  Chinese terms jieba (with the lexicon as user words) starts a token there,
  so 展期 does not fire inside 发展期间;
- the customer did not say it first;
- it was not explained earlier in the call, right after it in the same
  utterance, or at the start of the agent's next utterance.
One finding per utterance; ``detail`` names the terms and their glosses so a
coach can suggest the plain words.
"""
from __future__ import annotations

import re
from pathlib import Path

from scorers.call import Call
from scorers.finding import VIOLATION, Finding
from scorers.lexicon import TermHit, TermMatcher, load_terms
from scorers.normalize import normalize
from scorers.numbers import mask_text
from scorers.segment import add_user_words, tokens

_LATIN = re.compile(r"[a-z0-9]")


def _literal_alternation(phrases: list[str]) -> re.Pattern:
    body = "|".join(re.escape(normalize(p)) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(body or r"(?!x)x")


class JargonScorer:
    criterion = "jargon"

    def __init__(self, matcher: TermMatcher, explanation_cues: list[str], next_utterance_openers: list[str],
                 explain_window: int = 12, next_utterance_window: int = 6, place_suffixes: tuple[str, ...] = (),
                 not_places: tuple[str, ...] = ()):
        self.matcher = matcher
        # a Latin code right before one of these names a place: 地铁站C2口, B1出口 (C2 the risk level is a
        # term), unless one of not_places follows it (LPR口径 is still the rate)
        self.place_suffixes = tuple(place_suffixes)
        self.not_places = tuple(not_places)
        self.explanation_cues = explanation_cues
        self.next_utterance_openers = next_utterance_openers
        self.explain_window = explain_window
        self.next_utterance_window = next_utterance_window
        self._names: dict[str, str] = {}
        self._cue = _literal_alternation(explanation_cues)
        self._opener = re.compile(r"(嗯|哦|噢|对|好|是)?[,.!?;:]?(?:" + _literal_alternation(
            next_utterance_openers + explanation_cues).pattern + ")")

    def _normalized(self, name: str) -> str:
        """``normalize(name)``, worked out once per term name."""
        try:
            return self._names[name]
        except KeyError:
            value = self._names[name] = normalize(name)
            return value

    @classmethod
    def from_file(cls, path: Path, **params) -> "JargonScorer":
        lexicon = load_terms(path)
        matcher = TermMatcher(lexicon.terms)
        add_user_words(s for s in matcher.spellings() if not s.isascii())
        return cls(matcher, lexicon.explanation_cues + ["("], lexicon.next_utterance_openers,
                   place_suffixes=tuple(lexicon.place_suffixes), not_places=tuple(lexicon.not_places), **params)

    def is_whole_word(self, norm: str, hit: TermHit, spans: list[tuple[str, int, int]] | None = None) -> bool:
        """The hit starts a word and ends one, or starts a compound that begins with it (授信额度).

        So 往账 does not fire in 往|账户, nor 展期 in 发展|期间. ``spans``: ``tokens(norm)``, when
        already at hand (one utterance's hits share them).
        """
        if hit.surface.isascii():
            before = norm[hit.start - 1] if hit.start else ""
            after = norm[hit.end] if hit.end < len(norm) else ""
            return not (_LATIN.match(before) or _LATIN.match(after))
        if spans is None:
            spans = tokens(norm)
        if not any(start == hit.start for _w, start, _e in spans):
            return False
        if any(end == hit.end for _w, _s, end in spans):
            return True  # ends at a word boundary too
        return any(start == hit.start and end > hit.end for _w, start, end in spans)

    def names_a_place(self, norm: str, hit: TermHit) -> bool:
        """A Latin code followed by a place word (口, 出口, 号楼 ...): an exit or a building, not jargon."""
        return (hit.surface.isascii() and norm.startswith(self.place_suffixes, hit.end)  # startswith(()) is False
                and not norm.startswith(self.not_places, hit.end))

    def explained_here(self, norm: str, hit: TermHit) -> bool:
        """An explanation cue follows the term, here or where the utterance says it again."""
        at = hit.start
        while at >= 0:
            end = at + len(hit.surface)
            if self._cue.search(norm, end, end + self.explain_window):
                return True
            at = norm.find(hit.surface, end)
        return False

    def explained_next(self, norm: str, hit: TermHit, candidates: list[TermHit]) -> bool:
        """The next agent utterance defines this term ("在途就是…"), or opens with an
        explanation ("就是说…") without naming one of the other terms it might be about."""
        at = norm.find(hit.surface)
        if at >= 0 and re.match(r".{0,3}(是|就是|指|叫|意思|也就是)", norm[at + len(hit.surface):]):
            return True
        if any(c.surface in norm for c in candidates):
            return False
        return self._opener.match(norm) is not None or self._cue.search(norm, 0, self.next_utterance_window) is not None

    def __call__(self, call: Call) -> list[Finding]:
        findings = []
        customer_said: list[str] = []
        explained: set[str] = set()
        for i, u in enumerate(call.utterances):
            if u.is_customer:
                customer_said.append(u.norm)
                continue
            hits = self.matcher.find(u.norm)
            if not hits:
                continue
            candidates = []
            spans = None  # jieba's tokens of this utterance, once, when a Chinese term needs them
            for hit in hits:
                name = hit.term.term
                if name in explained or any(s in said for said in customer_said
                                            for s in (hit.surface, self._normalized(name))):
                    continue
                if any(c.term is hit.term for c in candidates):
                    continue
                if spans is None and not hit.surface.isascii():
                    spans = tokens(u.norm)
                if not self.is_whole_word(u.norm, hit, spans) or self.names_a_place(u.norm, hit):
                    continue
                if self.explained_here(u.norm, hit):
                    explained.add(name)
                    continue
                candidates.append(hit)
            if not candidates:
                continue
            nxt = call.next_agent_indexes(i, 1)
            unexplained = []
            for hit in candidates:
                if nxt and self.explained_next(call.utterances[nxt[0]].norm, hit, candidates):
                    explained.add(hit.term.term)
                else:
                    unexplained.append(hit)
            if unexplained:
                first = unexplained[0]
                detail = "; ".join(f"{h.term.term}: {h.term.gloss}" for h in unexplained)
                findings.append(Finding(self.criterion, VIOLATION, i, first.start, first.end, mask_text(u.text),
                                        "jargon.unexplained_term", confidence=0.85, detail=detail))
        return findings
