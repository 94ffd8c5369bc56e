"""The eyes' own page: a link per staff member and evening, their route on the phone,
check-ins at the stops and tips coming back, and what was delivered (progress, dosage)."""
