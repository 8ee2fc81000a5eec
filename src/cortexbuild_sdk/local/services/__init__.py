"""Domain logic, one module per area. Services take a :class:`~.context.Ctx` and talk to the store."""
