"""Quickstart on the embedded local backend: no server, no network, no sign-up.

``CortexBuild.local()`` returns the ordinary client, served in-process by a SQLite backend. Everything below
works unchanged against the platform with ``CortexBuild(api_key=..., base_url=...)``.

    python examples/quickstart_local.py
"""

from __future__ import annotations

from cortexbuild_sdk import CortexBuild


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 60 - len(title)))


def main() -> None:
    # A throwaway store; pass a path (CortexBuild.local("dev.db")) to keep it between runs.
    with CortexBuild.local() as client:
        section("API key")
        key = client.keys.create(name="ci", scopes=["webhooks:read", "webhooks:write"])
        print(f"created key #{key.id} {key.name!r}: prefix {key.key_prefix}, scopes {key.scopes}")
        print(f"  secret (shown once): {key.secret[:16]}... ({len(key.secret)} chars)")

        section("Webhook")
        # Port 9 (discard) on loopback: nothing is delivered in this example, creating it is enough.
        hook = client.webhooks.create(
            name="Project Updates",
            url="http://127.0.0.1:9/webhooks/cortexbuild",
            events=["project.created", "task.completed"],
        )
        print(f"created webhook #{hook.id} {hook.name!r} -> {hook.url}")
        print(f"  events: {', '.join(hook.events)}; active: {hook.is_active}")
        print(f"  signing secret: {(hook.secret or '')[:12]}... (verify deliveries with it)")
        print(f"  {len(client.webhooks.events())} event types can be subscribed to (or '*' for all)")

        section("Sandbox")
        sandbox = client.sandboxes.create(name="Development Sandbox", description="sample construction data")
        print(f"created sandbox #{sandbox.id} {sandbox.name!r}; sample data: {sandbox.config.sample_data_enabled}")
        print(f"  sandbox key (shown once): {sandbox.secret[:14]}...")

        section("Integration")
        integration = client.integrations.create(
            provider="stripe",
            name="Stripe payments",
            credentials={"apiKey": "sk_test_4eC39HqLyjWDarjtT1zdp7dc"},
        )
        print(f"created integration #{integration.id} {integration.name!r} ({integration.provider})")
        print(f"  credentials stored encrypted: {integration.has_credentials}; sync status: {integration.sync_status}")

        section("Lists")
        for item in client.keys.list():
            print(f"  key         #{item.id:<3} {item.name:<32} {item.key_prefix}")
        for hook_item in client.webhooks.list():
            print(f"  webhook     #{hook_item.id:<3} {hook_item.name:<32} {hook_item.url}")
        for sandbox_item in client.sandboxes.list():
            print(f"  sandbox     #{sandbox_item.id:<3} {sandbox_item.name:<32} active={sandbox_item.is_active}")
        for integration_item in client.integrations.list():
            print(f"  integration #{integration_item.id:<3} {integration_item.name:<32} {integration_item.provider}")

        section("Plan and usage")
        plan = client.plan.retrieve()
        print(f"tier: {plan.tier}")
        for name, limit in plan.limits.items():
            used = plan.usage.get(name, 0)
            print(f"  {name:<24} {used:>4} / {'unlimited' if limit is None else limit}")
        for row in client.usage.webhooks():
            print(f"  webhook {row.name!r}: {row.success_count} delivered, {row.failure_count} failed")
        for usage in client.usage.integrations():
            # success_rate is the share of this provider's integrations whose last sync succeeded: it only
            # means something once one has synced.
            if usage.last_sync is None:
                synced = "never synced yet"
            else:
                synced = f"last sync succeeded for {usage.success_rate or 0:.0%} of them"
            print(
                f"  integrations report, {usage.provider}: {usage.syncs} integration(s),"
                f" {usage.sync_runs or 0} sync run(s), {synced}"
            )
        print(f"  AI usage days recorded: {len(client.usage.ai(days=30))}")

    print("\nDone: the local store was removed on close.")


if __name__ == "__main__":
    main()
