"""Reading Mobilize for the mirror: raw pages with their cursor links, so a pass can resume.

The connector's list methods yield normalized records and follow `next` links themselves; the
mirror stores records exactly as Mobilize returned them and saves the `next` link after each
page, so this subclass adds one method that yields whole raw pages. It speaks HTTP only, through
the connector's session, rate limiter, retries and envelope checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from integrations.connectors.mobilize import MobilizeClient
from integrations.connectors.mobilize.client import encode_params

# The query each stream sends at the start of a pass (updated_since is added when there is one).
# Events and deleted events as the flows read them: public and private, approved only.
STREAM_QUERIES: dict[str, tuple[str, list[tuple[str, Any]]]] = {
    "organization": ("organizations", []),
    "promoted_organizations": ("organizations/{org}/promoted_organizations", []),
    "events": (
        "organizations/{org}/events",
        [("visibility", ["PUBLIC", "PRIVATE"]), ("approval_status", ["APPROVED"])],
    ),
    "deleted_events": ("organizations/{org}/events/deleted", [("visibility", ["PUBLIC", "PRIVATE"])]),
    "attendances": ("organizations/{org}/attendances", []),
    "people": ("organizations/{org}/people", []),
}
# Mobilize's promoted-organizations list takes no updated_since: it is read whole.
NO_UPDATED_SINCE = frozenset({"promoted_organizations"})


@dataclass(frozen=True)
class Page:
    """One page of a list: its raw records and the link to the next page (None on the last)."""

    records: Sequence[dict[str, Any]]
    next_url: str | None


class MirrorClient(MobilizeClient):
    """The Mobilize client, plus raw pages that a caller can resume from a saved `next` link."""

    def stream_pages(self, stream: str, updated_since: int | None, resume_url: str | None = None) -> Iterator[Page]:
        """Yield the pages of one mirror stream, from the start of a pass or from `resume_url`."""
        template, fixed = STREAM_QUERIES[stream]
        path = template.format(org=self.organization_id)
        shown = "/" + path
        if resume_url:
            url: str = resume_url
            send: list[tuple[str, str]] | None = None
        else:
            params = list(fixed)
            if updated_since is not None and stream not in NO_UPDATED_SINCE:
                params.append(("updated_since", int(updated_since)))
            params.append(("per_page", self.per_page))
            url, send = path, encode_params(params)
        fetched: set[str] = set()
        while True:
            body = self.request_json("GET", url, params=send, validate=lambda b: self._envelope(b, shown, list))
            self._check_results_limited(shown, body)
            link = body.get("next")
            next_url = self.next_page_url("`next` link", shown, self.url_for(url), link, fetched) if link else None
            yield Page(body["data"], next_url)
            if next_url is None:
                return
            url, send = next_url, None
