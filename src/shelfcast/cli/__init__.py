"""The command line: `shelfcast ...`."""
