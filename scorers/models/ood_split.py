"""Which of the shared out-of-domain dialogues may train, and which are kept for measurement.

``../shared/eval/ood/`` (CrossWOZ and MultiWOZ-zh, written by people outside this
project) serves two purposes that must not touch: its agents' and customers'
ordinary talk teaches the model what is *not* an over-promise or a complaint,
and its false alarms are how we measure trust. The split is by a hash of the
call id, so it never changes and needs no list: about half trains
(``data/training/ood/``), the other half is measured (``bench/check_ood.py``).
"""
from __future__ import annotations

import hashlib

TRAIN, MEASURE = "train", "measure"


def ood_part(call_id: str) -> str:
    """``train`` or ``measure``, stable for a call id."""
    return TRAIN if int(hashlib.sha1(call_id.encode("utf-8")).hexdigest()[:2], 16) < 128 else MEASURE
