"""The synchronization report as CSV: the item list's filters and search, tenancy, escaping, streaming."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from integrations import reporting
from integrations.models import SyncItem, SyncRun

from .conftest import AK_PASSWORD_A, API_KEY_A

EXPORT = "admin:integrations_syncitem_export"
HEADER = [
    "Run",
    "Run started (UTC)",
    "Stream",
    "Source type",
    "Source id",
    "Label",
    "Destination id",
    "Action",
    "Reason or error",
    "Retry count",
]


def export(client, query: str = "") -> tuple[StreamingHttpResponse, list[list[str]]]:
    response = client.get(reverse(EXPORT) + query)
    assert response.status_code == 200, response.status_code
    text = b"".join(response.streaming_content).decode("utf-8")
    return response, list(csv.reader(io.StringIO(text)))


def source_ids(rows: list[list[str]]) -> list[str]:
    return [row[4] for row in rows[1:]]


def add_items(run: SyncRun, *rows: tuple[str, str, str, str]) -> None:
    """(stream, source id, action, text) per item: the reason or error of a skipped or failed one, else its label."""
    for stream, source_id, action, text in rows:
        reason = action in (SyncItem.Action.FAILED, SyncItem.Action.SKIPPED)
        SyncItem.objects.create(
            run=run,
            stream=stream,
            source_type="anmc.person",
            source_id=source_id,
            label="" if reason else text,
            error=text if reason else "",
            action=action,
        )


def test_the_run_page_and_the_item_list_link_the_csv_with_their_filters(tenant_a, login):
    client = login(tenant_a.viewer)
    run_page = client.get(reverse("admin:integrations_syncrun_change", args=[tenant_a.run.pk])).content.decode()
    assert f'href="{reverse(EXPORT)}?run={tenant_a.run.pk}"' in run_page
    assert "Download CSV" in run_page
    listing = client.get(reverse("admin:integrations_syncitem_changelist") + "?action__exact=failed&q=bad").content
    html = listing.decode()
    assert f'href="{reverse(EXPORT)}?action__exact=failed&amp;q=bad"' in html


def test_the_csv_of_a_run_lists_its_items_with_action_and_reason(tenant_a, login):
    add_items(tenant_a.run, ("pull_people", "A-3", "skipped", "Required field Postal code is empty."))
    response, rows = export(login(tenant_a.viewer), f"?run={tenant_a.run.pk}")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="sync-items-run-{tenant_a.run.pk}.csv"'
    assert rows[0] == HEADER
    started = tenant_a.run.started_at.strftime("%Y-%m-%d %H:%M:%S")
    run = str(tenant_a.run.pk)
    assert rows[1:] == [
        [
            run,
            started,
            "pull_people",
            "anmc.person",
            "A-3",
            "",
            "",
            "skipped",
            "Required field Postal code is empty.",
            "0",
        ],
        [
            run,
            started,
            "people",
            "test.person",
            "A-2",
            "bad-A@example.com",
            "",
            "failed",
            "Refused A: blocked domain.",
            "0",
        ],
        [run, started, "people", "test.person", "A-1", "ok-A@example.com", "row-A-1", "created", "", "0"],
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?action__exact=failed", ["A-5", "A-2"]),
        ("?action__exact=skipped", ["A-4"]),
        ("?stream__exact=push_subscriptions", ["A-5", "A-4"]),
        ("?stream__exact=push_subscriptions&action__exact=failed", ["A-5"]),
        ("?q=ok-A%40example.com", ["A-1"]),
        ("?q=A-4", ["A-4"]),
        ("?run={second}", ["A-5", "A-4"]),
        ("?run={first}&action__exact=failed", ["A-2"]),
        ("?integration={integration}&action__exact=created", ["A-1"]),
    ],
)
def test_the_csv_holds_exactly_the_items_the_list_shows(tenant_a, login, query, expected):
    second = SyncRun.objects.create(integration=tenant_a.integration, status=SyncRun.Status.PARTIAL)
    add_items(
        second,
        ("push_subscriptions", "A-4", "skipped", "No email: not added to Action Network."),
        ("push_subscriptions", "A-5", "failed", "Action Network answered 400: invalid email."),
    )
    query = query.format(first=tenant_a.run.pk, second=second.pk, integration=tenant_a.integration.pk)
    client = login(tenant_a.viewer)
    _, rows = export(client, query)
    assert source_ids(rows) == expected
    listed = client.get(reverse("admin:integrations_syncitem_changelist") + query).context["cl"].result_list
    assert sorted(item.source_id for item in listed) == sorted(expected)


def test_a_user_exports_only_their_organizations_items(tenant_a, tenant_b, login, superuser):
    _, rows = export(login(tenant_b.admin), f"?run={tenant_a.run.pk}")
    assert rows == [HEADER]
    _, rows = export(login(tenant_b.viewer))
    assert sorted(source_ids(rows)) == ["B-1", "B-2"]
    _, rows = export(login(tenant_a.operator), "?q=bad")
    assert source_ids(rows) == ["A-2"]
    _, rows = export(login(superuser))
    assert sorted(source_ids(rows)) == ["A-1", "A-2", "B-1", "B-2"]


def test_staff_without_a_membership_and_anonymous_users_get_nothing(client, make_staff):
    response = client.get(reverse(EXPORT))
    assert response.status_code == 302 and "/login/" in response.url
    client.force_login(make_staff(None))
    assert client.get(reverse(EXPORT)).status_code == 403


def test_a_bad_filter_is_a_readable_400(tenant_a, login):
    response = login(tenant_a.viewer).get(reverse(EXPORT) + "?started_at__gte=not-a-date")
    assert response.status_code == 400
    assert response.content == b"These filters are not valid for the item list."


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_text(tenant_a, login):
    add_items(
        tenant_a.run,
        ("pull_people", "=1+1", "created", '=HYPERLINK("http://evil.example/","click")'),
        ("pull_people", "A-7", "created", "+1 202 555 0123"),
        ("pull_people", "A-8", "created", "-2+3"),
        ("pull_people", "A-9", "created", "@SUM(A1:A2)"),
        ("pull_people", "A-10", "failed", 'Line one,\nline two with a "quote"'),
        ("pull_people", "A-11", "created", "\t=tabbed"),
    )
    _, rows = export(login(tenant_a.viewer), f"?run={tenant_a.run.pk}")
    by_id = {row[4]: row for row in rows[1:]}
    assert by_id["'=1+1"][5] == '\'=HYPERLINK("http://evil.example/","click")'
    assert by_id["A-7"][5] == "'+1 202 555 0123"
    assert by_id["A-8"][5] == "'-2+3"
    assert by_id["A-9"][5] == "'@SUM(A1:A2)"
    assert by_id["A-10"][8] == 'Line one,\nline two with a "quote"'
    assert by_id["A-11"][5] == "'\t=tabbed"
    assert by_id["A-1"][5] == "ok-A@example.com", "ordinary text is left alone"
    assert reporting.csv_safe(-5) == -5 and reporting.csv_safe("a=b") == "a=b"


def test_the_csv_never_holds_credentials_or_the_stored_record(tenant_a, login):
    response = login(tenant_a.admin).get(reverse(EXPORT))
    text = b"".join(response.streaming_content).decode()
    assert API_KEY_A not in text and AK_PASSWORD_A not in text
    # The retry queue keeps the failed record (name, email); the report has only the item's columns.
    assert '"name": "bad"' not in text and "modified_date" not in text
    assert "no-store" in response["Cache-Control"]


def test_rows_are_read_in_chunks_by_id_so_memory_stays_flat(tenant_a, django_assert_num_queries):
    add_items(tenant_a.run, *[("pull_people", f"A-{n}", "created", f"p{n}@example.com") for n in range(3, 8)])
    items = SyncItem.objects.filter(run=tenant_a.run)
    # 7 items, 3 a time: two full reads and a third that comes back short (1 item) and ends it.
    with django_assert_num_queries(3):
        rows = list(reporting.item_rows(items, chunk=3))
    assert [row[4] for row in rows] == ["A-7", "A-6", "A-5", "A-4", "A-3", "A-2", "A-1"]
    lines = reporting.items_csv_lines(items, chunk=3)
    assert next(lines).startswith("Run,Run started (UTC),Stream")
    # A generator: nothing more is read until the response asks for the next line.
    assert next(lines).split(",")[4] == "A-7"
