"""agents: the coaches' site built from real scorecards — content, masking, decisions, and a browser's view."""
from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scorers.reports import build_agent_report
from scorers.reports.agents import page_name
from scorers.reports.reviews import Decision, record_decisions
from scorers.rubric import load_rubric
from tests.reports_helpers import (CARD, REPORTS_RUBRIC, SINCE, UNTIL, browse, built_reports, long_digit_runs, page,
                                   png_colours, scorecards)

RUBRIC = load_rubric(REPORTS_RUBRIC, build=False)
CHECK_MASKED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "check_masked.py"
MASKED_CARD = "6222***********4458"


@pytest.fixture(scope="module")
def site() -> Path:
    return built_reports()[1]


def test_the_site_has_an_overview_and_a_page_per_agent(site):
    names = sorted(p.name for p in site.iterdir())
    assert names == [".callqa-report", "agent-A1001.html", "agent-A1002.html", "agent-A1003.html", "assets",
                     "index.html"]
    assert (site / "assets" / "cjk.ttf").is_file()


def test_overview_ranks_agents_and_links_their_pages(site):
    index = page(site / "index.html")
    text = index.text
    assert "坐席质检报告 · 团队总览" in text and "统计周期 2026-11-19 至 2026-11-20（2 晚）" in text
    ranking = text[text.index("坐席排名"):text.index("各团队")]
    assert ranking.index("A1001") < ranking.index("A1003") < ranking.index("A1002")
    assert "98.8" in ranking and "87.5" in ranking and "71.2" in ranking
    falls = text[text.index("退步最多的坐席"):text.index("坐席排名")]
    assert "A1002" in falls and "-26.2" in falls and "A1003" not in falls
    assert {"agent-A1001.html", "agent-A1002.html", "agent-A1003.html"} <= set(index.links)
    for criterion in RUBRIC.criteria:
        assert criterion.name in text
    assert index.svgs == 3  # trend, distribution, violation rates


def test_agent_page_shows_scores_evidence_coaching_and_praise(site):
    agent = page(site / "agent-A1002.html")
    text = agent.text
    assert "坐席 A1002 · 零售客服一组" in text and "71.2" in text and "3 / 3" in text
    assert MASKED_CARD in text and "这款您放心,保本保息" in text
    worst = text[text.index("最需要复盘的通话"):text.index("值得表扬")]
    assert worst.index("T-011") < worst.index("T-012") < worst.index("T-009")
    assert "info_leak.full_number" in worst
    assert "复述确认客户需求" in worst  # a required behaviour never shown is listed too
    coaching = text[text.index("辅导建议"):text.index("最需要复盘的通话")]
    info_leak = next(c for c in RUBRIC.criteria if c.id == "info_leak")
    assert info_leak.coaching in coaching
    praise = text[text.index("值得表扬"):]
    assert "跟您确认一下" in praise and "T-010" in praise
    assert agent.svgs == 2 and "index.html" in agent.links


def test_a_good_agent_gets_no_needless_coaching(site):
    text = page(site / "agent-A1001.html").text
    coaching = text[text.index("辅导建议"):text.index("最需要复盘的通话")]
    # one call of four without a restatement, against half of the team's calls: nothing to coach
    assert "本周期各评分项都不差于团队水平" in coaching and "复述确认客户需求" not in coaching


def test_no_long_number_is_shown_anywhere(site):
    calls_text = scorecards()[0].read_text(encoding="utf-8")
    assert CARD in calls_text  # the input does speak a full card number
    for html in site.glob("*.html"):
        content = html.read_text(encoding="utf-8")
        assert CARD not in content
        assert long_digit_runs(page(html).text) == [], html.name


@pytest.mark.skipif(not CHECK_MASKED.is_file(), reason=f"{CHECK_MASKED} not found (shared/ is not beside the repo)")
def test_check_masked_finds_nothing(site):
    calls = scorecards()[0]
    for folder in (site, built_reports()[2]):
        done = subprocess.run([sys.executable, str(CHECK_MASKED), str(calls), str(folder)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "0 of 1 long numbers" in done.stdout


def test_dismissed_findings_stop_costing_points(tmp_path):
    calls, out = scorecards(tmp_path / "out")
    leaks = pd.read_parquet(out / "compliance").query("agent_id == 'A1002' and criterion == 'info_leak'")
    record_decisions(out, [Decision(f, "dismissed", "王芳", "客户本人要求核对") for f in leaks["finding_id"]])
    site = build_agent_report(out, tmp_path / "site", RUBRIC, SINCE, UNTIL).dest
    text = page(site / "agent-A1002.html").text
    assert "86.2" in text  # (95 + 100 + 55 + 95) / 4: each leak's 30 points are back
    assert "复核驳回后加回 30.0 分" in text and "已驳回 王芳" in text
    coaching = text[text.index("辅导建议"):text.index("最需要复盘的通话")]
    assert "保护客户信息" not in coaching
    index = page(site / "index.html").text
    rules = index[index.index("规则驳回统计"):]
    assert "info_leak.full_number" in rules and "100%" in rules


def test_page_names_are_safe_and_unique():
    assert page_name("A1002") == "agent-A1002.html"
    odd = page_name("坐席/7")
    assert odd.startswith("agent-") and "/" not in odd and odd != page_name("坐席_7")
    assert "6222021001122334458" not in page_name(f"A{CARD}")


def test_worker_processes_write_the_same_pages(tmp_path, site):
    _, out = scorecards()
    parallel = build_agent_report(out, tmp_path / "parallel", RUBRIC, SINCE, UNTIL, workers=2).dest
    for name in ("agent-A1001.html", "agent-A1002.html", "agent-A1003.html"):
        ours, theirs = (parallel / name).read_text(encoding="utf-8"), (site / name).read_text(encoding="utf-8")
        strip = lambda html: html[:html.index("<footer>")]  # noqa: E731 - the footer has the build time
        assert strip(ours) == strip(theirs), name
    assert filecmp.cmp(parallel / "assets" / "cjk.ttf", site / "assets" / "cjk.ttf", shallow=False)


def test_agent_page_renders_in_a_browser(site, tmp_path):
    shot = tmp_path / "agent.png"
    dom = browse(site / "agent-A1002.html", tmp_path, shot)
    assert dom.count("<svg") == 2 and dom.count("<path") > 80 and "坐席 A1002" in dom  # the frames: axes, glyphs
    assert dom.count("<polyline") >= 2 and dom.count("<circle") >= 4 and dom.count("<rect") >= 2  # the data
    size, colours = png_colours(shot)
    assert size == (1280, 2000) and shot.stat().st_size > 50_000
    assert (0x15, 0x65, 0xC0) in colours  # the agent's trend line
    assert (0xEF, 0x6C, 0x00) in colours  # the agent's bars
    assert len(colours) > 200  # anti-aliased text and charts, not a blank page


def test_overview_renders_in_a_browser(site, tmp_path):
    dom = browse(site / "index.html", tmp_path)
    assert dom.count("<svg") == 3 and "坐席排名" in dom


# --------------------------------------------------------------------------- issue 10 items 13 and 14

def test_the_site_covers_every_rubric_the_night_was_scored_with(tmp_path):
    """`make demo`: the wealth rubric's agents were missing and the totals contradicted the run summary."""
    import re

    from typer.testing import CliRunner

    from pipelines.cli import app
    from pipelines.paths import load_router
    from scorers.batch import run_batch
    from scorers.store import read_dataset
    from tests.conftest import ROOT

    out = tmp_path / "out"
    summary = run_batch(ROOT / "data" / "sample", out, load_router(None, None, models=False))
    done = CliRunner().invoke(app, ["report", "agents", "-s", str(out), "-o", str(tmp_path / "site")])
    assert done.exit_code == 0, done.output
    calls = read_dataset(out, "calls").to_pandas()
    wealth = set(calls.loc[calls["rubric_id"] == "wealth_outbound", "agent_id"])
    assert wealth and f"{calls['agent_id'].nunique()} agents, {summary.calls_scored} calls" in done.output
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    kpi = dict((label, value) for value, label in
               re.findall(r'<div class="v[^"]*">([^<]*)</div><div class="l">([^<（]*)', index))
    assert (kpi["通话数"], kpi["一票否决通话"]) == (str(summary.calls_scored), str(summary.vetoed))
    for agent in wealth:
        assert (tmp_path / "site" / page_name(agent)).is_file()
    disclosures = [c.name for c in load_router(None, None, models=False).by_id("wealth_outbound").criteria
                   if c.id.startswith("disclose_")]
    assert disclosures and all(name in index for name in disclosures)  # the wealth criteria have their rates


def test_call_ids_are_shown_and_every_agent_link_opens_a_page(tmp_path, make_call):
    """Call ids were masked (S-202****0064); 7+ digit agent ids linked to missing pages; a 500-character
    agent id took both reports down."""
    from scorers.batch import run_batch
    from scorers.reports import build_reports

    long_id = "A" * 500
    for n, agent in enumerate(["A1234567", long_id, "B-7"]):
        path = make_call(call_id=f"S-2026-11-20-06{n}", agent_id=agent,
                         utterances=[("agent", "您好"), ("customer", "查一下我的卡"), ("agent", f"您的卡号是{CARD}对吧")])
    out = tmp_path / "out"
    run_batch(path, out, load_rubric(REPORTS_RUBRIC))
    agents, queue = build_reports(out, load_rubric(REPORTS_RUBRIC, build=False))
    site = agents.dest
    index = page(site / "index.html")
    pages = [link for link in index.links if link.startswith("agent-")]
    assert len(set(pages)) == 3 and all((site / link).is_file() for link in pages)
    assert all(len(link) < 100 for link in pages)
    agent_page = (site / page_name("A1234567")).read_text(encoding="utf-8")
    assert "S-2026-11-20-060" in agent_page
    assert "S-2026-11-20-061" in (queue.dest / "index.html").read_text(encoding="utf-8")
    assert "S-2026-11-20-062" in queue.csv.read_text(encoding="utf-8-sig")
    assert CARD not in queue.csv.read_text(encoding="utf-8-sig")


def test_deductions_are_shown_on_the_score_scale(site):
    """Raw rubric points (-10) did not explain a score of 73.3: each finding also shows what it cost the score."""
    import re

    rubric = load_rubric(REPORTS_RUBRIC, build=False)
    total = sum(c.weight for c in rubric.criteria)
    text = page(site / "agent-A1002.html").text
    shown = re.findall(r"总分 (-?[\d.]+) 分（评分标准扣 (-?[\d.]+) 分 ÷ 总权重 (\d+) × 100）", text)
    assert shown
    for weighted, points, weight in shown:
        assert int(weight) == total and abs(float(weighted) - float(points) * 100 / total) < 0.06
