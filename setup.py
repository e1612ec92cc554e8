"""Build of the four C extensions; everything else is in pyproject.toml.

* ``search._rank``: bm25 with remembered row sizes (needs SQLite's headers, Debian
  ``libsqlite3-dev``);
* ``normalizers._marcxml``: MARCXML fields of a stored record in one pass, and the
  record with holdings appended as ISO 2709;
* ``normalizers._iso2709``: the fields of an ASCII ISO 2709 record in one pass (ingest);
* ``z3950._ber``: the BER decoder of incoming Z39.50 APDUs (``z3950.ber.decode``).

All are optional: without a C compiler the install goes on and the Python paths give the
same results, more slowly.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension(
    "normalizers._marcxml", ["normalizers/_marcxml.c"], optional=True,
    extra_compile_args=["-O2", "-std=c11"],
), Extension(
    "normalizers._iso2709", ["normalizers/_iso2709.c"], optional=True,
    extra_compile_args=["-O2", "-std=c11"],
), Extension(
    "z3950._ber", ["z3950/_ber.c"], optional=True,
    extra_compile_args=["-O2", "-std=c11"],
), Extension(
    "search._rank", ["search/_rank.c"], libraries=["sqlite3"], optional=True,
    # the same arithmetic as SQLite's bm25(), so scores match to the last bit
    extra_compile_args=["-O2", "-std=c11", "-ffp-contract=off"],
)])
