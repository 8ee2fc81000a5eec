"""Griffe extension for the API reference: show what a resource method returns, not what it describes.

A resource method is written as a function returning ``RequestSpec[T]`` or ``PageSpec[T]`` and decorated with
``@endpoint``/``@paginated``/``@paged`` (see ``src/cortexbuild_sdk/_resource.py``); the client method returns ``T`` or
``SyncPage[T]`` (on the async client an awaitable of ``T``, or an ``AsyncPaginator[T]``). The reference shows
the sync form, exactly as ``inspect.signature`` does at run time.
"""

from __future__ import annotations

from typing import Any

import griffe

_PAGE_SPECS = {"PageSpec": "SyncPage", "NumberedPageSpec": "SyncNumberedPage"}
_REQUEST_SPECS = {"RequestSpec"}


class EndpointReturns(griffe.Extension):
    def on_function_instance(self, *, node: Any, func: griffe.Function, agent: Any, **kwargs: Any) -> None:
        decorators = {str(decorator.value).rpartition(".")[2] for decorator in func.decorators}
        returns = func.returns
        if not decorators & {"endpoint", "paginated", "paged"} or not isinstance(returns, griffe.ExprSubscript):
            return
        wrapper = str(returns.left).rpartition(".")[2]
        if wrapper in _REQUEST_SPECS:
            func.returns = returns.slice
        elif wrapper in _PAGE_SPECS:
            pagination = func.module.modules_collection["cortexbuild_sdk.pagination"]
            page = griffe.ExprName(_PAGE_SPECS[wrapper], parent=pagination)
            func.returns = griffe.ExprSubscript(page, returns.slice)
        if "self" in func.parameters:
            del func.parameters["self"]
