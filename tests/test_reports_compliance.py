"""compliance: the review queue — order, evidence, CSV round trip, decisions, noisy rules, a browser's view."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from scorers.batch import run_batch
from scorers.reports import build_compliance_report, import_decisions
from scorers.reports.compliance import CSV_COLUMNS
from scorers.reports.queue import ordered_queue
from scorers.reports.reviews import Decision, record_decisions
from scorers.rubric import load_rubric
from tests.reports_helpers import (CARD, REPORTS_RUBRIC, browse, built_reports, long_digit_runs, page, png_colours,
                                   scorecards)

RUBRIC = load_rubric(REPORTS_RUBRIC, build=False)


@pytest.fixture(scope="module")
def site():
    return built_reports()[2]


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_queue_is_ordered_by_severity_then_confidence():
    queue = pd.DataFrame({"finding_id": list("abcd"), "severity": ["major", "critical", "critical", "minor"],
                          "confidence": [0.99, 0.7, 0.95, 1.0], "started_at": ["2026-11-20T09:00:00+08:00"] * 4,
                          "decision": [None] * 4})
    assert ordered_queue(queue)["finding_id"].tolist() == ["c", "b", "a", "d"]


def test_the_queue_page_lists_every_case_with_agent_time_evidence_and_rule(site):
    text = page(site / "index.html").text
    pending = text[text.index("待复核（5）"):text.index("已复核")]
    assert pending.count("严重") == 1 + 5  # the column header, then one tag per case
    assert pending.index("info_leak.full_number") < pending.index("over_promise.guarantee_phrase")
    assert "A1002" in pending and "A1003" in pending and "2026-11-20 10:15" in pending
    assert "6222***********4458" in pending and "保本保息" in pending
    assert "保护客户信息" in pending and "不得过度承诺" in pending
    assert CARD not in (site / "index.html").read_text(encoding="utf-8")
    assert long_digit_runs(text) == []
    assert "queue.csv" in page(site / "index.html").links


def test_queue_csv_has_the_same_rows_masked(site):
    rows = read_csv(site / "queue.csv")
    assert list(rows[0]) == CSV_COLUMNS and len(rows) == 5
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["criterion"] for r in rows[:2]] == ["保护客户信息"] * 2
    assert float(rows[0]["confidence"]) >= float(rows[-1]["confidence"])
    assert all(r["status"] == "pending" and r["decision"] == "" for r in rows)
    raw = (site / "queue.csv").read_text(encoding="utf-8-sig")
    assert CARD not in raw and "6222***********4458" in raw and long_digit_runs(raw) == []


def test_decisions_show_in_the_queue_and_the_noisy_rules(tmp_path):
    _, out = scorecards(tmp_path / "out")
    queue = pd.read_parquet(out / "compliance")
    promises = queue[queue["criterion"] == "over_promise"]["finding_id"].tolist()
    leak = queue[queue["criterion"] == "info_leak"]["finding_id"].iloc[0]
    record_decisions(out, [Decision(promises[0], "dismissed", "王芳", f"客户原话,卡号{CARD}"),
                           Decision(leak, "confirmed", "李雷")])
    report = build_compliance_report(out, tmp_path / "queue", RUBRIC)
    assert (report.pending, report.confirmed, report.dismissed) == (3, 1, 1)
    text = page(report.dest / "index.html").text
    reviewed = text[text.index("已复核（2）"):text.index("由 callqa 生成于")]
    assert "已驳回" in reviewed and "已确认" in reviewed and "王芳" in reviewed and "李雷" in reviewed
    assert "客户原话,卡号6222***********4458" in reviewed
    rules = text[text.index("规则驳回统计"):text.index("待复核（")]  # above the queue: a QA lead sees it first
    assert "over_promise.guarantee_phrase" in rules and "100%" in rules
    rows = {r["finding_id"]: r for r in read_csv(report.csv)}
    assert rows[promises[0]]["status"] == "dismissed" and rows[promises[0]]["reviewed_by"] == "王芳"
    assert CARD not in report.csv.read_text(encoding="utf-8-sig")


def test_a_filled_in_queue_csv_imports_back(tmp_path):
    _, out = scorecards(tmp_path / "out")
    report = build_compliance_report(out, tmp_path / "queue", RUBRIC)
    rows = read_csv(report.csv)
    rows[0].update(decision="驳回", reviewer="王芳", note="客户本人核对")
    rows[1].update(decision="confirmed", reviewer="王芳")
    filled = tmp_path / "filled.csv"
    with open(filled, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    _, recorded, skipped = import_decisions(out, filled)
    assert (recorded, skipped) == (2, 3)
    again = build_compliance_report(out, tmp_path / "queue", RUBRIC)
    assert (again.pending, again.confirmed, again.dismissed) == (3, 1, 1)


def test_an_empty_queue_is_a_report_too(tmp_path):
    _, out = scorecards(tmp_path / "out")
    report = build_compliance_report(out, tmp_path / "queue", RUBRIC, since="2030-01-01")
    assert report.total == 0 and "没有。" in page(report.dest / "index.html").text
    assert read_csv(report.csv) == []


def test_queue_renders_in_a_browser(site, tmp_path):
    shot = tmp_path / "queue.png"
    dom = browse(site / "index.html", tmp_path, shot)
    assert "合规复核队列" in dom and dom.count("<tr>") >= 6
    size, colours = png_colours(shot)
    assert size == (1280, 2000) and len(colours) > 100
    assert (0xC6, 0x28, 0x28) in colours  # the red severity tags


def test_queue_csv_cells_never_run_as_formulas(tmp_path, make_call):
    hostile = {"agent_id": "@SUM(1+1)", "team": '=HYPERLINK("http://x.example","组")'}
    make_call(call_id="-2+3", utterances=[("customer", "收益怎么样"), ("agent", "+这款您放心,保本保息,收益肯定比存款高。")],
              **hostile)
    out = tmp_path / "out"
    run_batch(make_call.path(), out, load_rubric(REPORTS_RUBRIC))
    (promise,) = pd.read_parquet(out / "compliance")["finding_id"].tolist()
    record_decisions(out, [Decision(promise, "confirmed", "=王芳", "-1+1 客户原话")])
    report = build_compliance_report(out, tmp_path / "queue", RUBRIC)
    (row,) = read_csv(report.csv)
    assert row["agent_id"] == "'@SUM(1+1)" and row["team"] == "'" + hostile["team"] and row["call_id"] == "'-2+3"
    assert row["evidence"].startswith("'+这款") and row["reviewed_by"] == "'=王芳" and row["review_note"] == "'-1+1 客户原话"
    starts = "=+-@\t\r"
    assert [(k, v) for k, v in row.items() if v and v[0] in starts] == []
    assert row["finding_id"] == promise  # ours, untouched: the filled-in CSV still imports


def test_decision_times_are_beijing_time_and_labelled(tmp_path):
    # issue 10 item 18: decision times were UTC, unlabelled, beside Beijing call times
    from scorers.reports.reviews import latest_decisions

    _, out = scorecards(tmp_path / "out")
    leak = pd.read_parquet(out / "compliance").query("criterion == 'info_leak'")["finding_id"].iloc[0]
    record_decisions(out, [Decision(leak, "confirmed", "李雷")])
    decided = pd.Timestamp(latest_decisions(out).loc[leak, "decided_at"]).tz_convert("Asia/Shanghai")
    text = page(build_compliance_report(out, tmp_path / "queue", RUBRIC).dest / "index.html").text
    assert f"李雷 · {decided:%Y-%m-%d %H:%M} 北京时间" in text
    assert "时间（北京）" in text


def test_tables_scroll_inside_their_card_and_charts_stack_on_a_phone(site):
    # issue 10 item 18: at 390 px the queue ran off-screen; at 1400 px the reviewed table spilled out
    html = (site / "index.html").read_text(encoding="utf-8")
    agents = (built_reports()[1] / "index.html").read_text(encoding="utf-8")
    for text in (html, agents):
        assert text.count("<table>") == text.count('<div class="scroll"><table>') > 0
        style = text[text.index("<style>"):text.index("</style>")]
        assert ".scroll { overflow-x: auto" in style
        phone = style[style.index("@media (max-width: 720px)"):]
        assert ".grid2 { grid-template-columns: 1fr; }" in phone


def test_the_page_lists_the_first_cases_and_the_csv_all_of_them(tmp_path):
    """A month of a large bank's cases is millions of rows: the page shows the worst few, with the counts."""
    _, out = scorecards(tmp_path / "out")
    report = build_compliance_report(out, tmp_path / "queue", RUBRIC, page_rows=2)
    text = page(report.dest / "index.html").text
    pending = text[text.index("待复核（5）"):text.index("已复核")]
    assert pending.count("严重") == 1 + 2  # the header, then the first two cases only
    assert "只列出排序最前的 2 条；全部 5 条见" in pending
    rows = read_csv(report.csv)
    assert len(rows) == 5 and [r["rank"] for r in rows] == ["1", "2", "3", "4", "5"]
    first_two = [r["finding_id"] for r in rows[:2]]
    html = (report.dest / "index.html").read_text(encoding="utf-8")
    assert all(f in html for f in first_two) and rows[4]["finding_id"] not in html
    assert not (report.dest / "_runs").exists()  # the sorted nights are working files, not the report's
