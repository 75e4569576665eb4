"""The night cut into shards that a worker reads on its own, block by block.

A bank's night is up to a million calls (about 4 GB of JSONL). Reading it whole
before scoring held every call in memory; instead :func:`plan_shards` cuts each
JSONL file into byte ranges at line ends (a *shard*, a few thousand calls), and
a worker reads its shard in blocks of :data:`BLOCK_LINES` lines
(:func:`read_shard`), so memory follows the block, not the night. Only the
planner reads the whole file, once, counting line ends (no decoding, no JSON),
so every shard knows the number of its first line and rejections name the line
of the file, as a whole-file read would.

Cutting at ``b"\\n"`` is safe in UTF-8, GBK and GB18030 (that byte is never part
of a multi-byte character there). A file that starts with a UTF-16 or UTF-32
byte-order mark, and every CSV or Parquet file (a call's utterance rows may be
anywhere in it), is one shard read whole, as before.

Each block is decoded on its own (:func:`scorers.encoding.decode`): a GBK file
is read as GBK block by block, with the same notice; a block that is in no
encoding callqa reads is one rejection naming its lines.
"""
from __future__ import annotations

import codecs
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from scorers.call import Call  # noqa: F401 (Block)
from scorers.encoding import NotUtf8, decode
from scorers.ingest import Rejection, build_calls, printable, read_file, read_jsonl

BLOCK_LINES = 1_000  # lines decoded, parsed and scored together: what bounds a worker's memory
SHARD_MIN_LINES = 2_000  # below this a shard's fixed cost (files, a task) outweighs spreading it
SHARD_MAX_LINES = 25_000  # above this a dead worker's rerun, and the tail of the night, cost too much
SHARDS_PER_WORKER = 12  # enough shards that workers finish together: the last one ends a few seconds after the first
# (4 a worker left one core idle for up to a shard's time at the end: 100,000 calls scored in 50-52 s, against 47 s)
_READ = 1 << 23  # bytes the planner reads at a time
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Shard:
    """Lines ``first_line``.. of ``path`` between bytes ``start`` and ``end``; ``end`` -1: the whole file."""

    index: int
    path: str
    start: int = 0
    end: int = -1
    first_line: int = 1
    lines: int = 0  # lines in the range (0 when not counted: a file read whole)

    @property
    def whole(self) -> bool:
        return self.end < 0

    @property
    def name(self) -> str:
        """What this shard's part files are called after: ``<batch stem>-s00003.parquet``."""
        return f"s{self.index:05d}"

    @property
    def source(self) -> str:
        return printable(self.path)


def _splittable(path: Path) -> bool:
    if path.suffix.lower() != ".jsonl":
        return False
    with open(path, "rb") as f:
        head = f.read(4)
    return not head.startswith(_WIDE_BOMS)


def line_starts(path: Path, every: int) -> tuple[list[int], int]:
    """(byte offsets of lines 1, 1 + every, 1 + 2·every, ..., the file's size as the last), the line count.

    Newlines are found one at a time with ``bytes.find`` (a memchr): counting each chunk's
    newlines first with ``bytes.count`` made the plan of a 100,000-call night three times
    slower (0.25 s against 0.09), before a single call was scored."""
    starts, lines, offset = [0], 0, 0
    last = b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(_READ):
            at = chunk.find(b"\n")
            while at >= 0:
                lines += 1
                if lines % every == 0:
                    starts.append(offset + at + 1)
                at = chunk.find(b"\n", at + 1)
            offset += len(chunk)
            last = chunk[-1:]
    total = lines + (last != b"\n")  # a last line without its newline is a line too
    if starts[-1] != offset:
        starts.append(offset)
    return starts, total


def plan_shards(files: list[Path], workers: int = 1, shard_lines: int | None = None) -> list[Shard]:
    """The shards of ``files``: JSONL cut at line ends into about ``SHARDS_PER_WORKER × workers``
    shards (within SHARD_MIN_LINES..SHARD_MAX_LINES lines each; ``shard_lines`` sets the size
    instead), every other file whole."""
    every = min(BLOCK_LINES, shard_lines) if shard_lines else BLOCK_LINES
    counted: list[tuple[Path, list[int], int] | Path] = []
    for path in files:
        try:
            if _splittable(path):
                starts, total = line_starts(path, every)
                counted.append((path, starts, total))
                continue
        except OSError:
            pass  # read (and rejected, by name) when its shard is read
        counted.append(path)
    if shard_lines:
        step = max(1, shard_lines // every)  # blocks per shard, as asked; the last shard of a file takes the rest
    else:
        total = sum(item[2] for item in counted if isinstance(item, tuple))
        blocks = sum(len(item[1]) - 1 for item in counted if isinstance(item, tuple))
        per_shard = SHARD_MAX_LINES if workers <= 1 else math.ceil(total / (SHARDS_PER_WORKER * workers))
        wanted = max(1, math.ceil(total / min(SHARD_MAX_LINES, max(SHARD_MIN_LINES, per_shard))))
        even = math.ceil(wanted / workers) * workers  # as many for every worker: 9 shards on 2 leave one idle
        if workers > 1 and total / even >= SHARD_MIN_LINES:
            wanted = even
        step = max(1.0, blocks / wanted)
    shards: list[Shard] = []
    for item in counted:
        if not isinstance(item, tuple):
            shards.append(Shard(len(shards), str(item)))
            continue
        path, starts, lines = item
        for first, last in _cuts(len(starts) - 1, step, even_sizes=not shard_lines):
            shards.append(Shard(len(shards), str(path), starts[first], starts[last], first * every + 1,
                                min(lines, last * every) - first * every))
    return shards


def _cuts(blocks: int, step: float, even_sizes: bool) -> list[tuple[int, int]]:
    """(first, last) block of each shard of a file of ``blocks`` blocks (an empty file: one empty shard).

    ``even_sizes``: about ``step`` blocks each, cut at evenly spaced boundaries so a file's shards
    differ by one block at most; otherwise exactly ``step`` (an int) each, the last taking the rest.
    """
    if blocks <= 0:
        return [(0, 0)]
    if even_sizes:
        n = max(1, round(blocks / step))
        bounds = [round(k * blocks / n) for k in range(n + 1)]
    else:
        bounds = [*range(0, blocks, int(step)), blocks]
    return list(zip(bounds, bounds[1:]))


Block = list[tuple[str, "Call | Rejection"]]  # (location, the call or why its record was rejected)
Records = list[tuple[str, str, Any]]  # (location, the record as read, the parsed record or a RecordError)


def read_shard(shard: Shard, seen: dict[str, str], notices: list[str]) -> Iterator[Block]:
    """The shard's calls (or rejections, in their place) in blocks of about BLOCK_LINES records.

    ``seen``: call ids read so far in this shard (duplicates across shards are the caller's to
    find). ``notices``: what the run summary should say about the file (another encoding)."""
    source = shard.source
    for records in _record_blocks(shard, notices):
        if isinstance(records, Rejection):
            yield [(records.location, records)]
        else:
            yield list(build_calls(records, source, seen))


def record_at(shard: Shard, location: str) -> str:
    """The record at ``location`` of the shard as it stands in the file (what ``rejected/`` keeps),
    or "" when it is gone. For the rare record rejected after its shard was scored: a duplicate
    of a call in another shard."""
    for records in _record_blocks(shard, []):
        if not isinstance(records, Rejection):
            for where, raw, _ in records:
                if where == location:
                    return raw
    return ""


def _record_blocks(shard: Shard, notices: list[str]) -> Iterator[Records | Rejection]:
    """The shard's records in blocks, or a Rejection for a file or block that cannot be read."""
    source = shard.source
    if shard.whole:
        yield from _whole_file(Path(shard.path), source, notices)
        return
    try:
        with open(shard.path, "rb") as f:
            f.seek(shard.start)
            line, position = shard.first_line, shard.start
            while position < shard.end:
                lines = []
                while position < shard.end and len(lines) < BLOCK_LINES:
                    raw = f.readline()
                    if not raw:
                        break
                    lines.append(raw)
                    position += len(raw)
                if not lines:
                    break
                yield _decoded_block(b"".join(lines), line, len(lines), shard, notices)
                line += len(lines)
    except OSError as err:
        yield Rejection(source, "(file)", "", "(file)", f"cannot read file: {err}", "")


def _decoded_block(data: bytes, first_line: int, count: int, shard: Shard, notices: list[str]) -> Records | Rejection:
    try:
        decoded = decode(data)
    except NotUtf8 as err:
        whole = shard.start == 0 and first_line == 1 and len(data) == shard.end
        location = "(file)" if whole else f"lines {first_line}-{first_line + count - 1}"
        return Rejection(shard.source, location, "", "(file)", str(err), "")
    if decoded.notice:
        _notice(notices, f"{shard.source}: {decoded.notice}")
    text = decoded.text[:-1] if decoded.text.endswith("\n") else decoded.text
    return list(read_jsonl(text, first_line))


def _whole_file(path: Path, source: str, notices: list[str]) -> Iterator[Records | Rejection]:
    file_notices: list[str] = []
    records = read_file(path, source, file_notices)
    if isinstance(records, Rejection):
        yield records
        return
    for notice in file_notices:
        _notice(notices, notice)
    for start in range(0, len(records), BLOCK_LINES):
        yield records[start:start + BLOCK_LINES]


def _notice(notices: list[str], notice: str) -> None:
    if notice not in notices:
        notices.append(notice)
