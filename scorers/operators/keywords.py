"""``keywords``: plain words a QA lead lists, no regular expressions needed.

    keywords: {any: [您好, 你好]}                       # at least one
    keywords: {all: [[您好, 你好], [很高兴为您服务, 请问有什么可以帮您]]}
    keywords: {at_least: 2, of: [身份证, 银行卡, 手机号]}
    keywords: {none: [再见, 感谢来电]}                   # holds where none is said
    keywords: [您好, 你好]                              # short for {any: [...]}

An entry that is a list is one keyword with its synonyms: ``[您好, 你好]``
counts once whichever is said, so ``all`` means "each idea", not "each
spelling". Words are matched on normalised text (Simplified, half-width, lower
case), so Traditional calls hit the same words. ``except`` lists regular
expressions; a keyword inside one of their matches does not count
("不知道您是否方便" is polite, "不知道" alone is not).
"""
from __future__ import annotations

from typing import Any, Sequence

from scorers.config import PatternSet, closest
from scorers.normalize import normalize
from scorers.operators.base import Condition, Context, Hit, Hits, Params, Where, whole

MODES = ("any", "all", "of", "none")


def _groups(value: Any, where: Where) -> list[tuple[str, ...]]:
    if not isinstance(value, list) or not value:
        raise where.error("must be a non-empty list of words (a nested list is one word with its synonyms)")
    groups = []
    for k, entry in enumerate(value):
        spellings = entry if isinstance(entry, list) else [entry]
        if not spellings or not all(isinstance(s, str) and s.strip() for s in spellings):
            raise where.at(f"[{k}]").error(f"must be a word or a list of synonyms, got {entry!r}")
        groups.append(tuple(dict.fromkeys(normalize(s.strip()) for s in spellings)))
    return groups


class Keywords(Condition):
    name = "keywords"
    cost = 4

    def __init__(self, mode: str, groups: list[tuple[str, ...]], need: int, excluded: PatternSet | None = None):
        self.mode, self.groups, self.need, self.excluded = mode, groups, need, excluded

    @classmethod
    def build(cls, value: Any, where: Where) -> "Keywords":
        if isinstance(value, list):
            value = {"any": value}
        p = Params(value, where, "keywords")
        modes = [m for m in MODES if p.has(m)]
        if len(modes) != 1:
            unknown = [k for k in value if k not in MODES + ("at_least", "except")]
            hint = closest(str(unknown[0]), MODES) if unknown else ""
            raise where.error(f"give exactly one of any, all, of (with at_least), none{hint}; got {sorted(value)}")
        mode = modes[0]
        groups = _groups(p.raw(mode), where.at(mode))
        need = {"any": 1, "all": len(groups), "none": 1}.get(mode, 0)
        if mode == "of":
            need = p.count("at_least", minimum=1)
            if need > len(groups):
                raise where.at("at_least").error(f"asks for {need} of only {len(groups)} words")
        elif p.has("at_least"):
            raise where.at("at_least").error("goes with `of: [...]`, not with `%s`" % mode)
        excluded = p.raw("except")
        if excluded is not None:
            patterns = [excluded] if isinstance(excluded, str) else excluded
            if not isinstance(patterns, list) or not all(isinstance(x, str) and x for x in patterns):
                raise where.at("except").error("must be a regular expression or a list of them")
            excluded = PatternSet(patterns, where.file, f"{where.key}.except")
        p.done()
        return cls(mode, groups, need, excluded)

    def _found(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of the first occurrence of each keyword group said in ``text``."""
        spans, blocked = [], None
        for group in self.groups:
            best = None
            for word in group:
                start = text.find(word)
                while start != -1:
                    end = start + len(word)
                    if self.excluded:
                        if blocked is None:
                            blocked = [(m.start(), m.end()) for m in self.excluded.finditer(text)]
                        if any(s < end and start < e for s, e in blocked):
                            start = text.find(word, start + 1)
                            continue
                    if best is None or start < best[0]:
                        best = (start, end)
                    break
            if best is not None:
                spans.append(best)
        return spans

    def evaluate(self, ctx: Context, within: Sequence[int]) -> Hits:
        found: dict[int, Hit] = {}
        utterances = ctx.utterances
        for i in within:
            text = utterances[i].norm
            spans = self._found(text)
            if self.mode == "none":
                if not spans:
                    found[i] = whole("keywords.none", "未出现：" + "、".join(g[0] for g in self.groups[:6]))
            elif len(spans) >= self.need:
                first = min(spans)
                said = "、".join(f"「{utterances[i].text[s:e]}」" for s, e in sorted(spans))
                found[i] = Hit(first[0], first[1], f"keywords.{self.mode}", said)
        return Hits(found)
