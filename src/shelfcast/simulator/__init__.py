"""The transaction simulator: replays till lines to the live API (``shelfcast simulate``).

An adapter, like the CLI: ``source`` reads the lines (pure Polars, reusing the import
mappings), ``pacing`` says when each is due, ``sender`` speaks HTTP with retries, and
``replay`` drives them and keeps the tally.
"""
