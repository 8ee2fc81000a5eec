"""The quickstart with ``AsyncCortexBuild.local()``: every method is awaitable, lists are ``async for``.

The local backend runs its SQLite work off the event loop, so other tasks keep running meanwhile.

    python examples/async_local.py
"""

from __future__ import annotations

import asyncio

from cortexbuild_sdk import AsyncCortexBuild


async def main() -> None:
    async with AsyncCortexBuild.local() as client:
        key = await client.keys.create(name="ci", scopes=["webhooks:read", "webhooks:write"])
        print(f"key #{key.id} {key.name!r}: prefix {key.key_prefix} (secret shown once, {len(key.secret)} chars)")

        # Independent requests can run concurrently.
        hook, sandbox, integration = await asyncio.gather(
            client.webhooks.create(
                name="Project Updates",
                url="http://127.0.0.1:9/webhooks/cortexbuild",
                events=["project.created", "task.completed"],
            ),
            client.sandboxes.create(name="Development Sandbox"),
            client.integrations.create(
                provider="stripe",
                name="Stripe payments",
                credentials={"apiKey": "sk_test_4eC39HqLyjWDarjtT1zdp7dc"},
            ),
        )
        print(f"webhook #{hook.id} {hook.name!r} -> {hook.url} for {', '.join(hook.events)}")
        print(f"sandbox #{sandbox.id} {sandbox.name!r}; sandbox key {sandbox.secret[:14]}...")
        print(
            f"integration #{integration.id} {integration.name!r} ({integration.provider}), "
            f"credentials stored: {integration.has_credentials}"
        )

        print("\nlists:")
        async for item in client.keys.list():
            print(f"  key         #{item.id:<3} {item.name:<32} {item.key_prefix}")
        async for hook_item in client.webhooks.list():
            print(f"  webhook     #{hook_item.id:<3} {hook_item.name:<32} {hook_item.url}")
        async for sandbox_item in client.sandboxes.list():
            print(f"  sandbox     #{sandbox_item.id:<3} {sandbox_item.name:<32} active={sandbox_item.is_active}")
        # Awaiting a list gives its first page; here that is every integration.
        page = await client.integrations.list()
        for integration_item in page.data:
            print(f"  integration #{integration_item.id:<3} {integration_item.name:<32} {integration_item.provider}")

        plan = await client.plan.retrieve()
        print(f"\nplan: {plan.tier}")
        for name, limit in plan.limits.items():
            print(f"  {name:<24} {plan.usage.get(name, 0):>4} / {'unlimited' if limit is None else limit}")
        webhook_usage = await client.usage.webhooks()
        for row in webhook_usage:
            print(f"  webhook {row.name!r}: {row.success_count} delivered, {row.failure_count} failed")


if __name__ == "__main__":
    asyncio.run(main())
