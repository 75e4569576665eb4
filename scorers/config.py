"""Loading declared data (rubrics, lexicons, phrase lists) with errors a QA lead can act on.

Every problem is reported as ``file: key: problem`` so the person who edited
the YAML knows where to look without reading a traceback.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Iterable

import yaml

from scorers.normalize import normalize
from scorers.prefilter import required_words


class ConfigError(ValueError):
    """A rubric or lexicon file is invalid. ``str(err)`` names file, key and problem."""

    def __init__(self, file: Path | str, key: str, problem: str):
        self.file, self.key, self.problem = str(file), key, problem
        super().__init__(f"{file}: {key}: {problem}")


# libyaml's parser where PyYAML was built with it (its wheels are): the same safe constructor, 5-10x
# faster than the pure-Python one; the word lists' parse was a quarter of every worker's start-up
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(path, "(file)", "file not found")
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.load(f, Loader=SAFE_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise ConfigError(path, where, f"not valid YAML: {getattr(err, 'problem', err)}") from None


def closest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' when a close valid name exists, else ''."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def refuse_unknown_keys(data: dict, allowed: Iterable[str], file: Path | str, prefix: str = "",
                        known: str | None = None) -> None:
    """``prefix + key: unknown key (did you mean …?); allowed: …`` for the first key not in ``allowed``.
    ``known`` replaces the "allowed: …" tail where a sentence says it better."""
    allowed = list(allowed)
    for key in data:
        if key not in allowed:
            raise ConfigError(file, f"{prefix}{key}", f"unknown key{closest(str(key), allowed)}; "
                                                      f"{known or 'allowed: ' + ', '.join(sorted(allowed))}")


def string_list(data: dict, key: str, file: Path, required: bool = True) -> list[str]:
    value = data.get(key)
    if value is None:
        if required:
            raise ConfigError(file, key, "missing list")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(file, key, "must be a list of non-empty strings")
    return value


_ESCAPE = re.compile(r"\\.", re.DOTALL)


def normalize_pattern(pattern: str) -> str:
    """A pattern normalised like the text it matches, its escapes left alone.

    Lower-casing ``\\D``, ``\\S``, ``\\W`` or ``\\B`` would turn each into its opposite.
    """
    parts, last = [], 0
    for m in _ESCAPE.finditer(pattern):
        parts += [normalize(pattern[last:m.start()]), m.group()]
        last = m.end()
    return "".join(parts + [normalize(pattern[last:])])


class PatternSet:
    """A named list of regular expressions, matched on normalised text.

    Patterns are written in Simplified Chinese; they are normalised like the
    text they match, so a QA lead may also write Traditional characters. Each
    pattern is compiled on its own: one big alternation defeats the regex
    engine's literal-prefix search and was three times slower.

    Most texts match none of a list's patterns, and trying each one was the
    rules' largest cost (4.8 million searches for 4,000 calls). One
    Aho-Corasick pass over the text finds which patterns *may* match (each
    needs one of its :func:`~scorers.prefilter.required_words`); only those are
    tried. A pattern with no such words is always tried, so nothing is missed.
    """

    def __init__(self, patterns: list[str], file: Path | str = "<memory>", key: str = "patterns"):
        self.patterns = patterns
        self._regexes = []
        self._always: list[int] = []  # patterns the prefilter cannot rule out
        words: dict[str, set[int]] = {}
        for i, pattern in enumerate(patterns):
            normalized = normalize_pattern(pattern)
            try:
                self._regexes.append(re.compile(normalized))
            except re.error as err:
                raise ConfigError(file, f"{key}[{i}]", f"invalid regular expression {pattern!r}: {err}") from None
            required = required_words(normalized)
            if required is None:
                self._always.append(i)
            else:
                for word in required:
                    words.setdefault(word, set()).add(i)
        self._always_set = frozenset(self._always)
        self._always_regexes = [self._regexes[i] for i in self._always]
        self._automaton = None
        if words:
            import ahocorasick

            self._automaton = ahocorasick.Automaton()
            for word, indexes in words.items():
                self._automaton.add_word(word, frozenset(indexes))
            self._automaton.make_automaton()

    def _candidates(self, text: str, pos: int, end: int):
        """The regexes that may match ``text[pos:end]``, in list order (a word found must lie in the range)."""
        if self._automaton is None:
            return self._regexes
        found = None
        for _, indexes in self._automaton.iter(text, pos, end):
            found = indexes if found is None else found | indexes
        if found is None:
            return self._always_regexes
        if self._always:
            found = found | self._always_set
        return [self._regexes[i] for i in sorted(found)]

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        """The earliest match of any pattern (the first listed wins a tie)."""
        end = len(text) if endpos is None else min(endpos, len(text))
        best = None
        for regex in self._candidates(text, pos, end):
            m = regex.search(text, pos, end)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best

    def finditer(self, text: str) -> list[re.Match]:
        """Every match of every pattern, by start position (matches of different patterns may overlap)."""
        return sorted((m for regex in self._candidates(text, 0, len(text)) for m in regex.finditer(text)),
                      key=lambda m: m.start())

    def __bool__(self) -> bool:
        return bool(self.patterns)


def pattern_set(data: dict, key: str, file: Path, required: bool = True) -> PatternSet:
    return PatternSet(string_list(data, key, file, required), file, key)


def lexicon_path(params: dict, key: str, base_dir: Path, criterion: str) -> Path:
    value = params.get(key)
    if not isinstance(value, str):
        raise ConfigError(base_dir, f"criteria.{criterion}.params.{key}", "missing path to a lexicon file")
    return (base_dir / value).resolve()
