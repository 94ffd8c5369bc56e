"""The HTTP edge: the app factory, dependencies, routers and the problem+json handlers.

The only package of the service that imports FastAPI (``service.auth.dependencies`` aside).
"""
