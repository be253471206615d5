"""Validators and false-positive filters for credential rules (registered by name).

Each check is a small named predicate over the matched *value* (never logged):

* filters (True = drop the hit): ``placeholder`` (template references, masks,
  ``xxxx`` runs, instruction text such as ``your_api_key_here``, documentation
  samples), ``sequential``, ``repeated``, ``uuid``, ``english_word``,
  ``password_phrase`` and ``code_reference``;
* validators (True = plausible): ``jwt`` (the header decodes to a JSON object
  naming ``alg``), ``password_like`` (letters and a digit or symbol) and
  ``has_digit``.

The small English word list lives in ``patterns/lexicons/credential_words.txt``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import string

import regex

from .resources import default_patterns_dir
from .validators import false_positive_filter, validator

WORDS_FILE = "credential_words.txt"

# Words that make a candidate password read as a sentence about passwords.
PASSWORD_TALK = frozenset({
    "password", "passwords", "passwd", "pwd", "passcode", "passphrase", "pin", "login", "log", "sign",
    "forgot", "forget", "forgotten", "reset", "required", "require", "requires", "incorrect", "invalid",
    "wrong", "expired", "expires", "enter", "entered", "must", "should", "characters", "character",
    "length", "hint", "field", "change", "changed", "update", "updated", "manager", "protected",
    "strength", "policy", "same", "different", "mine", "yours", "here", "hidden", "secure", "weak",
    "strong", "blank", "empty", "missing", "not", "none", "null", "set", "unset", "my", "your",
})

_TEMPLATE = regex.compile(
    r"""\$\{[^}]*\}|\$\([^)]*\)|\{\{.*?\}\}|\{%.*?%\}|<%.*?%>|^\$[A-Za-z_][\w.]*$|^%[\w.]+%$
    |^\{[\w .-]*\}$|^<[^<>]*>$|^\[[^\[\]]*\]$|^\$\w+\$$""",
    regex.VERBOSE,
)
_MASKED = regex.compile(r"(?i)x{4,}|\*{3,}|\.{3,}|•{3,}|#{4,}|_{5,}")
_INSTRUCTION = regex.compile(
    r"""(?ix)
    (?:^|[\W_])(?:your|my|insert|enter|put|replace|paste|add)[\W_]+\w*?(?:[\W_]+\w+){0,4}?[\W_]+here(?:$|[\W_])
    |_here$|^here$|(?:^|[\W_])(?:redacted|placeholder|changeme_?later|todo|tbd|fixme|dummy|not[\W_]?set)(?:$|[\W_])
    |example|^(?:none|null|nil|undefined|true|false|empty|secret|password|passwd|token|string|value|apikey|api_key)$
    |^(?:test|fake|sample|demo|my|your)[\W_]?(?:key|token|secret|password|pass|pwd|apikey)s?$
    |fake[\W_]?(?:key|token|secret|password)
    """,
)
_CODE_REFERENCE = regex.compile(
    r"""(?x)
    ^(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*(?:\(.*\))?$          # dotted name: var.db_password, env.TOKEN
    |^[A-Za-z_][\w.]*\(.*\)$                              # a call: getPassword()
    |^[A-Za-z_][\w.]*\[.*\]$                              # an index: request.form["password"]
    |^%[sd]$|^\?$|^:[a-z_]+$                              # printf / SQL parameters
    |^(?:[A-Z][A-Z0-9]*_)+[A-Z0-9]+$                      # an ENV_VAR_NAME
    |^(?:/|\./|\.\./|~/)[\w./-]+$|^[\w-]+\.(?:pem|key|p12|pfx|crt|cer|json|ya?ml|txt|env|cfg|conf|ini)$
    |^(?:https?|ftp)://                                   # a plain URL
    """,
)
_UUID = regex.compile(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SEQUENCES = (
    string.ascii_uppercase * 2 + string.digits + "+/",
    string.digits + string.ascii_uppercase * 2 + "+/",
    (string.digits + "ABCDEF") * 2,
    "1234567890" * 2,
    "0123456789" * 2,
    "QWERTYUIOPASDFGHJKLZXCVBNM" * 2,
    "1QAZ2WSX3EDC4RFV5TGB6YHN7UJM8IK9OL0P",
)
_ALNUM = regex.compile(r"[^A-Za-z0-9]+")
_WORD_PARTS = regex.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_B64URL = regex.compile(r"^[A-Za-z0-9_-]+={0,2}$")


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The small lower-case word list shipped in ``patterns/lexicons``."""
    path = default_patterns_dir() / "lexicons" / WORDS_FILE
    words = (line.split("#", 1)[0].strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w)


def _alnum(value: str) -> str:
    return _ALNUM.sub("", value)


# -- false-positive filters --------------------------------------------------------


@false_positive_filter("template_reference")
def is_template_reference(value: str) -> bool:
    """``${VAR}``, ``{{ var }}``, ``$VAR``, ``%VAR%``, ``<token>``, ``[key goes here]``."""
    return _TEMPLATE.search(value.strip("\"'`")) is not None


@false_positive_filter("masked")
def is_masked(value: str) -> bool:
    """A masked or elided value: ``xxxx`` runs, ``***``, ``...``."""
    return _MASKED.search(value) is not None


@false_positive_filter("instruction_text")
def is_instruction_text(value: str) -> bool:
    """``your_api_key_here``, ``insert_key_here``, ``EXAMPLE`` samples, bare type names."""
    return _INSTRUCTION.search(value) is not None


@false_positive_filter("placeholder")
def is_placeholder(value: str) -> bool:
    """Any of the placeholder shapes above."""
    return is_template_reference(value) or is_masked(value) or is_instruction_text(value)


@false_positive_filter("sequential")
def is_sequential_string(value: str) -> bool:
    """The value's letters and digits are a run of a keyboard or alphabet sequence (``abcdef123``)."""
    body = _alnum(value).upper()
    return len(body) >= 4 and any(body in seq for seq in _SEQUENCES)


@false_positive_filter("repeated")
def is_repeated_string(value: str) -> bool:
    """A unit of at most four characters repeated (``aaaa``, ``abab``), or one character filling most of it."""
    body = _alnum(value)
    if len(body) < 6:
        return False
    if regex.fullmatch(r"(.{1,4}?)\1{2,}.{0,3}", body, flags=regex.IGNORECASE):
        return True
    top = max(body.lower().count(c) for c in set(body.lower()))
    return top / len(body) >= 0.6


@false_positive_filter("uuid")
def is_uuid(value: str) -> bool:
    """A bare UUID (used where no provider keyword vouches for it)."""
    return _UUID.match(value.strip("\"'")) is not None


def _word_parts(value: str) -> list[str]:
    return [p.lower() for p in _WORD_PARTS.findall(value)]


@false_positive_filter("english_word")
def is_english_words(value: str) -> bool:
    """The value is made of common English words only (``required``, ``too short``, ``NotSet``)."""
    if any(c.isdigit() for c in value):
        return False
    parts = _word_parts(value)
    words = english_words()
    return bool(parts) and all(p in words for p in parts)


@false_positive_filter("password_phrase")
def is_password_phrase(value: str) -> bool:
    """A phrase about passwords rather than a password: ``password is required``, ``forgot my password``."""
    parts = _word_parts(value)
    if len(parts) < 2 and not (parts and parts[0] in {"password", "passwords", "passwd", "pwd"}):
        return False
    words = english_words()
    return any(p in PASSWORD_TALK for p in parts) and all(p in words or p in PASSWORD_TALK for p in parts)


@false_positive_filter("code_reference")
def is_code_reference(value: str) -> bool:
    """A variable, call, environment-variable name, path or plain URL rather than a literal secret."""
    return _CODE_REFERENCE.search(value.strip("\"'`")) is not None


# -- validators ----------------------------------------------------------------------


def _b64url_decode(part: str) -> bytes | None:
    if not _B64URL.match(part):
        return None
    part = part.rstrip("=")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


@validator("jwt")
def is_jwt(value: str) -> bool:
    """Two or three base64url parts whose header is a JSON object naming ``alg`` (or ``typ``)."""
    parts = value.split(".")
    if len(parts) not in (2, 3) or not parts[0].startswith("eyJ"):
        return False
    header = _b64url_decode(parts[0])
    if header is None:
        return False
    try:
        decoded = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        # A header with a damaged value but intact structure still reads as a JWT.
        text = header.decode("latin-1")
        return text.startswith('{"') and text.rstrip().endswith("}") and ('"alg"' in text or '"typ"' in text)
    return isinstance(decoded, dict) and ("alg" in decoded or "typ" in decoded)


@validator("password_like")
def is_password_like(value: str) -> bool:
    """Letters together with a digit or a symbol (``admin123``, ``s3cret!``): not a plain word or number."""
    has_alpha = any(c.isalpha() for c in value)
    has_other = any(c.isdigit() or (not c.isalnum() and not c.isspace()) for c in value)
    return has_alpha and has_other


@validator("has_digit")
def has_digit(value: str) -> bool:
    """At least one digit (random tokens of 20+ characters nearly always have one)."""
    return any(c.isdigit() for c in value)
