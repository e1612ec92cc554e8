"""Build of the one C extension, search._rank (bm25 with remembered row sizes).

Everything else is in pyproject.toml. The extension is optional: without a C compiler or
SQLite's headers (Debian ``libsqlite3-dev``) the install goes on and the SQLite backend
ranks with FTS5's own bm25(), which gives the same order, more slowly.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension(
    "search._rank", ["search/_rank.c"], libraries=["sqlite3"], optional=True,
    # the same arithmetic as SQLite's bm25(), so scores match to the last bit
    extra_compile_args=["-O2", "-std=c11", "-ffp-contract=off"],
)])
