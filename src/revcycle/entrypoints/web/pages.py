"""Console pages: overview, revenue cycle (with CSV export), operations, dead letters, work queue,
alerts, claim, message, patient billing, provider, facility, search."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from revcycle.adapters.store.billing_queries import BillingQueries
from revcycle.adapters.store.console_queries import ConsoleQueries
from revcycle.adapters.store.revenue_queries import RevenueFilter
from revcycle.adapters.store.work_queue import FindingFilter, SqlWorkQueue
from revcycle.entrypoints.api.auth import shows_phi
from revcycle.entrypoints.api.deps import container
from revcycle.entrypoints.web.access import page_access
from revcycle.entrypoints.web.charts import bar_chart, line_chart
from revcycle.entrypoints.web.setup import PageError, console_service, templates
from revcycle.security.masking import mask
from revcycle.security.permissions import Perm
from revcycle.service_layer.console import DIMENSIONS, default_range, revenue_csv

router = APIRouter(dependencies=[Depends(page_access())], include_in_schema=False)
FINDING_STATUSES = ("open", "in_progress", "resolved", "ignored")


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    """A page; for roles without ``phi.view`` every PHI field in its data is masked (``security.masking``,
    the same keys the API masks), raw payloads included."""
    if not shows_phi(request):
        context = {key: mask(value) for key, value in context.items()}
    return templates(request).TemplateResponse(request, name, {"nav": name.removesuffix(".html"), **context})


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/console", status_code=303)


@router.get("/console")
def overview(request: Request) -> HTMLResponse:
    data = console_service(request).overview()
    minutes = sorted({m for _, m, _ in data["per_minute"]})
    series: dict[str, list[int]] = {}
    for interface, minute, n in data["per_minute"]:
        series.setdefault(interface, [0] * len(minutes))[minutes.index(minute)] = n
    chart = line_chart([m[11:] for m in minutes], series, width=1200, height=220, label="messages per minute")
    readable = request.state.principal.can(Perm.ALERTS_READ)  # the overview is open to every role
    alerts = container(request).alerts.list(status="live", limit=10) if readable else []
    return _page(request, "overview.html", data=data, chart=chart, alerts=alerts)


def _revenue_filter(
    start: date | None,
    end: date | None,
    payer: str | None,
    facility: str | None,
    provider: str | None,
    service_line: str | None,
) -> RevenueFilter:
    first, last = default_range(datetime.now(UTC).date())
    return RevenueFilter(
        start or first, end or last, _blank(payer), _blank(facility), _blank(provider), _blank(service_line)
    )


def _optional_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PageError(400, f"not a date: {value[:20]!r} (use YYYY-MM-DD)") from None


@router.get("/console/revenue")
def revenue(
    request: Request,
    start: str | None = None,
    end: str | None = None,
    payer: str | None = None,
    facility: str | None = None,
    provider: str | None = None,
    service_line: str | None = None,
    by: str = "payer",
) -> HTMLResponse:
    flt = _revenue_filter(_optional_date(start), _optional_date(end), payer, facility, provider, service_line)
    result = console_service(request).revenue(flt, by)
    days = list(result.trend)
    trend = line_chart(
        days,
        {
            "charges": [result.trend[d].get("charges") for d in days],
            "payments": [result.trend[d].get("payments") for d in days],
            "net revenue": [result.trend[d].get("net_revenue") for d in days],
        },
        label="revenue trend",
    )
    aging = bar_chart(result.aging, label="A/R aging")
    query = request.url.query
    return _page(
        request, "revenue.html", r=result, trend=trend, aging=aging, dimensions=DIMENSIONS, query=query
    )


@router.get("/console/revenue.csv")
def revenue_export(
    request: Request,
    start: str | None = None,
    end: str | None = None,
    payer: str | None = None,
    facility: str | None = None,
    provider: str | None = None,
    service_line: str | None = None,
    by: str = "payer",
) -> Response:
    flt = _revenue_filter(_optional_date(start), _optional_date(end), payer, facility, provider, service_line)
    body = revenue_csv(console_service(request).revenue(flt, by))
    name = f"revenue-{flt.start.isoformat()}-{flt.end.isoformat()}.csv"
    return Response(
        body, media_type="text/csv", headers={"content-disposition": f'attachment; filename="{name}"'}
    )


@router.get("/console/operations")
def operations(
    request: Request, reason_code: str | None = None, interface: str | None = None
) -> HTMLResponse:
    data = console_service(request).operations()
    letters = container(request).queries.dead_letters(
        status="open", reason_code=_blank(reason_code), interface=_blank(interface), limit=50
    )
    return _page(request, "operations.html", data=data, letters=letters, reason_code=reason_code or "")


@router.get("/console/dead-letters/{dead_letter_id}")
def dead_letter(request: Request, dead_letter_id: int) -> HTMLResponse:
    found = container(request).queries.dead_letter(dead_letter_id)
    if found is None:
        raise PageError(404, f"dead letter {dead_letter_id} not found")
    return _page(request, "dead_letter.html", letter=found)


@router.get("/console/work-queue")
def work_queue(
    request: Request,
    type: str | None = None,
    status: str | None = "open",
    min_severity: int | None = None,
    owner: str | None = None,
    subject_kind: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> HTMLResponse:
    wanted = _blank(status)
    items = SqlWorkQueue(container(request).engine).search(
        FindingFilter(
            type=_blank(type),
            status=(wanted,) if wanted else (),
            min_severity=min_severity,
            owner=_blank(owner),
            subject_kind=_blank(subject_kind),
            limit=limit,
        )
    )["items"]
    filters = {"type": type or "", "status": status or "", "min_severity": min_severity, "owner": owner or ""}
    return _page(request, "work_queue.html", items=items, filters=filters, statuses=FINDING_STATUSES)


@router.get("/console/alerts")
def alerts_page(request: Request, status: str = "live", rule: str | None = None) -> HTMLResponse:
    items = container(request).alerts.list(status=_blank(status), rule=_blank(rule), limit=200)
    counts = container(request).alerts.counts()
    return _page(request, "alerts.html", items=items, status=status, counts=counts)


@router.get("/console/claims/{claim_id}")
def claim_page(request: Request, claim_id: int) -> HTMLResponse:
    billing = BillingQueries(container(request).engine)
    found = billing.claim(claim_id)
    if found is None:
        raise PageError(404, f"claim {claim_id} not found")
    issues = SqlWorkQueue(container(request).engine).search(
        FindingFilter(subject_kind="claim", subject_id=str(claim_id), limit=100)
    )["items"]
    return _page(request, "claim.html", claim=found, findings=issues)


@router.get("/console/messages/{message_id}")
def message_page(request: Request, message_id: int) -> HTMLResponse:
    found = container(request).queries.get(message_id, include_raw=True)
    if found is None:
        raise PageError(404, f"message {message_id} not found")
    return _page(request, "message.html", message=found)


@router.get("/console/patients/{patient_id}")
def patient_page(request: Request, patient_id: int) -> HTMLResponse:
    found = ConsoleQueries(container(request).engine).patient(patient_id)
    if found is None:
        raise PageError(404, f"patient {patient_id} not found")
    return _page(request, "patient.html", patient=found)


@router.get("/console/providers/{npi}")
def provider_page(request: Request, npi: str) -> HTMLResponse:
    since = datetime.now(UTC).date() - timedelta(days=365)
    return _page(
        request, "party.html", party=ConsoleQueries(container(request).engine).party("provider", npi, since)
    )


@router.get("/console/facilities/{code}")
def facility_page(request: Request, code: str) -> HTMLResponse:
    since = datetime.now(UTC).date() - timedelta(days=365)
    return _page(
        request, "party.html", party=ConsoleQueries(container(request).engine).party("facility", code, since)
    )


@router.get("/console/search")
def search(request: Request, q: str = "") -> Response:
    term = q.strip()[:200]
    hits = ConsoleQueries(container(request).engine).search(term) if term else []
    if len(hits) == 1:
        hit = hits[0]
        return RedirectResponse(f"/console/{hit['kind']}s/{hit['id']}", status_code=303)
    return _page(request, "search.html", q=term, hits=hits)
