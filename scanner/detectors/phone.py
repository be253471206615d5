"""PHONE_NUMBER: libphonenumber's matcher over digit-run candidate windows.

One regex finds runs of digits and phone separators holding at least seven
digits; only those windows are handed to ``phonenumbers.PhoneNumberMatcher``
(leniency VALID), region by region in the configured order, stopping as soon as
every digit of the window is covered. A ``+CC`` / ``00CC`` number parses the same
under any region, so it needs one pass; regions of one calling code are tried once; a
candidate whose digits no number of a region's calling code can end is not parsed for
that region (``_Pruner``: the results are libphonenumber's, at a fraction of the cost). When
several regions match the same span the first configured region wins; the finding
records the number's region and E.164 country code, never the number.

A phone-shaped run (grouped digits, parentheses or a plus sign) that no
configured region accepts is still reported at low confidence with
``requires_context``: only a nearby word such as "phone", "call me" or "mobile"
lets it through refinement. Dates, times, year ranges, prices, order numbers
(``#...``), IP addresses, ISBNs and card-like digit strings are rejected.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers
import regex
from phonenumbers import Leniency, NumberFormat, PhoneNumber
from phonenumbers.phonenumberutil import _choose_formatting_pattern_for_number as _choose_format
from phonenumbers.phonenumberutil import _formatting_rule_has_first_group_only as _first_group_only
from phonenumbers.phonenumberutil import _maybe_strip_national_prefix_carrier_code as _strip_national_prefix
from stdnum import isbn, luhn

from ..errors import ConfigError
from ..findings import Hit
from ..rules import count_digits
from .base import Detector, ScanInput

if TYPE_CHECKING:
    from ..config import ScannerConfig

MIN_DIGITS = 7
MAX_DIGITS = 15  # E.164 maximum, extension excluded
MAX_RUN_DIGITS = 64  # a longer run of digits and separators is a data dump, not a list of numbers

CONFIDENCE_INTERNATIONAL = 0.75
CONFIDENCE_FORMATTED = 0.6
CONFIDENCE_BARE = 0.4  # a bare digit run needs a context word to pass the 0.5 threshold
CONFIDENCE_SHAPE_ONLY = 0.3  # phone-shaped, valid in no configured region; requires context

CONTEXT: tuple[str, ...] = (
    "phone", "phones", "telephone", "tel", "ph", "call", "calls", "calling", "called", "ring", "dial",
    "text", "texts", "texting", "txt", "sms", "message", "messages", "msg", "cell", "cellphone",
    "mobile", "mob", "whatsapp", "signal", "telegram", "viber", "fax", "landline", "voicemail",
    "hotline", "contact", "reach", "answering",
)
NEGATIVE_CONTEXT: tuple[str, ...] = (
    "order", "invoice", "tracking", "isbn", "serial", "ssn", "social security", "iban", "routing",
    "passport", "account number", "acct", "card number", "case number", "ticket number", "reference",
    "ref", "id number", "postcode", "zip", "license number", "licence number", "driver's license",
    "drivers license",
)

# A run of digits and phone separators (no newlines), with an optional extension.
_RUN = regex.compile(
    r"(?<![\w+#@/.-])[+(]?(?:00)?\d[\d \t\u00a0().\-/\u2010-\u2015]*\d\)?"
    r"(?:[ \t]*(?:ext\.?|extension|x)[ \t]*\d{1,6})?(?!\w)",
    regex.IGNORECASE,
)
_DIGIT = regex.compile(r"\d")
_SEPARATED = regex.compile(r"\d[ \t\u00a0().\-/\u2010-\u2015]+\d")
_GROUPS = regex.compile(r"\d+")
_YEAR_RANGE = regex.compile(r"^(?:1[89]|20)\d\d\s*[-\u2010-\u2015/]\s*(?:1[89]|20)\d\d(?!\d)")
_ISO_DATE = regex.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)")
_DATE = regex.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_IPV4 = regex.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_DECIMAL_LIST = regex.compile(r"\d[./]\d+\s+-\s|\s-\s+\d+[./]\d")
_SPACED_SLASH_OR_DOT = regex.compile(r"\s[/.]|[/.]\s")  # "27 / 01 / 12", "5 . 1": tokenised dates, decimals
_EXTENSION = regex.compile(r"[ \t]*(?:ext\.?|extension|x)[ \t]*\d{1,6}$", regex.IGNORECASE)
_CURRENCY = "$€£¥₹₩₽¢"
# one of these is in every match of _YEAR_RANGE, _ISO_DATE, _IPV4, _DECIMAL_LIST, _SPACED_SLASH_OR_DOT and _DATE
_DATE_SEPARATORS = frozenset("-/.\u2010\u2011\u2012\u2013\u2014\u2015")
_DROP_NON_DIGITS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not "0" <= chr(c) <= "9"))
_NOT_PLAIN = re.compile(r"[^0-9\s().\-/\u00a0\u2010-\u2015\[\]~]")  # a plus, letters, "#": parse as is


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    region: str | None
    number: PhoneNumber | None


def check_regions(regions: Iterable[str]) -> tuple[str, ...]:
    """The regions, upper-cased and checked against libphonenumber's supported regions."""
    out = tuple(r.upper() for r in regions)
    bad = [r for r in out if r not in phonenumbers.SUPPORTED_REGIONS]
    if bad:
        hint = " (use GB for the United Kingdom)" if "UK" in bad else ""
        raise ConfigError(
            f"unknown phone region(s) {', '.join(bad)}{hint}; valid regions are ISO 3166-1 alpha-2 codes "
            f"known to libphonenumber, such as {', '.join(sorted(phonenumbers.SUPPORTED_REGIONS)[:12])}, ... "
            "(see phonenumbers.SUPPORTED_REGIONS)"
        )
    if not out:
        raise ConfigError("phone_regions must name at least one region, e.g. US")
    return out


def _digits(s: str) -> str:
    """The digits of ``s`` (``\\d``: any script's), in order."""
    if s.isascii():
        return s.translate(_DROP_NON_DIGITS)  # the same for ASCII text, 3x faster
    return "".join(_DIGIT.findall(s))


def _plain_digits(text: str) -> str | None:
    """The digits of ``text`` when it holds only ASCII digits and phone separators, else None
    (a plus sign, letters or other scripts: libphonenumber reads it as is)."""
    return _digits(text) if text.isascii() and not _NOT_PLAIN.search(text) else None


class _PlainDigits(dict[str, str | None]):
    """``_plain_digits`` of each text asked for, computed once: the pruners of every region ask
    about the same window and the same matcher candidates (kept for one window only)."""

    def __missing__(self, text: str) -> str | None:
        digits = self[text] = _plain_digits(text)
        return digits


def is_hard_negative(text: str, start: int, end: int) -> bool:
    """True when the span looks like a date, time, year range, price, IP, ISBN, card or order number."""
    raw = text[start:end]
    if "x" in raw or "X" in raw:  # every extension has one
        raw = _EXTENSION.sub("", raw)
    digits = _digits(raw)
    before = text[max(0, start - 12):start]
    lead = before.rstrip()
    if lead and (lead[-1] in _CURRENCY or lead[-1] == "#"):
        return True
    if end < len(text) and text[end] == ":" and end + 1 < len(text) and text[end + 1].isdigit():
        return True  # a time of day follows: "2012-01-02 08:00"
    if not _DATE_SEPARATORS.isdisjoint(raw):  # dates, year ranges, IPs and decimals all hold one
        if _YEAR_RANGE.search(raw) or _ISO_DATE.search(raw) or _IPV4.search(raw) or _DECIMAL_LIST.search(raw):
            return True
        if _SPACED_SLASH_OR_DOT.search(raw):
            return True
        date = _DATE.match(raw)
        if date and (int(date[1]) <= 31 and int(date[2]) <= 31) and (int(date[1]) <= 12 or int(date[2]) <= 12):
            return True
    if len(digits) == 13 and digits[:3] in {"978", "979"} and isbn.is_valid(digits):
        return True
    if "isbn" in before.lower() and isbn.is_valid(digits):
        return True
    return not raw.lstrip().startswith("+") and 13 <= len(digits) <= 19 and luhn.is_valid(digits)


def _not_a_phone_window(window: str, digits: str) -> bool:
    """A whole window that is an IPv4 address or a Luhn-valid card-length number: no matcher run.

    Any phone number found inside such a window would be dropped anyway (as a hard negative,
    or inside the enclosing card or IP finding), so libphonenumber is not asked.
    """
    if _IPV4.match(window):
        return True
    return not window.startswith("+") and 13 <= len(digits) <= 19 and luhn.is_valid(digits)


def _is_phone_shaped(raw: str) -> bool:
    """Grouped like a phone number (several digit groups, parentheses or a plus sign), 7-15 digits."""
    digits = _digits(raw)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return False
    groups = _GROUPS.findall(raw)
    if raw.startswith("+") or raw.startswith("("):
        return len(groups) >= 2 or raw.startswith("+")
    return len(groups) >= 2 and all(len(g) <= 6 for g in groups)


class _Pruner:
    """Says when no number of a region's calling code can be read from a matcher candidate.

    ``parse(candidate, region)`` reads a national number as a suffix of the candidate's digits
    (after a national prefix or the calling code) unless the region rewrites prefixes into
    something else than a suffix (``national_prefix_transform_rule``; BR's keeps one), the
    candidate starts with an international prefix or ``+``, or holds letters (an extension, a
    vanity number). Otherwise a valid number's national digits match the pattern of a number
    type (fixed line, mobile, toll free, ...) of a region of that calling code, so when no
    suffix of the digits does, parsing cannot succeed and is skipped (most non-phone digit
    runs, such as "50475 216" in an address, fail every region this way). Nor when none of the
    few national numbers parse() can read from the digits (``_readings``: libphonenumber's own
    national-prefix stripping, with or without the calling code in front) matches such a pattern
    as a whole ("51 516 33 75" in AU ends in an AU number but is none).
    """

    def __init__(self, region: str) -> None:
        from phonenumbers import PhoneMetadata

        metadata = PhoneMetadata.metadata_for_region(region)
        code = phonenumbers.country_code_for_region(region)
        patterns: list[str] = []
        for other in phonenumbers.region_codes_for_country_code(code):
            patterns.extend(f"(?:{p})" for p in _type_patterns(PhoneMetadata.metadata_for_region(other)))
        # A prefix transform that keeps the prefix pattern's last group and what follows it (BR's
        # carrier codes: "\\2") still leaves a suffix of the digits, when that group ends the match.
        transform = metadata.national_prefix_transform_rule if metadata is not None else None
        self._transform: re.Pattern[str] | None = None
        if transform and metadata is not None and metadata.national_prefix_for_parsing:
            parsing = re.compile(metadata.national_prefix_for_parsing)
            if transform == f"\\{parsing.groups}":
                self._transform = parsing
        usable = metadata is not None and (not transform or self._transform is not None) and patterns
        self._suffix = re.compile(f"(?:{'|'.join(patterns)})$") if usable else None
        # what parse() can read as the national number of plain digits (see _readings)
        self._metadata = metadata
        main_region = phonenumbers.region_code_for_country_code(code)
        self._main_metadata = PhoneMetadata.metadata_for_region(main_region) if main_region != region else metadata
        self._whole = re.compile("|".join(patterns)) if metadata is not None and patterns else None
        self._anywhere = self._whole if usable and not transform else None
        idd = metadata.international_prefix if metadata is not None else None
        self._idd = re.compile(idd) if idd else None
        # Leniency VALID also drops a number written without the national prefix when the format
        # it takes needs one (libphonenumber's _is_national_prefix_present_if_required): DE
        # "21 284 698 2548" without its leading 0. Checked for the calling code's main region.
        self._code = str(code)
        main = metadata is not None and phonenumbers.region_code_for_country_code(code) == region
        self._prefix_formats = metadata if main and metadata is not None and any(
            _needs_national_prefix(f) for f in metadata.number_format) else None

    def __call__(self, candidate: str) -> bool:
        return self.skips(_plain_digits(candidate))

    def skips(self, digits: str | None) -> bool:
        """``self(candidate)`` given the candidate's ``_plain_digits``."""
        if self._whole is None or digits is None:
            return False
        if self._idd is not None and self._idd.match(digits):
            return False
        if self._suffix is not None and self._suffix.search(digits) is None and self._leaves_suffix(digits):
            return True
        whole = self._whole.fullmatch
        return not any(whole(n) for n in self._readings(digits)) or self._lacks_national_prefix(digits)

    def _leaves_suffix(self, digits: str) -> bool:
        """Whether the national number parse() reads from ``digits`` is a suffix of them (it is
        unless a prefix transform rewrites more than the prefix: BR's carrier codes can)."""
        if self._transform is None:
            return True
        m = self._transform.match(digits)
        return m is None or m.group(m.re.groups) is None or m.end(m.re.groups) == m.end()

    def _readings(self, digits: str) -> set[str]:
        """Every national number ``parse(candidate, region)`` may read from a candidate with these
        plain digits and no international prefix, by libphonenumber's own prefix stripping: the
        digits themselves or after a national prefix; if they start with the calling code, what
        follows it after a national prefix, once or twice (the region's, then the calling code's
        main region's). A valid number's national number matches a number type pattern of a
        region of the calling code (``is_valid_number``), so when none of these does, the
        candidate cannot be a valid number."""
        metadata = self._metadata
        assert metadata is not None  # _whole is set only with metadata
        out = {digits, _strip_national_prefix(digits, metadata)[1]}
        if digits.startswith(self._code):
            rest = _strip_national_prefix(digits[len(self._code):], metadata)[1]
            out.add(rest)
            if self._main_metadata is not None:
                out.add(_strip_national_prefix(rest, self._main_metadata)[1])
        return out

    def _lacks_national_prefix(self, digits: str) -> bool:
        """True when parsing reads all of ``digits`` as the national number (no calling code, no
        national prefix to strip) and the format that number takes needs a national prefix."""
        metadata = self._prefix_formats
        if metadata is None or digits.startswith(self._code):
            return False
        if _strip_national_prefix(digits, metadata)[2]:
            return False
        rule = _choose_format(metadata.number_format, digits)
        return rule is not None and _needs_national_prefix(rule)

    def rejects_window(self, window: str) -> bool:
        """True when every candidate a matcher can read from ``window`` would be skipped.

        A candidate is a substring of the window, so its digits (and their suffixes) are
        substrings of the window's digits: when no such substring is a number of the calling
        code (and the window is plain digits with no international prefix), none is.
        """
        return self.rejects_digits(_plain_digits(window))

    def rejects_digits(self, digits: str | None) -> bool:
        """``rejects_window(window)`` given the window's ``_plain_digits``."""
        if self._anywhere is None or digits is None:
            return False
        if self._idd is not None and self._idd.search(digits):
            return False
        return self._anywhere.search(digits) is None


def _needs_national_prefix(rule: NumberFormat) -> bool:
    """A format whose national form must start with the national prefix (not optional, not just "$1")."""
    prefix_rule = rule.national_prefix_formatting_rule
    return bool(prefix_rule) and not rule.national_prefix_optional_when_formatting and not _first_group_only(
        prefix_rule)


_NUMBER_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number", "voip",
                 "pager", "uan", "voicemail")


def _type_patterns(metadata: object) -> list[str]:
    """The national number patterns of a region's number types: a valid number matches one of them
    (libphonenumber's ``is_valid_number`` needs a type other than UNKNOWN)."""
    out = []
    for name in _NUMBER_TYPES:
        desc = getattr(metadata, name, None)
        pattern = getattr(desc, "national_number_pattern", None)
        if pattern:
            out.append(str(pattern))
    return sorted(set(out))


class _RegionMatcher(phonenumbers.PhoneNumberMatcher):
    """libphonenumber's matcher (leniency VALID) that skips candidates ``prune`` rules out
    (``plain``: the candidates' digits, shared by the matchers of one window)."""

    def __init__(self, text: str, region: str, prune: _Pruner, plain: _PlainDigits | None = None) -> None:
        super().__init__(text, region, leniency=Leniency.VALID)
        self._prune = prune
        self._plain = _PlainDigits() if plain is None else plain
        self.tried: list[str] = []  # the candidates asked about, in order
        self.matched = False

    def _parse_and_verify(self, candidate: str, offset: int) -> phonenumbers.PhoneNumberMatch | None:
        self.tried.append(candidate)
        if self._prune.skips(self._plain[candidate]):
            return None
        match = super()._parse_and_verify(candidate, offset)
        self.matched = self.matched or match is not None
        return match


@functools.cache
def _compile_patterns(regions: tuple[str, ...]) -> None:
    """Have libphonenumber compile its patterns for ``regions`` now (~30 ms, once per process):
    it compiles each on first use, which cost the first posts with a new kind of number
    ~1 ms each. Its example numbers of every type, written nationally and internationally,
    are matched once."""
    for region in regions:
        for number_type in phonenumbers.PhoneNumberType.values():
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            for style in (phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL):
                for _ in phonenumbers.PhoneNumberMatcher(f"call {phonenumbers.format_number(example, style)} now",
                                                         region):
                    pass


class PhoneDetector(Detector):
    """Phone numbers, international (``+CC``) anywhere and national for the configured regions."""

    id = "pii.phone/v1"
    types = frozenset({"PHONE_NUMBER"})

    def __init__(self, config: ScannerConfig) -> None:
        super().__init__(config)
        self.regions = check_regions(config.phone_regions)
        # Regions of one calling code (US and CA: +1) validate each other's numbers: parsing with the
        # first is enough (the finding's region comes from the number itself)
        codes: dict[int, str] = {}
        for region in self.regions:
            codes.setdefault(phonenumbers.country_code_for_region(region), region)
        self._match_regions = tuple(codes.values())
        self._prune = {region: _Pruner(region) for region in self._match_regions}
        # libphonenumber's metadata patterns for many regions overflow the re module's cache,
        # so they would be compiled again and again; the library's own cache keeps them.
        enable_cache = getattr(phonenumbers, "enable_pattern_cache", None)
        if enable_cache is not None:
            enable_cache()
        _compile_patterns(self.regions)

    def may_fire(self, text: str) -> bool:
        if count_digits(text) >= MIN_DIGITS:  # ASCII digits, counted once per post
            return True
        return not text.isascii() and len(_DIGIT.findall(text)) >= MIN_DIGITS  # other scripts' digits

    def detect(self, data: ScanInput) -> Iterable[Hit]:
        text = data.text
        for run in data.finditer(_RUN, self.id):
            digits = _digits(run.group())
            if len(digits) < MIN_DIGITS or len(digits) > MAX_RUN_DIGITS or _not_a_phone_window(run.group(), digits):
                continue
            yield from self._window(text, run.start(), run.end())

    def _window(self, text: str, start: int, end: int) -> Iterator[Hit]:
        window = text[start:end]
        found = self._matches(window)
        covered = [False] * len(window)
        for cand in found:
            for i in range(cand.start, cand.end):
                covered[i] = True
            s, e = start + cand.start, start + cand.end
            if is_hard_negative(text, s, e):
                continue
            yield self._hit(text, s, e, cand)
        if not found:
            raw = window.strip()
            s = start + window.find(raw)
            if _is_phone_shaped(raw) and not is_hard_negative(text, s, s + len(raw)):
                yield self._hit(text, s, s + len(raw), _Candidate(0, 0, None, None))

    def _matches(self, window: str) -> list[_Candidate]:
        """Valid numbers in ``window``: longest span first, then the first configured region."""
        cands: dict[tuple[int, int], _Candidate] = {}
        need = {m.start() for m in _DIGIT.finditer(window)}
        regions = self._match_regions[:1] if window.startswith("+") else self._match_regions
        plain = _PlainDigits()
        # The candidates a matcher asks about when none is a number: which candidates it asks about
        # depends on the answers alone, not on the region, so a region that would skip each of them
        # finds nothing and is not run.
        failed: list[str] | None = None
        for region in regions:
            prune = self._prune[region]
            if prune.rejects_digits(plain[window]):
                continue
            if failed is not None and all(prune.skips(plain[c]) for c in failed):
                continue
            matcher = _RegionMatcher(window, region, prune, plain)
            for m in matcher:
                key = (m.start, m.end)
                if key not in cands:
                    cands[key] = _Candidate(m.start, m.end, region, m.number)
                need -= set(range(m.start, m.end))
            if not matcher.matched:
                failed = matcher.tried
            if not need:
                break
        chosen: list[_Candidate] = []
        for cand in sorted(cands.values(), key=lambda c: (c.start - c.end, self._rank(c.region))):
            if all(cand.end <= c.start or cand.start >= c.end for c in chosen):
                chosen.append(cand)
        return sorted(chosen, key=lambda c: c.start)

    def _rank(self, region: str | None) -> int:
        return self.regions.index(region) if region in self.regions else len(self.regions)

    def _hit(self, text: str, start: int, end: int, cand: _Candidate) -> Hit:
        raw = text[start:end]
        attributes: dict[str, str | int | float | bool] = {}
        if cand.number is None:
            confidence = CONFIDENCE_SHAPE_ONLY
            rule = "pii.phone.shape"
            requires_context = True
        else:
            number_region = phonenumbers.region_code_for_number(cand.number) or cand.region or ""
            attributes = {"region": number_region, "country_code": int(cand.number.country_code or 0)}
            international = raw.startswith("+") or raw.startswith("00")
            if international:
                confidence, rule = CONFIDENCE_INTERNATIONAL, "pii.phone.international"
            elif _SEPARATED.search(raw):
                confidence, rule = CONFIDENCE_FORMATTED, "pii.phone.national"
            else:
                confidence, rule = CONFIDENCE_BARE, "pii.phone.national"
            requires_context = False
        return Hit(
            type="PHONE_NUMBER",
            start=start,
            end=end,
            confidence=confidence,
            rule=rule,
            context=CONTEXT,
            negative_context=NEGATIVE_CONTEXT,
            requires_context=requires_context,
            context_window=6,
            attributes=attributes,
        )
