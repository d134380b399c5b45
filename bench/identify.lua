-- wrk script: POST the same identify body (a returning user, in an existing session).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = "https://app.example.com"
wrk.body = os.getenv("BENCH_BODY")
