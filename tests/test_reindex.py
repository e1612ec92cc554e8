"""`unioncat reindex`: rebuild the index from the store; re-normalize after an upgrade."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from store.db import open_store
from tests.conftest import FIXTURES

UNIONCAT = [sys.executable, "-c", "from app.cli import main; main()"]
OPENSEARCH = os.environ.get("UNIONCAT_TEST_OPENSEARCH_URL", "")


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*UNIONCAT, *args], env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "UNIONCAT_DATA_DIR": str(tmp_path / "data")}
    _run(env, "ingest", str(FIXTURES / "lc-sample.mrc"), "--source", "VN-DT-001")
    return env


def _title_hits(env: dict[str, str], title: str) -> int:
    code = ("from app.settings import load_settings; from app.backends import open_backend;"
            "from search.query import SearchRequest, Term;"
            f"b = open_backend(load_settings()); print(b.search(SearchRequest("
            f"Term('title', 'all', {title!r}), size=0)).total)")
    return int(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True).stdout)


def test_renormalize_applies_a_normalizer_upgrade(env: dict[str, str]) -> None:
    """Strip what a newer normalizer adds (246 titles), as an old store would lack it."""
    store = Path(env["UNIONCAT_DATA_DIR"]) / "store.sqlite"
    conn = open_store(store)
    for record_id, bib in conn.execute("SELECT id, bib FROM records").fetchall():
        old = json.loads(bib)
        old.pop("other_titles", None)
        conn.execute("UPDATE records SET bib=? WHERE id=?", (json.dumps(old), record_id))
    conn.close()
    _run(env, "reindex")
    assert _title_hits(env, "mulhall harper") == 0
    out = _run(env, "reindex", "--renormalize")
    assert "renormalized: 300 records changed" in out
    assert "300 entries indexed" in out
    assert _title_hits(env, "mulhall harper") == 1


def test_reindex_again_changes_nothing(env: dict[str, str]) -> None:
    assert "renormalized: 0 records changed" in _run(env, "reindex", "--renormalize")
    assert _title_hits(env, "history") > 0


@pytest.mark.skipif(not OPENSEARCH, reason="UNIONCAT_TEST_OPENSEARCH_URL not set")
def test_reindex_into_opensearch_switches_the_alias(env: dict[str, str]) -> None:
    index = f"uc-reindex-{os.getpid()}"
    os_env = {**env, "UNIONCAT_OPENSEARCH_URL": OPENSEARCH, "UNIONCAT_OPENSEARCH_INDEX": index}
    try:
        assert "300 entries indexed" in _run(os_env, "reindex", "--backend", "opensearch")
        assert "300 entries indexed" in _run(os_env, "reindex", "--backend", "opensearch")
        aliases = httpx.get(f"{OPENSEARCH}/_alias/{index}").json()
        assert list(aliases) == [f"{index}-v2"]  # the second build replaced the first
    finally:
        httpx.delete(f"{OPENSEARCH}/{index}-*")
