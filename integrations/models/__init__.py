"""The integrations app's models, one module per concern."""

from .actionkit import ActionKitConfig, ActionKitConnection
from .anmc import AnMcConfig, AnMcFieldMapping, McField, McOptInPath
from .ascend import (
    Activity,
    AscendConfig,
    AscendEvent,
    Automation,
    AutomationFiring,
    FieldRule,
    SyncOption,
)
from .ascend_links import Click, ClickBatch, FormSubmission, MemberLink, TrackedLink
from .integration import Integration, IntegrationKind
from .mirror import MirrorCursor, MirrorFanOut, MirrorRecord, MirrorState, MirrorStream, RecordType
from .nudges import Nudge, NudgeSend
from .pdi import PdiCalendar, PdiCalendarMapping, PdiConfig, PdiEnvironment
from .sync import PendingRetry, RecordLink, SyncItem, SyncLock, SyncRun, Watermark
from .tenancy import Membership, Organization

__all__ = [
    "ActionKitConfig",
    "ActionKitConnection",
    "Activity",
    "AnMcConfig",
    "AnMcFieldMapping",
    "AscendConfig",
    "AscendEvent",
    "Automation",
    "AutomationFiring",
    "Click",
    "ClickBatch",
    "FieldRule",
    "FormSubmission",
    "Integration",
    "IntegrationKind",
    "McField",
    "McOptInPath",
    "MemberLink",
    "Membership",
    "MirrorCursor",
    "MirrorFanOut",
    "MirrorRecord",
    "MirrorState",
    "MirrorStream",
    "Nudge",
    "NudgeSend",
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
    "SyncOption",
    "SyncRun",
    "TrackedLink",
    "Watermark",
]
