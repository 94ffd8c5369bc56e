"""Plan jobs: plans solved off the request path, on Celery workers or an in-process pool.

``service.jobs.service`` submits (``submit_plan``, ``build_queue``), ``store`` keeps the
``plan_jobs`` rows, ``runner`` runs one job, ``local`` and ``celery_app`` are the two
backends, ``nightly`` the scheduled plans. Web-free: it uses ``service.plans`` and never
``service.api``. Importing this package loads neither Celery nor the planner.
"""
