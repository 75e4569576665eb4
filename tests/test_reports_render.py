"""render: every printed string is masked, identifiers stay readable, sites are swapped in whole."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from markupsafe import Markup

from scorers.reports.render import (MARKER, ReportError, Site, Text, environment, finding_ref, highlight, ident,
                                    rubric_label)
from scorers.rubric import load_rubric
from tests.reports_helpers import CARD, REPORTS_RUBRIC


def render(source: str, **values) -> str:
    return environment().from_string(source).render(**values)


def test_every_printed_string_is_masked_even_if_a_template_forgets():
    assert render("{{ x }}", x=f"卡号{CARD}") == "卡号6222***********4458"
    assert render("{{ x }}", x="幺三八幺二三四五六七八") == "138****5678"  # spoken digits too
    assert render("{{ x|upper }}", x=f"n{CARD}") == "N6222***********4458"


def test_html_is_escaped():
    assert render("{{ x }}", x="<script>") == "&lt;script&gt;"


def test_our_own_values_are_not_mangled():
    assert render("{{ d }} {{ t }}", d=date(2026, 11, 20), t=datetime(2026, 11, 20, 9, 15)) \
        == "2026-11-20 2026-11-20 09:15"
    assert render("{{ s|score }} {{ p|pct }} {{ c|delta }}", s=87.456, p=0.255, c=-3.25) == "87.5 26% -3.2"
    assert render("{{ s|score }}", s=float("nan")) == "—"
    assert render("{{ s|score }} {{ t|score(2) }}", s=-0.0, t=-0.05) == "0.0 -0.05"
    assert "2026.11.1" in rubric_label(load_rubric(REPORTS_RUBRIC, build=False))


def test_identifiers_keep_short_numbers_and_lose_long_ones():
    assert ident("BENCH-00000123") == "BENCH-00000123"
    assert ident("A1002") == "A1002"
    assert ident(f"C-{CARD}") == "C-6222***********4458"
    assert ident("13812345678") == "138****5678"
    assert finding_ref("0925c47b330f2fe7") == "0925c47b330f2fe7"
    assert finding_ref(f"x{CARD}") != f"x{CARD}"
    assert isinstance(ident("A1"), Text)


def test_highlight_marks_the_span_of_the_evidence():
    assert highlight("这款您放心,保本保息,收益肯定比存款高。", 6, 10) == \
        Markup("这款您放心,<mark>保本保息</mark>,收益肯定比存款高。")
    assert highlight("<b>", 0, 1) == Markup("<mark>&lt;</mark>b&gt;")


def test_highlight_never_shows_a_raw_number_even_when_the_evidence_was_not_masked():
    text = f"您的卡号是{CARD}对吧。"
    out = highlight(text, 5, 5 + len(CARD))
    assert CARD not in out and out == Markup("您的卡号是<mark>6222***********4458</mark>对吧。")
    assert highlight(text, None, None) == Markup("您的卡号是6222***********4458对吧。")


@pytest.mark.parametrize("number", ["6222 0210 0112 2334 458", "138 - 0013 - 8000", "幺三八六兩六五九幺七五",
                                    "138\u200b0013\u200b8000"])
def test_the_highlight_lands_on_the_words_that_fired_after_a_separated_number(number):
    """Scored the way production scores: the finding's span indexes the utterance, the
    highlight is drawn on its stored (masked) evidence."""
    from scorers.call import Call, Utterance
    from tests.helpers import default_scorer

    text = f"您的号码是{number}，您记一下，这款理财保本保息，收益肯定比存款高。"
    call = Call("T-1", "A1", [Utterance("customer", "收益怎么样"), Utterance("agent", text)])
    (promise,) = [f for f in default_scorer("over_promise")(call) if f.outcome == "violation"]
    out = highlight(promise.evidence, promise.span_start, promise.span_end)
    assert f"<mark>{text[promise.span_start:promise.span_end]}</mark>" in out
    assert "保本" in text[promise.span_start:promise.span_end]
    (leak,) = [f for f in default_scorer("info_leak")(call) if f.outcome == "violation"]
    marked = highlight(leak.evidence, leak.span_start, leak.span_end)
    assert marked.startswith("您的号码是<mark>") and marked.count("*") >= 4 and "</mark>，您记一下" in marked


def test_traditional_numerals_are_masked_in_every_printed_string():
    assert render("{{ x }}", x="號碼幺三八六兩六五九幺七五") == "號碼138****9175"


def test_a_site_replaces_an_older_report_and_keeps_a_marker(tmp_path):
    dest = tmp_path / "report"
    first = Site(dest)
    first.write("index.html", "<p>一</p>")
    first.publish({"n": 1}, web_font=False)
    assert (dest / MARKER).is_file() and (dest / "index.html").read_text(encoding="utf-8") == "<p>一</p>"
    second = Site(dest)
    second.write("index.html", "<p>二</p>")
    (dest / "stale.html").write_text("old", encoding="utf-8")
    second.publish({"n": 2}, web_font=False)
    assert (dest / "index.html").read_text(encoding="utf-8") == "<p>二</p>" and not (dest / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no staging or old folders left


def test_a_site_never_writes_into_a_folder_that_is_not_a_report(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ReportError, match="refusing to write"):
        Site(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_an_aborted_site_leaves_nothing_behind(tmp_path):
    site = Site(tmp_path / "report")
    site.write("index.html", "x")
    site.abort()
    assert list(tmp_path.iterdir()) == []


KILLED_WRITER = r"""
import os, sys
from scorers.reports.render import Site
site = Site(sys.argv[1])
site.write("index.html", "x" * 1000)
print(site.stage, flush=True)
os.kill(os.getpid(), 9)  # killed while writing: no cleanup runs
"""


def killed_site(dest):
    """The staging folder a process killed while writing ``dest`` left behind."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(dest)], capture_output=True, text=True, cwd=root)
    assert proc.returncode == -9, proc.stderr
    stage = Path(proc.stdout.strip())
    assert stage.is_dir() and (stage / "index.html").is_file()
    return stage


def age(path, seconds=3600):
    import os
    import time

    os.utime(path, (time.time() - seconds, time.time() - seconds))


def test_the_next_site_removes_staging_a_killed_run_left(tmp_path):
    dest = tmp_path / "reports" / "agents"
    stage = killed_site(dest)
    age(stage)
    old = dest.parent / ".agents.old-1234abcd"  # a swap killed between its two renames
    old.mkdir()
    age(old)
    site = Site(dest)
    assert not stage.exists() and not old.exists()
    site.write("index.html", "ok")
    site.publish({}, web_font=False)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["agents"]


def test_staging_of_a_live_writer_is_left_alone(tmp_path):
    dest = tmp_path / "reports" / "agents"
    running = Site(dest)  # another writer, still at work (holds its staging folder's lock)
    running.write("index.html", "x")
    age(running.stage)
    other = Site(dest)
    assert running.stage.is_dir() and (running.stage / "index.html").is_file()
    other.abort()
    running.publish({}, web_font=False)
    assert (dest / "index.html").read_text(encoding="utf-8") == "x"


def test_a_just_created_staging_folder_is_left_alone(tmp_path):
    dest = tmp_path / "reports" / "agents"
    stage = killed_site(dest)  # its mtime is now: its writer might be taking its lock
    Site(dest).abort()
    assert stage.is_dir()


def test_the_web_font_is_written_with_its_licence(tmp_path):
    site = Site(tmp_path / "report")
    site.write("index.html", "<p>坐席质检</p>")
    dest = site.publish({})
    assert (dest / "assets" / "cjk.ttf").stat().st_size > 1000
    assert "Open Font License" in (dest / "assets" / "FONT-LICENSE.txt").read_text(encoding="utf-8")


def test_a_streamed_page_is_the_rendered_page_with_the_same_characters(tmp_path):
    """The compliance page is written as Jinja renders it (a queue of 50,000 cases held about 1 GB
    of small strings rendered whole): the file and the font's characters must be the same."""
    template = environment().from_string("{% for r in rows %}<p>{{ r }}</p>\n{% endfor %}")
    rows = [f"第{n}条 客户卡号 {CARD}" for n in range(3000)]
    whole, streamed = Site(tmp_path / "whole"), Site(tmp_path / "streamed")
    whole.write("index.html", template.render(rows=rows))
    streamed.write_stream("index.html", template.generate(rows=rows), flush_chars=1000)
    text = (whole.stage / "index.html").read_text(encoding="utf-8")
    assert (streamed.stage / "index.html").read_text(encoding="utf-8") == text
    assert streamed.chars == whole.chars and "第" in streamed.chars
    assert CARD not in text  # masked on the way, streamed or not
    whole.abort()
    streamed.abort()


def test_non_ascii_is_every_character_past_tilde():
    from scorers.reports.render import non_ascii_in

    text = "".join(map(chr, range(0, 300))) + "坐席您好😀𠀋，。" + "".join(map(chr, range(0x7f0, 0x820)))
    assert non_ascii_in(text.encode("utf-8")) == {c for c in text if ord(c) > 126}
    assert "\x7f" in non_ascii_in(text.encode("utf-8")) and "~" not in non_ascii_in(text.encode("utf-8"))
    assert non_ascii_in(b"plain ascii ~") == set()
