"""The providers' delivery receipt pushes: their documented JSON, read strictly, and their answers.

Aliyun (SmsReport, HTTP batch push) posts a JSON array of
{"phone_number", "send_time", "report_time", "success", "err_code", "err_msg", "sms_size",
"biz_id", "out_id"} and wants {"code": 0, "msg": ...}; Tencent (短信下发状态通知) posts a JSON
array of {"user_receive_time", "nationcode", "mobile", "report_status", "errmsg", "description",
"sid"} and wants {"result": 0, "errmsg": "OK"}. Neither signs its pushes, so the URL carries a
secret token of ours (notifications.views.sms_receipts).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from notifications.backends import Receipt, ReceiptInvalid, message_id_of_out_id

BEIJING = ZoneInfo("Asia/Shanghai")
# More than any provider batches at once; a bigger push is not theirs.
MAX_RECEIPTS = 1000


def _items(body: bytes) -> list[dict[str, Any]]:
    try:
        items = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ReceiptInvalid("the body is not JSON") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ReceiptInvalid("the body is not a JSON array of objects")
    if len(items) > MAX_RECEIPTS:
        raise ReceiptInvalid(f"more than {MAX_RECEIPTS} receipts")
    return items


def _text(item: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = item.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > 200:
        raise ReceiptInvalid(f"{name} must be a non-empty string")
    return value.strip()


def _beijing_time(item: dict[str, Any], name: str) -> datetime | None:
    value = _text(item, name, required=False)
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError:
        raise ReceiptInvalid(f"{name} must read YYYY-MM-DD HH:MM:SS") from None


def parse_aliyun(body: bytes) -> list[Receipt]:
    receipts = []
    for item in _items(body):
        if not isinstance(item.get("success"), bool):
            raise ReceiptInvalid("success must be true or false")
        receipts.append(
            Receipt(
                provider_message_id=_text(item, "biz_id"),
                message_id=message_id_of_out_id(_text(item, "out_id", required=False)),
                delivered=item["success"],
                code=_text(item, "err_code", required=False),
                reported_at=_beijing_time(item, "report_time"),
            )
        )
    return receipts


def parse_tencent(body: bytes) -> list[Receipt]:
    receipts = []
    for item in _items(body):
        status = _text(item, "report_status")
        if status not in ("SUCCESS", "FAIL"):
            raise ReceiptInvalid("report_status must be SUCCESS or FAIL")
        receipts.append(
            Receipt(
                provider_message_id=_text(item, "sid"),
                message_id=None,
                delivered=status == "SUCCESS",
                code=_text(item, "errmsg", required=False),
                reported_at=_beijing_time(item, "user_receive_time"),
            )
        )
    return receipts


@dataclass(frozen=True)
class ReceiptFormat:
    settings_name: str
    parse: Callable[[bytes], list[Receipt]]
    # The answer body the provider wants: success (ok=True) or not, with a short reason.
    answer: Callable[[bool, str], dict[str, object]]


FORMATS = {
    "aliyun": ReceiptFormat(
        "ALIYUN_SMS",
        parse_aliyun,
        lambda ok, reason: {"code": 0, "msg": "接收成功"} if ok else {"code": 1, "msg": reason},
    ),
    "tencent": ReceiptFormat(
        "TENCENT_SMS",
        parse_tencent,
        lambda ok, reason: {"result": 0, "errmsg": "OK"} if ok else {"result": 1, "errmsg": reason},
    ),
}
