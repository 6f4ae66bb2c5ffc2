"""pyinfra deploys against servers over SSH: `bootstrap` of bare hosts (docs/runbooks/bootstrap.md)
and day-2 work (`day2`: batched package updates, rolling restarts with a health gate, a facts
report; docs/runbooks/day2.md).

pyinfra's day-2 runs happen in a worker process (`worker`, gevent monkey-patched as pyinfra's own
CLI is) so the patching never leaks into the `sharpeyes` process or the tests; `day2` holds the
policy (batches, stop rules, gates), the reports and the call to the worker.
"""
