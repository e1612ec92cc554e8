"""deploy/: the compose file is well formed and describes the cluster we document.

``docker compose config`` is used when the Compose plugin is installed; otherwise the
file is parsed as YAML (PyYAML) and its shape checked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
ENV = {"OPENSEARCH_INITIAL_ADMIN_PASSWORD": "Aa1!test", "UNIONCAT_OPENSEARCH_PASSWORD": "x"}


def _compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


def _load() -> dict[str, Any]:
    """The compose file as data."""
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text("utf-8"))
    return loaded


def test_compose_file_shape() -> None:
    compose = _load()
    services = compose["services"]
    nodes = [name for name, svc in services.items()
             if str(svc.get("image", "")).startswith("opensearchproject/opensearch:2.19")]
    assert sorted(nodes) == ["os01", "os02", "os03"]
    for name in nodes:
        env = services[name]["environment"]
        assert env["node.name"] == name
        assert env["plugins.security.ssl.http.enabled"] == "true"
        assert env["DISABLE_INSTALL_DEMO_CONFIG"] == "true"
        assert "healthcheck" in services[name]
        assert any(str(v).startswith(f"{name}-data:") for v in services[name]["volumes"])
    app = services["app"]
    assert app["environment"]["UNIONCAT_SEARCH_BACKEND"] == "opensearch"
    assert app["environment"]["UNIONCAT_OPENSEARCH_URL"].startswith("https://")
    assert all(app["depends_on"][n]["condition"] == "service_healthy" for n in nodes)
    assert "healthcheck" in app and "lb" in services
    assert set(compose["volumes"]) >= {"os01-data", "os02-data", "os03-data"}
    for path in ("Dockerfile", "nginx/unioncat.conf", "opensearch/setup.sh",
                 "opensearch/security/roles.yml", "opensearch/security/roles_mapping.yml",
                 "opensearch/security/internal_users.yml.template"):
        assert (DEPLOY / path).exists(), path


@pytest.mark.skipif(not _compose_plugin(), reason="docker compose plugin not installed")
def test_docker_compose_config_accepts_the_file() -> None:
    result = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],
                            capture_output=True, text=True, check=False,
                            env={**os.environ, **ENV})
    assert result.returncode == 0, result.stderr


def test_dev_scripts_are_valid_bash() -> None:
    for script in ("opensearch-dev/start.sh", "opensearch-dev/stop.sh", "opensearch/setup.sh"):
        path = DEPLOY / script
        assert os.access(path, os.X_OK), script
        subprocess.run(["bash", "-n", str(path)], check=True)
