"""HTTP handlers, one module per audience: widget (identify), admin, health."""
