"""Files and objects for the import tests: CSV and XLSX made in the test, a catalogue of
two products and two customers in tenant A."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope
from openpyxl import Workbook

from products.services import product_create
from tests.factories import CustomerFactory

UNIT_HEADER = (
    "serial",
    "model_code",
    "customer_email",
    "customer_phone",
    "purchased_on",
    "purchase_channel",
    "installation_address",
    "installed_on",
)


def csv_upload(rows: list[tuple], header=UNIT_HEADER, name="units.csv", encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), "text/csv")


def xlsx_bytes(rows: list[tuple], header=UNIT_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(rows: list[tuple], header=UNIT_HEADER, name="units.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(rows, header), "application/octet-stream")


def catalogue(tenant, actor) -> dict:
    with scope(tenant=tenant):
        return {
            "washer": product_create(
                tenant=tenant, actor=actor, model_code="WM-800", name="Washer"
            ),
            "dryer": product_create(tenant=tenant, actor=actor, model_code="DR-9", name="Dryer"),
            "li": CustomerFactory(tenant=tenant, email="li@example.cn", phone="13800000001"),
            "wang": CustomerFactory(tenant=tenant, email="wang@example.cn", phone="13800000002"),
        }


def unit_row(serial, model="WM-800", email="li@example.cn", phone="", bought="2026-03-01", **kw):
    return (
        serial,
        model,
        email,
        phone,
        bought,
        kw.get("channel", "JD.com"),
        kw.get("address", "Pudong, Shanghai"),
        kw.get("installed", ""),
    )
