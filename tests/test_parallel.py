"""Scoring in worker processes: the same scorecards as one process, bad calls rejected, a dead worker's chunk once more."""
import pytest

from scorers.batch import load_batch, score_batch_calls, score_calls
from scorers.parallel import FAULT_ENV, RubricSpec, chunks, score_in_workers
from scorers.routing import Router, load_routing


def night(make_call, n=24):
    for i in range(n):
        make_call(call_id=f"P-{i:03d}", agent_id=f"A{i % 3}",
                  utterances=[("agent", "您好,请问有什么可以帮您?"), ("customer", "我想买理财"),
                              ("agent", "这款产品保本保息,稳赚不赔" if i % 5 == 0 else "好的,我帮您查一下")])
    return load_batch(make_call.path())


def summary(scored):
    return [(s.call.call_id, s.rubric_id, s.total_score, s.vetoed,
             sorted((f.criterion, f.outcome, f.utterance_index) for f in s.findings)) for s in scored]


def test_workers_score_like_one_process_in_the_input_order(make_call, default_rubric, default_rubric_path):
    batch = night(make_call)
    alone = score_calls(batch.calls, default_rubric)
    scored, rejections = score_in_workers(batch.calls, RubricSpec(rubric_path=str(default_rubric_path)), 2,
                                          chunk_size=5)
    assert rejections == [] and summary(scored) == summary(alone)
    assert all(a is b for a, b in zip((s.call for s in scored), batch.calls))  # the parent's own calls


def test_a_worker_that_dies_has_its_chunk_scored_again_once(make_call, default_rubric_path, tmp_path, monkeypatch):
    batch = night(make_call)
    flag = tmp_path / "killed"
    monkeypatch.setenv(FAULT_ENV, f"P-007:{flag}")  # the worker scoring P-007 exits, the first time only
    scored, _ = score_in_workers(batch.calls, RubricSpec(rubric_path=str(default_rubric_path)), 2, chunk_size=5)
    assert flag.exists()
    assert [s.call.call_id for s in scored] == [c.call_id for c in batch.calls]  # nothing lost, nothing twice


def test_a_chunk_that_kills_a_worker_twice_fails_the_night(make_call, default_rubric_path, tmp_path, monkeypatch):
    batch = night(make_call, 6)
    monkeypatch.setenv(FAULT_ENV, "P-002:always")  # the worker scoring P-002 exits every time
    with pytest.raises(RuntimeError, match="died twice on chunk 0"):
        score_in_workers(batch.calls, RubricSpec(rubric_path=str(default_rubric_path)), 2, chunk_size=3)


def test_batches_over_one_chunk_use_the_workers(make_call, default_rubric, monkeypatch):
    import scorers.parallel as parallel

    batch = night(make_call, 3)
    seen = []
    monkeypatch.setattr(parallel, "CHUNK_CALLS", 2)
    monkeypatch.setattr(parallel, "score_in_workers", lambda calls, spec, workers, **k: seen.append(workers) or ([], []))
    score_batch_calls(batch, default_rubric, workers=2)
    assert seen == [2]
    score_batch_calls(batch, default_rubric, workers=1)
    assert seen == [2]


def test_spec_names_the_routing_file_or_the_one_rubric(default_rubric, default_rubric_path):
    routing = load_routing(default_rubric_path.parent / "routing.yaml", models=False)
    assert RubricSpec.of(routing) == RubricSpec(routing_path=str(routing.path))
    assert RubricSpec.of(default_rubric).rubric_path == str(default_rubric.path)
    assert RubricSpec.of(Router.single(default_rubric)).rubric_path == str(default_rubric.path)


def test_chunks_cover_the_stream_in_order():
    assert [list(c) for c in chunks(iter(range(7)), 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks(iter([]), 3)) == []
