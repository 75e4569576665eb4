"""report_cli: `callqa report agents|compliance` and `callqa review`, with their exit codes."""
from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from scorers.reports import latest_decisions
from tests.reports_helpers import SINCE, UNTIL, page, scorecards

runner = CliRunner()


@pytest.fixture()
def out(tmp_path):
    return scorecards(tmp_path / "out")[1]


def test_report_agents_and_compliance(out, tmp_path):
    done = runner.invoke(app, ["report", "agents", "--scorecards", str(out), "--out", str(tmp_path / "agents"),
                               "--since", SINCE, "--until", UNTIL])
    assert done.exit_code == 0, done.output
    assert "3 agents, 12 calls, nights 2026-11-19..2026-11-20" in done.output
    assert "A1002" in page(tmp_path / "agents" / "index.html").text
    done = runner.invoke(app, ["report", "compliance", "-s", str(out), "-o", str(tmp_path / "queue")])
    assert done.exit_code == 0, done.output
    assert "5 cases — 5 pending" in done.output and (tmp_path / "queue" / "queue.csv").is_file()


@pytest.mark.parametrize("args, message", [
    (["--since", "2026-11-31"], "not a date"),
    (["--since", "2026-11-20", "--until", "2026-11-19"], "after"),
])
def test_report_refuses_bad_dates(out, tmp_path, args, message):
    done = runner.invoke(app, ["report", "agents", "-s", str(out), "-o", str(tmp_path / "r"), *args])
    assert done.exit_code == 2 and message in done.output


def test_report_without_scorecards_or_into_a_foreign_folder(out, tmp_path):
    done = runner.invoke(app, ["report", "agents", "-s", str(tmp_path / "none"), "-o", str(tmp_path / "r")])
    assert done.exit_code == 2 and "no scorecards under" in done.output
    done = runner.invoke(app, ["report", "compliance", "-s", str(out), "-o", str(out)])
    assert done.exit_code == 2 and "refusing to write" in done.output


def test_review_one_finding(out):
    finding = pd.read_parquet(out / "compliance")["finding_id"].iloc[0]
    done = runner.invoke(app, ["review", "-s", str(out), "--finding", finding, "--decision", "dismissed",
                               "--reviewer", "王芳", "--note", "客户本人要求核对"])
    assert done.exit_code == 0, done.output
    assert f"recorded: {finding} dismissed by 王芳" in done.output
    assert latest_decisions(out).loc[finding, "note"] == "客户本人要求核对"


def test_review_errors_name_every_problem_and_exit_2(out):
    done = runner.invoke(app, ["review", "-s", str(out), "--finding", "nope", "--decision", "maybe",
                               "--reviewer", "王芳"])
    assert done.exit_code == 2
    assert "unknown finding id 'nope'" in done.output and "decision must be one of" in done.output
    done = runner.invoke(app, ["review", "-s", str(out), "--finding", "nope"])
    assert done.exit_code == 2 and "--decision and --reviewer required" in done.output
    done = runner.invoke(app, ["review", "-s", str(out)])
    assert done.exit_code == 2 and "give either --finding" in done.output
    assert not (out / "reviews").exists()


def test_review_import(out, tmp_path):
    ids = pd.read_parquet(out / "compliance")["finding_id"].tolist()
    csv_path = tmp_path / "d.csv"
    csv_path.write_text(f"finding_id,decision,reviewer,note\n{ids[0]},确认,王芳,\n{ids[1]},驳回,王芳,误报\n",
                        encoding="utf-8")
    done = runner.invoke(app, ["review", "-s", str(out), "--import", str(csv_path)])
    assert done.exit_code == 0, done.output
    assert "recorded 2 decisions" in done.output
    done = runner.invoke(app, ["review", "-s", str(out), "--import", str(csv_path), "--reviewer", "x"])
    assert done.exit_code == 2 and "go with --finding" in done.output
    done = runner.invoke(app, ["review", "-s", str(out), "--import", str(tmp_path / "missing.csv")])
    assert done.exit_code == 2 and "no such file" in done.output
