"""The encoder's shape, declared once.

Pretraining builds the encoder and fine-tuning puts heads on it, so both must
agree on its size; they share this dataclass instead of repeating the fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from scorers.models.encoding import MAX_LENGTH


@dataclass
class Architecture:
    """A small character BERT: 0.8M parameters, fast enough for a night on CPU."""

    hidden_size: int = 128
    layers: int = 2
    heads: int = 4
    intermediate_size: int = 256

    def bert_config(self, tokenizer, dropout: float, max_length: int = MAX_LENGTH, **extra):
        """A ``transformers.BertConfig`` of this shape for ``tokenizer``'s vocabulary."""
        from transformers import BertConfig

        return BertConfig(vocab_size=len(tokenizer), hidden_size=self.hidden_size,
                          num_hidden_layers=self.layers, num_attention_heads=self.heads,
                          intermediate_size=self.intermediate_size, hidden_dropout_prob=dropout,
                          attention_probs_dropout_prob=dropout, max_position_embeddings=max_length + 2,
                          type_vocab_size=2, pad_token_id=tokenizer.pad_token_id, **extra)
