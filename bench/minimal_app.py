"""The yardstick: the smallest Flask page, served the same way as the shop."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "ok"
