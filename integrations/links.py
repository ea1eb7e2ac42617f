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

How a click is recorded: queued in Redis in the request and written as a Click row by a beat task
(or, without Redis, written in the request): integrations/clicks.py. Under load the path costs one
indexed query and one Redis command; ShortLinkMiddleware answers it before most of the middleware.
"""

from __future__ import annotations

import re

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt

from integrations import clicks
from integrations.flows.ascend import tracking

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


# The one query of a redirect, on the code's unique index. Written out rather than built by the ORM:
# compiling the equivalent queryset cost more than running it (README, "Load on /l/<code>").
_LOOKUP = (
    "SELECT m.id, t.destination_url, t.message_id FROM integrations_memberlink m "
    "JOIN integrations_trackedlink t ON t.id = m.tracked_link_id WHERE m.code = %s"
)


def lookup(code: str) -> tuple[int, str, str] | None:
    """(member link id, Mobilize URL, outgoing message id) of a short-link code, or None when unknown."""
    with connection.cursor() as cursor:
        cursor.execute(_LOOKUP, [code])
        return cursor.fetchone()


def _not_found() -> HttpResponse:
    return HttpResponseNotFound("Not found.\n", content_type="text/plain; charset=utf-8")


@csrf_exempt  # GET and HEAD only: nothing to protect, and no CSRF cookie is set.
def redirect(request: HttpRequest, code: str) -> HttpResponse:
    """302 to the tracked Mobilize URL (recording a click when it is one); a plain 404 otherwise."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not CODE.fullmatch(code):
        return _not_found()
    found = lookup(code)
    if found is None:
        return _not_found()
    member_link_id, destination_url, message_id = found
    if is_click(request):
        # Queued in Redis when there is a click queue (one command), else a Click row now: integrations/clicks.py.
        clicks.record(member_link_id)
    response = HttpResponse(status=302)
    response["Location"] = tracking.destination(destination_url, member_link_id, message_id)
    # Every click must reach us again (no cached redirect), and no search engine should list the link.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class ShortLinkMiddleware:
    """Answers /l/<code> right after SecurityMiddleware, before the rest of the middleware runs.

    A short link needs none of what follows it in settings.MIDDLEWARE (static files, sessions,
    CSRF, authentication, messages, frame options) and is the one path under a campaign's message
    traffic: skipping them cuts a quarter of the CPU a redirect costs (README, "Load on /l/<code>").
    The host is still checked against ALLOWED_HOSTS, as CommonMiddleware would. The URL pattern
    `tracked-link` stays, for reverse() and for a project that leaves this middleware out.
    """

    PREFIX = "/l/"

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(self.PREFIX):
            request.get_host()  # DisallowedHost (a 400) for a host outside ALLOWED_HOSTS
            return redirect(request, request.path_info[len(self.PREFIX) :])
        return self.get_response(request)
