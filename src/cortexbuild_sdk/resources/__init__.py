"""Resource classes, one module per API area. Each is generic over the sync or async client."""
