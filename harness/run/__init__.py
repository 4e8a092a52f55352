"""Run: a session from environments to results. Sides (the plugin's and MLflow's own stores),
workloads run and judged, the server, faults, retries and blame.
Imports: model, env, services, sandbox, checks, kinds, planning.
"""
