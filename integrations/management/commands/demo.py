"""`make run`'s setup: a demo organization on the sandbox, its integrations, one sync of each.

The integrations: the organization's Mobilize mirror, two ActionKit integrations, one PDI
integration, one Ascend integration and the Action Network <-> Mobile Commons pair, all on the
built-in sandboxes. The organization's Mobilize mirror is refreshed first (it is what reads
Mobilize), then the other integrations run; the pair, which reads no Mobilize, runs last. The syncs
go through the Celery worker, as Sync now does in production (`make run` starts the worker first;
with eager tasks, as in the tests, they run in this process). A refresh that changed the mirror already queues the
other integrations (fan-out); those are waited for, not queued twice. Idempotent: running it
again updates the same demo objects and syncs incrementally.

PDI: the sandbox's demo account is loaded (sandbox/pdi/fixtures/demo.json: its API user, four
calendars, and Ben Smith, the Mobilize demo's volunteer 502, as an existing contact), the
integration "PDI" points at it, and its calendars are read through the real "Refresh calendars"
(`pdi_services.refresh_calendars`, over HTTP, so once the server is up). The demo then maps its
event types (DEMO_PDI_CALENDARS) and leaves Fundraiser unmapped on purpose, so the run shows an
event skipped with that reason. The mapping is the demo's only while nobody has made one: it is
applied when no event type is mapped and no calendar for unmapped types is chosen (the first
run, or after every mapped calendar vanished from PDI), and otherwise left exactly as it is, so
a mapping a person changed, cleared or added in the admin survives every later `make run`.
Credentials, base URL and environment are the sandbox's and are set again on every run (the
address may differ from the last `make run`).

Ascend: the sandbox's demo account is loaded (sandbox/ascend/fixtures/demo.json: four flows, Dev
Okafor unsubscribed and Elena Kim an existing member, both volunteers of the Mobilize demo), the
integration "Ascend SMS" points at it (Sync accounts and Create new members on, Sync new events
off, set when its settings are first made), and its flows are read through the real "Refresh
flows" (over HTTP, so once the server is up). On first setup (no event synced and no automation
yet) the demo then syncs two events (DEMO_ASCEND_EVENTS), sets one field rule of each kind
(first name Populate, email Overwrite, zip Ignore), maps the custom signup field tshirt_size, and
adds three automations: Welcome and Sorry on the kickoff canvass (registers and cancels) and an
A/B test of Reminder A and B on the voter registration drive. Later runs keep all of it as a
person left it. All of this happens before the mirror is refreshed, so the run the mirror's
fan-out queues already sees it; the Events tab's other rows are listed by that run (the same rows
"Fetch events" lists), which is why the demo needs no mirror of its own for the setup.

The two events' `synced_at` is set to their earliest signup's `created_date`, not to now: it
stands for "these events were synced when they were created". The flow imports only submissions
from up to 15 minutes before an event was synced, and the demo's Mobilize signups are older than
any `make run`, so synced now they would all be skipped as submitted before the sync.

Action Network <-> Mobile Commons: the two sandboxes' demo accounts are loaded
(sandbox/actionnetwork/fixtures/demo.json and sandbox/mobilecommons/fixtures/demo.json, made to
go together), each only while the sandbox lacks it: loading the Action Network group again would
put back what the push changed there (Lee Chen's opt-in). The integration "Action Network <->
Mobile Commons" is configured through anmc_services as the admin does: both sandboxes' base URLs
and credentials (set again on every run), the opt-in field `mobile_opt_in` and the source code's
default (set once), Refresh opt-in paths over HTTP, the path "Action Network sync" as the default
web path while none is chosen, and Activate on first setup only (a person's Deactivate survives).
Then one pull and one push run, as two runs limited to one stream each, one after the other (as
the pair's two schedules run them). The pull: Ana Alvarez's number already has a profile (matched
by phone, given her Action Network id; subscribed already, so no second Welcome), Eve and Hal get
subscribed profiles with the Welcome of "Action Network sync", Ben (not opted in) and Finn (his
phone unsubscribed in Action Network) profiles without a subscription, Cara (no phone) is skipped.
The push: Maya's JOIN becomes an Action Network person, Sam's (no email) is skipped, Lee's STOP
sets his `mobile_opt_in` false; the pull's own subscriptions come back as unchanged.

The pair is activated as of the moment the demo began, not of the call: the first push reads the
opt-ins and opt-outs since activation, and the Mobile Commons demo's JOINs and STOP happen when its
file is loaded, a moment before. As with Ascend's `synced_at`, it stands for "activated before
these people texted in". Whole seconds, as Mobile Commons writes its times.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.utils import timezone

from integrations import anmc_services, ascend_services, pdi_services
from integrations.connectors.errors import ConnectorError
from integrations.mirror.refresh import ensure_mirror_integration
from integrations.models import (
    ActionKitConfig,
    ActionKitConnection,
    AscendConfig,
    AscendEvent,
    Automation,
    AutomationFiring,
    FieldRule,
    Integration,
    IntegrationKind,
    Membership,
    MirrorFanOut,
    Organization,
    PdiCalendarMapping,
    PdiEnvironment,
    SyncItem,
    SyncRun,
)
from integrations.models.anmc import PULL_STREAM, PUSH_STREAM, AnMcConfig
from integrations.models.ascend import CUSTOM_PREFIX, Activity, SyncOption
from integrations.models.pdi import event_type_label
from integrations.reporting import run_summary
from integrations.services import ensure_schedule, replay_mirror, trigger_sync
from mobilize_sync.celery import app as celery_app

DEMO_ORG_ID = 1001
DEMO_API_KEY = "demo-mobilize-key"
DEMO_LOGINS = (("admin", "mobilize-admin", True), ("staff", "mobilize-staff", False))
DEMO_ACTIONKIT_USER = ("demo-api", "demo-actionkit-password")
# (integration name, kind, ActionKit campaign, its event-create page, its signup page)
DEMO_ACTIONKIT = (
    ("ActionKit CRM", IntegrationKind.ACTIONKIT_CRM, "mobilize-crm", "mobilize-crm-host", "mobilize-crm-signup"),
    ("ActionKit distributed send", IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND, "mobilize-ds", "mobilize-ds-host", ""),
)
DEMO_PDI_NAME = "PDI"
DEMO_PDI_FIXTURE = ("sandbox", "pdi", "fixtures", "demo.json")
# The API user of the PDI sandbox's demo account (DEMO_PDI_FIXTURE): username, password, API token.
DEMO_PDI_USER = ("mobilize-sync", "sandbox-password", "sandbox-api-token")
# Mobilize event type -> the sandbox's PDI calendar. Every other type stays unmapped; the demo's
# Mobilize data has one of them on purpose (FUNDRAISER), skipped with that reason in the run.
DEMO_PDI_CALENDARS = {
    "CANVASS": "Canvassing",
    "PHONE_BANK": "Phone and text banking",
    "TEXT_BANK": "Phone and text banking",
    "MEETING": "Meetings and trainings",
    "HOUSE_PARTY": "Community events",
    "TOWN_HALL": "Community events",
    "VOTER_REG": "Community events",
}
DEMO_PDI_UNMAPPED = "FUNDRAISER"
DEMO_ASCEND_NAME = "Ascend SMS"
DEMO_ASCEND_FIXTURE = ("sandbox", "ascend", "fixtures", "demo.json")
# The API key of the Ascend sandbox's demo account (DEMO_ASCEND_FIXTURE).
DEMO_ASCEND_API_KEY = "sandbox-ascend-key"
# The Mobilize demo's events the demo syncs to Ascend: the kickoff canvass (Elena Kim, an existing
# member; Dev Okafor, unsubscribed in Ascend; and signups without a phone or an SMS opt-in) and the
# voter registration drive (three opted-in volunteers with phones, new to Ascend).
DEMO_ASCEND_EVENTS = (10001, 10008)
# One field rule of each kind; last name keeps its default (Populate).
DEMO_ASCEND_RULES = {"first_name": SyncOption.POPULATE, "email": SyncOption.OVERWRITE, "zip": SyncOption.IGNORE}
# The Mobilize demo's custom signup field (the kickoff's form asks it) -> the Ascend member field.
DEMO_ASCEND_CUSTOM_FIELDS = {"tshirt_size": "tshirt_size"}
# (automation name, Mobilize event, activity, its flows by name: two make an A/B test)
DEMO_ASCEND_AUTOMATIONS = (
    ("Welcome", 10001, Activity.REGISTERS, ("Welcome to the event",)),
    ("Sorry", 10001, Activity.CANCELS, ("Sorry you can't make it",)),
    ("Reminder A/B", 10008, Activity.REGISTERS, ("Reminder A", "Reminder B")),
)
DEMO_ANMC_NAME = "Action Network <-> Mobile Commons"
DEMO_ACTIONNETWORK_FIXTURE = ("sandbox", "actionnetwork", "fixtures", "demo.json")
DEMO_MOBILECOMMONS_FIXTURE = ("sandbox", "mobilecommons", "fixtures", "demo.json")
# The credentials of the two sandboxes' demo accounts (the fixtures above): the Action Network
# group's OSDI API token; the Mobile Commons login and password (no company key).
DEMO_ACTIONNETWORK_TOKEN = "sandbox-actionnetwork-token"
DEMO_MOBILECOMMONS_USER = ("mc@example.org", "mc-sandbox-password")
# The Action Network demo group's checkbox field of a Mobile Commons subscriber.
DEMO_OPT_IN_FIELD = "mobile_opt_in"
# The Mobile Commons demo's web opt-in path the pull subscribes new numbers through.
DEMO_OPT_IN_PATH = "Action Network sync"
# How many of a run's skipped items the demo prints (the run page lists them all).
SHOWN_SKIPS = 5
# How many of a run's created, updated and matched items the demo prints.
SHOWN_WRITES = 10


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        return


@contextmanager
def serving(host: str, port: int):
    """Serve this project on host:port for the duration, unless something already listens there."""
    with socket.socket() as probe:
        busy = probe.connect_ex((host, port)) == 0
    if busy:
        yield
        return
    server = ThreadedWSGIServer((host, port), QuietHandler, allow_reuse_address=True)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


class Command(BaseCommand):
    help = "Seed a demo organization whose Mobilize is the built-in sandbox, and sync it once."

    def add_arguments(self, parser):
        parser.add_argument("--address", default="127.0.0.1:8000", help="Where the admin and sandbox are served")
        parser.add_argument(
            "--wait", type=float, default=300.0, help="Seconds to wait for the worker to finish the demo's runs"
        )

    def handle(self, *args, address: str, wait: float, **options):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The demo needs the sandbox: run it with DJANGO_DEBUG=1 (make run does).")
        from sandbox.ascend.loader import load_file as load_ascend_file
        from sandbox.mobilize.loader import load_file
        from sandbox.pdi.loader import load_file as load_pdi_file

        host, _, port = address.rpartition(":")
        sandbox_url = f"http://{address}/sandbox"
        # Before the Mobile Commons demo is loaded: the pair counts as activated then (module docstring).
        began = timezone.now().replace(microsecond=0)
        self.stdout.write(load_file(Path(settings.BASE_DIR) / "sandbox" / "fixtures" / "mobilize_demo.json"))
        self.stdout.write(load_pdi_file(Path(settings.BASE_DIR).joinpath(*DEMO_PDI_FIXTURE)))
        self.stdout.write(load_ascend_file(Path(settings.BASE_DIR).joinpath(*DEMO_ASCEND_FIXTURE)))
        self._load_anmc_sandboxes()

        organization, _ = Organization.objects.update_or_create(
            mobilize_id=DEMO_ORG_ID,
            defaults={
                "name": "Demo Campaign",
                "mobilize_base_url": f"{sandbox_url}/mobilize/v1",
                "mobilize_api_key": DEMO_API_KEY,
            },
        )
        self._logins(organization)
        mirror = ensure_mirror_integration(organization)
        integrations = self._integrations(organization, f"{sandbox_url}/actionkit")
        pdi = self._pdi(organization, f"{sandbox_url}/pdi")
        ascend = self._ascend(organization, f"{sandbox_url}/ascend")
        anmc = self._anmc(organization, sandbox_url)

        self._require_worker()  # before asking the sandboxes anything
        # `make run` raises ACTIONKIT_*_RATE and PDI_*_RATE for the local sandboxes (see the Makefile).
        with serving(host, int(port)):
            # Before any run is queued, so the PDI and Ascend runs see the mapping and the setup.
            self._map_pdi_calendars(pdi)
            self._set_up_ascend(ascend)
            self._set_up_anmc(anmc, activated_at=began)
            for run in self._sync_mirror_then(mirror, [*integrations, pdi, ascend], wait):
                self.stdout.write(run_summary(run))
                if run.integration_id == pdi.pk and (skipped := self._skipped(run)):
                    self.stdout.write(skipped)
                if run.integration_id == ascend.pk:
                    # The members' skips are the telling ones (no phone, no opt-in, unsubscribed);
                    # the unsynced events' rows come after them.
                    if skipped := self._skipped(run, first_stream="members"):
                        self.stdout.write(skipped)
                    self.stdout.write(self._ascend_starts(ascend))
            for run in self._sync_pair(anmc, wait):
                self.stdout.write(run_summary(run))
                if written := self._written(run):
                    self.stdout.write(written)
                if skipped := self._skipped(run):
                    self.stdout.write(skipped)
            self.stdout.write(self._anmc_outcome())

        self.stdout.write(
            self.style.SUCCESS(f"\nAdmin: http://{address}/admin/")
            + "\n"
            + "\n".join(
                f"  login {username!r} / password {password!r}"
                + (" (superuser)" if superuser else f" (staff of {organization.name})")
                for username, password, superuser in DEMO_LOGINS
            )
        )

    def _sync_mirror_then(self, mirror: Integration, integrations: list[Integration], wait: float) -> list[SyncRun]:
        """Refresh the mirror and wait for it; then run the other integrations and wait for them.

        The integrations a changed mirror fanned out to are already queued (or running): their
        fan-out runs are the ones waited for, not queued twice.
        """
        deadline = time.monotonic() + wait
        since = timezone.now()
        before = {
            integration.pk: SyncRun.objects.filter(integration=integration)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
            or 0
            for integration in [mirror, *integrations]
        }
        trigger_sync(mirror, trigger=SyncRun.Trigger.COMMAND)
        self.stdout.write("Queued a refresh of the organization's Mobilize mirror; waiting for the worker.")
        runs = self._wait([mirror], before, deadline)

        fanned_out = set(
            MirrorFanOut.objects.filter(integration__in=integrations, queued_at__gte=since).values_list("pk", flat=True)
        )
        queued = 0
        for integration in integrations:
            started = SyncRun.objects.filter(integration=integration, pk__gt=before[integration.pk]).exists()
            if integration.pk not in fanned_out and not started:
                trigger_sync(integration, trigger=SyncRun.Trigger.COMMAND)
                queued += 1
        self.stdout.write(
            f"The mirror's changes queued {len(integrations) - queued} of the {len(integrations)} other demo "
            f"integrations; queued {queued} more; waiting for the worker."
        )
        return runs + self._wait(integrations, before, deadline)

    def _sync_pair(self, integration: Integration, wait: float) -> list[SyncRun]:
        """One pull, then one push of the pair: two runs, each limited to its stream, the push queued once
        the pull finished (as the pair's two schedules run them, never both at once)."""
        deadline = time.monotonic() + wait
        runs = []
        for stream in (PULL_STREAM, PUSH_STREAM):
            before = {
                integration.pk: SyncRun.objects.filter(integration=integration)
                .order_by("-pk")
                .values_list("pk", flat=True)
                .first()
                or 0
            }
            trigger_sync(integration, trigger=SyncRun.Trigger.COMMAND, stream_names=[stream])
            self.stdout.write(f"Queued {integration.name}: {stream}; waiting for the worker.")
            runs += self._wait([integration], before, deadline)
        return runs

    def _require_worker(self) -> None:
        """Stop with a readable error when no Celery worker would run the demo's syncs (eager tasks need none)."""
        if not settings.CELERY_TASK_ALWAYS_EAGER and not celery_app.control.ping(timeout=3.0):
            raise CommandError(
                "No Celery worker answers, so nothing would run the demo's syncs: run `make run` "
                "(or `manage.py run_embedded --demo`), which starts one, or start `celery -A mobilize_sync worker`."
            )

    def _wait(self, integrations: list[Integration], before: dict[int, int], deadline: float) -> list[SyncRun]:
        """The first run of each integration after `before` to finish, waiting for the worker up to `deadline`."""
        finished: dict[int, SyncRun] = {}
        while True:
            for integration in integrations:
                if integration.pk not in finished:
                    # A run skipped because another run of it held the lock (the fan-out's and ours
                    # crossing) is not the answer: the holder's run is, once it finishes.
                    run = (
                        SyncRun.objects.filter(integration=integration, pk__gt=before[integration.pk])
                        .exclude(status__in=[SyncRun.Status.RUNNING, SyncRun.Status.SKIPPED])
                        .order_by("pk")
                        .first()
                    )
                    if run is not None:
                        finished[integration.pk] = run
            if len(finished) == len(integrations):
                return [finished[integration.pk] for integration in integrations]
            if time.monotonic() >= deadline:
                missing = ", ".join(i.name for i in integrations if i.pk not in finished)
                raise CommandError(
                    f"The worker did not finish {missing} in time; its log says why "
                    f"(make run: {Path(settings.VAR_DIR) / 'log' / 'worker.log'})."
                )
            time.sleep(0.25)

    def _logins(self, organization: Organization) -> None:
        for username, password, superuser in DEMO_LOGINS:
            user, _ = get_user_model().objects.get_or_create(username=username)
            user.is_staff, user.is_superuser = True, superuser
            user.set_password(password)
            user.save()
            if not superuser:
                Membership.objects.update_or_create(
                    user=user, organization=organization, defaults={"role": Membership.Role.ADMIN}
                )

    def _integrations(self, organization: Organization, actionkit_url: str) -> list[Integration]:
        from sandbox.actionkit.setup import ensure_api_user, ensure_campaign

        integrations = []
        username, password = DEMO_ACTIONKIT_USER
        ensure_api_user(username, password)
        connection, _ = ActionKitConnection.objects.update_or_create(
            organization=organization,
            name="Demo ActionKit (sandbox)",
            defaults={"base_url": actionkit_url, "username": username, "password": password},
        )
        for name, kind, campaign_name, create_page, signup_page in DEMO_ACTIONKIT:
            campaign = ensure_campaign(campaign_name, create_page, signup_page or None)
            integration, _ = Integration.objects.get_or_create(
                organization=organization, name=name, defaults={"kind": kind}
            )
            ActionKitConfig.objects.update_or_create(
                integration=integration,
                defaults={
                    "connection": connection,
                    "campaign_id": campaign.pk,
                    "event_create_page": create_page,
                    "event_signup_page": signup_page,
                },
            )
            integrations.append(integration)
        for integration in integrations:
            ensure_schedule(integration)
        return integrations

    def _pdi(self, organization: Organization, pdi_url: str) -> Integration:
        """The demo's PDI integration on the PDI sandbox's demo account (its calendars are read later)."""
        integration, _ = Integration.objects.get_or_create(
            organization=organization, name=DEMO_PDI_NAME, defaults={"kind": IntegrationKind.PDI}
        )
        config = pdi_services.ensure_config(integration)
        config.username, config.password, config.api_token = DEMO_PDI_USER
        config.environment = PdiEnvironment.CUSTOM
        config.base_url = pdi_url
        config.save()
        # The same safety-net schedule as the others; it follows the mirror (Integration.follows_mirror).
        ensure_schedule(integration)
        return integration

    def _map_pdi_calendars(self, integration: Integration) -> None:
        """Refresh the PDI integration's calendars from the sandbox; map the demo's types if nobody has mapped any."""
        config = integration.pdi
        try:
            result = pdi_services.refresh_calendars(config)
        except (ConnectorError, ValueError) as exc:
            reason = pdi_services.readable_error(exc, *pdi_services.config_secrets(config))
            raise CommandError(f"The demo could not read the PDI sandbox's calendars: {reason}") from None
        self.stdout.write(f"PDI: Refresh calendars: {result.summary()}")

        mapped = config.calendar_mappings.filter(calendar__isnull=False).count()
        if mapped or config.default_calendar_id:
            self.stdout.write(
                f"PDI: the calendar mapping is kept as it is ({mapped} event types mapped); the demo maps its "
                "types only while none is."
            )
            return
        calendars = {calendar.name: calendar for calendar in config.calendars.all()}
        missing = sorted(set(DEMO_PDI_CALENDARS.values()) - set(calendars))
        if missing:
            raise CommandError(f"The PDI sandbox has no calendar named {', '.join(missing)}: the demo cannot map them.")
        for event_type, name in DEMO_PDI_CALENDARS.items():
            PdiCalendarMapping.objects.update_or_create(
                config=config, event_type=event_type, defaults={"calendar": calendars[name]}
            )
        # As the admin does on a saved mapping: a run that read the mirror before (and skipped
        # every event as unmapped) reads it again.
        replay_mirror(integration)
        self.stdout.write(
            f"PDI: mapped {len(DEMO_PDI_CALENDARS)} Mobilize event types to the sandbox's calendars; "
            f"{event_type_label(DEMO_PDI_UNMAPPED)} ({DEMO_PDI_UNMAPPED}) is left unmapped on purpose: "
            "its events are skipped with that reason."
        )

    def _skipped(self, run: SyncRun, *, first_stream: str = "") -> str:
        """The first skipped items of a run, with their reasons (the run page lists them all); "" if none.

        With `first_stream`, that stream's skipped items come first.
        """
        skipped = run.items.filter(action=SyncItem.Action.SKIPPED).order_by("pk")
        count = skipped.count()
        if not count:
            return ""
        shown = list(skipped.filter(stream=first_stream)[:SHOWN_SKIPS]) if first_stream else []
        if len(shown) < SHOWN_SKIPS:
            shown += list(skipped.exclude(stream=first_stream)[: SHOWN_SKIPS - len(shown)])
        lines = [f"  skipped {item.stream} {item.source_id} {item.label}: {item.error}" for item in shown]
        if count > SHOWN_SKIPS:
            lines.append(f"  ... and {count - SHOWN_SKIPS} more skipped items on the run's page")
        return "\n".join(lines)

    def _ascend(self, organization: Organization, ascend_url: str) -> Integration:
        """The demo's Ascend integration on the Ascend sandbox's demo account (its flows are read later)."""
        integration, _ = Integration.objects.get_or_create(
            organization=organization, name=DEMO_ASCEND_NAME, defaults={"kind": IntegrationKind.ASCEND}
        )
        first = not AscendConfig.objects.filter(integration=integration).exists()
        config = ascend_services.ensure_config(integration)
        config.base_url, config.api_key = ascend_url, DEMO_ASCEND_API_KEY
        if first:
            # The toggles are a person's choice once the settings exist: set only when they are made.
            config.sync_accounts, config.create_new_members, config.sync_new_events = True, True, False
        config.save()
        ensure_schedule(integration)
        return integration

    def _set_up_ascend(self, integration: Integration) -> None:
        """Refresh the Ascend flows from the sandbox; set up the demo's events, rules and automations if none is."""
        from sandbox.mobilize.models import Attendance
        from sandbox.mobilize.models import Event as MobilizeEvent

        config = integration.ascend
        try:
            flows = ascend_services.refresh_flows(config)
        except (ConnectorError, ValueError) as exc:
            reason = ascend_services.readable_error(exc, *ascend_services.config_secrets(config))
            raise CommandError(f"The demo could not read the Ascend sandbox's flows: {reason}") from None
        self.stdout.write(f"Ascend: Refresh flows: {len(flows)} flows ({', '.join(f['name'] for f in flows)}).")

        synced = config.events.filter(synced=True).count()
        if synced or config.automations.exists():
            self.stdout.write(
                f"Ascend: the synced events, field rules and automations are kept as they are ({synced} events "
                "synced); the demo sets them up only while no event is synced and no automation exists."
            )
            return
        flow_ids = {row["name"]: row["id"] for row in flows}
        missing = sorted({name for *_, names in DEMO_ASCEND_AUTOMATIONS for name in names} - set(flow_ids))
        if missing:
            raise CommandError(f"The Ascend sandbox has no flow named {', '.join(missing)}: the demo cannot use them.")
        titles = dict(MobilizeEvent.objects.filter(pk__in=DEMO_ASCEND_EVENTS).values_list("pk", "title"))
        if len(titles) != len(DEMO_ASCEND_EVENTS):
            raise CommandError(
                "The Mobilize sandbox lacks the demo's events: load sandbox/fixtures/mobilize_demo.json."
            )
        # "Synced when they were created": see the module's docstring.
        earliest = min(
            Attendance.objects.filter(event_id__in=DEMO_ASCEND_EVENTS).values_list("created_date", flat=True)
        )
        synced_at = datetime.fromtimestamp(earliest, tz=UTC)
        events = {}
        for mobilize_id in DEMO_ASCEND_EVENTS:
            row, _ = AscendEvent.objects.get_or_create(
                config=config, mobilize_event_id=mobilize_id, defaults={"title": titles[mobilize_id][:500]}
            )
            row.synced, row.synced_at = True, synced_at
            row.save(update_fields=["synced", "synced_at"])
            events[mobilize_id] = row
        for field, option in DEMO_ASCEND_RULES.items():
            FieldRule.objects.filter(config=config, is_default=True, mobilize_field=field).update(sync=option)
        for name, ascend_field in DEMO_ASCEND_CUSTOM_FIELDS.items():
            FieldRule.objects.update_or_create(
                config=config,
                mobilize_field=f"{CUSTOM_PREFIX}{name}",
                defaults={"ascend_field": ascend_field, "sync": SyncOption.POPULATE},
            )
        for name, mobilize_id, activity, flow_names in DEMO_ASCEND_AUTOMATIONS:
            automation = Automation(
                config=config,
                name=name,
                event=events[mobilize_id],
                activity=activity,
                flow_ids=[flow_ids[flow] for flow in flow_names],
            )
            automation.full_clean()
            automation.save()
        # As syncing an event on the Events tab does: a run that read the mirror before reads it again.
        replay_mirror(integration)
        self.stdout.write(
            f"Ascend: synced events {', '.join(map(str, DEMO_ASCEND_EVENTS))} (as of their first signup), set "
            "first name to Populate, email to Overwrite, zip to Ignore, mapped tshirt_size, and added the "
            f"automations {', '.join(name for name, *_ in DEMO_ASCEND_AUTOMATIONS)}."
        )

    def _ascend_starts(self, integration: Integration) -> str:
        """Which flow each automation has started, for how many members (every run so far)."""
        names = ascend_services.flow_names(integration.ascend)
        parts = []
        for automation in integration.ascend.automations.order_by("pk"):
            started = automation.firings.filter(state=AutomationFiring.State.STARTED)
            counts = [(flow, started.filter(flow_id=str(flow)).count()) for flow in automation.flow_ids]
            text = ", ".join(f'"{names.get(str(flow), flow)}" to {count}' for flow, count in counts)
            parts.append(f"{automation.name}: {text}")
        return "  Ascend flows started so far: " + "; ".join(parts)

    def _written(self, run: SyncRun) -> str:
        """What a run created, updated and matched, one line each (the run page lists them all); "" if nothing."""
        actions = [SyncItem.Action.CREATED, SyncItem.Action.UPDATED, SyncItem.Action.MATCHED]
        written = run.items.filter(action__in=actions).order_by("pk")
        count = written.count()
        lines = [
            f"  {item.action} {item.stream} {item.label or item.source_id} -> {item.destination_type} "
            f"{item.destination_id}"
            for item in written[:SHOWN_WRITES]
        ]
        if count > SHOWN_WRITES:
            lines.append(f"  ... and {count - SHOWN_WRITES} more on the run's page")
        return "\n".join(lines)

    def _load_anmc_sandboxes(self) -> None:
        """Load the Action Network and Mobile Commons demo accounts, each only while its sandbox lacks it.

        Loaded again, the Action Network group would get back what the push changed (its file sets
        every field it lists), and the syncs would then disagree with their own earlier runs.
        """
        from sandbox.actionnetwork.loader import load_file as load_actionnetwork_file
        from sandbox.actionnetwork.models import Account as ActionNetworkAccount
        from sandbox.actionnetwork.models import token_digest
        from sandbox.mobilecommons.loader import load_file as load_mobilecommons_file
        from sandbox.mobilecommons.models import Account as MobileCommonsAccount

        login, _ = DEMO_MOBILECOMMONS_USER
        for system, exists, load, fixture in (
            (
                "Action Network",
                ActionNetworkAccount.objects.filter(token_digest=token_digest(DEMO_ACTIONNETWORK_TOKEN)).exists(),
                load_actionnetwork_file,
                DEMO_ACTIONNETWORK_FIXTURE,
            ),
            (
                "Mobile Commons",
                MobileCommonsAccount.objects.filter(login__iexact=login, company_key="").exists(),
                load_mobilecommons_file,
                DEMO_MOBILECOMMONS_FIXTURE,
            ),
        ):
            if exists:
                self.stdout.write(
                    f"{system} sandbox: the demo account is kept as the syncs left it (loaded by an earlier run)."
                )
            else:
                self.stdout.write(load(Path(settings.BASE_DIR).joinpath(*fixture)))

    def _anmc(self, organization: Organization, sandbox_url: str) -> Integration:
        """The demo's Action Network <-> Mobile Commons pair on the two sandboxes' demo accounts (not yet active)."""
        integration, _ = Integration.objects.get_or_create(
            organization=organization,
            name=DEMO_ANMC_NAME,
            defaults={"kind": IntegrationKind.ACTIONNETWORK_MOBILECOMMONS},
        )
        config = anmc_services.ensure_config(integration)
        # The sandboxes' addresses and credentials: set on every run (the address may differ).
        config.an_base_url = f"{sandbox_url}/actionnetwork/api/v2/"
        config.an_api_token = DEMO_ACTIONNETWORK_TOKEN
        config.mc_base_url = f"{sandbox_url}/mobilecommons/api/"
        config.mc_login, config.mc_password = DEMO_MOBILECOMMONS_USER
        config.mc_company_key = ""
        if not config.opt_in_field:
            # A person's choice once made: set only while the field is empty (the source code keeps its default).
            config.opt_in_field = DEMO_OPT_IN_FIELD
        config.save()
        # The pair's two schedules are its own (Activate writes them): no integration schedule.
        return integration

    def _set_up_anmc(self, integration: Integration, *, activated_at: datetime) -> None:
        """Refresh the opt-in paths from the sandbox; choose the default path while none is; activate on first setup."""
        config = AnMcConfig.objects.select_related("integration__organization").get(integration=integration)
        try:
            sentences = anmc_services.refresh_opt_in_paths(config)
        except (ConnectorError, ValueError) as exc:
            reason = anmc_services.readable_error(exc, *anmc_services.config_secrets(config))
            raise CommandError(f"The demo could not read the Mobile Commons sandbox's opt-in paths: {reason}") from None
        self.stdout.write(f"{integration.name}: Refresh opt-in paths: {' '.join(sentences)}")
        config.refresh_from_db()
        if config.default_opt_in_path is None:
            path = config.opt_in_paths.filter(name=DEMO_OPT_IN_PATH).first()
            if path is None:
                raise CommandError(
                    f"The Mobile Commons sandbox has no opt-in path named {DEMO_OPT_IN_PATH}: the demo cannot "
                    "make it the default."
                )
            config.default_opt_in_path = path
            config.save(update_fields=["default_opt_in_path"])
            self.stdout.write(f"{integration.name}: the default web opt-in path is {path}.")
        if config.activated_at is not None:
            state = "active" if config.active else "inactive"
            self.stdout.write(
                f"{integration.name}: kept {state} as it is (activated {config.activated_at:%Y-%m-%d %H:%M} UTC); "
                "the demo activates it on first setup only."
            )
            return
        try:
            sentence = anmc_services.activate(config, now=activated_at)
        except ValueError as exc:
            raise CommandError(f"The demo could not activate {integration.name}: {exc}") from None
        self.stdout.write(f"{integration.name}: {sentence}")

    def _anmc_outcome(self) -> str:
        """What the pair's runs so far left in the sandboxes: the Welcomes sent, Action Network's opted-out people."""
        from sandbox.actionnetwork.models import Account as ActionNetworkAccount
        from sandbox.actionnetwork.models import token_digest
        from sandbox.mobilecommons.models import Account as MobileCommonsAccount
        from sandbox.mobilecommons.setup import welcomes

        login, _ = DEMO_MOBILECOMMONS_USER
        company = MobileCommonsAccount.objects.get(login__iexact=login, company_key="")
        group = ActionNetworkAccount.objects.get(token_digest=token_digest(DEMO_ACTIONNETWORK_TOKEN))
        sent = [f"{welcome.phone} ({welcome.opt_in_path.name})" for welcome in welcomes(company)]
        opted_out = [
            f"{person.given_name} {person.family_name}".strip()
            for person in group.people.order_by("pk")
            if str(person.custom_fields.get(DEMO_OPT_IN_FIELD, "")).lower() == "false"
            and person.phone_status == "unsubscribed"
        ]
        return (
            f"  Mobile Commons Welcome messages so far: {len(sent)}: {', '.join(sent) or 'none'}\n"
            f"  Action Network: {group.people.count()} people; {DEMO_OPT_IN_FIELD} false and the phone "
            f"unsubscribed: {', '.join(opted_out) or 'nobody'}"
        )
