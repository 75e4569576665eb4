"""The workbench in a real browser: Playwright for Python driving the system Chromium.

No browser is downloaded: Playwright is pointed at the installed Chromium
(installed with apt when missing, as the report tests do; skipped only when
it is missing and cannot be installed). The app runs under uvicorn in a
thread on a free port of 127.0.0.1. ``CALLQA_SCREENSHOTS=DIR`` saves the
README's screenshots (queue, case, agent page) into DIR.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import expect, sync_playwright

from reports_helpers import chromium
from workbench_helpers import PASSWORDS, workbench

SHOTS = os.environ.get("CALLQA_SCREENSHOTS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    app, out, _ = workbench(tmp_path_factory.mktemp("browser"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", out
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    binary = chromium()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=binary, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def sign_in(browser, base: str, name: str, path: str = "/"):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + path)
    assert "/login" in page.url
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(Path(SHOTS) / name), full_page=False)


def test_review_a_case_with_the_keyboard(served, browser):
    base, out = served
    page = sign_in(browser, base, "张三", "/queue")
    assert page.url.startswith(base + "/queue")
    pending = int(page.inner_text("#count-pending"))
    # filter the queue: info leaks only
    page.select_option("select[name=criterion]", "info_leak")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "criterion=info_leak" in page.url
    rows = page.locator("#queue tbody tr[data-finding]")
    n_leaks = rows.count()
    assert n_leaks >= 2
    shot(page, "workbench-queue.png")
    # move down with j, back up with k, open with o
    page.keyboard.press("j")
    expect(page.locator("#queue tr.sel")).to_have_attribute("data-finding", rows.nth(1).get_attribute("data-finding"))
    page.keyboard.press("k")
    first = rows.nth(0).get_attribute("data-finding")
    expect(page.locator("#queue tr.sel")).to_have_attribute("data-finding", first)
    page.keyboard.press("o")
    page.wait_for_url(f"**/cases/{first}**")
    # the whole call: the flagged agent turn and the customer turn right before it
    flagged = page.locator(".turn.flagged")
    expect(flagged).to_have_count(1)
    before = page.locator(".turn.flagged").evaluate("e => e.previousElementSibling.className")
    assert "customer" in before
    assert page.locator(".turn.flagged mark.focus").count() == 1
    shot(page, "workbench-case.png")
    page.fill("textarea[name=note]", "念了全号")
    page.locator("textarea[name=note]").blur()
    page.keyboard.press("c")
    page.wait_for_load_state()
    page.wait_for_url(lambda url: f"/cases/{first}" not in url)
    # the decision is in the log at once, signed by the signed-in user
    rows_logged = [json.loads(line) for f in (out / "reviews").glob("*.jsonl") for line in f.read_text().splitlines()]
    assert [(r["finding_id"], r["decision"], r["reviewer"], r["note"]) for r in rows_logged] == \
        [(first, "confirmed", "张三", "念了全号")]
    page.goto(base + "/queue")
    assert int(page.inner_text("#count-pending")) == pending - 1
    assert page.locator(f"#queue tr[data-finding='{first}']").count() == 0
    page.close()


def test_a_coach_is_refused_other_teams_and_decisions(served, browser):
    base, out = served
    page = sign_in(browser, base, "coachA", "/agents")
    assert "A1001" in page.inner_text("#agents") and "A1003" not in page.inner_text("#agents")
    assert page.goto(base + "/agents/A1003").status == 403
    assert page.goto(base + "/queue").status == 403
    response = page.goto(base + "/agents/A1002?since=2026-11-19&until=2026-11-20")
    assert response.status == 200
    shot(page, "workbench-agent.png")
    # a decision posted from the coach's own session (token and all) is still refused
    import pandas as pd

    fid = pd.read_parquet(out / "compliance").query("agent_id == 'A1002'")["finding_id"].iloc[0]
    token = page.locator("header form input[name=csrf]").get_attribute("value")
    refused = page.request.post(f"{base}/cases/{fid}/decide", form={"csrf": token, "decision": "dismissed"},
                                max_redirects=0)
    assert refused.status == 403
    page.close()


def test_a_form_without_its_token_is_refused_and_no_session_means_sign_in(served, browser):
    base, _ = served
    page = sign_in(browser, base, "lead", "/queue")
    refused = page.request.post(f"{base}/queue/dismiss-rule", form={"rule": "x", "night": "2026-11-20", "note": "n"},
                                max_redirects=0)
    assert refused.status == 403 and "CSRF" in refused.text()
    page.close()
    fresh = browser.new_context()
    anonymous = fresh.new_page()
    anonymous.goto(base + "/agents/A1001")
    assert "/login" in anonymous.url and anonymous.locator("input[name=password]").count() == 1
    fresh.close()
