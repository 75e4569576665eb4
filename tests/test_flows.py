"""The Prefect flow nightly_scoring, run locally (Prefect's temporary server, about 10-20 s)."""
from datetime import date

import pytest

from scorers.store import read_dataset
from tests.flow_runner import run_child, run_flow


@pytest.mark.slow
def test_nightly_scoring_flow(tmp_path, prefect_home, make_call, default_rubric_path):

    make_call(call_id="F-1", agent_id="A1", started_at="2026-11-20T09:00:00+08:00")
    make_call(call_id="F-2", agent_id="A1", started_at="2026-11-20T10:00:00+08:00",
              utterances=[("agent", "您好"), ("customer", "查一下我的卡"), ("agent", "您的卡号是6222021001234567896对吧")])
    make_call.raw("{not json")
    path = make_call(call_id="F-3", agent_id="A2", started_at="2026-11-21T08:00:00")
    out = tmp_path / "out"

    summary = run_flow(path, out, default_rubric_path, prefect_home=prefect_home)

    assert (summary["calls_scored"], summary["rejected"]) == (3, 1)
    assert summary["dates"] == ["2026-11-20", "2026-11-21"]
    assert summary["vetoed"] == 1 and summary["violations"]["info_leak"] == 1
    assert summary["files"] == [str(path)]
    calls = read_dataset(out, "calls").to_pylist()
    assert sorted(c["call_id"] for c in calls) == ["F-1", "F-2", "F-3"]
    assert {c["call_id"]: c["call_date"] for c in calls}["F-3"] == date(2026, 11, 21)
    agents = {(a["agent_id"], a["call_date"]): a["n_calls"] for a in read_dataset(out, "agents").to_pylist()}
    assert agents == {("A1", date(2026, 11, 20)): 2, ("A2", date(2026, 11, 21)): 1}
    (leak,) = read_dataset(out, "compliance").to_pylist()
    assert leak["call_id"] == "F-2" and "6222021001234567896" not in leak["evidence"]
    assert len(list((out / "rejected").glob("*.jsonl"))) == 1
    assert not (out / "_staging").exists()


_TRAIN = r"""
import json, sys
from pipelines.train_flow import train_model
args = json.loads(sys.argv[1])
card = train_model(args["out"], [], [args["corpus"]], config=args["config"])
print("SUMMARY " + json.dumps(card, ensure_ascii=False))
"""


@pytest.mark.slow
def test_train_model_flow_writes_a_checkpoint_and_card(tmp_path, prefect_home):
    import json

    from tests.flow_runner import run_child
    from tests.model_helpers import TINY, tiny_examples

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tiny.jsonl").write_text("".join(json.dumps({"task": e.task, "text": e.text, "context": e.context,
                                                           "labels": sorted(e.labels)}, ensure_ascii=False) + "\n"
                                               for e in tiny_examples()), encoding="utf-8")
    config = {k: v for k, v in TINY.__dict__.items()}
    card = run_child(_TRAIN, {"out": str(tmp_path / "m"), "corpus": str(corpus), "config": config},
                     prefect_home=prefect_home)
    assert card["data"]["n_examples"] == len(tiny_examples()) and card["name"] == "m"
    assert (tmp_path / "m" / "model.safetensors").is_file() and (tmp_path / "m" / "model_card.json").is_file()


_NOTHING_READ = r"""
import json, sys
args = json.loads(sys.argv[1])
from pipelines.flows import nightly_scoring
state = nightly_scoring(args["input"], args["out"], args["rubric"], return_state=True)
try:
    state.result()
    error = None
except Exception as err:
    error = type(err).__name__ + ": " + str(err)
print("SUMMARY " + json.dumps({"failed": state.is_failed(), "error": error}, ensure_ascii=False))
"""

_BUSY_OR_EMPTY = r"""
import json, sys
args = json.loads(sys.argv[1])
from pipelines.flows import nightly_scoring
try:
    nightly_scoring(args["input"], args["out"], args["rubric"])
except Exception as err:
    print("SUMMARY " + json.dumps({"error": type(err).__name__, "message": str(err)}))
else:
    print("SUMMARY " + json.dumps({"error": None}))
"""

_SPY = r"""
import json, sys, threading
args = json.loads(sys.argv[1])
from scorers import batch
from pipelines import flows
seen = {"loaded_in": [], "loaded_before_chunks": []}
load_models, score_calls = batch.load_models, batch.score_calls
def spy_load(router):
    seen["loaded_in"].append(threading.current_thread() is threading.main_thread())
    return load_models(router)
def spy_score(calls, router, *a, **k):
    classifiers = [r.model.classifier for r in router.rubrics if getattr(r, "model", None) is not None]
    seen["loaded_before_chunks"].append(bool(classifiers) and all(c._model is not None for c in classifiers))
    return score_calls(calls, router, *a, **k)
batch.load_models, batch.score_calls = spy_load, spy_score
flows.nightly_scoring(args["input"], args["out"], args["rubric"])
print("SUMMARY " + json.dumps(seen))
"""


@pytest.mark.slow
def test_a_night_of_which_nothing_could_be_read_fails_the_flow(tmp_path, prefect_home, make_call,
                                                                default_rubric_path):
    path = make_call.raw("{not json")
    make_call.raw('{"call_id": "X-1"}')
    result = run_child(_NOTHING_READ, {"input": str(path), "out": str(tmp_path / "out"),
                                       "rubric": str(default_rubric_path)}, prefect_home=prefect_home)
    assert result["failed"] is True
    assert result["error"].startswith("NothingRead: nothing could be read: all 2 records of 1 file were rejected")
    assert read_dataset(tmp_path / "out", "calls") is None and not (tmp_path / "out" / "rejected").exists()


@pytest.mark.slow
def test_nightly_flow_takes_the_output_lock_and_refuses_an_emptied_input(tmp_path, prefect_home, make_call,
                                                                          default_rubric_path):
    from scorers.store import Store
    from tests.flow_runner import run_child

    path = make_call(call_id="F-1")
    out = tmp_path / "out"
    args = {"input": str(path), "out": str(out), "rubric": str(default_rubric_path)}
    with Store(out).acquire():  # another run is writing
        result = run_child(_BUSY_OR_EMPTY, args, prefect_home=prefect_home)
    assert result["error"] == "OutputBusy", result  # (a RuntimeError here: Prefect's server did not start in time)
    assert read_dataset(out, "calls") is None
    assert run_child(_BUSY_OR_EMPTY, args, prefect_home=prefect_home)["error"] is None
    path.write_text("", encoding="utf-8")  # the same night delivered again, empty
    result = run_child(_BUSY_OR_EMPTY, args, prefect_home=prefect_home)
    assert result["error"] == "NothingRead" and "nothing was changed" in result["message"], result
    assert read_dataset(out, "calls").column("call_id").to_pylist() == ["F-1"]


@pytest.mark.slow
def test_the_model_is_loaded_once_before_chunk_threads_start(tmp_path, prefect_home, make_call, default_rubric_path):
    # issue 10 item 20: two chunk threads hit transformers' lazy import at once and both failed
    for n in range(3):
        path = make_call(call_id=f"T-{n}", agent_id="A1")
    from tests.flow_runner import run_child

    seen = run_child(_SPY, {"input": str(path), "out": str(tmp_path / "out"), "rubric": str(default_rubric_path)},
                     prefect_home=prefect_home)
    assert seen["loaded_in"] == [True]
    assert seen["loaded_before_chunks"] == [True]  # a small night is scored in the flow's process


_RULES_ONLY = r"""
import json, sys
args = json.loads(sys.argv[1])
from scorers import batch
from pipelines import flows
seen = {"models": []}
score_calls = batch.score_calls
def spy_score(calls, router, *a, **k):
    seen["models"].append(batch.uses_models(router))
    return score_calls(calls, router, *a, **k)
batch.score_calls = spy_score
summary = flows.nightly_scoring(args["input"], args["out"], args["rubric"], rules_only=True)
seen["calls"] = summary.calls_scored
print("SUMMARY " + json.dumps(seen))
"""


@pytest.mark.slow
def test_nightly_rules_only_scores_without_the_rubrics_model(tmp_path, prefect_home, make_call, default_rubric_path):
    # issue 9: the night's throughput is measured rules only; the default rubric asks the model for over_promise
    from scorers.rubric import load_rubric

    assert load_rubric(default_rubric_path).model is not None  # else this test proves nothing
    path = make_call(call_id="R-1", agent_id="A1")
    seen = run_child(_RULES_ONLY, {"input": str(path), "out": str(tmp_path / "out"), "rubric": str(default_rubric_path)},
                     prefect_home=prefect_home)
    assert seen == {"models": [False], "calls": 1}


_HANDED = r"""
import json, sys
from pathlib import Path
args = json.loads(sys.argv[1])
from pipelines import flows
from pipelines.paths import load_router
loads = []
def counting(*a, **k):
    loads.append(a)
    return load_router(*a, **k)
flows.load_router = counting
rubric = str(Path(args["rubric"]).resolve())
summary = flows.run_nightly(args["input"], args["out"], rubric, rules_only=True,
                            loaded=load_router(rubric, None, False))
handed = len(loads)
flows.router_at.cache_clear()
summary2 = flows.run_nightly(args["input"], args["out"] + "2", rubric, rules_only=True)
print("SUMMARY " + json.dumps({"handed": handed, "alone": len(loads) - handed,
                               "calls": [summary.calls_scored, summary2.calls_scored]}))
"""


@pytest.mark.slow
def test_the_flow_uses_the_rubrics_the_cli_loaded_and_loads_them_once_otherwise(tmp_path, prefect_home, make_call,
                                                                               default_rubric_path):
    # issue 9: the CLI loads the rubrics to fail fast; the flow's plan loaded them a second time (a CPU-second)
    path = make_call(call_id="H-1", agent_id="A1")
    seen = run_child(_HANDED, {"input": str(path), "out": str(tmp_path / "out"), "rubric": str(default_rubric_path)},
                     prefect_home=prefect_home)
    assert seen == {"handed": 0, "alone": 1, "calls": [1, 1]}


def test_serve_schedules_in_beijing_time_under_its_own_name(monkeypatch):
    # issue 10 item 17: `--cron "0 2 * * *"` fired at 02:00 UTC, and the name collided with prefect.yaml's
    from pipelines import flows
    from tests.test_deployments import DEPLOYMENTS

    served = {}
    monkeypatch.setattr(flows.nightly_scoring, "serve", lambda **kw: served.update(kw), raising=False)
    flows.serve_nightly("/data/asr/{date}", "/data/out", None, "0 2 * * *")
    schedule = served["schedule"]
    assert (schedule.cron, schedule.timezone) == ("0 2 * * *", "Asia/Shanghai")
    same_flow = [d["name"] for d in DEPLOYMENTS if d["entrypoint"].endswith(":nightly_scoring")]
    assert same_flow and served["name"] not in same_flow
