"""`manage.py demo`: serves the project, loads the sandbox demo data, sets up and syncs the demo, idempotently.

The slowest test here: it runs the demo twice, as `make run` would on a first and a second start.
The demo's integrations: the Mobilize mirror, ActionKit CRM and distributed send, PDI, Ascend SMS and
the Action Network <-> Mobile Commons pair.
"""

from __future__ import annotations

import json
import re
import socket
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from integrations.connectors.mobilize.records import primary_email
from integrations.flows.ascend.mapping import IGNORED_UNSUBSCRIBED, mobile_phone
from integrations.models import (
    ActionKitConfig,
    ActionKitConnection,
    AnMcConfig,
    AutomationFiring,
    Integration,
    IntegrationKind,
    McOptInPath,
    Membership,
    MirrorRecord,
    Organization,
    PdiCalendar,
    PdiCalendarMapping,
    PdiConfig,
    PdiEnvironment,
    SyncItem,
    SyncRun,
)
from integrations.models.anmc import PULL_STREAM, PUSH_STREAM

pytestmark = pytest.mark.django_db(transaction=True)

# What the demo maps (the item 6): every other type, FUNDRAISER among them, stays unmapped.
PDI_CALENDARS = {
    "CANVASS": "Canvassing",
    "PHONE_BANK": "Phone and text banking",
    "TEXT_BANK": "Phone and text banking",
    "MEETING": "Meetings and trainings",
    "HOUSE_PARTY": "Community events",
    "TOWN_HALL": "Community events",
    "VOTER_REG": "Community events",
}
# The PDI sandbox's existing contact (sandbox/pdi/fixtures/demo.json): the Mobilize demo's volunteer 502.
BEN_EMAIL = "ben.smith502@example.com"
# The Ascend sandbox's demo members (sandbox/ascend/fixtures/demo.json): unsubscribed, and an existing member.
DEV_PHONE, ELENA_PHONE = "+12155550103", "+12155550104"
# The events the demo syncs to Ascend: the kickoff canvass and the voter registration drive.
ASCEND_EVENTS = {10001, 10008}
ANMC = "Action Network <-> Mobile Commons"
# The Action Network sandbox's demo group (sandbox/actionnetwork/fixtures/demo.json), by given name: uuid, phone.
AN_PEOPLE = {
    "Ana": ("3f1c2a90-6a55-4f0e-9d61-0a1b2c3d4e01", "12025550101"),  # opted in; her number has a profile already
    "Ben": ("3f1c2a90-6a55-4f0e-9d61-0a1b2c3d4e02", "12025550102"),  # not opted in
    "Cara": ("3f1c2a90-6a55-4f0e-9d61-0a1b2c3d4e03", ""),  # opted in, no phone
    "Eve": ("3f1c2a90-6a55-4f0e-9d61-0a1b2c3d4e05", "12025550105"),  # opted in, no email
    "Finn": ("3f1c2a90-6a55-4f0e-9d61-0a1b2c3d4e06", "12025550106"),  # opted in, phone unsubscribed in AN
    "Hal": ("3f1c2a90-6a55-4f0e-9d61-0a1b2c3d4e08", "12025550108"),  # opted in ("yes")
    "Lee": ("3f1c2a90-6a55-4f0e-9d61-0a1b2c3d4e09", "12025550143"),  # opted in; texts STOP in Mobile Commons
}
# The Mobile Commons sandbox's demo JOINs (sandbox/mobilecommons/fixtures/demo.json): Maya has an email, Sam none.
MAYA_PHONE, SAM_PHONE = "12025550141", "12025550142"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo(address: str) -> str:
    out = StringIO()
    call_command("demo", address=address, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> dict[str, list]:
    """The demo's objects by primary key, and what the ActionKit sandbox holds."""
    from sandbox.actionkit.models import ApiUser, Campaign, Event, EventSignup, Page
    from sandbox.actionkit.models import User as AkUser
    from sandbox.actionnetwork import models as an
    from sandbox.ascend import models as ascend
    from sandbox.mobilecommons import models as mc
    from sandbox.pdi import models as pdi

    return {
        "organizations": list(Organization.objects.values_list("pk", "mobilize_id", "name")),
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "username")),
        "memberships": list(Membership.objects.values_list("pk", "user__username", "role")),
        "integrations": list(Integration.objects.order_by("pk").values_list("pk", "name", "kind", "schedule_id")),
        "connections": list(ActionKitConnection.objects.values_list("pk", "base_url", "username")),
        "configs": list(ActionKitConfig.objects.order_by("pk").values_list("pk", "integration_id", "campaign_id")),
        "schedules": list(PeriodicTask.objects.order_by("pk").values_list("pk", "task", "kwargs")),
        "ak_api_users": list(ApiUser.objects.values_list("pk", "username")),
        "ak_campaigns": list(Campaign.objects.order_by("pk").values_list("pk", "name")),
        "ak_pages": list(Page.objects.order_by("pk").values_list("pk", "name")),
        "ak_events": list(Event.objects.order_by("pk").values_list("pk", flat=True)),
        "ak_users": list(AkUser.objects.order_by("pk").values_list("pk", "email")),
        "ak_signups": list(EventSignup.objects.order_by("pk").values_list("pk", flat=True)),
        "pdi_configs": list(PdiConfig.objects.values_list("pk", "integration_id", "base_url", "username")),
        "pdi_calendars": list(PdiCalendar.objects.order_by("pk").values_list("pk", "pdi_id", "name")),
        "pdi_sandbox_users": list(pdi.ApiUser.objects.values_list("pk", "username")),
        "pdi_sandbox_calendars": list(pdi.Calendar.objects.order_by("pk").values_list("pk", "name")),
        "pdi_locations": list(pdi.Location.objects.order_by("pk").values_list("pk", "location_name")),
        "pdi_events": list(pdi.Event.objects.order_by("pk").values_list("pk", "calendar_id", "name", "updated_at")),
        # Not updated_at: loading the sandbox's demo file again saves its own contact (Ben Smith).
        "pdi_contacts": list(pdi.Contact.objects.order_by("pk").values_list("pk", "first_name", "last_name")),
        "pdi_emails": list(pdi.ContactEmail.objects.order_by("pk").values_list("pk", "email_address")),
        "pdi_phones": list(pdi.ContactPhone.objects.order_by("pk").values_list("pk", "phone_number")),
        "pdi_invitations": list(pdi.Invitation.objects.order_by("pk").values_list("pk", "updated_at")),
        # Not the members' fields: loading the sandbox's demo file again saves its own two members.
        "ascend_members": list(ascend.Member.objects.order_by("pk").values_list("pk", "phone")),
        "ascend_groups": list(ascend.Group.objects.order_by("pk").values_list("pk", "name", "external_id")),
        "ascend_in_groups": list(ascend.GroupMembership.objects.order_by("pk").values_list("pk", "group_id")),
        "ascend_flow_starts": list(ascend.FlowStart.objects.order_by("pk").values_list("pk", "flow__name", "phone")),
        "ascend_firings": list(AutomationFiring.objects.order_by("pk").values_list("pk", "flow_id", "phone", "state")),
        "anmc_configs": list(
            AnMcConfig.objects.values_list("pk", "integration_id", "default_opt_in_path_id", "active", "activated_at")
        ),
        "anmc_paths": list(McOptInPath.objects.order_by("pk").values_list("pk", "mc_id", "name")),
        "an_people": list(
            an.Person.objects.order_by("pk").values_list(
                "pk", "uuid", "email", "phone", "phone_status", "custom_fields", "modified_date"
            )
        ),
        "mc_profiles": list(
            mc.Profile.objects.order_by("pk").values_list("pk", "phone_number", "custom_columns", "updated_at")
        ),
        "mc_subscriptions": list(mc.Subscription.objects.order_by("pk").values_list("pk", "status", "opt_in_path_id")),
        "mc_welcomes": list(mc.WelcomeMessage.objects.order_by("pk").values_list("pk", "phone")),
    }


def count_pdi_writes(monkeypatch) -> list[str]:
    """From now on, every request a PDI client sends other than a GET or a login, as "METHOD path"."""
    from integrations.connectors.pdi import PdiClient

    writes: list[str] = []
    original = PdiClient.request

    def counting(self, method, path_or_url, **kwargs):
        path = path_or_url.split("/sandbox/pdi/")[-1].lstrip("/")
        if method.upper() != "GET" and not path.startswith("sessions"):
            writes.append(f"{method.upper()} {path}")
        return original(self, method, path_or_url, **kwargs)

    monkeypatch.setattr(PdiClient, "request", counting)
    return writes


def count_anmc_writes(monkeypatch) -> list[str]:
    """From now on, every request an Action Network or Mobile Commons client sends other than a GET."""
    from integrations.connectors.actionnetwork import ActionNetworkClient
    from integrations.connectors.mobilecommons import MobileCommonsClient

    writes: list[str] = []
    for client in (ActionNetworkClient, MobileCommonsClient):
        original = client.request

        def counting(self, method, path_or_url, *, _original=original, **kwargs):
            if method.upper() != "GET":
                writes.append(f"{method.upper()} {path_or_url.split('/sandbox/')[-1]}")
            return _original(self, method, path_or_url, **kwargs)

        monkeypatch.setattr(client, "request", counting)
    return writes


def mapping_table(config: PdiConfig) -> dict[str, str]:
    """Event type -> calendar name, of the mapped rows only."""
    rows = config.calendar_mappings.filter(calendar__isnull=False).values_list("event_type", "calendar__name")
    return dict(rows)


def mobilize_event_id(pdi_event) -> str:
    """The Mobilize event a PDI event was made from: its website is the Mobilize event's URL."""
    return pdi_event.website.rstrip("/").rsplit("/", 1)[-1]


def summaries(output: str) -> dict[str, str]:
    """Integration name -> status word, from the printed run summaries."""
    return dict(re.findall(r"^Run #\d+ of (.+?) \(Demo Campaign\): (\w+)", output, re.MULTILINE))


def test_demo_sets_up_and_syncs_the_demo_organization_and_a_second_run_changes_nothing(monkeypatch):
    address = f"127.0.0.1:{free_port()}"
    output = demo(address)

    assert output.startswith("Mobilize sandbox: loaded 3 organizations")
    assert summaries(output) == {
        "Mobilize mirror": "Succeeded",
        "ActionKit CRM": "Succeeded",
        "ActionKit distributed send": "Succeeded",
        "PDI": "Succeeded",
        "Ascend SMS": "Succeeded",
        ANMC: "Succeeded",
    }
    assert "Loaded PDI sandbox data from demo.json: 1 API users, 4 calendars" in output
    assert f"Admin: http://{address}/admin/" in output
    assert "login 'admin' / password 'mobilize-admin' (superuser)" in output
    assert "login 'staff' / password 'mobilize-staff' (staff of Demo Campaign)" in output

    organization = Organization.objects.get()
    assert (organization.mobilize_id, organization.name) == (1001, "Demo Campaign")
    assert organization.mobilize_base_url == f"http://{address}/sandbox/mobilize/v1"
    assert organization.mobilize_api_key == "demo-mobilize-key"
    assert organization.firewall_side == Organization.FirewallSide.COORDINATED, "read from Mobilize by the sync"

    admin = authenticate(username="admin", password="mobilize-admin")
    staff = authenticate(username="staff", password="mobilize-staff")
    assert admin is not None and admin.is_staff and admin.is_superuser
    assert staff is not None and staff.is_staff and not staff.is_superuser
    assert Membership.objects.get(user=staff).organization == organization
    assert not Membership.objects.filter(user=admin).exists()

    integrations = {i.name: i for i in Integration.objects.filter(organization=organization)}
    assert {name: i.kind for name, i in integrations.items()} == {
        "Mobilize mirror": IntegrationKind.MOBILIZE_MIRROR,
        "ActionKit CRM": IntegrationKind.ACTIONKIT_CRM,
        "ActionKit distributed send": IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND,
        "PDI": IntegrationKind.PDI,
        "Ascend SMS": IntegrationKind.ASCEND,
        ANMC: IntegrationKind.ACTIONNETWORK_MOBILECOMMONS,
    }
    connection = ActionKitConnection.objects.get(organization=organization)
    assert connection.base_url == f"http://{address}/sandbox/actionkit"
    crm, ds = integrations["ActionKit CRM"].actionkit, integrations["ActionKit distributed send"].actionkit
    assert crm.connection == ds.connection == connection
    assert crm.campaign_id != ds.campaign_id and crm.event_signup_page and not ds.event_signup_page
    mirror = integrations["Mobilize mirror"]
    assert mirror.schedule is None, "the mirror refreshes on the mirror's own tick"
    [refresh] = mirror.runs.all()
    for integration in integrations.values():
        if integration.name == ANMC:
            continue  # reads no Mobilize: check_anmc
        if integration != mirror:
            assert integration.schedule is not None and integration.schedule.task == "integrations.run_integration"
        [run] = integration.runs.all()
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert run.created > 0 and run.failed == 0
        if integration != mirror:  # the refresh changed the mirror and so ran them; not queued twice
            assert run.trigger == SyncRun.Trigger.MIRROR and run.started_at > refresh.started_at
    assert output.index("Run #") == output.index(f"Run #{refresh.pk} of Mobilize mirror"), "the mirror first"
    assert integrations["PDI"].follows_mirror
    first = snapshot()
    assert first["ak_events"] and first["ak_users"] and first["ak_signups"], "ActionKit received the demo"
    assert first["pdi_events"] and first["pdi_contacts"] and first["pdi_invitations"], "PDI received the demo"

    check_pdi(integrations["PDI"], address, output)
    check_ascend(integrations["Ascend SMS"], address, output)
    check_anmc(integrations[ANMC], address, output)

    # A person changes the mapping in the admin: Meeting unmapped, Fundraiser mapped. The demo keeps it.
    config = integrations["PDI"].pdi
    community = config.calendars.get(name="Community events")
    PdiCalendarMapping.objects.filter(config=config, event_type="MEETING").update(calendar=None)
    PdiCalendarMapping.objects.filter(config=config, event_type="FUNDRAISER").update(calendar=community)
    changed = mapping_table(config)

    pdi_writes = count_pdi_writes(monkeypatch)
    anmc_writes = count_anmc_writes(monkeypatch)
    again = demo(address)
    assert set(summaries(again).values()) == {"Succeeded"}
    assert pdi_writes == [], "the second demo wrote nothing to PDI (logging in aside)"
    assert anmc_writes == [], "the second demo wrote nothing to Action Network or Mobile Commons"
    assert snapshot() == first, "the second demo made no new object anywhere"
    assert mapping_table(config) == changed, "a mapping a person changed survives the next make run"
    assert "the calendar mapping is kept as it is" in again
    assert "Ascend: the synced events, field rules and automations are kept as they are (2 events synced)" in again
    assert f"{ANMC}: kept active as it is" in again
    assert again.count("the demo account is kept as the syncs left it") == 2, "both sandboxes: loaded once"
    for integration in integrations.values():
        # The pair runs twice a demo: one pull, one push.
        runs = 4 if integration.name == ANMC else 2
        assert integration.runs.count() == runs
        for latest in integration.runs.order_by("-pk")[: runs // 2]:
            assert (latest.status, latest.created, latest.updated, latest.failed) == (
                SyncRun.Status.SUCCEEDED,
                0,
                0,
                0,
            )


def check_pdi(integration: Integration, address: str, output: str) -> None:
    """The demo's PDI integration: on the sandbox, its calendars mapped, its run in PDI's sandbox."""
    from sandbox.pdi import models as pdi

    config = integration.pdi
    assert config.environment == PdiEnvironment.CUSTOM
    assert config.base_url == f"http://{address}/sandbox/pdi"
    assert config.username == "mobilize-sync" and config.password and config.api_token
    assert "sandbox-password" not in output and "sandbox-api-token" not in output, "credentials never printed"

    # Calendars read from the sandbox through Refresh calendars, the demo's types mapped to them.
    assert sorted(config.calendars.values_list("name", flat=True)) == sorted(set(PDI_CALENDARS.values()))
    for calendar in config.calendars.all():
        assert pdi.Calendar.objects.get(pk=int(calendar.pdi_id)).name == calendar.name
    assert config.calendars_refreshed_at is not None
    assert mapping_table(config) == PDI_CALENDARS
    assert config.calendar_mappings.get(event_type="FUNDRAISER").calendar is None, "left unmapped on purpose"
    assert config.default_calendar is None
    assert "PDI: Refresh calendars: PDI returned 4 calendars." in output

    [run] = integration.runs.all()
    assert (run.status, run.trigger, run.failed) == (SyncRun.Status.SUCCEEDED, SyncRun.Trigger.MIRROR, 0)
    assert output.index(f"Run #{run.pk} of PDI") > output.index("Run #"), "after the mirror"

    # One PDI event per timeslot of every mirrored event of a mapped type, in its type's calendar.
    events = [r.data for r in MirrorRecord.objects.filter(organization=integration.organization, record_type="event")]
    fundraisers = [event for event in events if event.get("event_type") == "FUNDRAISER"]
    assert fundraisers, "the demo's Mobilize data has an event of the unmapped type"
    wanted = sorted(
        (str(event["id"]), PDI_CALENDARS[event["event_type"]])
        for event in events
        if event.get("event_type") in PDI_CALENDARS
        for _ in event["timeslots"]
    )
    held = sorted((mobilize_event_id(e), e.calendar.name) for e in pdi.Event.objects.select_related("calendar"))
    assert held == wanted
    assert {name for _, name in held} == set(PDI_CALENDARS.values()), "every demo calendar receives events"

    # The Fundraiser is skipped with the reason, in the run and in what the demo prints.
    for event in fundraisers:
        for timeslot in event["timeslots"]:
            item = run.items.get(stream="events", source_id=str(timeslot["id"]))
            assert item.action == SyncItem.Action.SKIPPED
            assert "Fundraiser (FUNDRAISER) is mapped to no PDI calendar" in item.error
            assert f"skipped events {timeslot['id']} {item.label}: {item.error}" in output
        assert not pdi.Event.objects.filter(website__contains=f"/event/{event['id']}/").exists()

    # Ben Smith was in PDI before the sync: matched by email, not created again; his signups are his.
    [ben] = pdi.Contact.objects.filter(emails__email_address__iexact=BEN_EMAIL)
    assert (ben.first_name, ben.last_name) == ("Ben", "Smith")
    assert ben.created_at < run.started_at, "the sandbox's own contact, not one the run made"
    assert list(ben.emails.values_list("email_address", flat=True)) == [BEN_EMAIL]
    attendances = MirrorRecord.objects.filter(organization=integration.organization, record_type="attendance")
    signed_up = {str(a.data["event"]["id"]) for a in attendances if primary_email(a.data["person"]) == BEN_EMAIL}
    assert signed_up, "Ben signed up in the demo's Mobilize data"
    assert {mobilize_event_id(i.event) for i in ben.invitations.select_related("event")} == signed_up
    assert pdi.Contact.objects.count() > 1 and pdi.Invitation.objects.count() > len(signed_up)


def check_ascend(integration: Integration, address: str, output: str) -> None:
    """The demo's Ascend integration: its settings, synced events, rules, automations, and its run in the sandbox."""
    from sandbox.ascend import models as ascend

    config = integration.ascend
    assert config.base_url == f"http://{address}/sandbox/ascend"
    assert config.api_key == "sandbox-ascend-key" and "sandbox-ascend-key" not in output
    assert (config.sync_accounts, config.create_new_members, config.sync_new_events) == (True, True, False)
    flows = {row["name"]: row["id"] for row in config.flows_cache}
    assert set(flows) == {"Welcome to the event", "Reminder A", "Reminder B", "Sorry you can't make it"}
    assert config.flows_refreshed_at is not None
    assert "Ascend: Refresh flows: 4 flows" in output

    # Two events synced "when they were created": as of their first signup, so every signup is imported.
    synced = {row.mobilize_event_id: row for row in config.events.filter(synced=True)}
    assert set(synced) == ASCEND_EVENTS
    signups = [
        r.data
        for r in MirrorRecord.objects.filter(organization=integration.organization, record_type="attendance")
        if r.data["event"]["id"] in ASCEND_EVENTS
    ]
    earliest = min(signup["created_date"] for signup in signups)
    assert {row.synced_at.timestamp() for row in synced.values()} == {earliest}
    events = MirrorRecord.objects.filter(organization=integration.organization, record_type="event")
    assert config.events.count() == events.filter(deleted=False).count(), "every event listed on the Events tab"

    # One field rule of each kind, and the custom signup field mapped.
    rules = {rule.mobilize_field: (rule.ascend_field, rule.sync) for rule in config.field_rules.all()}
    assert rules["first_name"] == ("first_name", "populate")
    assert rules["email"] == ("email", "overwrite")
    assert rules["zip"] == ("zip", "ignore")
    assert rules["custom:tshirt_size"] == ("tshirt_size", "populate")

    automations = {a.name: a for a in config.automations.all()}
    assert {name: (a.event.mobilize_event_id, a.activity, a.flow_ids) for name, a in automations.items()} == {
        "Welcome": (10001, "registers", [flows["Welcome to the event"]]),
        "Sorry": (10001, "cancels", [flows["Sorry you can't make it"]]),
        "Reminder A/B": (10008, "registers", [flows["Reminder A"], flows["Reminder B"]]),
    }

    [run] = integration.runs.all()
    assert (run.status, run.trigger, run.failed) == (SyncRun.Status.SUCCEEDED, SyncRun.Trigger.MIRROR, 0)
    assert output.index(f"Run #{run.pk} of Ascend SMS") > output.index("Run #"), "after the mirror"

    # Each synced event has its group; the opted-in signups with a phone are members in it.
    account = ascend.Account.objects.get(name="Demo Ascend")
    groups = {group.external_id: group for group in account.groups.all()}
    assert set(groups) == {f"mobilize-event-{event_id}" for event_id in ASCEND_EVENTS}
    for event_id in ASCEND_EVENTS:
        assert groups[f"mobilize-event-{event_id}"].name == synced[event_id].title
    wanted = {
        (mobile_phone(signup["person"]), signup["event"]["id"])
        for signup in signups
        if signup["person"]["sms_opt_in_status"] == "OPT_IN" and mobile_phone(signup["person"]) not in (None, DEV_PHONE)
    }
    held = {
        (m.member.phone, int(m.group.external_id.rsplit("-", 1)[1]))
        for m in ascend.GroupMembership.objects.select_related("member", "group")
    }
    assert held == wanted and len(wanted) == 4, "Elena on the kickoff, three on the drive"

    # Elena existed: updated (Populate fills her empty t-shirt size), not created again.
    elena = account.members.get(phone=ELENA_PHONE)
    assert (elena.first_name, elena.email, elena.custom_fields) == (
        "Elena",
        "elena.kim505@example.com",
        {"tshirt_size": "M"},
    )
    new = account.members.exclude(phone__in=[DEV_PHONE, ELENA_PHONE])
    assert new.count() == 3 and all(m.subscription_status == "subscribed" for m in new)
    assert all(m.zip == "" for m in new), "zip is Ignored"

    # Dev Okafor signed up to the kickoff but is unsubscribed in Ascend: skipped, never touched.
    [dev_signup] = [s for s in signups if mobile_phone(s["person"]) == DEV_PHONE]
    item = run.items.get(stream="members", source_id=str(dev_signup["id"]))
    assert (item.action, item.error) == (SyncItem.Action.SKIPPED, IGNORED_UNSUBSCRIBED)
    assert f"skipped members {dev_signup['id']} {item.label}: {IGNORED_UNSUBSCRIBED}" in output
    dev = account.members.get(phone=DEV_PHONE)
    assert not dev.memberships.exists() and not dev.flow_starts.exists()

    # Who got which flow: Elena the welcome; the drive's three split between Reminder A and B; nobody a sorry.
    starts = list(account.flow_starts.values_list("flow__name", "phone"))
    assert [phone for name, phone in starts if name == "Welcome to the event"] == [ELENA_PHONE]
    reminders = sorted(name for name, _ in starts if name.startswith("Reminder"))
    assert reminders == ["Reminder A", "Reminder A", "Reminder B"]
    assert {phone for name, phone in starts if name.startswith("Reminder")} == {m.phone for m in new}
    assert len(starts) == 4
    firings = AutomationFiring.objects.filter(automation__config=config, state=AutomationFiring.State.STARTED)
    by_id = {str(flow_id): name for name, flow_id in flows.items()}
    assert sorted((by_id[f.flow_id], f.phone) for f in firings) == sorted(starts), "the firings are the starts"
    assert (
        'Ascend flows started so far: Welcome: "Welcome to the event" to 1; Sorry: "Sorry you can\'t make it" to 0; '
        'Reminder A/B: "Reminder A" to 2, "Reminder B" to 1'
    ) in output


def check_anmc(integration: Integration, address: str, output: str) -> None:
    """The demo's Action Network <-> Mobile Commons pair: configured, active, and its pull and push in the sandboxes."""
    from sandbox.actionnetwork.models import Person
    from sandbox.mobilecommons.models import Profile, WelcomeMessage

    config = integration.anmc
    assert config.an_base_url == f"http://{address}/sandbox/actionnetwork/api/v2/"
    assert config.mc_base_url == f"http://{address}/sandbox/mobilecommons/api/"
    assert config.an_api_token == "sandbox-actionnetwork-token" and "sandbox-actionnetwork-token" not in output
    assert (config.mc_login, config.mc_company_key) == ("mc@example.org", "")
    assert config.mc_password and "mc-sandbox-password" not in output
    assert (config.opt_in_field, config.source_code) == ("mobile_opt_in", "Mobile Commons")
    # The opt-in paths read through Refresh opt-in paths; the sync's path the default.
    assert sorted(config.opt_in_paths.values_list("name", flat=True)) == ["Action Network sync", "Website"]
    assert config.default_opt_in_path.name == "Action Network sync"
    assert "Refresh opt-in paths: Mobile Commons lists 2 opt-in paths in active campaigns." in output
    # Active: its two schedules, the integration's own none.
    assert config.active and config.activated_at is not None and f"{ANMC}: Active." in output
    assert integration.schedule is None
    assert config.pull_schedule.enabled and config.push_schedule.enabled
    assert json.loads(config.pull_schedule.kwargs)["stream_names"] == [PULL_STREAM]
    assert json.loads(config.push_schedule.kwargs)["stream_names"] == [PUSH_STREAM]

    # One pull, then one push: two runs of the worker, one stream each.
    pull, push = integration.runs.order_by("pk")
    for run, stream in ((pull, PULL_STREAM), (push, PUSH_STREAM)):
        assert (run.status, run.trigger, run.failed) == (SyncRun.Status.SUCCEEDED, SyncRun.Trigger.COMMAND, 0)
        assert list(run.streams) == [stream]
        assert f"Run #{run.pk} of {ANMC} (Demo Campaign): Succeeded" in output
    assert push.started_at >= pull.finished_at, "the push after the pull"
    ascend = Integration.objects.get(organization=integration.organization, name="Ascend SMS").runs.get()
    assert output.index(f"Run #{pull.pk} of {ANMC}") > output.index(f"Run #{ascend.pk} of Ascend SMS"), "last"

    def outcome(run: SyncRun, source_id: str) -> SyncItem:
        return run.items.get(source_id=source_id)

    uuid = {name: person_uuid for name, (person_uuid, _) in AN_PEOPLE.items()}
    phone = {name: number for name, (_, number) in AN_PEOPLE.items()}
    profiles = {p.phone_number: p for p in Profile.objects.all()}
    welcomed = sorted(WelcomeMessage.objects.values_list("phone", "opt_in_path__name"))

    # The pull: the people changed in the past 48 hours (Lee changed weeks ago).
    assert (pull.fetched, pull.created, pull.updated, pull.skipped) == (6, 4, 1, 1)
    for name in ("Ben", "Eve", "Finn", "Hal"):
        assert outcome(pull, uuid[name]).action == SyncItem.Action.CREATED
        assert profiles[phone[name]].constituent_id == uuid[name]
    # Ana's number had a profile (the website, before any sync): matched by phone, given her id, no second Welcome.
    assert outcome(pull, uuid["Ana"]).action == SyncItem.Action.UPDATED
    ana = profiles[phone["Ana"]]
    assert (ana.constituent_id, ana.last_name, ana.subscriptions.get().opt_in_path.name) == (
        uuid["Ana"],
        "Alvarez",
        "Website",
    )
    # Eve and Hal opted in: subscribed through the default path, with its Welcome; Ben (not opted in) and
    # Finn (phone unsubscribed in Action Network) have profiles without a subscription.
    assert welcomed == [(phone["Eve"], "Action Network sync"), (phone["Hal"], "Action Network sync")]
    for name in ("Eve", "Hal"):
        assert profiles[phone[name]].subscriptions.get(status="Active").opt_in_path.name == "Action Network sync"
    for name in ("Ben", "Finn"):
        assert not profiles[phone[name]].subscriptions.exists()
    cara = outcome(pull, uuid["Cara"])
    assert cara.action == SyncItem.Action.SKIPPED and cara.error.startswith("No mobile number")
    assert f"skipped pull_people {uuid['Cara']} cara.chen@example.com: {cara.error}" in output

    # The push: Maya's JOIN is an Action Network person now; Sam's (no email) is skipped; Lee's STOP reached him.
    assert (push.created, push.updated, push.skipped) == (1, 1, 1)
    maya = Person.objects.get(email="maya.patel@example.org")
    assert (maya.given_name, maya.family_name, maya.phone, maya.phone_status) == (
        "Maya",
        "Patel",
        MAYA_PHONE,
        "subscribed",
    )
    assert (maya.custom_fields["mobile_opt_in"], maya.source) == ("true", "Mobile Commons")
    assert profiles[MAYA_PHONE].constituent_id == str(maya.uuid), "her Action Network id went back to the profile"
    maya_item = outcome(push, str(profiles[MAYA_PHONE].pk))
    assert (maya_item.action, maya_item.destination_id) == (SyncItem.Action.CREATED, str(maya.uuid))
    assert f"created push_subscriptions maya.patel@example.org -> actionnetwork.person {maya.uuid}" in output
    sam = outcome(push, str(profiles[SAM_PHONE].pk))
    assert sam.action == SyncItem.Action.SKIPPED and "without an email address" in sam.error
    assert not Person.objects.filter(phone=SAM_PHONE).exists()
    lee = Person.objects.get(uuid=uuid["Lee"])
    assert (lee.custom_fields["mobile_opt_in"], lee.phone_status, lee.phone) == ("false", "unsubscribed", phone["Lee"])
    assert outcome(push, str(profiles[phone["Lee"]].pk)).action == SyncItem.Action.UPDATED
    # The pull's own subscriptions came back to the push as nothing new; nobody is in Action Network twice.
    assert push.unchanged == 2 and Person.objects.count() == 10
    assert "Mobile Commons Welcome messages so far: 2" in output
    assert "mobile_opt_in false and the phone unsubscribed: Lee Chen" in output
