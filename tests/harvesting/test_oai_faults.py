"""Faults a real provider cannot be made to produce on demand, replayed through
``httpx.MockTransport`` from real response bytes captured from the real provider."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from app.harvest import HarvestResult, harvest_oai
from harvesters.fetch import RetryPolicy
from normalizers.clustering import SingletonClusterer
from store.checkpoints import load_checkpoint
from store.sources import Source
from tests.oai_provider import Feed, Provider

from .conftest import live_records, register

URL = "http://member.test/oai"
Fault = Callable[[httpx.Request, int], httpx.Response | None]


@dataclass
class Recording:
    """Real responses of the real provider, keyed by request, replayed with faults."""

    identify: bytes
    first: bytes
    pages: dict[str, bytes]  # resumption token -> response
    bad_token: bytes
    faults: list[Fault] = field(default_factory=list)
    calls: int = 0

    def tokens(self) -> list[str]:
        return list(self.pages)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        for fault in self.faults:
            answer = fault(request, self.calls)
            if answer is not None:
                return answer
        params = request.url.params
        if params.get("verb") == "Identify":
            return _xml(self.identify)
        token = params.get("resumptionToken")
        if token is None:
            return _xml(self.first)
        return _xml(self.pages.get(token, self.bad_token))


def _xml(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"Content-Type": "text/xml"})


def _tokens_in(body: bytes) -> list[str]:
    return [t.decode() for t in re.findall(rb"<resumptionToken[^>]*>([^<]+)<", body)]


@pytest.fixture
def recording(captured: Recording) -> Recording:
    """A fresh replay (no faults, no calls) of the module's capture."""
    return Recording(captured.identify, captured.first, captured.pages, captured.bad_token)


@pytest.fixture(scope="module")
def captured() -> Recording:
    from tests.conftest import FIXTURES
    from tests.oai_provider import feed_from

    feed: Feed = feed_from(FIXTURES / "lc-sample.mrc")
    with Provider(feed, batch_size=50) as provider, httpx.Client() as http:
        def get(**params: str) -> bytes:
            return http.get(provider.url, params=params).content

        identify = get(verb="Identify")
        first = get(verb="ListRecords", metadataPrefix="marc21")
        pages: dict[str, bytes] = {}
        body = first
        while tokens := _tokens_in(body):
            body = get(verb="ListRecords", resumptionToken=tokens[0])
            pages[tokens[0]] = body
        bad = get(verb="ListRecords", resumptionToken="garbage-token")
    assert b"badResumptionToken" in bad
    return Recording(identify, first, pages, bad)


def _harvest(conn: sqlite3.Connection, recording: Recording, sleeps: list[float] | None = None,
             attempts: int = 4) -> HarvestResult:
    source = register(conn, "VN-DT-050", URL)
    policy = RetryPolicy(attempts=attempts, sleep=(sleeps if sleeps is not None else []).append)
    with httpx.Client(transport=httpx.MockTransport(recording.handler)) as http:
        return harvest_oai(conn, source, http, SingletonClusterer(), policy=policy)


def _on_token(recording: Recording, index: int, answer: Callable[[], httpx.Response],
              times: int) -> Fault:
    token = recording.tokens()[index]
    left = [times]

    def fault(request: httpx.Request, _: int) -> httpx.Response | None:
        if request.url.params.get("resumptionToken") == token and left[0] > 0:
            left[0] -= 1
            return answer()
        return None

    return fault


def test_replay_is_complete(conn: sqlite3.Connection, recording: Recording) -> None:
    result = _harvest(conn, recording)
    assert result.outcome == "ok"
    assert len(live_records(conn, "VN-DT-050")) == 300
    assert result.figures.pages == 6


def test_503_with_retry_after(conn: sqlite3.Connection, recording: Recording) -> None:
    recording.faults = [_on_token(recording, 1, lambda: httpx.Response(
        503, headers={"Retry-After": "7"}, text="busy"), times=2)]
    sleeps: list[float] = []
    result = _harvest(conn, recording, sleeps)
    assert result.outcome == "ok"
    assert sleeps == [7.0, 7.0]
    assert result.figures.retries == 2
    assert len(live_records(conn, "VN-DT-050")) == 300


def test_timeouts_and_resets_back_off(conn: sqlite3.Connection, recording: Recording) -> None:
    errors = iter([httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError(
        "Server disconnected without sending a response."), httpx.ConnectError(
        "[Errno 104] Connection reset by peer")])

    def fault(request: httpx.Request, _: int) -> httpx.Response | None:
        if request.url.params.get("resumptionToken") == recording.tokens()[2]:
            error = next(errors, None)
            if error is not None:
                raise error
        return None

    recording.faults = [fault]
    sleeps: list[float] = []
    result = _harvest(conn, recording, sleeps)
    assert result.outcome == "ok"
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(live_records(conn, "VN-DT-050")) == 300


def test_retries_are_bounded_and_the_next_run_resumes(conn: sqlite3.Connection,
                                                      recording: Recording) -> None:
    recording.faults = [_on_token(recording, 3, lambda: httpx.Response(503), times=99)]
    failed = _harvest(conn, recording, attempts=3)
    assert failed.outcome == "failed"
    assert "gave up after 3 attempts" in failed.error
    assert len(live_records(conn, "VN-DT-050")) == 200
    assert load_checkpoint(conn, "VN-DT-050").token == recording.tokens()[3]
    recording.faults = []
    resumed = _harvest(conn, recording)
    assert resumed.outcome == "ok"
    assert resumed.figures.added == 100
    assert len(live_records(conn, "VN-DT-050")) == 300


def test_bad_or_expired_token_restarts_from_committed_datestamp(
        conn: sqlite3.Connection, recording: Recording) -> None:
    recording.faults = [_on_token(recording, 2, lambda: _xml(recording.bad_token), times=1)]
    result = _harvest(conn, recording)
    assert result.outcome == "ok"
    assert result.figures.restarts == 1
    assert result.figures.added == 300
    assert len(live_records(conn, "VN-DT-050")) == 300


def test_token_expired_between_runs(conn: sqlite3.Connection, recording: Recording) -> None:
    recording.faults = [_on_token(recording, 2, lambda: httpx.Response(503), times=99)]
    assert _harvest(conn, recording, attempts=2).outcome == "failed"
    recording.faults = [_on_token(recording, 2, lambda: _xml(recording.bad_token), times=1)]
    result = _harvest(conn, recording)
    assert (result.outcome, result.figures.restarts) == ("ok", 1)
    assert len(live_records(conn, "VN-DT-050")) == 300


def test_repeating_token_stops_the_loop(conn: sqlite3.Connection,
                                        recording: Recording) -> None:
    tokens = recording.tokens()
    recording.faults = [_on_token(recording, 2, lambda: _xml(recording.pages[tokens[1]]),
                                  times=99)]
    result = _harvest(conn, recording)
    assert result.outcome == "partial"
    assert "repeated" in result.error
    assert recording.calls < 20
    assert len(live_records(conn, "VN-DT-050")) == 150
    assert not load_checkpoint(conn, "VN-DT-050").in_progress
    recording.faults = []
    assert _harvest(conn, recording).outcome == "ok"
    assert len(live_records(conn, "VN-DT-050")) == 300


def test_invalid_xml_characters_are_cleaned_and_counted(conn: sqlite3.Connection,
                                                        recording: Recording) -> None:
    token = recording.tokens()[0]
    dirty = recording.pages[token].replace(b"<subfield code=\"a\">", b"<subfield code=\"a\">\x01",
                                           3).replace(b"</leader>", b"&#x0B;</leader>", 1)
    recording.faults = [_on_token(recording, 0, lambda: _xml(dirty), times=99)]
    result = _harvest(conn, recording)
    assert result.outcome == "ok"
    assert result.figures.cleaned_chars == 4
    assert len(live_records(conn, "VN-DT-050")) == 300


def test_malformed_record_is_set_aside(conn: sqlite3.Connection, recording: Recording) -> None:
    token = recording.tokens()[0]
    page = recording.pages[token]
    broken = re.sub(rb"(</header>\s*)<metadata>.*?</metadata>", rb"\1", page, count=1,
                    flags=re.S)  # first record: no metadata
    broken = re.sub(rb"<leader>[^<]*</leader>", b"<leader>short</leader>", broken,
                    count=1)  # second record: a leader that cannot be read
    recording.faults = [_on_token(recording, 0, lambda: _xml(broken), times=99)]
    result = _harvest(conn, recording)
    assert result.outcome == "ok"
    assert result.figures.set_aside == 2
    assert len(live_records(conn, "VN-DT-050")) == 298
    reasons = [r[0] for r in conn.execute("SELECT reason FROM set_aside")]
    assert any("leader" in r for r in reasons)
    assert any("without marc21 metadata" in r for r in reasons)


def test_no_records_match_is_an_empty_list(conn: sqlite3.Connection) -> None:
    with Provider(Feed()) as provider, httpx.Client() as http:
        source = Source("VN-DT-060", "Thư viện trống", protocol="oai", endpoint=provider.url)
        register(conn, source.code, provider.url)
        result = harvest_oai(conn, source, http, SingletonClusterer())
    assert (result.outcome, result.figures.read) == ("ok", 0)
