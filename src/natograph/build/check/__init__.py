"""The check step: clashes, unsatisfiable classes, SHACL shapes, entailment expectations and provenance, run on
the reasoned graph before its snapshot is committed (`report.check_graph`)."""
