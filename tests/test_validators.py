"""Unit tests of the named validators and filters: positives and hard negatives for each."""

from __future__ import annotations

import datetime

import pytest

from scanner.validators import FILTERS, VALIDATORS, ip_attributes, keccak256, parse_lat_lng

VALID: dict[str, list[str]] = {
    "luhn": ["4532 0151 1283 0366", "79927398713"],
    "card_issuer": [
        "4532015112830366",  # Visa
        "5425233430109903",  # Mastercard
        "2221560865690707",  # Mastercard 2-series
        "371449635398431",  # Amex
        "6011538323640568",  # Discover
        "36293137585849",  # Diners
        "3566224154990952",  # JCB
        "6214547527720402",  # UnionPay
        "6759649826438453",  # Maestro
        "5019717010103742",  # Dankort
    ],
    "us_ssn": ["536-90-4399", "078-05-1123", "853 37 1694", "412738822"],
    "gb_nino": ["JG 10 37 52 A", "tw987654a", "PR 123612C"],
    "ca_sin": ["130-692-544", "527 219 133"],
    "in_aadhaar": ["4971 8234 5128", "3123:4567:8909", "839201746556"],
    "es_dni": ["48392011B", "71234568-a"],
    "es_nie": ["X4938210H", "Y2718309-E"],
    "fr_nir": ["1 85 05 78 006 084 91", "293081305502145"],
    "it_fiscal_code": ["BNCGNN85T10A944B", "mrtmtt91d08f205j"],
    "br_cpf": ["529.982.247-25", "39053344705"],
    "mx_curp": ["GOMA850312MDFNRL00", "LOSM770704MNLPNR02"],
    "iban": ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "gb42nawi04454264788619"],
    "aba_routing": ["121000358", "021000021", "0711-0130-7"],
    "btc_base58": ["16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"],
    "btc_bech32": [
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",  # v0, bech32
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",  # BIP-173 test vector, upper case
        "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",  # v1 taproot, bech32m
    ],
    "eth_address": [
        # EIP-55 test vectors
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        "0x52908400098527886e0f7030069857d2e4169ee7",  # all lower case: no checksum to check
    ],
    "lat_lng": ["40.7128, -74.0060", "40.7128° N, 74.0060° W", "40°42'46\"N 74°00'21\"W", "74.0060°W, 40.7128°N"],
    "open_location_code": ["87G8Q2PQ+9C", "849VCWC8+R9", "Q2PQ+9C", "CWC8+R9"],
    "plausible_dob": ["03/14/1987", "14/03/1987", "1987-03-14", "March 14, 1987", "14th of March 1987", "3/14/87"],
    "ip_address": ["192.168.0.1", "8.8.8.8", "::1", "2001:db8::1", "fe80::1%eth0", "::ffff:192.0.2.1"],
    "license_shape": ["F162823540116", "2270-66-1551", "D4830167"],
    "gb_driving_licence": ["MORGA657054SM9IJ", "JONES710153J99EF", "SMIT9801015JK2CD"],
}

INVALID: dict[str, list[str]] = {
    "luhn": ["4532 0151 1283 0367", "", "abc"],
    "card_issuer": [
        "9876543210987652",  # no issuer starts with 98
        "371449635398431000",  # Amex prefix, 18 digits
        "5425233430109",  # Mastercard prefix, 13 digits
        "1748503543012",
    ],
    "us_ssn": [
        "078-05-1120",
        "219-09-9999",
        "457-55-5462",
        "123-45-6789",  # samples and advertised numbers
        "000-12-3456",
        "666-12-3456",
        "912-34-5678",
        "536-00-4399",
        "536-90-0000",
        "53690439",
    ],
    "gb_nino": ["FQ 00 00 00 C", "BG123612A", "NT 99 88 77 A", "AA 12 34 56 H", "UV 98 76 54 B", "AO 12 34 56 A"],
    "ca_sin": ["130 692 545", "046 454 286", "812 345 678", "13069254"],
    "in_aadhaar": ["1234 5678 9012", "4971 8234 5129", "497182345"],
    "es_dni": ["48392011C", "4839201B"],
    "es_nie": ["Y2718309Q", "W2718309E"],
    "fr_nir": ["1 85 05 78 006 084 92", "385057800608491"],
    "it_fiscal_code": ["BNCGNN85T10A944C", "A55AAA00B11C333N"],
    "br_cpf": ["529.982.247-26", "39053344706"],
    "mx_curp": ["GOMA850312MDFNRL01", "GOMA851312MDFNRL00"],
    "iban": ["GB82 WEST 1234 5698 7654 33", "DE89370400440532013001", "XX12 3456 7890 1234 56"],
    "aba_routing": ["121000359", "421042111", "12100035", "1234-0000-0"],
    "btc_base58": [
        "16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyX",  # checksum
        "16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ2",  # length
        "0OIl6Yeky6GMjeNkAiNcBY7ZhrLoMSgg1",  # characters outside base58
    ],
    "btc_bech32": [
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # checksum
        "bc1qar0srrr7xfkvy5l643lydNw9re59gtzzwf5mdq",  # mixed case
        "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",  # testnet
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # v1 with a bech32 (not bech32m) checksum
    ],
    "eth_address": [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # one letter's case flipped
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",  # 39 hex digits
        "0x0000000000000000000000000000000000000000",
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ],
    "lat_lng": [
        "95.1, 20.1",  # latitude out of range
        "40.7128, 190.0",  # longitude out of range
        "0.0000, 0.0000",
        "40°72'46\"N 74°00'21\"W",  # 72 minutes
        "40.7128° N, 74.0060° N",  # two latitudes
        "3.5",
    ],
    "open_location_code": ["CCCCCCCC+CC", "X7G8Q2PQ+9C", "23456789+22", "87G8Q2P+9C", "87G8Q2PQ+9", "8FVC0000+"],
    "plausible_dob": ["02/30/1987", "13/13/1987", "03/14/2199", "03/14/1850", "March 32, 1987", "Smarch 14, 1987"],
    "ip_address": ["256.1.1.1", "192.168.1", "1.2.3.4.5", "12:34:56", "aa:bb:cc:dd:ee:ff", "2001::db8::1"],
    "license_shape": ["1234", "2027-03-01", "03/14/2027", "12345678901234567"],
    "gb_driving_licence": ["MORGA613054SM9IJ", "MORGA601324SM9IJ", "MO9G9657054SM9IJ", "99999657054SM9IJ"],
}

FILTERED: dict[str, tuple[list[str], list[str]]] = {
    # filter name: (values it must drop, look-alikes it must keep)
    "placeholder_digits": (
        ["4111 1111 1111 1111", "111-11-1111", "123-45-6789", "987654321", "4012888888881881", "000000000"],
        ["536-90-4399", "4532015112830366", "371449635398431", "1234"],
    ),
    "test_card": (["4242 4242 4242 4242", "371449635398431", "6011111111111117"], ["4532015112830366"]),
    "ip_unspecified": (["0.0.0.0", "::"], ["127.0.0.1", "::1", "not an ip"]),
    "example_email": (
        ["user@example.com", "a@b.example", "dev@api.test", "your.name@gmail.com", "x@localhost"],
        ["jane.doe84@gmail.com", "info@examples.com", "someone@example.company.com"],
    ),
}


def test_every_validator_and_filter_here_is_tested() -> None:
    ours = {name for name, check in VALIDATORS.items() if check.__module__ == "scanner.validators"}
    assert ours == set(VALID) == set(INVALID)
    assert {name for name, check in FILTERS.items() if check.__module__ == "scanner.validators"} == set(FILTERED)


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, vs in VALID.items() for v in vs])
def test_validator_accepts(name: str, value: str) -> None:
    assert VALIDATORS[name](value) is True


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, vs in INVALID.items() for v in vs])
def test_validator_rejects(name: str, value: str) -> None:
    assert VALIDATORS[name](value) is False


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, (drop, _) in FILTERED.items() for v in drop])
def test_filter_drops(name: str, value: str) -> None:
    assert FILTERS[name](value) is True


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, (_, keep) in FILTERED.items() for v in keep])
def test_filter_keeps(name: str, value: str) -> None:
    assert FILTERS[name](value) is False


def test_keccak256_known_digest() -> None:
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("40.7128, -74.0060", (40.7128, -74.006)),
        ("40.7128° S, 74.0060° E", (-40.7128, 74.006)),
        ("74.0060° W, 40.7128° N", (40.7128, -74.006)),
        ("40°42'46\"N 74°00'21\"W", (40 + 42 / 60 + 46 / 3600, -(21 / 3600 + 74))),
    ],
)
def test_parse_lat_lng(value: str, expected: tuple[float, float]) -> None:
    got = parse_lat_lng(value)
    assert got is not None
    assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.168.0.1", {"version": 4, "private": True, "loopback": False, "global": False}),
        ("127.0.0.1", {"version": 4, "private": True, "loopback": True}),
        ("8.8.8.8", {"version": 4, "private": False, "loopback": False, "global": True}),
        ("::1", {"version": 6, "loopback": True}),
        ("fe80::1%eth0", {"version": 6, "link_local": True, "global": False}),
        ("::ffff:10.0.0.1", {"version": 4, "private": True}),  # described by the mapped IPv4 address
        ("2606:4700:4700::1111", {"version": 6, "private": False, "global": True}),
        ("ff02::1", {"version": 6, "multicast": True}),
    ],
)
def test_ip_attributes(value: str, expected: dict[str, object]) -> None:
    attrs = ip_attributes(value)
    assert {k: attrs[k] for k in expected} == expected


def test_ip_attributes_of_non_address_is_empty() -> None:
    assert ip_attributes("1.2.3.4.5") == {}


def test_plausible_dob_rejects_tomorrow() -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    assert VALIDATORS["plausible_dob"](tomorrow.isoformat()) is False
    assert VALIDATORS["plausible_dob"](yesterday.isoformat()) is True
