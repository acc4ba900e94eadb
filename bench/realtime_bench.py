"""Realtime benchmark: ``.venv/bin/python bench/realtime_bench.py`` (about 10 minutes, loopback).

Not a test: the figures depend on the machine and on what else runs on it. One run measures, in
turn and with the same generator, the same receivers and the same frame size:

1. ``bare``: a plain ``websockets.broadcast()`` server (bench/realtime_reference.py);
2. ``relay``: the same server fed through Redis PUBLISH/SUBSCRIBE;
3. each Channels variant: daphne serving ``config.asgi`` with a Redis channel layer, posts
   published through ``community.services`` (bench/realtime_driver.py).

Placement: the server under test runs alone on core 0 (``taskset -c 0``); the generator, the
driver, this orchestrator and a private ``redis-server`` on port 6391 share core 1. The shared
Redis on 6379 is never touched. The database is a fresh PostgreSQL database ``bench_realtime``
on 127.0.0.1:5432 (or ``--sqlite``), created and dropped here.

For each server: an open-loop sweep of delivery rates (receivers x posts/s) until p99 latency
passes 250 ms or frames are lost; per step p50/p99 from commit (or send) to receipt, lost
frames by seq, server CPU-seconds per 1,000 deliveries from /proc/<pid>/stat, and RSS. For the
Channels variants also: 2,000 idle sockets' CPU share over 60 s, and a forced disconnect of
every client mid-stream followed by resync through ``after_seq`` (posts missing per client).
Results go to ``<out>/results.json`` and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
BENCH = ROOT / "bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CORE, CLIENT_CORE = "0", "1"
KNEE_P99_MS = 250.0
REDIS_PORT = 6391
PG_URL = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "bench_realtime"

VARIANTS: dict[str, dict[str, str]] = {
    # Environment of daphne and the driver per variant; all use REDIS_URL on port 6391.
    # "channels" is config.asgi as committed; the others toggle the community socket's
    # forwarding through bench/realtime_asgi.py, so before and after run in one bench run.
    "channels": {"DJANGO_SETTINGS_MODULE": "config.settings", "ASGI_APP": "config.asgi"},
    "channels-naive": {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ASGI_APP": "bench.realtime_asgi",
        "BENCH_FORWARD": "off",
    },
    "channels-thin": {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ASGI_APP": "bench.realtime_asgi",
        "BENCH_FORWARD": "on",
    },
    "channels-thin-pubsub": {
        "DJANGO_SETTINGS_MODULE": "bench.realtime_settings_pubsub",
        "ASGI_APP": "bench.realtime_asgi",
        "BENCH_FORWARD": "on",
    },
    "channels-hub": {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ASGI_APP": "bench.realtime_asgi",
        "BENCH_FORWARD": "on",
        "BENCH_HUB": "on",
    },
    "channels-hub-pubsub": {
        "DJANGO_SETTINGS_MODULE": "bench.realtime_settings_pubsub",
        "ASGI_APP": "bench.realtime_asgi",
        "BENCH_FORWARD": "on",
        "BENCH_HUB": "on",
    },
}
DEFAULT_SERVERS = ["bare", "relay", "channels-naive", "channels-thin", "channels-hub"]
DEFAULT_SERVERS += ["channels-hub-pubsub"]  # channels-thin-pubsub on request (--servers)


# --- processes ---------------------------------------------------------------------------------
class Proc:
    """A child process with line-based stdin/stdout, read by a thread so reads can time out."""

    def __init__(self, argv: list[str], env: dict[str, str], name: str, log_dir: Path) -> None:
        self.name = name
        self.log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115  closed in stop()
        self.popen = subprocess.Popen(  # noqa: S603  argv built here from fixed parts
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("<EOF>")

    @property
    def pid(self) -> int:
        return self.popen.pid

    def send(self, line: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(line + "\n")
        self.popen.stdin.flush()

    def expect(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"{self.name}: no {prefix!r} within {timeout} s") from None
            if line == "<EOF>":
                raise RuntimeError(f"{self.name} exited (see its log)")
            if line.startswith(prefix):
                return line

    def stop(self, timeout: float = 10) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(BrokenPipeError, OSError):
                self.send("STOP")
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.terminate()
                try:
                    self.popen.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.popen.kill()
        self.log.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pinned(core: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", core, *argv]


# --- statistics --------------------------------------------------------------------------------
def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def step_stats(driver: dict[str, Any], recv: list[float], receivers: int) -> dict[str, Any]:
    sent = {int(seq): t for seq, t in driver["sent"].items()}
    latencies = []
    for i in range(0, len(recv), 3):
        t_sent = sent.get(int(recv[i + 1]))
        if t_sent is not None:
            latencies.append((recv[i + 2] - t_sent) * 1000)
    latencies.sort()
    expected = len(sent) * receivers
    seconds = driver["t_end"] - driver["t_start"]
    return {
        "offered_deliveries_per_s": round(driver["posts"] * receivers / seconds),
        "posts": driver["posts"],
        "published": len(sent),
        "errors": driver["errors"],
        "driver_lag_p99_ms": round(driver["lag_p99_ms"], 1),
        "delivered": len(latencies),
        "lost": expected - len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
    }


# --- one server under load ----------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace, out: Path) -> None:
        self.args = args
        self.out = out
        self.env = dict(os.environ)
        self.env.update(
            {
                "PYTHONPATH": str(ROOT),
                "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
                "DJANGO_DEBUG": "false",
                "DJANGO_LOG_LEVEL": "WARNING",
                "DATABASE_URL": args.database_url,
            }
        )
        self.results: dict[str, Any] = {"servers": {}}
        self.seed: dict[str, Any] = json.loads((out / "seed.json").read_text())

    def redis_cli(self, *command: str) -> str:
        return subprocess.run(  # noqa: S603
            ["redis-cli", "-p", str(REDIS_PORT), *command],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout.strip()

    def start_server(self, kind: str) -> tuple[Proc, int]:
        port = free_port()
        env = dict(self.env)
        if kind in ("bare", "relay"):
            argv = [PY, str(BENCH / "realtime_reference.py"), kind, "--port", str(port)]
        else:
            env.update(VARIANTS[kind])
            argv = [
                PY,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--websocket-max-message-size",
                "65536",
                "--websocket-max-frame-size",
                "65536",
                "--websocket_timeout",
                "86400",
                f"{VARIANTS[kind]['ASGI_APP']}:application",
            ]  # fmt: skip  (the flags scripts/run uses)
        server = Proc(pinned(SERVER_CORE, argv), env, f"server-{kind}", self.out)
        wait_port(port)
        return server, port

    def generator(self, kind: str, port: int, name: str, *extra: str) -> Proc:
        url = (
            f"ws://127.0.0.1:{port}/sub"
            if kind in ("bare", "relay")
            else f"ws://127.0.0.1:{port}/ws/community/"
        )
        argv = [
            PY, str(BENCH / "realtime_generator.py"), "--url", url,
            "--origin", f"http://127.0.0.1:{port}", "--http-base", f"http://127.0.0.1:{port}",
            "--space", str(self.seed["space"]),
            "--connect-concurrency", str(self.args.connect_concurrency), *extra,
        ]  # fmt: skip
        return Proc(pinned(CLIENT_CORE, argv), self.env | VARIANTS.get(kind, {}), name, self.out)

    def driver(self, kind: str, port: int) -> Proc:
        argv = [PY, str(BENCH / "realtime_driver.py")]
        if kind == "bare":
            argv += ["bare", "--url", f"ws://127.0.0.1:{port}/pub"]
        elif kind == "relay":
            argv += ["relay", "--redis-url", self.env["REDIS_URL"]]
        else:
            argv += ["channels", "--seed", str(self.out / "seed.json")]
        proc = Proc(
            pinned(CLIENT_CORE, argv), self.env | VARIANTS.get(kind, {}), f"driver-{kind}", self.out
        )
        proc.expect("DRIVER_READY", 60)
        return proc

    def settle(self, server: Proc, limit: float = 180) -> float:
        """Wait until the server is quiet (below 10% of a core over 1 s); return the seconds.

        Joining sockets trigger presence frames (coalesced per space and window since session
        2; before that N joins queued about N * N / 2 frames); steps start once they are sent.
        """
        started = time.monotonic()
        while time.monotonic() - started < limit:
            cpu0 = cpu_seconds(server.pid)
            time.sleep(1)
            if cpu_seconds(server.pid) - cpu0 < 0.1:
                break
        return time.monotonic() - started

    def drain(self, generator: Proc, limit: float = 15) -> None:
        """Wait until the generator's count stops growing: the step's frames are all in."""
        last, still, deadline = -1, 0, time.monotonic() + limit
        while time.monotonic() < deadline and still < 3:
            generator.send("COUNT")
            count = int(generator.expect("COUNT", 10).split()[1])
            still = still + 1 if count == last else 0
            last = count
            time.sleep(0.25)

    def run_step(
        self, server: Proc, generator: Proc, driver: Proc, posts_per_s: float, seconds: float,
        receivers: int, during: Any = None, before_dump: Any = None,
    ) -> dict[str, Any]:  # fmt: skip
        step_file = self.out / f"step-{time.monotonic_ns()}.json"
        dump_file = self.out / f"dump-{time.monotonic_ns()}.json"
        cpu0, gen0, t0 = cpu_seconds(server.pid), cpu_seconds(generator.pid), time.monotonic()
        driver.send(f"STEP {posts_per_s} {seconds} {step_file}")
        if during:
            during()
        driver.expect("STEPDONE", seconds * 4 + 60)
        self.drain(generator)
        if before_dump:
            before_dump()
        cpu1, gen1, t1 = cpu_seconds(server.pid), cpu_seconds(generator.pid), time.monotonic()
        generator.send(f"DUMP {dump_file}")
        generator.expect("DUMPED", 60)
        step = json.loads(step_file.read_text())
        dump = json.loads(dump_file.read_text())
        stats = step_stats(step, dump["recv"], receivers)
        stats["server_cpu_s_per_1k"] = round((cpu1 - cpu0) / max(stats["delivered"], 1) * 1000, 4)
        stats["server_cpu_share"] = round((cpu1 - cpu0) / (t1 - t0), 3)
        stats["generator_cpu_share"] = round((gen1 - gen0) / (t1 - t0), 3)
        stats["server_rss_mb"] = round(rss_mb(server.pid), 1)
        stats["loadavg_1m"] = float(Path("/proc/loadavg").read_text().split()[0])
        stats["_dump"] = dump
        stats["_sent"] = {int(seq) for seq in step["sent"]}
        step_file.unlink()
        dump_file.unlink()
        return stats

    def sweep(self, kind: str) -> dict[str, Any]:
        """1k and 2k deliveries/s, then up until p99 passes 250 ms or frames are lost."""
        args = self.args
        self.redis_cli("FLUSHDB")
        server, port = self.start_server(kind)
        result: dict[str, Any] = {"steps": []}
        try:
            rss_idle, cpu_start = rss_mb(server.pid), cpu_seconds(server.pid)
            started = time.monotonic()
            generator = self.generator(kind, port, f"gen-{kind}", "--n", str(args.receivers),
                                       *(("--cookies", str(self.out / "receivers.json"))
                                         if kind.startswith("channels") else ()))  # fmt: skip
            ready = generator.expect("READY", 300).split()
            result["receivers_connected"] = int(ready[1])
            result["receivers_failed"] = int(ready[2])
            print(f"  {kind}: {' '.join(ready)}", flush=True)
            result["connect_seconds"] = round(time.monotonic() - started, 1)
            result["server_rss_mb_before_connect"] = round(rss_idle, 1)
            receivers = int(ready[1])
            result["settle_seconds"] = round(self.settle(server), 1)
            result["connect_server_cpu_s"] = round(cpu_seconds(server.pid) - cpu_start, 1)
            driver = self.driver(kind, port)
            self.run_step(server, generator, driver, 2, 2, receivers)  # warm-up, not reported
            for target in args.rates:
                seconds = args.step_seconds if target > 2000 else args.main_seconds
                stats = self.run_step(
                    server, generator, driver, target / receivers, seconds, receivers
                )
                stats["target_deliveries_per_s"] = target
                stats.pop("_dump")
                stats.pop("_sent")
                result["steps"].append(stats)
                print(f"  {kind} {target}/s: {json.dumps(stats)}", flush=True)
                self.settle(server, 30)
                lost_share = stats["lost"] / max(stats["delivered"] + stats["lost"], 1)
                if target >= 2000 and (stats["p99_ms"] > KNEE_P99_MS or lost_share > 0.001):
                    break
                if time.monotonic() - started > args.sweep_budget:
                    result["sweep_cut_by_budget"] = True
                    break
            driver.stop()
            generator.stop()
            if kind.startswith("channels"):
                if kind in args.resync_on:
                    self.settle(server)
                    result["resync"] = self.resync(kind, server, port)
                if kind in args.idle_on:
                    self.settle(server)
                    result["idle"] = self.idle(kind, server, port)
        finally:
            server.popen.terminate()
            server.popen.wait(timeout=10)
            server.log.close()
        ok = [s for s in result["steps"] if s["p99_ms"] <= KNEE_P99_MS and s["lost"] == 0]
        result["knee_deliveries_per_s"] = max((s["target_deliveries_per_s"] for s in ok), default=0)
        result["knee_not_reached"] = len(ok) == len(result["steps"])
        return result

    def resync(self, kind: str, server: Proc, port: int) -> dict[str, Any]:
        """Abort every client mid-stream twice; count posts missing after after_seq resync."""
        args = self.args
        generator = self.generator(
            kind, port, f"gen-resync-{kind}", "--n", str(args.resync_clients),
            "--cookies", str(self.out / "receivers.json"), "--resync", "--reconnect",
        )  # fmt: skip
        receivers = int(generator.expect("READY", 300).split()[1])
        self.settle(server)
        driver = self.driver(kind, port)

        def disconnect_twice() -> None:
            for _ in range(2):
                time.sleep(args.resync_seconds / 3)
                generator.send("DISCONNECT")
                generator.expect("DISCONNECTED", 30)

        def converge() -> None:
            """After the second abort, wait until every client is back and has resynced."""
            deadline = time.monotonic() + args.resync_converge_limit
            while time.monotonic() < deadline:
                generator.send("SYNCED")
                if int(generator.expect("SYNCED", 30).split()[1]) >= receivers:
                    return
                time.sleep(0.5)

        started = time.monotonic()
        stats = self.run_step(
            server, generator, driver, args.resync_posts_per_s, args.resync_seconds, receivers,
            during=disconnect_twice, before_dump=converge,
        )  # fmt: skip
        converged_after = time.monotonic() - started - args.resync_seconds
        dump = stats.pop("_dump")
        driver.stop()
        generator.stop()
        expected_all = stats.pop("_sent")
        missing = []
        for client in dump["clients"]:
            seen = set(client["seen"] or [])
            baseline = client["baseline"] if client["baseline"] is not None else 0
            expected = {s for s in expected_all if s > baseline}
            missing.append(len(expected - seen))
        recovered = sum(len(c["fetched"]) for c in dump["clients"])
        return {
            "clients": receivers,
            "posts": stats["posts"],
            "reconnects": dump["reconnects"],
            "frames_fetched_via_after_seq": recovered,
            "live_frames_lost": stats["lost"],
            "missing_per_client_max": max(missing) if missing else None,
            "missing_total": sum(missing),
            "clients_connected_at_end": dump["connected"],
            "clients_resynced_at_end": sum(1 for c in dump["clients"] if c["synced"]),
            "seconds_to_converge_after_stream": round(converged_after, 1),
        }

    def idle(self, kind: str, server: Proc, port: int) -> dict[str, Any]:
        """2,000 sockets that receive nothing: the server's CPU share over 60 s, and RSS."""
        args = self.args
        rss0 = rss_mb(server.pid)
        started = time.monotonic()
        generator = self.generator(
            kind, port, f"gen-idle-{kind}", "--n", str(args.idle),
            "--cookies", str(self.out / "idle.json"),
        )  # fmt: skip
        connected = int(generator.expect("READY", 600).split()[1])
        connect_seconds = time.monotonic() - started
        time.sleep(5)
        cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
        time.sleep(args.idle_seconds)
        cpu1, t1 = cpu_seconds(server.pid), time.monotonic()
        rss1 = rss_mb(server.pid)
        generator.stop()
        return {
            "sockets": connected,
            "connect_seconds": round(connect_seconds, 1),
            "seconds": round(t1 - t0, 1),
            "server_cpu_share": round((cpu1 - cpu0) / (t1 - t0), 4),
            "server_rss_mb": round(rss1, 1),
            "rss_kb_per_socket": round((rss1 - rss0) * 1024 / max(connected, 1), 1),
        }


# --- setup, teardown, report --------------------------------------------------------------------
def start_redis(out: Path) -> subprocess.Popen[bytes]:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", REDIS_PORT)) == 0:
            raise SystemExit(f"port {REDIS_PORT} is taken; the bench needs its own Redis there")
    log = open(out / "redis.log", "ab")  # noqa: SIM115  the child keeps it
    proc = subprocess.Popen(  # noqa: S603
        pinned(CLIENT_CORE, ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(out)]),
        stdout=log, stderr=log,
    )  # fmt: skip
    wait_port(REDIS_PORT, 20)
    return proc


def psql(sql: str) -> None:
    subprocess.run(  # noqa: S603
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c", sql],  # noqa: S607
        check=True,
        capture_output=True,
    )


def prepare_database(args: argparse.Namespace, out: Path) -> None:
    if not args.postgres:
        args.database_url = f"sqlite:///{out / 'bench.sqlite3'}"
    else:
        psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
        psql(f"CREATE DATABASE {DB_NAME}")
        args.database_url = f"{PG_URL}/{DB_NAME}"
    env = dict(os.environ, DATABASE_URL=args.database_url, DJANGO_DEBUG="false",
               REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0")  # fmt: skip
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [PY, str(BENCH / "realtime_driver.py"), "seed", "--out", str(out),
         "--receivers", str(max(args.receivers, args.resync_clients)), "--idle", str(args.idle)],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip


def ratio(value: float | None, reference: float | None) -> str:
    if not value or not reference:
        return "n/a"
    return f"{value / reference:.1f}x"


def markdown(results: dict[str, Any]) -> str:
    servers = results["servers"]
    bare = servers.get("bare", {})

    def at(server: dict[str, Any], rate: int) -> dict[str, Any]:
        return next(
            (s for s in server.get("steps", []) if s["target_deliveries_per_s"] == rate), {}
        )

    lines = [
        f"Run {results['date']}, {results['machine']}; {results['receivers']} receivers in one "
        f"space; database {results['database']}.",
        "",
        "| server | p50 / p99 ms at 1k/s | p99 vs bare | p50 / p99 ms at 2k/s | p99 vs bare "
        "| CPU-s per 1k deliveries (2k/s) | vs bare | knee (deliveries/s) | RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, server in servers.items():
        one, two = at(server, 1000), at(server, 2000)
        knee = server.get("knee_deliveries_per_s")
        knee_text = f">= {knee}" if server.get("knee_not_reached") else f"{knee}"
        lines.append(
            f"| {name} | {one.get('p50_ms')} / {one.get('p99_ms')} "
            f"| {ratio(one.get('p99_ms'), at(bare, 1000).get('p99_ms'))} "
            f"| {two.get('p50_ms')} / {two.get('p99_ms')} "
            f"| {ratio(two.get('p99_ms'), at(bare, 2000).get('p99_ms'))} "
            f"| {two.get('server_cpu_s_per_1k')} "
            f"| {ratio(two.get('server_cpu_s_per_1k'), at(bare, 2000).get('server_cpu_s_per_1k'))} "
            f"| {knee_text} | {two.get('server_rss_mb')} |"
        )
    lines += ["", "| server | idle sockets | CPU share of a core over 60 s | RSS MB | KB/socket "
              "| resync: clients | reconnects | fetched via after_seq | missing per client (max) |",
              "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, server in servers.items():
        idle, resync = server.get("idle"), server.get("resync")
        if not idle or not resync:
            continue
        lines.append(
            f"| {name} | {idle['sockets']} | {idle['server_cpu_share'] * 100:.2f}% "
            f"| {idle['server_rss_mb']} | {idle['rss_kb_per_socket']} | {resync['clients']} "
            f"| {resync['reconnects']} | {resync['frames_fetched_via_after_seq']} "
            f"| {resync['missing_per_client_max']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--servers", nargs="+", default=DEFAULT_SERVERS)
    parser.add_argument("--receivers", type=int, default=250)
    parser.add_argument("--rates", type=int, nargs="+",
                        default=[1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000])  # fmt: skip
    parser.add_argument("--main-seconds", type=float, default=8)
    parser.add_argument("--step-seconds", type=float, default=6)
    parser.add_argument("--sweep-budget", type=float, default=100)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--idle-on", nargs="+", default=["channels-hub"])
    parser.add_argument("--resync-on", nargs="+", default=["channels-hub"])
    parser.add_argument("--resync-clients", type=int, default=100)
    parser.add_argument("--resync-posts-per-s", type=float, default=10)
    parser.add_argument("--resync-seconds", type=float, default=12)
    parser.add_argument("--resync-converge-limit", type=float, default=90)
    parser.add_argument(
        "--postgres", action="store_true", help=f"a fresh PostgreSQL database {DB_NAME}, not SQLite"
    )
    parser.add_argument("--connect-concurrency", type=int, default=8)
    parser.add_argument("--out", default="")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    os.sched_setaffinity(0, {int(CLIENT_CORE)})
    out = Path(args.out or tempfile.mkdtemp(prefix="realtime_bench_"))
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    redis = start_redis(out)
    bench: Bench | None = None
    try:
        prepare_database(args, out)
        bench = Bench(args, out)
        bench.results.update(
            {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "machine": f"{os.cpu_count()} cores, {os.uname().machine}, "
                f"Linux {os.uname().release}",
                "receivers": args.receivers,
                "database": "PostgreSQL" if args.postgres else "SQLite (WAL)",
            }
        )
        for kind in args.servers:
            print(f"== {kind}", flush=True)
            bench.results["servers"][kind] = bench.sweep(kind)
            (out / "results.json").write_text(json.dumps(bench.results, indent=1))
    finally:
        redis.terminate()
        redis.wait(timeout=10)
        if args.postgres and not args.keep_database:
            psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    if bench is not None:
        bench.results["wall_seconds"] = round(time.monotonic() - started)
        (out / "results.json").write_text(json.dumps(bench.results, indent=1))
        print(markdown(bench.results))
        print(f"\nresults: {out / 'results.json'}; wall {bench.results['wall_seconds']} s")


if __name__ == "__main__":
    main()
