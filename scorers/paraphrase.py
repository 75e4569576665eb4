"""``paraphrase`` (met): the agent restates the customer's need to confirm it.

A cue alone ("您是说?") is not a paraphrase, and neither is a read-back of
identity data. The restatement must carry the substance of the need, which we
measure as the agent's content words (jieba, stop words removed) that occur in
what the customer has said so far in the call. Only the agent's utterance is
segmented, and only when it passes the cheap cue checks: jieba is the slowest
step of rule scoring.
"""
from __future__ import annotations

from pathlib import Path

from scorers.call import Call
from scorers.config import ConfigError, PatternSet, load_yaml, normalize_pattern, pattern_set, string_list
from scorers.finding import MET, Finding
from scorers.normalize import normalize
from scorers.numbers import find_runs, mask_text
from scorers.prefilter import Prefilter
from scorers.segment import words, words_where

# Characters that carry no content; a character pair containing one is not content.
FUNCTION_CHARS = set("您你我他她它们的了是吗吧呢啊呀嘛么一下这那个就也都还在有和跟给把被对不没很")


def content_bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)
            if "\u4e00" <= text[i] <= "\u9fff" and "\u4e00" <= text[i + 1] <= "\u9fff"
            and text[i] not in FUNCTION_CHARS and text[i + 1] not in FUNCTION_CHARS}


class ParaphraseScorer:
    criterion = "paraphrase"

    def __init__(self, cues: PatternSet, strong_cues: PatternSet, checks: PatternSet,
                 not_paraphrase: PatternSet, stopwords: set[str], min_overlap_with_cue: int = 2,
                 min_overlap_without_cue: int = 3, min_shared_bigrams: int = 3):
        self.cues = cues
        self.strong_cues = strong_cues
        self.checks = checks
        self.not_paraphrase = not_paraphrase
        # one Aho-Corasick pass tells whether an agent utterance may hold a check or a strong cue
        self._may_check = Prefilter(normalize_pattern(p) for p in checks.patterns + strong_cues.patterns)
        self.stopwords = stopwords
        self.min_overlap_with_cue = min_overlap_with_cue
        self.min_overlap_without_cue = min_overlap_without_cue
        self.min_shared_bigrams = min_shared_bigrams

    @classmethod
    def from_file(cls, path: Path, **params) -> "ParaphraseScorer":
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError(path, "(file)", "expected a mapping with cues, checks, not_paraphrase")
        stopwords = {normalize(w) for w in string_list(data, "stopwords", path, required=False)}
        return cls(pattern_set(data, "cues", path), pattern_set(data, "strong_cues", path, False),
                   pattern_set(data, "checks", path),
                   pattern_set(data, "not_paraphrase", path, False), stopwords, **params)

    def content_words(self, text: str) -> set[str]:
        """Words of two or more characters that say something (stop words and punctuation removed)."""
        return {w for w in words(text) if len(w) >= 2 and w not in self.stopwords and w.strip(" ,.?!;:") == w}

    def shared_words(self, norm: str, said: str, needed: int = 0, cue: bool = False) -> set[str]:
        """``{w for w in self.content_words(norm) if w in said}``, segmenting only what can hold one.

        A word of two or more characters the customer said starts with a character pair
        the customer said. Words are whole tokens, which do not overlap, so the shared words
        are at most as many as such pairs that do not overlap: when those are too few for a
        finding (``needed`` words, one fewer with a ``cue`` where shared character pairs may
        make up for one), nothing is segmented; otherwise only jieba's blocks holding such a
        pair are (the others cannot hold a shared word).
        """
        pairs, at, end = 0, 0, len(norm) - 1
        while at < end:
            if norm[at:at + 2] in said:
                pairs += 1
                at += 2
            else:
                at += 1
        if pairs < needed and not (cue and pairs >= 1 and pairs + 1 >= needed):
            return set()  # too few for a finding: the caller finds none either way

        def may_share(block: str) -> bool:
            return any(block[k:k + 2] in said for k in range(len(block) - 1))

        return {w for w in words_where(norm, may_share) if len(w) >= 2 and w not in self.stopwords
                and w.strip(" ,.?!;:") == w and w in said}

    def __call__(self, call: Call) -> list[Finding]:
        findings = []
        for i, u in enumerate(call.utterances):
            if u.is_customer or not self._may_check.may_match(u.norm):
                continue  # (the words of a check in norm.rstrip() are in norm too)
            check = self.checks.search(u.norm.rstrip())
            strong = self.strong_cues.search(u.norm)
            if not (check or strong):
                continue
            if self.not_paraphrase.search(u.norm) and not strong:
                continue
            if find_runs(u.norm, min_digits=11):
                continue  # reading a number back is an identity check, not a paraphrase
            said = "\n".join(v.norm for v in call.utterances[:i] if v.is_customer)
            if not said:
                continue
            cue = strong or self.cues.search(u.norm)
            needed = self.min_overlap_with_cue if cue else self.min_overlap_without_cue
            # the agent's content words (jieba) that the customer said too; a substring
            # test on the customer's side, so "转账" also matches their "转账记录"
            shared = self.shared_words(u.norm, said, needed, bool(cue))
            if len(shared) < needed and shared and cue:
                # "扣了" and "扣款" share no word: shared content character pairs make up for one
                if len(content_bigrams(u.norm) & content_bigrams(said)) >= self.min_shared_bigrams:
                    shared = shared | {"…"}
            if len(shared) >= needed:
                anchor = cue or check
                findings.append(Finding(self.criterion, MET, i, anchor.start(), len(u.text), mask_text(u.text),
                                        "paraphrase.restates_need",
                                        confidence=min(0.95, 0.6 + 0.08 * len(shared)),
                                        detail="、".join(sorted(shared))[:60]))
        return findings
