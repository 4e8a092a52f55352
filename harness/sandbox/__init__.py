"""Sandbox: the locked-down container the plugin's code is built and run in (no Docker socket,
read-only root, no capabilities, the run's network only), and the build of plugins and sdists.
Imports: model, env, services.
"""
