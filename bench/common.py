"""Shared helpers for the benchmark scripts: paths, timed commands, servers, Zebra, results.

Nothing here runs at import. Every server started here listens on 127.0.0.1 and is stopped
by its PID (Zebra by ``zebra.sh stop`` with the bench's own scratch directory and ports, so a
Zebra another engineer runs on the default ports is never touched).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
UNIONCAT = VENV_BIN / "unioncat"
ZEBRA_SH = Path(os.environ.get("ZEBRA_SH", "/work/shared/reference/zebra/zebra.sh"))
# Own scratch dir and ports, so a Zebra someone else runs on 9997/9996 is left alone.
ZEBRA_SCRATCH = Path(os.environ.get("BENCH_ZEBRA_SCRATCH", OUT / "zebra"))
ZEBRA_PORTS = {"grs": int(os.environ.get("BENCH_ZEBRA_GRS_PORT", "19997")),
               "dom-icu": int(os.environ.get("BENCH_ZEBRA_DOM_PORT", "19996"))}
ZEBRA_DB = "lc"
SOURCE_CODE = "VN-BENCH"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data

def lc_slice(count: int) -> Path:
    """The first ``count`` LC records as ISO 2709 under bench/out (written once)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"lc{count}.mrc"
    if not path.exists():
        partial = path.with_suffix(".part")
        subprocess.run([str(PYTHON), str(BENCH / "lcdata.py"), "--slice", str(count),
                        str(partial)], check=True, stdout=subprocess.DEVNULL)
        partial.rename(path)
    return path


def lc_full() -> Path:
    out = subprocess.run([str(PYTHON), str(BENCH / "lcdata.py")], check=True,
                         capture_output=True, text=True).stdout.strip()
    return Path(out)


def count_records(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\x1d") for chunk in iter(lambda: handle.read(1 << 24), b""))


# ---------------------------------------------------------------- timed commands

@dataclass
class Timed:
    wall_s: float
    cpu_s: float
    max_rss_kb: int
    returncode: int
    stdout: str
    stderr: str


def ensure_gnu_time() -> bool:
    """/usr/bin/time -v is used for CPU and peak RSS; install Debian ``time`` if missing."""
    if Path("/usr/bin/time").exists():
        return True
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    try:
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "time"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    except (subprocess.SubprocessError, OSError):
        return False
    return Path("/usr/bin/time").exists()


def run_timed(argv: Sequence[str], env: Mapping[str, str] | None = None,
              cwd: Path | None = None, timeout: float = 3600) -> Timed:
    """Run a command to completion: wall seconds, user+sys CPU seconds, peak RSS (kB)."""
    stats = OUT / f".time-{os.getpid()}-{time.monotonic_ns()}.txt"
    use_time = ensure_gnu_time()
    full = ["/usr/bin/time", "-v", "-o", str(stats), *argv] if use_time else list(argv)
    start = time.perf_counter()
    proc = subprocess.run(full, env={**os.environ, **(env or {})}, cwd=cwd, timeout=timeout,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu, rss = 0.0, 0
    if use_time and stats.exists():
        text = stats.read_text()
        stats.unlink()
        cpu = _time_field(text, "User time") + _time_field(text, "System time")
        rss = int(_time_field(text, "Maximum resident set size"))
    return Timed(wall, cpu, rss, proc.returncode, proc.stdout, proc.stderr)


def _time_field(text: str, name: str) -> float:
    match = re.search(rf"{name}[^:]*:\s*([0-9.]+)", text)
    return float(match.group(1)) if match else 0.0


# ---------------------------------------------------------------- processes and ports

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def proc_status(pid: int, field: str) -> int:
    """A kB figure from /proc/PID/status (VmRSS, VmHWM); 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its reaped children (utime, stime, cutime, cstime).

    zebrasrv forks one child per connection; their time lands in cutime/cstime once the
    connections close, which is why load runs close every association before reading this.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants, from /proc/*/stat parent links."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class TreeMemory:
    """Peaks over a process tree (ingest forks parse workers): summed RSS and summed PSS."""

    peak_rss_kb: int = 0
    peak_pss_kb: int = 0
    peak_main_rss_kb: int = 0
    max_processes: int = 0
    samples: int = 0

    def sample(self, root: int) -> None:
        pids = tree_pids(root)
        rss = sum(proc_status(pid, "VmRSS") for pid in pids)
        pss = sum(pss_kb(pid) for pid in pids)
        self.peak_rss_kb = max(self.peak_rss_kb, rss)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)
        self.peak_main_rss_kb = max(self.peak_main_rss_kb, proc_status(root, "VmHWM"))
        self.max_processes = max(self.max_processes, len(pids))
        self.samples += 1


def run_polled(argv: Sequence[str], env: Mapping[str, str] | None = None,
               cwd: Path | None = None, timeout: float = 4 * 3600, interval: float = 0.5,
               ) -> tuple[Timed, TreeMemory]:
    """Run to completion sampling the tree's memory; also wall/CPU from /usr/bin/time."""
    memory = TreeMemory()
    stats = OUT / f".time-{os.getpid()}-{time.monotonic_ns()}.txt"
    use_time = ensure_gnu_time()
    full = ["/usr/bin/time", "-v", "-o", str(stats), *argv] if use_time else list(argv)
    start = time.perf_counter()
    with (OUT / "polled.stdout").open("w") as out, (OUT / "polled.stderr").open("w") as err:
        proc = subprocess.Popen(full, env={**os.environ, **(env or {})}, cwd=cwd,
                                stdout=out, stderr=err)
        while proc.poll() is None:
            if time.perf_counter() - start > timeout:
                proc.kill()
                break
            memory.sample(proc.pid)
            time.sleep(interval)
    wall = time.perf_counter() - start
    cpu, rss = 0.0, 0
    if use_time and stats.exists():
        text = stats.read_text()
        stats.unlink()
        cpu = _time_field(text, "User time") + _time_field(text, "System time")
        rss = int(_time_field(text, "Maximum resident set size"))
    timed = Timed(wall, cpu, rss, proc.returncode or 0, (OUT / "polled.stdout").read_text(),
                  (OUT / "polled.stderr").read_text())
    return timed, memory


class CpuMeter:
    """Server CPU seconds spent during one load run (steadier than wall time when shared)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.start = self._tree_cpu() if pid else 0.0

    def _tree_cpu(self) -> float:
        assert self.pid
        return sum(proc_cpu_seconds(p) for p in tree_pids(self.pid))

    def annotate(self, summary: dict[str, Any]) -> dict[str, Any]:
        if not self.pid:
            return summary
        time.sleep(0.3)  # let zebrasrv reap its per-connection children
        used = self._tree_cpu() - self.start
        summary["server_cpu_s"] = round(used, 2)
        summary["requests_per_server_cpu_s"] = (round(summary["requests"] / used, 1)
                                                if used > 0 else None)
        return summary


class UnioncatServer:
    """``unioncat serve`` on free ports over a data dir; stop() kills it by PID."""

    def __init__(self, data_dir: Path, log_path: Path, workers: int = 1) -> None:
        self.data_dir = data_dir.resolve()  # the server runs in bench/out
        self.workers = workers
        self.http_port = free_port()
        self.z3950_port = free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        env = {**os.environ, "UNIONCAT_DATA_DIR": str(self.data_dir)}
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(UNIONCAT), "serve", "--host", "127.0.0.1", "--port", str(self.http_port),
                 "--z3950-port", str(self.z3950_port),
                 *(["--workers", str(self.workers)] if self.workers > 1 else [])],
                env=env, cwd=OUT, stdout=out, stderr=subprocess.STDOUT)
        if not (wait_port(self.http_port, timeout) and wait_port(self.z3950_port, timeout)
                and self._all_workers_serve_z3950(timeout)):
            self.stop()
            raise RuntimeError(f"unioncat serve did not come up; see {self.log_path}")

    def _all_workers_serve_z3950(self, timeout: float) -> bool:
        """With --workers N the Z39.50 port answers once the supervisor listens; a client
        connecting before every worker is up would all land on the first one."""
        deadline = time.monotonic() + timeout
        while self.log_path.read_text(errors="replace").count("Z39.50 on ") < self.workers:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        family = tree_pids(self.proc.pid)[1:]  # serving workers (--workers N)
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        for pid in family:  # any worker left behind, by its own PID
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)

    def __enter__(self) -> UnioncatServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------- Zebra

def zebra_env() -> dict[str, str]:
    return {**os.environ, "ZEBRA_SCRATCH": str(ZEBRA_SCRATCH), "ZEBRA_DB": ZEBRA_DB,
            "ZEBRA_GRS_PORT": str(ZEBRA_PORTS["grs"]),
            "ZEBRA_DOM_PORT": str(ZEBRA_PORTS["dom-icu"])}


def zebra(command: str, *args: str, timeout: float = 3600) -> str:
    """Run zebra.sh with output to a file: zebrasrv's launcher keeps a pipe open forever."""
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"zebra-{command}.log"
    with log_path.open("w") as out:
        proc = subprocess.run([str(ZEBRA_SH), command, *args], env=zebra_env(),
                              timeout=timeout, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
    text = log_path.read_text()
    if proc.returncode != 0:
        raise RuntimeError(f"zebra.sh {command} failed: {text}")
    return text


def zebra_indexed(path: Path) -> bool:
    """Are the bench's Zebra registers built from ``path``?"""
    marker = ZEBRA_SCRATCH / "indexed-file.txt"
    return marker.exists() and marker.read_text().strip() == str(path)


def zebra_available() -> bool:
    return ZEBRA_SH.exists() and shutil.which("zebraidx") is not None


def zebra_index(path: Path) -> dict[str, dict[str, float]]:
    """Fresh registers for both instances; per instance seconds, records/s, cpu seconds."""
    out = zebra("index", str(path))
    (ZEBRA_SCRATCH / "indexed-file.txt").write_text(f"{path}\n")
    result: dict[str, dict[str, float]] = {}
    for line in out.splitlines():
        m = re.match(r"index (\S+)\s+files=\d+ records=(\d+) seconds=([0-9.]+) "
                     r"records/s=(\d+) cpu_seconds=([0-9.?]+)", line)
        if m:
            cpu = float(m.group(5)) if m.group(5) != "?" else 0.0
            result[m.group(1)] = {"records": int(m.group(2)), "wall_s": float(m.group(3)),
                                  "records_per_s": float(m.group(4)), "cpu_s": cpu}
    return result


class ZebraServers:
    """Both reference instances started on the bench ports; stopped on exit."""

    def __enter__(self) -> ZebraServers:
        log(zebra("start").strip().splitlines()[-1])
        return self

    def __exit__(self, *exc: object) -> None:
        log(zebra("stop").strip().splitlines()[-1])

    @staticmethod
    def pids() -> dict[str, int]:
        pids = {}
        for inst in ZEBRA_PORTS:
            pid_file = ZEBRA_SCRATCH / inst / "zebrasrv.pid"
            if pid_file.exists():
                pids[inst] = int(pid_file.read_text().strip())
        return pids


# ---------------------------------------------------------------- results

def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[rank]


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def git_head() -> str:
    return subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                          capture_output=True, text=True).stdout.strip()


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    head = git_head()
    return {"commit": head,"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "host": platform.node(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "kernel": platform.release(),
            "loadavg_at_start": [round(x, 2) for x in load]}


def write_json(name: str, data: Any) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return path
