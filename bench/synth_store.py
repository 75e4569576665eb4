#!/usr/bin/env python3
"""A large scorecard folder (OUT) in seconds, without running the scorer: real rows, replicated.

    python bench/synth_store.py --out /tmp/store-1m --calls 1000000 [--nights 30 --history-calls 100000]
                                [--agents 2000] [--transcript-nights 1] [--seed-input bench/night-2000-s7-d1.jsonl]

Scores a small real night once (``callqa score --rules-only``, cached under
/tmp), then writes ``--nights`` nights ending 2026-11-20: the last night has
``--calls`` calls, every earlier one ``--history-calls``. Each night is the
seed's rows repeated with new call ids, finding ids and agent ids (the seed's
400 agents become ``--agents``, each keeping its team), start times moved to
the night, one file per dataset and night as a nightly batch writes them. So
the schemas are exactly the scorer's. Compliance cases are thinned to about
``--compliance-share`` of the calls (the seed has ~5.6%); transcripts are
written for the last ``--transcript-nights`` nights only (the reports never
read them; the workbench does). A review log dismisses and confirms a few
thousand findings, so the reports' review adjustments run too.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
LAST_NIGHT = date(2026, 11, 20)


def seed_store(seed_input: Path) -> Path:
    out = Path("/tmp") / f"callqa-synth-seed-{seed_input.stem}"
    if not (out / "calls").is_dir():
        shutil.rmtree(out, ignore_errors=True)
        callqa = Path(sys.executable).with_name("callqa")
        env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout's scorer, not the installed one's
        subprocess.run([str(callqa), "score", "--rules-only", "--input", str(seed_input), "--out", str(out), "-q"],
                       check=False, env=env)
        if not (out / "calls").is_dir():
            sys.exit(f"synth: scoring {seed_input} wrote no calls under {out}")
    return out


def read_one(store: Path, name: str) -> pa.Table:
    files = sorted((store / name).glob("call_date=*/*.parquet"))
    return pa.concat_tables([pq.read_table(f) for f in files])


def strings(prefix: str, numbers: np.ndarray, width: int, base: pa.Array) -> pa.Array:
    """``prefix`` + zero-padded number + ``-`` + the base value, per row."""
    heads = pa.array([f"{prefix}{n:0{width}d}-" for n in range(int(numbers.max()) + 1)] if len(numbers) else [],
                     pa.string())
    return pc.binary_join_element_wise(heads.take(pa.array(numbers)), base, "")


class Replicator:
    def __init__(self, seed: Path, agents: int, compliance_share: float):
        self.calls = read_one(seed, "calls")
        self.findings = read_one(seed, "findings")
        self.compliance = read_one(seed, "compliance")
        self.transcripts = read_one(seed, "transcripts")
        self.agents_table = read_one(seed, "agents")
        self.n = self.calls.num_rows
        ids = self.calls.column("call_id").to_pylist()
        position = {c: i for i, c in enumerate(ids)}
        self.f_call = np.array([position[c] for c in self.findings.column("call_id").to_pylist()])
        self.c_call = np.array([position[c] for c in self.compliance.column("call_id").to_pylist()])
        self.t_call = np.array([position[c] for c in self.transcripts.column("call_id").to_pylist()])
        seed_agents = sorted(set(self.calls.column("agent_id").to_pylist()))
        self.copies = max(1, math.ceil(agents / len(seed_agents)))  # each seed agent becomes this many agents
        self.keep_cases = min(1.0, compliance_share * self.n / max(1, self.compliance.num_rows))
        self.base_date = self.calls.column("started_at")[0].as_py().date()

    def _rows(self, n_calls: int, base_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each row of a per-call dataset (its seed call ``base_index``), which replica it belongs to;
        rows whose call falls beyond ``n_calls`` are dropped."""
        reps = math.ceil(n_calls / self.n)
        idx = np.tile(np.arange(len(base_index)), reps)
        rep = np.repeat(np.arange(reps), len(base_index))
        keep = rep * self.n + base_index[idx] < n_calls
        return idx[keep], rep[keep]

    def _ids(self, table: pa.Table, idx: np.ndarray, rep: np.ndarray, night: int, with_agent: bool) -> pa.Table:
        table = table.take(pa.array(idx))
        tag = night * 100000 + rep  # unique per night and replica
        table = table.set_column(table.schema.get_field_index("call_id"), "call_id",
                                 strings("N", tag, 7, table.column("call_id").combine_chunks()))
        if "finding_id" in table.column_names:
            table = table.set_column(table.schema.get_field_index("finding_id"), "finding_id",
                                     strings("", tag, 7, table.column("finding_id").combine_chunks()))
        if with_agent:
            table = table.set_column(table.schema.get_field_index("agent_id"), "agent_id",
                                     strings("G", rep % self.copies, 2, table.column("agent_id").combine_chunks()))
        return table

    def _shift(self, table: pa.Table, day: date) -> pa.Table:
        delta = pa.scalar((day - self.base_date).days * 86400 * 10**6, pa.duration("us"))
        i = table.schema.get_field_index("started_at")
        shifted = pc.add(table.column("started_at"), delta).cast(table.schema.field("started_at").type)
        return table.set_column(i, table.schema.field("started_at"), shifted)

    def night(self, n_calls: int, night: int, day: date, rng: np.random.Generator) -> dict[str, pa.Table]:
        idx, rep = self._rows(n_calls, np.arange(self.n))
        calls = self._shift(self._ids(self.calls, idx, rep, night, True), day)
        idx, rep = self._rows(n_calls, self.f_call)
        findings = self._ids(self.findings, idx, rep, night, True)
        idx, rep = self._rows(n_calls, self.c_call)
        keep = rng.random(len(idx)) < self.keep_cases
        compliance = self._shift(self._ids(self.compliance, idx[keep], rep[keep], night, True), day)
        agents = pa.concat_tables([
            self.agents_table.set_column(0, "agent_id", strings("G", np.full(self.agents_table.num_rows, k), 2,
                                                                self.agents_table.column("agent_id").combine_chunks()))
            for k in range(self.copies)])
        return {"calls": calls, "findings": findings, "compliance": compliance, "agents": agents}

    def write_transcripts(self, path: Path, n_calls: int, night: int) -> int:
        """Replica by replica (a million calls are ~28 million utterances): bounded memory."""
        written = 0
        with pq.ParquetWriter(path, self.transcripts.schema, compression="zstd") as writer:
            for rep in range(math.ceil(n_calls / self.n)):
                keep = rep * self.n + self.t_call < n_calls
                part = self.transcripts.filter(pa.array(keep))
                tag = np.full(part.num_rows, night * 100000 + rep)
                part = part.set_column(0, "call_id", strings("N", tag, 7, part.column("call_id").combine_chunks()))
                writer.write_table(part)
                written += part.num_rows
        return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="the scorecard folder to create (replaced)")
    ap.add_argument("--calls", type=int, default=1_000_000, help="calls of the last night")
    ap.add_argument("--nights", type=int, default=1)
    ap.add_argument("--history-calls", type=int, default=None, help="calls of each earlier night (default: --calls)")
    ap.add_argument("--agents", type=int, default=2000)
    ap.add_argument("--compliance-share", type=float, default=0.01)
    ap.add_argument("--transcript-nights", type=int, default=1)
    ap.add_argument("--decisions", type=int, default=3000, help="review decisions to record (about)")
    ap.add_argument("--seed-input", type=Path, default=ROOT / "bench" / "night-2000-s7-d1.jsonl")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    seed_input = args.seed_input
    if not seed_input.exists():
        seed_input = Path("/work/main/bench") / seed_input.name
    t0 = time.perf_counter()
    rep = Replicator(seed_store(seed_input), args.agents, args.compliance_share)
    rng = np.random.default_rng(args.seed)
    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    history = args.calls if args.history_calls is None else args.history_calls
    totals = {"calls": 0, "findings": 0, "compliance": 0, "transcripts": 0}
    decisions = []
    for night in range(args.nights):
        day = LAST_NIGHT - timedelta(days=args.nights - 1 - night)
        n_calls = args.calls if night == args.nights - 1 else history
        tables = rep.night(n_calls, night, day, rng)
        for name, table in tables.items():
            folder = out / name / f"call_date={day.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            stem = "agents-default" if name == "agents" else "part-bench"
            pq.write_table(table, folder / f"{stem}.parquet", compression="zstd")
            totals[name] = totals.get(name, 0) + table.num_rows
        if night >= args.nights - args.transcript_nights:
            folder = out / "transcripts" / f"call_date={day.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            totals["transcripts"] += rep.write_transcripts(folder / "part-bench.parquet", n_calls, night)
        # decisions: some violations dismissed or confirmed, and some compliance cases
        findings = tables["findings"]
        violations = pc.indices_nonzero(pc.equal(findings.column("outcome"), "violation")).to_numpy()
        per_night = args.decisions / args.nights  # 80% on violations, the rest on compliance cases
        picked = violations[rng.random(len(violations)) < 0.8 * per_night / max(1, len(violations))]
        cases = tables["compliance"].column("finding_id").to_pylist()
        cases = [c for c in cases if rng.random() < min(0.3, 0.2 * per_night / max(1, len(cases)))]
        for fid in findings.column("finding_id").take(pa.array(picked)).to_pylist() + cases:
            decisions.append({"finding_id": fid, "decision": "dismissed" if rng.random() < 0.6 else "confirmed",
                              "reviewer": "bench", "note": "", "decided_at": f"{day.isoformat()}T08:00:00+00:00",
                              "source": "bench"})
        print(f"  {day}: {n_calls} calls, {findings.num_rows} findings, {tables['compliance'].num_rows} cases",
              flush=True)
    (out / "reviews").mkdir(parents=True, exist_ok=True)
    (out / "reviews" / "20261121T000000000000Z-bench.jsonl").write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in decisions), encoding="utf-8")
    (out / "_SUCCESS").write_text(json.dumps({"run_id": "bench", "committed_at": ""}), encoding="utf-8")
    print(f"{out}: {args.nights} nights, {totals['calls']} calls, {totals['findings']} findings, "
          f"{totals['compliance']} cases, {totals['transcripts']} utterances, {len(decisions)} decisions, "
          f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
