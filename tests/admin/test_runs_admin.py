"""Runs, items, the retry queue, the ledger and the dashboard: what support staff read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations.models import PendingRetry, SyncItem, SyncRun


def changelist(model: str) -> str:
    return reverse(f"admin:integrations_{model}_changelist")


def results(response) -> list:
    return list(response.context["cl"].result_list)


def test_run_list_shows_counts_duration_and_flags(tenant_a, login):
    content = login(tenant_a.viewer).get(changelist("syncrun")).content.decode()
    for heading in ("Fetched", "Created", "Updated", "Unchanged", "Skipped", "Failed", "Duration", "Dry run"):
        assert heading in content
    assert f"#{tenant_a.run.pk}" in content


def test_run_list_filters_by_status_integration_trigger_and_date(tenant_a, make_integration, login):
    other = make_integration(tenant_a.org, name="Other")
    ok = SyncRun.objects.create(integration=other, status=SyncRun.Status.SUCCEEDED, trigger=SyncRun.Trigger.SCHEDULE)
    old = SyncRun.objects.create(integration=other, status=SyncRun.Status.FAILED)
    SyncRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=40))
    client = login(tenant_a.viewer)
    assert results(client.get(changelist("syncrun") + "?status__exact=succeeded")) == [ok]
    assert set(results(client.get(changelist("syncrun") + f"?integration={other.pk}"))) == {ok, old}
    assert results(client.get(changelist("syncrun") + "?trigger__exact=schedule")) == [ok]
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    recent = results(client.get(changelist("syncrun") + f"?started_at__gte={since}"))
    assert old not in recent and ok in recent


def test_run_list_date_filters_take_any_offset_python_reads(tenant_a, make_integration, login):
    # PostgreSQL refuses offsets beyond ±15:59 ("time zone displacement out of range"): a 500
    # there before the admin converted such values to its own time zone.
    other = make_integration(tenant_a.org, name="Other")
    before = SyncRun.objects.create(integration=other, status=SyncRun.Status.SUCCEEDED)
    after = SyncRun.objects.create(integration=other, status=SyncRun.Status.FAILED)
    SyncRun.objects.filter(pk=before.pk).update(started_at=datetime(2025, 10, 6, 23, 0, tzinfo=UTC))
    SyncRun.objects.filter(pk=after.pk).update(started_at=datetime(2025, 10, 6, 23, 40, tzinfo=UTC))
    client = login(tenant_a.viewer)
    url = changelist("syncrun") + f"?integration={other.pk}"
    # 2025-10-07T20:11:03+20:40 is 2025-10-06T23:31:03Z; 2025-10-05T23:35-23:59 is 2025-10-06T23:34Z.
    response = client.get(url + "&started_at__gte=2025-10-07T20:11:03%2B20:40")
    assert response.status_code == 200 and results(response) == [after]
    response = client.get(url + "&started_at__lt=2025-10-05T23:35:00-23:59")
    assert response.status_code == 200 and results(response) == [before]
    # An instant past year 9999 in UTC is an incorrect lookup: the admin's usual redirect.
    response = client.get(url + "&started_at__gte=9999-12-31T23:00:00-20:00")
    assert response.status_code == 302 and response.url.endswith("?e=1")
    # The date filter's own links (values in the admin's time zone) still mark their choice.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    week = {"started_at__gte": str(today - timedelta(days=7)), "started_at__lt": str(today + timedelta(days=1))}
    response = client.get(changelist("syncrun"), week)
    [dates] = [f for f in response.context["cl"].filter_specs if f.title == "started at"]
    assert [choice["display"] for choice in dates.choices(response.context["cl"]) if choice["selected"]] == [
        "Past 7 days"
    ]


def test_run_detail_shows_counts_streams_message_and_items(tenant_a, login):
    page = login(tenant_a.viewer).get(reverse("admin:integrations_syncrun_change", args=[tenant_a.run.pk]))
    content = page.content.decode()
    assert "Stream people of A: one record failed." in content
    assert "2023-11-14 22:13:22 UTC" in content  # the watermark after, as a time
    assert "0.25" in content
    assert "bad-A@example.com" in content and "Refused A: blocked domain." in content
    assert f"syncitem/?run={tenant_a.run.pk}" in content
    assert page.context["items_total"] == 2
    # A viewer reads the run but has no retry button.
    assert "retry-failed" not in content


def test_run_detail_offers_retry_to_operators(tenant_a, login):
    content = login(tenant_a.operator).get(reverse("admin:integrations_syncrun_change", args=[tenant_a.run.pk])).content
    assert reverse("admin:integrations_syncrun_retry", args=[tenant_a.run.pk]).encode() in content


def test_retry_failed_items_retries_the_runs_failures(tenant_a, login, memory, django_capture_on_commit_callbacks):
    # The queued record is person A-2 in the fixture; make it one the memory flow knows and accepts now.
    PendingRetry.objects.filter(pk=tenant_a.pending.pk).update(source_id="2")
    SyncItem.objects.filter(run=tenant_a.run, action=SyncItem.Action.FAILED).update(source_id="2")
    with django_capture_on_commit_callbacks(execute=True):
        response = login(tenant_a.operator).post(reverse("admin:integrations_syncrun_retry", args=[tenant_a.run.pk]))
    assert response.status_code == 302
    retry = SyncRun.objects.filter(integration=tenant_a.integration).latest("pk")
    assert (retry.trigger, retry.retry_only, retry.created, retry.failed) == ("retry", True, 1, 0)
    assert not PendingRetry.objects.filter(integration=tenant_a.integration).exists()


def test_retry_action_on_selected_runs(tenant_a, login, memory, django_capture_on_commit_callbacks):
    before = SyncRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        login(tenant_a.operator).post(
            changelist("syncrun"), {"action": "retry_failed_items", "_selected_action": [tenant_a.run.pk]}
        )
    assert SyncRun.objects.count() == before + 1
    assert SyncRun.objects.latest("pk").trigger == SyncRun.Trigger.RETRY


def test_retry_of_a_run_without_failures_says_so(tenant_a, login):
    clean = SyncRun.objects.create(integration=tenant_a.integration, status=SyncRun.Status.SUCCEEDED)
    response = login(tenant_a.operator).post(reverse("admin:integrations_syncrun_retry", args=[clean.pk]), follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"Run #{clean.pk} has no failed items to retry."]


def test_item_search_by_source_id_label_and_destination_id(tenant_a, tenant_b, login):
    client = login(tenant_a.viewer)
    assert results(client.get(changelist("syncitem") + "?q=A-1")) == [tenant_a.item]
    assert results(client.get(changelist("syncitem") + "?q=ok-A@example")) == [tenant_a.item]
    assert results(client.get(changelist("syncitem") + "?q=row-A-1")) == [tenant_a.item]
    assert results(client.get(changelist("syncitem") + "?q=B-1")) == []


def test_item_filters_by_action_stream_integration_and_run(tenant_a, login):
    client = login(tenant_a.viewer)
    failed = results(client.get(changelist("syncitem") + "?action__exact=failed"))
    assert [item.source_id for item in failed] == ["A-2"]
    assert len(results(client.get(changelist("syncitem") + "?stream=people"))) == 2
    assert len(results(client.get(changelist("syncitem") + f"?integration={tenant_a.integration.pk}"))) == 2
    assert len(results(client.get(changelist("syncitem") + f"?run={tenant_a.run.pk}&q=bad-A"))) == 1


def test_items_are_read_only(tenant_a, superuser, login):
    for user in (tenant_a.admin, superuser):
        page = login(user).get(reverse("admin:integrations_syncitem_change", args=[tenant_a.item.pk]))
        assert page.context["has_change_permission"] is False
        assert login(user).get(reverse("admin:integrations_syncitem_add")).status_code == 403


def test_retry_queue_lists_and_retries_now(tenant_a, login, memory, django_capture_on_commit_callbacks):
    PendingRetry.objects.filter(pk=tenant_a.pending.pk).update(source_id="3")
    client = login(tenant_a.operator)
    page = client.get(changelist("pendingretry"))
    assert results(page) == [PendingRetry.objects.get(pk=tenant_a.pending.pk)]
    assert b"Refused A: blocked domain." in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist("pendingretry"), {"action": "retry_now", "_selected_action": [tenant_a.pending.pk]})
    run = SyncRun.objects.filter(integration=tenant_a.integration).latest("pk")
    assert (run.trigger, run.retry_only, run.created) == ("retry", True, 1)
    assert not PendingRetry.objects.filter(pk=tenant_a.pending.pk).exists()


def test_retry_queue_detail_does_not_show_the_stored_record(tenant_a, login):
    page = login(tenant_a.admin).get(reverse("admin:integrations_pendingretry_change", args=[tenant_a.pending.pk]))
    assert page.status_code == 200
    assert b"modified_date" not in page.content


def test_record_links_answer_where_did_this_record_go(tenant_a, login):
    client = login(tenant_a.viewer)
    assert results(client.get(changelist("recordlink") + "?q=A-1")) == [tenant_a.link]
    assert results(client.get(changelist("recordlink") + "?q=row-A-1")) == [tenant_a.link]


def test_watermark_shows_its_time(tenant_a, login):
    content = login(tenant_a.viewer).get(changelist("watermark")).content
    assert b"2023-11-14 22:13:22 UTC" in content


def test_dashboard_shows_the_users_integrations_with_last_runs(tenant_a, tenant_b, login):
    page = login(tenant_a.viewer).get(reverse("admin:index"))
    content = page.content.decode()
    assert "Campaign A" in content and "Check A" in content
    assert "Campaign B" not in content and "Check B" not in content
    assert reverse("admin:integrations_syncrun_change", args=[tenant_a.run.pk]) in content
    assert reverse("admin:integrations_integration_change", args=[tenant_a.integration.pk]) in content
    [board] = page.context["boards"]
    [(integration, run)] = board.integrations
    assert (integration.pending_failures, run.pk) == (1, tenant_a.run.pk)


def test_dashboard_for_superusers_lists_every_organization(tenant_a, tenant_b, superuser, login):
    content = login(superuser).get(reverse("admin:index")).content
    assert b"Campaign A" in content and b"Campaign B" in content


def test_dashboard_tells_a_user_without_membership_what_to_do(make_staff, tenant_a, login):
    content = login(make_staff()).get(reverse("admin:index")).content
    assert b"not a member of any organization" in content
    assert b"Campaign A" not in content


def test_the_beat_schedules_date_filters_take_any_offset_too(superuser, client):
    # django-celery-beat's own list (superusers only) filters by last run with the same date filter.
    every = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    ran = PeriodicTask.objects.create(
        name="ran", task="t", interval=every, last_run_at=datetime(2025, 10, 7, tzinfo=UTC)
    )
    client.force_login(superuser)
    response = client.get(
        reverse("admin:django_celery_beat_periodictask_changelist") + "?last_run_at__gte=2025-10-07T20:11:03%2B20:40"
    )
    assert response.status_code == 200 and results(response) == [ran]
