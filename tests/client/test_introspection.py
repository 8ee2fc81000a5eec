"""What ``inspect``, ``help()`` and IDEs see: every resource method's real parameters, return type and docs."""

from __future__ import annotations

import inspect
import pydoc
import typing
from collections.abc import Awaitable, Iterator
from functools import cached_property
from typing import Any

import pytest

from cortexbuild_sdk import AsyncCortexBuild, AsyncPage, AsyncPaginator, CortexBuild, SyncPage
from cortexbuild_sdk._resource import APIResource
from cortexbuild_sdk.types import Webhook


def _resources(client: Any) -> Iterator[tuple[str, APIResource[Any]]]:
    for name in dir(type(client)):
        if isinstance(inspect.getattr_static(type(client), name), cached_property):
            resource = getattr(client, name)
            if isinstance(resource, APIResource):
                yield name, resource


def _methods(resource: APIResource[Any]) -> Iterator[str]:
    for cls in type(resource).__mro__:
        if cls is APIResource or not issubclass(cls, APIResource):
            continue
        for name in vars(cls):
            if not name.startswith("_") and callable(getattr(resource, name)):
                yield name


@pytest.mark.parametrize("client_class", [CortexBuild, AsyncCortexBuild])
def test_every_resource_method_has_a_docstring_and_its_real_return_type(client_class: Any) -> None:
    client = client_class(api_key="cbk_test_introspection")
    seen = 0
    for resource_name, resource in _resources(client):
        for name in _methods(resource):
            where = f"{client_class.__name__}.{resource_name}.{name}"
            method = getattr(resource, name)
            assert (method.__doc__ or "").strip(), f"{where} has no docstring"
            assert (inspect.getdoc(getattr(type(resource), name)) or "").strip(), f"{where}: class view undocumented"
            signature = inspect.signature(method)
            returns = signature.return_annotation
            assert returns is not inspect.Signature.empty, where
            static = inspect.getattr_static(type(resource), name)
            if inspect.isfunction(static):  # not an endpoint: a sub-resource factory (client.integrations.slack(id))
                made = typing.get_type_hints(static).get("return")
                assert issubclass(typing.get_origin(made) or made, APIResource), f"{where} -> {made!r}"
                continue
            assert "RequestSpec" not in repr(returns) and "PageSpec" not in repr(returns), f"{where} -> {returns!r}"
            assert "self" not in signature.parameters, where
            origin = typing.get_origin(returns)
            if client_class is AsyncCortexBuild:
                assert origin is Awaitable or issubclass(origin, AsyncPaginator), f"{where} -> {returns!r}"
            else:
                assert origin is not Awaitable and not (
                    isinstance(origin, type) and issubclass(origin, AsyncPaginator)
                ), f"{where} -> {returns!r}"
            seen += 1
    assert seen >= 36  # every method of the seven platform areas at least


@pytest.mark.parametrize("cls", [CortexBuild, AsyncCortexBuild, SyncPage, AsyncPage, AsyncPaginator])
def test_public_methods_of_clients_and_pages_have_docstrings(cls: type[Any]) -> None:
    for name, member in inspect.getmembers(cls):
        if not name.startswith("_") and (callable(member) or isinstance(inspect.getattr_static(cls, name), property)):
            assert (inspect.getdoc(member) or "").strip(), f"{cls.__name__}.{name} has no docstring"


def test_signature_shows_parameters_and_return_type() -> None:
    client = CortexBuild(api_key="cbk_test_introspection")
    signature = inspect.signature(client.webhooks.create)
    assert list(signature.parameters)[:4] == ["name", "url", "events", "rate_limit_per_second"]
    assert signature.return_annotation is Webhook
    assert inspect.signature(client.webhooks.list).return_annotation == SyncPage[Webhook]
    async_client = AsyncCortexBuild(api_key="cbk_test_introspection")
    assert inspect.signature(async_client.webhooks.retrieve).return_annotation == Awaitable[Webhook]
    assert inspect.signature(async_client.webhooks.list).return_annotation == AsyncPaginator[Webhook]


def test_help_shows_parameters_and_docstrings() -> None:
    text = pydoc.render_doc(CortexBuild(api_key="cbk_test_introspection").webhooks, renderer=pydoc.plaintext)
    assert "create(self, *, name: str, url: str" in text
    assert "Subscribe ``url`` to ``events``" in text
    assert "RequestSpec" not in text and "create(...)" not in text


def test_the_class_attribute_runs_on_a_resource_like_a_method() -> None:
    with CortexBuild.local() as client:
        hook = client.webhooks.create(name="n", url="https://example.com/h", events=["*"])
        assert type(client.webhooks).retrieve(client.webhooks, hook.id).id == hook.id
