"""``lexicon``: a named phrase list kept in a file under ``rubrics/lexicons/``.

    lexicon: {file: lexicons/service.yaml, list: taboo, except: not_taboo}

Long lists (服务禁语, 推诿话术) belong in a lexicon file a QA lead edits
without touching the rubric: one YAML mapping of named lists of regular
expressions, Simplified Chinese, matched on normalised text like ``regex``.
``except`` names another list of the same file; a match overlapped by one of
its matches does not count ("我不知道您是否方便" is not 不知道).
The path is relative to the rubric file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from scorers.config import ConfigError, PatternSet, closest, load_yaml, pattern_set
from scorers.operators.base import Params, Where
from scorers.operators.regex import Regex

_FILES: dict[tuple[Path, int], dict] = {}


def lexicon_lists(path: Path) -> dict:
    """The named lists of a lexicon file, read once per file version."""
    if not path.is_file():
        raise ConfigError(path, "(file)", "file not found")
    key = (path, path.stat().st_mtime_ns)
    if key not in _FILES:
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError(path, "(file)", "a lexicon is a mapping of named lists of phrases")
        _FILES[key] = data
    return _FILES[key]


def named_list(path: Path, name: Any, where: Where) -> PatternSet:
    lists = lexicon_lists(path)
    names = [k for k, v in lists.items() if isinstance(v, list)]
    if name not in names:
        raise where.error(f"no list {name!r} in {path}{closest(str(name), names)}; lists: {', '.join(names)}")
    return pattern_set(lists, name, path)


class Lexicon(Regex):
    """A named list of a lexicon file, matched like ``regex`` (same exclusion and prefilter)."""

    name = "lexicon"
    cost = 5

    def __init__(self, phrases: PatternSet, excluded: PatternSet, list_name: str):
        super().__init__(phrases, excluded, rule=f"lexicon:{list_name}")
        self.list_name = list_name

    @classmethod
    def build(cls, value: Any, where: Where) -> "Lexicon":
        p = Params(value, where, "lexicon")
        file, list_name, except_name = p.raw("file"), p.raw("list"), p.raw("except")
        p.done()  # before the lists: `lst: taboo` is a typo to name, not a missing list
        if not isinstance(file, str) or not file.strip():
            raise where.at("file").error("missing: the lexicon file, relative to the rubric "
                                         "(e.g. lexicons/service.yaml)")
        path = (where.base_dir / file).resolve()
        if not path.is_file():  # name the criterion and key that point at it, and the file it may have meant
            near = [q.relative_to(where.base_dir).as_posix() for q in sorted(where.base_dir.glob("**/*.yaml"))]
            raise where.at("file").error(f"lexicon file not found: {path}{closest(file, near)}")
        phrases = named_list(path, list_name, where.at("list"))
        excluded = named_list(path, except_name, where.at("except")) if except_name is not None else PatternSet([])
        return cls(phrases, excluded, str(list_name))

    @property
    def label(self) -> str:
        return self.rule
