"""What the reports read: the scorecards of a period, with reviewers' decisions applied.

The scorecards are the record of what the rules found; the reports show what
coaches and compliance should act on. The difference is the review log: a
finding a reviewer *dismissed* (the latest decision wins) no longer costs the
agent anything in a report. The stored scorecards are left as they are (they
are re-derived from transcripts and must stay reproducible); the report adds
the finding's ``points`` (a negative deduction) back to the call's
``total_score``, scaled to the 0–100 total (see :func:`adjust_scores` for the
weight cap), clears the criterion's violation when none of its violations is
left, and lifts the veto when no violation of a veto criterion is left.

Rubrics. A night's calls are scored by several rubrics (``rubrics/routing.yaml``
sends wealth sales to ``wealth_outbound``): a report covers the calls of every
rubric it is given, each call adjusted with its own rubric's weights and pass
line. Criteria are the union of the rubrics' (the default's first); a call whose
rubric lacks a criterion does not count towards that criterion's rate.

Periods. A report covers the nights ``since``..``until`` (defaults: the 7
nights ending at the latest scored night) and compares them with the
previous period of the same length, right before ``since``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from scorers.finding import MET, VIOLATION
from scorers.reports.render import ReportError
from scorers.reports.reviews import CONFIRMED, DISMISSED, latest_decisions
from scorers.rubric import Rubric
from scorers.schemas import PARTITION
from scorers.store import Store

DEFAULT_NIGHTS = 7
CHINA_TZ = "Asia/Shanghai"
DECISION_COLUMNS = ["decision", "reviewer", "note", "decided_at"]


@dataclass(frozen=True)
class Period:
    since: date
    until: date

    @property
    def nights(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def previous(self) -> "Period":
        return Period(self.since - timedelta(days=self.nights), self.since - timedelta(days=1))

    def days(self) -> list[date]:
        return [self.since + timedelta(days=n) for n in range(self.nights)]


@dataclass
class ReportData:
    rubric: Rubric  # the first (default) rubric: the pass line drawn on charts
    period: Period
    calls: pd.DataFrame  # current and previous period; adjusted columns: score, passed_adj, vetoed_adj, <c>_state
    findings: pd.DataFrame  # findings of those calls (light: of the period's calls), with the latest decision on each
    versions: list[str]
    rubrics: list[Rubric] = field(default_factory=list)  # every rubric whose calls are shown
    versions_by: dict = field(default_factory=dict)  # rubric id -> versions seen in the period
    not_shown: dict = field(default_factory=dict)  # rubric id -> calls in the period scored by a rubric not given
    source: Path | None = None  # the scorecard folder (where :func:`with_details` reads findings' texts)

    def __post_init__(self) -> None:
        if not self.rubrics:
            self.rubrics = [self.rubric]

    @property
    def definitions(self) -> dict:
        """Criterion id -> its definition (the first rubric that has it)."""
        defs: dict = {}
        for r in self.rubrics:
            for c in r.criteria:
                defs.setdefault(c.id, c)
        return defs

    @property
    def labels(self) -> dict[str, str]:
        return {cid: c.name for cid, c in self.definitions.items()}

    @property
    def current(self) -> pd.DataFrame:
        return _rows(self.calls, self.calls["in_period"])

    @property
    def previous(self) -> pd.DataFrame:
        return _rows(self.calls, ~self.calls["in_period"])

    @property
    def criteria(self) -> list[str]:
        return [c for c in self.definitions if f"{c}_status" in self.calls.columns]

    def weights(self, criterion: str, calls: pd.DataFrame) -> pd.Series:
        """Per call, the weight ``criterion`` has in the rubric that scored it (NaN where it has none)."""
        by_rubric = {r.id: c.weight for r in self.rubrics for c in r.criteria if c.id == criterion}
        return calls["rubric_id"].map(by_rubric).astype(float)


def _rows(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """``frame[mask]``, without copying a million rows when the mask keeps them all (a report of one night)."""
    return frame if bool(mask.all()) else frame[mask]


def as_rubrics(rubric) -> list[Rubric]:
    """One rubric, a list of them, or a :class:`~scorers.routing.Router` (its rubrics, default first)."""
    if isinstance(rubric, Rubric):
        return [rubric]
    unique: dict[str, Rubric] = {}
    for r in getattr(rubric, "rubrics", rubric):
        unique.setdefault(r.id, r)
    return list(unique.values())


def parse_day(value: str | date | None, what: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ReportError(f"{what}: not a date (YYYY-MM-DD): {value!r}") from None


def resolve_period(nights: list[date], since: date | None, until: date | None,
                   default_nights: int = DEFAULT_NIGHTS) -> Period:
    if not nights:
        raise ReportError("the scorecards hold no scored calls")
    until = until or max(nights)
    since = since or until - timedelta(days=default_nights - 1)
    if since > until:
        raise ReportError(f"--since {since} is after --until {until}")
    return Period(since, until)


# What the reports read of each dataset (never ``transcripts/``, never every column).
CALL_COLUMNS = ["call_id", "agent_id", "team", "started_at", "rubric_id", "rubric_version", "total_score", "passed",
                "vetoed", "call_date"]
FINDING_COLUMNS = ["finding_id", "call_id", "agent_id", "team", "criterion", "outcome", "utterance_index",
                   "span_start", "span_end", "evidence", "detail", "rule_id", "severity", "confidence", "points",
                   "basis", "counted", "rubric_id", "rubric_version"]
# what the figures need of every finding; the texts are read for the findings a page shows
LIGHT_FINDING_COLUMNS = ["finding_id", "call_id", "agent_id", "criterion", "outcome", "utterance_index", "rule_id",
                         "confidence", "points", "rubric_id"]
DETAIL_COLUMNS = [c for c in FINDING_COLUMNS if c not in LIGHT_FINDING_COLUMNS]


def data_files(folder: Path) -> list[Path]:
    """The Parquet files of a dataset folder (names starting with ``_`` or ``.`` are not data)."""
    if not folder.is_dir():
        return []
    return sorted(f for f in folder.rglob("*.parquet")
                  if not any(p.startswith(("_", ".")) for p in f.relative_to(folder).parts))


def dataset(out: Path | str, name: str, dictionary: tuple[str, ...] = ()) -> ds.Dataset | None:
    """``OUT/name`` as one pyarrow dataset (the union of its files' schemas, ``call_date`` from the path).

    ``dictionary``: text columns decoded straight to dictionaries (a criterion's few statuses: a
    small index per row, never a million strings)."""
    folder = Path(out) / name
    files = data_files(folder)
    if not files:
        return None
    schema = pa.unify_schemas([pq.read_schema(f) for f in files] + [PARTITION], promote_options="permissive")
    fmt = "parquet"
    wanted = [c for c in dictionary if c in schema.names and pa.types.is_string(schema.field(c).type)]
    if wanted:
        for c in wanted:
            schema = schema.set(schema.get_field_index(c), pa.field(c, pa.dictionary(pa.int32(), pa.string())))
        fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=wanted))
    return ds.dataset([str(f) for f in files], format=fmt, schema=schema,
                      partitioning=ds.partitioning(PARTITION, flavor="hive"), partition_base_dir=str(folder))


def consistent(out: Path | str, read):
    """``read()`` as of one finished commit (:meth:`scorers.store.Store.consistent`)."""
    return Store(out).consistent(read)


def nights_between(since: date | None, until: date | None):
    """A ``call_date`` filter (partitions outside it are never opened); None when unbounded."""
    expr = None
    if since is not None:
        expr = ds.field("call_date") >= pa.scalar(since, pa.date32())
    if until is not None:
        upper = ds.field("call_date") <= pa.scalar(until, pa.date32())
        expr = upper if expr is None else expr & upper
    return expr


def read_table(out: Path | str, name: str, columns: list[str] | None = None, filter=None,
               dictionary: tuple[str, ...] = ()) -> pa.Table | None:
    """Only ``columns`` (those the dataset has) of the rows matching ``filter``; None when there are no files."""
    def read():
        data = dataset(out, name, dictionary)
        if data is None:
            return None
        wanted = None if columns is None else [c for c in columns if c in data.schema.names]
        # few batches in flight: a scan that keeps a few rows of millions holds little more than they
        return data.to_table(columns=wanted, filter=filter, batch_size=64 * 1024, batch_readahead=2,
                             fragment_readahead=1,
                             fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False))
    return consistent(out, read)


def _table(out: Path, name: str, columns: list[str] | None = None, filter=None,
           categories: tuple[str, ...] = ()) -> pd.DataFrame | None:
    """``categories``: text columns of a few values (a criterion's status) read as pandas categoricals,
    a byte a row instead of a string."""
    table = read_table(out, name, columns, filter, categories)
    if table is None:
        return None
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    for c in categories:
        if c in frame and isinstance(frame[c].dtype, pd.CategoricalDtype):
            # categories in text order: sorting and grouping on them go as they would on the strings
            frame[c] = frame[c].cat.set_categories(sorted(frame[c].cat.categories))
    return frame


def _texts(out: Path, period: Period, ids: list[str], columns: list[str]) -> pd.DataFrame | None:
    """``columns`` of the findings ``ids`` in the nights of both periods: each file read batch by batch
    and filtered as it goes (a million findings' evidence is never decoded at once)."""
    wanted = pa.array(sorted(set(ids)), pa.string())

    def read():
        parts = []
        for f in data_files(Path(out) / "findings"):
            night = f.parent.name.removeprefix("call_date=")
            try:
                if not period.previous.since <= date.fromisoformat(night) <= period.until:
                    continue
            except ValueError:
                pass  # not in a night folder: read it
            source = pq.ParquetFile(f, pre_buffer=False)
            present = [c for c in ["finding_id"] + columns if c in source.schema_arrow.names]
            for batch in source.iter_batches(batch_size=64 * 1024, columns=present):
                keep = batch.filter(pc.is_in(batch.column("finding_id"), value_set=wanted))
                if keep.num_rows:
                    parts.append(keep.to_pandas())
        return parts
    parts = consistent(out, read)
    if not parts:
        return None
    texts = pd.concat(parts, ignore_index=True)
    for c in columns:
        if c not in texts:
            texts[c] = None
    return texts


def with_details(data: "ReportData", findings: pd.DataFrame) -> pd.DataFrame:
    """``findings`` (a few rows of a light :class:`ReportData`) with their texts, read for those ids alone."""
    missing = [c for c in DETAIL_COLUMNS if c not in findings.columns]
    if not missing or data.source is None:
        return findings
    texts = _texts(data.source, data.period, findings["finding_id"].astype(object).tolist(), missing) \
        if len(findings) else None
    if texts is None:
        return findings.assign(**{c: None for c in missing})
    texts = texts.drop_duplicates("finding_id", keep="last").set_index("finding_id")
    joined = findings.join(texts, on="finding_id")
    release_memory()
    return joined


def has_files(out: Path, name: str) -> bool:
    return bool(data_files(Path(out) / name))


def _nights_by_rubric(out: Path) -> dict[tuple[str, date], int] | None:
    """(rubric_id, night) -> calls, batch by batch from two columns: what every report needs to know first."""
    def read():
        data = dataset(out, "calls")
        if data is None:
            return None
        counts: dict[tuple[str, date], int] = {}
        for batch in data.to_batches(columns=["rubric_id", "call_date"]):
            if not batch.num_rows:
                continue
            grouped = pa.Table.from_batches([batch]).group_by(["rubric_id", "call_date"]).aggregate(
                [([], "count_all")])
            for rubric_id, night, n in zip(grouped["rubric_id"].to_pylist(), grouped["call_date"].to_pylist(),
                                           grouped["count_all"].to_pylist()):
                counts[(rubric_id, night)] = counts.get((rubric_id, night), 0) + n
        return counts
    return consistent(out, read)


def _local_time(started_at: pd.Series) -> pd.Series:
    """ISO strings with offsets to Beijing wall-clock datetimes (what people in the bank read)."""
    stamps = pd.to_datetime(started_at, utc=True, errors="coerce", format="ISO8601")
    return stamps.dt.tz_convert(CHINA_TZ).dt.tz_localize(None)


def release_memory() -> None:
    """Give freed memory back to the system (Arrow's pool keeps what a big read used otherwise)."""
    import gc

    gc.collect()
    pa.default_memory_pool().release_unused()
    _trim_heap()


def _trim_heap() -> None:
    """Hand the C heap's free pages back (glibc keeps what pandas freed otherwise); a no-op elsewhere."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def with_decisions(findings: pd.DataFrame, decisions: pd.DataFrame, compact: bool = False) -> pd.DataFrame:
    """``findings`` with the latest decision's columns (NaN where none): looked up column by column,
    so millions of findings are not copied for a few thousand decisions.

    ``compact``: the decision columns as categoricals (almost every finding has no decision: a small
    code per row instead of an object pointer each), for a night's findings that are only counted."""
    joined = findings.copy(deep=False)  # copy-on-write: the caller's frame is left as it was
    if compact:
        # each finding's row in the log, found once in Arrow (no Python string per finding); -1: none
        at = pc.index_in(_arrow(findings["finding_id"]),
                         value_set=pa.array(decisions.index.astype(str).tolist(), pa.string()))
        at = at.fill_null(-1).to_numpy()
        hit = at >= 0
    for column in DECISION_COLUMNS:
        if compact:
            logged = pd.Categorical(decisions[column])
            codes = np.full(len(findings), -1, dtype=logged.codes.dtype)
            codes[hit] = logged.codes[at[hit]]
            joined[column] = pd.Categorical.from_codes(codes, dtype=logged.dtype)
        elif len(decisions):
            joined[column] = findings["finding_id"].map(decisions[column])
        else:
            joined[column] = findings.join(decisions[[column]], on="finding_id")[column]
    joined["dismissed"] = joined["decision"].eq(DISMISSED).fillna(False).astype(bool)
    joined["confirmed"] = joined["decision"].eq(CONFIRMED).fillna(False).astype(bool)
    return joined


def load_report_data(out: Path | str, rubric, since=None, until=None,
                     default_nights: int = DEFAULT_NIGHTS, light: bool = False) -> ReportData:
    """The calls of ``rubric`` — a rubric, a list, or a Router: every rubric the night was scored with.

    ``light``: the findings without their texts (:data:`DETAIL_COLUMNS`: evidence, detail, spans, ...),
    most of their memory; :func:`with_details` adds them to the few findings a page prints."""
    out = Path(out)
    rubrics = as_rubrics(rubric)
    ids = [r.id for r in rubrics]
    counts = _nights_by_rubric(out)
    if counts is None:
        raise ReportError(f"no scorecards under {out}: {out / 'calls'} has no Parquet files "
                          f"(run `callqa score` or `callqa nightly` first)")
    found = {r for r, _ in counts}
    if not found & set(ids):
        raise ReportError(f"no calls in {out} were scored with rubric {', '.join(map(repr, ids))}; "
                          f"found: {', '.join(sorted(found))} (pass --rubric or --routing)")
    nights = sorted({night for r, night in counts if r in ids})
    period = resolve_period(nights, parse_day(since, "--since"), parse_day(until, "--until"), default_nights)
    hidden: dict[str, int] = {}
    for (r, night), n in sorted(counts.items()):
        if r not in ids and period.since <= night <= period.until:
            hidden[r] = hidden.get(r, 0) + n
    # only the nights of both periods, only the calls of these rubrics, only the columns the report uses
    criteria = list(dict.fromkeys(c.id for r in rubrics for c in r.criteria))
    columns = CALL_COLUMNS + [f"{c}_{k}" for c in criteria for k in ("score", "status")]
    where = nights_between(period.previous.since, period.until) & ds.field("rubric_id").isin(ids)
    calls = _table(out, "calls", columns, where,
                   categories=("rubric_id", "rubric_version") + tuple(f"{c}_status" for c in criteria))
    if light:  # a criterion's score is a few points (0, 2.5, 10 ...): exact in 4 bytes, not 8, a call
        for c in criteria:
            if f"{c}_score" in calls:
                calls[f"{c}_score"] = calls[f"{c}_score"].astype("float32")
    night = pd.Series([d if isinstance(d, date) else pd.Timestamp(d).date() for d in calls.pop("call_date")],
                      index=calls.index, dtype=object)
    calls["in_period"] = night >= period.since
    if not calls["in_period"].any():
        raise ReportError(f"no calls scored in {period.since}..{period.until}; "
                          f"the scorecards hold nights {nights[0]}..{nights[-1]}")
    # a night is one of a few dates: a categorical holds a small code per call, not a million date objects
    calls["night"] = pd.Categorical(night, categories=sorted(set(night)))
    del night
    calls["started"] = _local_time(calls.pop("started_at"))
    # (rubric, version) pairs of the period, grouped in Arrow: not a million ids copied into a Python set
    pairs = pa.table({"rubric": _arrow(calls["rubric_id"]), "version": _arrow(calls["rubric_version"])}).filter(
        pa.array(calls["in_period"].to_numpy(dtype=bool))).group_by(["rubric", "version"]).aggregate([])
    pairs = list(zip(pairs["rubric"].to_pylist(), pairs["version"].to_pylist()))
    versions_by = {r.id: sorted(v for rid, v in pairs if rid == r.id and v is not None) for r in rubrics}
    present = set(pc.unique(_arrow(calls["rubric_id"])).to_pylist())
    rubrics = [r for r in rubrics if r.id in present]
    versions = sorted({v for r in rubrics for v in versions_by.get(r.id, [])})
    not_shown = {k: int(v) for k, v in sorted(hidden.items())}

    findings = _table(out, "findings", LIGHT_FINDING_COLUMNS if light else FINDING_COLUMNS,
                      nights_between(period.previous.since, period.until)
                      & ds.field("rubric_id").isin([r.id for r in rubrics]),
                      categories=("criterion", "outcome", "rule_id", "rubric_id", "agent_id") if light else ())
    if findings is None:
        findings = pd.DataFrame(columns=["finding_id", "call_id", "rubric_id", "criterion", "outcome", "points"])
    findings = findings.drop(columns=[c for c in ("call_date",) if c in findings])
    findings = findings[findings["rubric_id"].isin([r.id for r in rubrics])]
    findings = _with_calls(findings, calls)
    findings = with_decisions(findings, latest_decisions(out), compact=light)
    release_memory()
    if len(rubrics) == 1:  # the usual night: no copies of a million calls per rubric
        calls = adjust_scores(calls, findings, rubrics[0])
    else:
        calls = pd.concat([adjust_scores(calls[calls["rubric_id"] == r.id], findings[findings["rubric_id"] == r.id],
                                         r) for r in rubrics])
    if light:  # the previous period's findings only adjusted its scores (done): every page reads this period's
        findings = findings[findings["in_period"].to_numpy(dtype=bool)]
        release_memory()
    return ReportData(rubrics[0], period, calls.reset_index(drop=True), findings.reset_index(drop=True), versions,
                      rubrics, versions_by, not_shown, out)


def _with_calls(findings: pd.DataFrame, calls: pd.DataFrame) -> pd.DataFrame:
    """The findings of ``calls`` (same call and rubric), with the call's night, in_period and started.

    An inner merge on (call_id, rubric_id), keeping the findings' order; done as a lookup when call ids
    are unique (always, in a consistent store), which copies no findings column."""
    columns = ["night", "in_period", "started"]
    keys = _arrow(calls["call_id"])
    if pc.count_distinct(keys).as_py() != len(keys):
        return findings.merge(calls[["call_id", "rubric_id"] + columns], on=["call_id", "rubric_id"], how="inner")
    # looked up in Arrow: a million call ids are never turned into Python strings
    at = pc.index_in(_arrow(findings["call_id"]), value_set=keys).fill_null(-1).to_numpy()
    found = at >= 0
    if found.any():
        same_rubric = pc.equal(pc.take(_arrow(calls["rubric_id"]), pa.array(at[found])),
                               _arrow(findings["rubric_id"]).filter(pa.array(found)))
        found[found] = same_rubric.to_numpy(zero_copy_only=False)
    out = findings.copy(deep=False) if found.all() else findings[found]
    out = out.reset_index(drop=True)
    for c in columns:  # take keeps the column's type (the night's categorical: a code per finding)
        out[c] = calls[c].array.take(at[found])
    return out


def _arrow(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text column as Arrow strings (no copy when pandas already holds it in Arrow)."""
    values = pa.array(column.array)
    if pa.types.is_dictionary(values.type):  # a categorical
        values = values.dictionary_decode()
    return values


def adjust_scores(calls: pd.DataFrame, findings: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Scores as the reviewers left them: a call is charged as if dismissed findings were never found.

    Per call and criterion, the kept violations are charged again with the
    rubric's ``deduction`` up to its ``weight``; what was charged before (the
    findings' ``points``) minus that comes back. Usually this is simply the
    dismissed finding's points; it differs when the weight cap had made a kept
    violation free (two leaks in one call: dismissing one leaves the other
    costing the full weight). ``<criterion>_restored`` holds the points per
    criterion, ``restored`` the total on the 0–100 scale.
    """
    calls = calls.copy(deep=False)  # copy-on-write (pandas 3): the new columns do not touch the caller's frame
    criteria = {c.id: c for c in rubric.criteria}
    total_weight = sum(c.weight for c in rubric.criteria) or 100.0
    # Masks over the findings, and copies of the few rows of calls with a dismissed violation only:
    # never the violations of a million calls copied (or their call ids made Python strings).
    violation = (findings["outcome"] == VIOLATION).to_numpy()
    dismissed = findings["dismissed"].to_numpy(dtype=bool)
    touched = findings.loc[violation & dismissed, ["call_id", "criterion"]].drop_duplicates()
    near = violation & findings["call_id"].isin(touched["call_id"].unique()).to_numpy()
    groups = touched.merge(findings.loc[near, ["call_id", "criterion", "points", "dismissed"]],
                           on=["call_id", "criterion"])
    restored: dict[tuple[str, str], float] = {}
    cleared_pairs: set[tuple[str, str]] = set()  # every violation of the criterion dismissed: it is met
    for (call_id, cid), group in groups.groupby(["call_id", "criterion"]):
        if group["dismissed"].all():
            cleared_pairs.add((call_id, cid))
        charged = -float(group["points"].sum())
        criterion = criteria.get(cid)
        if criterion is None:  # not in this rubric: give back what the dismissed findings cost
            back = -float(group.loc[group["dismissed"], "points"].sum())
        else:
            back = charged - min(criterion.weight, criterion.deduction * int((~group["dismissed"]).sum()))
        restored[(call_id, cid)] = max(0.0, back)
    # Only calls with a dismissed violation change (a few in a million): look those up, not every call.
    call_ids = calls["call_id"]
    total = pd.Series(0.0, index=calls.index, dtype=float)
    zeros = pd.Series(0.0, index=calls.index, dtype=float)  # shared by every criterion with nothing restored
    for c in rubric.criterion_ids:
        column = _per_call(call_ids, {k: v for (k, cid), v in restored.items() if cid == c}, zeros)
        calls[f"{c}_restored"] = column
        total += column
    extra: dict[str, float] = {}
    for (call_id, cid), v in restored.items():  # the last one per call, as a dict built in this order keeps
        if cid not in criteria:
            extra[call_id] = v
    total += _per_call(call_ids, extra)
    calls["restored"] = (total * 100.0 / total_weight).round(2)
    calls["score"] = (calls["total_score"] + calls["restored"]).clip(upper=100.0).round(2)

    for c in rubric.criterion_ids:
        status = f"{c}_status"
        if status not in calls.columns:
            continue
        cleared = {k for k, cid in cleared_pairs if cid == c}
        # copy-on-write: a criterion nothing was cleared of shares its status column, no copy
        column = calls[status]
        if cleared and isinstance(column.dtype, pd.CategoricalDtype) and MET not in column.cat.categories:
            column = column.cat.add_categories([MET])
        calls[f"{c}_state"] = column.where(~call_ids.isin(cleared), MET) if cleared else column
    veto = {c.id for c in rubric.criteria if c.veto}
    vetoing = set(findings.loc[violation & ~dismissed & findings["criterion"].isin(veto).to_numpy(), "call_id"])
    calls["vetoed_adj"] = calls["vetoed"].astype(bool) & calls["call_id"].isin(vetoing)
    calls["passed_adj"] = ~calls["vetoed_adj"] & (calls["score"] >= rubric.pass_score)
    return calls


def _per_call(call_ids: pd.Series, values: dict[str, float], zeros: pd.Series | None = None) -> pd.Series:
    """``values`` looked up per call (0.0 for a call not in it), as floats; ``zeros`` where none."""
    if not values:
        return zeros if zeros is not None else pd.Series(0.0, index=call_ids.index, dtype=float)
    hit = call_ids.isin(list(values)).to_numpy()  # in Arrow: only the few calls found are looked up
    column = np.zeros(len(call_ids), dtype=float)
    column[hit] = call_ids[hit].map(values).astype(float).fillna(0.0).to_numpy()
    return pd.Series(column, index=call_ids.index)


def load_queue(out: Path | str, since=None, until=None, decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The compliance cases (``OUT/compliance``) with the latest decision on each (``decisions``:
    :func:`latest_decisions`, when the caller has read them already)."""
    out = Path(out)
    since, until = parse_day(since, "--since"), parse_day(until, "--until")
    queue = _table(out, "compliance", None, nights_between(since, until))  # only the nights asked for
    if queue is None:
        if not has_files(out, "calls"):
            raise ReportError(f"no scorecards under {out}: {out / 'calls'} has no Parquet files "
                              f"(run `callqa score` or `callqa nightly` first)")
        queue = pd.DataFrame(columns=["finding_id", "call_id", "agent_id", "team", "started_at", "criterion",
                                      "rule_id", "severity", "confidence", "utterance_index", "evidence", "detail",
                                      "rubric_id", "rubric_version", "call_date"])
    queue["night"] = [d if isinstance(d, date) else pd.Timestamp(d).date() for d in queue["call_date"]]
    if since:
        queue = queue[queue["night"] >= since]
    if until:
        queue = queue[queue["night"] <= until]
    queue = queue.drop_duplicates("finding_id", keep="last").copy()
    # scorecards written before findings had a basis were all the rules' own, and all counted
    queue["basis"] = queue["basis"].fillna("rule") if "basis" in queue else "rule"
    queue["counted"] = queue["counted"].fillna(True).astype(bool) if "counted" in queue else True
    spans = _spans(out, queue) if len(queue) else None
    if spans is not None:
        spans = spans.drop_duplicates("finding_id", keep="last").set_index("finding_id")[["span_start", "span_end"]]
        queue = queue.join(spans, on="finding_id")
    else:
        queue["span_start"] = queue["span_end"] = None
    queue["started"] = _local_time(queue["started_at"])
    decisions = latest_decisions(out) if decisions is None else decisions
    return with_decisions(queue, decisions).reset_index(drop=True)


def _spans(out: Path, queue: pd.DataFrame) -> pd.DataFrame | None:
    """The spans of the queue's findings, from the findings of the queue's nights only (a case and its
    finding are rows of the same call, stored under the same night)."""
    nights = pa.array(sorted(set(queue["night"])), pa.date32())
    ids = pa.array(queue["finding_id"].astype(object).tolist(), pa.string())
    return _table(out, "findings", ["finding_id", "span_start", "span_end"],
                  ds.field("call_date").isin(nights) & ds.field("finding_id").isin(ids))


def rule_counts(out: Path | str, decided: set[str]) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Over every stored finding: how many each (rule_id, criterion) has, and the rule and criterion of
    the findings in ``decided``. File by file, three columns: never the whole dataset at once.

    A finding id is counted once per batch of a file (a call's rows live in one file of its night, and
    its finding ids are distinct). Files are read in batches of :data:`RULE_COUNT_BATCH` rows: a night's
    file of two million findings is never decoded at once.
    """
    def read():
        files = data_files(Path(out) / "findings")
        if not files:
            return None
        counts: dict[tuple[str, str], int] = {}
        rows = []
        wanted = pa.array(sorted(decided), pa.string())
        for f in files:
            # rule and criterion as dictionaries: a few values each, not millions of strings
            source = pq.ParquetFile(f, read_dictionary=["rule_id", "criterion"], pre_buffer=False)
            for batch in source.iter_batches(batch_size=RULE_COUNT_BATCH, columns=["finding_id", "rule_id",
                                                                                    "criterion"]):
                _count_rules(pa.Table.from_batches([batch]).unify_dictionaries(), counts, wanted, rows)
        decided_rows = (pa.concat_tables(rows).to_pandas() if rows
                        else pd.DataFrame(columns=["finding_id", "rule_id", "criterion"]))
        totals = pd.DataFrame([(r, c, n) for (r, c), n in counts.items()], columns=["rule_id", "criterion", "findings"])
        return totals, decided_rows
    found = consistent(out, read)
    release_memory()
    return found


RULE_COUNT_BATCH = 256 * 1024


def _count_rules(table: pa.Table, counts: dict, wanted: pa.Array, rows: list) -> None:
    """Add one batch's findings per (rule, criterion) to ``counts``; keep its rows of ``wanted`` ids."""
    grouped = table.group_by(["rule_id", "criterion"]).aggregate([("finding_id", "count_distinct")])
    for rule, criterion, n in zip(grouped["rule_id"].to_pylist(), grouped["criterion"].to_pylist(),
                                  grouped["finding_id_count_distinct"].to_pylist()):
        counts[(rule, criterion)] = counts.get((rule, criterion), 0) + n
    if len(wanted):
        rows.append(table.filter(pc.is_in(table["finding_id"], value_set=wanted)).cast(
            pa.schema([("finding_id", pa.string()), ("rule_id", pa.string()), ("criterion", pa.string())])))
