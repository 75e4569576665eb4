"""The workbench app through HTTP (FastAPI's TestClient): sign-in, CSRF, roles, decisions, appeals, coaching."""
from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest

from reports_helpers import CARD, long_digit_runs
from scorers.workbench.queries import ref
from scorers.workbench.users import add_user
from workbench_helpers import PASSWORDS, count, csrf_of, finding_ids, sign_in, workbench


@pytest.fixture
def wb(tmp_path):
    return workbench(tmp_path)


def log_rows(out, kind="reviews"):
    return [json.loads(line) for f in sorted((out / kind).glob("*.jsonl")) for line in f.read_text().splitlines()]


def compliance(out):
    return pd.read_parquet(out / "compliance")


def leak_of(out, agent="A1002"):
    return compliance(out).query(f"agent_id == '{agent}' and criterion == 'info_leak'").iloc[0]


# --- sessions ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [("get", "/"), ("get", "/queue"), ("get", "/queue.csv"), ("get", "/agents"),
                                         ("get", "/agents/A1001"), ("get", "/calls/T-001"), ("get", "/appeals"),
                                         ("get", "/cases/0000000000000000"),
                                         ("post", "/cases/0000000000000000/decide")])
def test_a_request_without_a_session_is_sent_to_sign_in(wb, method, url):
    app, out, _ = wb
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False)
    response = getattr(client, method)(url)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert not (out / "reviews").exists()


def test_a_forged_or_expired_cookie_is_no_session(wb):
    app, _, _ = wb
    client = sign_in(app, "张三")
    cookie = client.cookies.get("callqa_session")
    payload, signature = cookie.rsplit(".", 1)
    client.cookies.clear()
    client.cookies.set("callqa_session", payload + "." + "0" * len(signature))
    assert client.get("/queue").status_code == 303
    client.cookies.clear()
    client.cookies.set("callqa_session", cookie)
    assert client.get("/queue").status_code == 200  # the cookie as signed still works


def test_wrong_password_is_refused_and_five_tries_lock_the_name(wb):
    app, _, _ = wb
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False)
    for _ in range(5):
        page = client.post("/login", data={"csrf": csrf_of(client.get("/login").text), "username": "张三",
                                           "password": "wrong-password"})
        assert page.status_code == 401 and "用户名或密码错误" in page.text
    right = client.post("/login", data={"csrf": csrf_of(client.get("/login").text), "username": "张三",
                                        "password": PASSWORDS["张三"]})
    assert right.status_code == 429 and "callqa_session" not in right.cookies


def test_sign_in_goes_back_only_to_a_page_of_this_site(wb):
    app, _, _ = wb
    from fastapi.testclient import TestClient

    for target, expected in (("/agents?since=2026-11-19", "/agents?since=2026-11-19"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/")):
        client = TestClient(app, follow_redirects=False)
        done = client.post("/login", data={"csrf": csrf_of(client.get("/login").text), "username": "lead",
                                           "password": PASSWORDS["lead"], "next": target})
        assert done.headers["location"] == expected


def test_a_changed_password_ends_the_old_sessions(wb):
    app, _, users = wb
    client = sign_in(app, "coachA")
    assert client.get("/agents").status_code == 200
    add_user(users, "coachA", "coach", ["零售客服一组"], password="a-new-password-9", replace=True)
    assert client.get("/agents").status_code == 303


def test_session_cookie_flags_and_security_headers(wb):
    app, _, _ = wb
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False)
    done = client.post("/login", data={"csrf": csrf_of(client.get("/login").text), "username": "lead",
                                       "password": PASSWORDS["lead"]})
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    page = client.get("/queue")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and "http://" not in page.text.replace("http://www.w3.org", "")


# --- CSRF ------------------------------------------------------------------------------------------

def test_a_form_without_the_csrf_token_is_refused(wb):
    app, out, _ = wb
    client = sign_in(app, "张三")
    fid = leak_of(out)["finding_id"]
    for data in ({"decision": "confirmed"}, {"decision": "confirmed", "csrf": "not-the-token"}):
        refused = client.post(f"/cases/{fid}/decide", data=data)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert not (out / "reviews").exists()
    assert client.post("/queue/dismiss-rule", data={"rule": "x", "night": "2026-11-20", "note": "n"}).status_code == 403
    call = leak_of(out)["call_id"]
    lead = sign_in(app, "lead")
    assert lead.post(f"/calls/{call}/coached", data={"note": "x"}).status_code == 403
    assert lead.post(f"/findings/{fid}/appeal", data={"reason": "x"}).status_code == 403
    assert not (out / "coaching").exists() and not (out / "appeals").exists()


def test_the_sign_in_form_needs_its_token_too(wb):
    app, _, _ = wb
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False)
    refused = client.post("/login", data={"username": "lead", "password": PASSWORDS["lead"]})
    assert refused.status_code == 403 and "callqa_session" not in refused.cookies


# --- deciding ------------------------------------------------------------------------------------

def test_a_decision_is_signed_by_the_signed_in_user_and_the_queue_shrinks(wb):
    app, out, _ = wb
    client = sign_in(app, "张三")
    before = client.get("/queue").text
    pending = count(before, "pending")
    fid = finding_ids(before)[0]
    done = client.post(f"/cases/{fid}/decide", data={"csrf": client.csrf, "decision": "confirmed",
                                                     "note": "卡号 6222021001122334458 念了全号", "reviewer": "李四"})
    assert done.status_code == 303
    rows = log_rows(out)
    assert [(r["finding_id"], r["decision"], r["reviewer"], r["source"]) for r in rows] == \
        [(fid, "confirmed", "张三", "workbench")]
    assert CARD not in rows[0]["note"]
    after = client.get("/queue").text
    assert count(after, "pending") == pending - 1 and fid not in finding_ids(after)
    assert count(after, "confirmed") == 1
    assert done.headers["location"].startswith("/cases/")  # on to the next open case


def test_a_disagreeing_later_decision_shows_both(wb):
    app, out, _ = wb
    fid = leak_of(out)["finding_id"]
    officer, lead = sign_in(app, "张三"), sign_in(app, "lead")
    officer.post(f"/cases/{fid}/decide", data={"csrf": officer.csrf, "decision": "confirmed"})
    lead.post(f"/cases/{fid}/decide", data={"csrf": lead.csrf, "decision": "dismissed", "note": "客户本人要求核对"})
    page = officer.get(f"/cases/{fid}").text
    assert "意见分歧" in page
    history = page[page.index("<h2>复核</h2>"):page.index('id="decide"')]
    assert history.index("已确认") < history.index("张三") < history.index("已驳回") < history.index("lead") \
        < history.index("客户本人要求核对")
    queue = officer.get("/queue?status=dismissed").text
    assert finding_ids(queue) == [fid] and "意见分歧" in queue


def test_dismissing_every_pending_case_of_a_rule_on_a_night(wb):
    app, out, _ = wb
    client = sign_in(app, "张三")
    cases = compliance(out)
    cases["night"] = cases["call_date"].astype(str)
    rule, night = "info_leak.full_number", "2026-11-20"
    wanted = set(cases.query("rule_id == @rule and night == @night")["finding_id"])
    assert len(wanted) >= 1 and len(cases) > len(wanted), "precondition: other cases stay"
    refused = client.post("/queue/dismiss-rule", data={"csrf": client.csrf, "rule": ref(rule), "night": night,
                                                        "note": ""})
    assert refused.status_code == 400 and not (out / "reviews").exists()
    done = client.post("/queue/dismiss-rule", data={"csrf": client.csrf, "rule": ref(rule), "night": night,
                                                     "note": "规则误报：客户自己念的卡号"})
    assert done.status_code == 303 and f"dismissed={len(wanted)}" in done.headers["location"]
    rows = log_rows(out)
    assert {r["finding_id"] for r in rows} == wanted
    assert {(r["decision"], r["reviewer"], r["note"]) for r in rows} == {("dismissed", "张三", "规则误报：客户自己念的卡号")}
    again = client.post("/queue/dismiss-rule", data={"csrf": client.csrf, "rule": ref(rule), "night": night,
                                                      "note": "again"})
    assert "dismissed=0" in again.headers["location"] and len(log_rows(out)) == len(wanted)  # nothing pending left


def test_queue_filters_and_counts(wb):
    app, out, _ = wb
    client = sign_in(app, "lead")
    cases = compliance(out)
    page = client.get("/queue").text
    assert count(page, "all") == len(cases) == len(finding_ids(page))
    by_team = client.get(f"/queue?team={ref('零售客服二组')}").text
    assert set(finding_ids(by_team)) == set(cases.query("team == '零售客服二组'")["finding_id"])
    by_criterion = client.get("/queue?criterion=over_promise&night=2026-11-18").text
    expected = cases[(cases["criterion"] == "over_promise") & (cases["call_date"].astype(str) == "2026-11-18")]
    assert set(finding_ids(by_criterion)) == set(expected["finding_id"]) and len(expected)
    assert finding_ids(client.get("/queue?basis=model").text) == []
    assert finding_ids(client.get("/queue?agent=nobody").text) == []


def test_csv_export_is_formula_safe(wb):
    app, out, _ = wb
    client = sign_in(app, "张三")
    fid = leak_of(out)["finding_id"]
    client.post(f"/cases/{fid}/decide", data={"csrf": client.csrf, "decision": "confirmed",
                                              "note": '=HYPERLINK("http://x","y")'})
    exported = client.get("/queue.csv?status=all")
    assert exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(compliance(out))
    mine = next(r for r in rows if r["finding_id"] == fid)
    assert mine["review_note"] == "'=HYPERLINK(\"http://x\",\"y\")" and mine["reviewed_by"] == "张三"
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    assert CARD not in text


# --- roles ---------------------------------------------------------------------------------------

def test_a_coach_sees_only_the_assigned_teams(wb):
    app, out, _ = wb
    coach = sign_in(app, "coachA")
    listed = coach.get("/agents").text
    assert "A1001" in listed and "A1002" in listed and "A1003" not in listed
    assert coach.get("/agents/A1001").status_code == 200
    assert coach.get("/agents/A1003").status_code == 403
    team_b_call = pd.read_parquet(out / "calls").query("agent_id == 'A1003'")["call_id"].iloc[0]
    assert coach.get(f"/calls/{team_b_call}").status_code == 403
    assert coach.get("/queue").status_code == 403 and coach.get("/queue.csv").status_code == 403


def test_a_coach_decides_no_compliance_case(wb):
    app, out, _ = wb
    coach = sign_in(app, "coachA")
    fid = leak_of(out)["finding_id"]
    assert coach.get(f"/cases/{fid}").status_code == 403
    assert coach.post(f"/cases/{fid}/decide", data={"csrf": coach.csrf, "decision": "dismissed"}).status_code == 403
    rule_dismissal = coach.post("/queue/dismiss-rule", data={"csrf": coach.csrf, "rule": "x", "night": "2026-11-20",
                                                              "note": "n"})
    assert rule_dismissal.status_code == 403
    assert not (out / "reviews").exists()


# --- appeals and coaching ------------------------------------------------------------------------

def test_an_appeal_lands_in_the_compliance_queue_until_decided(wb):
    app, out, _ = wb
    officer, coach = sign_in(app, "张三"), sign_in(app, "coachA")
    fid, call = leak_of(out)[["finding_id", "call_id"]]
    officer.post(f"/cases/{fid}/decide", data={"csrf": officer.csrf, "decision": "confirmed"})
    assert fid not in finding_ids(officer.get("/queue").text)
    filed = coach.post(f"/findings/{fid}/appeal", data={"csrf": coach.csrf, "reason": "客户要求核对卡号"})
    assert filed.status_code == 303
    assert [(r["finding_id"], r["filed_by"], r["reason"]) for r in log_rows(out, "appeals")] == \
        [(fid, "coachA", "客户要求核对卡号")]
    queue = officer.get("/queue").text
    assert fid in finding_ids(queue) and count(queue, "appealed") == 1
    assert "客户要求核对卡号" in officer.get("/appeals").text
    officer.post(f"/cases/{fid}/decide", data={"csrf": officer.csrf, "decision": "confirmed", "note": "维持"})
    assert count(officer.get("/queue").text, "appealed") == 0
    assert "客户要求核对卡号" not in officer.get("/appeals").text
    assert "客户要求核对卡号" in officer.get(f"/cases/{fid}").text  # history keeps it


def test_an_appeal_of_another_finding_is_the_qa_leads(wb):
    app, out, _ = wb
    findings = pd.read_parquet(out / "findings")
    jargon = findings.query("criterion == 'jargon' and outcome == 'violation' and team == '零售客服二组'")
    fid = jargon["finding_id"].iloc[0]
    coach_a, coach_b = sign_in(app, "coachA"), sign_in(app, "coachB")
    assert coach_a.post(f"/findings/{fid}/appeal", data={"csrf": coach_a.csrf, "reason": "x"}).status_code == 403
    assert coach_b.post(f"/findings/{fid}/appeal", data={"csrf": coach_b.csrf, "reason": "已解释"}).status_code == 303
    officer, lead = sign_in(app, "张三"), sign_in(app, "lead")
    assert "已解释" not in officer.get("/appeals").text and "已解释" in lead.get("/appeals").text
    assert officer.post(f"/cases/{fid}/decide", data={"csrf": officer.csrf, "decision": "dismissed"}).status_code == 403
    assert lead.post(f"/cases/{fid}/decide", data={"csrf": lead.csrf, "decision": "dismissed"}).status_code == 303
    assert [(r["reviewer"], r["decision"]) for r in log_rows(out)] == [("lead", "dismissed")]
    assert "已解释" not in lead.get("/appeals").text


def test_a_coach_marks_a_call_coached(wb):
    app, out, _ = wb
    coach = sign_in(app, "coachA")
    call = pd.read_parquet(out / "calls").query("agent_id == 'A1002'").sort_values("total_score")["call_id"].iloc[0]
    done = coach.post(f"/calls/{call}/coached", data={"csrf": coach.csrf, "note": "讲了卡号只读后四位"})
    assert done.status_code == 303
    assert [(r["call_id"], r["coach"], r["agent_id"]) for r in log_rows(out, "coaching")] == [(call, "coachA", "A1002")]
    assert "已辅导" in coach.get(f"/calls/{call}").text and "讲了卡号只读后四位" in coach.get(f"/calls/{call}").text
    page = coach.get("/agents/A1002?since=2026-11-19&until=2026-11-20").text
    assert "已辅导" in page


# --- pages ---------------------------------------------------------------------------------------

def test_the_case_page_shows_the_whole_call(wb):
    app, out, _ = wb
    client = sign_in(app, "张三")
    leak = leak_of(out)
    page = client.get(f"/cases/{leak['finding_id']}").text
    turns = re.findall(r'<div class="turn (agent|customer)( flagged)?" id="u(\d+)">', page)
    assert len(turns) == 6
    flagged = [int(i) for _, f, i in turns if f]
    assert flagged == [int(leak["utterance_index"])]
    assert turns[flagged[0] - 1][0] == "customer" and "我想查一下我信用卡这个月的账单" in page
    assert '<mark class="focus">' in page and "00:08" in page  # its time, from start_ms
    assert "您好,很高兴为您服务" in page and "保护客户信息" in page and "info_leak.full_number" in page


def test_an_agent_page_with_every_call_openable(wb):
    app, out, _ = wb
    client = sign_in(app, "lead")
    page = client.get("/agents/A1002?since=2026-11-19&until=2026-11-20").text
    calls = pd.read_parquet(out / "calls")
    mine = calls[(calls["agent_id"] == "A1002") & (calls["call_date"].astype(str) >= "2026-11-19")]
    links = set(re.findall(r'href="/calls/([^"]+)"', page))
    assert set(mine["call_id"]) <= links
    assert "<svg" in page and "值得表扬" in page and "最需要回听的通话" in page
    rank = re.search(r'<div class="v">(\d+) / (\d+)</div><div class="l">团队内排名', page)
    assert rank and int(rank.group(1)) <= int(rank.group(2)) == 2  # A1001 and A1002 are team A
    for call in mine["call_id"]:
        assert client.get(f"/calls/{call}").status_code == 200


def test_no_personal_number_in_pages_or_links(wb):
    app, out, _ = wb
    client = sign_in(app, "lead")
    fid = leak_of(out)["finding_id"]
    pages = [client.get(u).text for u in ("/queue?status=all", f"/cases/{fid}", "/agents", "/agents/A1002",
                                          f"/calls/{leak_of(out)['call_id']}", "/queue.csv?status=all")]
    for html in pages:
        assert CARD not in html and long_digit_runs(re.sub(r"[0-9a-f]{16}", "", html)) == []


def test_ids_holding_a_number_are_hashed_in_links():
    assert ref("T-001") == "T-001" and ref("A1002") == "A1002"
    hashed = ref("C13800138000")
    assert hashed.startswith("~") and "13800138000" not in hashed
    assert ref("零售客服一组").startswith("~") and ref("~abc") != "~abc"
