"""Faults over raw sockets: each connection is answered or closed, the server goes on."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from search.document import CatalogDocument
from search.sqlite_fts import SqliteFtsBackend
from z3950 import ber, pdu
from z3950.ber import CONTEXT, cons, integer

from .clients import hits, yaz_client
from .conftest import Target, start_target
from .rawclient import (
    closed,
    connect,
    hit_count,
    init_request,
    initialized,
    present_request,
    read_pdu,
    search_request,
)

IDLE = 1.0


@pytest.fixture(scope="module")
def strict(catalog: tuple[SqliteFtsBackend, dict[str, CatalogDocument]]) -> Iterator[Target]:
    """A target with short limits: 1 s idle timeout, 4 connections, 64 KiB requests."""
    started, thread = start_target(catalog, idle_timeout=IDLE, max_connections=4,
                                   max_pdu_size=64 * 1024)
    yield started
    thread.stop()


def expect_close(sock: socket.socket, reason: int) -> str:
    response = read_pdu(sock)
    assert response is not None and response.tag == pdu.CLOSE, response
    assert response.need(211).as_int() == reason
    message = response.find(3)
    assert closed(sock)
    return message.as_text() if message is not None else ""


def still_serving(target: Target) -> None:
    with initialized(target.port) as sock:
        assert hit_count(sock, "spring") == 1


def test_garbage_before_init_is_closed_as_protocol_error(strict: Target) -> None:
    with connect(strict.port) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert "not a Z39.50 APDU" in expect_close(sock, pdu.CLOSE_PROTOCOL_ERROR)
    still_serving(strict)


def test_garbage_after_init(strict: Target) -> None:
    with initialized(strict.port) as sock:
        sock.sendall(b"\xb6\x03\x01\x02")  # [22] whose content is not valid BER
        sock.sendall(b"\x00" * 8)
        expect_close(sock, pdu.CLOSE_PROTOCOL_ERROR)
    still_serving(strict)


def test_malformed_search_apdu(strict: Target) -> None:
    with initialized(strict.port) as sock:
        sock.sendall(cons(22, integer(0, 13, CONTEXT)))  # required elements missing
        expect_close(sock, pdu.CLOSE_PROTOCOL_ERROR)
    still_serving(strict)


def test_oversized_apdu_is_refused_from_its_header(strict: Target) -> None:
    with connect(strict.port) as sock:
        sock.sendall(b"\xb4\x84\x01\x00\x00\x00")  # [20] claiming 16 MiB
        assert "larger than" in expect_close(sock, pdu.CLOSE_PROTOCOL_ERROR)
    still_serving(strict)


def test_apdu_larger_than_the_negotiated_size(strict: Target) -> None:
    with initialized(strict.port, preferred=1024) as sock:
        sock.sendall(search_request("x" * 40_000))  # over 16 KiB after negotiating 1 KiB
        expect_close(sock, pdu.CLOSE_PROTOCOL_ERROR)
    still_serving(strict)


def test_half_sent_apdu_times_out_without_blocking_others(strict: Target) -> None:
    with connect(strict.port) as stuck:
        stuck.sendall(init_request()[:7])
        started = time.monotonic()
        still_serving(strict)  # answered while the other connection waits
        assert "idle" in expect_close(stuck, pdu.CLOSE_LACK_OF_ACTIVITY)
        assert IDLE * 0.8 < time.monotonic() - started < IDLE + 5


def test_idle_client_is_closed(strict: Target) -> None:
    with initialized(strict.port) as sock:
        expect_close(sock, pdu.CLOSE_LACK_OF_ACTIVITY)


def test_client_vanishing_mid_apdu_leaves_the_server_running(strict: Target) -> None:
    for _ in range(5):
        with connect(strict.port) as sock:
            sock.sendall(search_request("spring")[:10])
    time.sleep(0.3)  # let the server notice the five departures (connection limit is 4)
    still_serving(strict)


def test_connection_limit(strict: Target) -> None:
    held = [initialized(strict.port) for _ in range(strict.settings.max_connections)]
    try:
        with connect(strict.port) as extra:
            assert "too many" in expect_close(extra, pdu.CLOSE_RESOURCES)
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    still_serving(strict)


def test_search_before_init_is_a_protocol_error(strict: Target) -> None:
    with connect(strict.port) as sock:
        sock.sendall(search_request("spring"))
        expect_close(sock, pdu.CLOSE_PROTOCOL_ERROR)


def test_unknown_apdu_is_closed_cleanly(strict: Target) -> None:
    with initialized(strict.port) as sock:
        sock.sendall(cons(46, integer(1, 3, CONTEXT)))  # extendedServicesRequest
        assert "[46]" in expect_close(sock, pdu.CLOSE_PROTOCOL_ERROR)


def test_trigger_resource_control_needs_no_answer(strict: Target) -> None:
    with initialized(strict.port) as sock:
        sock.sendall(cons(32, integer(3, 46, CONTEXT)))  # cancel
        assert hit_count(sock, "spring") == 1


def test_indefinite_length_init_and_search(strict: Target) -> None:
    body = init_request()[2:]  # the content of [20], re-framed with an indefinite length
    with connect(strict.port) as sock:
        sock.sendall(b"\xb4\x80" + body + b"\x00\x00")
        response = read_pdu(sock)
        assert response is not None and response.tag == 21
        assert response.need(12).as_bool()
        assert hit_count(sock, "spring") == 1


def test_present_is_cut_to_the_negotiated_message_size(strict: Target) -> None:
    with initialized(strict.port, preferred=1024) as sock:
        assert hit_count(sock, "thailand", use=21) > 5
        sock.sendall(present_request(1, 5))
        response = read_pdu(sock)
        assert response is not None and response.tag == 25
        returned = response.need(24).as_int()
        assert 0 < returned < 5
        assert response.need(27).as_int() == 2  # partial-2: message size too small


def test_close_request_is_answered(strict: Target) -> None:
    with initialized(strict.port) as sock:
        sock.sendall(pdu.close(pdu.CLOSE_FINISHED))
        expect_close(sock, pdu.CLOSE_FINISHED)


def test_many_concurrent_clients(target: Target) -> None:
    def session(n: int) -> list[int]:
        return hits(yaz_client(target.address, ["find @attr 1=21 thailand",
                                                "find @attr 1=4 spring", "show 1"]))

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(session, range(24)))
    assert len({tuple(r) for r in results}) == 1 and results[0][1] == 1


def test_raw_frame_length_matches_server_responses(strict: Target) -> None:
    with initialized(strict.port) as sock:
        sock.sendall(search_request("spring"))
        raw = b""
        while ber.frame_length(raw, 1 << 20) is None:
            raw += sock.recv(4096)
        assert ber.decode(raw).tag == 23


def test_failed_search_empties_the_replaced_result_set(strict: Target) -> None:
    with initialized(strict.port) as sock:
        assert hit_count(sock, "spring") == 1
        sock.sendall(search_request("spring", use=9999))
        failed = read_pdu(sock)
        assert failed is not None and failed.need(22).as_bool() is False
        sock.sendall(present_request(1, 1))
        response = read_pdu(sock)
        assert response is not None and response.need(27).as_int() == 5
        assert response.need(130).need(ber.INTEGER, ber.UNIVERSAL).as_int() == 30


def _presented(sock: socket.socket, start: int, count: int) -> list[bytes]:
    sock.sendall(present_request(start, count))
    response = read_pdu(sock)
    assert response is not None and response.tag == 25
    return [n.content for n in ber.walk(response)
            if n.is_(1) and not n.children and n.content[:5].isdigit()]


def test_a_present_past_the_searched_page_continues_it_in_order(strict: Target) -> None:
    """A search fetches the first ten entries; a longer present (Koha's ZOOM asks twenty)
    takes those and the rest from the backend, in the same order as presents of two."""
    with initialized(strict.port) as sock:
        assert hit_count(sock, "thailand", use=21) > 12
        twelve = _presented(sock, 1, 12)
        pairs = [r for start in range(1, 13, 2) for r in _presented(sock, start, 2)]
    assert len(twelve) == 12
    assert twelve == pairs
