"""Model: what a run is about. Errors, results and reports' data, the plugin contracts, the
service catalog, plugin specs, settings, YAML with line numbers, and where bundled files are.
Imports: nothing of the harness.
"""
