"""Bodies of the tiers capability's API."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from services.loyalty.program.schemas import LADDER_EXAMPLE, Ladder


class LadderReplaced(Ladder):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tiers": LADDER_EXAMPLE, "accounts_moved": 0}]}
    )

    accounts_moved: int = Field(
        description="Members whose tier left the ladder and were placed on the new one"
    )
