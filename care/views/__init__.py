"""Care pages, split by who they are for: youth, clinician, clinic admin (common: access)."""
