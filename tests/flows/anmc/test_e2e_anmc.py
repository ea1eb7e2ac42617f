"""Action Network <-> Mobile Commons end to end over HTTP: the flow against both sandboxes (shared/seeds/003)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import AnMcFieldMapping, McField, PendingRetry, SyncItem, SyncRun
from integrations.models.anmc import ensure_field_mappings

pytestmark = pytest.mark.django_db(transaction=True)

JO_PHONE, BEN_PHONE, CY_PHONE = "12025550101", "12025550102", "12025550103"


def opted_in(value: bool = True) -> dict:
    return {"mobile_opt_in": "true" if value else "false"}


def test_a_new_opted_in_person_becomes_a_subscribed_profile_with_the_welcome_and_the_constituent_id(pair):
    jo = pair.add_person(
        given_name="Jo",
        family_name="Doe",
        email="jo@example.com",
        phone=JO_PHONE,
        custom_fields=opted_in(),
        postal_code="62701",
        locality="Springfield",
        region="IL",
    )
    run = pair.pull()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert (run.fetched, run.created) == (1, 1)
    profile = pair.profile(JO_PHONE)
    assert (profile.first_name, profile.last_name, profile.email) == ("Jo", "Doe", "jo@example.com")
    assert (profile.postal_code, profile.city, profile.state) == ("62701", "Springfield", "IL")
    assert profile.constituent_id == str(jo.uuid)
    assert pair.subscribed(JO_PHONE) and pair.welcomes(JO_PHONE) == 1
    assert profile.subscriptions.get().opt_in_path_id == pair.path.pk, "the default opt-in path"


def test_a_new_person_who_did_not_opt_in_becomes_a_profile_that_is_not_subscribed(pair):
    pair.add_person(given_name="Ben", email="ben@example.com", phone=BEN_PHONE, custom_fields=opted_in(False))
    pair.add_person(given_name="Cy", email="cy@example.com", phone=CY_PHONE, custom_fields={})
    run = pair.pull()
    assert run.created == 2
    assert pair.profile(BEN_PHONE) is not None and not pair.subscribed(BEN_PHONE)
    assert not pair.subscribed(CY_PHONE) and pair.welcomes() == 0


def test_an_existing_profile_is_matched_by_mobile_phone_updated_and_given_the_constituent_id(pair):
    from sandbox.mobilecommons.setup import add_profile

    add_profile(pair.mc_account, "(202) 555-0101", first_name="Joanne", subscribed_path=pair.path)
    jo = pair.add_person(given_name="Jo", email="jo@example.com", phone="+1 202 555 0101", custom_fields=opted_in())
    run = pair.pull()
    assert (run.created, run.updated) == (0, 1)
    assert pair.profiles().count() == 1
    profile = pair.profile(JO_PHONE)
    assert (profile.first_name, profile.constituent_id) == ("Jo", str(jo.uuid))
    assert pair.welcomes() == 0, "already subscribed: no second welcome"


def test_a_person_without_a_mobile_number_is_skipped_with_the_reason(pair):
    pair.add_person(given_name="Nomo", email="nomo@example.com", custom_fields=opted_in())
    run = pair.pull()
    (item,) = pair.items(run, SyncItem.Action.SKIPPED)
    assert item.label == "nomo@example.com" and "No mobile number" in item.error
    assert pair.profiles().count() == 0


def test_a_profile_that_opted_out_in_mobile_commons_is_never_subscribed_again_by_a_pull(pair):
    from sandbox.mobilecommons.setup import add_profile, text_stop

    add_profile(pair.mc_account, JO_PHONE, subscribed_path=pair.path)
    text_stop(pair.mc_account, JO_PHONE)
    pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    run = pair.pull()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert not pair.subscribed(JO_PHONE) and pair.welcomes() == 0
    assert pair.profile(JO_PHONE).first_name == "Jo", "its fields are still kept in step"


def test_the_pull_reads_people_updated_in_the_past_48_hours(pair):
    pair.add_person(
        given_name="Recent",
        email="recent@example.com",
        phone=JO_PHONE,
        custom_fields=opted_in(),
        modified_date=timezone.now() - timedelta(hours=47),
    )
    pair.add_person(
        given_name="Old",
        email="old@example.com",
        phone=BEN_PHONE,
        custom_fields=opted_in(),
        modified_date=timezone.now() - timedelta(hours=49),
    )
    run = pair.pull()
    assert (run.fetched, run.created) == (1, 1)
    assert pair.profile(JO_PHONE) is not None and pair.profile(BEN_PHONE) is None
    full = pair.pull(full_resync=True)
    assert full.created == 1 and pair.profile(BEN_PHONE) is not None, "a full resync reads every person"


def test_the_pull_reads_every_page_and_stops_at_the_first_empty_one_although_next_is_always_there(pair):
    for number in range(30):
        pair.add_person(
            given_name=f"P{number}",
            email=f"p{number}@example.com",
            phone=f"1202555{1000 + number}",
            custom_fields=opted_in(number % 2 == 0),
        )
    run = pair.pull()
    assert (run.fetched, run.created) == (30, 30)
    assert pair.requests[("actionnetwork", "GET", "people")] == 3, "pages 1 and 2, then the empty page 3"
    assert pair.welcomes() == 15


def test_a_new_opt_in_with_an_email_becomes_an_action_network_person_opted_in_with_the_phone_subscribed(pair):
    from sandbox.mobilecommons.setup import text_join

    text_join(pair.mc_account, CY_PHONE, pair.path, email="cy@example.com", first_name="Cy", last_name="Young")
    run = pair.push()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.created == 1
    person = pair.an_person(email="cy@example.com")
    assert (person.given_name, person.family_name, person.phone) == ("Cy", "Young", CY_PHONE)
    assert person.phone_status == "subscribed", "sent explicitly: a new number is otherwise unsubscribed"
    assert person.custom_fields["mobile_opt_in"] == "true"
    assert person.source == "Mobile Commons"
    assert pair.profile(CY_PHONE).constituent_id == str(person.uuid), "the identifier goes back to the profile"


def test_a_new_opt_in_whose_email_is_already_a_person_updates_that_person_and_duplicates_nobody(pair):
    from sandbox.mobilecommons.setup import text_join

    ben = pair.add_person(given_name="Ben", email="ben@example.com", custom_fields=opted_in(False))
    text_join(pair.mc_account, BEN_PHONE, pair.path, email="ben@example.com", first_name="Ben")
    run = pair.push()
    assert (run.created, run.updated) == (0, 1)
    assert pair.an_people().count() == 1
    ben.refresh_from_db()
    assert ben.custom_fields["mobile_opt_in"] == "true" and ben.phone == BEN_PHONE
    assert pair.profile(BEN_PHONE).constituent_id == str(ben.uuid)


def test_a_new_opt_in_without_an_email_is_skipped_with_the_reason(pair):
    from sandbox.mobilecommons.setup import text_join

    text_join(pair.mc_account, CY_PHONE, pair.path)
    run = pair.push()
    (item,) = pair.items(run, SyncItem.Action.SKIPPED)
    assert "without an email address" in item.error
    assert pair.an_people().count() == 0


def test_an_opt_out_of_a_matched_person_sets_the_field_false_and_the_phone_unsubscribed(pair):
    from sandbox.mobilecommons.setup import text_stop

    jo = pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    pair.pull()
    text_stop(pair.mc_account, JO_PHONE)
    run = pair.push()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    jo.refresh_from_db()
    assert jo.custom_fields["mobile_opt_in"] == "false" and jo.phone_status == "unsubscribed"
    assert jo.phone == JO_PHONE, "the status alone changed, not the number"
    # The opt-out is never undone: the next pull reads the person (changed) and does not resubscribe.
    again = pair.pull()
    assert again.status == SyncRun.Status.SUCCEEDED and not pair.subscribed(JO_PHONE)


def test_an_opt_out_of_an_unmatched_profile_is_skipped_with_the_reason(pair):
    from sandbox.mobilecommons.setup import add_profile, text_stop

    add_profile(pair.mc_account, BEN_PHONE, email="ben@example.com", subscribed_path=pair.path)
    text_stop(pair.mc_account, BEN_PHONE)
    run = pair.push()
    (item,) = pair.items(run, SyncItem.Action.SKIPPED)
    assert "no Action Network person" in item.error and pair.an_people().count() == 0


def test_the_constituent_id_round_trip_identifies_the_pair_both_ways(pair):
    from sandbox.mobilecommons.setup import text_join, text_stop

    # Mobile Commons first: a JOIN becomes a person, whose id goes back to the profile.
    text_join(pair.mc_account, CY_PHONE, pair.path, email="cy@example.com", first_name="Cy")
    pair.push()
    cy = pair.an_person(email="cy@example.com")
    # Action Network changes the name: the pull finds the profile holding that Constituent ID.
    from sandbox.actionnetwork.setup import change_person

    change_person(cy, given_name="Cyrus")
    pull = pair.pull()
    assert (pull.created, pull.updated) == (0, 1), pull.message
    assert pair.profile(CY_PHONE).first_name == "Cyrus" and pair.profiles().count() == 1
    # And an opt-out goes back to the same person.
    text_stop(pair.mc_account, CY_PHONE)
    pair.push()
    cy.refresh_from_db()
    assert cy.custom_fields["mobile_opt_in"] == "false" and pair.an_people().count() == 1


def test_a_number_held_by_another_persons_profile_fails_with_the_reason_and_is_not_overwritten(pair):
    from sandbox.mobilecommons.setup import add_profile

    add_profile(pair.mc_account, JO_PHONE, first_name="Other", constituent_id="someone-else")
    pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    run = pair.pull()
    (item,) = pair.items(run, SyncItem.Action.FAILED)
    assert "another Action Network person" in item.error
    assert pair.profile(JO_PHONE).first_name == "Other"


def test_a_required_field_keeps_records_without_it_out_in_both_directions(pair):
    from sandbox.mobilecommons.setup import text_join

    config = pair.config
    ensure_field_mappings(config)
    AnMcFieldMapping.objects.filter(config=config, mc_field=McField.LAST_NAME).update(required=True)
    pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    pair.add_person(
        given_name="Ben", family_name="Bo", email="ben@example.com", phone=BEN_PHONE, custom_fields=opted_in()
    )
    pull = pair.pull()
    assert (pull.created, pull.skipped) == (1, 1)
    (skipped,) = pair.items(pull, SyncItem.Action.SKIPPED)
    assert skipped.label == "jo@example.com"
    assert skipped.error == "Required field Last name (Action Network family_name) is empty: not synced."
    text_join(pair.mc_account, CY_PHONE, pair.path, email="cy@example.com", first_name="Cy")
    push = pair.push()
    assert "Required field Last name" in pair.items(push, SyncItem.Action.SKIPPED)[0].error
    assert pair.an_person(email="cy@example.com") is None


def test_a_mobile_commons_refusal_served_with_http_200_fails_the_record_with_mobile_commons_message(pair):
    config = pair.config
    config.default_opt_in_path.mc_id = "999999"  # a path Mobile Commons does not know
    config.default_opt_in_path.save()
    pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    pair.add_person(given_name="Ben", email="ben@example.com", phone=BEN_PHONE, custom_fields=opted_in(False))
    run = pair.pull()
    assert run.status == SyncRun.Status.PARTIAL
    (failed,) = pair.items(run, SyncItem.Action.FAILED)
    assert failed.label == "jo@example.com" and "Mobile Commons error 6" in failed.error
    assert pair.profile(BEN_PHONE) is not None, "the run went on"
    assert PendingRetry.objects.filter(integration=pair.integration).count() == 1


def test_a_rerun_with_no_changes_writes_nothing_either_way(pair):
    from sandbox.mobilecommons.setup import text_join, text_stop

    pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    pair.add_person(given_name="Ben", email="ben@example.com", phone=BEN_PHONE, custom_fields=opted_in(False))
    text_join(pair.mc_account, CY_PHONE, pair.path, email="cy@example.com", first_name="Cy")
    first = pair.run()
    assert first.status == SyncRun.Status.SUCCEEDED, first.message
    pair.pull()
    text_stop(pair.mc_account, JO_PHONE)
    pair.push()
    writes = pair.writes()
    for _ in range(2):
        again = pair.run()
        assert (again.created, again.updated, again.failed) == (0, 0, 0), again.message
    assert pair.writes() == writes, "nothing was written to either system"


def test_429s_and_500s_are_retried_and_both_directions_succeed(pair):
    from sandbox.mobilecommons.setup import text_join
    from sandbox.models import FaultRule

    pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    text_join(pair.mc_account, CY_PHONE, pair.path, email="cy@example.com", first_name="Cy")
    FaultRule.objects.create(system="actionnetwork", kind="429", remaining=2)
    FaultRule.objects.create(system="actionnetwork", method="POST", kind="500", remaining=1)
    FaultRule.objects.create(system="mobilecommons", kind="503", remaining=2)
    FaultRule.objects.create(system="mobilecommons", method="POST", kind="429", remaining=1)
    run = pair.run()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert not FaultRule.objects.exclude(remaining=0).exists(), "every fault was met"
    assert pair.subscribed(JO_PHONE) and pair.an_person(email="cy@example.com") is not None
    assert pair.an_people().count() == 2 and pair.profiles().count() == 2


def test_a_wrong_action_network_token_fails_the_run_with_a_readable_reason_and_writes_nothing(pair):
    config = pair.config
    config.an_api_token = "wrong-token"
    config.save()
    pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    run = pair.pull()
    assert run.status == SyncRun.Status.FAILED
    assert "401" in run.message and "wrong-token" not in run.message
    assert pair.writes() == 0


def test_test_connection_reaches_both_sandboxes_and_names_each(pair):
    from integrations.flows.registry import get_flow

    said = " ".join(get_flow(pair.integration).test_connection())
    assert "Action Network" in said and "Mobile Commons" in said
    assert pair.writes() == 0


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(pair):
    from sandbox.mobilecommons.setup import text_join

    pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    text_join(pair.mc_account, CY_PHONE, pair.path, email="cy@example.com", first_name="Cy")
    run = pair.run(dry_run=True)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert {item.action for item in pair.items(run)} == {SyncItem.Action.WOULD_CREATE}
    assert pair.writes() == 0 and pair.profile(JO_PHONE) is None and pair.an_person(email="cy@example.com") is None
    real = pair.run()
    assert real.created == 2, "the dry run moved no watermark"


def test_without_a_default_opt_in_path_opted_in_people_get_profiles_but_no_subscription_and_the_run_says_so(pair):
    config = pair.config
    config.default_opt_in_path = None
    config.save()
    pair.add_person(given_name="Jo", email="jo@example.com", phone=JO_PHONE, custom_fields=opted_in())
    run = pair.pull()
    assert run.status == SyncRun.Status.SUCCEEDED and run.created == 1
    assert "No default web opt-in path is chosen" in run.message
    assert pair.profile(JO_PHONE) is not None and not pair.subscribed(JO_PHONE) and pair.welcomes() == 0
