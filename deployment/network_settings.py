"""The isolated VPC multi-node training and Bedrock jobs run in."""

from __future__ import annotations

import ipaddress
import re

from pydantic import Field, field_validator, model_validator

from deployment.section import Section as _Section


class NetworkSettings(_Section):
    """Isolated VPC for multi-node training and Bedrock jobs."""

    cidr: str = "10.40.0.0/16"
    az_count: int = Field(2, ge=2, le=6)
    # The zones to use (e.g. us-east-1a); unset, the network stack takes the Region's first
    # az_count zones at deploy time (Fn::GetAZs) instead of a synth-time lookup, which
    # `python app.py` cannot do (CDK would write placeholder zones, dummy1a...).
    availability_zones: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _zones_match_count(self) -> NetworkSettings:
        zones = self.availability_zones
        for zone in zones:
            if not re.match(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d[a-z]$", zone):
                raise ValueError(f"availability_zones: {zone!r} is not a zone name like us-east-1a")
        if zones and len(zones) != self.az_count:
            raise ValueError(
                f"availability_zones = {list(zones)}: give az_count ({self.az_count}) zones"
            )
        if len(set(zones)) != len(zones):
            raise ValueError(f"availability_zones = {list(zones)}: each zone may appear once")
        return self

    @field_validator("cidr")
    @classmethod
    def _cidr_is_private_block(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"must be an IPv4 CIDR block such as 10.40.0.0/16 ({exc})") from None
        # VPC limits: a block between /16 and /28 (AWS VPC user guide, "VPC CIDR blocks").
        if not 16 <= net.prefixlen <= 28:
            raise ValueError("must have a prefix length between /16 and /28")
        if not net.is_private:
            raise ValueError("must be a private (RFC 1918) range")
        return value
