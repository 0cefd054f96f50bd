"""Small synthetic files in the layouts of the real data sets of /work/shared/data.

Same file names, column names, types and formats as the published files (the quirks
included: M/D/YYYY dates, C-prefixed cancellations, postage lines, transferred holidays),
but every row is made up here, so the tests need neither the real files nor a copy.
Each fixture returns the folder; ``EXPECTED`` says what an import of it must give.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

__all__ = [
    "online_retail_rows",
    "online_retail_dir",
    "favorita_dir",
    "myanmar_dir",
    "OR_KEPT_DAYS",
    "write_myanmar",
]

OR_KEPT_DAYS = 25
"""Weekdays on which United Kingdom / 85123A sells: enough for the example's 20-day rule."""


def online_retail_rows() -> pl.DataFrame:
    """UCI Online Retail's columns and types; 34 lines."""
    days = [d for d in (date(2011, 3, 1) + timedelta(n) for n in range(40)) if d.weekday() < 5]
    days = days[:OR_KEPT_DAYS]
    rows = [
        (
            f"55{i:04d}",
            "85123A",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            6,
            datetime.combine(d, datetime.min.time()) + timedelta(hours=10),
            2.55,
            17850.0,
            "United Kingdom",
        )
        for i, d in enumerate(days)
    ]
    first, last = days[0], days[-1]
    at = lambda d, h, m=0: datetime.combine(d, datetime.min.time()) + timedelta(hours=h, minutes=m)  # noqa: E731
    rows += [
        # a second line the first day at another price: 10 units at (6*2.55 + 4*3.05)/10
        (
            "560001",
            "85123A",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            4,
            at(first, 11),
            3.05,
            None,
            "United Kingdom",
        ),
        # 23:30 London time (summer time from 27 March 2011) is still that day
        (
            "560002",
            "85123A",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            1,
            at(last, 23, 30),
            2.55,
            13047.0,
            "United Kingdom",
        ),
        # a country with too little history for the example's rule (3 days < 20)
        *[
            (
                f"57000{k}",
                "22326",
                "ROUND SNACK BOXES SET OF4 WOODLAND",
                12,
                at(first + timedelta(k), 9),
                2.95,
                12583.0,
                "France",
            )
            for k in range(3)
        ],
        (
            "C580000",
            "85123A",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            -6,
            at(first, 15),
            2.55,
            17850.0,
            "United Kingdom",
        ),
        ("580001", "POST", "POSTAGE", 1, at(first, 9), 18.0, 12583.0, "France"),
        ("580002", "21777", "Unknown", -10, at(first, 16), 0.0, None, "United Kingdom"),
        (
            "580003",
            "85123A",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            5,
            at(first, 17),
            0.0,
            None,
            "United Kingdom",
        ),
    ]
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "InvoiceNo": pl.String,
            "StockCode": pl.String,
            "Description": pl.String,
            "Quantity": pl.Int64,
            "InvoiceDate": pl.Datetime("us"),
            "UnitPrice": pl.Float64,
            "CustomerID": pl.Float64,
            "Country": pl.String,
        },
    )


@pytest.fixture
def online_retail_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "online_retail"
    folder.mkdir()
    online_retail_rows().write_parquet(folder / "online_retail.parquet")
    return folder


@pytest.fixture
def favorita_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "favorita"
    folder.mkdir()
    traffic = ["date,store_nbr,transactions"]
    for day in range(1, 6):
        for store in (1, 2, 3):
            if (store, day) != (3, 2):  # store 3 closed on 2 January
                traffic.append(f"2013-01-0{day},{store},{1000 * store + day}")
    (folder / "transactions.csv").write_text("\n".join(traffic) + "\n")
    (folder / "stores.csv").write_text(
        "store_nbr,city,state,type,cluster\n1,Quito,Pichincha,D,13\n2,Quito,Pichincha,A,5\n"
        "3,Guayaquil,Guayas,B,6\n4,Cuenca,Azuay,C,7\n"
    )
    (folder / "holidays_events.csv").write_text(
        "date,type,locale,locale_name,description,transferred\n"
        "1/1/2013,Holiday,National,Ecuador,Primer dia del ano,FALSE\n"
        "1/2/2013,Holiday,Local,Quito,Fundacion de Quito,TRUE\n"
        "1/4/2013,Transfer,Local,Quito,Traslado Fundacion de Quito,FALSE\n"
        "1/3/2013,Holiday,Regional,Guayas,Provincializacion de Guayas,FALSE\n"
        "1/5/2013,Holiday,Local,Cuenca,Fundacion de Cuenca,FALSE\n"
    )
    (folder / "oil.csv").write_text(  # no price on 1 January nor on the weekend of 5-6 January
        "date,dcoilwtico\n2013-01-01,\n2013-01-02,93.14\n2013-01-03,92.97\n2013-01-04,93.12\n"
        "2013-01-07,93.20\n2013-01-08,93.21\n"
    )
    return folder


MYANMAR_HEADER = (
    "Invoice ID,Branch,City,Customer type,Gender,Product line,Unit price,Quantity,"
    "Tax 5%,Total,Date,Time,Payment,cogs,gross margin percentage,gross income,Rating"
)


def write_myanmar(
    folder: Path, lines: list[tuple[str, str, str, str, float, int, str, str]]
) -> Path:
    """(invoice, branch, city, product line, unit price, quantity, M/D/YYYY, HH:MM) lines."""
    out = [MYANMAR_HEADER]
    for inv, branch, city, line, price, qty, day, time in lines:
        cogs = price * qty
        out.append(
            f"{inv},{branch},{city},Member,Female,{line},{price},{qty},{cogs * 0.05:.4f},"
            f"{cogs * 1.05:.4f},{day},{time},Cash,{cogs:.2f},4.761904762,{cogs * 0.05:.4f},7.1"
        )
    path = folder / "supermarket_sales.csv"
    path.write_text("\n".join(out) + "\n")
    return path


@pytest.fixture
def myanmar_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "supermarket_myanmar"
    folder.mkdir()
    write_myanmar(
        folder,
        [
            ("101-01-0001", "A", "Yangon", "Health and beauty", 10.0, 7, "1/5/2019", "13:08"),
            ("101-01-0002", "A", "Yangon", "Health and beauty", 20.0, 3, "1/5/2019", "19:45"),
            ("101-01-0003", "A", "Yangon", "Health and beauty", 10.0, 2, "1/6/2019", "10:29"),
            ("101-01-0004", "B", "Mandalay", "Sports and travel", 55.5, 1, "1/5/2019", "20:59"),
        ],
    )
    return folder
