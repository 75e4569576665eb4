"""The workbench's pages (Jinja2), its stylesheet and its one small script, kept as strings.

Server-rendered HTML: every page works without the script; the script only
adds the keys (j/k to move, c/d to decide, o/Enter to open). Nothing is
loaded from another host; the Content-Security-Policy the app sends allows
scripts, styles and fonts from the workbench itself only, so no inline script
or style attribute appears here. Every ``{{ value }}`` is masked by the
environment (see :mod:`scorers.workbench.app`).
"""
from __future__ import annotations

CSS = """
@font-face { font-family: "callqa CJK"; src: url("/static/cjk.ttf") format("truetype"); font-display: swap; }
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #f5f7fa; --bad: #c62828; --good: #2e7d32;
        --accent: #1565c0; --warn: #ef6c00; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font-size: 14px; line-height: 1.55;
       font-family: -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "callqa CJK", sans-serif; }
header.top { background: #102a43; color: #fff; padding: 10px 24px; display: flex; gap: 18px; align-items: center; flex-wrap: wrap; }
header.top .brand { font-weight: 600; font-size: 17px; }
header.top a { color: #bcccdc; text-decoration: none; } header.top a.on { color: #fff; border-bottom: 2px solid #f0b429; }
header.top .me { margin-left: auto; color: #9fb3c8; font-size: 13px; }
header.top form { display: inline; }
header.top button { background: none; border: 1px solid #627d98; color: #d9e2ec; border-radius: 4px; cursor: pointer; }
main { max-width: 1240px; margin: 0 auto; padding: 14px 24px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
h1 { font-size: 19px; margin: 6px 0 4px; } h2 { font-size: 15px; margin: 0 0 8px; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.kpi { flex: 1 1 120px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; text-decoration: none; color: inherit; }
.kpi.on { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent) inset; }
.kpi .v { font-size: 21px; font-weight: 600; } .kpi .l { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; font-size: 13px; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.sel td { background: #e3f0ff; } tr[data-href] { cursor: pointer; }
.bad { color: var(--bad); } .good { color: var(--good); } .muted { color: var(--muted); } .small { font-size: 12px; }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; border: 1px solid; white-space: nowrap; }
.tag.critical { color: var(--bad); border-color: var(--bad); } .tag.major { color: var(--warn); border-color: var(--warn); }
.tag.minor, .tag.met { color: var(--muted); border-color: var(--muted); }
.tag.dismissed { color: var(--muted); border-color: var(--line); background: #f0f4f8; }
.tag.confirmed { color: #fff; background: var(--bad); border-color: var(--bad); }
.tag.pending { color: var(--accent); border-color: var(--accent); }
.tag.appealed, .tag.disputed { color: #fff; background: var(--warn); border-color: var(--warn); }
.tag.coached { color: #fff; background: var(--good); border-color: var(--good); }
.evidence { background: #fffdf5; border-left: 3px solid #f0b429; padding: 3px 8px; margin: 3px 0; }
.evidence.praise { background: #f3faf3; border-left-color: var(--good); }
mark { background: #ffe08a; padding: 0 1px; } mark.focus { background: #ffb74d; outline: 2px solid var(--bad); }
mark.other { background: #e1eefc; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
select, input, textarea, button { font: inherit; }
select, input[type=text], input[type=password], input[type=date], textarea { border: 1px solid #bcccdc; border-radius: 4px; padding: 3px 6px; background: #fff; }
textarea { width: 100%; min-height: 54px; }
button.act { border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; padding: 4px 14px; cursor: pointer; }
button.act.confirm { background: var(--bad); border-color: var(--bad); } button.act.dismiss { background: #52606d; border-color: #52606d; }
button.plain { border: 1px solid #bcccdc; background: #fff; border-radius: 4px; padding: 3px 10px; cursor: pointer; }
kbd { border: 1px solid #bcccdc; border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; font-size: 12px; background: #fff; color: var(--ink); }
button kbd { background: transparent; color: inherit; border-color: rgba(255, 255, 255, .6); }
.turns { display: flex; flex-direction: column; gap: 4px; }
.turn { display: grid; grid-template-columns: 64px 46px 1fr; gap: 8px; padding: 4px 6px; border-radius: 4px; }
.turn.customer { background: #f7f9fb; } .turn.flagged { background: #fff4e5; outline: 1px solid #f0b429; }
.turn .t { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; } .turn .s { font-weight: 600; font-size: 12px; }
.turn.agent .s { color: var(--accent); } .turn.customer .s { color: #7b5ea7; }
.turn .f { grid-column: 3; font-size: 12px; }
.tip { border-left: 3px solid var(--accent); background: #f0f6ff; padding: 6px 10px; margin: 6px 0; }
.note { border-left: 3px solid var(--line); padding: 2px 8px; margin: 4px 0; }
.flash { background: #e8f5e9; border: 1px solid #a5d6a7; padding: 6px 10px; border-radius: 4px; }
.error { background: #fdecea; border: 1px solid #f5c2c0; padding: 6px 10px; border-radius: 4px; }
.pager { display: flex; gap: 10px; align-items: center; margin-top: 8px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; align-items: start; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
svg.trend { width: 100%; height: auto; display: block; } svg.bar { vertical-align: middle; }
.login { max-width: 360px; margin: 80px auto; } .login label { display: block; margin: 8px 0; }
.login input { width: 100%; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; background: #f0f4f8; padding: 0 3px; }
"""

JS = """
(function () {
  function typing(e) { var t = e.target; return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT'); }
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr[data-href]'));
  var at = rows.length ? 0 : -1;
  function select(i, scroll) {
    if (!rows.length) return;
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) { r.classList.toggle('sel', n === at); });
    if (scroll) rows[at].scrollIntoView({block: 'nearest'});
  }
  if (rows.length) select(0, false);
  rows.forEach(function (r, n) { r.addEventListener('click', function (e) { if (e.target.tagName !== 'A') { window.location = r.dataset.href; } }); });
  document.addEventListener('keydown', function (e) {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key;
    if (rows.length) {
      if (k === 'j') { select(at + 1, true); e.preventDefault(); return; }
      if (k === 'k') { select(at - 1, true); e.preventDefault(); return; }
      if ((k === 'o' || k === 'Enter') && at >= 0) { window.location = rows[at].dataset.href; return; }
    }
    var link = document.querySelector(k === 'j' ? 'a[rel=next]' : k === 'k' ? 'a[rel=prev]' : null);
    if (link) { window.location = link.href; return; }
    var button = document.querySelector('button[data-key="' + k + '"]');
    if (button) { e.preventDefault(); button.click(); }
  });
  var focus = document.querySelector('.turn.flagged');
  if (focus) focus.scrollIntoView({block: 'center'});
})();
"""

BASE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · callqa 质检工作台</title>
<link rel="stylesheet" href="/static/workbench.css">
<script src="/static/workbench.js" defer></script>
</head>
<body>
<header class="top">
<span class="brand">callqa 质检工作台</span>
{% if user %}
{% if user.role != 'coach' %}<a href="/queue" class="{{ 'on' if nav == 'queue' else '' }}">合规复核队列</a>{% endif %}
<a href="/agents" class="{{ 'on' if nav == 'agents' else '' }}">坐席</a>
<a href="/appeals" class="{{ 'on' if nav == 'appeals' else '' }}">申诉</a>
<span class="me">{{ user.name }} · {{ role_label[user.role] }}{% if user.role == 'coach' %}（{{ user.teams|sort|join('、') }}）{% endif %}
<form method="post" action="/logout"><input type="hidden" name="csrf" value="{{ csrf }}"> <button type="submit">退出</button></form></span>
{% endif %}
</header>
<main>
{% block main %}{% endblock %}
</main>
</body>
</html>
"""

LOGIN = """{% extends "base.html" %}
{% block title %}登录{% endblock %}
{% block main %}
<section class="login">
<h1>登录</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{{ login_csrf }}">
<input type="hidden" name="next" value="{{ next }}">
<label>用户名 <input type="text" name="username" autocomplete="username" autofocus required></label>
<label>密码 <input type="password" name="password" autocomplete="current-password" required></label>
<button class="act" type="submit">登录</button>
</form>
</section>
{% endblock %}
"""

ERROR = """{% extends "base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block main %}
<section><h1>{{ title }}</h1><p>{{ message }}</p><p><a href="/">返回首页</a></p></section>
{% endblock %}
"""

MACROS = """
{% macro turns(utterances, focus_index, focus_finding, marks_by_index, findings_by_index, link_cases) %}
<div class="turns">
{% for u in utterances %}
<div class="turn {{ u.speaker }}{{ ' flagged' if u.utterance_index == focus_index else '' }}" id="u{{ u.utterance_index }}">
<span class="t">{{ u.time }}</span>
<span class="s">{{ speaker_label.get(u.speaker, u.speaker) }}</span>
<span class="x">{{ u.text|marked(marks_by_index.get(u.utterance_index, [])) }}</span>
{% for f in findings_by_index.get(u.utterance_index, []) %}
<span class="f">
<span class="tag {{ f.outcome if f.outcome == 'met' else f.severity }}">{{ f.label }}{{ ' · 做到' if f.outcome == 'met' else '' }}</span>
<code>{{ f.rule_id }}</code>{% if f.detail %} <span class="muted">{{ f.detail }}</span>{% endif %}
{% if f.status %}<span class="tag {{ f.status }}">{{ status_label[f.status] }}</span>{% endif %}
{% if link_cases and f.outcome == 'violation' and f.finding_id != focus_finding %}<a href="/cases/{{ f.finding_id|finding }}">查看</a>{% endif %}
</span>
{% endfor %}
</div>
{% endfor %}
</div>
{% endmacro %}
"""

QUEUE = """{% extends "base.html" %}
{% from "macros.html" import turns %}
{% block title %}合规复核队列{% endblock %}
{% block main %}
<h1>合规复核队列</h1>
{% if flash %}<p class="flash">{{ flash }}</p>{% endif %}
<div class="kpis">
{% for s in ['open', 'pending', 'appealed', 'confirmed', 'dismissed', 'all'] %}
<a class="kpi{{ ' on' if f.status == s else '' }}" href="/queue?{{ query(status=s, page=1) }}" data-count="{{ s }}"><div class="v" id="count-{{ s }}">{{ counts[s] }}</div><div class="l">{{ status_filter_label[s] }}</div></a>
{% endfor %}
</div>
<section>
<form class="filters" method="get" action="/queue">
<label>准则 <select name="criterion"><option value="">全部</option>{% for c in options.criteria %}<option value="{{ c|ref }}"{{ ' selected' if f.criterion == c|ref else '' }}>{{ labels.get(c, c) }}</option>{% endfor %}</select></label>
<label>严重度 <select name="severity"><option value="">全部</option>{% for s in options.severities %}<option value="{{ s|ref }}"{{ ' selected' if f.severity == s|ref else '' }}>{{ severity_label.get(s, s) }}</option>{% endfor %}</select></label>
<label>团队 <select name="team"><option value="">全部</option>{% for t in options.teams %}<option value="{{ t|ref }}"{{ ' selected' if f.team == t|ref else '' }}>{{ t or '未分组' }}</option>{% endfor %}</select></label>
<label>坐席 <select name="agent"><option value="">全部</option>{% for a in options.agents %}<option value="{{ a|ref }}"{{ ' selected' if f.agent == a|ref else '' }}>{{ a|ident }}</option>{% endfor %}</select></label>
<label>日期 <select name="night"><option value="">全部</option>{% for n in options.nights %}<option value="{{ n }}"{{ ' selected' if f.night == n|string else '' }}>{{ n }}</option>{% endfor %}</select></label>
<label>状态 <select name="status">{% for s in statuses %}<option value="{{ s }}"{{ ' selected' if f.status == s else '' }}>{{ status_filter_label[s] }}</option>{% endfor %}</select></label>
<label>依据 <select name="basis"><option value="">全部</option>{% for b in bases %}<option value="{{ b }}"{{ ' selected' if f.basis == b else '' }}>{{ basis_label[b] }}</option>{% endfor %}</select></label>
<button class="plain" type="submit">筛选</button>
<a href="/queue.csv?{{ query(page=1) }}">导出 CSV</a>
</form>
</section>
<section>
<p class="small muted">共 {{ total }} 条 · 第 {{ page }}/{{ pages }} 页 · 键盘：<kbd>j</kbd>/<kbd>k</kbd> 上下移动，<kbd>o</kbd> 打开</p>
<table id="queue">
<thead><tr><th class="n">#</th><th>严重度</th><th>准则 / 规则</th><th>坐席</th><th>团队</th><th>时间</th><th>证据</th><th>依据</th><th>状态</th></tr></thead>
<tbody>
{% for r in rows %}
<tr data-href="/cases/{{ r.finding_id|finding }}?{{ query() }}" data-finding="{{ r.finding_id|finding }}">
<td class="n">{{ (page - 1) * page_size + loop.index }}</td>
<td><span class="tag {{ r.severity }}">{{ severity_label.get(r.severity, r.severity) }}</span></td>
<td>{{ labels.get(r.criterion, r.criterion) }}<br><code>{{ r.rule_id }}</code></td>
<td>{{ r.agent_id|ident }}</td><td>{{ r.team }}</td><td class="small">{{ r.started }}</td>
<td><a href="/cases/{{ r.finding_id|finding }}?{{ query() }}">{{ r.evidence|highlight(r.span_start, r.span_end) }}</a></td>
<td class="small">{{ basis_label.get(r.basis, r.basis) }}{% if not r.counted %}<br><span class="muted">疑似，确认后计分</span>{% endif %}</td>
<td><span class="tag {{ r.status }}">{{ status_label[r.status] }}</span>{% if r.disputed %} <span class="tag disputed">意见分歧</span>{% endif %}{% if r.reviewer_text %}<br><span class="small muted">{{ r.reviewer_text }}</span>{% endif %}</td>
</tr>
{% else %}
<tr><td colspan="9" class="muted">没有符合条件的案例。</td></tr>
{% endfor %}
</tbody>
</table>
<div class="pager">
{% if page > 1 %}<a href="/queue?{{ query(page=page - 1) }}">上一页</a>{% endif %}
{% if page < pages %}<a href="/queue?{{ query(page=page + 1) }}">下一页</a>{% endif %}
</div>
</section>
<section>
<h2>按规则批量驳回（某一晚某条规则的全部待复核案例）</h2>
<form class="filters" method="post" action="/queue/dismiss-rule">
<input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="back" value="{{ query(page=1) }}">
<label>规则 <select name="rule" required>{% for r in options.rules %}<option value="{{ r|ref }}">{{ r }}</option>{% endfor %}</select></label>
<label>日期 <select name="night" required>{% for n in options.nights %}<option value="{{ n }}">{{ n }}</option>{% endfor %}</select></label>
<label>理由 <input type="text" name="note" required size="40"></label>
<button class="act dismiss" type="submit">全部驳回</button>
</form>
</section>
{% endblock %}
"""

CASE = """{% extends "base.html" %}
{% from "macros.html" import turns %}
{% block title %}案例 {{ f.finding_id|finding }}{% endblock %}
{% block main %}
<p class="small"><a href="/queue?{{ back }}">← 返回队列</a>
{% if prev %} · <a rel="prev" href="/cases/{{ prev|finding }}?{{ back }}">上一条 (k)</a>{% endif %}
{% if next %} · <a rel="next" href="/cases/{{ next|finding }}?{{ back }}">下一条 (j)</a>{% endif %}
{% if position %} · 队列中第 {{ position }} / {{ queue_total }} 条{% endif %}</p>
<h1>{{ labels.get(f.criterion, f.criterion) }} <span class="tag {{ f.severity }}">{{ severity_label.get(f.severity, f.severity) }}</span>
<span class="tag {{ status }}" id="status">{{ status_label[status] }}</span>{% if disputed %} <span class="tag disputed">意见分歧</span>{% endif %}</h1>
<p class="muted">坐席 {% if can_agent %}<a href="/agents/{{ f.agent_id|ref }}">{{ f.agent_id|ident }}</a>{% else %}{{ f.agent_id|ident }}{% endif %} · {{ call.team }} · {{ call.started }} · 通话 <a href="/calls/{{ f.call_id|ref }}">{{ f.call_id|ident }}</a> · 案例编号 <code>{{ f.finding_id|finding }}</code></p>
<div class="grid2">
<section>
<h2>为什么被标记</h2>
<p>规则 <code>{{ f.rule_id }}</code>（{{ scorer_label }}{% if f.scorer == 'model' %}，模型分数 {{ f.confidence|score(2) }}{% endif %}）{% if not f.counted %} · <span class="tag pending">疑似，确认后计分</span>{% endif %}</p>
<div class="evidence">{{ f.evidence|highlight(f.span_start, f.span_end) }}</div>
{% if f.detail %}<p class="small">说明：{{ f.detail }}</p>{% endif %}
{% if coaching %}<div class="tip"><b>辅导建议</b>：{{ coaching }}</div>{% endif %}
</section>
<section>
<h2>复核</h2>
{% for h in history %}
<div class="note">{% if h.kind == 'decision' %}<span class="tag {{ h.decision }}">{{ status_label[h.decision] }}</span> {{ h.reviewer }}{% else %}<span class="tag appealed">申诉</span> {{ h.filed_by }}（代坐席 {{ h.agent_id|ident }}）{% endif %}
<span class="small muted">{{ h.at|when }}</span>{% if h.text %}<br>{{ h.text }}{% endif %}</div>
{% else %}
<p class="muted">还没有复核记录。</p>
{% endfor %}
{% if can_decide %}
<form method="post" action="/cases/{{ f.finding_id|finding }}/decide" id="decide">
<input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="back" value="{{ back }}">
<label class="small muted">备注（可选，长数字会被脱敏）<textarea name="note"></textarea></label>
<p><button class="act confirm" type="submit" name="decision" value="confirmed" data-key="c">确认违规 <kbd>c</kbd></button>
<button class="act dismiss" type="submit" name="decision" value="dismissed" data-key="d">驳回 <kbd>d</kbd></button></p>
</form>
{% else %}
<p class="small muted">{{ why_not }}</p>
{% endif %}
</section>
</div>
<section>
<h2>整通通话（{{ utterances|length }} 句）</h2>
{% if utterances %}
{{ turns(utterances, f.utterance_index, f.finding_id, marks, others, true) }}
{% else %}
<p class="muted">这通电话的全文没有保存（评分早于 transcripts/ 数据集）；重新评分这一晚即可看到整通通话。</p>
{% endif %}
</section>
{% endblock %}
"""

CALL = """{% extends "base.html" %}
{% from "macros.html" import turns %}
{% block title %}通话 {{ call.call_id|ident }}{% endblock %}
{% block main %}
{% if flash %}<p class="flash">{{ flash }}</p>{% endif %}
<h1>通话 {{ call.call_id|ident }} {% if coached %}<span class="tag coached">已辅导</span>{% endif %}</h1>
<p class="muted">坐席 <a href="/agents/{{ call.agent_id|ref }}">{{ call.agent_id|ident }}</a> · {{ call.team }} · {{ call.started }} · 得分 {{ call.total_score|score }}{% if call.vetoed %} · <span class="bad">一票否决</span>{% endif %}</p>
<div class="grid2">
<section>
<h2>发现</h2>
<table>
<thead><tr><th>句</th><th>准则</th><th>规则</th><th>状态</th><th></th></tr></thead>
<tbody>
{% for x in findings if x.outcome == 'violation' %}
<tr><td class="n"><a href="#u{{ x.utterance_index }}">{{ x.utterance_index + 1 }}</a></td>
<td><span class="tag {{ x.severity }}">{{ x.label }}</span></td><td><code>{{ x.rule_id }}</code></td>
<td>{% if x.status %}<span class="tag {{ x.status }}">{{ status_label[x.status] }}</span>{% endif %}</td>
<td>{% if can_review %}<a href="/cases/{{ x.finding_id|finding }}">复核</a>{% endif %}
{% if can_coach and x.status != 'appealed' %}
<details><summary class="small">登记申诉</summary>
<form method="post" action="/findings/{{ x.finding_id|finding }}/appeal">
<input type="hidden" name="csrf" value="{{ csrf }}">
<textarea name="reason" required placeholder="坐席的申诉理由"></textarea>
<button class="plain" type="submit">提交申诉</button></form></details>
{% endif %}</td></tr>
{% else %}
<tr><td colspan="5" class="muted">这通电话没有违规。</td></tr>
{% endfor %}
</tbody>
</table>
</section>
<section>
<h2>辅导记录</h2>
{% for c in coached %}<div class="note">{{ c.coach }} <span class="small muted">{{ c.coached_at|when }}</span>{% if c.note %}<br>{{ c.note }}{% endif %}</div>{% else %}<p class="muted">还没有辅导记录。</p>{% endfor %}
{% if can_coach %}
<form method="post" action="/calls/{{ call.call_id|ref }}/coached">
<input type="hidden" name="csrf" value="{{ csrf }}">
<textarea name="note" placeholder="辅导要点（可选）"></textarea>
<button class="act" type="submit">标记为已辅导</button></form>
{% endif %}
</section>
</div>
<section>
<h2>整通通话（{{ utterances|length }} 句）</h2>
{% if utterances %}
{{ turns(utterances, -1, '', marks, others, can_review) }}
{% else %}
<p class="muted">这通电话的全文没有保存（评分早于 transcripts/ 数据集）；重新评分这一晚即可看到整通通话。</p>
{% endif %}
</section>
{% endblock %}
"""

AGENTS = """{% extends "base.html" %}
{% block title %}坐席{% endblock %}
{% block main %}
<h1>坐席 · {{ period.since }} 至 {{ period.until }}</h1>
<section>
<form class="filters" method="get" action="/agents">
<label>开始 <input type="date" name="since" value="{{ period.since }}"></label>
<label>结束 <input type="date" name="until" value="{{ period.until }}"></label>
<label>团队 <select name="team"><option value="">全部</option>{% for t in teams %}<option value="{{ t|ref }}"{{ ' selected' if team == t|ref else '' }}>{{ t or '未分组' }}</option>{% endfor %}</select></label>
<button class="plain" type="submit">查看</button>
</form>
</section>
<section>
<p class="small muted">{{ rows|length }} 位坐席 · 与上一周期 {{ period.previous.since }} 至 {{ period.previous.until }} 相比 · 已驳回的发现不扣分 · 键盘：<kbd>j</kbd>/<kbd>k</kbd>，<kbd>o</kbd> 打开</p>
<table id="agents">
<thead><tr><th class="n">排名</th><th>坐席</th><th>团队</th><th class="n">通话</th><th class="n">平均分</th><th class="n">变化</th><th class="n">通过率</th><th class="n">否决</th><th class="n">合规标记</th></tr></thead>
<tbody>
{% for a in rows %}
<tr data-href="/agents/{{ a.agent_id|ref }}?since={{ period.since }}&amp;until={{ period.until }}">
<td class="n">{{ a.rank }}</td><td><a href="/agents/{{ a.agent_id|ref }}?since={{ period.since }}&amp;until={{ period.until }}">{{ a.agent_id|ident }}</a></td>
<td>{{ a.team }}</td><td class="n">{{ a.n_calls }}</td><td class="n">{{ a.mean|score }}</td>
<td class="n {{ 'bad' if a.change < 0 else 'good' if a.change > 0 else '' }}">{{ a.change|delta }}</td>
<td class="n">{{ a.pass_rate|pct }}</td><td class="n">{{ a.vetoed }}</td><td class="n">{{ a.flags }}</td></tr>
{% else %}
<tr><td colspan="9" class="muted">这个周期没有可查看的坐席。</td></tr>
{% endfor %}
</tbody>
</table>
</section>
{% endblock %}
"""

AGENT = """{% extends "base.html" %}
{% block title %}坐席 {{ a.agent }}{% endblock %}
{% block main %}
<p class="small"><a href="/agents?since={{ period.since }}&amp;until={{ period.until }}">← 全部坐席</a></p>
<h1>坐席 {{ a.agent }} <span class="muted">· {{ a.team }} · {{ period.since }} 至 {{ period.until }}</span></h1>
<div class="kpis">
<div class="kpi"><div class="v">{{ a.mean|score }}</div><div class="l">平均分（团队中位 {{ a.team_median|score }}）</div></div>
<div class="kpi"><div class="v">{{ a.rank }} / {{ n_agents }}</div><div class="l">团队内排名</div></div>
<div class="kpi"><div class="v">{{ a.pass_rate|pct }}</div><div class="l">通过率</div></div>
<div class="kpi"><div class="v">{{ a.vetoed }}</div><div class="l">一票否决</div></div>
<div class="kpi"><div class="v">{{ a.change|delta }}</div><div class="l">较上一周期</div></div>
<div class="kpi"><div class="v">{{ a.n_calls }}</div><div class="l">通话</div></div>
</div>
<div class="grid2">
<section>
<h2>每晚平均分与团队中位数</h2>
{{ trend }}
<p class="small muted"><span class="good">—— 本坐席</span> · <span class="muted">- - 团队中位</span> · 竖线左侧为上一周期</p>
</section>
<section>
<h2>各项准则：违规率（本坐席 / 团队）</h2>
<table>
<thead><tr><th>准则</th><th class="n">本坐席</th><th class="n">团队</th><th></th><th class="n">失分</th></tr></thead>
<tbody>
{% for c in criteria %}
<tr><td>{{ c.name }}{% if c.weak %} <span class="tag critical">需辅导</span>{% endif %}</td><td class="n">{{ c.rate|pct }}</td><td class="n">{{ c.team_rate|pct }}</td>
<td>{{ c.bar }}</td><td class="n">{{ c.lost|score }}</td></tr>
{% endfor %}
</tbody>
</table>
{% for c in criteria if c.weak %}<div class="tip"><b>{{ c.name }}</b>：{{ c.coaching }}</div>{% endfor %}
</section>
</div>
<section>
<h2>最需要回听的通话</h2>
{% for w in worst %}
<div class="call"><p><a href="/calls/{{ w.call_id|ref }}">{{ w.call_id|ident }}</a> · {{ w.started }} · 得分 {{ w.score|score }}{% if w.vetoed %} · <span class="bad">一票否决</span>{% endif %}
{% if w.coached %}<span class="tag coached">已辅导</span>{% endif %}</p>
{% for x in w.findings %}<div class="evidence">{{ x.evidence|highlight(x.span_start, x.span_end) }} <span class="small muted">{{ x.criterion }} · <code>{{ x.rule_id }}</code>{% if x.dismissed %} · 已驳回{% endif %}</span></div>{% endfor %}
{% if w.missing %}<p class="small muted">未做到：{{ w.missing|join('、') }}</p>{% endif %}
</div>
{% else %}<p class="muted">这个周期没有扣分的通话。</p>{% endfor %}
</section>
<section>
<h2>值得表扬</h2>
{% for p in praise %}<div class="evidence praise"><a href="/calls/{{ p.call_id|ref }}">{{ p.call_id|ident }}</a> · {{ p.criterion }}：{{ p.evidence|highlight(p.span_start, p.span_end) }}</div>
{% else %}<p class="muted">这个周期还没有可表扬的片段。</p>{% endfor %}
</section>
<section>
<h2>本周期全部通话（{{ calls|length }}）</h2>
<table id="calls">
<thead><tr><th>通话</th><th>时间</th><th class="n">得分</th><th>结果</th><th>辅导</th></tr></thead>
<tbody>
{% for c in calls %}
<tr data-href="/calls/{{ c.call_id|ref }}"><td><a href="/calls/{{ c.call_id|ref }}">{{ c.call_id|ident }}</a></td><td class="small">{{ c.started }}</td><td class="n">{{ c.score|score }}</td>
<td>{% if c.vetoed %}<span class="bad">一票否决</span>{% elif c.passed %}<span class="good">通过</span>{% else %}<span class="bad">未通过</span>{% endif %}</td>
<td>{% if c.coached %}<span class="tag coached">已辅导</span>{% endif %}</td></tr>
{% endfor %}
</tbody>
</table>
</section>
{% endblock %}
"""

APPEALS = """{% extends "base.html" %}
{% block title %}申诉{% endblock %}
{% block main %}
<h1>待处理的申诉</h1>
<section>
<p class="small muted">坐席对发现的申诉，由辅导员或质检主管登记；合规类案例（严重）由合规或质检主管处理，其余由质检主管处理。处理后即从这里消失。</p>
<table id="appeals">
<thead><tr><th>准则</th><th>坐席</th><th>团队</th><th>理由</th><th>登记人</th><th>时间</th><th></th></tr></thead>
<tbody>
{% for r in rows %}
<tr><td><span class="tag {{ r.severity }}">{{ labels.get(r.criterion, r.criterion) }}</span></td><td>{{ r.agent_id|ident }}</td><td>{{ r.team }}</td>
<td>{{ r.reason }}</td><td>{{ r.filed_by }}</td><td class="small">{{ r.filed_at|when }}</td>
<td>{% if r.can_decide %}<a href="/cases/{{ r.finding_id|finding }}">处理</a>{% else %}<a href="/calls/{{ r.call_id|ref }}">查看通话</a>{% endif %}</td></tr>
{% else %}
<tr><td colspan="7" class="muted">没有待处理的申诉。</td></tr>
{% endfor %}
</tbody>
</table>
</section>
{% endblock %}
"""

TEMPLATES = {"base.html": BASE, "login.html": LOGIN, "error.html": ERROR, "macros.html": MACROS, "queue.html": QUEUE,
             "case.html": CASE, "call.html": CALL, "agents.html": AGENTS, "agent.html": AGENT,
             "appeals.html": APPEALS}
