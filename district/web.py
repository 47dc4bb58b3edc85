"""The web pages (front office, district): built in the next step."""

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    pass
