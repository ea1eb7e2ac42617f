"""Mobilize event locations -> PDI locations: in person, private addresses, virtual events, the match key."""

from __future__ import annotations

import pytest

from integrations.flows.pdi.mapping import LOCATION_PAYLOAD_KEYS, location_key, location_payload

from ._records import PRIVATE_SENTENCES, event, location


def test_in_person_location_is_the_venue_and_a_one_line_address():
    assert location_payload(event()) == {
        "locationName": "Campaign HQ",
        "locationAddress": "204 E 13th St, Suite 2, New York, NY 10003",
    }


def test_location_payload_has_exactly_pdis_location_fields():
    assert tuple(location_payload(event())) == LOCATION_PAYLOAD_KEYS


def test_location_name_without_a_venue_is_the_first_address_line():
    result = location_payload(event(location=location(venue="")))
    assert result["locationName"] == "204 E 13th St"


def test_location_name_without_venue_or_address_line_is_the_city():
    result = location_payload(event(location=location(venue=None, address_lines=["", ""])))
    assert result == {"locationName": "New York", "locationAddress": "New York, NY 10003"}


def test_country_is_written_only_outside_the_us():
    assert not location_payload(event())["locationAddress"].endswith("US")
    canada = location(
        venue="Union Hall",
        address_lines=["100 Queen St W", ""],
        locality="Toronto",
        region="ON",
        postal_code="M5H 2N2",
        country="CA",
    )
    assert location_payload(event(location=canada))["locationAddress"] == "100 Queen St W, Toronto, ON M5H 2N2, CA"


def test_us_territory_address_reads_like_a_us_address():
    san_juan = location(
        venue="Centro", address_lines=["151 Calle San Francisco", ""], locality="San Juan", region="", country="PR"
    )
    san_juan["postal_code"] = "00901"
    assert location_payload(event(location=san_juan))["locationAddress"] == (
        "151 Calle San Francisco, San Juan, PR 00901"
    )


def test_location_without_state_or_zip_leaves_them_out():
    bare = location(region=None, postal_code="", address_lines=["204 E 13th St", ""])
    assert location_payload(event(location=bare))["locationAddress"] == "204 E 13th St, New York"


# --- private addresses ---------------------------------------------------------------------------------

REAL_STREET = ("204 E 13th St", "Suite 2", "Campaign HQ")


def _private_cases():
    for sentence in PRIVATE_SENTENCES:
        # What Mobilize shows everyone: the venue and line 1 replaced by the sentence, line 2 emptied.
        yield (
            f"text: {sentence}",
            event(address_visibility="PUBLIC", location=location(venue=sentence, address_lines=[sentence, ""])),
        )
        # Only line 1 replaced, line 2 still holding the apartment.
        yield f"line 1 only: {sentence}", event(location=location(address_lines=[sentence, "Suite 2"]))
    # Our own event with a private address: Mobilize shows us the street, PDI must not.
    yield "address_visibility PRIVATE", event(address_visibility="PRIVATE")


@pytest.mark.parametrize(("case", "record"), list(_private_cases()), ids=lambda value: str(value)[:40])
def test_private_address_is_never_reconstructed(case, record):
    result = location_payload(record)
    assert result == {"locationName": "Private address (New York)", "locationAddress": "New York, NY 10003"}
    written = " ".join(result.values())
    for street in REAL_STREET:
        assert street not in written
    for sentence in PRIVATE_SENTENCES:
        assert sentence not in written


def test_private_address_sentence_in_any_address_line_hides_the_street():
    record = event(location=location(address_lines=["204 E 13th St", PRIVATE_SENTENCES[1]]))
    assert location_payload(record) == {
        "locationName": "Private address (New York)",
        "locationAddress": "New York, NY 10003",
    }


def test_private_address_outside_the_us_keeps_its_country():
    record = event(
        address_visibility="PRIVATE",
        location=location(locality="London", region="", postal_code="SW1A 1AA", country="GB"),
    )
    assert location_payload(record) == {
        "locationName": "Private address (London)",
        "locationAddress": "London, SW1A 1AA, GB",
    }


def test_private_address_without_a_city_is_named_private_address():
    record = event(address_visibility="PRIVATE", location=location(locality=""))
    assert location_payload(record) == {"locationName": "Private address", "locationAddress": "NY 10003"}


def test_private_address_with_nothing_but_the_street_has_no_pdi_location():
    record = event(
        address_visibility="PRIVATE",
        location=location(locality=None, region=None, postal_code=None, country=None),
    )
    assert location_payload(record) is None


# --- virtual events, and events without a location ----------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        None,
        {"venue": "", "address_lines": ["", ""], "locality": "", "region": "", "postal_code": ""},
        # A venue alone says nowhere ("Zoom").
        {"venue": "Zoom", "address_lines": ["", ""], "locality": None, "region": None, "postal_code": None},
    ],
    ids=["no location", "empty location", "venue only"],
)
def test_virtual_event_without_location_has_no_pdi_location(where):
    assert location_payload(event(is_virtual=True, location=where)) is None


def test_virtual_event_with_a_location_is_treated_like_in_person():
    virtual = event(is_virtual=True, virtual_action_url="https://zoom.us/j/1")
    in_person = event(is_virtual=False)
    assert location_payload(virtual) == location_payload(in_person)
    # ... private addresses included.
    assert location_payload(event(is_virtual=True, address_visibility="PRIVATE"))["locationName"] == (
        "Private address (New York)"
    )


def test_event_without_a_location_has_no_pdi_location():
    assert location_payload(event(location=None)) is None


# --- finding an existing PDI location -----------------------------------------------------------------------


def test_location_key_ignores_case_and_spacing():
    ours = {"locationName": "Campaign HQ", "locationAddress": "12 Main St,  Springfield"}
    theirs = {"id": 31, "locationName": " campaign  hq", "locationAddress": "12 main st , springfield "}
    assert location_key(ours) == location_key(theirs)


def test_location_key_tells_different_addresses_and_names_apart():
    base = {"locationName": "Campaign HQ", "locationAddress": "12 Main St, Springfield"}
    assert location_key(base) != location_key({**base, "locationAddress": "14 Main St, Springfield"})
    assert location_key(base) != location_key({**base, "locationName": "Union Hall"})


def test_location_key_of_a_payload_finds_the_location_pdi_returns_for_it():
    wanted = location_payload(event())
    pdi_row = {
        "id": 5,
        "locationName": wanted["locationName"].upper(),
        "locationAddress": wanted["locationAddress"].replace(", ", " ,  "),
    }
    assert location_key(pdi_row) == location_key(wanted)


def test_location_key_of_a_pdi_location_with_missing_fields_is_still_a_key():
    assert location_key({"id": 5, "locationName": None}) == "|"
