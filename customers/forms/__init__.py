"""The customers app's forms: the list and card (customers), settings, and the import."""
