"""SMS segment counting (GSM-7 160/153, UCS-2 70/67) and phone masking."""

from __future__ import annotations

import pytest

from service.alerts.text import is_gsm7, mask_phone, segment_count, sms_text


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("æøåÆØÅ" * 26 + "abcd", 1),  # 160 GSM-7 characters: Danish letters are GSM-7
        ("€" * 80, 1),  # extension characters take two septets each
        ("€" * 81, 2),
        ("漢" * 70, 1),
        ("漢" * 71, 2),
        ("漢" * 134, 2),
        ("漢" * 135, 3),
        ("a" * 69 + "😀", 2),  # outside the BMP: two UTF-16 units, and UCS-2 for all
    ],
)
def test_segment_count(text: str, segments: int) -> None:
    """Segments follow the GSM-7 and UCS-2 limits, single and concatenated."""
    assert segment_count(text) == segments


def test_danish_letters_stay_gsm7_and_emoji_do_not() -> None:
    """æ ø å are in the GSM-7 alphabet; an emoji switches the message to UCS-2."""
    assert is_gsm7("Hold øje på Ålborgvej, Æblehaven")
    assert not is_gsm7("Hold øje 👀")


def test_sms_text_is_message_and_area_name_only() -> None:
    """The text is the police message then the area name."""
    assert sms_text(" Hvid varevogn. ", "Sindal") == "Hvid varevogn. Område: Sindal"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+4512345612", "+45 •••• ••12"),
        ("+46701234567", "+46 ••••••• 67"),
        ("+12", "••••"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    """Only the country code and the last two digits stay visible."""
    assert mask_phone(phone) == masked
