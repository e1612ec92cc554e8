"""Fetch a MARC file (ISO 2709 or MARCXML, optionally gzip) by URL, conditionally.

The ETag / Last-Modified of the last processed copy go out as If-None-Match /
If-Modified-Since; a 304 means the file has not changed and is not read again. The body
is streamed to a temporary file so a large export is never held in memory.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from harvesters.fetch import RETRY_STATUS, FetchError, RetryPolicy, retry_after_seconds


@dataclass(frozen=True)
class Fetched:
    changed: bool
    path: Path | None = None  # the downloaded file (caller deletes it)
    etag: str = ""
    last_modified: str = ""


def fetch_marc_url(client: httpx.Client, url: str, etag: str = "", last_modified: str = "",
                   policy: RetryPolicy | None = None, directory: Path | None = None) -> Fetched:
    policy = policy or RetryPolicy()
    headers = {k: v for k, v in (("If-None-Match", etag),
                                 ("If-Modified-Since", last_modified)) if v}
    problem = ""
    for attempt in range(policy.attempts):
        try:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code not in RETRY_STATUS:
                    return _outcome(response, url, etag, last_modified, directory)
                problem = f"HTTP {response.status_code}"
                wait = retry_after_seconds(response.headers.get("retry-after"))
        except (httpx.TimeoutException, httpx.TransportError) as error:
            problem, wait = f"{type(error).__name__}: {error}", None
        if attempt + 1 < policy.attempts:
            policy.wait(attempt, wait)
    raise FetchError(f"{url}: gave up after {policy.attempts} attempts ({problem})")


def _outcome(response: httpx.Response, url: str, etag: str, last_modified: str,
             directory: Path | None) -> Fetched:
    if response.status_code == 304:
        return Fetched(False, etag=etag, last_modified=last_modified)
    if response.status_code != 200:
        raise FetchError(f"{url}: HTTP {response.status_code}")
    path = _save(response, directory)
    return Fetched(True, path, response.headers.get("etag", ""),
                   response.headers.get("last-modified", ""))


def _save(response: httpx.Response, directory: Path | None) -> Path:
    with tempfile.NamedTemporaryFile("wb", delete=False, suffix=".mrc", dir=directory) as out:
        for chunk in response.iter_bytes(1 << 16):
            out.write(chunk)
    return Path(out.name)
