"""The admin: every ModelAdmin scoped to the user's organizations (see scoping.py).

Importing this package (Django's admin autodiscovery does) registers everything.
"""

from . import anmc, ascend, beat, integration, mirror, nudges, pdi, runs, tenancy  # noqa: F401
from .kinds import register_kind_inline
from .scoping import OrganizationScopedAdmin, OrganizationScopedInline, ReadOnlyScopedAdmin

__all__ = ["OrganizationScopedAdmin", "OrganizationScopedInline", "ReadOnlyScopedAdmin", "register_kind_inline"]
