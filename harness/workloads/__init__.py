"""Workloads: the code that runs inside the plugin's environment.
Imports: nothing of the harness (only MLflow, the stdlib and each other).

Each module is run as ``python workloads/main.py MODULE.py REQUEST.json ANSWER.json``; this
package is never imported by the plugin's interpreter as ``harness.workloads``.
"""
