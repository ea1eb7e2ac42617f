"""The public redirect /l/<code>: 302 with the seed's UTM parameters, clicks counted, plain 404s."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from integrations.flows.ascend import tracking
from integrations.models import AscendConfig, Click, IntegrationKind, MemberLink, TrackedLink

pytestmark = pytest.mark.django_db

PHONE_BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
# What link-preview fetchers send (iMessage's is the first).
PREVIEWS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 "
    "Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0 A",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Applebot/0.1",
]


@pytest.fixture
def link(make_organization, make_integration) -> MemberLink:
    integration = make_integration(make_organization(), kind=IntegrationKind.ASCEND, name="Ascend")
    config = AscendConfig.objects.create(integration=integration)
    tracked = TrackedLink.objects.create(
        config=config,
        message_id="msg-42",
        destination_url="https://www.mobilize.us/demo/event/10/?source=sms&utm_medium=email&utm_source=ascend"
        "&utm_content=old#shifts",
    )
    return MemberLink.objects.create(tracked_link=tracked, phone="+12155550101")


def follow(client: Client, code: str, method: str = "get", agent: str | None = PHONE_BROWSER, **headers):
    if agent is not None:
        headers["HTTP_USER_AGENT"] = agent
    return getattr(client, method)(f"/l/{code}", **headers)


def test_a_click_redirects_with_utm_parameters_merged_into_the_urls_own(link):
    response = follow(Client(), link.code)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "www.mobilize.us", "/demo/event/10/")
    assert target.fragment == "shifts", "the fragment is kept"
    query = parse_qsl(target.query)
    assert query[:2] == [("source", "sms"), ("utm_source", "ascend")], "the URL's own parameters, in order"
    params = dict(query)
    assert len(query) == 5, "utm_medium and utm_content replaced, not doubled"
    assert params["utm_medium"] == "sms"
    assert tracking.decode_member_link(params["utm_content"]) == link.pk
    assert tracking.decode_message(params["utm_campaign"]) == "msg-42"
    assert str(link.pk) != params["utm_content"] and "msg-42" not in params["utm_campaign"], "opaque"
    assert response["Cache-Control"] == "private, no-store"


def test_a_url_without_a_query_gets_the_three_parameters(link):
    TrackedLink.objects.filter(pk=link.tracked_link_id).update(destination_url="http://mobilize.us/e/10")
    location = follow(Client(), link.code)["Location"]
    assert location.startswith("http://mobilize.us/e/10?utm_medium=sms&utm_content=")
    assert "#" not in location


def test_a_click_is_recorded_with_only_its_member_link_and_time(link):
    follow(Client(), link.code)
    follow(Client(), link.code)
    clicks = list(Click.objects.values())
    assert len(clicks) == 2, "each click counts"
    assert all(set(click) == {"id", "member_link_id", "clicked_at"} for click in clicks)
    assert {click["member_link_id"] for click in clicks} == {link.pk}


def test_no_session_no_cookie_no_login(link):
    client = Client(enforce_csrf_checks=True)
    response = follow(client, link.code)
    assert response.status_code == 302
    assert not response.cookies, "no session or CSRF cookie is set"
    assert not Session.objects.exists()


def test_head_requests_redirect_but_are_not_clicks(link):
    response = follow(Client(), link.code, method="head")
    assert response.status_code == 302
    assert tracking.decode_member_link(dict(parse_qsl(urlsplit(response["Location"]).query))["utm_content"])
    assert not Click.objects.exists()


@pytest.mark.parametrize("agent", PREVIEWS)
def test_link_preview_fetchers_redirect_but_are_not_clicks(link, agent):
    response = follow(Client(), link.code, agent=agent)
    assert response.status_code == 302 and "utm_medium=sms" in response["Location"]
    assert not Click.objects.exists()


def test_prefetches_and_requests_without_a_user_agent_are_not_clicks(link):
    assert follow(Client(), link.code, agent=None).status_code == 302
    assert follow(Client(), link.code, HTTP_SEC_PURPOSE="prefetch").status_code == 302
    assert follow(Client(), link.code, HTTP_PURPOSE="preview").status_code == 302
    assert not Click.objects.exists()
    follow(Client(), link.code)
    assert Click.objects.count() == 1, "the person's own click still counts"


def test_other_methods_are_refused_and_not_counted(link):
    response = Client().post(f"/l/{link.code}", HTTP_USER_AGENT=PHONE_BROWSER)
    assert response.status_code == 405
    assert not Click.objects.exists()


ODD_CODES = [
    "",
    "abc",
    "A" * 16,
    "A" * 33,
    "x" * 5000,
    "..%2F..%2Fadmin",
    "a/b",
    "%00%00%00%00%00%00%00%00%00",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%C3%BC" * 16,
    "' OR 1=1 --",
]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("code", ODD_CODES)
def test_unknown_malformed_and_long_codes_are_a_plain_404(link, settings, code, debug):
    settings.DEBUG = debug
    response = Client().get(f"/l/{code}", HTTP_USER_AGENT=PHONE_BROWSER)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"Not found.\n", "no stack trace, no DEBUG page, no URL patterns"
    assert not Click.objects.exists()


def test_a_tampered_utm_content_does_not_decode(link):
    token = tracking.encode_member_link(link.pk)
    mac = token.rpartition("-")[2]
    forged = tracking.encode_member_link(link.pk + 1).rpartition("-")[0] + "-" + mac
    assert tracking.decode_member_link(token) == link.pk
    assert tracking.decode_member_link(forged) is None
    assert tracking.decode_member_link(tracking.encode_message(str(link.pk))) is None, "kinds do not mix"
    assert tracking.decode_member_link("not-a-token") is None
    assert tracking.decode_member_link("a" * 1000) is None


def test_short_links_skip_the_middleware_after_security_but_still_check_the_host(link, settings):
    response = follow(Client(), link.code)
    assert response.status_code == 302
    assert "X-Frame-Options" not in response, "answered before XFrameOptionsMiddleware"
    assert response["X-Content-Type-Options"] == "nosniff", "after SecurityMiddleware"
    assert follow(Client(), link.code, HTTP_HOST="evil.example").status_code == 400, "ALLOWED_HOSTS holds"
    assert Click.objects.count() == 1


def test_without_the_short_link_middleware_the_url_pattern_answers_the_same(link, settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if not name.endswith("ShortLinkMiddleware")]
    response = follow(Client(), link.code)
    assert response.status_code == 302
    assert tracking.decode_member_link(dict(parse_qsl(urlsplit(response["Location"]).query))["utm_content"]) == link.pk
    assert response["X-Frame-Options"] == "DENY", "the whole middleware stack ran"
    assert follow(Client(), "A" * 16).status_code == 404
    assert Click.objects.count() == 1
