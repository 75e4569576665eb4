"""The encoder's shape is declared once and shared by pretraining and fine-tuning."""

from scorers.models.architecture import Architecture
from scorers.models.encoding import build_char_tokenizer
from scorers.models.pretraining import PretrainConfig
from scorers.models.training import TrainConfig


def test_pretraining_and_fine_tuning_build_the_same_encoder_shape():
    shape = {"hidden_size": 48, "layers": 3, "heads": 4, "intermediate_size": 96}
    tokenizer = build_char_tokenizer(["您好请问", "稳赚不赔"], min_count=1)
    pre = PretrainConfig(**shape).bert_config(tokenizer, 0.1)
    fine = TrainConfig(**shape).bert_config(tokenizer, 0.2, num_labels=4)
    for key in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                "vocab_size", "max_position_embeddings"):
        assert getattr(pre, key) == getattr(fine, key), key
    assert pre.num_hidden_layers == 3 and fine.num_labels == 4


def test_both_configs_are_architectures_with_one_default():
    assert isinstance(PretrainConfig(), Architecture) and isinstance(TrainConfig(), Architecture)
    assert PretrainConfig().hidden_size == TrainConfig().hidden_size == Architecture().hidden_size
