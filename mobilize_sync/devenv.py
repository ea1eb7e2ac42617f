"""Write the development `.env` that `make run` leaves behind: `python -m mobilize_sync.devenv [PATH]`.

With it every `manage.py` command works in this checkout without exporting anything: the settings
read BASE_DIR/.env. It holds DJANGO_DEBUG=1 and a SECRET_KEY and FIELD_ENCRYPTION_KEYS generated
for this checkout. An existing file is never touched (it may be a developer's own, or production's
copy of .env.example). No Django here: the settings cannot load before this file exists.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

# The key the settings fell back to before `make run` wrote a .env. Kept as a second (decrypt-only)
# key when a development database already exists, so the credentials stored in it still read.
LEGACY_DEV_KEY = "dGVzdC1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q="


def dev_env_text(keep_legacy_key: bool = False) -> str:
    """The text of a new development .env, with freshly generated secrets."""
    keys = [Fernet.generate_key().decode()] + ([LEGACY_DEV_KEY] if keep_legacy_key else [])
    return (
        "# Written by `make run` for development in this checkout; never commit it, never use it in production\n"
        "# (see .env.example). Delete it to have `make run` write a new one.\n"
        "DJANGO_DEBUG=1\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        "# Comma-separated Fernet keys; the first encrypts, all decrypt.\n"
        f"FIELD_ENCRYPTION_KEYS={','.join(keys)}\n"
    )


def write_dev_env(path: Path) -> bool:
    """Create the development .env at `path` unless a file is there; True when it was written."""
    database = path.parent / "db.sqlite3"
    try:
        # O_EXCL: fails if the file exists, so even two `make run`s at once never overwrite one;
        # readable by its owner only from the start (it holds secrets).
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(dev_env_text(keep_legacy_key=database.exists()))
    return True


def main(argv: list[str]) -> int:
    """Write the file named on the command line (default .env) and say what happened."""
    path = Path(argv[0] if argv else ".env")
    if write_dev_env(path):
        print(f"Wrote {path}: DJANGO_DEBUG=1 and a SECRET_KEY and FIELD_ENCRYPTION_KEYS for this checkout.")
    else:
        print(f"Kept the existing {path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
