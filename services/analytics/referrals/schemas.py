"""The referral report. Months are the brand's (``business_timezone``); rates are ratios
rounded to 4 decimals."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, JsonValue

_MONTH: dict[str, JsonValue] = {
    "month": "2026-11",
    "registrations": 400,
    "referred": 60,
    "referral_rate": 0.15,
    "qualified": 42,
    "qualification_rate": 0.7,
    "rewarded": 35,
}


class ReferralMonth(BaseModel):
    month: str = Field(description="`YYYY-MM`, the brand's calendar month")
    registrations: int = Field(description="Members who registered in the month")
    referred: int = Field(description="Of them, those who registered with a referral code")
    referral_rate: float = Field(description="referred / registrations (the seed's 老带新 rate)")
    qualified: int = Field(
        description="Of the referred, those whose first paid purchase has been made (so far)"
    )
    qualification_rate: float = Field(description="qualified / referred")
    rewarded: int = Field(description="Of the referred, those whose referrer was rewarded")


class ReferralReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from_month": "2026-11",
                    "to_month": "2026-11",
                    "months": [_MONTH],
                    "total": _MONTH | {"month": "2026-11..2026-11"},
                }
            ]
        }
    )

    from_month: str
    to_month: str
    months: list[ReferralMonth] = Field(description="One per month of the range, oldest first")
    total: ReferralMonth = Field(description="The whole range (`month`: `from..to`)")


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
