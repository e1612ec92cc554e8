"""Both engines split words the same way: apostrophes dropped, periods split, and a
title search also covers other titles and series."""

from __future__ import annotations

from search.backend import SearchBackend
from search.document import CatalogDocument

from .catalog import PROVINCIAL
from .helpers import id_set, term

DOGS = CatalogDocument(id="dog-guide", title="A dog's guide to life", holdings=(PROVINCIAL,),
                       added="2024-05-01T08:00:00")
EDU = CatalogDocument(id="history-edu", title="History.edu : essays on teaching",
                      holdings=(PROVINCIAL,), added="2024-05-02T08:00:00")
MARINER = CatalogDocument(id="mariner", title="So this then is ye Rime of ye ancient mariner",
                          other_titles=("Rime of the ancient mariner",),
                          series=("Golden classics",), holdings=(PROVINCIAL,),
                          added="2024-05-03T08:00:00")


def test_apostrophes_and_periods(backend: SearchBackend) -> None:
    backend.upsert([DOGS, EDU, MARINER])
    assert id_set(backend, term("title", "dogs")) == {"dog-guide"}
    assert id_set(backend, term("title", "history")) == {"history-edu"}
    assert id_set(backend, term("title", "edu")) == {"history-edu"}


def test_title_covers_other_titles_and_series(backend: SearchBackend) -> None:
    backend.upsert([DOGS, EDU, MARINER])
    assert id_set(backend, term("title", "the ancient mariner")) == {"mariner"}
    assert id_set(backend, term("title", "golden classics")) == {"mariner"}
