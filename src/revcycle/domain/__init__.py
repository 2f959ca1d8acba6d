"""The canonical model: plain dataclasses, ``Decimal`` money, the claim state machine. No I/O here."""
