"""A WGS84 point at the HTTP edge, shared by plans and alerts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Point(BaseModel):
    """A WGS84 location on a named area."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90, examples=[57.4711])
    lon: float = Field(ge=-180, le=180, examples=[10.2062])
