"""The request workflow (maker-checker): goodwill, retro claims, identifier changes, merges,
mobile reallocations and erasures, one flow for every type.

- `models`: `Request`, `RequestTypeConfig` (tables of the `loyalty` app).
- `commands`: the typed commands (`RaiseRequest` with its details, `Decision`);
  `parsers`: the v2 bodies read into them.
- `services`: make, approve, reject, decide in a batch; the merge and erasure steps.
  `rules` (validation of each base type), `effects` (what an approval applies), `locks`
  (the order in which requests and what they name are locked), `notifications` (e-mails).
- `selectors`, `filters`, `api`, `api_urls`: the reads and the v2 endpoints.
- `admin` (queue, request page, decisions), `forms` (raising from the single view),
  `console` (what the screens share), `dashboard`, `audit_trail`, `single_view`: the console.
- `demo`: the demo requests.
"""
