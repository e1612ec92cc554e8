"""kill -9 the real ``unioncat harvest`` process at random moments; rerun; compare.

The store must end with exactly the feed's records: none lost, none doubled, every change
indexed. The moments are counted in pages the provider has served, plus a random pause, so
the kills land inside a harvest however fast the machine is.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from app.settings import Settings
from search.sqlite_fts import SqliteFtsBackend
from store.db import open_store
from tests.oai_provider import Provider, feed_from

from .conftest import DEMO

UNIONCAT = Path(sys.executable).parent / "unioncat"


def _config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "unioncat.toml"
    config.write_text(f'dedup = false\n\n[[sources]]\ncode = "VN-DT-010"\n'
                      f'name = "Thư viện huyện Cao Lãnh"\ntype = "district"\nprotocol = "oai"\n'
                      f'endpoint = "{url}"\nmetadata_prefix = "marc21"\n', "utf-8")
    return config


def _run(config: Path, data: Path, kill: tuple[Provider, int, float] | None = None) -> int:
    """The harvest's exit code; with ``kill`` = (provider, pages, pause) it is killed
    ``pause`` seconds after the provider has served ``pages`` more pages."""
    env = {**os.environ, "UNIONCAT_DATA_DIR": str(data), "UNIONCAT_CONFIG": str(config)}
    proc = subprocess.Popen([str(UNIONCAT), "harvest", "VN-DT-010"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kill is None:
        return proc.wait(timeout=300)
    provider, pages, pause = kill
    target = provider.requests + pages
    deadline = time.monotonic() + 300
    while proc.poll() is None and provider.requests < target and time.monotonic() < deadline:
        time.sleep(0.005)
    try:
        return proc.wait(timeout=pause)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        return proc.wait()


def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    feed = feed_from(DEMO, limit=1500)
    rng = random.Random(int(time.time()))
    data = tmp_path / "data"
    with Provider(feed, batch_size=25) as provider:
        config = _config(tmp_path, provider.url)
        kills = [_run(config, data, (provider, rng.randint(1, 8), rng.uniform(0, 0.3)))
                 for _ in range(6)]  # the first full harvest takes 60 pages
        assert _run(config, data) == 0
        # the feed moves on (between lists: an offset-based token cannot survive changes
        # in the middle of a list, see docs/architecture.md), then more kills
        feed.delete(sorted(feed.items)[:10])
        feed.change(sorted(feed.items)[100:400])
        kills += [_run(config, data, (provider, rng.randint(1, 3), rng.uniform(0, 0.3)))
                  for _ in range(3)]  # this one takes about 13
        assert _run(config, data) == 0
    assert -signal.SIGKILL in kills, f"no run was killed: {kills}"
    print("exit codes", kills)
    _assert_store_matches(data, feed.live())


def _assert_store_matches(data: Path, live: Mapping[str, object]) -> None:
    settings = Settings(data_dir=data)
    conn = open_store(settings.store_path)
    try:
        rows = conn.execute("SELECT local_id, COUNT(*) FROM records WHERE deleted=0 "
                            "GROUP BY local_id").fetchall()
        assert {r[0] for r in rows} == set(live)
        assert all(r[1] == 1 for r in rows)
        changed = conn.execute("SELECT COUNT(*) FROM records WHERE deleted=0 AND "
                               "CAST(raw AS TEXT) LIKE '%changed%'").fetchone()[0]
        assert changed == 300
        assert conn.execute("SELECT COUNT(*) FROM index_outbox").fetchone()[0] == 0
        running = conn.execute("SELECT COUNT(*) FROM ingest_runs WHERE outcome='running'")
        assert running.fetchone()[0] == 0
    finally:
        conn.close()
    backend = SqliteFtsBackend(settings.index_path)
    try:
        assert backend.stats().entries == len(live)
    finally:
        backend.close()
