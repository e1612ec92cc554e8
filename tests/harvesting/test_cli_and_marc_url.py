"""The CLI end to end, and a marc-url source on a real local HTTP server."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.cli_extra import register
from tests.conftest import FIXTURES
from tests.oai_provider import Provider

register(cli)
runner = CliRunner()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[str]:
    served = tmp_path / "www"
    served.mkdir()
    shutil.copy(FIXTURES / "lc-sample.mrc", served / "export.mrc")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet,
                                                                     directory=str(served)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/export.mrc"
    httpd.shutdown()
    httpd.server_close()


def _env(tmp_path: Path) -> dict[str, str]:
    return {"UNIONCAT_DATA_DIR": str(tmp_path / "data"),
            "UNIONCAT_CONFIG": str(tmp_path / "none.toml"), "UNIONCAT_DEDUP": "false"}


def test_sources_add_harvest_status(tmp_path: Path, provider: Provider) -> None:
    env = _env(tmp_path)
    added = runner.invoke(cli, ["sources", "add", "VN-DT-010", "--name",
                                "Thư viện huyện Cao Lãnh", "--type", "district", "--protocol",
                                "oai", "--endpoint", provider.url, "--metadata-prefix",
                                "marc21"], env=env)
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["sources", "list", "--json"], env=env)
    assert "Thư viện huyện Cao Lãnh" in listed.output
    harvested = runner.invoke(cli, ["harvest", "VN-DT-010"], env=env)
    assert harvested.exit_code == 0, harvested.output
    assert "300 added" in harvested.output
    status = runner.invoke(cli, ["harvest", "--status"], env=env)
    assert "VN-DT-010" in status.output and "ok" in status.output
    key = runner.invoke(cli, ["sources", "key", "VN-DT-010"], env=env)
    assert key.output.startswith("uc_VN-DT-010_")
    assert runner.invoke(cli, ["sources", "disable", "VN-DT-010"], env=env).exit_code == 0
    shown = runner.invoke(cli, ["sources", "show", "VN-DT-010"], env=env)
    assert '"enabled": false' in shown.output


def test_marc_url_is_not_reprocessed_when_unchanged(tmp_path: Path, file_server: str) -> None:
    env = _env(tmp_path)
    runner.invoke(cli, ["sources", "add", "VN-DT-020", "--name", "Thư viện Trường Đại học",
                        "--protocol", "marc-url", "--endpoint", file_server], env=env)
    first = runner.invoke(cli, ["harvest", "VN-DT-020"], env=env)
    assert "ok: 300 read, 300 added" in first.output, first.output
    second = runner.invoke(cli, ["harvest", "VN-DT-020"], env=env)
    assert "unchanged: 0 read" in second.output, second.output
