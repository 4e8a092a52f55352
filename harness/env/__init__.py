"""Env: the plugin's isolated environment (resolved, installed and cached with uv, from this
machine's package indexes) and the processes its scripts run in (fork server or fresh).
Imports: model, workloads (its constants: the scripts themselves run in the environment).
"""
