"""Experiment tracking settings (part of `Settings`): the stage's managed MLflow, or another."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool

from deployment.section import Section as _Section

# A SageMaker managed MLflow resource (API reference, MlflowConfig.MlflowResourceArn pattern,
# narrowed to the two resource types the sagemaker-mlflow plugin resolves).
MLFLOW_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:mlflow-(tracking-server|app)/[A-Za-z0-9-]{1,256}$"
)


class TrackingSettings(_Section):
    """Every pipeline execution is an MLflow run (docs/tracking.md).

    enabled: False = no tracking server, nothing logged, no MLflow in the definition.
    tracking_server_arn: log to this existing MLflow tracking server (or MLflow App) instead of
    creating one per stage; the job roles get `sagemaker-mlflow:*` on it and nothing else.
    """

    enabled: StrictBool = True
    tracking_server_arn: str | None = Field(None, pattern=MLFLOW_ARN_PATTERN)
    # CreateMlflowTrackingServer TrackingServerSize (SageMaker API reference).
    server_size: Literal["Small", "Medium", "Large"] = "Small"
    # CreateMlflowTrackingServer WeeklyMaintenanceWindowStart, UTC.
    weekly_maintenance_window_start: str = Field(
        "Sun:03:00", pattern=r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):([0-5]\d)$"
    )

    @property
    def creates_server(self) -> bool:
        """The training stack creates the stage's own tracking server."""
        return self.enabled and self.tracking_server_arn is None
