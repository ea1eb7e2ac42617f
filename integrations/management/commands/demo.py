"""`make run`'s setup: a demo organization on the sandbox, its integrations, one sync of each.

The organization's Mobilize mirror is refreshed first (it is what reads Mobilize), then the
other integrations run. The syncs go through the Celery worker, as Sync now does in production
(`make run` starts the worker first; with eager tasks, as in the tests, they run in this
process). A refresh that changed the mirror already queues the other integrations (fan-out);
those are waited for, not queued twice. Idempotent: running it again updates the same demo
objects and syncs incrementally.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.utils import timezone

from integrations.mirror.refresh import ensure_mirror_integration
from integrations.models import (
    ActionKitConfig,
    ActionKitConnection,
    Integration,
    IntegrationKind,
    Membership,
    MirrorFanOut,
    Organization,
    SyncRun,
)
from integrations.reporting import run_summary
from integrations.services import ensure_schedule, trigger_sync
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
        from sandbox.mobilize.loader import load_file

        host, _, port = address.rpartition(":")
        sandbox_url = f"http://{address}/sandbox"
        self.stdout.write(load_file(Path(settings.BASE_DIR) / "sandbox" / "fixtures" / "mobilize_demo.json"))

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

        # `make run` raises ACTIONKIT_*_RATE for the local sandbox (see the Makefile).
        with serving(host, int(port)):
            for run in self._sync_mirror_then(mirror, integrations, wait):
                self.stdout.write(run_summary(run))

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
        if not settings.CELERY_TASK_ALWAYS_EAGER and not celery_app.control.ping(timeout=3.0):
            raise CommandError(
                "No Celery worker answers, so nothing would run the demo's syncs: run `make run` "
                "(or `manage.py run_embedded --demo`), which starts one, or start `celery -A mobilize_sync worker`."
            )
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

    def _wait(self, integrations: list[Integration], before: dict[int, int], deadline: float) -> list[SyncRun]:
        """The first run of each integration after `before` to finish, waiting for the worker up to `deadline`."""
        finished: dict[int, SyncRun] = {}
        while True:
            for integration in integrations:
                if integration.pk not in finished:
                    run = (
                        SyncRun.objects.filter(integration=integration, pk__gt=before[integration.pk])
                        .exclude(status=SyncRun.Status.RUNNING)
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
