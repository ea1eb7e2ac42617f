"""API representations. No serializer has a credential field: only whether one is set."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import reverse
from rest_framework import serializers

from integrations import services
from integrations.flows.ascend import tracking
from integrations.models import (
    ActionKitConfig,
    AnMcConfig,
    AnMcFieldMapping,
    Integration,
    IntegrationKind,
    MemberLink,
    Organization,
    PdiCalendar,
    PdiCalendarMapping,
    PdiConfig,
    SyncItem,
    SyncRun,
    TrackedLink,
)


class OrganizationSerializer(serializers.ModelSerializer):
    has_api_key = serializers.BooleanField(read_only=True)
    role = serializers.SerializerMethodField(help_text="The caller's role here (superuser for superusers).")

    class Meta:
        model = Organization
        fields = ("id", "name", "mobilize_id", "mobilize_base_url", "firewall_side", "has_api_key", "role")

    def get_role(self, obj: Organization) -> str | None:
        user = self.context["request"].user
        return "superuser" if user.is_superuser else services.roles_of(user).get(obj.pk)


class RunBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = ("id", "status", "trigger", "started_at", "finished_at", *SyncRun.COUNTERS)


class ActionKitSettingsSerializer(serializers.ModelSerializer):
    connection_name = serializers.CharField(source="connection.name", read_only=True)
    connection_base_url = serializers.CharField(source="connection.base_url", read_only=True)

    class Meta:
        model = ActionKitConfig
        fields = (
            "connection",
            "connection_name",
            "connection_base_url",
            "campaign_id",
            "event_create_page",
            "event_signup_page",
            "placeholder_email",
            "subscribe_volunteers",
        )


class PdiCalendarSerializer(serializers.ModelSerializer):
    class Meta:
        model = PdiCalendar
        fields = ("id", "pdi_id", "name", "time_zone")


class PdiCalendarMappingSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="event_type_label", read_only=True)

    class Meta:
        model = PdiCalendarMapping
        fields = ("event_type", "label", "calendar")


class PdiSettingsSerializer(serializers.ModelSerializer):
    """PDI settings without the three credentials PDI issues: only whether the token and password are set."""

    has_api_token = serializers.SerializerMethodField()
    has_password = serializers.SerializerMethodField()
    base_url = serializers.CharField(source="api_base_url", read_only=True, help_text="Where the API is.")
    calendars = PdiCalendarSerializer(many=True, read_only=True)
    calendar_mapping = serializers.SerializerMethodField(help_text="One row per Mobilize event type, seed order first.")

    class Meta:
        model = PdiConfig
        fields = (
            "environment",
            "base_url",
            "has_api_token",
            "has_password",
            "default_calendar",
            "calendars_refreshed_at",
            "calendars",
            "calendar_mapping",
        )

    def get_has_api_token(self, obj: PdiConfig) -> bool:
        return bool(obj.api_token)

    def get_has_password(self, obj: PdiConfig) -> bool:
        return bool(obj.password)

    def get_calendar_mapping(self, obj: PdiConfig) -> list[dict]:
        from integrations.pdi_services import mapping_sort_key

        rows = sorted(obj.calendar_mappings.all(), key=lambda mapping: mapping_sort_key(mapping.event_type))
        return PdiCalendarMappingSerializer(rows, many=True).data


class AnMcFieldMappingSerializer(serializers.ModelSerializer):
    field_label = serializers.CharField(source="get_mc_field_display", read_only=True)

    class Meta:
        model = AnMcFieldMapping
        fields = ("mc_field", "field_label", "an_field", "required")


class AnMcSettingsSerializer(serializers.ModelSerializer):
    """Action Network <-> Mobile Commons settings and state, without a credential: only whether each is set."""

    has_an_password = serializers.SerializerMethodField()
    has_an_api_token = serializers.SerializerMethodField()
    has_mc_password = serializers.SerializerMethodField()
    default_opt_in_path_name = serializers.CharField(source="default_opt_in_path.name", default=None, read_only=True)
    field_mappings = AnMcFieldMappingSerializer(many=True, read_only=True)

    class Meta:
        model = AnMcConfig
        fields = (
            "active",
            "activated_at",
            "first_sync_on",
            "an_login",
            "has_an_password",
            "has_an_api_token",
            "an_base_url",
            "mc_login",
            "has_mc_password",
            "mc_company_key",
            "mc_base_url",
            "default_opt_in_path",
            "default_opt_in_path_name",
            "source_code",
            "opt_in_field",
            "notes",
            "time_zone",
            "pull_time",
            "push_from_hour",
            "push_until_hour",
            "field_mappings",
        )

    def get_has_an_password(self, obj: AnMcConfig) -> bool:
        return bool(obj.an_password)

    def get_has_an_api_token(self, obj: AnMcConfig) -> bool:
        return bool(obj.an_api_token)

    def get_has_mc_password(self, obj: AnMcConfig) -> bool:
        return bool(obj.mc_password)


# kind -> (the integration's related config attribute, its serializer). New kinds add theirs here.
KIND_SETTINGS: dict[str, tuple[str, type[serializers.Serializer]]] = {
    **{kind: ("actionkit", ActionKitSettingsSerializer) for kind in IntegrationKind.actionkit_kinds()},
    IntegrationKind.PDI: ("pdi", PdiSettingsSerializer),
    IntegrationKind.ACTIONNETWORK_MOBILECOMMONS: ("anmc", AnMcSettingsSerializer),
}


class IntegrationSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    schedule = serializers.SerializerMethodField()
    last_run = serializers.SerializerMethodField()
    pending_failures = serializers.IntegerField(read_only=True)
    settings = serializers.SerializerMethodField(help_text="The kind's settings (no credentials), or null.")

    class Meta:
        model = Integration
        fields = (
            "id",
            "organization",
            "organization_name",
            "kind",
            "kind_display",
            "name",
            "enabled",
            "follows_mirror",
            "schedule",
            "last_run",
            "pending_failures",
            "settings",
        )

    def get_schedule(self, obj: Integration) -> str:
        return services.schedule_summary(obj)

    def get_last_run(self, obj: Integration) -> dict | None:
        last_run_id = getattr(obj, "last_run_id", None)
        if not last_run_id:
            return None
        runs = self.context.setdefault("_last_runs", {})
        if last_run_id not in runs:
            runs[last_run_id] = SyncRun.objects.filter(pk=last_run_id).first()
        run = runs[last_run_id]
        return RunBriefSerializer(run).data if run else None

    def get_settings(self, obj: Integration) -> dict | None:
        attr, serializer = KIND_SETTINGS.get(obj.kind, (None, None))
        config = getattr(obj, attr, None) if attr else None
        return serializer(config).data if config is not None else None


class SyncRunSerializer(serializers.ModelSerializer):
    integration_name = serializers.CharField(source="integration.name", read_only=True)
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = SyncRun
        fields = (
            "id",
            "integration",
            "integration_name",
            "status",
            "trigger",
            "dry_run",
            "full_resync",
            "retry_only",
            "started_at",
            "finished_at",
            "duration_seconds",
            *SyncRun.COUNTERS,
            "streams",
            "message",
        )

    def get_duration_seconds(self, obj: SyncRun) -> float | None:
        return round(obj.duration.total_seconds(), 3) if obj.duration is not None else None


class SyncItemSerializer(serializers.ModelSerializer):
    integration = serializers.IntegerField(source="run.integration_id", read_only=True)

    class Meta:
        model = SyncItem
        fields = (
            "id",
            "run",
            "integration",
            "stream",
            "source_type",
            "source_id",
            "label",
            "destination_type",
            "destination_id",
            "action",
            "error",
            "retryable",
            "retry_count",
            "created_at",
        )


class RunsStartedSerializer(serializers.Serializer):
    """The answer to sync, dry_run, full_resync and retry_failed."""

    queued = serializers.BooleanField(help_text="Always true: the run was handed to a worker.")
    retried = serializers.IntegerField(required=False, help_text="retry_failed: how many failed items are retried.")
    runs = SyncRunSerializer(many=True, help_text="Runs that already started (all of them when Celery is eager).")


class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checks = serializers.ListField(child=serializers.CharField(), required=False)
    error = serializers.CharField(required=False, help_text="Why the test failed, in a sentence.")


# --- Ascend tracked links (issue 16) ---------------------------------------------------------------
# One message's recipients in one request; a larger broadcast posts several.
MAX_RECIPIENTS = 10_000


class MemberLinkSerializer(serializers.ModelSerializer):
    short_url = serializers.SerializerMethodField(help_text="The absolute short URL to put in the member's text.")

    class Meta:
        model = MemberLink
        fields = ("id", "phone", "code", "short_url")

    def get_short_url(self, obj: MemberLink) -> str:
        return self.context["request"].build_absolute_uri(reverse("tracked-link", kwargs={"code": obj.code}))


class TrackedLinkSerializer(serializers.ModelSerializer):
    integration = serializers.IntegerField(source="config.integration_id", read_only=True)
    url = serializers.CharField(source="destination_url", read_only=True)
    automation = serializers.IntegerField(
        source="automation_id", read_only=True, allow_null=True, help_text="The automation that sent the message."
    )
    flow_id = serializers.CharField(read_only=True, help_text="The Ascend flow of the message; empty when none.")
    links = MemberLinkSerializer(source="member_links", many=True, read_only=True)

    class Meta:
        model = TrackedLink
        fields = ("id", "integration", "message_id", "url", "automation", "flow_id", "created_at", "links")


class TrackedLinkCreateSerializer(serializers.Serializer):
    """A tracked link for one outgoing message and one Mobilize URL, with one short link per recipient."""

    integration = serializers.IntegerField(help_text="An Ascend integration of the caller's organization.")
    message_id = serializers.CharField(max_length=200, help_text="The outgoing Ascend message's id.")
    url = serializers.URLField(max_length=2000, help_text="The Mobilize event URL (http or https).")
    automation = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Optional: the id of the integration's automation that sends the message (Automations report).",
    )
    flow_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Optional: the Ascend flow the message belongs to (Flow report); one of the automation's flows.",
    )
    phones = serializers.ListField(
        child=serializers.CharField(max_length=64),
        min_length=1,
        max_length=MAX_RECIPIENTS,
        help_text="The recipients' phones; written in E.164, duplicates collapsed.",
    )

    def validate_url(self, value: str) -> str:
        if urlsplit(value).scheme.lower() not in ("http", "https"):
            raise serializers.ValidationError("Only http and https URLs can be tracked.")
        return value

    def validate_phones(self, value: list[str]) -> list[str]:
        phones, invalid = [], []
        for number in value:
            phone = tracking.e164_phone(number)
            if phone is None:
                invalid.append(number)
            elif phone not in phones:
                phones.append(phone)
        if invalid:
            raise serializers.ValidationError(f"Not valid phone numbers: {', '.join(invalid[:10])}")
        return phones


# The report's groups: one message (the Broadcast report), an automation's or a flow's messages.
REPORT_GROUPS = ("message_id", "automation", "flow_id")


class ClickReportQuerySerializer(serializers.Serializer):
    """The query of GET /api/tracked-links/report/: the integration and exactly one of REPORT_GROUPS."""

    integration = serializers.IntegerField()
    message_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    automation = serializers.IntegerField(required=False)
    flow_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    url = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    bucket = serializers.ChoiceField(choices=["hour", "day"], default="hour")

    def validate(self, attrs: dict) -> dict:
        chosen = [name for name in REPORT_GROUPS if attrs.get(name) not in (None, "")]
        if len(chosen) != 1:
            raise serializers.ValidationError(
                "Give exactly one of message_id (one message), automation (its messages) or flow_id (its messages)"
                + (f"; got {', '.join(chosen)}." if chosen else ".")
            )
        return attrs


class ClickReportPointSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The hour's (or day's) start, UTC.")
    clicks = serializers.IntegerField()
    submissions = serializers.IntegerField()


class ClickReportSerializer(serializers.Serializer):
    """The click-through report of one message, or of an automation's or a flow's messages (shared/seeds/001,
    Step 2). Counts are of messages sent (message, phone): a member who got two of the group's messages counts
    twice. Rates are fractions in [0, 1].
    """

    integration = serializers.IntegerField()
    message_id = serializers.CharField(allow_null=True, help_text="The message reported on, or null for a group.")
    automation = serializers.IntegerField(allow_null=True, help_text="The automation reported on, or null.")
    flow_id = serializers.CharField(allow_null=True, help_text="The flow reported on, or null.")
    messages = serializers.IntegerField(help_text="How many outgoing messages the report covers.")
    url = serializers.CharField(allow_null=True, help_text="The URL reported on; null for all the group's URLs.")
    urls = serializers.ListField(child=serializers.CharField(), help_text="The group's tracked URLs (the picker).")
    recipients = serializers.IntegerField(help_text="Messages sent: recipients of one message, summed over a group.")
    clicked = serializers.IntegerField(help_text="Messages sent whose link was clicked at least once.")
    clicks = serializers.IntegerField(help_text="Every click, repeat visits included.")
    click_through_rate = serializers.FloatField()
    form_submissions = serializers.IntegerField()
    link_clicked_no_submission = serializers.IntegerField()
    messages_sent_no_clicks = serializers.IntegerField()
    clicked_and_submitted = serializers.IntegerField()
    submission_conversion_rate = serializers.FloatField()
    bucket = serializers.CharField()
    series = ClickReportPointSerializer(many=True)
