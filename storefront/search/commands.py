from flask.cli import AppGroup
search_cli = AppGroup("search")
