from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search.backend import SearchBackend

from .backends import available_backends
from .catalog import CATALOG


@pytest.fixture(params=sorted(available_backends()))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    engine = available_backends()[request.param](tmp_path)
    yield engine
    engine.close()


@pytest.fixture
def loaded(backend: SearchBackend) -> SearchBackend:
    """A backend holding the test catalog."""
    backend.upsert(CATALOG)
    return backend
