"""``POST /catalog/products:import`` and ``GET /catalog/products:export``: the catalog as
a spreadsheet (CSV) file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.orders.catalog.errors import ImportInvalid, ImportTooLarge, ImportUnreadable
from services.orders.catalog.spreadsheet import service
from services.orders.catalog.spreadsheet.domain import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from services.orders.catalog.spreadsheet.schemas import EXPORT_EXAMPLE, ImportOut
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.errors import PROBLEM_JSON
from shared.tokens import Principal

router = APIRouter(prefix="/catalog", tags=["catalog"])

CSV = "text/csv"
_IMPORT_EXAMPLE = (
    "商品编码,品名,分类,价格(元),规格\r\n"
    "HP-FISHOIL-60,深海鱼油 60粒,health,238.00,60粒\r\n"
    "CS-SERUM-30,精华液 30ml,cosmetics,399,30ml\r\n"
    "DG-TOOTHPASTE,草本牙膏,daily,15.90,120g\r\n"
)
_INVALID = ImportInvalid(
    "row 3, column '价格(元)': must be yuan with at most two decimals, e.g. 258.00 (2 problems "
    "in all, see row_errors). Nothing was imported.",
    row_errors=[
        {"row": 3, "column": "价格(元)", "problem": "must be yuan with at most two decimals"},
        {"row": 5, "column": "分类", "problem": "no category 'toys' in the catalog; add it first"},
    ],
    row_errors_total=2,
)
_UNREADABLE = ImportUnreadable(
    "The file is neither UTF-8 (byte 7 is not) nor GB18030 (byte 7 is not); save it from the "
    "spreadsheet as 'CSV UTF-8' or 'CSV'"
)
_TOO_LARGE = ImportTooLarge(
    f"The file has more than {MAX_IMPORT_ROWS} product rows; split it, importing the parts "
    "one after the other gives the same catalog"
)


def _example(problem: ImportInvalid | ImportUnreadable | ImportTooLarge) -> dict[str, object]:
    value = {
        "type": problem.problem_type,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        **problem.extensions,
    }
    return {"summary": problem.title, "value": value}


@router.post(
    "/products:import",
    response_model=ImportOut,
    summary="Import products from a CSV file",
    description=(
        "Admin. The body is the file itself (`Content-Type: text/csv`), as a spreadsheet "
        "saves it: UTF-8 (with or without a byte order mark) or GB18030 (Excel's 'CSV' on "
        "Chinese Windows); the answer says which was read. Row 1 names the columns, in "
        "English or Chinese: `sku` (商品编码), `name` (品名), `category` (分类, a category "
        "code), `list_price_fen` (whole fen) or `list_price_yuan` (价格, yuan with up to 2 "
        "decimals), optionally `status` (状态: active/正常, void/作废). Other columns are "
        "ignored. A SKU not in the catalog is added, one in it changed; a row that changes "
        "nothing writes nothing, so importing the same file twice, or an export, changes "
        "nothing. The file is imported whole or not at all: any faulty row is a 422 "
        "`import-invalid` listing every fault (`row_errors`: row, column, problem). At most "
        f"{MAX_IMPORT_BYTES} bytes and {MAX_IMPORT_ROWS} rows (413). `dry_run=true` answers "
        "what would change and writes nothing."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                CSV: {
                    "schema": {"type": "string", "maxLength": MAX_IMPORT_BYTES},
                    "example": _IMPORT_EXAMPLE,
                }
            },
        }
    },
    responses={
        413: {
            "description": _TOO_LARGE.detail,
            "content": {PROBLEM_JSON: {"examples": {"too_large": _example(_TOO_LARGE)}}},
        },
        422: {
            "description": "The file cannot be read, or some rows cannot be imported; nothing "
            "was imported",
            "content": {
                PROBLEM_JSON: {
                    "examples": {
                        "invalid_rows": _example(_INVALID),
                        "unreadable": _example(_UNREADABLE),
                    }
                }
            },
        },
    },
)
async def import_products(
    request: Request,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles())],
    dry_run: Annotated[bool, Query(description="Only say what would change")] = False,
) -> ImportOut:
    data = await request.body()
    return await service.import_products(session, data, dry_run=dry_run, by=principal.subject)


@router.get(
    "/products:export",
    response_class=Response,
    summary="Export the catalog as a CSV file",
    description=(
        "Marketing or admin. Every product, void ones too, by SKU, in UTF-8 with a byte "
        "order mark so that Excel opens it as such: columns `sku`, `name`, `category`, "
        "`list_price_fen`, `status`. Importing it back changes nothing."
    ),
    responses={
        200: {
            "description": "The catalog as CSV",
            "content": {CSV: {"schema": {"type": "string"}, "example": EXPORT_EXAMPLE}},
        }
    },
)
async def export_products(
    session: Session, _: Annotated[Principal, Depends(require_roles("marketing"))]
) -> Response:
    day = datetime.now(UTC).strftime("%Y%m%d")
    return Response(
        await service.export_products(session),
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="catalog-{day}.csv"'},
    )
