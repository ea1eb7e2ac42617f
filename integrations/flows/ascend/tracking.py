"""Click-through tracking's pure functions: the UTM tokens, the redirect URL and attribution.

The seed (shared/seeds/001) appends `utm_medium=sms`, `utm_content=<encoded member link id>` and
`utm_campaign=<encoded outgoing message id>` to a tracked Mobilize link. "Encoded" here is a signed,
reversible, opaque token:

    token = base32(value) + "-" + base32(HMAC-SHA256(SECRET_KEY, kind, value)[:10])

lower case, without padding (`[a-z2-7]+-[a-z2-7]{16}`). `value` is the member link's id (in decimal)
or the outgoing message id; `kind` salts the HMAC (django.utils.crypto.salted_hmac), so a message
token never decodes as a member link. The value is readable by whoever decodes base32, but nobody can
forge a token for another member link without the SECRET_KEY: a referrer's utm_content is only
attributed when its signature checks. Rotating SECRET_KEY invalidates the tokens of links already sent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import phonenumbers
from django.utils.crypto import constant_time_compare, salted_hmac

from .mapping import PHONE_DEFAULT_REGION

MEMBER_LINK = "ascend.member-link"
MESSAGE = "ascend.message"
MAC_BYTES = 10
# Longer than any token we make (a 200-character message id is 320 base32 characters): anything
# longer is not decoded at all.
TOKEN_MAX_LENGTH = 400
UTM_MEDIUM = "sms"
UTM_KEYS = ("utm_medium", "utm_content", "utm_campaign")


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def _unb32(text: str) -> bytes:
    return base64.b32decode(text.upper() + "=" * (-len(text) % 8))


def _mac(kind: str, value: str) -> str:
    return _b32(salted_hmac(kind, value, algorithm="sha256").digest()[:MAC_BYTES])


def encode(kind: str, value: str) -> str:
    """The signed opaque token of `value` (a member link id or an outgoing message id) for `kind`."""
    return f"{_b32(value.encode('utf-8'))}-{_mac(kind, value)}"


def decode(kind: str, token: Any) -> str | None:
    """The value a token of `kind` carries, or None when it is malformed or its signature is wrong."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    body, _, mac = token.strip().lower().rpartition("-")
    if not body or not mac:
        return None
    try:
        value = _unb32(body).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return value if constant_time_compare(mac, _mac(kind, value)) else None


def encode_member_link(member_link_id: int) -> str:
    """utm_content: the member link's signed id."""
    return encode(MEMBER_LINK, str(int(member_link_id)))


def decode_member_link(token: Any) -> int | None:
    """The member link id a utm_content carries, or None (not ours, tampered with, malformed)."""
    value = decode(MEMBER_LINK, token)
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


def encode_message(message_id: str) -> str:
    """utm_campaign: the outgoing message's signed id."""
    return encode(MESSAGE, message_id)


def decode_message(token: Any) -> str | None:
    """The outgoing message id a utm_campaign carries, or None."""
    return decode(MESSAGE, token)


def destination(url: str, member_link_id: int, message_id: str) -> str:
    """The Mobilize URL with the seed's three UTM parameters.

    The URL's own query parameters are kept in their order, except utm_medium / utm_content /
    utm_campaign, which are replaced by ours (appended last); the fragment is kept.
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in UTM_KEYS]
    query += [
        ("utm_medium", UTM_MEDIUM),
        ("utm_content", encode_member_link(member_link_id)),
        ("utm_campaign", encode_message(message_id)),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def referrer_utm_content(attendance: Mapping[str, Any]) -> str | None:
    """The utm_content of an attendance's referrer: its own field, else the referrer URL's parameter."""
    referrer = attendance.get("referrer")
    if not isinstance(referrer, Mapping):
        return None
    content = referrer.get("utm_content")
    if isinstance(content, str) and content.strip():
        return content.strip()
    url = referrer.get("url")
    if not isinstance(url, str) or not url:
        return None
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    values = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == "utm_content" and v.strip()]
    return values[0].strip() if values else None


def attributed_member_link(attendance: Mapping[str, Any]) -> int | None:
    """The member link id an attendance's referrer carries (signature checked), or None."""
    return decode_member_link(referrer_utm_content(attendance))


def submitted_at(attendance: Mapping[str, Any]) -> datetime | None:
    """When the attendance was submitted (its created_date, else modified_date), or None."""
    stamp = attendance.get("created_date") or attendance.get("modified_date")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return None
    return datetime.fromtimestamp(stamp, tz=UTC)


def e164_phone(number: Any) -> str | None:
    """A recipient's phone in E.164 (the members stream's rule: default region US), or None if invalid."""
    if not isinstance(number, str) or not number.strip() or len(number) > 64:
        return None
    try:
        parsed = phonenumbers.parse(number, PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    # E.164 allows 15 digits; phonenumbers' metadata takes a few longer German numbers as valid.
    return e164 if len(e164) <= 16 else None
