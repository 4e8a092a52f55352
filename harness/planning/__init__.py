"""Planning: what a run will do. Scenario files read and validated, where each store is
placed, what is skipped and why, the quick and full profiles, and shards.
Imports: model, env, services, checks, kinds.
"""
