"""Code that runs inside the plugin's environment: it imports only MLflow and the stdlib.

Each module is run as ``python workloads/main.py MODULE.py REQUEST.json ANSWER.json``; this
package is never imported by the plugin's interpreter as ``harness.workloads``.
"""
