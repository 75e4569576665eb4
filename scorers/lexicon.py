"""A term lexicon and a many-pattern matcher over it (Aho-Corasick).

The jargon lexicon is a list of terms, each with aliases and a plain-language
gloss. The matcher finds every occurrence of every term and alias in one pass
over the text, whatever the size of the lexicon.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import ahocorasick

from scorers.config import ConfigError, load_yaml, string_list
from scorers.normalize import normalize


@dataclass(frozen=True, slots=True)
class Term:
    term: str
    gloss: str
    category: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TermHit:
    start: int
    end: int
    surface: str  # the spelling that matched (normalised)
    term: Term


_START_LONGEST_FIRST = itemgetter(0, 1)  # start, then the longest hit first


class TermMatcher:
    def __init__(self, terms: list[Term]):
        self.terms = terms
        self._automaton = ahocorasick.Automaton()
        for term in terms:
            for spelling in (term.term, *term.aliases):
                key = normalize(spelling)
                if key:
                    self._automaton.add_word(key, (key, term))
        if terms:
            self._automaton.make_automaton()

    def spellings(self) -> list[str]:
        return [key for key, _ in self._automaton.values()] if self.terms else []

    def find(self, norm: str) -> list[TermHit]:
        """Every hit, longest first where hits overlap, in text order."""
        if not self.terms:
            return []
        # (start, -length, end, value): sorted like the hits, TermHits made only for the ones kept
        found = [(end + 1 - len(value[0]), -len(value[0]), end + 1, value) for end, value in self._automaton.iter(norm)]
        if not found:
            return []
        found.sort(key=_START_LONGEST_FIRST)  # stable, as before: ties keep automaton order
        kept, last_end = [], -1
        for start, _, end, (key, term) in found:
            if start >= last_end:
                kept.append(TermHit(start, end, key, term))
                last_end = end
        return kept


@dataclass(frozen=True)
class TermLexicon:
    terms: list[Term]
    everyday_words: list[str]  # never flagged; a spelling may not be in both lists
    explanation_cues: list[str]  # said right after a term, they introduce its explanation
    next_utterance_openers: list[str]  # the next utterance opening with these explains the term
    place_suffixes: list[str] = field(default_factory=list)  # a Latin code before these is a place (C2口)
    not_places: list[str] = field(default_factory=list)  # ... unless one of these follows it (LPR口径)


def load_terms(path: Path) -> TermLexicon:
    """Read and check a term lexicon file."""
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise ConfigError(path, "terms", "expected a list of {term, gloss, aliases, category}")
    everyday = {normalize(w) for w in string_list(data, "everyday_words", path, required=False)}
    terms, seen = [], {}
    for i, entry in enumerate(data["terms"]):
        where = f"terms[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("term"), str) or not entry["term"].strip():
            raise ConfigError(path, where, "each term needs a non-empty 'term'")
        if not isinstance(entry.get("gloss"), str) or not entry["gloss"].strip():
            raise ConfigError(path, f"{where}.gloss", f"term {entry['term']!r} needs a plain-language gloss")
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(path, f"{where}.aliases", "must be a list of strings")
        for spelling in (entry["term"], *aliases):
            key = normalize(spelling)
            if key in everyday:
                raise ConfigError(path, where, f"{spelling!r} is listed in everyday_words too")
            if key in seen:
                raise ConfigError(path, where, f"{spelling!r} already defined at {seen[key]}")
            seen[key] = where
        terms.append(Term(entry["term"], entry["gloss"], str(entry.get("category", "")), tuple(aliases)))
    return TermLexicon(terms, sorted(everyday), string_list(data, "explanation_cues", path, required=False),
                       string_list(data, "next_utterance_openers", path, required=False),
                       [normalize(w) for w in string_list(data, "place_suffixes", path, required=False)],
                       [normalize(w) for w in string_list(data, "not_places", path, required=False)])
