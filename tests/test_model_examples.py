"""Training examples from the corpus files and from labeled calls (scorers.models.examples)."""
import json

import pytest

from scorers.models.examples import (ExampleError, data_hash, examples_from_calls, gather, need_of,
                                     read_corpus)
from tests.helpers import call_of


def write(folder, name, *rows):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                                       for r in rows), encoding="utf-8")


def test_corpus_lines_become_examples(tmp_path):
    write(tmp_path, "a.jsonl", {"task": "agent", "text": "抱歉让您久等了", "labels": ["empathy"]},
          {"task": "pair", "context": "我想改还款日", "text": "您是想改还款日对吗?", "labels": ["paraphrase"]},
          {"task": "customer", "text": "嗯", "labels": []})
    agent, pair, customer = read_corpus(tmp_path)
    assert agent.labels == {"empathy"} and agent.source == "a.jsonl:1"
    assert (pair.context, pair.labels) == ("我想改还款日", {"paraphrase"})
    assert customer.labels == frozenset() and customer.heads == ("distress",)


@pytest.mark.parametrize("row, message", [
    ("{not json", "a.jsonl:2: not JSON"),
    ({"task": "robot", "text": "x", "labels": []}, "a.jsonl:2: task: must be one of agent, customer, pair"),
    ({"task": "agent", "text": " ", "labels": []}, "a.jsonl:2: text: missing or empty"),
    ({"task": "agent", "text": "x", "labels": ["distress"]}, "a.jsonl:2: labels: a agent example takes"),
    ({"task": "pair", "text": "x", "labels": []}, "a.jsonl:2: context: a pair needs"),
])
def test_a_bad_corpus_line_names_file_line_and_field(tmp_path, row, message):
    write(tmp_path, "a.jsonl", {"task": "agent", "text": "好的", "labels": []}, row)
    with pytest.raises(ExampleError, match=message.replace("(", r"\(")):
        read_corpus(tmp_path)


def test_an_empty_corpus_folder_is_an_error(tmp_path):
    with pytest.raises(ExampleError, match="no \\*.jsonl examples"):
        gather([], [tmp_path])


CALL = call_of("A: 您好", "C: 我打了三次电话都没解决,气死了", "A: 请报一下卡号", "A: 好的", "C: 到底行不行啊",
               "C: 我想把还款日改到15号", "A: 您是想把还款日改到15号对吗?", "A: 这款理财稳赚不赔",
               "C: 好吧谢谢", "A: 实在抱歉给您添麻烦了", call_id="L-1")
GOLD = [{"call_id": "L-1", "criterion": "empathy_missing", "utterance_index": 1},
        {"call_id": "L-1", "criterion": "paraphrase", "utterance_index": 6},
        {"call_id": "L-1", "criterion": "over_promise", "utterance_index": 7},
        {"call_id": "L-1", "criterion": "empathy", "utterance_index": 9}]


def test_labeled_calls_give_agent_pair_and_customer_examples():
    examples = examples_from_calls([CALL], GOLD)
    agent = {e.text: e.labels for e in examples if e.task == "agent"}
    assert agent["这款理财稳赚不赔"] == {"over_promise"} and agent["实在抱歉给您添麻烦了"] == {"empathy"}
    assert agent["您好"] == frozenset()
    pairs = {e.text: e for e in examples if e.task == "pair"}
    assert pairs["您是想把还款日改到15号对吗?"].labels == {"paraphrase"}
    assert "我想把还款日改到15号" in pairs["您是想把还款日改到15号对吗?"].context
    assert "您好" not in pairs  # nothing said yet for it to restate


def test_customer_examples_only_where_the_labels_decide_distress():
    customer = {e.text: e.labels for e in examples_from_calls([CALL], GOLD) if e.task == "customer"}
    assert customer["我打了三次电话都没解决,气死了"] == {"distress"}  # empathy_missing
    assert "到底行不行啊" not in customer  # a later turn of the same unanswered episode: not labeled
    assert "好吧谢谢" not in customer  # answered by empathy: the labels cannot say whether it was distress
    assert "我想把还款日改到15号" not in customer  # within 4 turns of an unanswered complaint: unsure
    calm = call_of("A: 您好", "C: 我想查一下余额", "A: 好的", call_id="L-2")
    assert [(e.text, e.labels) for e in examples_from_calls([calm], []) if e.task == "customer"] == \
        [("我想查一下余额", frozenset())]  # unanswered and unlabeled: calm


def test_the_need_is_the_customers_last_turns_before_the_utterance():
    assert need_of(CALL, 6) == "到底行不行啊。我想把还款日改到15号"
    assert need_of(CALL, 0) == ""


def test_the_data_hash_changes_with_any_label_or_text():
    examples = examples_from_calls([CALL], GOLD)
    assert data_hash(examples) == data_hash(list(examples))
    assert data_hash(examples) != data_hash(examples_from_calls([CALL], GOLD[:-1]))
