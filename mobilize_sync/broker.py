"""The embedded default's Celery broker: kombu's filesystem transport, made safe for concurrent use.

`make run` has no Redis, so the web server, the worker and beat pass messages through files in
one folder (`var/broker/` by default). kombu's stock filesystem transport has two races that this
subclass closes, both of which a busy worker can hit:

- it creates a message file under its final name and writes it afterwards, so a consumer polling
  at that moment can take an empty file (a JSON error that stops the worker's consumer): here a
  message is written under a hidden name and renamed into place, which is atomic;
- it claims a message by moving it to the system temp folder, which is a copy when /tmp is
  another filesystem, so two consumers could both copy one message: here a consumer claims it by
  renaming it within the same folder, which exactly one consumer wins.

Production uses Redis (REDIS_URL); nothing here is used there.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

# Names starting with a dot are never taken for a message: kombu matches "<stamp>_<uuid>.<queue>.msg"
# by what follows the first dot, and a hidden name's first dot is its first character.
_WRITING = ".writing-"
_CLAIMED = ".claimed-"


class Channel(filesystem.Channel):
    """A filesystem channel whose publish and claim are single renames.

    Its folders default to `<BROKER_DIR>/messages` and `<BROKER_DIR>/control` (settings) and are
    created when missing; CELERY_BROKER_TRANSPORT_OPTIONS may still name others.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for folder in {self.data_folder_in, self.data_folder_out, str(self.control_folder)}:
            os.makedirs(folder, exist_ok=True)

    def _folder(self, option: str, default: str) -> str:
        from django.conf import settings

        return self.transport_options.get(option) or os.path.join(settings.BROKER_DIR, default)

    @cached_property
    def data_folder_in(self):
        return self._folder("data_folder_in", "messages")

    @cached_property
    def data_folder_out(self):
        return self._folder("data_folder_out", "messages")

    @property
    def control_folder(self):
        return Path(self._folder("control_folder", "control"))

    def _put(self, queue, payload, **kwargs):
        """Write the message under a hidden name, then rename it into the queue."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        folder = self.data_folder_out
        hidden = os.path.join(folder, _WRITING + name)
        try:
            with open(hidden, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(hidden, os.path.join(folder, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add a message to {folder!r}") from exc

    def _get(self, queue):
        """Claim the oldest message of `queue` by renaming it; read it and delete it."""
        wanted = f"{queue}.msg"
        folder = self.data_folder_in
        for name in sorted(os.listdir(folder)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(folder, f"{_CLAIMED}{os.getpid()}-{name}")
            try:
                os.rename(os.path.join(folder, name), claimed)
            except FileNotFoundError:
                continue  # another consumer claimed it first
            try:
                with open(claimed, "rb") as file:
                    payload = file.read()
                os.remove(claimed)
            except OSError as exc:
                raise ChannelError(f"Cannot read the message {claimed!r}") from exc
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):
    """kombu's filesystem transport with the channel above (CELERY_BROKER_TRANSPORT points here)."""

    Channel = Channel
    # Sync now waits at most this long for the worker to see it (kombu's default is 1 s).
    polling_interval = 0.5

    @property
    def default_connection_params(self):
        # A folder has no host: without this kombu warns "No hostname was supplied" at every connect.
        return {"port": self.default_port}
