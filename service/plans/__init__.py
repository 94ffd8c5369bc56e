"""Plans: request schemas, time resolution, locations and matrices, planning, the
solution-to-response mapping, GeoJSON, the text report, storage and the area networks."""
