"""Campaign-scale benchmark: import, streaming eligibility and the suppression feed.

    python -m tests.bench.campaign [--subjects 1000000] [--no-postgres]

For each backend (a fresh SQLite file and, when the local server answers, a fresh
PostgreSQL database, dropped afterwards):

1. `consentbot import consents` of a CSV with one row per subject (every number gets a
   marketing consent), then `consentbot import suppressions` of every 10th number: the
   store then holds N subjects, 10% suppressed. The first import is the timed one.
2. `consentbot serve` in a subprocess; N recipients streamed as CSV through
   `POST /v1/eligibility` over HTTP, the answer read as it streams. Timed from the first
   byte sent to the last byte read; the server's resident memory is sampled meanwhile and
   its growth over the value before the request is reported. Every answer line is checked
   against the numbers that were suppressed. Then the same request from a plain client,
   Python's urllib, that sends the whole body before it reads the answer (as requests and
   most CRM and ETL clients do), timed, sampled and checked the same way.
3. The floor: the same file read and each number tested against an in-memory set.
4. `GET /v1/suppressions?format=ndjson` of the whole feed (N subjects), timed and counted.

Exit status 1 when a step fails or an answer is wrong; the targets are printed beside the
figures, not enforced.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import functools
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.bench.webhook import (
    REPO_ROOT,
    Options,
    backend_of,
    consentbot_env,
    free_port,
    machine_line,
    migrate,
    postgres_database,
    running_server,
)

TARGET_STREAM_S = 5.0
TARGET_PLAIN_STREAM_S = 8.0
TARGET_STREAM_MB = 100.0
TARGET_EXPORT_S = 5.0
TARGET_IMPORT_S = 60.0
UPLOAD_CHUNK = 256 * 1024


@dataclass
class Figures:
    backend: str
    import_s: float | None = None
    import_rows: int = 0
    stream_s: float | None = None
    stream_lines: int = 0
    stream_rss_growth_mb: float | None = None
    plain_s: float | None = None
    plain_lines: int = 0
    plain_rss_growth_mb: float | None = None
    floor_s: float | None = None
    export_s: float | None = None
    export_lines: int = 0
    problems: list[str] = field(default_factory=list)


def number(index: int) -> str:
    return f"+7998{index:07d}"


def suppressed(index: int) -> bool:
    return index % 10 == 0


def write_inputs(folder: Path, count: int) -> tuple[Path, Path, Path]:
    """The consents file, the suppressions file and the recipients file."""
    consents = folder / "consents.csv"
    with consents.open("w", encoding="utf-8", newline="") as out:
        out.write("phone,categories,source,collected_at,wording,wording_version\n")
        for i in range(count):
            out.write(
                f"{number(i)},marketing,web_form,2026-09-01T12:00:00Z,"
                "I agree to receive offers from Shop on WhatsApp,2026-08\n"
            )
    suppressions = folder / "suppressions.csv"
    with suppressions.open("w", encoding="utf-8", newline="") as out:
        out.write("phone,categories,source,reason,occurred_at\n")
        for i in range(0, count, 10):
            out.write(f"{number(i)},all,hotline,asked to stop,2026-10-01T12:00:00Z\n")
    recipients = folder / "recipients.csv"
    with recipients.open("w", encoding="utf-8", newline="") as out:
        out.write("phone\n")
        for i in range(count):
            out.write(number(i) + "\n")
    return consents, suppressions, recipients


def cli(url: str, options: Options, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO_ROOT,
        env=consentbot_env(url, 0, options),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@contextlib.contextmanager
def peak_rss(pid: int) -> Iterator[list[float]]:
    """Samples the process's resident memory every 20 ms; yields [peak] (updated live)."""
    peak = [rss_mb(pid) or 0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            value = rss_mb(pid)
            if value is not None and value > peak[0]:
                peak[0] = value

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


async def _upload(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(UPLOAD_CHUNK):
            yield chunk


async def stream_eligibility(
    port: int, token: str, recipients: Path, count: int
) -> tuple[float, int, list[str]]:
    """Seconds, answer lines, and problems found in the answers."""
    problems: list[str] = []
    lines = 0
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.perf_counter()
        async with session.post(
            f"http://127.0.0.1:{port}/v1/eligibility?category=marketing",
            data=_upload(recipients),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        ) as resp:
            if resp.status != 200:
                return 0.0, 0, [f"eligibility answered {resp.status}: {await resp.text()}"]
            header = await resp.content.readline()
            if not header.startswith(b"recipient,phone,eligible,reasons"):
                problems.append(f"unexpected CSV header {header[:80]!r}")
            index = 0
            async for raw in resp.content:
                row = raw.decode().rstrip("\r\n").split(",")
                expected = "false" if suppressed(index) else "true"
                wrong = row[0] != number(index) or row[2] != expected
                if wrong and len(problems) < 5:
                    problems.append(f"line {index + 2}: {raw[:120]!r}, expected {expected}")
                index += 1
            lines = index
        elapsed = time.perf_counter() - started
    if lines != count:
        problems.append(f"{lines} answer lines for {count} recipients")
    return elapsed, lines, problems


def plain_eligibility(
    port: int, token: str, recipients: Path, count: int
) -> tuple[float, int, list[str]]:
    """The same request from urllib: the whole body sent, then the answer read (in blocks,
    each line checked). Seconds, answer lines, and problems found in the answers."""
    problems: list[str] = []
    index = -1  # the header line
    started = time.perf_counter()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/eligibility?category=marketing",
        data=recipients.read_bytes(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    try:
        # A socket operation that waits 120 s is a failure, not a hang.
        with urllib.request.urlopen(request, timeout=120) as resp:  # noqa: S310 - http://127.0.0.1
            rest = b""
            while block := resp.read(1 << 20):
                lines = (rest + block).split(b"\n")
                rest = lines.pop()
                for raw in lines:
                    if index < 0:
                        if not raw.startswith(b"recipient,phone,eligible,reasons"):
                            problems.append(f"unexpected CSV header {raw[:80]!r}")
                        index = 0
                        continue
                    row = raw.decode().rstrip("\r").split(",")
                    expected = "false" if suppressed(index) else "true"
                    wrong = row[0] != number(index) or row[2] != expected
                    if wrong and len(problems) < 5:
                        problems.append(f"line {index + 2}: {raw[:120]!r}, expected {expected}")
                    index += 1
            if rest:
                problems.append(f"the answer ends without a newline: {rest[:80]!r}")
    except OSError as exc:  # urllib's errors, timeouts and resets included
        problems.append(f"the plain client failed after {max(index, 0)} lines: {exc!r}")
    elapsed = time.perf_counter() - started
    lines_read = max(index, 0)
    if lines_read != count:
        problems.append(f"plain client: {lines_read} answer lines for {count} recipients")
    return elapsed, lines_read, problems


async def export_feed(port: int, token: str) -> tuple[float, int]:
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.perf_counter()
        async with session.get(
            f"http://127.0.0.1:{port}/v1/suppressions?format=ndjson",
            headers={"Authorization": f"Bearer {token}"},
        ) as resp:
            resp.raise_for_status()
            lines = 0
            async for chunk in resp.content.iter_chunked(1 << 20):
                lines += chunk.count(b"\n")
        return time.perf_counter() - started, lines


def floor(recipients: Path, count: int) -> float:
    """Read the recipients file and test each number against an in-memory set."""
    blocked = {number(i) for i in range(0, count, 10)}
    started = time.perf_counter()
    answers = 0
    with recipients.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        for (phone,) in reader:
            answers += phone in blocked
    elapsed = time.perf_counter() - started
    assert answers == len(blocked)
    return elapsed


def measure(url: str, folder: Path, count: int, options: Options) -> Figures:
    figures = Figures(backend_of(url))
    problem = migrate(url, options)
    if problem is not None:
        figures.problems.append(problem)
        return figures
    consents, suppressions, recipients = write_inputs(folder, count)

    started = time.perf_counter()
    done = cli(url, options, "import", "consents", str(consents))
    figures.import_s = time.perf_counter() - started
    figures.import_rows = count
    if done.returncode != 0:
        figures.problems.append(f"import consents exited {done.returncode}: {done.stderr[-2000:]}")
        return figures
    done = cli(url, options, "import", "suppressions", str(suppressions))
    if done.returncode != 0:
        figures.problems.append(f"import suppressions exited {done.returncode}: {done.stderr}")
        return figures
    made = cli(url, options, "token", "create", "--role", "sender", "--name", "bench")
    if made.returncode != 0:
        figures.problems.append(f"token create failed: {made.stderr}")
        return figures
    token = made.stdout.strip().splitlines()[-1]

    port = free_port()
    argv = [sys.executable, "-m", "bot", "serve"]
    env = consentbot_env(url, port, options)
    env["CONSENTBOT_SUBSCRIBER_WORKER"] = "false"
    with running_server(argv, env, port, folder / "logs") as process:
        before = rss_mb(process.pid) or 0.0
        with peak_rss(process.pid) as peak:
            seconds, lines, problems = asyncio.run(
                stream_eligibility(port, token, recipients, count)
            )
        figures.stream_s, figures.stream_lines = seconds, lines
        figures.stream_rss_growth_mb = peak[0] - before
        figures.problems += problems
        before = rss_mb(process.pid) or 0.0
        with peak_rss(process.pid) as peak:
            seconds, lines, problems = plain_eligibility(port, token, recipients, count)
        figures.plain_s, figures.plain_lines = seconds, lines
        figures.plain_rss_growth_mb = peak[0] - before
        figures.problems += problems
        seconds, lines = asyncio.run(export_feed(port, token))
        figures.export_s, figures.export_lines = seconds, lines
        if lines != count:
            figures.problems.append(f"the feed gave {lines} lines for {count} subjects")
    figures.floor_s = floor(recipients, count)
    return figures


def judged(backend: str, value: float | None, target: float) -> str:
    """A figure with its target: met or not on SQLite; shown beside SQLite's elsewhere."""
    if value is None:
        return "not measured"
    if backend != "sqlite":
        return f"{value:.2f} (SQLite's target <= {target:g})"
    return f"{value:.2f} (target <= {target:g}: {'met' if value <= target else 'NOT met'})"


def report(all_figures: Sequence[Figures], count: int) -> str:
    lines = ["", f"campaign scale: {count:,} subjects (10% suppressed)", machine_line(), ""]
    for f in all_figures:
        verdict = functools.partial(judged, f.backend)
        lines.append(f"{f.backend}:")
        if f.import_s is not None:
            rate = f.import_rows / f.import_s if f.import_s else 0
            lines.append(
                f"  import {f.import_rows:,} consent rows: {verdict(f.import_s, TARGET_IMPORT_S)} s"
                f", {rate:,.0f} rows/s"
            )
        if f.stream_s is not None:
            lines.append(
                f"  eligibility, {f.stream_lines:,} recipients as CSV over HTTP: "
                f"{verdict(f.stream_s, TARGET_STREAM_S)} s, "
                f"{f.stream_lines / f.stream_s:,.0f} recipients/s"
                if f.stream_s
                else "  eligibility: no answer"
            )
            lines.append(
                "  server memory growth during it: "
                f"{verdict(f.stream_rss_growth_mb, TARGET_STREAM_MB)} MB"
            )
        if f.plain_s is not None:
            lines.append(
                f"  the same, sent whole before reading (urllib), {f.plain_lines:,} recipients: "
                f"{verdict(f.plain_s, TARGET_PLAIN_STREAM_S)} s, "
                f"{f.plain_lines / f.plain_s:,.0f} recipients/s"
                if f.plain_s
                else "  eligibility from urllib: no answer"
            )
            lines.append(
                "  server memory growth during it: "
                f"{verdict(f.plain_rss_growth_mb, TARGET_STREAM_MB)} MB"
            )
        if f.floor_s is not None and f.stream_s:
            lines.append(
                f"  floor (read the file, test each number against a set): {f.floor_s:.2f} s;"
                f" eligibility / floor = {f.stream_s / f.floor_s:.1f}"
            )
        if f.export_s is not None:
            lines.append(
                f"  suppression feed, {f.export_lines:,} subjects as NDJSON: "
                f"{verdict(f.export_s, TARGET_EXPORT_S)} s"
            )
        for problem in f.problems:
            lines.append(f"  PROBLEM: {problem}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.campaign", description=__doc__)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    options = Options(requests=0, connections=0, warmup=0, timeout_s=0, secret="bench")
    results: list[Figures] = []
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="consentbot-camp-")))
        postgres = None if args.no_postgres else stack.enter_context(postgres_database())
        urls = [f"sqlite:///{tmp / 'sqlite' / 'bench.db'}"]
        if postgres is not None:
            urls.append(postgres.fresh())
        for index, url in enumerate(urls):
            folder = tmp / f"run{index}"
            (folder / "logs").mkdir(parents=True)
            print(f"{backend_of(url)}: {args.subjects:,} subjects ...", flush=True)
            results.append(measure(url, folder, args.subjects, options))
    print(report(results, args.subjects))
    return 1 if any(f.problems for f in results) else 0


if __name__ == "__main__":
    sys.exit(main())
