"""`manage.py run_embedded`: the embedded default as production runs it, on one machine with no services.

Starts the web server, a Celery worker and Celery beat (schedules from the database) as child
processes, each logging to its own file, and optionally the demo once they are up. The broker is
a local folder (mobilize_sync/broker.py) and the database SQLite, so nothing needs installing.
Ctrl-C (or SIGTERM, or closing the terminal) stops all of them; a child that dies stops the rest.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

WORKER_READY = " ready."  # Celery logs "celery@host ready." once it consumes
STOP_GRACE_SECONDS = 15.0


@dataclass
class Child:
    """One supervised process and where it logs."""

    name: str
    argv: list[str]
    log: Path
    process: subprocess.Popen | None = None

    def tail(self, lines: int = 15) -> str:
        """The last lines of its log, to show why it stopped."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _shown(path: Path) -> str:
    """A path as short as it reads: relative to the current directory when inside it (var/log/web.log)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM if the supervisor itself dies (Linux), so even a
    killed supervisor leaves no orphans."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop_signal(signum, frame):
    # Ctrl-C, SIGTERM and closing the terminal (SIGHUP) all stop everything the same way.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat together (the embedded default); Ctrl-C stops all."

    def add_arguments(self, parser):
        parser.add_argument("--address", default="127.0.0.1:8000", help="host:port of the web server")
        parser.add_argument("--demo", action="store_true", help="Once all run, seed the demo and sync it")
        parser.add_argument("--log-dir", default=None, help="Where the logs go (default: VAR_DIR/log)")
        parser.add_argument("--concurrency", type=int, default=4, help="Worker threads")
        parser.add_argument("--noreload", action="store_true", help="Do not restart the web server on code changes")
        parser.add_argument("--startup-timeout", type=float, default=60.0, help="Seconds to wait for web and worker")

    def handle(self, *args, address: str, demo: bool, log_dir: str | None, concurrency: int, **options):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("CELERY_TASK_ALWAYS_EAGER is on: tasks would run in the web server, not the worker.")
        if settings.CELERY_BROKER_URL.startswith("memory://"):
            raise CommandError("CELERY_BROKER_URL is memory://, which no other process can read.")
        host, _, port = address.rpartition(":")
        logs = Path(log_dir) if log_dir else Path(settings.VAR_DIR) / "log"
        logs.mkdir(parents=True, exist_ok=True)
        children = self._children(address, logs, concurrency, options["noreload"])

        # SIGINT too: a shell that starts us in the background ignores it, and Python then leaves it
        # ignored, so Ctrl-C sent to the group would stop nothing.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _stop_signal)
        try:
            for child in children:
                self._start(child)
            self.stdout.write(
                f"Starting web, worker and beat (pids {', '.join(str(c.process.pid) for c in children)})..."
            )
            self._wait_until_up(children, host, int(port), options["startup_timeout"])
            if demo:
                call_command("demo", address=address, stdout=self.stdout, stderr=self.stderr)
            self._banner(children, address, concurrency)
            self._watch(children)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping web, worker and beat...")
        finally:
            self._stop(children)
        self.stdout.write("Stopped.")

    def _children(self, address: str, logs: Path, concurrency: int, noreload: bool) -> list[Child]:
        python, manage = sys.executable, str(Path(settings.BASE_DIR) / "manage.py")
        celery = [python, "-m", "celery", "-A", "mobilize_sync"]
        web = [python, manage, "runserver", address] + (["--noreload"] if noreload else [])
        return [
            Child("web", web, logs / "web.log"),
            Child(
                "worker",
                [
                    *celery,
                    "worker",
                    # Threads, not processes: the in-process rate limiter (no Redis) is then one for
                    # every run, so all syncs together stay inside Mobilize's 15 GET/s.
                    "--pool=threads",
                    f"--concurrency={concurrency}",
                    # Gossip, mingle and heartbeats talk to other workers: there are none, and each
                    # would be a stream of message files.
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    f"--hostname=embedded-{os.getpid()}@%h",
                    "--loglevel=INFO",
                ],
                logs / "worker.log",
            ),
            Child(
                "beat",
                [
                    *celery,
                    "beat",
                    "--scheduler=django_celery_beat.schedulers:DatabaseScheduler",
                    # No pid file: a stale one left by a killed run would stop the next start.
                    "--pidfile=",
                    "--loglevel=INFO",
                ],
                logs / "beat.log",
            ),
        ]

    def _start(self, child: Child) -> None:
        # Its own session: Ctrl-C reaches only this supervisor, which stops the children in order
        # (a worker that got the terminal's SIGINT too would skip its warm shutdown).
        with child.log.open("w") as log:
            # Our own interpreter with fixed arguments: no untrusted input reaches the command line.
            child.process = subprocess.Popen(  # noqa: S603
                child.argv,
                cwd=settings.BASE_DIR,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Safe here: children are started from the main thread before any other starts.
                preexec_fn=_die_with_parent,
            )

    def _check_alive(self, children: list[Child]) -> None:
        for child in children:
            code = child.process.poll()
            if code is not None:
                raise CommandError(
                    f"The {child.name} stopped (exit code {code}); the end of {child.log}:\n{child.tail()}"
                )

    def _wait_until_up(self, children: list[Child], host: str, port: int, timeout: float) -> None:
        """Until the web server answers and the worker consumes; a child that dies fails the start."""
        deadline = time.monotonic() + timeout
        web_up = worker_up = False
        worker = next(child for child in children if child.name == "worker")
        while not (web_up and worker_up):
            self._check_alive(children)
            if time.monotonic() > deadline:
                waiting = " and ".join(name for name, up in (("web", web_up), ("worker", worker_up)) if not up)
                raise CommandError(f"The {waiting} did not start within {timeout:g} s; see {worker.log.parent}/.")
            if not web_up:
                with socket.socket() as probe:
                    web_up = probe.connect_ex((host, port)) == 0
            if not worker_up:
                worker_up = WORKER_READY in worker.tail(lines=200)
            time.sleep(0.2)

    def _banner(self, children: list[Child], address: str, concurrency: int) -> None:
        logs = {child.name: _shown(child.log) for child in children}
        pids = {child.name: child.process.pid for child in children}
        filesystem = settings.CELERY_BROKER_URL.startswith("filesystem://")
        broker = f"{_shown(Path(settings.BROKER_DIR))}/" if filesystem else "the broker"
        self.stdout.write(
            self.style.SUCCESS("\nRunning (Ctrl-C stops all three):")
            + f"\n  web     http://{address}/admin/  (pid {pids['web']}, log {logs['web']})"
            + f"\n  worker  Celery worker, {concurrency} threads, tasks from {broker}  "
            f"(pid {pids['worker']}, log {logs['worker']})"
            + f"\n  beat    Celery beat, the schedules stored in the database  (pid {pids['beat']}, log {logs['beat']})"
        )

    def _watch(self, children: list[Child]) -> None:
        while True:
            self._check_alive(children)
            time.sleep(0.5)

    def _stop(self, children: list[Child]) -> None:
        """SIGTERM every child's process group (the worker finishes its running tasks), then SIGKILL
        what is left after the grace period or at a second Ctrl-C."""
        running = [child for child in children if child.process is not None]
        for child in running:
            self._signal(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        try:
            for child in running:
                try:
                    child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    self.stdout.write(f"The {child.name} did not stop within {STOP_GRACE_SECONDS:g} s; killing it.")
        except KeyboardInterrupt:
            self.stdout.write("Killing them.")
        for child in running:
            # The whole group: a web server's autoreloader child, anything a child started.
            self._signal(child, signal.SIGKILL)
            child.process.wait()

    @staticmethod
    def _signal(child: Child, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, signum)
