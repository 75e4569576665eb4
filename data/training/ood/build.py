#!/usr/bin/env python3
"""Training negatives from the training half of the shared out-of-domain dialogues.

    python data/training/ood/build.py ../shared/eval/ood/calls.jsonl > data/training/ood/ood_train.jsonl

Only calls that ``scorers.models.ood_split.ood_part`` puts in ``train`` are used;
the other half stays for measurement. Travel-booking agents make no investment
promises, so each agent line is an over-promise negative; it is an empathy
negative too unless it says sorry or speaks of feelings (then empathy is left
``unknown``: "抱歉，没有符合条件的酒店" is for a person to judge). A customer
line is a distress negative unless it has a word of complaint or worry (then it
is left out: the customer task has no other head to keep it for). One distinct
line in ``EVERY`` is kept, so out-of-domain talk does not outnumber the bank's
own labelled lines several times over.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from scorers.models.ood_split import TRAIN, ood_part  # noqa: E402

EMPATHY_CUES = re.compile(r"抱歉|对不起|不好意思|理解|久等|着急|麻烦|辛苦|担心|放心|别急|遗憾|sorry", re.I)
EVERY = 3
DISTRESS_CUES = re.compile(r"投诉|生气|气死|烦|急|怎么回事|搞什么|太差|垃圾|失望|担心|害怕|崩溃|受不了|又|还没|一直")


def main(path: str) -> None:
    seen: set[tuple[str, str]] = set()
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            call = json.loads(line)
            if ood_part(call["call_id"]) != TRAIN:
                continue
            for u in call["utterances"]:
                text = u["text"].strip()
                task = "agent" if u["speaker"] == "agent" else "customer"
                if not text or (task, text) in seen:
                    continue
                seen.add((task, text))
                if len(seen) % EVERY:
                    continue
                row = {"id": "", "task": task, "text": text, "labels": []}
                if task == "agent" and EMPATHY_CUES.search(text):
                    row["unknown"] = ["empathy"]
                if task == "customer" and DISTRESS_CUES.search(text):
                    continue
                n += 1
                row["id"] = f"ood-{n:05d}"
                row["source"] = call["call_id"]
                print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
