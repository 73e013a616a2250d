"""Request input types that close each kind of input fault for every field that uses them.

Type a request field with the type of its kind and the fault is closed for that field:
refused with a 422 whose ``loc`` names the field and whose message says what is wrong in
plain words, bounded in the generated JSON schema so a schema-driven fuzzer generates both
sides of the rule, and never let through to crash a database write, a fingerprint or a
mail header further on.

==================  ===========================================  ===================
kind                type                                         module
==================  ===========================================  ===================
one-line text       ``Annotated[str, SingleLine(n)]``            :mod:`.text`
multi-line text     ``Annotated[str, MultiLine(n)]``             :mod:`.text`
code, identifier    ``Annotated[str, Code(n[, pattern, ...])]``  :mod:`.text`
mobile number       ``Phone`` (answered in E.164)                :mod:`.phone`
email address       ``Email``                                    :mod:`.emails`
amounts, counts     ``Quantity``, ``UnitPriceFen``, ``SpendFen``, :mod:`.integers`
                    ``TenderFen``, ``DiscountFen``, ``Points``,
                    ``PointsPerYuan``, ``MultiplierPercent``,
                    ``LineNo``
a list's total      ``TotalAtMost(maximum, amount)``             :mod:`.integers`
sale time           ``SaleTime``                                 :mod:`.times`
when a change       ``EffectiveTime``                            :mod:`.times`
takes effect
a planned day       ``PlanDate``                                 :mod:`.times`
a planned time      ``PlanTime``                                 :mod:`.times`
date of birth       ``BirthDate``                                :mod:`.times`
day of a report     ``TradingDate``                              :mod:`.times`
page cursor, limit  ``Cursor``, ``SeqCursor``, ``PageSize``      :mod:`shared.pagination`
==================  ===========================================  ===================

Lists and dicts are capped where they are declared, with ``Len(min, max)`` from
``annotated_types`` and a named ``MAX_...`` constant. :func:`unbounded_inputs` lists every
input of an OpenAPI document that has no bound, for a test over every service.

Phone numbers and times read settings (default phone region, business timezone, earliest
trading date, clock skew) that :func:`configure_inputs` installs from the service's
settings when its app is built.
"""

from shared.inputs.audit import unbounded_inputs
from shared.inputs.config import InputDefaults, configure_inputs, input_defaults
from shared.inputs.emails import Email, EmailAddress
from shared.inputs.integers import (
    INT32_MAX,
    INT64_MAX,
    JSON_SAFE_INTEGER,
    MAX_BALANCE,
    MAX_LINES,
    MAX_MULTIPLIER_PERCENT,
    MAX_POINTS,
    MAX_POINTS_PER_SALE,
    MAX_POINTS_PER_YUAN,
    MAX_QUANTITY,
    MAX_RUNNING_FEN,
    MAX_SALE_TOTAL_FEN,
    MAX_UNIT_PRICE_FEN,
    DiscountFen,
    LineNo,
    MultiplierPercent,
    Points,
    PointsPerYuan,
    Quantity,
    SpendFen,
    TenderFen,
    TotalAtMost,
    UnitPriceFen,
)
from shared.inputs.phone import Phone, PhoneNumber, PhoneNumberError, to_e164
from shared.inputs.text import Code, MultiLine, SingleLine
from shared.inputs.times import (
    BirthDate,
    Birthday,
    CalendarDay,
    EffectiveTime,
    PlanDate,
    PlanTime,
    SaleTime,
    ScheduledTime,
    TradingDate,
    TradingDay,
    TradingTime,
)

__all__ = [
    "INT32_MAX",
    "INT64_MAX",
    "JSON_SAFE_INTEGER",
    "MAX_BALANCE",
    "MAX_LINES",
    "MAX_MULTIPLIER_PERCENT",
    "MAX_POINTS",
    "MAX_POINTS_PER_SALE",
    "MAX_POINTS_PER_YUAN",
    "MAX_QUANTITY",
    "MAX_RUNNING_FEN",
    "MAX_SALE_TOTAL_FEN",
    "MAX_UNIT_PRICE_FEN",
    "BirthDate",
    "Birthday",
    "CalendarDay",
    "Code",
    "DiscountFen",
    "EffectiveTime",
    "Email",
    "EmailAddress",
    "InputDefaults",
    "LineNo",
    "MultiLine",
    "MultiplierPercent",
    "Phone",
    "PhoneNumber",
    "PhoneNumberError",
    "PlanDate",
    "PlanTime",
    "Points",
    "PointsPerYuan",
    "Quantity",
    "SaleTime",
    "ScheduledTime",
    "SingleLine",
    "SpendFen",
    "TenderFen",
    "TotalAtMost",
    "TradingDate",
    "TradingDay",
    "TradingTime",
    "UnitPriceFen",
    "configure_inputs",
    "input_defaults",
    "to_e164",
    "unbounded_inputs",
]
