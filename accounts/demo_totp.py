"""The demo staff's second factor: a fixed TOTP secret per demo staff account, and its current code.

Demo data only: `seed_demo` gives these secrets to the demo staff (never in production), the
launcher prints them with a current code at `make run`, and `make demo-totp` prints fresh codes
(`python -m accounts.demo_totp`). This module imports nothing from Django, so it needs no database
or settings. The codes are RFC 6238's (30-second steps, 6 digits, HMAC-SHA1), exactly what
allauth's TOTP check accepts (tests/accounts/test_demo_totp.py holds the two together).
"""

import base64
import hashlib
import hmac
import struct
import time

TOTP_PERIOD = 30

# local mobile number -> (who, base32 secret: "xiaoge-demo-" + the last 8 digits).
# Public on purpose, like the demo password: demo accounts only.
DEMO_STAFF_TOTP = {
    "13900000000": ("superuser", "PBUWC33HMUWWIZLNN4WTAMBQGAYDAMBQ"),
    "13900000001": ("checker (审核员)", "PBUWC33HMUWWIZLNN4WTAMBQGAYDAMBR"),
    "13900000002": ("approver (审批人)", "PBUWC33HMUWWIZLNN4WTAMBQGAYDAMBS"),
    "13900000003": ("service staff, grid admin", "PBUWC33HMUWWIZLNN4WTAMBQGAYDAMBT"),
    "13900000004": ("station lead (驿站管理员)", "PBUWC33HMUWWIZLNN4WTAMBQGAYDAMBU"),
    "13900000005": ("support (客服)", "PBUWC33HMUWWIZLNN4WTAMBQGAYDAMBV"),
}


def code_at(secret: str, when: float) -> str:
    counter = int(when) // TOTP_PERIOD
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def table(when: float | None = None) -> str:
    when = time.time() if when is None else when
    seconds_left = TOTP_PERIOD - int(when) % TOTP_PERIOD
    rows = [
        f"    {phone}  {code_at(secret, when)}  secret {secret}  {who}"
        for phone, (who, secret) in DEMO_STAFF_TOTP.items()
    ]
    return "\n".join(
        [
            f"  Demo staff authenticator codes (TOTP), valid for {seconds_left} s more"
            " (and the 30 s after); `make demo-totp` prints new ones:",
            *rows,
            "  Or add a secret to an authenticator app (Microsoft Authenticator, Google Authenticator, ...).",
        ]
    )


if __name__ == "__main__":
    print(table())
