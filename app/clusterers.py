"""The clusterer the settings ask for: deduplication on (the default) or one entry per
record."""

from __future__ import annotations

from app.settings import Settings
from normalizers.clustering import Clusterer, SingletonClusterer


def make_clusterer(settings: Settings) -> Clusterer:
    if settings.dedup:
        try:
            from normalizers import dedup  # type: ignore[attr-defined, unused-ignore]
        except ImportError:
            return SingletonClusterer()
        clusterer: Clusterer = dedup.DedupClusterer()
        return clusterer
    return SingletonClusterer()
