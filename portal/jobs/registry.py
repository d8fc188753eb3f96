"""STUB, replaced by the jobs work: name -> handler registry for outbox jobs."""

HANDLERS = {}


def job(name):
    def register(fn):
        HANDLERS[name] = fn
        return fn

    return register
