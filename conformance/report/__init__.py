"""Results of a run and the writers of its reports (results.json, junit.xml, summary.md, report.html)."""
