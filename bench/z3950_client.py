"""A minimal blocking Z39.50 origin for the load generator: init, search, present, close.

Builds the three request APDUs with the project's BER encoder (``z3950.ber``; ``z3950.pdu``
only has target-side builders) and reads responses framed with ``ber.frame_length``. One
instance is one persistent association.
"""

from __future__ import annotations

import contextlib
import socket

from z3950 import ber
from z3950.ber import CONTEXT, Node, bits, boolean, cons, integer, oid, prim, seq, text

BIB1 = "1.2.840.10003.3.1"
USMARC = "1.2.840.10003.5.10"
MAX_MESSAGE = 16 * 1024 * 1024


class Z3950Error(RuntimeError):
    pass


def _ctx_int(tag: int, value: int) -> bytes:
    return integer(value, tag=tag, cls=CONTEXT)


def _ctx_text(tag: int, value: str) -> bytes:
    return text(value, tag=tag, cls=CONTEXT)


def init_request() -> bytes:
    return cons(20,
                bits([True, True, True], tag=3, cls=CONTEXT),             # versions 1-3
                # options: search, present, namedResultSets
                bits([True, True] + [False] * 12 + [True], tag=4, cls=CONTEXT),
                _ctx_int(5, 1024 * 1024), _ctx_int(6, 4 * 1024 * 1024),
                _ctx_text(110, "unioncat-bench"), _ctx_text(111, "unioncat bench client"),
                _ctx_text(112, "1"))


def rpn_term(use: int, term: str) -> bytes:
    """type-1 query: a single AttributesPlusTerm with one Bib-1 use attribute."""
    attribute = seq(_ctx_int(120, 1), _ctx_int(121, use))
    attr_term = cons(102, cons(44, attribute), prim(45, term.encode("utf-8")))
    rpn = cons(0, attr_term)  # RPNStructure op [0] Operand (explicit)
    return cons(21, cons(1, oid(BIB1), rpn))  # query [21] Query; type-1 [1] IMPLICIT RPNQuery


def search_request(database: str, use: int, term: str) -> bytes:
    return cons(22,
                _ctx_int(13, 0), _ctx_int(14, 1), _ctx_int(15, 0),
                boolean(True, tag=16, cls=CONTEXT), _ctx_text(17, "default"),
                cons(18, _ctx_text(105, database)),
                rpn_term(use, term))


def close_request() -> bytes:
    return cons(48, _ctx_int(211, 0))  # Close, reason finished


def present_request(start: int, count: int) -> bytes:
    return cons(24,
                _ctx_text(31, "default"), _ctx_int(30, start), _ctx_int(29, count),
                cons(19, _ctx_text(0, "F")),                 # recordComposition simple: F
                oid(USMARC, tag=104, cls=CONTEXT))


class Z3950Client:
    def __init__(self, port: int, database: str, host: str = "127.0.0.1",
                 timeout: float = 30) -> None:
        self.database = database
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()
        reply = self._call(init_request(), 21)
        result = reply.find(12)
        if result is None or not result.as_bool():
            raise Z3950Error("init rejected")

    def _call(self, apdu: bytes, expect: int) -> Node:
        self.sock.sendall(apdu)
        while True:
            size = ber.frame_length(self.buffer, MAX_MESSAGE) if self.buffer else None
            if size is not None:
                frame = bytes(self.buffer[:size])
                del self.buffer[:size]
                node = ber.decode(frame)
                if node.tag != expect:
                    raise Z3950Error(f"expected APDU [{expect}], got [{node.tag}]")
                return node
            chunk = self.sock.recv(256 * 1024)
            if not chunk:
                raise Z3950Error("connection closed by the target")
            self.buffer += chunk

    def search(self, use: int, term: str) -> int:
        reply = self._call(search_request(self.database, use, term), 23)
        if not reply.need(22).as_bool():
            raise Z3950Error(f"search failed for @attr 1={use} {term}")
        return reply.need(23).as_int()

    def present(self, start: int, count: int) -> int:
        reply = self._call(present_request(start, count), 25)
        returned = reply.need(24).as_int()
        records = reply.find(28)
        if records is None or len(records.children) != returned:
            raise Z3950Error(f"present returned no records ({returned} announced)")
        return returned

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(close_request())
        self.sock.close()
