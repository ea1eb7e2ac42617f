"""Run one integration now, in this process, with a progress bar and the run's summary."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from integrations.engine import RunOptions, run_sync
from integrations.models import Integration, SyncRun
from integrations.reporting import run_summary


class Command(BaseCommand):
    help = "Run an integration once (by id or name) and print its summary."

    def add_arguments(self, parser):
        parser.add_argument("integration", help="Integration id, or its name")
        parser.add_argument("--dry-run", action="store_true", help="Record what would be written; write nothing")
        parser.add_argument("--full", action="store_true", help="Full resync: read everything, rewrite everything")
        parser.add_argument("--retry-failed", action="store_true", help="Only retry the queued failures")

    def handle(self, *args, integration: str, dry_run: bool, full: bool, retry_failed: bool, **options):
        candidates = Integration.objects.select_related("organization")
        matches = list(candidates.filter(pk=int(integration))) if integration.isdigit() else []
        if not matches:  # a name, or digits that are no id but a name ("2024")
            matches = list(candidates.filter(name=integration).order_by("pk"))
        if not matches:
            raise CommandError(f"No integration has the id or name {integration!r}.")
        if len(matches) > 1:
            choices = ", ".join(f"{match.pk} ({match.organization.name})" for match in matches)
            raise CommandError(
                f"{len(matches)} integrations are named {integration!r}; give the id of the one to run: {choices}."
            )
        bars: dict[str, tqdm] = {}

        def progress(stream: str, run: SyncRun) -> None:
            bar = bars.get(stream)
            if bar is None:
                for other in bars.values():
                    other.close()
                bar = bars[stream] = tqdm(desc=f"{stream:<16}", unit=" rec", file=self.stderr._out)
            stats = run.streams.get(stream, {})
            bar.update(stats.get("fetched", 0) - bar.n)
            bar.set_postfix(
                created=stats.get("created", 0),
                updated=stats.get("updated", 0),
                failed=stats.get("failed", 0),
            )

        run = run_sync(
            matches[0],
            RunOptions(
                trigger=SyncRun.Trigger.COMMAND,
                dry_run=dry_run,
                full_resync=full,
                retry_only=retry_failed,
                progress=progress,
            ),
        )
        for bar in bars.values():
            bar.close()
        if run is None:
            self.stdout.write("Nothing is waiting for a retry: no run was needed.")
            return
        self.stdout.write(run_summary(run))
        if run.status == SyncRun.Status.FAILED:
            raise CommandError("The run failed; see the messages above.")
