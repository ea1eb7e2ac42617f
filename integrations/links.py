"""The public redirect of Ascend tracked links: `/l/<code>` (issue 16).

A public endpoint under a campaign's message traffic: no login, no session, no CSRF (GET and HEAD
only), no template. A known code answers 302 to the Mobilize URL with the seed's UTM parameters
(tracking.destination). An unknown, malformed or over-long code answers a plain-text 404, also with
DEBUG on (the view builds its own response rather than raising Http404, whose DEBUG page lists the
URL patterns).

What counts as a click (a Click row: the member link and the time, nothing else):
- a GET whose User-Agent is not a link-preview fetcher (PREVIEW_FETCHERS, case-insensitive
  substrings) and which is not marked as a prefetch (`Purpose`/`Sec-Purpose`/`X-Purpose`/`X-Moz`
  headers saying "prefetch" or "preview");
- not a HEAD request, and not a request without a User-Agent (every phone's browser sends one;
  scripts and probes often do not).
Those others get the same 302, so a preview still shows the Mobilize page, but are not counted.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from integrations.flows.ascend import tracking
from integrations.models import Click, MemberLink

# Codes are secrets.token_urlsafe(12) (16 characters); the model allows up to 32.
CODE = re.compile(r"[A-Za-z0-9_-]{8,32}")

# The user agents of link-preview fetchers: what phones, messengers, social sites and search engines
# send when they unfurl a link in a text (iMessage sends "facebookexternalhit ... Twitterbot"; Signal
# sends "WhatsApp"). Not in-app browsers (Snapchat, Pinterest, Facebook's FBAN): those are people.
PREVIEW_FETCHERS = (
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "slackbot",
    "slack-imgproxy",
    "whatsapp",
    "telegrambot",
    "discordbot",
    "linkedinbot",
    "googlebot",
    "google-pagerenderer",
    "bingbot",
    "bingpreview",
    "skypeuripreview",
    "applebot",
    "redditbot",
    "embedly",
    "vkshare",
    "mattermost",
    "iframely",
    "outbrain",
    "yandexbot",
    "duckduckbot",
)
_PREVIEW = re.compile("|".join(re.escape(token) for token in PREVIEW_FETCHERS), re.IGNORECASE)
_PREFETCH_HEADERS = ("HTTP_PURPOSE", "HTTP_SEC_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")
_PREFETCH = re.compile(r"prefetch|preview", re.IGNORECASE)


def is_click(request: HttpRequest) -> bool:
    """Whether a request to a short link is a person following it (see the module docstring)."""
    if request.method != "GET":
        return False
    agent = request.META.get("HTTP_USER_AGENT", "").strip()
    if not agent or _PREVIEW.search(agent):
        return False
    return not any(_PREFETCH.search(request.META.get(header, "")) for header in _PREFETCH_HEADERS)


def _not_found() -> HttpResponse:
    return HttpResponseNotFound("Not found.\n", content_type="text/plain; charset=utf-8")


@csrf_exempt  # GET and HEAD only: nothing to protect, and no CSRF cookie is set.
def redirect(request: HttpRequest, code: str) -> HttpResponse:
    """302 to the tracked Mobilize URL (recording a click when it is one); a plain 404 otherwise."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not CODE.fullmatch(code):
        return _not_found()
    link = (
        MemberLink.objects.select_related("tracked_link")
        .only("id", "tracked_link__destination_url", "tracked_link__message_id")
        .filter(code=code)
        .first()
    )
    if link is None:
        return _not_found()
    if is_click(request):
        Click.objects.create(member_link_id=link.pk, clicked_at=timezone.now())
    tracked = link.tracked_link
    response = HttpResponse(status=302)
    response["Location"] = tracking.destination(tracked.destination_url, link.pk, tracked.message_id)
    # Every click must reach us again (no cached redirect), and no search engine should list the link.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
