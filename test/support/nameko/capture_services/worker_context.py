"""A dependency that hands the worker its own WorkerContext, so a method can return what Nameko
saw of the call (call id, call id stack, context data) and the fixtures show it."""
from nameko.extensions import DependencyProvider


class WorkerContextProvider(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx
