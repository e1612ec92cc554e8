"""A real OAI-PMH provider on 127.0.0.1 for tests and benchmarks.

The protocol side is the ``oaipmh`` package's server (``BatchingServer``, its resumption
tokens, error responses and oai_dc writer); only the glue feeding it records is ours:
a ``Feed`` of real MARC records (MARCXML for ``marc21``/``marcxml``, a MARC->DC crosswalk
for ``oai_dc``) that tests can delete from and change while it serves.

Run as a script: ``python tests/oai_provider.py FILE.mrc[.gz] --port 8765 [--limit N]``.
"""

from __future__ import annotations

import argparse
import bisect
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from oaipmh import common, error, metadata, server

from harvesters.marcfile import read_marc_path
from normalizers.marc import Field, Record, to_marcxml_element
from normalizers.parse import parse_raw

PREFIXES = {"marc21": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
                       "http://www.loc.gov/MARC21/slim"),
            "marcxml": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
                        "http://www.loc.gov/MARC21/slim"),
            "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                       "http://www.openarchives.org/OAI/2.0/oai_dc/")}
EPOCH = datetime(2024, 1, 1)


@dataclass
class Item:
    identifier: str
    datestamp: datetime
    record: Record
    deleted: bool = False


@dataclass
class Feed:
    """The provider's records, kept in (datestamp, identifier) order."""

    items: dict[str, Item] = field(default_factory=dict)
    granularity: str = "YYYY-MM-DDThh:mm:ssZ"
    base_url: str = "http://127.0.0.1/oai"
    lock: threading.Lock = field(default_factory=threading.Lock)
    _order: list[tuple[datetime, str]] = field(default_factory=list)

    def add(self, records: Iterable[Record], per_second: int = 10) -> None:
        with self.lock:
            for record in records:
                number = len(self.items)
                ident = f"oai:lc.test:{record_id(record, number)}"
                if ident in self.items:
                    ident = f"{ident}-{number}"
                stamp = EPOCH + timedelta(seconds=number // per_second)
                self.items[ident] = Item(ident, stamp, record)
            self._reorder()

    def delete(self, identifiers: Iterable[str]) -> None:
        with self.lock:
            for ident in identifiers:
                self.items[ident].deleted = True
                self.items[ident].datestamp = _now()
            self._reorder()

    def change(self, identifiers: Iterable[str], note: str = "changed") -> None:
        with self.lock:
            for ident in identifiers:
                item = self.items[ident]
                item.record.fields.append(Field("500", " ", " ", [("a", note)]))
                item.datestamp = _now()
            self._reorder()

    def live(self) -> dict[str, Item]:
        return {k: v for k, v in self.items.items() if not v.deleted}

    def _reorder(self) -> None:
        self._order = sorted((i.datestamp, i.identifier) for i in self.items.values())

    def window(self, from_: datetime | None, until: datetime | None) -> list[Item]:
        with self.lock:
            start = bisect.bisect_left(self._order, (from_, "")) if from_ else 0
            end = bisect.bisect_right(self._order, (until, "\uffff")) if until else None
            return [self.items[i] for _, i in self._order[start:end]]


def record_id(record: Record, number: int) -> str:
    return "".join(c for c in record.control("001") if c.isalnum()) or f"n{number}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class FeedServer:
    """IBatchingOAI over a Feed (the interface oaipmh.server.BatchingServer drives)."""

    def __init__(self, feed: Feed) -> None:
        self.feed = feed

    def identify(self) -> common.Identify:
        earliest = min((i.datestamp for i in self.feed.items.values()), default=EPOCH)
        return common.Identify("unioncat test provider", self.feed.base_url, "2.0",
                               ["test@127.0.0.1"], earliest, "persistent",
                               self.feed.granularity, ["identity"])

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        return [(p, schema, ns) for p, (schema, ns) in PREFIXES.items()]

    def listSets(self, cursor: int = 0, batch_size: int = 10) -> list[Any]:
        raise error.NoSetHierarchyError("this provider has no sets")

    def listRecords(self, metadataPrefix: str, set: str | None = None,
                    from_: datetime | None = None, until: datetime | None = None,
                    cursor: int = 0, batch_size: int = 10) -> list[tuple[Any, Any, None]]:
        self._check(metadataPrefix, set)
        items = self.feed.window(from_, until)[cursor:cursor + batch_size]
        return [(_header(i), _metadata(i, metadataPrefix), None) for i in items]

    def listIdentifiers(self, metadataPrefix: str, set: str | None = None,
                        from_: datetime | None = None, until: datetime | None = None,
                        cursor: int = 0, batch_size: int = 10) -> list[Any]:
        self._check(metadataPrefix, set)
        return [_header(i) for i in self.feed.window(from_, until)[cursor:cursor + batch_size]]

    def getRecord(self, metadataPrefix: str, identifier: str) -> tuple[Any, Any, None]:
        self._check(metadataPrefix, None)
        item = self.feed.items.get(identifier)
        if item is None:
            raise error.IdDoesNotExistError(identifier)
        return _header(item), _metadata(item, metadataPrefix), None

    def _check(self, prefix: str, oai_set: str | None) -> None:
        if prefix not in PREFIXES:
            raise error.CannotDisseminateFormatError(prefix)
        if oai_set:
            raise error.NoSetHierarchyError("this provider has no sets")


def _header(item: Item) -> common.Header:
    return common.Header(None, item.identifier, item.datestamp, [], item.deleted)


def _metadata(item: Item, prefix: str) -> common.Metadata | None:
    if item.deleted:
        return None
    if prefix == "oai_dc":
        return common.Metadata(None, marc_to_dc(item.record))
    return common.Metadata(to_marcxml_element(item.record), {})


def marc21_writer(element: etree._Element, data: common.Metadata) -> None:
    element.append(etree.fromstring(etree.tostring(data.element())))


def marc_to_dc(record: Record) -> dict[str, list[str]]:
    """The usual MARC -> simple DC crosswalk (LC's, much reduced)."""
    values: dict[str, list[str]] = {
        "title": [f.text("ab").rstrip(" /:") for f in record.get_fields("245")],
        "creator": [f.text("a").rstrip(",.") for f in record.get_fields("100", "110", "700")],
        "subject": [f.text("a").rstrip(".") for f in record.get_fields("650", "651")],
        "publisher": [f.text("b").rstrip(",") for f in record.get_fields("260", "264")],
        "date": [f.text("c").rstrip(".") for f in record.get_fields("260", "264")],
        "identifier": [f"ISBN {f.text('a')}" for f in record.get_fields("020")],
        "language": [record.control("008")[35:38]] if len(record.control("008")) > 37 else [],
        "type": ["Text"] if record.leader[6:7] in ("a", "t") else ["Image"],
    }
    return {k: [v for v in vs if v.strip()] for k, vs in values.items()}


def registry() -> metadata.MetadataRegistry:
    found = metadata.MetadataRegistry()
    found.registerWriter("marc21", marc21_writer)
    found.registerWriter("marcxml", marc21_writer)
    found.registerWriter("oai_dc", server.oai_dc_writer)
    return found


class GranularityServer(server.BatchingServer):  # type: ignore[misc]
    """Refuses a seconds 'from' when the feed is at day granularity (as real ones do)."""

    def __init__(self, feed: Feed, batch_size: int) -> None:
        super().__init__(FeedServer(feed), registry(), resumption_batch_size=batch_size)
        self.feed = feed

    def handleRequest(self, request_kw: dict[str, str]) -> bytes:
        seconds = "hh" in self.feed.granularity
        stamps = [request_kw.get(k, "") for k in ("from", "until")]
        if not seconds and any("T" in s for s in stamps):
            return bytes(self.handleException(request_kw, (
                error.BadArgumentError, error.BadArgumentError(
                    "this repository has day granularity"), None)))
        return bytes(super().handleRequest(request_kw))


class Provider:
    """The feed served over HTTP on 127.0.0.1 in a background thread."""

    def __init__(self, feed: Feed, batch_size: int = 100, port: int = 0) -> None:
        self.feed = feed
        self.oai = GranularityServer(feed, batch_size)
        self.requests = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/oai"
        feed.base_url = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            provider.requests += 1
            query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            body = provider.oai.handleRequest(query)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                return  # the harvester was killed mid-response (the SIGKILL test)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def records_from(path: Path, limit: int | None = None) -> Iterator[Record]:
    count = 0
    for raw in read_marc_path(path):
        if limit is not None and count >= limit:
            return
        try:
            yield parse_raw(raw).record
        except ValueError:
            continue
        count += 1


def feed_from(path: Path, limit: int | None = None, per_second: int = 10) -> Feed:
    feed = Feed()
    feed.add(records_from(path, limit), per_second)
    return feed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("file", type=Path)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    provider = Provider(feed_from(args.file, args.limit), args.batch, args.port)
    print(f"serving {len(provider.feed.items)} records at {provider.url}", flush=True)
    provider.httpd.serve_forever()


if __name__ == "__main__":
    main()
