"""Hash banks: named collections of hashes of known abusive content (and
allow-lists of known-good content), matched exactly at each bank's
distance. See ``docs/banks.md``.

The entry point is :class:`perisai.banks.service.BankService` (``Runtime.banks``).
"""

from perisai.banks.formats import HashEntry, RowError
from perisai.banks.models import (
    AddReport,
    Bank,
    BankError,
    BankExists,
    BankMatch,
    BankNotFound,
    HashNotFound,
    HashRecord,
    MatchQuery,
    MatchResult,
)
from perisai.banks.service import BankService
from perisai.banks.signals import Md5Signal, PdqSignal, SignalType, get_signal_type

__all__ = [
    "AddReport",
    "Bank",
    "BankError",
    "BankExists",
    "BankMatch",
    "BankNotFound",
    "BankService",
    "HashEntry",
    "HashNotFound",
    "HashRecord",
    "MatchQuery",
    "MatchResult",
    "Md5Signal",
    "PdqSignal",
    "RowError",
    "SignalType",
    "get_signal_type",
]
