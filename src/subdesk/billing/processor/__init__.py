"""The sandbox processor: an HTTP service on loopback speaking the part of Stripe's API we use.

    app.py       the ASGI app: routes, auth, faults, idempotency (`create_processor_app`)
    payments.py  what each endpoint does to the processor's memory
    state.py     that memory: customers, payment methods, intents, refunds, statistics
    keys.py      idempotency keys kept with the first response, forgotten after a while
    faults.py    the knobs: latency, jitter, rate limit, withheld answers, injected 500s
    forms.py     Stripe's form encoding with bracket notation (`metadata[attempt]=...`)
    errors.py    Stripe's error bodies

Sandbox only: it accepts any `sk_test_...` key and the published test cards.
"""
