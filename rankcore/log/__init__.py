"""Where commands go besides the file journal: a replicated log that engines share.

:class:`~rankcore.log.redis.RedisLog` keeps a partition's commands in a Redis stream; an
engine opened with :meth:`rankcore.Engine.connect` is a replica of it (see
``docs/scaling.md``). The module imports redis-py only when a log is opened.
"""
