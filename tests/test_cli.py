"""callqa command line: exit codes a scheduler acts on, and what the summary says."""
import pytest

from pipelines.cli import EXIT_BUSY, EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_UNUSABLE
from pipelines.server import TemporaryServer
from scorers.numbers import mask_text
from scorers.store import Store, read_dataset




def test_exit_codes_are_the_documented_ones():
    assert (EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE, EXIT_PARTIAL, EXIT_BUSY) == (0, 1, 2, 3, 4)


def test_the_readme_lists_every_exit_code():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("Exit codes a scheduler can act on"):].split("\n\n")[1]
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
    for code, words in ((EXIT_OK, "every record scored"), (EXIT_PARTIAL, "rejected"), (EXIT_UNUSABLE, "nothing scored"),
                        (EXIT_BUSY, "output busy"), (EXIT_FAILED, "unexpected failure")):
        assert words in rows[str(code)], rows


@pytest.mark.parametrize("command", ["score", "nightly"])
def test_a_second_run_on_the_same_output_fails_fast(invoke, make_call, tmp_path, command):
    path = make_call(call_id="C-1")
    with Store(tmp_path / "out").acquire():  # another run is writing there
        result = invoke(command, "-i", path, "-o", tmp_path / "out")
    assert result.exit_code == EXIT_BUSY, result.output
    assert "output busy" in result.text and "another callqa run" in result.text
    assert "calls scored" not in result.text and read_dataset(tmp_path / "out", "calls") is None


def test_an_emptied_input_scored_again_exits_2_and_keeps_the_night(invoke, make_call, tmp_path):
    make_call(call_id="C-1")
    path = make_call(call_id="C-2")
    assert invoke("score", "-i", path, "-o", tmp_path / "out", "-q").exit_code == EXIT_OK
    path.write_text("", encoding="utf-8")
    result = invoke("score", "-i", path, "-o", tmp_path / "out", "-q")
    assert result.exit_code == EXIT_UNUSABLE, result.output
    assert "input error" in result.text and "nothing could be read" in result.text
    assert "nothing was changed" in result.text
    assert read_dataset(tmp_path / "out", "calls").num_rows == 2


def test_a_truncated_redelivery_is_stored_only_with_replace(invoke, make_call, tmp_path):
    make_call(call_id="C-1")
    path = make_call(call_id="C-2")
    assert invoke("score", "-i", path, "-o", tmp_path / "out", "-q").exit_code == EXIT_OK
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    result = invoke("score", "-i", path, "-o", tmp_path / "out", "-q")
    assert result.exit_code == EXIT_UNUSABLE, result.output
    assert "1 of the 2 calls stored from this input last time are not in it now" in result.text
    assert "--replace" in result.text
    assert read_dataset(tmp_path / "out", "calls").num_rows == 2
    result = invoke("score", "-i", path, "-o", tmp_path / "out", "-q", "--replace")
    assert result.exit_code == EXIT_OK, result.output
    assert "warning" in result.text and "they are dropped" in result.text
    assert read_dataset(tmp_path / "out", "calls").column("call_id").to_pylist() == ["C-1"]


def test_score_clean_input(invoke, make_call, tmp_path):
    make_call(call_id="C-1")
    path = make_call(call_id="C-2", utterances=[("agent", "您好"), ("customer", "好的")])
    result = invoke("score", "--input", path, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == EXIT_OK, result.output
    assert "calls scored: 2" in result.text
    assert "rejected: 0" in result.text
    assert "days: 2026-11-20" in result.text
    assert str(tmp_path / "out" / "calls") in result.text
    assert read_dataset(tmp_path / "out", "calls").num_rows == 2


def test_score_with_rejected_records(invoke, make_call, tmp_path):
    make_call(call_id="C-1")
    make_call.raw("{not json")
    path = make_call(call_id="C-1")  # duplicate
    result = invoke("score", "-i", path, "-o", tmp_path / "out")
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "calls scored: 1" in result.text
    assert "rejected: 2" in result.text
    assert f"rejected {path}, line 2: (json): not valid JSON" in result.text
    assert f"rejected {path}, line 3: call_id: duplicate call_id 'C-1'" in result.text
    assert len(list((tmp_path / "out" / "rejected").glob("*.jsonl"))) == 1


def test_score_lists_at_most_ten_rejections(invoke, make_call, tmp_path):
    path = make_call(call_id="C-1")
    for _ in range(12):
        make_call.raw("{bad")
    result = invoke("score", "-i", path, "-o", tmp_path / "out")
    assert result.exit_code == EXIT_PARTIAL
    assert result.text.count(f"rejected {path}, line ") == 10
    assert f"… 2 more in {tmp_path / 'out' / 'rejected'}" in result.text


@pytest.mark.parametrize("target", ["nothing.jsonl", "nothing/*.jsonl", "empty"])
def test_score_input_matching_nothing(invoke, tmp_path, target):
    (tmp_path / "empty").mkdir()
    result = invoke("score", "-i", tmp_path / target, "-o", tmp_path / "out")
    assert result.exit_code == EXIT_UNUSABLE, result.output
    assert "input error" in result.text and "no input files found" in result.text
    assert not (tmp_path / "out" / "calls").exists()


def test_score_with_a_broken_rubric(invoke, make_call, rubric_copy, edit, tmp_path):
    edit(rubric_copy, "severity: major", "severity: majr")
    result = invoke("score", "-i", make_call(), "-o", tmp_path / "out", "--rubric", rubric_copy)
    assert result.exit_code == EXIT_UNUSABLE
    assert f"rubric error {rubric_copy}: criteria.empathy.severity:" in result.text
    assert not (tmp_path / "out").exists()


def test_score_unexpected_failure_exits_1(invoke, make_call, tmp_path, monkeypatch):
    import scorers.batch

    def boom(*args, **kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(scorers.batch, "run_batch", boom)
    result = invoke("score", "-i", make_call(), "-o", tmp_path / "out")
    assert result.exit_code == EXIT_FAILED


def test_rubric_check_default(invoke, default_rubric_path):
    result = invoke("rubric", "check", default_rubric_path)
    assert result.exit_code == EXIT_OK, result.output
    assert result.text.startswith("ok: default@2026.12.6 — 13 criteria:")
    assert "over_promise (over_promise/v1, weight 25, veto)" in result.text
    assert "jargon (jargon/v1, weight 15)" in result.text


@pytest.mark.parametrize("old, new, expected", [
    ("severity: minor", "severity: majr",
     "criteria.jargon.severity: must be one of minor, major, critical, got 'majr' (did you mean 'major'?)"),
    ("scorer: empathy/v1", "scorer: empathy/v2", "criteria.empathy.scorer: unknown scorer 'empathy/v2' "
                                                 "(did you mean 'empathy/v1'?)"),
    ("lexicon: lexicons/jargon.yaml", "lexcon: lexicons/jargon.yaml",
     "criteria.jargon.params.lexcon: unknown parameter for jargon/v1 (did you mean 'lexicon'?)"),
    ("weight: 15\n", "weight: 150\n", "criteria.jargon.weight: must be between 0 and 100, got 150"),
])
def test_rubric_check_broken(invoke, rubric_copy, edit, old, new, expected):
    edit(rubric_copy, old, new)
    result = invoke("rubric", "check", rubric_copy)
    assert result.exit_code == EXIT_UNUSABLE, result.output
    assert f"rubric error {rubric_copy}: {expected}" in result.text


def test_rubric_check_broken_lexicon(invoke, rubric_copy, edit):
    lexicon = rubric_copy.parent / "lexicons" / "info_leak.yaml"
    edit(lexicon, "  - (交易|查询", "  - ((交易|查询")
    result = invoke("rubric", "check", rubric_copy)
    assert result.exit_code == EXIT_UNUSABLE
    assert f"{lexicon}: secrets[0]: invalid regular expression" in result.text


def test_rubric_check_missing_file(invoke, tmp_path):
    result = invoke("rubric", "check", tmp_path / "nope.yaml")
    assert result.exit_code == EXIT_UNUSABLE
    assert "file not found" in result.text


def test_rubric_check_bad_parameter_value(invoke, rubric_copy, edit):
    edit(rubric_copy, "window: 2", "window: two")
    result = invoke("rubric", "check", rubric_copy)
    assert result.exit_code == EXIT_UNUSABLE
    assert "criteria.empathy.params.window" in result.text


def test_rubric_scorers(invoke):
    result = invoke("rubric", "scorers")
    assert result.exit_code == EXIT_OK
    for name in ("jargon/v1", "empathy/v1", "paraphrase/v1", "over_promise/v1", "info_leak/v1"):
        assert name in result.text


def test_no_arguments_shows_help(invoke):
    result = invoke()
    assert "score" in result.text and "rubric" in result.text


def test_serve_refuses_to_run_without_a_prefect_server(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = CliRunner().invoke(app, ["serve", "--input", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "prefect server start" in result.output


def test_night_input_is_yesterday_in_beijing():
    from datetime import datetime, timezone

    from pipelines.paths import night_input

    # 19:00 UTC on the 20th is 03:00 on the 21st in Beijing: the night scored is the 20th
    assert night_input("/data/asr/{date}", datetime(2026, 11, 20, 19, 0, tzinfo=timezone.utc)) == "/data/asr/2026-11-20"
    assert night_input("/data/asr/fixed", datetime(2026, 11, 20, 19, 0, tzinfo=timezone.utc)) == "/data/asr/fixed"


@pytest.mark.parametrize("content", ["", "{not json\n"])
def test_score_when_nothing_could_be_read_exits_2(invoke, make_call, tmp_path, content):
    path = make_call.raw("x")
    path.write_text(content, encoding="utf-8")
    result = invoke("score", "-i", path, "-o", tmp_path / "out")
    assert result.exit_code == EXIT_UNUSABLE, result.output
    assert "input error nothing could be read" in result.text
    assert "scorecards:" not in result.text and "calls scored" not in result.text
    assert read_dataset(tmp_path / "out", "calls") is None  # only the output lock was taken
    assert not (tmp_path / "out" / "rejected").exists()


def test_summary_lists_only_folders_that_exist(invoke, make_call, tmp_path):
    result = invoke("score", "-i", make_call(call_id="C-1"), "-o", tmp_path / "out")
    assert result.exit_code == EXIT_OK, result.output
    assert f"calls {tmp_path / 'out' / 'calls'}" in result.text
    assert "rejected" not in result.text.split("scorecards:")[1]


def test_score_glob_matching_a_readme_skips_it_with_a_notice(invoke, make_call, tmp_path):
    make_call(call_id="C-1")
    (make_call.path().parent / "README.txt").write_text("说明", encoding="utf-8")
    result = invoke("score", "-i", f"{make_call.path().parent}/*", "-o", tmp_path / "out")
    assert result.exit_code == EXIT_OK, result.output
    assert "calls scored: 1" in result.text
    assert f"notice skipped 1 file that is not .jsonl, .csv or .parquet: {make_call.path().parent / 'README.txt'}" \
        in result.text


def test_rejection_messages_on_the_terminal_are_masked(invoke, make_call, tmp_path):
    make_call(call_id="C-1")
    path = make_call(call_id="C-2", utterances=[("6222021234567890128", "您好")])
    result = invoke("score", "-i", path, "-o", tmp_path / "out")
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert f"unknown speaker '{mask_text('6222021234567890128')}'" in result.text
    assert "6222021234567890128" not in result.output


def test_score_markup_in_a_bad_value_is_printed_as_it_is(invoke, make_call, tmp_path):
    make_call(call_id="C-1")
    path = make_call(call_id="C-2", utterances=[("[bold]x[/bold]", "您好")])
    result = invoke("score", "-i", path, "-o", tmp_path / "out")
    assert "unknown speaker '[bold]x[/bold]'" in result.text


# --------------------------------------------------------------------------- issue 10 items 14 and 18

@pytest.mark.parametrize("command", ["score", "nightly"])
def test_rubric_and_routing_together_is_an_error(invoke, make_call, tmp_path, command, default_rubric_path):
    path = make_call()
    routing = default_rubric_path.parent / "routing.yaml"
    result = invoke(command, "-i", path, "-o", tmp_path / "out", "--rubric", default_rubric_path, "--routing", routing)
    assert result.exit_code == EXIT_UNUSABLE and "not both" in result.text
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["score", "nightly"])
def test_out_pointing_at_a_file_is_one_line(invoke, make_call, tmp_path, command):
    path, target = make_call(), tmp_path / "a-file"
    target.write_text("x")
    result = invoke(command, "-i", path, "-o", target)
    assert result.exit_code == EXIT_UNUSABLE
    assert f"{target} is a file" in result.text and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_a_night_with_no_input_is_one_clear_error(invoke, tmp_path, monkeypatch):
    from pipelines import flows

    monkeypatch.setattr(flows, "run_nightly", lambda *a, **k: pytest.fail("the flow must not start"))
    result = invoke("nightly", "-i", tmp_path / "nothing-here", "-o", tmp_path / "out")
    assert result.exit_code == EXIT_UNUSABLE and "no input files found" in result.text
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["score", "nightly", "report agents"])
def test_help_shows_flags_without_a_type(invoke, command):
    result = invoke(*command.split(), "--help")
    assert result.exit_code == EXIT_OK and "<bool>" not in result.output and "--help" in result.output


def test_nightly_exits_5_when_a_report_could_not_be_rendered(invoke, make_call, tmp_path, monkeypatch):
    from pipelines import cli, flows
    from scorers.batch import BatchSummary

    summary = BatchSummary("r1", tmp_path / "out", "default@1", [], 2, 0, 2, 0, ["2026-11-20"],
                           report_errors=["agents report: OSError: File name too long"])
    monkeypatch.setattr(flows, "run_nightly", lambda *a, **k: summary)
    monkeypatch.setattr(TemporaryServer, "launch", classmethod(lambda cls: None))
    result = invoke("nightly", "-i", make_call(), "-o", tmp_path / "out")
    assert result.exit_code == cli.EXIT_NO_REPORTS == 5
    assert "report not rendered agents report: OSError: File name too long" in result.text


def test_nightly_boots_the_server_while_the_rubrics_load_and_a_bad_rubric_still_fails_fast(
        invoke, make_call, tmp_path, monkeypatch):
    from pipelines import flows

    started = []
    monkeypatch.setattr(TemporaryServer, "launch", classmethod(lambda cls: started.append(1)))
    monkeypatch.setattr(flows, "run_nightly", lambda *a, **k: pytest.fail("the flow must not start"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ncriteria: [\n", encoding="utf-8")
    result = invoke("nightly", "-i", make_call(), "-o", tmp_path / "out", "--rubric", bad)
    assert result.exit_code == EXIT_UNUSABLE and "rubric error" in result.text and str(bad) in result.text
    assert started == [1]  # after the output and input checks, before the rubrics
    with Store(tmp_path / "out").acquire():  # a busy output fails before any server starts
        invoke("nightly", "-i", make_call(), "-o", tmp_path / "out", "--rubric", bad)
    assert started == [1]


def test_the_command_ends_with_its_exit_code_and_its_whole_summary(make_call, tmp_path):
    """`callqa score` skips the interpreter's teardown once every exit handler has run (pipelines.cli._Teardown):
    its exit code and everything it printed, through a pipe, must survive that."""
    import subprocess
    import sys
    from pathlib import Path

    make_call(call_id="C-1")
    path = make_call(call_id="C-2", utterances=[("robot", "您好")])  # rejected: exit 3
    callqa = Path(sys.executable).parent / "callqa"
    proc = subprocess.run([str(callqa), "score", "-i", str(path), "-o", str(tmp_path / "out")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == EXIT_PARTIAL, proc.stderr
    assert "calls scored: 1" in proc.stdout and proc.stdout.rstrip().endswith("rejected")
    assert read_dataset(tmp_path / "out", "calls").num_rows == 1


def test_a_temporary_server_that_never_answers_is_one_clear_error(invoke, make_call, tmp_path, monkeypatch):
    from pipelines import flows
    from pipelines.server import ServerError

    class Dead:
        def serving(self):
            raise ServerError("Prefect's temporary server exited with status 1 while starting")

    monkeypatch.setattr(TemporaryServer, "launch", classmethod(lambda cls: Dead()))
    monkeypatch.setattr(flows, "run_nightly", lambda *a, **k: pytest.fail("the flow must not start"))
    result = invoke("nightly", "-i", make_call(), "-o", tmp_path / "out")
    assert result.exit_code == EXIT_FAILED
    assert "no Prefect server" in result.text and "exited with status 1" in result.text
    assert "Traceback" not in result.output
