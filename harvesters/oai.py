"""OAI-PMH client: Identify, ListRecords pages (from/until, set, resumptionToken).

httpx + lxml rather than sickle (see docs/architecture.md): we need the injectable
client, exact control over retries, the raw bytes of each record and invalid-character
cleaning, and one page at a time so each page commits with its checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

from harvesters.fetch import RetryPolicy, get
from harvesters.oai_xml import (
    FeedError,
    IdentifyInfo,
    OaiError,
    Page,
    at_granularity,
    parse_identify,
    parse_list_records,
)

GRANULARITY_SECONDS = "YYYY-MM-DDThh:mm:ssZ"
GRANULARITY_DAY = "YYYY-MM-DD"


@dataclass
class OaiClient:
    client: httpx.Client
    base_url: str
    prefix: str = "marc21"
    oai_set: str = ""
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def _get(self, params: dict[str, str]) -> bytes:
        response = get(self.client, self.base_url, params=params, policy=self.policy)
        if response.status_code != 200:
            raise FeedError(f"{self.base_url}: HTTP {response.status_code} for "
                            f"{params.get('verb')}")
        return response.content

    def identify(self) -> IdentifyInfo:
        return parse_identify(self._get({"verb": "Identify"}))

    def first_page(self, from_: str | None, granularity: str,
                   until: str | None = None) -> tuple[Page, str]:
        """Start a list; returns the page and the granularity that worked.

        A feed that changed granularity answers ``badArgument`` to our 'from': ask
        Identify again, then try the other granularity before giving up.
        """
        tried: list[str] = []
        for candidate in self._granularities(granularity):
            if candidate in tried:
                continue
            tried.append(candidate)
            try:
                return self._start(from_, until, candidate), candidate
            except OaiError as error:
                if error.code != "badArgument" or from_ is None:
                    raise
        raise OaiError("badArgument", f"'from' refused at granularities {', '.join(tried)}")

    def _granularities(self, known: str) -> Iterator[str]:
        """The known granularity, then Identify's (asked only if needed), then both."""
        yield known or GRANULARITY_SECONDS
        yield _lazy_identify(self)
        yield GRANULARITY_DAY
        yield GRANULARITY_SECONDS

    def _start(self, from_: str | None, until: str | None, granularity: str) -> Page:
        params = {"verb": "ListRecords", "metadataPrefix": self.prefix}
        seconds = "hh" in granularity
        if from_:
            params["from"] = at_granularity(from_, seconds)
        if until:
            params["until"] = at_granularity(until, seconds)
        if self.oai_set:
            params["set"] = self.oai_set
        return parse_list_records(self._get(params), self.prefix, self.base_url)

    def next_page(self, token: str) -> Page:
        params = {"verb": "ListRecords", "resumptionToken": token}
        return parse_list_records(self._get(params), self.prefix, self.base_url)


def _lazy_identify(oai: OaiClient) -> str:
    try:
        return oai.identify().granularity
    except (OaiError, FeedError):
        return GRANULARITY_DAY
