"""Hand-built APDUs over raw sockets, for the faults no real client would send."""

from __future__ import annotations

import socket

from z3950 import ber
from z3950.ber import CONTEXT, Node, cons, integer, prim, text


def init_request(preferred: int = 1 << 20, exceptional: int = 1 << 20) -> bytes:
    return cons(20, prim(3, ber.encode_bits([True, True, True])),
                prim(4, ber.encode_bits([True] * 16)),
                integer(preferred, 5, CONTEXT), integer(exceptional, 6, CONTEXT),
                text("raw", 110, CONTEXT))


def search_request(term: str, use: int = 4, name: str = "default",
                   database: str = "union") -> bytes:
    attribute = ber.seq(integer(1, 120, CONTEXT), integer(use, 121, CONTEXT))
    operand = cons(102, cons(44, attribute), prim(45, term.encode("utf-8")))
    rpn = cons(1, ber.oid("1.2.840.10003.3.1"), cons(0, operand))
    return cons(22, integer(0, 13, CONTEXT), integer(1, 14, CONTEXT), integer(0, 15, CONTEXT),
                ber.boolean(True, 16, CONTEXT), text(name, 17, CONTEXT),
                cons(18, text(database, 105, CONTEXT)), cons(21, rpn))


def present_request(start: int, count: int, name: str = "default") -> bytes:
    return cons(24, text(name, 31, CONTEXT), integer(start, 30, CONTEXT),
                integer(count, 29, CONTEXT),
                ber.oid("1.2.840.10003.5.10", 104, CONTEXT))


def connect(port: int, timeout: float = 10) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return sock


def read_pdu(sock: socket.socket, limit: int = 1 << 24) -> Node | None:
    """The next APDU, or None when the server closed the connection."""
    buffer = b""
    while True:
        size = ber.frame_length(buffer, limit)
        if size is not None:
            return ber.decode(buffer[:size])
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk


def closed(sock: socket.socket) -> bool:
    """True if the server has closed its side (EOF or reset)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def initialized(port: int, preferred: int = 1 << 20) -> socket.socket:
    sock = connect(port)
    sock.sendall(init_request(preferred, preferred))
    response = read_pdu(sock)
    assert response is not None and response.tag == 21
    return sock


def hit_count(sock: socket.socket, term: str, use: int = 4) -> int:
    sock.sendall(search_request(term, use))
    response = read_pdu(sock)
    assert response is not None and response.tag == 23, response
    return response.need(23).as_int()
