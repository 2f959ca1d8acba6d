"""The ERP adapters, by name (``REVCYCLE_ERP_ADAPTER``). A new ERP is one module and one line here."""

from __future__ import annotations

import os
from collections.abc import Callable

from revcycle.adapters.erp.file_export import FileExportErp
from revcycle.adapters.erp.rest import PayloadMapping, RestErp, read_token
from revcycle.service_layer.erp_ports import ErpGateway
from revcycle.settings import Settings


class ErpConfigError(ValueError):
    """ERP settings that cannot make an adapter."""


def _file(settings: Settings) -> ErpGateway:
    return FileExportErp(settings.erp_export_dir or settings.data_dir / "erp", settings.erp_export_format)


def _rest(settings: Settings) -> ErpGateway:
    if not settings.erp_rest_url:
        raise ErpConfigError("REVCYCLE_ERP_REST_URL is required with the rest ERP adapter")
    mapping = PayloadMapping.load(settings.erp_rest_mapping) if settings.erp_rest_mapping else None
    token = read_token(settings.erp_rest_token_env, settings.erp_rest_token_file, os.environ)
    return RestErp(settings.erp_rest_url, token=token, timeout=settings.erp_rest_timeout, mapping=mapping)


ADAPTERS: dict[str, Callable[[Settings], ErpGateway]] = {
    "file": _file,
    "rest": _rest,
}


def make_gateway(settings: Settings) -> ErpGateway:
    factory = ADAPTERS.get(settings.erp_adapter)
    if factory is None:
        raise ErpConfigError(f"unknown ERP adapter {settings.erp_adapter!r} (known: {', '.join(ADAPTERS)})")
    return factory(settings)
