"""revcycle: healthcare revenue-cycle integration hub with real-time billing intelligence."""

__version__ = "0.1.0"
