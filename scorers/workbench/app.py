"""The review workbench: a small FastAPI application over the scorecards and the review log.

What it is for: compliance officers decide cases with the whole call in front
of them, coaches open calls from the agent pages, and every decision lands in
the append-only review log at once, signed by the signed-in user.

Security, in the order a request meets it:

- **Sign-in.** Accounts live in a users file (:mod:`scorers.workbench.users`,
  Argon2id hashes). A signed-in user holds a session cookie: the user name, a
  fingerprint of their password hash and role (changing either ends old
  sessions), a CSRF token and an expiry, signed with HMAC-SHA256 under a secret
  kept next to the users file. ``HttpOnly``, ``SameSite=Strict``, and
  ``Secure`` when the workbench is served over HTTPS. Five wrong passwords for
  one name within ten minutes lock that name for ten minutes.
- **Every page** needs a session; without one a request is redirected to
  ``/login``. The users file is re-read when it changes, so a removed account
  is signed out at its next request.
- **Every form** carries the session's CSRF token (the sign-in form a token of
  its own cookie); a POST without the right token is refused (403).
- **Roles.** Coaches see only the teams they are assigned (an agent or call of
  another team is 403); only compliance and QA leads decide compliance cases,
  only QA leads other findings (appeals); coaches mark calls coached and file
  agents' appeals. Decisions record the signed-in user's name, never a typed one.
- **Personal numbers.** Pages mask every printed value (the reports' Jinja
  ``finalize`` hook); ids and teams appear in URLs as they are only when they are
  plain ASCII without a long digit run, else as a hash (:func:`queries.ref`), so
  neither a URL nor the access log holds a number. Notes are masked before they
  are stored.
- **Headers.** A Content-Security-Policy allowing only the workbench's own
  script, stylesheet and font; no framing; no referrer; pages not cached.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import secrets
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from scorers.finding import VIOLATION
from scorers.numbers import mask_text
from scorers.reports import charts, metrics
from scorers.reports.agents import _agent_jobs
from scorers.reports.compliance import BASIS_LABEL, SEVERITY_LABEL, csv_cell
from scorers.reports.data import CHINA_TZ, _local_time
from scorers.reports.render import (ReportError, Text, _finalize, delta, finding_ref, highlight, ident, masked,
                                    pct, score)
from scorers.reports.reviews import CONFIRMED, DISMISSED, Decision, ReviewError, record_decisions
from scorers.rubric import Rubric
from scorers.workbench import svg
from scorers.workbench.journal import APPEALS, COACHING, JournalError, append_records, now_utc
from scorers.workbench.queries import (AGENT_LIST_CALL_COLUMNS, AGENT_LIST_FINDING_COLUMNS, APPEALED, BASES,
                                       PAGE_SIZE, PENDING, STATUSES, QueueFilter, Scorecards, ref)
from scorers.workbench.templates import CSS, JS, TEMPLATES
from scorers.workbench.users import COACH, QA_LEAD, User, UserError, authenticate, load_users

SESSION_COOKIE, LOGIN_COOKIE = "callqa_session", "callqa_login"
SESSION_HOURS = 12
MAX_BODY = 64 * 1024
LOCK_AFTER, LOCK_SECONDS = 5, 600
ROLE_LABEL = {"compliance": "合规", "coach": "辅导员", QA_LEAD: "质检主管"}
STATUS_LABEL = {PENDING: "待复核", APPEALED: "申诉中", CONFIRMED: "已确认", DISMISSED: "已驳回"}
STATUS_FILTER_LABEL = {"open": "待处理", PENDING: "待复核", APPEALED: "申诉中", CONFIRMED: "已确认",
                       DISMISSED: "已驳回", "all": "全部"}
SPEAKER_LABEL = {"agent": "坐席", "customer": "客户"}
CSV_COLUMNS = ["rank", "finding_id", "status", "severity", "confidence", "basis", "counted", "criterion", "rule_id",
               "agent_id", "team", "started_at", "call_id", "evidence", "detail", "reviewed_by", "review_note",
               "reviewed_at", "decision", "reviewer", "note"]
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class NeedLogin(Exception):
    pass


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# --- sessions ------------------------------------------------------------------------------------

def load_secret(path: Path) -> bytes:
    """The key sessions are signed with: created (random, ``0600``) on first start, kept across restarts."""
    import os

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


class Signer:
    """``payload.signature`` cookies: JSON, base64url, HMAC-SHA256 under a purpose-specific key."""

    def __init__(self, secret: bytes, purpose: str):
        self.key = hmac.new(secret, purpose.encode(), hashlib.sha256).digest()

    def dump(self, data: dict) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
        return payload + "." + hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest()

    def load(self, value: str | None) -> dict | None:
        if not value or "." not in value:
            return None
        payload, signature = value.rsplit(".", 1)
        expected = hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        if not isinstance(data, dict) or float(data.get("exp", 0)) < time.time():
            return None
        return data


class UsersFile:
    """The accounts, re-read when the file changes (an account removed is signed out at once)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._seen: tuple | None = None
        self._users: dict[str, User] = {}
        self._lock = threading.Lock()

    def get(self) -> dict[str, User]:
        try:
            stat = self.path.stat()
            seen = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            seen = None
        with self._lock:
            if seen != self._seen:
                self._users = load_users(self.path) if seen else {}
                self._seen = seen
            return self._users


# --- rendering helpers ---------------------------------------------------------------------------

def marked(text, marks) -> Markup:
    """An utterance with spans marked: ``marks`` are (start, end, css class); the first mark of a character wins."""
    safe = mask_text("" if text is None else str(text))  # keeps the length: spans still fit
    classes: list[str | None] = [None] * len(safe)
    for start, end, cls in marks:
        try:
            start, end = int(start), int(end)
        except (TypeError, ValueError):
            continue
        if 0 <= start < end <= len(safe):
            for i in range(start, end):
                classes[i] = classes[i] or cls
    out, i = [], 0
    while i < len(safe):
        j = i
        while j < len(safe) and classes[j] == classes[i]:
            j += 1
        chunk = escape(safe[i:j])
        out.append(f'<mark class="{classes[i]}">{chunk}</mark>' if classes[i] else str(chunk))
        i = j
    return Markup("".join(out))


def when(value) -> Text:
    """An ISO time (UTC) as Beijing wall-clock time."""
    try:
        stamp = pd.Timestamp(str(value))
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
        return Text(stamp.tz_convert(CHINA_TZ).strftime("%Y-%m-%d %H:%M"))
    except (ValueError, TypeError):
        return Text("")


def clock(ms) -> Text:
    try:
        seconds = int(ms) // 1000
    except (TypeError, ValueError):
        return Text("")
    return Text(f"{seconds // 60:02d}:{seconds % 60:02d}")


def environment() -> Environment:
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True),
                      finalize=_finalize, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(score=score, pct=pct, delta=delta, ident=ident, masked=masked, finding=finding_ref,
                       highlight=highlight, marked=marked, ref=lambda v: Text(ref(v)), when=when)
    env.globals.update(speaker_label=SPEAKER_LABEL, status_label=STATUS_LABEL, role_label=ROLE_LABEL,
                       severity_label=SEVERITY_LABEL, basis_label=BASIS_LABEL,
                       status_filter_label=STATUS_FILTER_LABEL)
    return env


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _nan_list(values) -> list[float]:
    return [float(v) if v is not None and v == v else float("nan") for v in values]


# --- the application -----------------------------------------------------------------------------

class Workbench:
    """Routes and their state; :func:`create_app` wires it into FastAPI."""

    def __init__(self, scorecards: Path | str, users_file: Path | str, rubric: Rubric,
                 rubrics: list[Rubric] | None = None, secret: bytes | None = None):
        self.out = Path(scorecards)
        self.data = Scorecards(self.out, rubric, rubrics)
        self.rubric = rubric
        self.users = UsersFile(Path(users_file))
        secret = secret or load_secret(Path(users_file).with_name(Path(users_file).name + ".secret"))
        self.sessions = Signer(secret, "session")
        self.login_tokens = Signer(secret, "login")
        self.env = environment()
        self.failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    # --- auth ---

    def session(self, request: Request) -> tuple[User, dict]:
        data = self.sessions.load(request.cookies.get(SESSION_COOKIE))
        user = self.users.get().get(data.get("u", "")) if data else None
        if user is None or data.get("f") != user.fingerprint:
            raise NeedLogin()
        return user, data

    async def form(self, request: Request, session: dict | None) -> dict[str, str]:
        """The posted form, after the CSRF check (a missing or wrong token: 403)."""
        body = await request.body()
        if len(body) > MAX_BODY:
            raise Refused(413, "表单太大。")
        try:
            fields = {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        except UnicodeDecodeError:
            raise Refused(400, "表单不是 UTF-8。") from None
        expected = session.get("csrf", "") if session else ""
        if not expected or not hmac.compare_digest(fields.get("csrf", ""), expected):
            raise Refused(403, "表单缺少有效的 CSRF 令牌（页面可能已过期），请刷新页面后重试。")
        return fields

    def render(self, name: str, request: Request | None, user: User | None = None, session: dict | None = None,
               code: int = 200, **ctx) -> HTMLResponse:
        html = self.env.get_template(name).render(user=user, csrf=(session or {}).get("csrf", ""),
                                                  nav=ctx.pop("nav", ""), **ctx)
        return HTMLResponse(html, status_code=code)

    def locked(self, name: str) -> bool:
        now = time.time()
        with self._lock:
            recent = [t for t in self.failures.get(name, []) if now - t < LOCK_SECONDS]
            self.failures[name] = recent
            return len(recent) >= LOCK_AFTER

    def failed(self, name: str) -> None:
        with self._lock:
            self.failures.setdefault(name, []).append(time.time())

    # --- pages ---

    def login_form(self, request: Request) -> HTMLResponse:
        return self.login_page(request)

    def login_page(self, request: Request, error: str = "", status: int = 200) -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        nxt = request.query_params.get("next", "/")
        response = self.render("login.html", request, login_csrf=token, next=_local(nxt), error=error,
                               code=status)
        response.set_cookie(LOGIN_COOKIE, self.login_tokens.dump({"t": token, "exp": time.time() + 3600}),
                            httponly=True, samesite="strict", secure=_https(request), path="/login")
        return response

    async def login(self, request: Request):
        token = self.login_tokens.load(request.cookies.get(LOGIN_COOKIE))
        fields = await self.form(request, {"csrf": token["t"]} if token else None)
        name = fields.get("username", "").strip()
        if self.locked(name):
            return self.login_page(request, "尝试次数过多，请十分钟后再试。", 429)
        user = authenticate(self.users.get(), name, fields.get("password", ""))
        if user is None:
            self.failed(name)
            return self.login_page(request, "用户名或密码错误。", 401)
        response = RedirectResponse(_local(fields.get("next", "/")), status_code=303)
        session = {"u": user.name, "f": user.fingerprint, "csrf": secrets.token_urlsafe(24),
                   "exp": time.time() + SESSION_HOURS * 3600}
        response.set_cookie(SESSION_COOKIE, self.sessions.dump(session), httponly=True, samesite="strict",
                            secure=_https(request), path="/", max_age=SESSION_HOURS * 3600)
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    async def logout(self, request: Request):
        _, session = self.session(request)
        await self.form(request, session)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    def home(self, request: Request):
        user, _ = self.session(request)
        return RedirectResponse("/agents" if user.role == COACH else "/queue", status_code=303)

    # queue

    def _reviewer(self, user: User) -> None:
        if user.role == COACH:
            raise Refused(403, "合规复核队列只对合规与质检主管开放。")

    @staticmethod
    def _filter(request: Request) -> QueueFilter:
        q = request.query_params
        try:
            page = int(q.get("page", "1"))
        except ValueError:
            page = 1
        status = q.get("status", "open")
        return QueueFilter(criterion=q.get("criterion", ""), severity=q.get("severity", ""), team=q.get("team", ""),
                           agent=q.get("agent", ""), night=q.get("night", ""),
                           status=status if status in STATUSES else "open",
                           basis=q.get("basis", "") if q.get("basis", "") in BASES else "", rule=q.get("rule", ""),
                           page=page)

    @staticmethod
    def _query(f: QueueFilter, **changes) -> str:
        values = {"criterion": f.criterion, "severity": f.severity, "team": f.team, "agent": f.agent,
                  "night": f.night, "status": f.status, "basis": f.basis, "rule": f.rule, "page": f.page}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)})

    def queue(self, request: Request):
        user, session = self.session(request)
        self._reviewer(user)
        f = self._filter(request)
        page = self.data.queue(f)
        rows = []
        for r in page.rows:
            r["reviewer_text"] = (f"{_text(r.get('reviewer'))} {when(r.get('decided_at'))}".strip()
                                  if r["status"] in (CONFIRMED, DISMISSED) else "")
            r["started"] = r["started"].to_pydatetime() if pd.notna(r.get("started")) else None
            rows.append(r)
        flash = ""
        if request.query_params.get("dismissed"):
            flash = f"已驳回 {request.query_params.get('dismissed')} 条待复核案例。"
        return self.render("queue.html", request, user, session, nav="queue", rows=rows, counts=page.counts,
                           total=page.total, page=page.page, pages=page.pages, page_size=PAGE_SIZE,
                           options=page.options, f=f, labels=self.data.labels, statuses=STATUSES, bases=BASES,
                           query=lambda **kw: Text(self._query(f, **kw)), flash=flash)

    def queue_csv(self, request: Request):
        user, _ = self.session(request)
        self._reviewer(user)
        queue, _ = self.data.queue_frame(self._filter(request))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        started = _local_time(queue["started_at"]) if len(queue) else pd.Series(dtype="datetime64[ns]")
        for rank, (r, s) in enumerate(zip(queue.to_dict("records"), started), start=1):
            writer.writerow(map(csv_cell, [
                rank, finding_ref(r["finding_id"]), r["status"], r["severity"], f"{float(r['confidence']):.2f}",
                r["basis"], "yes" if r["counted"] else "no", self.data.labels.get(r["criterion"], r["criterion"]),
                masked(r["rule_id"]), ident(r["agent_id"]), masked(r["team"]),
                "" if pd.isna(s) else s.strftime("%Y-%m-%d %H:%M"), ident(r["call_id"]), masked(r["evidence"]),
                masked(r["detail"]), masked(_text(r.get("reviewer"))), masked(_text(r.get("note"))),
                when(r.get("decided_at")) if _text(r.get("decided_at")) else "", "", "", ""]))
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        return Response(("\ufeff" + buf.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="queue-{stamp}.csv"'})

    async def dismiss_rule(self, request: Request):
        user, session = self.session(request)
        fields = await self.form(request, session)
        if not user.decides(critical=True):
            raise Refused(403, "只有合规与质检主管可以处理合规案例。")
        rule = self.data._resolve(fields.get("rule", ""), self.data.queue_options()["rules"])
        note = fields.get("note", "").strip()
        if rule is None or not fields.get("night"):
            raise Refused(400, "请选择规则和日期。")
        if not note:
            raise Refused(400, "批量驳回需要填写理由。")
        ids = self.data.pending_of_rule(rule, fields["night"])
        if ids:
            self._record(ids, DISMISSED, user, note, source="workbench:dismiss-rule")
        back = fields.get("back", "")
        return RedirectResponse(f"/queue?{_plain_query(back)}&dismissed={len(ids)}".replace("?&", "?"),
                                status_code=303)

    def _record(self, ids: list[str], decision: str, user: User, note: str, source: str = "workbench") -> None:
        try:
            record_decisions(self.out, [Decision(i, decision, user.name, note) for i in ids], source=source)
        except ReviewError as err:
            raise Refused(400, str(err)) from None

    # cases

    def _finding(self, finding_id: str) -> dict:
        finding = self.data.finding(finding_id) if len(finding_id) <= 64 else None
        if finding is None:
            raise Refused(404, "没有这条发现（可能已在重新评分中消失）。")
        return finding

    def case(self, request: Request, finding_id: str):
        user, session = self.session(request)
        f = self._finding(finding_id)
        critical = f["criterion"] in self.data.critical
        if user.role == COACH:
            raise Refused(403, "案例页只对合规与质检主管开放；辅导员请从坐席页打开通话。")
        night = f["call_date"]
        call = self.data.call(f["call_id"], night) or {"team": f.get("team"), "started": None}
        if call.get("started") is not None and pd.notna(call["started"]):
            call["started"] = call["started"].to_pydatetime()
        flt = self._filter(request)
        queue, _ = self.data.queue_frame(flt)
        ids = list(queue["finding_id"])
        position = ids.index(finding_id) + 1 if finding_id in ids else 0
        prev_id = ids[position - 2] if position > 1 else None
        next_id = ids[position] if position and position < len(ids) else None
        history = self.data.history(finding_id)
        latest = self.data.latest()
        status = latest["decision"].get(finding_id, PENDING) if len(latest) else PENDING
        if finding_id in self.data.open_appeals(latest):
            status = APPEALED
        disputed = bool(latest["disputed"].get(finding_id, False)) if len(latest) else False
        utterances, marks, others = self._call_view(f["call_id"], night, focus=f)
        why_not = ("只有合规与质检主管可以处理合规案例。" if critical else "非合规类发现（申诉）只由质检主管处理。")
        return self.render("case.html", request, user, session, nav="queue", f=f, call=call, status=status,
                           disputed=disputed, history=history, utterances=utterances, marks=marks, others=others,
                           labels=self.data.labels, coaching=self.data.coaching_notes.get(f["criterion"], ""),
                           scorer_label="模型" if f.get("scorer") == "model" else "规则",
                           can_decide=user.decides(critical), why_not=why_not,
                           can_agent=True, back=Text(self._query(flt)), prev=prev_id, next=next_id,
                           position=position, queue_total=len(ids))

    def _call_view(self, call_id: str, night, focus: dict | None = None):
        utterances = self.data.transcript(call_id, night)
        for u in utterances:
            u["time"] = clock(u.get("start_ms"))
        findings = self.data.call_findings(call_id, night)
        marks: dict[int, list] = {}
        others: dict[int, list] = {}
        for x in findings.to_dict("records"):
            x["label"] = self.data.labels.get(x["criterion"], x["criterion"])
            x["status"] = (APPEALED if x["appealed"] else x["decision"] if x.get("decision") in (CONFIRMED, DISMISSED)
                           else PENDING if x["outcome"] == VIOLATION and x["critical"] else "")
            is_focus = focus is not None and x["finding_id"] == focus["finding_id"]
            cls = "focus" if is_focus else "other"
            marks.setdefault(int(x["utterance_index"]), []).append((x["span_start"], x["span_end"], cls))
            others.setdefault(int(x["utterance_index"]), []).append(x)
        for m in marks.values():
            m.sort(key=lambda t: t[2] != "focus")  # the case's own span wins where spans overlap
        return utterances, marks, others

    async def decide(self, request: Request, finding_id: str):
        user, session = self.session(request)
        fields = await self.form(request, session)
        f = self._finding(finding_id)
        if not user.decides(f["criterion"] in self.data.critical):
            raise Refused(403, "你的角色不能处理这条发现。")
        decision = fields.get("decision", "")
        if decision not in (CONFIRMED, DISMISSED):
            raise Refused(400, "decision 必须是 confirmed 或 dismissed。")
        self._record([finding_id], decision, user, fields.get("note", ""))
        back = _plain_query(fields.get("back", ""))
        flt = self._filter_from(back)
        queue, _ = self.data.queue_frame(flt)
        ids = [i for i in queue["finding_id"] if i != finding_id]
        if ids and flt.status in ("open", PENDING, APPEALED):
            return RedirectResponse(f"/cases/{ids[0]}?{back}", status_code=303)
        return RedirectResponse(f"/queue?{back}", status_code=303)

    def _filter_from(self, query: str) -> QueueFilter:
        fake = type("Q", (), {"query_params": {k: v[-1] for k, v in parse_qs(query).items()}})
        return self._filter(fake)

    # calls, appeals, coaching

    def _call(self, user: User, call_ref: str) -> dict:
        call = self.data.call_by_ref(call_ref) if len(call_ref) <= 200 else None
        if call is None:
            raise Refused(404, "没有这通电话。")
        if not user.sees_team(call.get("team")):
            raise Refused(403, "这通电话不属于你负责的团队。")
        return call

    def call_page(self, request: Request, call_ref: str):
        user, session = self.session(request)
        call = self._call(user, call_ref)
        if pd.notna(call.get("started")):
            call["started"] = call["started"].to_pydatetime()
        utterances, marks, others = self._call_view(call["call_id"], call["night"])
        findings = [x for xs in others.values() for x in xs]
        coached = self.data.coaching_of({call["call_id"]}).get(call["call_id"], [])
        flash = {"coached": "已标记为已辅导。", "appealed": "申诉已登记，已进入处理队列。"}.get(
            request.query_params.get("done", ""), "")
        return self.render("call.html", request, user, session, nav="agents", call=call, utterances=utterances,
                           marks=marks, others=others, findings=findings, coached=coached, flash=flash,
                           can_review=user.role != COACH, can_coach=user.role in (COACH, QA_LEAD))

    async def mark_coached(self, request: Request, call_ref: str):
        user, session = self.session(request)
        fields = await self.form(request, session)
        call = self._call(user, call_ref)
        if user.role not in (COACH, QA_LEAD):
            raise Refused(403, "只有辅导员与质检主管可以标记辅导。")
        try:
            append_records(self.out, COACHING, [{"call_id": call["call_id"], "agent_id": call["agent_id"],
                                                 "team": call.get("team") or "", "note": fields.get("note", ""),
                                                 "coach": user.name, "coached_at": now_utc()}])
        except JournalError as err:
            raise Refused(400, str(err)) from None
        return RedirectResponse(f"/calls/{ref(call['call_id'])}?done=coached", status_code=303)

    async def appeal(self, request: Request, finding_id: str):
        user, session = self.session(request)
        fields = await self.form(request, session)
        f = self._finding(finding_id)
        if user.role not in (COACH, QA_LEAD):
            raise Refused(403, "申诉由辅导员或质检主管代坐席登记。")
        if not user.sees_team(f.get("team")):
            raise Refused(403, "这条发现不属于你负责的团队。")
        reason = fields.get("reason", "").strip()
        if not reason:
            raise Refused(400, "请填写申诉理由。")
        try:
            append_records(self.out, APPEALS, [{"finding_id": finding_id, "call_id": f["call_id"],
                                                "agent_id": f["agent_id"], "team": f.get("team") or "",
                                                "criterion": f["criterion"], "severity": f.get("severity") or "",
                                                "reason": reason, "filed_by": user.name, "filed_at": now_utc()}])
        except JournalError as err:
            raise Refused(400, str(err)) from None
        return RedirectResponse(f"/calls/{ref(f['call_id'])}?done=appealed", status_code=303)

    def appeals(self, request: Request):
        user, session = self.session(request)
        rows = []
        for fid, r in self.data.open_appeals().items():
            critical = r.get("criterion") in self.data.critical
            if user.role == COACH and not user.sees_team(r.get("team")):
                continue
            if user.role == "compliance" and not critical:
                continue
            rows.append(dict(r, can_decide=user.decides(critical), severity=r.get("severity", "")))
        rows.sort(key=lambda r: str(r.get("filed_at", "")))
        return self.render("appeals.html", request, user, session, nav="appeals", rows=rows, labels=self.data.labels)

    # agents

    def _period(self, request: Request):
        try:
            return self.data.period(request.query_params.get("since") or None,
                                    request.query_params.get("until") or None)
        except ReportError as err:
            raise Refused(400, str(err)) from None

    def agents(self, request: Request):
        user, session = self.session(request)
        period = self._period(request)
        teams = None if user.all_teams else set(user.teams)
        all_teams = sorted(user.teams) if teams is not None else self._teams()
        chosen = self.data._resolve(request.query_params.get("team", ""), all_teams)
        if chosen is not None:
            teams = {chosen}
        data = self.data.report_data(period, teams, finding_columns=AGENT_LIST_FINDING_COLUMNS,
                                     call_columns=AGENT_LIST_CALL_COLUMNS)
        summary = metrics.agent_summary(data) if len(data.current) else pd.DataFrame()
        rows = summary.to_dict("records") if len(summary) else []
        return self.render("agents.html", request, user, session, nav="agents", rows=rows, period=period,
                           teams=all_teams, team=ref(chosen) if chosen is not None else "")

    def _teams(self) -> list[str]:
        def compute():
            table = self.data.read("calls", columns=["team"])
            return [] if table is None else sorted(set(table["team"].fillna("")))
        return self.data._memoized("teams", ("calls",), compute)

    def agent(self, request: Request, agent_ref: str):
        user, session = self.session(request)
        agent_id = self.data.agent_by_ref(agent_ref)
        period = self._period(request)
        team = self.data.agent_team(agent_id, period) if agent_id else None
        if team is None:
            raise Refused(404, "这个周期没有这位坐席的通话。")
        if not user.sees_team(team):
            raise Refused(403, "这位坐席不属于你负责的团队。")
        data = self.data.agent_data(agent_id, team, period)
        summary = metrics.agent_summary(data)
        mine = summary[summary["agent_id"] == agent_id]
        if not len(mine):
            raise Refused(404, "这个周期没有这位坐席的通话。")
        labels = data.labels  # every rubric whose calls the agent has (a wealth agent: disclose_* too)
        ctx = {"labels": labels}
        job = _agent_jobs(data, mine.assign(page=""), ctx)[0]
        nights = period.previous.days() + period.days()
        agent_series, team_series = job["trend"]
        trend = svg.trend(charts.night_labels(nights), _nan_list(agent_series), _nan_list(team_series),
                          len(period.previous.days()), data.rubric.pass_score)
        for c in job["criteria"]:
            c["bar"] = svg.bar(c["rate"], c["team_rate"])
        current = data.current[data.current["agent_id"] == agent_id]
        coached = self.data.coaching_of(set(current["call_id"]))
        for w in job["worst"]:
            w["coached"] = w["call_id"] in coached
        calls = [{"call_id": c["call_id"], "started": c["started"].to_pydatetime() if pd.notna(c["started"]) else None,
                  "score": c["score"], "passed": bool(c["passed_adj"]), "vetoed": bool(c["vetoed_adj"]),
                  "coached": c["call_id"] in coached}
                 for c in current.sort_values(["score", "started"]).to_dict("records")]
        return self.render("agent.html", request, user, session, nav="agents", a=job["a"], n_agents=len(summary),
                           criteria=job["criteria"], worst=job["worst"], praise=job["praise"], trend=trend,
                           calls=calls, period=period)


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def _local(target) -> str:
    """Only a path on this site (no ``//host``, no scheme) is a place to go after signing in."""
    target = str(target or "/")
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _plain_query(query: str) -> str:
    """A query string we wrote ourselves, passed back through a form: re-encoded, nothing else."""
    return urlencode([(k, v[-1]) for k, v in parse_qs(query).items()])


def create_app(scorecards: Path | str, users_file: Path | str, rubric: Rubric, rubrics: list[Rubric] | None = None,
               secret: bytes | None = None) -> FastAPI:
    wb = Workbench(scorecards, users_file, rubric, rubrics, secret)
    app = FastAPI(title="callqa workbench", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.workbench = wb

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, exc: NeedLogin):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target if request.method == "GET" else "/"}),
                                status_code=303)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        try:
            user, session = wb.session(request)
        except NeedLogin:
            user, session = None, None
        return wb.render("error.html", request, user, session, code=exc.status,
                         title={403: "没有权限", 404: "找不到"}.get(exc.status, "无法处理"), message=exc.message)

    @app.exception_handler(UserError)
    async def bad_users(request: Request, exc: UserError):
        return HTMLResponse(f"<p>users file: {escape(mask_text(str(exc)))}</p>", status_code=500)

    font = _font_path()

    @app.get("/static/workbench.css")
    def css():
        return Response(CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @app.get("/static/workbench.js")
    def js():
        return Response(JS, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})

    @app.get("/static/cjk.ttf")
    def cjk():
        if font is None:
            return Response(status_code=404)
        return FileResponse(font, media_type="font/ttf", headers={"Cache-Control": "max-age=86400"})

    app.get("/login")(wb.login_form)
    app.post("/login")(wb.login)
    app.post("/logout")(wb.logout)
    app.get("/")(wb.home)
    app.get("/queue")(wb.queue)
    app.get("/queue.csv")(wb.queue_csv)
    app.post("/queue/dismiss-rule")(wb.dismiss_rule)
    app.get("/cases/{finding_id}")(wb.case)
    app.post("/cases/{finding_id}/decide")(wb.decide)
    app.get("/calls/{call_ref}")(wb.call_page)
    app.post("/calls/{call_ref}/coached")(wb.mark_coached)
    app.post("/findings/{finding_id}/appeal")(wb.appeal)
    app.get("/appeals")(wb.appeals)
    app.get("/agents")(wb.agents)
    app.get("/agents/{agent_ref}")(wb.agent)
    return app


def _font_path() -> Path | None:
    from scorers.reports.fonts import FontError, cjk_font_path

    try:
        return cjk_font_path()
    except FontError:
        return None
