"""`manage.py sandbox_load SYSTEM FILE`: load an emulated system's data file (e.g. mobilize demo data)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ._systems import system_module


class Command(BaseCommand):
    help = "Load a data file into an emulated system: calls sandbox.<SYSTEM>.loader.load_file(FILE)."

    def add_arguments(self, parser):
        parser.add_argument("system", help="The emulated system, e.g. mobilize or actionkit")
        parser.add_argument("file", help="A JSON file in that system's sandbox format")

    def handle(self, *args, system: str, file: str, **options):
        loader = system_module(system, "loader")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path} does not exist or is not a file.")
        try:
            summary = loader.load_file(path)
        except ValueError as exc:  # the loaders' LoadError is a ValueError with a readable sentence
            raise CommandError(f"Could not load {path}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(str(summary)))
