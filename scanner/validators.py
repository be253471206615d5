"""Named value checks used by rules in ``patterns/``.

Two registries, referenced by name from rule files:

* ``VALIDATORS``: ``name -> (value) -> bool``; True means the value is plausible
  (checksums, issuer prefixes, valid ranges). Every validator a rule names must pass.
* ``FILTERS``: ``name -> (value) -> bool``; True means the value is a known false
  positive (placeholder, sequential string, ...). Any filter that fires drops the hit.

Checksums are written once here (or taken from python-stdnum) and reused by name.
``ip_attributes`` is not a validator: it describes an IP address for a finding's attributes.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import itertools
from collections.abc import Callable, Mapping
from types import ModuleType

import regex
from Crypto.Hash import keccak
from stdnum import bitcoin, iban, luhn
from stdnum.br import cpf
from stdnum.ca import sin
from stdnum.es import dni, nie
from stdnum.exceptions import ValidationError
from stdnum.fr import nir
from stdnum.in_ import aadhaar
from stdnum.it import codicefiscale
from stdnum.mx import curp
from stdnum.us import rtn, ssn

from .findings import AttrValue

Check = Callable[[str], bool]

VALIDATORS: dict[str, Check] = {}
FILTERS: dict[str, Check] = {}


def validator(name: str) -> Callable[[Check], Check]:
    """Register ``func`` as the validator ``name``."""

    def register(func: Check) -> Check:
        if name in VALIDATORS:
            raise ValueError(f"validator {name!r} registered twice")
        VALIDATORS[name] = func
        return func

    return register


def false_positive_filter(name: str) -> Callable[[Check], Check]:
    """Register ``func`` as the false-positive filter ``name``."""

    def register(func: Check) -> Check:
        if name in FILTERS:
            raise ValueError(f"filter {name!r} registered twice")
        FILTERS[name] = func
        return func

    return register


def digits(value: str) -> str:
    """The ASCII digits of ``value``."""
    return "".join(c for c in value if "0" <= c <= "9")


def alnum(value: str) -> str:
    """``value`` upper-cased, without separators (anything not an ASCII letter or digit)."""
    return "".join(c for c in value.upper() if c.isascii() and c.isalnum())


@validator("luhn")
def _luhn(value: str) -> bool:
    d = digits(value)
    return bool(d) and luhn.is_valid(d)


# --- digit placeholders -------------------------------------------------------------------


_SEVEN_SAME = regex.compile(r"(\d)\1{6}")
_GB_NINO = regex.compile(r"[A-Z]{2}\d{6}[A-D]")
_ETH = regex.compile(r"0[xX][0-9a-fA-F]{40}")
_GB_DRIVING = regex.compile(r"[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}")
_SURNAME_PADDED = regex.compile(r"[A-Z]+9*")


@false_positive_filter("placeholder_digits")
def placeholder_digits(value: str) -> bool:
    """Digits that look typed-in rather than issued.

    At most two distinct digits (``4111 1111 1111 1111``, ``111-11-1111``), a run of seven or
    more equal digits, or an ascending / descending run covering every digit (``123-45-6789``).
    """
    d = digits(value)
    if len(d) < 6:
        return False
    if len(set(d)) <= 2 or _SEVEN_SAME.search(d):
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(d)}
    return steps in ({1}, {9})


# --- payment cards --------------------------------------------------------------------------

# (first digits low, high, allowed lengths): issuer ranges from the networks' published IIN tables.
_CARD_RANGES: tuple[tuple[int, int, frozenset[int]], ...] = tuple(
    (lo, hi, frozenset(lengths))
    for lo, hi, lengths in (
        (4, 4, (13, 16, 19)),  # Visa (incl. Electron)
        (51, 55, (16,)),  # Mastercard
        (2221, 2720, (16,)),  # Mastercard 2-series
        (34, 34, (15,)),  # American Express
        (37, 37, (15,)),
        (6011, 6011, (16, 17, 18, 19)),  # Discover
        (644, 649, (16, 17, 18, 19)),
        (65, 65, (16, 17, 18, 19)),
        (300, 305, (14, 15, 16, 17, 18, 19)),  # Diners Club
        (3095, 3095, (14, 15, 16, 17, 18, 19)),
        (36, 36, (14, 15, 16, 17, 18, 19)),
        (38, 39, (14, 15, 16, 17, 18, 19)),
        (3528, 3589, (16, 17, 18, 19)),  # JCB
        (1800, 1800, (15,)),  # JCB (legacy)
        (2131, 2131, (15,)),
        (62, 62, (16, 17, 18, 19)),  # UnionPay
        (81, 82, (16, 17, 18, 19)),  # UnionPay 81, RuPay 82
        (50, 50, (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro, Dankort (5019), Verve (506)
        (56, 58, (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro
        (60, 60, (16, 17, 18, 19)),  # RuPay
        (63, 63, (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro
        (66, 69, (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro (6759, 676x), Troy-like ranges
        (2200, 2204, (16, 17, 18, 19)),  # Mir
        (1, 1, (15,)),  # UATP
        (9792, 9792, (16,)),  # Troy
    )
)

# Test numbers published by payment processors for sandboxes (Stripe, Braintree, Adyen docs).
_TEST_CARDS = frozenset(
    {
        "4242424242424242",
        "4000056655665556",
        "4012888888881881",
        "4222222222222",
        "4111111111111111",
        "5555555555554444",
        "2223003122003222",
        "5200828282828210",
        "5105105105105100",
        "378282246310005",
        "371449635398431",
        "378734493671000",
        "6011111111111117",
        "6011000990139424",
        "6011000400000000",
        "3056930009020004",
        "36227206271667",
        "30569309025904",
        "38520000023237",
        "3566002020360505",
        "3530111333300000",
        "3566111111111113",
        "6200000000000005",
        "4000000000000002",
        "4000000000009995",
        "4000000000000077",
        "4000000000000093",
        "4000002500003155",
        "4000000000003220",
    }
)


@validator("card_issuer")
def card_issuer(value: str) -> bool:
    """The number starts with a known issuer prefix and has that issuer's length."""
    d = digits(value)
    for lo, hi, lengths in _CARD_RANGES:
        width = len(str(lo))
        if len(d) in lengths and lo <= int(d[:width]) <= hi:
            return True
    return False


@false_positive_filter("test_card")
def test_card(value: str) -> bool:
    """A card number published as a payment-processor test number."""
    return digits(value) in _TEST_CARDS


# --- identity numbers -----------------------------------------------------------------------

# Numbers printed on sample cards or in advertising, never issued to a person.
_SSN_SAMPLES = frozenset({"078051120", "219099999", "457555462", "123456789", "111223333"})


@validator("us_ssn")
def us_ssn(value: str) -> bool:
    """Valid SSN areas/groups/serials (no 000, 666 or 9xx area, 00 group, 0000 serial), no samples."""
    d = digits(value)
    return len(d) == 9 and d not in _SSN_SAMPLES and ssn.is_valid(d)


_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


@validator("gb_nino")
def gb_nino(value: str) -> bool:
    """UK National Insurance number (python-stdnum has none): allocated prefix letters, suffix A-D."""
    v = alnum(value)
    if not _GB_NINO.fullmatch(v):
        return False
    first, second = v[0], v[1]
    return first not in "DFIQUV" and second not in "DFIOQUV" and v[:2] not in _NINO_BAD_PREFIXES


def _stdnum_check(module: ModuleType, digits_only: bool = False) -> Check:
    def check(value: str) -> bool:
        number = digits(value) if digits_only else alnum(value)
        return bool(number) and bool(module.is_valid(number))

    return check


validator("ca_sin")(_stdnum_check(sin, digits_only=True))
validator("in_aadhaar")(_stdnum_check(aadhaar, digits_only=True))
validator("es_dni")(_stdnum_check(dni))
validator("es_nie")(_stdnum_check(nie))
validator("fr_nir")(_stdnum_check(nir))
validator("it_fiscal_code")(_stdnum_check(codicefiscale))
validator("br_cpf")(_stdnum_check(cpf, digits_only=True))
validator("mx_curp")(_stdnum_check(curp))
validator("iban")(_stdnum_check(iban))


# --- bank routing numbers -------------------------------------------------------------------


@validator("aba_routing")
def aba_routing(value: str) -> bool:
    """US ABA routing number: 9 digits, Federal Reserve prefix (00-12, 21-32, 61-72, 80), checksum."""
    d = digits(value)
    if len(d) != 9:
        return False
    prefix = int(d[:2])
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    return bool(rtn.is_valid(d))


# --- crypto wallets -------------------------------------------------------------------------


_BASE58_CHARS = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@validator("btc_base58")
def btc_base58(value: str) -> bool:
    """Bitcoin P2PKH / P2SH address: base58check (double SHA-256), 25 bytes, version 0x00 or 0x05."""
    if not value or any(c not in _BASE58_CHARS for c in value):
        return False
    raw = bitcoin.b58decode(value)
    if len(raw) != 25 or raw[0] not in (0x00, 0x05):
        return False
    return hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] == raw[-4:]


_BECH32_CHARS = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M_CONST = 0x2BC830A3


@validator("btc_bech32")
def btc_bech32(value: str) -> bool:
    """Bitcoin segwit address: bech32 (BIP-173) for v0, bech32m (BIP-350) for v1+, mainnet ``bc``."""
    if value != value.lower() and value != value.upper():
        return False  # mixed case is invalid bech32
    v = value.lower()
    if not v.startswith("bc1") or not 14 <= len(v) <= 90 or any(c not in _BECH32_CHARS for c in v[3:]):
        return False
    data = [_BECH32_CHARS.index(c) for c in v[3:]]
    const = bitcoin.bech32_checksum([3, 3, 0, 2, 3, *data])  # expanded "bc" + data
    version = data[0]
    if version > 16 or const != (1 if version == 0 else _BECH32M_CONST):
        return False
    try:
        program = bitcoin.b32decode(data[1:-6])
    except ValidationError:
        return False
    if version == 0:
        return len(program) in (20, 32)
    return 2 <= len(program) <= 40


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as used by Ethereum (not SHA3-256: the padding differs), from pycryptodome."""
    return keccak.new(digest_bits=256, data=data).digest()


@validator("eth_address")
def eth_address(value: str) -> bool:
    """``0x`` + 40 hex digits; when the hex digits are mixed case, the EIP-55 checksum must hold."""
    if not _ETH.fullmatch(value):
        return False
    body = value[2:]
    if body == body.lower() or body == body.upper():
        return len(set(body.lower())) > 2  # all one case carries no checksum; reject 0x000...0
    digest = keccak256(body.lower().encode("ascii")).hex()
    return all(
        (c.isupper() if int(h, 16) >= 8 else c.islower()) for c, h in zip(body, digest, strict=False) if c.isalpha()
    )


# --- locations ------------------------------------------------------------------------------

_COORD = regex.compile(
    r"""(?P<sign>[-+\u2212]?)\s*(?P<deg>\d{1,3}(?:\.\d+)?)\s*(?:°|º|deg)?\s*
    (?:(?P<min>\d{1,2}(?:\.\d+)?)\s*['′’]\s*(?:(?P<sec>\d{1,2}(?:\.\d+)?)\s*(?:"|″|”|''|′′)\s*)?)?
    (?P<hem>[NSEWnsew](?![a-zA-Z]))?""",
    regex.VERBOSE,
)


def parse_lat_lng(value: str) -> tuple[float, float] | None:
    """(latitude, longitude) from a decimal or degrees-minutes-seconds pair, or None if not a valid pair."""
    coords: list[tuple[float, str]] = []
    for m in _COORD.finditer(value):
        if not m.group("deg"):
            continue
        minutes, seconds = float(m.group("min") or 0), float(m.group("sec") or 0)
        if minutes >= 60 or seconds >= 60:
            return None
        angle = float(m.group("deg")) + minutes / 60 + seconds / 3600
        if m.group("sign") in ("-", "\u2212"):
            angle = -angle
        hem = (m.group("hem") or "").upper()
        if hem in ("S", "W"):
            angle = -abs(angle)
        coords.append((angle, hem))
    if len(coords) != 2:
        return None
    (a, ha), (b, hb) = coords
    if ha in ("E", "W") or hb in ("N", "S"):
        if ha in ("N", "S") or hb in ("E", "W"):
            return None
        (a, ha), (b, hb) = (b, hb), (a, ha)  # written longitude first
    if not (-90 <= a <= 90 and -180 <= b <= 180) or (a == 0 and b == 0):
        return None
    return a, b


@validator("lat_lng")
def lat_lng(value: str) -> bool:
    """A coordinate pair with latitude in [-90, 90] and longitude in [-180, 180] (not 0,0)."""
    return parse_lat_lng(value) is not None


_OLC_ALPHABET = "23456789CFGHJMPQRVWX"


@validator("open_location_code")
def open_location_code(value: str) -> bool:
    """A full or short Open Location Code (plus code) without padding, per the OLC specification.

    Heuristic on top of the spec: the code must hold both a digit and a letter (words spelled
    in the code alphabet, such as ``CHFF+WW``, and sums such as ``2345+22`` are not codes).
    """
    code = value.upper()
    if code.count("+") != 1:
        return False
    sep = code.index("+")
    if sep > 8 or sep % 2 == 1 or sep < 2 or not 2 <= len(code) - sep - 1 <= 7:
        return False
    if any(c not in _OLC_ALPHABET for c in code.replace("+", "")) or not any(c.isdigit() for c in code):
        return False
    if not any(c.isalpha() for c in code):
        return False
    if sep == 8:  # a full code: the first two characters are latitude and longitude of the 20° cell
        return _OLC_ALPHABET.index(code[0]) * 20 < 180 and _OLC_ALPHABET.index(code[1]) * 20 < 360
    return True


# --- dates ----------------------------------------------------------------------------------

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_NUMERIC_DATE = regex.compile(r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})")
_WORDS_DATE = regex.compile(r"(?i)([a-z]+|\d{1,2})\.?[\s,/-]+([a-z]+|\d{1,2})\.?[\s,/-]+(\d{2,4})")
_ORDINAL_OR_OF = regex.compile(r"(?i)(?<=\d)(?:st|nd|rd|th)\b|\bof\b")


def _year(raw: str, today: datetime.date) -> int | None:
    if len(raw) == 4:
        return int(raw)
    if len(raw) == 2:
        yy = int(raw)
        return 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    return None


def _real_date(year: int | None, month: int, day: int, today: datetime.date) -> bool:
    if year is None or not 1900 <= year <= today.year:
        return False
    try:
        return datetime.date(year, month, day) <= today
    except ValueError:
        return False


@validator("plausible_dob")
def plausible_dob(value: str) -> bool:
    """A real calendar date, not in the future, with a year from 1900 on.

    Numeric dates are accepted if either reading (month/day or day/month) is real.
    """
    today = datetime.date.today()
    m = _NUMERIC_DATE.fullmatch(value.strip())
    if m:
        a, b, c = m.groups()
        if len(a) == 4:
            return _real_date(int(a), int(b), int(c), today)
        year = _year(c, today)
        return _real_date(year, int(a), int(b), today) or _real_date(year, int(b), int(a), today)
    m = _WORDS_DATE.fullmatch(_ORDINAL_OR_OF.sub("", value).strip())
    if not m:
        return False
    first, second, raw_year = m.groups()
    year = _year(raw_year, today)
    if first.isdigit() and second.lower() in _MONTHS:
        return _real_date(year, _MONTHS[second.lower()], int(first), today)
    if second.isdigit() and first.lower() in _MONTHS:
        return _real_date(year, _MONTHS[first.lower()], int(second), today)
    return False


# --- network --------------------------------------------------------------------------------


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


@validator("ip_address")
def ip_address(value: str) -> bool:
    """A valid IPv4 or IPv6 address (IPv6 may carry a ``%zone``), per the ``ipaddress`` module."""
    return _ip(value) is not None


@false_positive_filter("ip_unspecified")
def ip_unspecified(value: str) -> bool:
    """``0.0.0.0`` and ``::``: placeholders, not anyone's address."""
    address = _ip(value)
    return address is not None and address.is_unspecified


def ip_attributes(value: str) -> dict[str, AttrValue]:
    """Attributes of an IP address for a finding: version and whether it is private, loopback, ...

    Returns an empty dict for a value that is not an IP address. An IPv4-mapped IPv6 address
    (``::ffff:10.0.0.1``) is described by its IPv4 address.
    """
    address = _ip(value)
    if address is None:
        return {}
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return {
        "version": address.version,
        "private": address.is_private,
        "loopback": address.is_loopback,
        "link_local": address.is_link_local,
        "multicast": address.is_multicast,
        "global": address.is_global,
    }


# --- e-mail ---------------------------------------------------------------------------------

_EXAMPLE_DOMAINS = frozenset(
    {
        "example.com",
        "example.net",
        "example.org",
        "example.edu",
        "domain.com",
        "yourdomain.com",
        "yourcompany.com",
        "yoursite.com",
        "mydomain.com",
        "email.example",
    }
)
_RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost", ".local")
_PLACEHOLDER_LOCALS = frozenset({"you", "your.name", "yourname", "your.email", "youremail", "username", "user.name"})


@false_positive_filter("example_email")
def example_email(value: str) -> bool:
    """An address at a documentation domain (RFC 2606/6761) or with a placeholder local part."""
    local, _, domain = value.lower().rpartition("@")
    return domain in _EXAMPLE_DOMAINS or f".{domain}".endswith(_RESERVED_TLDS) or local in _PLACEHOLDER_LOCALS


# --- identity documents ---------------------------------------------------------------------

_DATE_SHAPE = regex.compile(r"\d{4}[-/ .]\d{1,2}[-/ .]\d{1,2}|\d{1,2}[-/ .]\d{1,2}[-/ .]\d{2,4}")


@validator("license_shape")
def license_shape(value: str) -> bool:
    """A driver's licence number candidate: 5 to 16 digits in all, and not shaped like a date."""
    return 5 <= len(digits(value)) <= 16 and not _DATE_SHAPE.fullmatch(value)


@validator("gb_driving_licence")
def gb_driving_licence(value: str) -> bool:
    """UK (DVLA) driving licence number: surname, then decade, month (+50 for women), day, year digits."""
    v = value.upper()
    if not _GB_DRIVING.fullmatch(v) or not _SURNAME_PADDED.fullmatch(v[:5]):
        return False  # the surname part is letters padded with trailing 9s
    month, day = int(v[6:8]), int(v[8:10])
    return (1 <= month <= 12 or 51 <= month <= 62) and 1 <= day <= 31


# --- annotators: per-value attributes attached to findings (by name, from rule files) -------

Annotator = Callable[[str], Mapping[str, AttrValue]]

ANNOTATORS: dict[str, Annotator] = {"ip_attributes": ip_attributes}
