"""`manage.py sandbox_generate --events N --attendances M`: a synthetic Mobilize organization."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from sandbox.mobilize.generator import generate


class Command(BaseCommand):
    help = (
        "Generate a synthetic Mobilize organization in the sandbox (deterministic per seed): a coordinated "
        "organization, an independent one and an allied party it promotes, events, people and attendances."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, required=True, help="How many events")
        parser.add_argument("--attendances", type=int, required=True, help="How many attendances")
        parser.add_argument("--people", type=int, default=None, help="How many people (default: attendances / 3)")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (same seed, same data)")
        parser.add_argument("--organization-id", dest="organization_id", type=int, default=4242)
        parser.add_argument("--api-key", dest="api_key", default="sandbox-mobilize-key")
        parser.add_argument("--name", default=None, help="The organization's name")

    def handle(self, *args, events, attendances, people, seed, organization_id, api_key, name, **options):
        started = time.monotonic()
        try:
            summary = generate(
                events=events,
                attendances=attendances,
                people=people,
                seed=seed,
                organization_id=organization_id,
                api_key=api_key,
                name=name,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated Mobilize organization {summary['organization_id']} in {elapsed:.1f}s: "
                f"{summary['events']} events ({summary['timeslots']} timeslots), {summary['people']} people, "
                f"{summary['attendances']} attendances, {summary['deleted_events']} deleted events."
            )
        )
        self.stdout.write(
            f"  keys: {summary['api_key']!r} (org {summary['organization_id']}), "
            f"{summary['independent_api_key']!r} (independent org {summary['independent_organization_id']}), "
            f"{summary['allied_api_key']!r} (allied org {summary['allied_organization_id']})"
        )
