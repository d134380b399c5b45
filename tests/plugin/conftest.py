from tests.process.conftest import start_server  # noqa: F401  (a real server, for one test)
