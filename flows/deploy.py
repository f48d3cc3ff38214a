"""A scheduled deployment of the ingest flow on a Prefect process work pool.

The deployment names the flow by module (`noticeflow.flows.ingest.ingest`), not by a source
folder to pull: a process worker runs it wherever noticeflow is installed, on any machine.
"""
from __future__ import annotations

from uuid import UUID

ENTRYPOINT = "noticeflow.flows.ingest.ingest"
TIMEZONE = "Asia/Shanghai"


def ensure_pool(client, pool: str) -> None:
    """The process work pool `pool`, created when absent (an existing pool of any type is used)."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    try:
        client.read_work_pool(pool)
    except ObjectNotFound:
        client.create_work_pool(WorkPoolCreate(name=pool, type="process"))


def deploy_to_pool(name: str, pool: str, cron: str, parameters: dict) -> UUID:
    """Create or update the deployment `noticeflow-ingest/<name>` on `pool`; returns its id."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.utilities.callables import parameter_schema

    from noticeflow.flows.ingest import ingest

    with get_client(sync_client=True) as client:
        ensure_pool(client, pool)
        flow_id = client.create_flow_from_name(ingest.name)
        return client.create_deployment(
            flow_id=flow_id, name=name, work_pool_name=pool, entrypoint=ENTRYPOINT,
            parameters=parameters, parameter_openapi_schema=parameter_schema(ingest).model_dump(),
            schedules=[DeploymentScheduleCreate(schedule=CronSchedule(cron=cron, timezone=TIMEZONE), active=True)],
            pull_steps=[], enforce_parameter_schema=True,
            description="noticeflow ingest: notices -> DuckDB warehouse")
