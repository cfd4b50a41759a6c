"""Webhook ingestion benchmark: consentbot's `POST /webhook/whatsapp` against the durable floor.

    python -m tests.bench.webhook [--requests 20000] [--connections 32] [--database-url URL ...]
                                  [--no-postgres] [--no-floor] [--workers 2,4] [--loop auto]

Each delivery is one correctly signed text message from a distinct sender with a distinct
wamid; every 5th text is «СТОП» (an opt-out). The bare aiohttp endpoint (read the body,
answer 200) runs first. Then, per backend, the durable floor (`tests.bench.durable`: verify,
parse, commit one row per delivery, answer; what any durable endpoint costs on this machine)
and consentbot, once per database URL (by default a fresh SQLite
file and, when the local server answers, a fresh PostgreSQL database, dropped afterwards;
`CONSENTBOT_TEST_POSTGRES_URL` names another server), each server in its own
subprocess so that it and the load generator run on different cores. On PostgreSQL,
consentbot runs again with each `--workers` count (`CONSENTBOT_WORKERS`: processes sharing
the port with SO_REUSEPORT), each time on a fresh database. A PostgreSQL database is migrated
first (`consentbot migrate`: the server does not migrate it). The events table is counted
afterwards: every 200 must have committed its one event (the floor's one row).

consentbot is held to a share of the durable floor's rate in the same run (`TARGET_RATIOS`).
Every server runs on the same event loop (`--loop`, as `CONSENTBOT_EVENT_LOOP`: uvloop where
it is installed). The client is plain: each connection writes a whole request, then reads its
whole response, then sends the next (`tests.bench.loadgen`).

Exit status 1 when a server fails to start or dies, a delivery is not answered 200, or the
event count does not match the 200 answers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import platform
import secrets
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from bot.server import LoopUnavailable, new_event_loop
from tests import meta
from tests.bench import durable, loadgen

REPO_ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_PATH = "/webhook/whatsapp"
HEALTH_TIMEOUT_S = 20.0
STOP_GRACE_S = 10.0
# consentbot/durable floor throughput each backend is held to (one process per instance).
TARGET_RATIOS = {"sqlite": 0.5, "postgresql": 0.4}
DEFAULT_WORKERS = (2,)
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
OTHER_LOAD_WARNING = 0.25
OPT_OUT_TEXT = "СТОП"
CUSTOMER_TEXTS = (
    "Здравствуйте, когда доставка?",
    "thanks!",
    "Добрый день! Заказ 4417 ещё не пришёл",
    "hi, can I change the delivery address?",
    "Спасибо, всё получила 🙏",
    "ok",
)
CONSENTBOT_COMMAND = "{python} -m bot serve"
BARE_COMMAND = "{python} -m tests.bench.bare --port {port} --loop {loop}"
FLOOR_COMMAND = (
    "{python} -m tests.bench.durable --port {port} --database {database} --secret {secret}"
    " --loop {loop}"
)


class ServerError(Exception):
    """A server did not start, or died under load; the message carries its output."""


@dataclass
class Outcome:
    """One target's row in the report."""

    name: str
    backend: str = ""
    role: str = "consentbot"  # or "bare", or "floor"
    workers: int = 1
    result: loadgen.LoadResult | None = None
    server_cpu: float | None = None
    other_cpu: float | None = None
    events: int | None = None
    events_note: str = ""
    problems: list[str] = field(default_factory=list)


# Deliveries


def customer_text(index: int) -> str:
    """Every 5th text is an opt-out; the others are ordinary customer messages."""
    if index % 5 == 4:
        return OPT_OUT_TEXT
    return CUSTOMER_TEXTS[index % len(CUSTOMER_TEXTS)]


def sender(index: int) -> str:
    """A distinct Russian mobile wa_id per delivery: 7999 and a 7-digit counter."""
    return f"7999{index:07d}"


def build_deliveries(count: int, secret: str, port: int, nonce: str) -> list[bytes]:
    """Serialise `count` signed single-message webhook POSTs to 127.0.0.1:`port`."""
    requests = []
    for index in range(count):
        wa_id = sender(index)
        message = meta.text_message(
            customer_text(index),
            from_=wa_id,
            id=meta.wamid(f"bench:{nonce}:{index}", wa_id=wa_id),
        )
        raw = meta.dumps_meta(meta.body(meta.messages_change(message)))
        headers = {"X-Hub-Signature-256": meta.sign(raw, secret)}
        requests.append(loadgen.build_post_json(WEBHOOK_PATH, port, raw, headers))
    return requests


# Servers


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((loadgen.HOST, 0))
        return int(sock.getsockname()[1])


def command_argv(template: str, port: int, **values: str) -> list[str]:
    """Split a command template, substituting {python}, {port} and any other `values`."""
    return [
        part.format(python=sys.executable, port=port, **values) for part in shlex.split(template)
    ]


def tail(path: Path, limit: int = 4000) -> str:
    """The last `limit` characters of a log file, or a note that it is empty."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no output)"
    text = text.strip()
    if not text:
        return "(no output)"
    return text if len(text) <= limit else "..." + text[-limit:]


def server_output(log_dir: Path) -> str:
    """The server's stderr and stdout, for an error message."""
    return (
        f"--- server stderr ---\n{tail(log_dir / 'stderr.log')}\n"
        f"--- server stdout ---\n{tail(log_dir / 'stdout.log')}"
    )


def healthz_status(port: int) -> int | None:
    """The status of `GET /healthz`, or None when nothing answers yet."""
    connection = http.client.HTTPConnection(loadgen.HOST, port, timeout=1.0)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def wait_healthy(process: subprocess.Popen[bytes], port: int, log_dir: Path) -> None:
    """Poll `GET /healthz` until it answers 200; raise ServerError with the server's output."""
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    last: int | None = None
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise ServerError(f"server exited with status {code} before it became healthy")
        last = healthz_status(port)
        if last == 200:
            return
        time.sleep(0.1)
    seen = "no answer" if last is None else f"last status {last}"
    raise ServerError(f"GET /healthz did not answer 200 within {HEALTH_TIMEOUT_S:.0f} s ({seen})")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, wait, and SIGKILL after the grace period."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_server(
    argv: Sequence[str], env: dict[str, str], port: int, log_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server subprocess, wait for its health check, and always stop it."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with (
        open(log_dir / "stdout.log", "wb") as stdout,
        open(log_dir / "stderr.log", "wb") as stderr,
    ):
        try:
            # The argv is this interpreter running a module, or the operator's own option.
            process = subprocess.Popen(
                list(argv),
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
        except OSError as exc:
            raise ServerError(f"cannot run {shlex.join(argv)}: {exc}") from exc
        try:
            try:
                wait_healthy(process, port, log_dir)
            except ServerError as exc:
                stop(process)
                raise ServerError(
                    f"{exc}\ncommand: {shlex.join(argv)}\n{server_output(log_dir)}"
                ) from None
            yield process
        finally:
            stop(process)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def process_cpu_s(pid: int) -> float | None:
    """User plus system CPU seconds of a process, its threads and its living child processes
    (a supervisor's workers; Linux /proc)."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    ticks = int(fields[11]) + int(fields[12])
    for child in _children(pid):
        child_fields = _stat_fields(child)
        if child_fields is not None:
            ticks += int(child_fields[11]) + int(child_fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float | None:
    """CPU seconds all processes (and the hypervisor's steal) took so far (Linux /proc)."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(value) for value in first.split()[1:9]
    )
    busy = user + nice + system + irq + softirq + steal
    return busy / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSample:
    wall: float
    server: float | None
    own: float
    machine: float | None

    @classmethod
    def take(cls, pid: int) -> CpuSample:
        return cls(time.perf_counter(), process_cpu_s(pid), time.process_time(), machine_busy_s())


def record_cpu(outcome: Outcome, start: CpuSample, end: CpuSample) -> None:
    """Cores used over the run by the server, and by everything but the server and this bench."""
    wall = end.wall - start.wall
    if wall <= 0 or start.server is None or end.server is None:
        return
    outcome.server_cpu = (end.server - start.server) / wall
    if start.machine is not None and end.machine is not None:
        busy = (end.machine - start.machine) / wall
        own = (end.own - start.own) / wall
        outcome.other_cpu = max(0.0, busy - outcome.server_cpu - own)


# Event counts per backend


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite:///relative` or `sqlite:////absolute` URL, as the server sees it."""
    path = url.removeprefix("sqlite:///")
    return Path(path) if Path(path).is_absolute() else REPO_ROOT / path


class CountError(Exception):
    """The events of a database could not be counted."""


COUNTS = {
    "events": "SELECT count(*) FROM events",
    durable.TABLE_NAME: "SELECT count(*) FROM durable_floor",
}


def count_events_sqlite(url: str, table: str = "events") -> int:
    """`SELECT count(*) FROM <table>` in the SQLite file, opened read-only."""
    path = sqlite_path(url)
    if not path.exists():
        raise CountError(f"database file {path} does not exist")
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return int(connection.execute(COUNTS[table]).fetchone()[0])
    finally:
        connection.close()


def count_events_postgresql(url: str, table: str = "events") -> int:
    """`SELECT count(*) FROM <table>` in the PostgreSQL database at `url`."""

    async def count() -> int:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            return int(await connection.fetchval(COUNTS[table]))
        finally:
            await connection.close()

    try:
        return asyncio.run(count())
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise CountError(f"cannot count events in {url}: {exc}") from exc


EVENT_COUNTERS: dict[str, Callable[[str, str], int | None]] = {
    "sqlite": count_events_sqlite,
    "postgresql": count_events_postgresql,
    "postgres": count_events_postgresql,
}


def backend_of(url: str) -> str:
    """`sqlite` or `postgresql` (scheme with any `+driver` dropped)."""
    scheme = urlsplit(url).scheme.split("+", 1)[0]
    return "postgresql" if scheme == "postgres" else scheme


def count_events(url: str, table: str = "events") -> int | None:
    """The number of rows in `table` (consentbot's events by default) at `url`, or None
    where this backend is not counted."""
    counter = EVENT_COUNTERS.get(backend_of(url))
    if counter is None:
        return None
    try:
        return counter(url, table)
    except sqlite3.Error as exc:
        raise CountError(f"cannot count events in {url}: {exc}") from exc


def check_events(outcome: Outcome, url: str, before: int | None, table: str = "events") -> None:
    """Compare the rows committed during the run with the 200 answers it got."""
    if outcome.result is None:
        return
    try:
        after = count_events(url, table)
    except CountError as exc:
        outcome.problems.append(str(exc))
        return
    if after is None:
        outcome.events_note = f"events not counted for {backend_of(url)} (yet)"
        return
    added = after - (before or 0)
    outcome.events = added
    oks = outcome.result.total_ok
    noun = "events" if table == "events" else "rows"
    note = f"{noun}: {after}" if not before else f"{noun}: {after} ({added} new, {before} before)"
    note += f", 200 answers: {oks} (warm-up included)"
    if added == oks:
        outcome.events_note = f"{note}: match"
    else:
        outcome.events_note = f"{note}: MISMATCH"
        outcome.problems.append(f"{added} {noun} committed but {oks} deliveries answered 200")


# Running one target


@dataclass(frozen=True)
class Options:
    requests: int
    connections: int
    warmup: int
    timeout_s: float
    secret: str
    log_level: str = "info"
    loop: str = "auto"


def measure(
    outcome: Outcome,
    argv: Sequence[str],
    env: dict[str, str],
    port: int,
    log_dir: Path,
    options: Options,
) -> None:
    """Start the server, send the load, and record the result or the problem."""
    deliveries = build_deliveries(
        options.warmup + options.requests, options.secret, port, secrets.token_hex(8)
    )
    try:
        with running_server(argv, env, port, log_dir) as process:
            start = CpuSample.take(process.pid)
            try:
                outcome.result = asyncio.run(
                    loadgen.run_load(
                        port,
                        deliveries,
                        connections=options.connections,
                        warmup=options.warmup,
                        timeout_s=options.timeout_s,
                    )
                )
            except (OSError, TimeoutError) as exc:
                outcome.problems.append(f"load generator could not connect: {exc!r}")
            record_cpu(outcome, start, CpuSample.take(process.pid))
            if process.poll() is not None:
                outcome.problems.append(
                    f"server exited with status {process.returncode} during the run\n"
                    + server_output(log_dir)
                )
    except ServerError as exc:
        outcome.problems.append(f"server failed to start: {exc}")
    if outcome.result is not None:
        load_problems(outcome, outcome.result)


def load_problems(outcome: Outcome, result: loadgen.LoadResult) -> None:
    """Anything other than a 200 for every correctly signed delivery is a problem."""
    if result.timed_out:
        outcome.problems.append("the run hit its timeout before every request was answered")
    non_ok = {**result.warmup_non_ok}
    for status, count in result.non_ok.items():
        non_ok[status] = non_ok.get(status, 0) + count
    if non_ok:
        shown = ", ".join(f"{count} x {status}" for status, count in sorted(non_ok.items()))
        outcome.problems.append(f"non-200 answers: {shown}")
    errors = result.errors + result.warmup_errors
    if errors:
        outcome.problems.append(f"{errors} requests lost to connection errors")
    if result.unanswered:
        outcome.problems.append(f"{result.unanswered} requests sent but never answered")
    if result.unsent:
        outcome.problems.append(f"{result.unsent} requests never sent")


def consentbot_env(url: str, port: int, options: Options, workers: int = 1) -> dict[str, str]:
    return {
        **os.environ,
        "CONSENTBOT_DATABASE_URL": url,
        "CONSENTBOT_APP_SECRET": options.secret,
        "CONSENTBOT_VERIFY_TOKEN": secrets.token_urlsafe(24),
        "CONSENTBOT_HOST": loadgen.HOST,
        "CONSENTBOT_PORT": str(port),
        # The production default: one JSON line per delivery, written to a file here.
        "CONSENTBOT_LOG_LEVEL": options.log_level,
        "CONSENTBOT_EVENT_LOOP": options.loop,
        "CONSENTBOT_WORKERS": str(workers),
    }


def migrate(url: str, options: Options) -> str | None:
    """Run `consentbot migrate` on a PostgreSQL database; what went wrong, if anything."""
    if backend_of(url) != "postgresql":
        return None
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=REPO_ROOT,
        env=consentbot_env(url, 0, options),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        return f"consentbot migrate failed: {done.stderr.strip() or done.stdout.strip()}"
    return None


class BenchDatabases:
    """Fresh PostgreSQL databases for the rounds of one run, all dropped at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.names: list[str] = []

    def fresh(self) -> str:
        name = f"consentbot_bench_{secrets.token_hex(4)}"
        self._admin(f"CREATE DATABASE {name}")
        self.names.append(name)
        return urlsplit(self.admin_url)._replace(path="/" + name).geturl()

    def drop_all(self) -> None:
        for name in self.names:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _admin(self, sql: str = "SELECT 1") -> None:
        async def run() -> None:
            conn = await asyncpg.connect(self.admin_url, timeout=5)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        asyncio.run(run())


@contextlib.contextmanager
def postgres_database() -> Iterator[BenchDatabases | None]:
    """Databases on the local PostgreSQL server, or None (with a note) when it is not there."""
    admin = os.environ.get("CONSENTBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL)
    databases = BenchDatabases(admin)
    try:
        databases._admin()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        print(f"PostgreSQL not measured: {admin} does not answer ({exc})", flush=True)
        yield None
        return
    try:
        yield databases
    finally:
        databases.drop_all()


def run_consentbot(
    url: str, command: str, log_dir: Path, options: Options, workers: int = 1
) -> Outcome:
    name = f"consentbot {backend_of(url)}" + (f" x{workers}" if workers > 1 else "")
    outcome = Outcome(name=name, backend=backend_of(url), workers=workers)
    port = free_port()
    problem = migrate(url, options)
    if problem is not None:
        outcome.problems.append(problem)
        return outcome
    try:
        before = count_events(url)
    except CountError:
        before = None
    measure(
        outcome,
        command_argv(command, port),
        consentbot_env(url, port, options, workers),
        port,
        log_dir,
        options,
    )
    check_events(outcome, url, before)
    return outcome


def run_floor(url: str, log_dir: Path, options: Options) -> Outcome:
    """The durable floor (`tests.bench.durable`) on the backend of `url`: one row per delivery."""
    outcome = Outcome(
        name=f"durable floor {backend_of(url)}", backend=backend_of(url), role="floor"
    )
    port = free_port()
    try:
        before = count_events(url, durable.TABLE_NAME)
    except CountError:
        before = None
    argv = command_argv(FLOOR_COMMAND, port, database=url, secret=options.secret, loop=options.loop)
    measure(outcome, argv, {**os.environ}, port, log_dir, options)
    check_events(outcome, url, before, durable.TABLE_NAME)
    return outcome


def run_bare(log_dir: Path, options: Options) -> Outcome:
    outcome = Outcome(name="bare aiohttp", role="bare")
    port = free_port()
    env = {**os.environ}
    measure(
        outcome, command_argv(BARE_COMMAND, port, loop=options.loop), env, port, log_dir, options
    )
    return outcome


# Report


def cpu_model() -> str:
    """The processor's model name (Linux /proc/cpuinfo), else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except (OSError, ValueError):
        pass
    return None


def machine_line() -> str:
    memory = memory_gib()
    return (
        f"machine: {cpu_model()} ({platform.machine()}), {os.cpu_count()} CPUs"
        + (f", {memory:.0f} GiB" if memory is not None else "")
        + f", Python {platform.python_version()} ({platform.python_implementation()}),"
        f" {platform.system()} {platform.release()}"
    )


def loop_line(choice: str) -> str:
    try:
        loop, name = new_event_loop(choice)
    except LoopUnavailable as exc:
        return f"event loop: {exc}"
    loop.close()
    return f"event loop: {name} (--loop {choice}) in every server; the client runs on asyncio"


def fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def ratio_of(result: loadgen.LoadResult, to: loadgen.LoadResult | None) -> float | None:
    return result.rps / to.rps if to is not None and to.rps > 0 else None


def floors_of(outcomes: Sequence[Outcome]) -> dict[str, loadgen.LoadResult]:
    return {o.backend: o.result for o in outcomes if o.role == "floor" and o.result is not None}


def table_row(
    outcome: Outcome, bare: loadgen.LoadResult | None, floor: loadgen.LoadResult | None
) -> str:
    result = outcome.result
    if result is None:
        return f"{outcome.name:<28} (no result)"
    vs_floor = ratio_of(result, floor) if outcome.role == "consentbot" else None
    return (
        f"{outcome.name:<28} {result.requests:>8} {result.ok:>8} {result.rps:>8.0f}"
        f" {result.p50_ms:>8.2f} {result.p99_ms:>8.2f} {result.max_ms:>8.2f}"
        f" {fmt(vs_floor):>7} {fmt(ratio_of(result, bare)):>6}"
        f" {fmt(outcome.server_cpu):>7} {result.client_cpu:>7.2f} {fmt(outcome.other_cpu):>7}"
    )


def summary_lines(outcomes: Sequence[Outcome]) -> list[str]:
    floors = floors_of(outcomes)
    lines = []
    for outcome in outcomes:
        result = outcome.result
        floor = floors.get(outcome.backend)
        if outcome.role == "consentbot" and result is not None and floor is not None:
            ratio = ratio_of(result, floor) or 0.0
            target = TARGET_RATIOS.get(outcome.backend)
            if outcome.workers == 1 and target is not None:
                verdict = f" (target >= {target}: " + ("met)" if ratio >= target else "NOT met)")
            else:
                verdict = f" ({outcome.workers} processes; the target is for one)"
            lines.append(
                f"{outcome.name}: {result.rps:.0f} rps against the floor's {floor.rps:.0f}:"
                f" consentbot/floor = {ratio:.2f}{verdict}"
            )
        if outcome.events_note:
            lines.append(f"{outcome.name}: {outcome.events_note}")
        if outcome.backend == "postgresql":
            lines.append(f"{outcome.name}: 'other' includes the PostgreSQL server's processes")
        elif outcome.other_cpu is not None and outcome.other_cpu > OTHER_LOAD_WARNING:
            lines.append(
                f"{outcome.name}: WARNING other processes took {outcome.other_cpu:.2f} cores"
                " during this run; its numbers understate the server"
            )
    return lines


def report(rounds: Sequence[Sequence[Outcome]], options: Options) -> str:
    """The table of every run, the consentbot/floor ratios, event checks and problems."""
    header = (
        f"{'server':<28} {'requests':>8} {'ok':>8} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'max ms':>8} {'x floor':>7} {'x bare':>6} {'srv cpu':>7} {'gen cpu':>7} {'other':>7}"
    )
    lines = [
        "",
        f"webhook ingestion: {options.requests} timed deliveries after {options.warmup} warm-up,"
        f" {options.connections} connections, one text message each, every 5th «{OPT_OUT_TEXT}»,"
        f" consentbot logging at {options.log_level}",
        machine_line(),
        loop_line(options.loop),
        "client: plain HTTP/1.1 keep-alive, each request written whole, then its response read",
        "",
        header,
        "-" * len(header),
    ]
    notes: list[str] = []
    for outcomes in rounds:
        bare = outcomes[0].result if outcomes else None
        floors = floors_of(outcomes)
        lines.extend(table_row(outcome, bare, floors.get(outcome.backend)) for outcome in outcomes)
        notes.extend(summary_lines(outcomes))
    lines.append("")
    lines.append(
        "x floor = rps / the durable floor's rps on the same backend in the same round;"
        " x bare = rps / the bare endpoint's; srv cpu, gen cpu, other = cores used by the"
        " server (all its processes), by this load generator, and by everything else"
    )
    if any(outcome.role == "floor" for outcomes in rounds for outcome in outcomes):
        lines.append(
            "durable floor = read, verify the signature, parse the JSON, commit one row per"
            " delivery (group commit) and answer: what durability alone costs in aiohttp here"
            " (tests/bench/durable.py)"
        )
    lines.extend(notes)
    problems = [
        (outcome.name, problem)
        for outcomes in rounds
        for outcome in outcomes
        for problem in outcome.problems
    ]
    if problems:
        lines.append("")
        lines.append("PROBLEMS:")
        lines.extend(f"- {name}: {problem}" for name, problem in problems)
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.webhook",
        description="Webhook ingestion throughput and latency, consentbot against the durable"
        " floor and a bare aiohttp endpoint.",
    )
    parser.add_argument("--requests", type=int, default=loadgen.DEFAULT_REQUESTS)
    parser.add_argument("--connections", type=int, default=loadgen.DEFAULT_CONNECTIONS)
    parser.add_argument(
        "--warmup", type=int, default=loadgen.DEFAULT_WARMUP, help="untimed requests first"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=loadgen.DEFAULT_TIMEOUT_S,
        help="hard limit in seconds for each target's run",
    )
    parser.add_argument(
        "--database-url",
        action="append",
        dest="database_urls",
        metavar="URL",
        help="a consentbot backend to measure (repeatable); default: a fresh SQLite file",
    )
    parser.add_argument(
        "--no-postgres",
        action="store_true",
        help="without --database-url: measure SQLite only, even when PostgreSQL answers",
    )
    parser.add_argument(
        "--no-floor",
        action="store_true",
        help="skip the durable floor (tests.bench.durable) on each backend; in a database"
        " given with --database-url the floor writes a table of its own, durable_floor",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat bare and consentbot this many times (each SQLite round on a fresh file)",
    )
    parser.add_argument(
        "--consentbot-command",
        default=CONSENTBOT_COMMAND,
        help="command that starts the service ({python} and {port} are substituted;"
        " default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="consentbot's log level (default: info, as in production)",
    )
    parser.add_argument(
        "--workers",
        type=_worker_counts,
        default=DEFAULT_WORKERS,
        metavar="N[,N...]",
        help="on PostgreSQL, also run consentbot with these CONSENTBOT_WORKERS counts, each on"
        " a fresh database (default: 2; 0 or an empty list: none)",
    )
    parser.add_argument(
        "--loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="the event loop of every server, as CONSENTBOT_EVENT_LOOP (default: auto, uvloop"
        " where installed)",
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.connections, args.rounds) < 1:
        parser.error("--requests, --connections and --rounds must be at least 1")
    if args.warmup < 0 or args.timeout <= 0:
        parser.error("--warmup must be >= 0 and --timeout > 0")
    return args


def _worker_counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of counts, e.g. 2,4") from None
    if any(count < 0 for count in counts):
        raise argparse.ArgumentTypeError("worker counts are at least 0")
    return tuple(count for count in counts if count > 1)


@dataclass(frozen=True)
class Target:
    """A backend to measure: consentbot at `url`, the durable floor at `floor_url`, and
    consentbot with several worker processes at each of `workers` (count, url)."""

    url: str
    floor_url: str | None = None
    workers: tuple[tuple[int, str], ...] = ()


def run_round(
    label: str, targets: Sequence[Target], command: str, tmpdir: Path, options: Options
) -> list[Outcome]:
    """The bare endpoint, then for each backend the durable floor and consentbot."""
    total = options.warmup + options.requests
    print(f"{label}bare aiohttp: {total} requests ...", flush=True)
    bare = run_bare(tmpdir / "bare", options)
    bare.name = f"{label}{bare.name}"
    outcomes = [bare]
    if bare.result is None:
        return outcomes
    for index, target in enumerate(targets):
        if target.floor_url is not None:
            print(f"{label}durable floor {target.floor_url}: {total} requests ...", flush=True)
            floor = run_floor(target.floor_url, tmpdir / f"floor{index}", options)
            floor.name = f"{label}{floor.name}"
            outcomes.append(floor)
        print(f"{label}consentbot {target.url}: {total} requests ...", flush=True)
        outcome = run_consentbot(target.url, command, tmpdir / f"bot{index}", options)
        outcome.name = f"{label}{outcome.name}"
        outcomes.append(outcome)
        for count, url in target.workers:
            print(f"{label}consentbot x{count} {url}: {total} requests ...", flush=True)
            log_dir = tmpdir / f"bot{index}x{count}"
            outcome = run_consentbot(url, command, log_dir, options, workers=count)
            outcome.name = f"{label}{outcome.name}"
            outcomes.append(outcome)
    return outcomes


def _workers_at(url: str, counts: Sequence[int]) -> tuple[tuple[int, str], ...]:
    """Several worker processes are measured on PostgreSQL only (SQLite takes one writer)."""
    return tuple((count, url) for count in counts) if backend_of(url) == "postgresql" else ()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    options = Options(
        requests=args.requests,
        connections=args.connections,
        warmup=args.warmup,
        timeout_s=args.timeout,
        secret=secrets.token_hex(16),
        log_level=args.log_level,
        loop=args.loop,
    )
    rounds: list[list[Outcome]] = []
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="consentbot-bench-"))
        postgres = None
        if not args.database_urls and not args.no_postgres:
            postgres = stack.enter_context(postgres_database())
        for number in range(1, args.rounds + 1):
            tmpdir = Path(tmp) / f"round{number}"
            tmpdir.mkdir()
            # The floor gets its own table in a given database, its own database otherwise.
            targets = [
                Target(url, url, _workers_at(url, args.workers)) for url in args.database_urls or []
            ] or [Target(f"sqlite:///{tmpdir / 'bench.db'}", f"sqlite:///{tmpdir / 'floor.db'}")]
            if postgres is not None:
                floor_url = None if args.no_floor else postgres.fresh()
                workers = tuple((count, postgres.fresh()) for count in args.workers)
                targets.append(Target(postgres.fresh(), floor_url, workers))
            if args.no_floor:
                targets = [Target(target.url, None, target.workers) for target in targets]
            label = f"#{number} " if args.rounds > 1 else ""
            outcomes = run_round(label, targets, args.consentbot_command, tmpdir, options)
            rounds.append(outcomes)
            if outcomes[0].result is None:
                break
    print(report(rounds, options))
    if rounds[-1][0].result is None:
        print("\nthe bare endpoint could not be measured, so consentbot was not run")
    return 1 if any(outcome.problems for outcomes in rounds for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
