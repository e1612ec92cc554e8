"""Open the configured search backend (the only place that names engine modules)."""

from __future__ import annotations

from app.settings import Settings
from search.backend import SearchBackend


def open_backend(settings: Settings) -> SearchBackend:
    if settings.search_backend == "opensearch":
        from search.opensearch import OpenSearchBackend

        return OpenSearchBackend(  # type: ignore[no-any-return, unused-ignore]
            settings.opensearch_url, index=settings.opensearch_index,
            user=settings.opensearch_user or None,
            password=settings.opensearch_password or None,
            ca_certs=settings.opensearch_ca_certs or None)
    if settings.search_backend in ("sqlite-fts", "sqlite"):
        from search.sqlite_fts import SqliteFtsBackend

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteFtsBackend(settings.index_path)
    raise ValueError(f"search backend {settings.search_backend!r} is unknown: "
                     "set search.backend to 'sqlite-fts' or 'opensearch'")
