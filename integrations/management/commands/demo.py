"""`make run`'s setup: a demo organization on the sandbox, its integrations, one sync of each.

Idempotent: running it again updates the same demo objects and syncs incrementally.
"""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from integrations.engine import RunOptions, run_sync
from integrations.models import (
    ActionKitConfig,
    ActionKitConnection,
    Integration,
    IntegrationKind,
    Membership,
    Organization,
    SyncRun,
)
from integrations.reporting import run_summary
from integrations.services import ensure_schedule

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

    def handle(self, *args, address: str, **options):
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
        integrations = self._integrations(organization, f"{sandbox_url}/actionkit")

        # `make run` raises ACTIONKIT_*_RATE for the local sandbox (see the Makefile).
        with serving(host, int(port)):
            for integration in integrations:
                run = run_sync(integration, RunOptions(trigger=SyncRun.Trigger.COMMAND))
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

        check, _ = Integration.objects.get_or_create(
            organization=organization, name="Mobilize check", defaults={"kind": IntegrationKind.MOBILIZE_CHECK}
        )
        integrations = [check]
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
