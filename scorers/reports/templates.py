"""The page templates (Jinja2), kept as strings so the package needs no data files.

Pages are static and self-contained: CSS inline, charts inline SVG, no
script, no network; they open from the file system. Every ``{{ value }}`` is
masked by the environment in :mod:`scorers.reports.render`.
"""
from __future__ import annotations

BASE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="callqa">
<title>{% block title %}{% endblock %}</title>
<style>
@font-face { font-family: "{{ font_family }}"; src: url("assets/cjk.ttf") format("truetype"); }
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #f5f7fa; --bad: #c62828; --good: #2e7d32;
        --accent: #1565c0; --warn: #ef6c00; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font-size: 14px; line-height: 1.55;
       font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
       "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "{{ font_family }}",
       sans-serif; }
header.top { background: #102a43; color: #fff; padding: 14px 28px; }
header.top h1 { margin: 0; font-size: 21px; font-weight: 600; }
header.top .sub { color: #bcccdc; font-size: 13px; margin-top: 2px; }
header.top a { color: #9fb3c8; }
main { max-width: 1220px; margin: 0 auto; padding: 18px 28px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; margin: 14px 0; }
h2 { font-size: 16px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 12px 0 6px; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; }
.kpi { flex: 1 1 140px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.kpi .v { font-size: 22px; font-weight: 600; }
.kpi .l { color: var(--muted); font-size: 12px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; align-items: start; }
.chart svg { width: 100%; height: auto; display: block; }
.legend { font-size: 12px; color: var(--muted); margin: 0 0 4px; }
.legend span { margin-right: 14px; white-space: nowrap; }
.legend i { display: inline-block; width: 18px; height: 10px; margin-right: 4px; vertical-align: middle; }
.legend i.line { height: 0; border-top: 2px solid; } .legend i.dashed { height: 0; border-top: 2px dashed; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; font-size: 13px; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.bad { color: var(--bad); } .good { color: var(--good); } .muted { color: var(--muted); }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; border: 1px solid; white-space: nowrap; }
.tag.critical { color: var(--bad); border-color: var(--bad); } .tag.major { color: var(--warn); border-color: var(--warn); }
.tag.minor { color: var(--muted); border-color: var(--muted); }
.tag.dismissed { color: var(--muted); border-color: var(--line); background: #f0f4f8; }
.tag.confirmed { color: #fff; background: var(--bad); border-color: var(--bad); }
.tag.pending { color: var(--accent); border-color: var(--accent); }
.evidence { background: #fffdf5; border-left: 3px solid #f0b429; padding: 4px 8px; margin: 4px 0; }
.evidence.praise { background: #f3faf3; border-left-color: var(--good); }
.evidence.gone { text-decoration: line-through; color: var(--muted); border-left-color: var(--line); }
mark { background: #ffe08a; padding: 0 1px; }
.call { border-top: 1px solid var(--line); padding: 8px 0; }
.tip { border-left: 3px solid var(--accent); background: #f0f6ff; padding: 6px 10px; margin: 6px 0; }
code { font-family: ui-monospace, Menlo, Consolas, "Microsoft YaHei", "Noto Sans CJK SC", "{{ font_family }}", monospace; font-size: 12px; background: #f0f4f8; padding: 0 3px; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
.scroll { overflow-x: auto; max-width: 100%; }
td { overflow-wrap: anywhere; }
td code { word-break: break-all; }
@media (max-width: 720px) {
  main { padding: 10px 10px 30px; } header.top { padding: 12px 14px; }
  .grid2 { grid-template-columns: 1fr; } section { padding: 10px 10px; }
  .scroll table { min-width: 560px; }
}
</style>
</head>
<body>
<header class="top">{% block header %}{% endblock %}</header>
<main>
{% block main %}{% endblock %}
<footer>由 callqa 生成于 {{ generated_at }} · 评分标准 {{ rubric_label }} · 长数字（卡号、证件号、手机号）已脱敏显示。</footer>
</main>
</body>
</html>
"""

INDEX = """{% extends "base.html" %}
{% block title %}坐席质检 · 团队总览 {{ period.since }} 至 {{ period.until }}{% endblock %}
{% block header %}
<h1>坐席质检报告 · 团队总览</h1>
<div class="sub">统计周期 {{ period.since }} 至 {{ period.until }}（{{ period.nights }} 晚），对比上一周期 {{ previous.since }} 至 {{ previous.until }}</div>
{% endblock %}
{% block main %}
<div class="kpis">
  <div class="kpi"><div class="v">{{ totals.calls }}</div><div class="l">通话数</div></div>
  <div class="kpi"><div class="v">{{ totals.agents }}</div><div class="l">坐席数</div></div>
  <div class="kpi"><div class="v">{{ totals.mean|score }}</div><div class="l">平均分（上一周期 {{ totals.prev_mean|score }}）</div></div>
  <div class="kpi"><div class="v">{{ totals.pass_rate|pct }}</div><div class="l">合格率</div></div>
  <div class="kpi"><div class="v bad">{{ totals.vetoed }}</div><div class="l">一票否决通话</div></div>
  <div class="kpi"><div class="v">{{ totals.dismissed }}</div><div class="l">复核驳回的扣分项</div></div>
</div>
{% if not_shown %}<p class="muted">另有未加载评分标准的通话未计入本报告：{% for rid, n in not_shown %}{{ rid }}（{{ n }} 通）{% endfor %}（用 --routing 或 --rubric 指定）。</p>{% endif %}
<section><h2>每晚趋势</h2><div class="chart">{{ charts.trend }}</div></section>
<div class="grid2">
<section><h2>得分分布（本周期）</h2><div class="chart">{{ charts.histogram }}</div></section>
<section><h2>各项违规率</h2><div class="chart">{{ charts.criteria }}</div>
<div class="scroll"><table><tr><th>评分项</th><th class="n">本周期</th><th class="n">上一周期</th></tr>
{% for c in criteria %}<tr><td>{{ c.name }}</td><td class="n">{{ c.rate|pct(1) }}</td><td class="n">{{ c.prev_rate|pct(1) }}</td></tr>
{% endfor %}</table></div></section>
</div>
<section><h2>退步最多的坐席</h2>
{% if fallers %}<div class="scroll"><table><tr><th>坐席</th><th>团队</th><th class="n">上一周期</th><th class="n">本周期</th><th class="n">变化</th><th class="n">通话数</th></tr>
{% for a in fallers %}<tr><td><a href="{{ a.page }}">{{ a.agent }}</a></td><td>{{ a.team }}</td><td class="n">{{ a.prev_mean|score }}</td>
<td class="n">{{ a.mean|score }}</td><td class="n bad">{{ a.change|delta }}</td><td class="n">{{ a.n_calls }}</td></tr>
{% endfor %}</table></div>
{% else %}<p class="muted">上一周期没有可比数据（两个周期都至少 {{ min_calls }} 通通话的坐席才参与比较），或没有坐席退步。</p>{% endif %}
</section>
<section><h2>坐席排名（按平均分）</h2>
<div class="scroll"><table><tr><th class="n">排名</th><th>坐席</th><th>团队</th><th class="n">通话数</th><th class="n">平均分</th><th class="n">合格率</th>
<th class="n">一票否决</th><th class="n">合规问题</th><th class="n">较上周期</th></tr>
{% for a in agents %}<tr><td class="n">{{ a.rank }}</td><td><a href="{{ a.page }}">{{ a.agent }}</a></td><td>{{ a.team }}</td>
<td class="n">{{ a.n_calls }}</td><td class="n">{{ a.mean|score }}</td><td class="n">{{ a.pass_rate|pct }}</td>
<td class="n{% if a.vetoed %} bad{% endif %}">{{ a.vetoed }}</td><td class="n">{{ a.flags }}</td><td class="n">{{ a.change|delta }}</td></tr>
{% endfor %}</table></div></section>
<section><h2>各团队</h2>
<div class="scroll"><table><tr><th>团队</th><th class="n">坐席数</th><th class="n">通话数</th><th class="n">平均分</th><th class="n">中位数</th><th class="n">合格率</th></tr>
{% for t in teams %}<tr><td>{{ t.team }}</td><td class="n">{{ t.agents }}</td><td class="n">{{ t.calls }}</td><td class="n">{{ t.mean|score }}</td>
<td class="n">{{ t.median|score }}</td><td class="n">{{ t.pass_rate|pct }}</td></tr>
{% endfor %}</table></div></section>
{% include "rules.html" %}
{% endblock %}
"""

RULES = """<section><h2>规则驳回统计（哪些规则误报多）</h2>
{% if rules %}<div class="scroll"><table><tr><th>规则</th><th>评分项</th><th class="n">命中</th><th class="n">已确认</th><th class="n">已驳回</th><th class="n">驳回率</th></tr>
{% for r in rules %}<tr><td><code>{{ r.rule_id }}</code></td><td>{{ r.criterion }}</td><td class="n">{{ r.findings }}</td>
<td class="n">{{ r.confirmed }}</td><td class="n{% if r.dismissed %} bad{% endif %}">{{ r.dismissed }}</td><td class="n">{{ r.dismissal_rate|pct }}</td></tr>
{% endfor %}</table></div>
{% else %}<p class="muted">还没有复核结论。</p>{% endif %}
<p class="muted">被驳回的扣分项不再计入坐席得分：报告把该项扣掉的分加回到通话得分（复核以每条问题的最新结论为准）。</p>
</section>
"""

AGENT = """{% extends "base.html" %}
{% macro legend(items) %}<div class="legend">{% for label, colour, style in items %}<span><i class="{{ style }}" style="{{ 'border-color' if style != 'box' else 'background' }}: {{ colour }}"></i>{{ label }}</span>{% endfor %}</div>{% endmacro %}
{% block title %}坐席 {{ a.agent }} · 质检报告{% endblock %}
{% block header %}
<div class="sub"><a href="index.html">← 团队总览</a></div>
<h1>坐席 {{ a.agent }} · {{ a.team }}</h1>
<div class="sub">统计周期 {{ period.since }} 至 {{ period.until }}（{{ period.nights }} 晚）</div>
{% endblock %}
{% block main %}
<div class="kpis">
  <div class="kpi"><div class="v">{{ a.mean|score }}</div><div class="l">平均分（团队中位数 {{ a.team_median|score }}）</div></div>
  <div class="kpi"><div class="v">{{ a.rank }} / {{ n_agents }}</div><div class="l">全体排名</div></div>
  <div class="kpi"><div class="v">{{ a.n_calls }}</div><div class="l">通话数</div></div>
  <div class="kpi"><div class="v">{{ a.pass_rate|pct }}</div><div class="l">合格率</div></div>
  <div class="kpi"><div class="v{% if a.vetoed %} bad{% endif %}">{{ a.vetoed }}</div><div class="l">一票否决通话</div></div>
  <div class="kpi"><div class="v">{{ a.change|delta }}</div><div class="l">较上一周期（{{ a.prev_mean|score }}）</div></div>
</div>
<section><h2>每晚得分与团队中位数</h2>{{ legend(legends.trend) }}<div class="chart">{{ charts.trend }}</div></section>
<section><h2>各评分项：本人与团队</h2>
<div class="grid2"><div>{{ legend(legends.criteria) }}<div class="chart">{{ charts.criteria }}</div></div>
<div class="scroll"><table><tr><th>评分项</th><th class="n">本人违规率</th><th class="n">团队违规率</th><th class="n">本人扣分</th></tr>
{% for c in criteria %}<tr><td>{{ c.name }}</td><td class="n{% if c.weak %} bad{% endif %}">{{ c.rate|pct }}</td>
<td class="n">{{ c.team_rate|pct }}</td><td class="n">{{ c.lost|score }}</td></tr>
{% endfor %}</table></div></div></section>
<section><h2>辅导建议</h2>
{% for c in criteria if c.weak %}<div class="tip"><b>{{ c.name }}</b>（本人 {{ c.rate|pct }}，团队 {{ c.team_rate|pct }}）：{{ c.coaching }}</div>
{% else %}<p class="good">本周期各评分项都不差于团队水平，继续保持。</p>{% endfor %}
</section>
<section><h2>最需要复盘的通话</h2>
{% for call in worst %}<div class="call">
<b>{{ call.call_id|call }}</b> · {{ call.started }}（北京时间） · 得分 <b class="{{ 'bad' if not call.passed else '' }}">{{ call.score|score }}</b>
{% if call.vetoed %}<span class="tag critical">一票否决</span>{% endif %}
{% if call.restored %}<span class="muted">（复核驳回后加回 {{ call.restored|score }} 分）</span>{% endif %}
{% for f in call.findings %}<div class="evidence{% if f.dismissed %} gone{% endif %}"><span class="tag {{ f.severity }}">{{ f.criterion }}</span>
{{ f.evidence|highlight(f.span_start, f.span_end) }} <span class="muted">总分 {{ f.weighted|score }} 分（评分标准扣 {{ f.points|score }} 分 ÷ 总权重 {{ f.total_weight|score(0) }} × 100） · {{ f.detail }} · <code>{{ f.rule_id }}</code></span>
{% if f.dismissed %}<span class="tag dismissed">已驳回 {{ f.reviewer }}</span>{% elif f.confirmed %}<span class="tag confirmed">已确认</span>{% endif %}</div>
{% endfor %}{% for m in call.missing %}<div class="evidence"><span class="tag minor">{{ m }}</span> 全程未做到</div>{% endfor %}
</div>{% else %}<p class="muted">本周期没有通话。</p>{% endfor %}
</section>
<section><h2>值得表扬</h2>
{% for e in praise %}<div class="evidence praise"><span class="tag minor">{{ e.criterion }}</span> {{ e.evidence|highlight(e.span_start, e.span_end) }}
<span class="muted">{{ e.call_id|call }} · {{ e.started }}</span></div>
{% else %}<p class="muted">本周期没有共情安抚或复述确认的好例子，可以在辅导时一起练习。</p>{% endfor %}
</section>
{% endblock %}
"""

COMPLIANCE = """{% extends "base.html" %}
{% block title %}合规复核队列{% endblock %}
{% block header %}
<h1>合规复核队列 · 过度承诺与信息泄露</h1>
<div class="sub">{{ scope }} · 排序：严重程度，其次置信度 · <a href="queue.csv">导出 CSV（queue.csv）</a></div>
{% endblock %}
{% block main %}
<div class="kpis">
  <div class="kpi"><div class="v">{{ counts.pending }}</div><div class="l">待复核</div></div>
  <div class="kpi"><div class="v">{{ counts.suspected }}</div><div class="l">其中仅模型疑似（确认前不扣分、不否决）</div></div>
  <div class="kpi"><div class="v bad">{{ counts.confirmed }}</div><div class="l">已确认</div></div>
  <div class="kpi"><div class="v">{{ counts.dismissed }}</div><div class="l">已驳回</div></div>
  <div class="kpi"><div class="v">{{ counts.total }}</div><div class="l">全部</div></div>
</div>
<section><h2>如何记录复核结论</h2>
<p>单条：<code>callqa review --scorecards {{ scorecards }} --finding 问题ID --decision confirmed|dismissed --reviewer 姓名 --note 说明</code></p>
<p>批量：在 queue.csv 的 decision（confirmed / dismissed，或 确认 / 驳回）、reviewer、note 列填写后
<code>callqa review --scorecards {{ scorecards }} --import queue.csv</code>。结论只追加不改写，以每条问题的最新结论为准；驳回的问题不再扣坐席的分。</p>
</section>
{% include "rules.html" %}
{% for title, rows, total in sections %}
<section><h2>{{ title }}（{{ total }}）</h2>
{% if total > rows|length %}<p class="muted">只列出排序最前的 {{ rows|length }} 条；全部 {{ total }} 条见
<a href="queue.csv">queue.csv</a>，或在复核工作台（<code>callqa workbench</code>）里按团队、坐席筛选处理。</p>{% endif %}
{% if rows %}<div class="scroll"><table><tr><th class="n">#</th><th>严重程度</th><th class="n">置信度</th><th>坐席</th><th>时间（北京）</th><th>证据</th><th>触发规则</th><th>状态</th><th>问题ID</th></tr>
{% for r in rows %}<tr><td class="n">{{ loop.index }}</td><td><span class="tag {{ r.severity }}">{{ r.severity_label }}</span></td>
<td class="n">{{ r.confidence|score(2) }}</td><td>{{ r.agent_id|ident }}<br><span class="muted">{{ r.team }}</span></td>
<td>{{ r.started }}<br><span class="muted">{{ r.call_id|call }}</span></td>
<td><div class="evidence">{{ r.evidence|highlight(r.span_start, r.span_end) }}</div><span class="muted">{{ r.detail }}</span></td>
<td>{{ r.criterion }}<br><code>{{ r.rule_id }}</code><br><span class="muted">依据：{{ r.basis_label }}</span></td>
<td><span class="tag {{ r.status }}">{{ r.status_label }}</span>{% if r.reviewer %}<br><span class="muted">{{ r.reviewer }} · {{ r.decided }}</span>{% endif %}
{% if r.note %}<br><span class="muted">{{ r.note }}</span>{% endif %}</td><td><code>{{ r.finding_id|finding }}</code></td></tr>
{% endfor %}</table></div>{% else %}<p class="muted">没有。</p>{% endif %}
</section>
{% endfor %}
{% endblock %}
"""

TEMPLATES = {"base.html": BASE, "index.html": INDEX, "rules.html": RULES, "agent.html": AGENT,
             "compliance.html": COMPLIANCE}
