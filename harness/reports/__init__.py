"""Reports: a run's results as people and CI read them: the console summary, JSON, JUnit and
HTML, secrets masked, and reports of sharded runs merged into one.
Imports: model, checks, planning.
"""
