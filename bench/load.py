"""The site under load, in its production profile, at demo scale and at province scale.

    python -m bench.load [--scales demo,100000] [--users 50] [--duration 3m]
                         [--keep] [--skip-rebuild]

For each scale it builds a PostgreSQL database ``matchmaker_load_<scale>`` (the demo
accounts; at a number, that many graduates with a tenth as many needs and a hundredth as
many projects and interests, grown by ``flask seed-scale``), ranks the suggestions
(``flask rebuild-matches``, timed), starts gunicorn with 4 workers (and ``flask worker``,
the background job worker, when this version of the app has one), runs the locust
scenario of ``bench/locustfile.py`` headless, and samples the memory of every process
meanwhile. It prints requests/s, p50/p95/p99 per route, errors and peak memory side by
side for the scales, with the targets and PASS/FAIL, and appends the table to
``bench/results/load-<date>.md``.

``--keep`` reuses a database this driver grew before (growing 100k takes a minute or
more); ``--skip-rebuild`` leaves out the rebuild after growing: the suggestions are then
ranked on the demo data only, before the growth, so the pages still have leads to show.

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust) and Redis at 127.0.0.1:6379.
Benchmarks print figures: nothing here fails on a time.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil
import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
LOCUSTFILE = ROOT / "bench" / "locustfile.py"

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", "postgres"
REDIS = "redis://127.0.0.1:6379"
REDIS_FIRST_DB = 10  # each scale gets its own Redis database from here on
SECRET_KEY = "load-benchmark-only"  # noqa: S105  (a throwaway database's sessions)
WEB_WORKERS = 4
#: Marks a database this driver has grown, for --keep.
GROWN = "matchmaker load benchmark: grown"

MB = 1024 * 1024
TARGETS = {
    "page_p95_ms": 100,
    "save_p95_ms": 150,
    "rps": 100,
    "errors": 0,
    "web_rss_mb": 300,
    "job_rss_mb": 1024,
}
SIGN_IN = ("POST", "/auth/login")


# --- processes ------------------------------------------------------------------------


class Processes:
    """Every process started here, each in a session (process group) of its own, so
    stopping one stops its children too; ``stop_all`` runs on any way out."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen] = []

    def start(self, cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
        with open(log, "ab") as out:
            proc = subprocess.Popen(  # noqa: S603  (our own tools, no shell)
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.running.append(proc)
        return proc

    def run(self, cmd: list[str], env: dict, log: Path) -> float:
        """Run a command to its end; its seconds. Raises with the log's tail on failure."""
        began = time.perf_counter()
        proc = self.start(cmd, env, log)
        code = proc.wait()
        self.running.remove(proc)
        if code != 0:
            tail = log.read_text(errors="replace").splitlines()[-15:]
            raise RuntimeError(f"{' '.join(cmd[1:4])} exited with {code}:\n" + "\n".join(tail))
        return time.perf_counter() - began

    def stop(self, proc: subprocess.Popen, grace: float = 10.0) -> None:
        if proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.running)):
            self.stop(proc)


def _terminate(signum, frame):  # a SIGTERM ends the run like Ctrl-C: everything stopped
    raise KeyboardInterrupt


# --- the database -----------------------------------------------------------------------


def _pg(tool: str, *args: str, check: bool = True) -> str:
    done = subprocess.run(  # noqa: S603
        [tool, "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{tool} {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def _sql(database: str, query: str) -> str:
    return _pg("psql", "-d", database, "-tAc", query)


def _database_note(name: str) -> str | None:
    """The comment on database ``name`` ("-" without one), or None when it does not exist."""
    query = "SELECT coalesce(shobj_description(oid, 'pg_database'), '-') FROM pg_database"
    found = _sql("postgres", f"{query} WHERE datname = '{name}'")  # names: "demo" or digits
    return found or None


def _counts(database: str) -> dict[str, int]:
    tables = ("graduate", "talent_need", "investment_project", "investor_interest", "lead")
    counts = ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)  # noqa: S608
    row = _sql(database, f"SELECT {counts}")
    return dict(zip(tables, (int(n) for n in row.split("|")), strict=True))


# --- one scale ---------------------------------------------------------------------------


@dataclass
class Scale:
    label: str  # "demo" or the number of graduates
    graduates: int  # 0 at demo scale: the demo data only
    redis_db: int

    @property
    def database(self) -> str:
        return f"matchmaker_load_{self.label}"


@dataclass
class Outcome:
    scale: Scale
    counts: dict[str, int] = field(default_factory=dict)
    setup: dict[str, float] = field(default_factory=dict)  # step → seconds
    rebuild: str = ""
    stats: list[dict] = field(default_factory=list)  # locust's rows, "Aggregated" last
    exceptions: int = 0
    web_rss: dict[int, int] = field(default_factory=dict)  # pid → peak bytes
    job_rss: int | None = None  # peak bytes; None: no job worker
    locust_exit: int = 0
    #: CPU seconds during the run: "web" workers, "locust", "other" (PostgreSQL, and
    #: whatever else the machine was doing meanwhile)
    cpu: dict[str, float] = field(default_factory=dict)


def _environment(scale: Scale) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{scale.database}",
        REDIS_URL=f"{REDIS}/{scale.redis_db}",
        SECRET_KEY=SECRET_KEY,
        # the models and side indexes of this database, apart from instance/'s
        MATCH_STORE_DIR=str(RESULTS / f"matching-{scale.database}"),
        MAIL_SERVER="",  # a benchmark sends no e-mail
        FLASK_APP="matchmaker",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("FLASK_DEBUG", None)
    return env


def _flask(*args: str) -> list[str]:
    return [str(BIN / "flask"), "--app", "matchmaker", *args]


def prepare(scale: Scale, args, procs: Processes, log: Path, out: Outcome) -> None:
    """Build (or, with --keep, reuse) the scale's database and rank its suggestions."""
    env = _environment(scale)
    note = _database_note(scale.database)
    reuse = args.keep and note is not None and note.startswith(GROWN)
    n = scale.graduates

    def step(name: str, *cmd: str) -> None:
        print(f"  {name} …", flush=True)
        out.setup[name] = procs.run(_flask(*cmd), env, log)
        print(f"  {name}: {out.setup[name]:.1f} s", flush=True)

    if reuse:
        print(f"  reusing {scale.database} (--keep)")
        step("db upgrade", "db", "upgrade")
    else:
        _pg("dropdb", "--if-exists", "--force", scale.database)
        _pg("createdb", scale.database)
        step("db upgrade", "db", "upgrade")
        step("seed-demo", "seed-demo")
        if n and args.skip_rebuild:
            step("rebuild-matches (demo data, before growing)", "rebuild-matches")
        if n:
            step(
                "seed-scale",
                *("seed-scale", "--graduates", str(n), "--needs", str(n // 10)),
                *("--projects", str(n // 100), "--interests", str(n // 100)),
            )
        _sql("postgres", f"COMMENT ON DATABASE {scale.database} IS '{GROWN}'")
    if (not n and not reuse) or not args.skip_rebuild:
        step("rebuild-matches", "rebuild-matches")
        out.rebuild = f"{out.setup['rebuild-matches']:.1f} s"
    elif n and not reuse:
        before = out.setup["rebuild-matches (demo data, before growing)"]
        out.rebuild = f"skipped (ranked on the demo data before growing: {before:.1f} s)"
    else:
        out.rebuild = "skipped (kept database)"
    if not out.rebuild[0].isdigit():
        print(f"  rebuild-matches: {out.rebuild}")
    out.counts = _counts(scale.database)

    client = redis.Redis.from_url(f"{REDIS}/{scale.redis_db}")
    client.flushdb()
    client.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_answering(url: str, gunicorn: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if gunicorn.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise RuntimeError(f"gunicorn exited with {gunicorn.returncode}:\n{tail}")
        with suppress(OSError), urllib.request.urlopen(url + "/healthz", timeout=5) as answer:  # noqa: S310
            if answer.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError("the site did not answer within 120 s")


def _warm(url: str, master: psutil.Process) -> None:
    """Let every web worker load what a process loads once (the matching engine, on its
    first request), then wait until they are idle: the run measures a site in service."""

    def ask() -> None:
        for _ in range(10):
            with suppress(OSError):
                urllib.request.urlopen(url + "/", timeout=30).read()  # noqa: S310

    askers = [threading.Thread(target=ask) for _ in range(WEB_WORKERS * 2)]
    for t in askers:
        t.start()
    for t in askers:
        t.join()
    deadline = time.monotonic() + 120
    workers = master.children(recursive=True)
    for w in workers:
        with suppress(psutil.Error):
            w.cpu_percent(None)
    while time.monotonic() < deadline:
        time.sleep(1)
        busy = 0.0
        for w in workers:
            with suppress(psutil.Error):
                busy += w.cpu_percent(None)
        if busy < 10:
            return


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def _busy() -> float:
    """CPU seconds the whole machine has been busy since it started."""
    times = psutil.cpu_times()
    parts = ("user", "nice", "system", "irq", "softirq", "steal")  # guest is inside user
    return sum(getattr(times, part, 0.0) for part in parts)


class Sampler(threading.Thread):
    """Peak resident memory of each gunicorn worker and of the job worker (its whole
    process tree), sampled every half second."""

    def __init__(self, master: psutil.Process, job: psutil.Process | None) -> None:
        super().__init__(daemon=True)
        self.master, self.job = master, job
        self.web: dict[int, int] = {}
        self.job_peak: int | None = 0 if job else None
        self.locust: psutil.Process | None = None
        self.cpu: dict[str, dict[int, float]] = {"web": {}, "locust": {}}  # pid → CPU s
        self.cpu_before = {pid: _cpu(p) for pid, p in self._workers().items()}
        self.machine_before = _busy()
        self.machine = 0.0
        self.done = threading.Event()

    def _workers(self) -> dict[int, psutil.Process]:
        with suppress(psutil.Error):
            return {p.pid: p for p in self.master.children(recursive=True)}
        return {}

    def cpu_seconds(self, what: str) -> float:
        if what == "other":
            return self.machine - self.cpu_seconds("web") - self.cpu_seconds("locust")
        used = sum(self.cpu[what].values())
        return used - (sum(self.cpu_before.values()) if what == "web" else 0.0)

    def sample(self) -> None:
        for pid, worker in self._workers().items():
            with suppress(psutil.Error):
                self.web[pid] = max(self.web.get(pid, 0), worker.memory_info().rss)
                self.cpu["web"][pid] = _cpu(worker)
        self.machine = _busy() - self.machine_before
        if self.locust is not None:
            with suppress(psutil.Error):
                self.cpu["locust"][self.locust.pid] = _cpu(self.locust)
        if self.job is not None:
            total = 0
            with suppress(psutil.Error):
                for proc in [self.job, *self.job.children(recursive=True)]:
                    with suppress(psutil.Error):
                        total += proc.memory_info().rss
            self.job_peak = max(self.job_peak or 0, total)

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.sample()


def _job_worker_available(env: dict) -> bool:
    done = subprocess.run(  # noqa: S603
        _flask("worker", "--help"), cwd=ROOT, env=env, capture_output=True, check=False
    )
    return done.returncode == 0


def measure(scale: Scale, args, procs: Processes, stamp: str, out: Outcome) -> None:
    """Serve the scale's database in the production profile and run the scenario."""
    env = _environment(scale)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    web_log = RESULTS / f"{stamp}-{scale.label}-gunicorn.log"
    gunicorn = procs.start(
        [
            *(str(BIN / "gunicorn"), "-w", str(WEB_WORKERS), "-b", f"127.0.0.1:{port}"),
            *("--timeout", "30", "matchmaker:create_app()"),
        ],
        env,
        web_log,
    )
    job = None
    if _job_worker_available(env):
        job = procs.start(_flask("worker"), env, RESULTS / f"{stamp}-{scale.label}-worker.log")
        print("  job worker: flask worker")
    else:
        print("  job worker: none (this version has no `flask worker` command)")
    _wait_until_answering(url, gunicorn, web_log)
    master = psutil.Process(gunicorn.pid)
    print(f"  serving on {url}; warming up …", flush=True)
    _warm(url, master)

    sampler = Sampler(master, psutil.Process(job.pid) if job else None)
    sampler.start()
    prefix = RESULTS / f"{stamp}-{scale.label}"
    print(f"  locust: {args.users} users for {args.duration} …", flush=True)
    locust = procs.start(
        [
            *(str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--only-summary"),
            *("-u", str(args.users), "-r", str(min(10, args.users)), "-t", args.duration),
            *("--host", url, "--csv", str(prefix)),
        ],
        env,
        RESULTS / f"{stamp}-{scale.label}-locust.log",
    )
    with suppress(psutil.Error):
        sampler.locust = psutil.Process(locust.pid)
    out.locust_exit = locust.wait()
    procs.running.remove(locust)
    sampler.done.set()
    sampler.join()
    sampler.sample()
    if job is not None and job.poll() is not None:
        print(f"  the job worker exited with {job.returncode} during the run")
    procs.stop(gunicorn)
    if job is not None:
        procs.stop(job)

    out.web_rss, out.job_rss = sampler.web, sampler.job_peak
    out.cpu = {what: sampler.cpu_seconds(what) for what in ("web", "locust", "other")}
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        raise RuntimeError(f"locust wrote no figures (exit {out.locust_exit}); see its log")
    with open(stats_file, newline="") as f:
        out.stats = list(csv.DictReader(f))
    with suppress(FileNotFoundError), open(f"{prefix}_exceptions.csv", newline="") as f:
        out.exceptions = sum(int(row["Count"]) for row in csv.DictReader(f))


# --- the table ----------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _route_rows(outcomes: list[Outcome]) -> list[tuple[str, str]]:
    routes = {(row["Type"], row["Name"]) for o in outcomes for row in o.stats if row["Type"]}
    return sorted(routes, key=lambda r: (r[1], r[0]))


def _row_of(out: Outcome, route: tuple[str, str]) -> dict | None:
    return next((r for r in out.stats if (r["Type"], r["Name"]) == route), None)


def _total(out: Outcome) -> dict:
    return next(r for r in out.stats if r["Name"] == "Aggregated")


def _kind(route: tuple[str, str]) -> str:
    if route == SIGN_IN:
        return "sign-in"
    return "save" if route[0] == "POST" else "page"


def table(outcomes: list[Outcome], args) -> str:
    """The figures as a markdown table, one column per scale, with the targets."""
    passed = True
    head = ["", "target", *(o.scale.label for o in outcomes)]
    lines = [head, ["---"] * len(head)]

    def add(name: str, target: str, cells: list[str]) -> None:
        lines.append([name, target, *cells])

    kinds = ("graduate", "talent_need", "investment_project", "investor_interest", "lead")
    add(
        "graduates · needs · projects · interests · leads",
        "",
        [" · ".join(str(o.counts.get(k, "?")) for k in kinds) for o in outcomes],
    )
    add("rebuild-matches", "", [o.rebuild for o in outcomes])

    cells = []
    for o in outcomes:
        rps = float(_total(o)["Requests/s"])
        ok = rps >= TARGETS["rps"]
        passed &= ok
        cells.append(f"{rps:.1f} {_verdict(ok)}")
    add(f"requests/s at {args.users} users", f"≥ {TARGETS['rps']}", cells)

    cells = []
    for o in outcomes:
        total = int(_total(o)["Request Count"])
        saves = sum(
            int(r["Request Count"]) for r in o.stats if r["Type"] and _kind(_key(r)) == "save"
        )
        cells.append(f"{total} ({100 * saves / max(total, 1):.1f}% saves)")
    add("requests", "", cells)

    cells = []
    for o in outcomes:
        failed = int(_total(o)["Failure Count"])
        errors = failed + o.exceptions
        ok = errors == TARGETS["errors"]
        passed &= ok
        detail = f" ({failed} failed, {o.exceptions} scenario exceptions)" if errors else ""
        cells.append(f"{errors}{detail} {_verdict(ok)}")
    add("errors", "0", cells)

    for route in _route_rows(outcomes):
        kind = _kind(route)
        limit = {"page": TARGETS["page_p95_ms"], "save": TARGETS["save_p95_ms"]}.get(kind)
        cells = []
        for o in outcomes:
            row = _row_of(o, route)
            if row is None:
                cells.append("—")
                continue
            figures = " / ".join(row[p] for p in ("50%", "95%", "99%"))
            verdict = ""
            if limit is not None:
                ok = float(row["95%"]) <= limit
                passed &= ok
                verdict = " " + _verdict(ok)
            cells.append(f"{figures}{verdict} (n={row['Request Count']})")
        target = f"p95 ≤ {limit}" if limit else "none (argon2id, by design)"
        add(f"{route[0]} {route[1]} p50 / p95 / p99 ms", target, cells)

    workers = max((len(o.web_rss) for o in outcomes), default=0)
    for i in range(workers):
        cells = []
        for o in outcomes:
            peaks = [o.web_rss[pid] for pid in sorted(o.web_rss)]
            if i >= len(peaks):
                cells.append("—")
                continue
            ok = peaks[i] <= TARGETS["web_rss_mb"] * MB
            passed &= ok
            cells.append(f"{peaks[i] / MB:.0f} {_verdict(ok)}")
        add(f"web worker {i + 1} peak RSS MB", f"≤ {TARGETS['web_rss_mb']}", cells)

    cells = []
    for o in outcomes:
        if o.job_rss is None:
            cells.append("not running (no `flask worker`)")
            continue
        ok = o.job_rss <= TARGETS["job_rss_mb"] * MB
        passed &= ok
        cells.append(f"{o.job_rss / MB:.0f} {_verdict(ok)}")
    add(
        "web workers killed and replaced (timeout or memory)",
        "0",
        [str(max(0, len(o.web_rss) - WEB_WORKERS)) for o in outcomes],
    )
    cores = os.cpu_count() or 1
    add(
        f"CPU seconds used: web workers · locust · the rest ({cores} cores)",
        "",
        [
            " · ".join(f"{o.cpu.get(k, 0):.0f}" for k in ("web", "locust", "other"))
            for o in outcomes
        ],
    )
    add("job worker peak RSS MB", f"≤ {TARGETS['job_rss_mb']}", cells)
    add("all targets", "", [_verdict(passed)] * len(outcomes))
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def _key(row: dict) -> tuple[str, str]:
    return row["Type"], row["Name"]


def _context(args) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    memory = psutil.virtual_memory().total / 1024**3
    return (
        f"commit {commit or '?'} · {platform.python_implementation()} "
        f"{platform.python_version()} · {os.cpu_count()} cores, {memory:.0f} GB · "
        f"gunicorn -w {WEB_WORKERS} (sync) · locust on the same machine, "
        f"{args.users} users, {args.duration}"
    )


# --- main -----------------------------------------------------------------------------


def _scales(text: str) -> list[Scale]:
    scales = []
    for i, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        if part != "demo" and not part.isdigit():
            raise SystemExit(f"--scales: 'demo' or a number of graduates, not {part!r}")
        graduates = 0 if part == "demo" else int(part)
        scales.append(Scale(part, graduates, REDIS_FIRST_DB + i))
    return scales


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="demo,100000", help="demo and/or graduate counts")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", default="3m", help="locust's -t, e.g. 60s, 3m")
    parser.add_argument("--keep", action="store_true", help="reuse a database grown before")
    parser.add_argument("--skip-rebuild", action="store_true", help="no rebuild after growing")
    args = parser.parse_args(argv)
    scales = _scales(args.scales)

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    signal.signal(signal.SIGTERM, _terminate)
    procs = Processes()
    outcomes = []
    try:
        for scale in scales:
            print(f"== {scale.label} ({scale.database}, Redis db {scale.redis_db})", flush=True)
            out = Outcome(scale)
            log = RESULTS / f"{stamp}-{scale.label}-setup.log"
            prepare(scale, args, procs, log, out)
            measure(scale, args, procs, stamp, out)
            outcomes.append(out)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping everything", file=sys.stderr)
        code = 130
    except RuntimeError as error:
        print(f"\nfailed: {error}", file=sys.stderr)
        code = 1
    else:
        code = 0
    finally:
        procs.stop_all()
    if not outcomes:
        return code or 1

    text = table(outcomes, args)
    context = _context(args)
    print()
    print(context)
    print()
    print(text)
    report = RESULTS / f"load-{stamp[:10]}.md"
    with open(report, "a") as f:
        f.write(f"## {stamp}: `python -m bench.load {' '.join(sys.argv[1:])}`\n\n")
        f.write(f"{context}\n\n{text}\n\n")
    print(f"\nWritten to {report.relative_to(ROOT)} (logs and locust CSVs: {stamp}-*)")
    return code


if __name__ == "__main__":
    sys.exit(main())
