"""Reviewers' decisions become training examples (scorers.models.reviewed, `callqa review-corpus`)."""
import json

import pytest

from scorers.batch import run_batch
from scorers.models.examples import read_corpus
from scorers.models.reviewed import corpus_from_reviews
from scorers.reports import Decision, record_decisions
from scorers.store import read_dataset

CARD = "6222021001234567896"


@pytest.fixture
def reviewed(make_call, tmp_path, default_rubric):
    path = make_call(call_id="V-1", utterances=[
        ("customer", "我都打了三次电话了,一直没人解决,烦死了"), ("agent", "请报一下卡号后四位"),
        ("agent", "这款理财稳赚不赔"), ("agent", f"实在抱歉给您添麻烦了,卡号{CARD}我帮您查"),
        ("agent", "我保证今天之内钱一定退回来")])
    out = tmp_path / "out"
    run_batch(path, out, default_rubric)
    findings = {(f["criterion"], f["outcome"], f["utterance_index"]): f["finding_id"]
                for f in read_dataset(out, "findings").to_pylist()}
    record_decisions(out, [
        Decision(findings[("over_promise", "violation", 2)], "confirmed", "王审核"),
        Decision(findings[("over_promise", "violation", 4)], "dismissed", "王审核", "客户自己的退款,已到账"),
        Decision(findings[("empathy", "met", 3)], "confirmed", "李教练"),
        Decision(findings[("empathy", "violation", 0)], "confirmed", "李教练"),
    ])
    return out, findings


def test_decisions_label_the_reviewed_head_only(reviewed):
    out, findings = reviewed
    rows = {r["id"]: r for r in corpus_from_reviews(out)}
    by = {key: rows[f"review-{fid}"] for key, fid in findings.items() if f"review-{fid}" in rows}
    assert by[("over_promise", "violation", 2)] == {"id": f"review-{findings[('over_promise', 'violation', 2)]}",
                                                    "task": "agent", "text": "这款理财稳赚不赔",
                                                    "labels": ["over_promise"], "unknown": ["empathy"]}
    dismissed = by[("over_promise", "violation", 4)]
    assert (dismissed["labels"], dismissed["unknown"]) == ([], ["empathy"])  # a hard negative
    assert (by[("empathy", "met", 3)]["labels"], by[("empathy", "met", 3)]["unknown"]) == (["empathy"],
                                                                                           ["over_promise"])
    assert by[("empathy", "violation", 0)] | {"id": ""} == {"id": "", "task": "customer", "labels": ["distress"],
                                                           "text": "我都打了三次电话了,一直没人解决,烦死了"}
    assert len(rows) == 4  # unreviewed findings are not examples


def test_the_corpus_is_masked_and_trains(reviewed, invoke, tmp_path):
    out, _ = reviewed
    target = tmp_path / "corpus" / "reviewed.jsonl"
    result = invoke("review-corpus", "--scorecards", out, "--out", target)
    assert result.exit_code == 0 and "4 examples" in result.text
    assert CARD not in target.read_text(encoding="utf-8")
    examples = read_corpus(target.parent)
    agent = [e for e in examples if e.task == "agent"]
    assert all(len(e.heads) == 1 for e in agent)  # the unreviewed head is left out of the loss
    assert sorted(e.heads[0] for e in agent) == ["empathy", "over_promise", "over_promise"]


def test_a_dismissed_complaint_teaches_nothing(reviewed):
    out, findings = reviewed
    record_decisions(out, [Decision(findings[("empathy", "violation", 0)], "dismissed", "李教练")])
    assert all(r["task"] != "customer" for r in corpus_from_reviews(out))


def test_without_scorecards_review_corpus_exits_2(invoke, tmp_path):
    result = invoke("review-corpus", "--scorecards", tmp_path, "--out", tmp_path / "x.jsonl")
    assert result.exit_code == 2 and "has no findings/" in result.text


@pytest.mark.parametrize("unknown, ok", [(["empathy"], True), (["over_promise", "empathy"], False),
                                         (["distress"], False), (["over_promise"], False)])
def test_unknown_heads_are_checked(tmp_path, unknown, ok):
    from scorers.models.examples import ExampleError

    row = {"task": "agent", "text": "稳赚", "labels": ["over_promise"], "unknown": unknown}
    (tmp_path / "a.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    if ok:
        assert read_corpus(tmp_path)[0].heads == ("over_promise",)
    else:
        with pytest.raises(ExampleError, match="a.jsonl:1: unknown"):
            read_corpus(tmp_path)
