"""One module per page; each is a script that ``st.navigation`` runs (and ``AppTest`` too)."""
