#!/usr/bin/env python3
"""Training negatives from general Chinese text: half of the KdConv and Tatoeba lines in data/pretrain/.

    python data/training/text/build.py > data/training/text/text_train.jsonl

Why: on sentences unlike any bank call ("她被車子輾過了", "我在欧洲偶遇了姑母")
the over-promise head scored 0.90-0.93 and the distress head 0.97, because every
line it had seen was about banking; ordinary talk teaches it what is *not* a
promise or a complaint. Lines are split by a hash of the text
(``scorers.models.ood_split.ood_part``): the ``train`` half may be used here, the
``measure`` half is what ``bench/check_ood.py --text ... --part measure`` scores,
so the false alarms it reports are on lines the model never saw labelled.

Each kept line is an agent line (not an over-promise; not empathy unless it has
a word of apology, comfort or feeling, then empathy is left ``unknown``; a line
with a word of certainty or guarantee is left out) or, every other one, a
customer line (not distress, unless it has a word of complaint, worry or pain,
then it is left out). One distinct line in ``EVERY`` is kept, so general text
does not outnumber the bank's own labelled lines.
"""
from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from scorers.models.ood_split import TRAIN, ood_part  # noqa: E402

SOURCES = ("kdconv_dialogue.txt.gz", "tatoeba_cmn_sentences.txt.gz")
EVERY = 12
EMPATHY_CUES = re.compile(r"抱歉|對不起|对不起|不好意思|理解|久等|着急|著急|麻烦|麻煩|辛苦|担心|擔心|放心|别急|別急|"
                          r"遗憾|遺憾|难过|難過|伤心|傷心|安慰|心疼|别怕|別怕|没事|沒事|不要紧|不要緊")
PROMISE_CUES = re.compile(r"保证|保證|一定|肯定|绝对|絕對|稳|穩|保本|不会亏|不會虧|包你|放心|必然|百分之百|承诺|承諾|担保|擔保")
DISTRESS_CUES = re.compile(r"投诉|投訴|生气|生氣|气死|氣死|烦|煩|急|怎么回事|怎麼回事|太差|垃圾|失望|担心|擔心|害怕|崩溃|崩潰|"
                           r"受不了|又|还没|還沒|一直|哭|痛|疼|怒|难过|難過|伤心|傷心|讨厌|討厭|糟|惨|慘|死")


def lines(folder: Path):
    for name in SOURCES:
        with gzip.open(folder / name, "rt", encoding="utf-8") as f:
            for line in f:
                text = line.strip()
                if 4 <= len(text) <= 96:
                    yield name.split("_")[0], text


def main() -> None:
    folder = ROOT / "data" / "pretrain"
    n = kept = 0
    for source, text in lines(folder):
        if ood_part(text) != TRAIN:
            continue
        n += 1
        if n % EVERY:
            continue
        if (n // EVERY) % 2:
            if DISTRESS_CUES.search(text):
                continue
            row = {"task": "customer", "text": text, "labels": []}
        else:
            if PROMISE_CUES.search(text):
                continue
            row = {"task": "agent", "text": text, "labels": []}
            if EMPATHY_CUES.search(text):
                row["unknown"] = ["empathy"]
        kept += 1
        print(json.dumps({"id": f"text-{kept:05d}", **row, "source": source}, ensure_ascii=False))


if __name__ == "__main__":
    main()
