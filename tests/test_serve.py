"""`unioncat serve` as an operator runs it: HTTP and Z39.50 from one command, 1 or 2 workers."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURES

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


@pytest.fixture(params=[1, 2], ids=["one-process", "two-workers"])
def server(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[tuple[int, int]]:
    http, z3950 = _free_port(), _free_port()
    env = {**os.environ, "UNIONCAT_DATA_DIR": str(data_dir),
           "UNIONCAT_SCHEDULED_HARVESTS": "false"}
    proc = subprocess.Popen([*UNIONCAT, "serve", "--port", str(http), "--z3950-port",
                             str(z3950), "--workers", str(request.param)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(http)
        yield http, z3950
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError("unioncat serve did not answer /healthz within 60 s")


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
