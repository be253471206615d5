"""scanner: pre-publish private-information scanner."""
