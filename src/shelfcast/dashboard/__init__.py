"""The Streamlit dashboard: an entry that only routes (``app.py``), one module per page
(``views/``) and one module that talks to the API over HTTP (``data_access.py``).

The dashboard never imports Django or the database: it is a client of the API like any other.
Run it with ``shelfcast dashboard`` (``SHELFCAST_API_URL``, ``SHELFCAST_TOKEN``).
"""
