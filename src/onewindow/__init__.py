"""OneWindow: one window for the people who move to a city."""
