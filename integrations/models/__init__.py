"""The integrations app's models, one module per concern."""

from .actionkit import ActionKitConfig, ActionKitConnection
from .integration import Integration, IntegrationKind
from .mirror import MirrorCursor, MirrorFanOut, MirrorRecord, MirrorState, MirrorStream, RecordType
from .pdi import PdiCalendar, PdiCalendarMapping, PdiConfig, PdiEnvironment
from .sync import PendingRetry, RecordLink, SyncItem, SyncLock, SyncRun, Watermark
from .tenancy import Membership, Organization

__all__ = [
    "ActionKitConfig",
    "ActionKitConnection",
    "Integration",
    "IntegrationKind",
    "Membership",
    "MirrorCursor",
    "MirrorFanOut",
    "MirrorRecord",
    "MirrorState",
    "MirrorStream",
    "Organization",
    "PdiCalendar",
    "PdiCalendarMapping",
    "PdiConfig",
    "PdiEnvironment",
    "PendingRetry",
    "RecordLink",
    "RecordType",
    "SyncItem",
    "SyncLock",
    "SyncRun",
    "Watermark",
]
