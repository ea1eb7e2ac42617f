"""Mobile Commons' answers (docs/connectors/mobilecommons.md): XML built with xml.etree.ElementTree
(the sandbox only writes XML; parsing untrusted XML is the connector's job, with defusedxml), the
HTML pages of non-200 answers, and the plain-data shapes `sandbox_dump mobilecommons` prints.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

from .models import Campaign, Profile, Subscription, WelcomeMessage
from .rules import STANDARD_FIELDS, McError, format_time, profile_status

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
ADDRESS_FIELDS = ("street1", "street2", "city", "state", "postal_code", "country")


def _child(parent: ET.Element, tag: str, text: Any = "", **attrs: Any) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: str(value) for key, value in attrs.items()})
    element.text = "" if text is None else str(text)
    return element


def xml_response(*children: ET.Element, success: bool = True) -> HttpResponse:
    """`<response success="true">children</response>` with HTTP 200."""
    root = ET.Element("response", {"success": "true" if success else "false"})
    root.extend(children)
    body = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return HttpResponse(body, content_type=XML_CONTENT_TYPE, status=200)


def error_response(error: McError) -> HttpResponse:
    """`<response success="false"><error id="5" message="Invalid phone number"/></response>`, HTTP 200."""
    element = ET.Element("error", {"id": str(error.error_id), "message": error.message})
    return xml_response(element, success=False)


def html_page(status: int, title: str, text: str) -> HttpResponse:
    """A non-200 answer: an HTML page with an `h4` and a `p`, as Mobile Commons' are."""
    body = (
        f"<!DOCTYPE html>\n<html><head><title>{html.escape(title)}</title></head>"
        f"<body><h4>{html.escape(title)}</h4><p>{html.escape(text)}</p></body></html>\n"
    )
    return HttpResponse(body, content_type="text/html; charset=utf-8", status=status)


# --- XML -------------------------------------------------------------------------------------------


def render_subscription(subscription: Subscription) -> ET.Element:
    return ET.Element(
        "subscription",
        {
            "campaign_id": str(subscription.campaign_id),
            "campaign_name": subscription.campaign.name,
            "opt_in_path_id": str(subscription.opt_in_path_id or ""),
            "status": subscription.status,
            "activated_at": format_time(subscription.activated_at),
            "opted_out_at": format_time(subscription.opted_out_at),
        },
    )


def render_profile(profile: Profile, *, custom_columns: bool = True, subscriptions: bool = True) -> ET.Element:
    """`<profile id>` with its fields, source, address, and (when asked) custom columns and subscriptions."""
    element = ET.Element("profile", {"id": str(profile.pk)})
    _child(element, "first_name", profile.first_name)
    _child(element, "last_name", profile.last_name)
    _child(element, "phone_number", profile.phone_number)
    _child(element, "email", profile.email)
    _child(element, "status", profile_status(profile))
    _child(element, "created_at", format_time(profile.created_at))
    _child(element, "updated_at", format_time(profile.updated_at))
    _child(element, "opted_out_at", format_time(profile.opted_out_at))
    _child(element, "opted_out_source", profile.opted_out_source)
    path_id = str(profile.source_opt_in_path_id or "")
    ET.SubElement(
        element,
        "source",
        {"type": profile.source_type, "name": profile.source_name, "id": path_id, "opt_in_path_id": path_id},
    )
    address = ET.SubElement(element, "address")
    for name in ADDRESS_FIELDS:
        _child(address, name, getattr(profile, name))
    if custom_columns:
        columns = ET.SubElement(element, "custom_columns")
        for name, value in sorted(profile.custom_columns.items()):
            _child(columns, "custom_column", value, name=name)
    if subscriptions:
        container = ET.SubElement(element, "subscriptions")
        for subscription in sorted(profile.subscriptions.all(), key=lambda s: s.pk):
            container.append(render_subscription(subscription))
    return element


def render_campaign(campaign: Campaign, *, opt_in_paths: bool) -> ET.Element:
    element = ET.Element("campaign", {"id": str(campaign.pk), "active": "true" if campaign.active else "false"})
    _child(element, "name", campaign.name)
    if opt_in_paths:
        paths = ET.SubElement(element, "opt_in_paths")
        for path in sorted(campaign.opt_in_paths.all(), key=lambda p: p.pk):
            _child(ET.SubElement(paths, "opt_in_path", {"id": str(path.pk)}), "name", path.name)
    return element


# --- plain data (sandbox_dump) ---------------------------------------------------------------------


def profile_data(profile: Profile) -> dict[str, Any]:
    """A profile as `sandbox_dump` prints it (and `loader.load` reads it back)."""
    source_path = profile.source_opt_in_path
    return {
        "account": profile.account.name,
        "id": profile.pk,
        "phone_number": profile.phone_number,
        **{name: getattr(profile, name) for name in STANDARD_FIELDS},
        "status": profile_status(profile),
        "constituent_id": profile.constituent_id or None,
        "custom_columns": profile.custom_columns,
        "source": {
            "type": profile.source_type,
            "name": profile.source_name,
            "campaign": source_path.campaign.name if source_path else None,
            "opt_in_path": source_path.name if source_path else None,
        },
        "created_at": format_time(profile.created_at),
        "updated_at": format_time(profile.updated_at),
        "opted_out_at": format_time(profile.opted_out_at) or None,
        "opted_out_source": profile.opted_out_source,
        "subscriptions": [
            {
                "campaign": s.campaign.name,
                "opt_in_path": s.opt_in_path.name if s.opt_in_path else None,
                "status": s.status,
                "activated_at": format_time(s.activated_at) or None,
                "opted_out_at": format_time(s.opted_out_at) or None,
            }
            for s in sorted(profile.subscriptions.all(), key=lambda s: s.pk)
        ],
    }


def welcome_data(welcome: WelcomeMessage) -> dict[str, Any]:
    return {
        "account": welcome.account.name,
        "phone_number": welcome.phone,
        "campaign": welcome.opt_in_path.campaign.name,
        "opt_in_path": welcome.opt_in_path.name,
        "sent_at": format_time(welcome.sent_at),
    }
