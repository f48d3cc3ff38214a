"""Field-aware comparison of policy records (year over year, county against county)."""
