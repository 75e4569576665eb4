"""When the model should say nothing: inputs unlike anything it was fine-tuned on.

A classifier answers every input, and a small one answers text unlike its
training data with the same confidence as text like it ("多少钱" → 0.99
over-promise). The cheapest defence is to recognise such inputs before asking:

- **too short** — fewer than ``min_chars`` meaningful characters once fillers
  (嗯, 啊, 哦 …), punctuation, emoji and anonymisation placeholders
  (``[数字]``, ``[姓名]``, ``***``) are removed: "好的", "这个吗", "多少钱" carry
  no promise and no feeling a model could judge better than the rules;
- **unseen characters** — more than ``max_unseen_share`` of its characters never
  occurred in the fine-tuning data: another register, another script, noise.

An abstaining model leaves the rule's answer standing (:mod:`scorers.model_scorer`
gives it no score, so no model finding). The fine-tuning characters are saved
beside the checkpoint by :mod:`scorers.models.training`; ``Abstainer.load``
reads them, and a checkpoint without the file abstains only on length.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

ABSTAIN_FILE = "abstain.json"
PLACEHOLDER = re.compile(r"\[[^\[\]]{1,6}\]|【[^【】]{1,6}】|\*{2,}|#{2,}|<[^<>]{1,10}>")
FILLERS = set("嗯啊哦噢喔呃额唉哎呀吧呢吗嘛啦哈哇么的了呐诶欸亲")
MEANINGFUL = re.compile(r"[\w]", re.UNICODE)


def content_chars(norm: str) -> str:
    """The characters that carry meaning: no placeholders, punctuation, emoji, spaces or fillers."""
    text = PLACEHOLDER.sub("", norm)
    return "".join(ch for ch in text if MEANINGFUL.match(ch) and ch not in FILLERS and ch != "_")


@dataclass
class Abstainer:
    """Says why the model should not judge a (normalised) text, or None when it may."""

    min_chars: int = 4
    max_unseen_share: float = 0.3
    seen: frozenset[str] = field(default_factory=frozenset)  # empty: the unseen test is off

    def reason(self, norm: str) -> str | None:
        chars = content_chars(norm)
        if len(chars) < self.min_chars:
            return "short"
        if self.seen:
            unseen = sum(1 for ch in chars if ch not in self.seen)
            if unseen / len(chars) > self.max_unseen_share:
                return "unseen"
        return None

    @classmethod
    def fit(cls, texts: Iterable[str], min_count: int = 2, **params) -> "Abstainer":
        """Characters seen at least ``min_count`` times in the fine-tuning texts (normalised)."""
        counts = Counter(ch for t in texts for ch in content_chars(t))
        return cls(seen=frozenset(ch for ch, n in counts.items() if n >= min_count), **params)

    def save(self, folder: Path) -> None:
        data = {"min_chars": self.min_chars, "max_unseen_share": self.max_unseen_share,
                "seen": "".join(sorted(self.seen))}
        (Path(folder) / ABSTAIN_FILE).write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "Abstainer":
        path = Path(folder) / ABSTAIN_FILE
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(min_chars=int(data["min_chars"]), max_unseen_share=float(data["max_unseen_share"]),
                   seen=frozenset(data["seen"]))
