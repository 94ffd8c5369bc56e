"""SMS text: what is sent, how many segments it takes, and phone numbers masked for logs."""

from __future__ import annotations

from .. import i18n

# GSM 03.38 basic character set (one septet each) and its extension table (two septets each).
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")

MAX_SEGMENTS = 2
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    """Whether ``text`` can be sent in the GSM-7 alphabet (Danish æ ø å can)."""
    return all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in text)


def segment_count(text: str) -> int:
    """How many SMS segments ``text`` takes: GSM-7 160/153, otherwise UCS-2 70/67."""
    if is_gsm7(text):
        units = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        # UCS-2 counts UTF-16 code units: a character outside the BMP takes two.
        units = len(text.encode("utf-16-le")) // 2
        single, part = UCS2_SINGLE, UCS2_PART
    if units <= single:
        return 1
    return -(-units // part)


def sms_text(message: str, area_name: str) -> str:
    """The text every recipient gets: the police message and the area's name, nothing else.

    Client names, addresses and stop ids never enter it (the Sorø lesson: discretion).
    Written in the deployment's language (``EYES_LANGUAGE``): the staff read it, not
    whoever sent the alert.
    """
    with i18n.use_language(i18n.staff_language()):
        return i18n._("{message} Area: {area}", message=message.strip(), area=area_name.strip())


def mask_phone(phone: str) -> str:
    """A phone number for logs and answers: ``+4512345612`` -> ``+45 •••• ••12``."""
    digits = phone.removeprefix("+")
    if phone.startswith("+45") and len(digits) == 10:
        return f"+45 •••• ••{digits[-2:]}"
    if len(digits) < 4:
        return "••••"
    return f"+{digits[:2]} {'•' * (len(digits) - 4)} {digits[-2:]}"
