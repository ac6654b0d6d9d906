"""Pages of oversight: questions, the live segment's HTTP controls, petitions,
the public answers and the reports. Thin views: parse → access → action →
render (each module under its sub-domain)."""
