"""SQL implementations of the service layer's repository ports, bound to one connection."""
