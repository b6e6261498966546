"""Argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane): ~19 ms here, not ~156.

A stored hash made with other parameters is replaced on the next successful sign-in
(`rehash_if_needed`), so raising the parameters reaches every account without a reset. Service
passwords are checked for strength here too (`service_password_problem`): a list-based check of
what people really choose (a common word with digits and a symbol, a keyboard walk, a run, a date,
the customer's own document or birthday), the same rules zxcvbn penalises most, without its 800 kB
of dictionaries.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crm_tui.errors import InvalidInput
from crm_tui.i18n import _

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_OPERATOR_PASSWORD = 10
MIN_SERVICE_PASSWORD = 8
_DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$2OcrCsKaNNdRcKEAtruilw$P0G9Hbd7rpV9euCju86jT/IZyTzJuzkSvJCM90saW5A"
"""A hash of a phrase nobody types, with HASHER's parameters (a test checks them): verifying against
it spends the same time as a real check. Written out rather than hashed at import, which cost every
command ~20-80 ms before it did anything."""
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv", "qazwsxedcrfv", "azertyuiop", "qwertzuiop")
_RUNS = ("0123456789", "abcdefghijklmnopqrstuvwxyz")
_ENDS = re.compile(r"^[^a-zA-Z\u00c0-\u024f]+|[^a-zA-Z\u00c0-\u024f]+$")


def hash_secret(secret: str) -> str:
    return HASHER.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """True if `secret` matches; spends the same time when there is no stored hash."""
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def rehash_if_needed(stored_hash: str, secret: str) -> str | None:
    """After a successful verification: a new hash when the stored one has other parameters, else None."""
    try:
        return HASHER.hash(secret) if HASHER.check_needs_rehash(stored_hash) else None
    except InvalidHashError:
        return HASHER.hash(secret)


def check_operator_password(password: str, *, field: str = "password") -> str:
    if len(password) < MIN_OPERATOR_PASSWORD:
        raise InvalidInput(
            _("An operator password has at least {count} characters.").format(count=MIN_OPERATOR_PASSWORD),
            fields={field: _("At least {count} characters.").format(count=MIN_OPERATOR_PASSWORD)},
        )
    if password.strip() != password or not password.strip():
        raise InvalidInput(
            _("A password cannot start or end with spaces."), fields={field: _("No leading or trailing spaces.")}
        )
    return password


@cache
def common_words() -> frozenset[str]:
    """The words people build passwords from (crm_tui/data/common_passwords.txt)."""
    text = resources.files("crm_tui.data").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _is_walk(value: str) -> bool:
    """Wholly a piece of a keyboard row, the alphabet or the digits, forwards or backwards."""
    value = value.lower()
    return len(value) >= 4 and any(value in line or value in line[::-1] for line in (*_KEYBOARD, *_RUNS))


def _is_date(digits: str) -> bool:
    """DDMMYYYY, YYYYMMDD, DDMMYY: a birthday or an anniversary."""
    if len(digits) == 8:
        candidates = [(digits[4:8], digits[2:4], digits[0:2]), (digits[0:4], digits[4:6], digits[6:8])]
    elif len(digits) == 6:
        candidates = [("19" + digits[4:6], digits[2:4], digits[0:2]), ("20" + digits[4:6], digits[2:4], digits[0:2])]
    else:
        return False
    for year, month, day in candidates:
        try:
            date(int(year), int(month), int(day))
        except ValueError:
            continue
        return True
    return False


def service_password_problem(
    password: str, *, cert_number: str = "", birthday: date | None = None, names: tuple[str, ...] = ()
) -> str | None:
    """Why a service password is too easy to guess, in words for the field; None when it is fine."""
    if len(password) < MIN_SERVICE_PASSWORD:
        return _("At least {count} characters.").format(count=MIN_SERVICE_PASSWORD)
    lowered = password.lower()
    if len(set(lowered)) < 4:
        return _("Too few different characters.")
    if _is_walk(password):
        return _("A run of keys, letters or digits is guessed first: choose words of your own.")
    if password.isdigit() and _is_date(password):
        return _("A date is guessed first: choose words of your own.")
    core = _ENDS.sub("", password).lower()
    letters = "".join(ch for ch in lowered if ch.isalpha())
    words = common_words()
    if core.translate(_LEET) in words or core in words or letters in words or letters.translate(_LEET) in words:
        return _("A common word with digits or a symbol added is guessed first: join two or three words of your own.")
    if _is_walk(core) or _is_walk(letters):
        return _("A run of keys, letters or digits is guessed first: choose words of your own.")
    if cert_number and cert_number[:6].upper() in password.upper():
        return _("Not the identity document.")
    if birthday and (birthday.strftime("%d%m%Y") in password or birthday.strftime("%Y%m%d") in password):
        return _("Not the birthday.")
    if any(len(name) >= 4 and name.lower() == core for name in names):
        return _("Not the customer's own name.")
    return None
