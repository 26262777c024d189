"""The help center: knowledge-base articles, their search and their feedback."""
