"""Browse the emulated Ascend accounts in the admin (Sandbox: Ascend): what a sync wrote.

Members, groups, memberships, flow starts and messages are what a sync writes: they are shown
read-only, so the admin shows what the API made of the requests. One action changes members:
"Unsubscribe" (the member texted STOP), to see a sync meet 422s. Accounts (set an API key) and
flows (an account's staff builds them in Ascend's own UI) can be edited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from sandbox.admin import ReadOnlyAdmin, ReadOnlyInline, SecretAccountForm

from .models import Account, Flow, FlowStart, Group, GroupMembership, Member, Message, SubscriptionStatus


class AccountForm(SecretAccountForm):
    secret_field, secret_setter = "api_key", "set_api_key"

    api_key = forms.CharField(
        label="API key",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set a new API key (leave empty to keep the current one).",
    )

    class Meta:
        model = Account
        fields = ["name", "is_active"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = ["id", "name", "is_active"]
    search_fields = ["name"]


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "account"]
    list_filter = ["account"]
    search_fields = ["name"]


class MembershipInline(ReadOnlyInline):
    model = GroupMembership
    fields = ["group", "member", "created_at"]
    readonly_fields = fields


class FlowStartInline(ReadOnlyInline):
    model = FlowStart
    fk_name = "member"
    fields = ["flow", "idempotency_key", "context", "created_at"]
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    model = Message
    fk_name = "member"
    fields = ["body", "idempotency_key", "created_at"]
    readonly_fields = fields


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["id", "phone", "first_name", "last_name", "email", "zip", "subscription_status", "updated_at"]
    list_filter = ["account", "subscription_status", "opt_in_source"]
    search_fields = ["phone", "first_name", "last_name", "email"]
    inlines = [MembershipInline, FlowStartInline, MessageInline]
    actions = ["unsubscribe_selected"]

    @admin.action(description="Unsubscribe the selected members (as if they texted STOP)")
    def unsubscribe_selected(self, request, queryset):
        count = queryset.update(subscription_status=SubscriptionStatus.UNSUBSCRIBED)
        self.message_user(request, f"Unsubscribed {count} member(s).", messages.SUCCESS)


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "kind", "external_id", "account", "created_at"]
    list_filter = ["account", "kind"]
    search_fields = ["name", "external_id"]
    inlines = [MembershipInline]


@admin.register(GroupMembership)
class GroupMembershipAdmin(ReadOnlyAdmin):
    list_display = ["id", "group", "member", "created_at"]
    search_fields = ["group__name", "member__phone", "member__first_name", "member__last_name"]


@admin.register(FlowStart)
class FlowStartAdmin(ReadOnlyAdmin):
    list_display = ["id", "flow", "phone", "member", "idempotency_key", "created_at"]
    list_filter = ["account", "flow"]
    search_fields = ["phone", "idempotency_key", "flow__name", "member__first_name", "member__last_name"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "phone", "member", "body", "idempotency_key", "created_at"]
    list_filter = ["account"]
    search_fields = ["phone", "body", "idempotency_key"]
