"""Model scorers' machinery: training examples, a character tokenizer, training, inference.

The classifier is one small transformers model with four sigmoid heads
(:data:`~scorers.models.examples.LABELS`); each input says which task it is —
an agent utterance (empathy, over_promise), a customer utterance (distress) or a
(customer need, agent utterance) pair (paraphrase) — and only that task's heads
are trained and read. Nothing here knows about rubrics: :mod:`scorers.model_scorer`
and :mod:`scorers.fusion` turn predictions into findings.
"""
