"""`unioncat serve` as an operator runs it: HTTP and Z39.50 from one command, 1 or 2 workers."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURES
from tests.z3950 import rawclient

UNIONCAT = [sys.executable, "-c", "from app.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("serve") / "data"
    env = {**os.environ, "UNIONCAT_DATA_DIR": str(data)}
    subprocess.run([*UNIONCAT, "ingest", str(FIXTURES / "lc-vietnamese.mrc"), "--source",
                    "VN-DT-001"], env=env, check=True, capture_output=True)
    return data


def _start(data_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], int, int]:
    http, z3950 = _free_port(), _free_port()
    env = {**os.environ, "UNIONCAT_DATA_DIR": str(data_dir),
           "UNIONCAT_SCHEDULED_HARVESTS": "false"}
    log = data_dir.parent / f"serve-{http}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*UNIONCAT, "serve", "--port", str(http), "--z3950-port",
                                 str(z3950), "--workers", str(workers)], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(http)
        _wait_for_z3950(log, workers)
    except AssertionError as error:
        proc.kill()
        raise AssertionError(f"{error}; its log ends:\n{log.read_text()[-2000:]}") from None
    return proc, http, z3950


@contextlib.contextmanager
def _serving(data_dir: Path, workers: int) -> Iterator[tuple[subprocess.Popen[bytes], int, int]]:
    """``unioncat serve`` started, then stopped as an operator would (SIGTERM)."""
    proc, http, z3950 = _start(data_dir, workers)
    try:
        yield proc, http, z3950
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # say where it hung, and leave nothing running
            proc.kill()
            log = data_dir.parent / f"serve-{http}.log"
            raise AssertionError("serve did not stop within 30 s of SIGTERM; its log ends:\n"
                                 + log.read_text()[-3000:]) from None


@pytest.fixture(params=[1, 2], ids=["one-process", "two-workers"])
def server(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[tuple[int, int]]:
    with _serving(data_dir, request.param) as (_, http, z3950):
        yield http, z3950


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError("unioncat serve did not answer /healthz within 60 s")


def _wait_for_z3950(log: Path, workers: int) -> None:
    """Until each worker has said it serves Z39.50 (HTTP answers once one of them is up)."""
    deadline = time.monotonic() + 60
    while log.read_text().count("Z39.50 on ") < workers:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {workers} workers serve Z39.50 after 60 s")
        time.sleep(0.2)


def test_http_and_z3950_from_one_command(server: tuple[int, int]) -> None:
    http, z3950 = server
    body = httpx.get(f"http://127.0.0.1:{http}/api/search", params={"q": "viet nam"}).json()
    assert body["total"] > 0
    sru = httpx.get(f"http://127.0.0.1:{http}/sru", params={
        "version": "1.2", "operation": "searchRetrieve", "query": 'dc.title="viet nam"'})
    assert b"<zs:numberOfRecords>" in sru.content
    for _ in range(3):  # several connections: with two workers the kernel spreads them
        out = subprocess.run(["yaz-client"], input=f"open tcp:127.0.0.1:{z3950}/union\n"
                             "find @attr 1=1016 \"viet nam\"\nquit\n", capture_output=True,
                             text=True, timeout=30).stdout
        assert "Number of hits:" in out and "Number of hits: 0" not in out


def test_two_workers_share_the_z3950_associations(data_dir: Path) -> None:
    with _serving(data_dir, 2) as (_, _, z3950):
        clients = [rawclient.initialized(z3950) for _ in range(4)]
        per_worker = _associations_by_process(z3950)
        for client in clients:
            client.close()
    # the supervisor hands each to the least busy worker; with SO_REUSEPORT the kernel
    # hashed them, 2 + 2 only three times in eight
    assert sorted(per_worker.values()) == [2, 2], per_worker


def test_two_workers_share_the_http_connections(data_dir: Path) -> None:
    with _serving(data_dir, 2) as (_, http, _):
        # opened at once, as a client's pool of keep-alive connections is
        pool = [socket.create_connection(("127.0.0.1", http)) for _ in range(8)]
        for conn in pool:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: unioncat\r\n\r\n")
        for conn in pool:
            assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        per_worker = _associations_by_process(http)
        for conn in pool:
            conn.close()
    # uvicorn's workers raced on one socket: the first awake took the whole burst (8 + 0)
    assert sorted(per_worker.values()) == [4, 4], per_worker


def test_a_worker_that_dies_is_replaced(data_dir: Path) -> None:
    with _serving(data_dir, 2) as (proc, http, _):
        with httpx.Client(base_url=f"http://127.0.0.1:{http}") as client:
            client.get("/healthz")
            (victim,) = _associations_by_process(http)
        os.kill(victim, 9)
        log = data_dir.parent / f"serve-{http}.log"
        deadline = time.monotonic() + 60
        while "starting another" not in log.read_text() or log.read_text().count(
                "Application startup complete") < 3:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        _wait_ready(http)
    assert proc.returncode == 0


@pytest.mark.parametrize(("service", "option", "workers"), [
    ("Z39.50", "--z3950-port", 1), ("Z39.50", "--z3950-port", 2), ("HTTP", "--port", 1),
    ("HTTP", "--port", 2)])
def test_a_taken_port_is_a_clear_error(data_dir: Path, service: str, option: str,
                                       workers: int) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        ports = {"--port": str(_free_port()), "--z3950-port": str(_free_port()),
                 option: str(port)}
        env = {**os.environ, "UNIONCAT_DATA_DIR": str(data_dir),
               "UNIONCAT_SCHEDULED_HARVESTS": "false"}
        done = subprocess.run([*UNIONCAT, "serve", *(a for kv in ports.items() for a in kv),
                               "--workers", str(workers)],
                              env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert f"cannot listen for {service} on 127.0.0.1:{port}" in message
    assert option in message and "Traceback" not in message


def _associations_by_process(port: int) -> Counter[int]:
    """Established connections on local ``port``, counted by the pid holding them."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # ESTABLISHED
            inodes.add(f"socket:[{fields[9]}]")
    holders: Counter[int] = Counter()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        with contextlib.suppress(OSError):
            holders[int(fd_dir.parent.name)] += sum(
                os.readlink(fd) in inodes for fd in fd_dir.iterdir())
    return +holders


def test_serve_warns_when_the_c_extensions_are_missing(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from app import server
    from search import sqlite_rank
    monkeypatch.setattr(sqlite_rank, "FAST", False)
    with caplog.at_level(logging.WARNING, logger="unioncat.server"):
        server._warn_without_extensions()
    assert "search._rank" in caplog.text and "libsqlite3-dev" in caplog.text
    caplog.clear()
    monkeypatch.setattr(sqlite_rank, "FAST", True)
    with caplog.at_level(logging.WARNING, logger="unioncat.server"):
        server._warn_without_extensions()
    assert caplog.text == ""  # both built here (`make install`)
