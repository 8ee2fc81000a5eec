from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .._models import BaseModel, JsonText, Timestamp

__all__ = ["Sandbox", "SandboxConfig", "SandboxWithSecret"]


class SandboxConfig(BaseModel):
    sample_data_enabled: bool = Field(default=True, alias="sampleDataEnabled")
    webhooks_enabled: bool = Field(default=True, alias="webhooksEnabled")
    integrations_enabled: bool = Field(default=True, alias="integrationsEnabled")


class Sandbox(BaseModel):
    id: int
    user_id: str | None = None
    name: str
    description: str | None = None
    config: Annotated[SandboxConfig, JsonText] = Field(default_factory=SandboxConfig)
    is_active: bool = True
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class SandboxWithSecret(Sandbox):
    """Returned by create: ``secret`` is the sandbox's ``cbk_test_`` key, shown this once."""

    secret: str = Field(repr=False)
