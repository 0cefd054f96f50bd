"""The dashboard's entry: it only routes (``st.navigation``); each page is a module in
``views/``. ``run()`` is what ``streamlit run`` executes (``shelfcast dashboard``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

# Not "pages/": Streamlit would also read that folder as an old-style multipage app and show
# its own sidebar beside st.navigation's.
PAGES_DIR = Path(__file__).parent / "views"

SECTIONS: dict[str, list[tuple[str, str, str]]] = {
    "Now": [("live.py", "Live", ":material/monitoring:")],
    "Sales": [
        ("sales_trends.py", "Sales trends", ":material/show_chart:"),
        ("top_sellers.py", "Top sellers", ":material/leaderboard:"),
    ],
    "Planning": [
        ("forecasts.py", "Forecasts", ":material/query_stats:"),
        ("inventory.py", "Inventory", ":material/inventory_2:"),
        ("orders.py", "Orders", ":material/local_shipping:"),
    ],
    "Manage": [
        ("models.py", "Models", ":material/model_training:"),
        ("upload.py", "Upload", ":material/upload_file:"),
    ],
}


def run() -> None:
    st.set_page_config(page_title="shelfcast", page_icon=":material/storefront:", layout="wide")
    pages = {
        section: [st.Page(PAGES_DIR / file, title=title, icon=icon,
                          url_path=file.removesuffix(".py"), default=(file == "live.py"))
                  for file, title, icon in entries]
        for section, entries in SECTIONS.items()
    }
    st.navigation(pages).run()


if __name__ == "__main__":
    run()
