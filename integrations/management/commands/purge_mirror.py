"""manage.py purge_mirror [--days N] [--organization MOBILIZE_ID] [--dry-run]: apply the mirror's retention."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations import services
from integrations.models import Organization


class Command(BaseCommand):
    help = (
        "Remove Mobilize mirror records of events that ended more than N days ago (MIRROR_RETENTION_DAYS), "
        "their attendances, and people no longer referenced."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Retention in days (default: the setting).")
        parser.add_argument("--organization", type=int, default=None, help="Only this Mobilize organization id.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; remove nothing.")

    def handle(self, *args, days: int | None, organization: int | None, dry_run: bool, **options) -> None:
        org = None
        if organization is not None:
            org = Organization.objects.filter(mobilize_id=organization).first()
            if org is None:
                raise CommandError(f"No organization has Mobilize id {organization}.")
        if days is not None and days < 0:
            raise CommandError("--days is a number of days, 0 or more.")
        result = services.purge_mirror(days=days, organization=org, dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        kept = settings.MIRROR_RETENTION_DAYS if days is None else days
        parts = ", ".join(f"{count} {name.replace('_', ' ')}(s)" for name, count in result.removed.items())
        self.stdout.write(f"{verb} {result.total} mirror record(s) past {kept} days: {parts}.")
