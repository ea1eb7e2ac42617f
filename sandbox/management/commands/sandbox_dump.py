"""`manage.py sandbox_dump SYSTEM`: print what an emulated system holds, as JSON its loader reads."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from ._systems import system_module


class Command(BaseCommand):
    help = "Print an emulated system's data as JSON: calls sandbox.<SYSTEM>.dump.dump()."

    def add_arguments(self, parser):
        parser.add_argument("system", help="The emulated system, e.g. mobilize or actionkit")
        parser.add_argument("--indent", type=int, default=2, help="JSON indentation (0: one line)")

    def handle(self, *args, system: str, indent: int, **options):
        data = system_module(system, "dump").dump()
        self.stdout.write(json.dumps(data, indent=indent or None, ensure_ascii=False, sort_keys=False))
