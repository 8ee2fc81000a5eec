"""Loopback emulators of provider APIs, built from the providers' documented requests and answers.

Each is a small Starlette app served by uvicorn on 127.0.0.1 in a background thread (:func:`serve`).
"""
