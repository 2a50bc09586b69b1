"""Aliyun SMS (阿里云短信服务, Dysmsapi 2017-05-25) through the official SDK.

SendSms with the sign name, a template code and its variables as JSON, and OutId set to our
message id; QuerySendDetails finds a message by phone number, day and OutId when an earlier attempt
got no answer. Receipts (SmsReport, HTTP batch push) are a JSON array with biz_id and out_id.

Answers: HTTP 200 with Code "OK" and a BizId is accepted; another Code in a 200 answer is a
refusal, permanent (SMSRejected) for the codes that say this message can never go (a bad number,
a template or sign name the provider does not accept, a blacklisted number, the number's daily
limit), retried (ChannelUnavailable) for throttling, flow control, balance and the provider's own
errors. A 4xx from the gateway (wrong keys, throttling) is retried; a 5xx or no answer at all may
have been accepted (DeliveryUncertain).
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import exceptions as openapi_errors
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import UnretryableException
from darabonba.runtime import RuntimeOptions

from notifications.backends import ChannelUnavailable, DeliveryUncertain, OutgoingSMS, SMSRejected
from notifications.providers.base import ProviderSMSBackend, national_number, network_failure

PROVIDER = "aliyun"
# Aliyun's days (SendDate of QuerySendDetails) are Beijing days.
BEIJING = ZoneInfo("Asia/Shanghai")

# Codes of a 200 answer that say this message will never be taken, however often it is tried.
PERMANENT = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGN_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.INVALID_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_CONTENT_ILLEGAL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
        "isv.SIGN_NAME_ILLEGAL",
    }
)


class AliyunSMSBackend(ProviderSMSBackend):
    provider = PROVIDER
    settings_name = "ALIYUN_SMS"
    required = ("access_key_id", "access_key_secret", "sign_name", "endpoint")
    # Aliyun's limit on a variable of a notice template (35 characters).
    variable_max_length = 35

    def client(self, config: dict) -> Client:
        endpoint = config["endpoint"]
        parts = urlsplit(endpoint if "//" in endpoint else f"https://{endpoint}")
        return Client(
            Config(
                access_key_id=config["access_key_id"],
                access_key_secret=config["access_key_secret"],
                region_id=config.get("region", "cn-hangzhou"),
                endpoint=parts.netloc,
                protocol=parts.scheme,
                connect_timeout=int(config.get("connect_timeout_seconds", 3) * 1000),
                read_timeout=int(config.get("read_timeout_seconds", 5) * 1000),
            )
        )

    def runtime(self) -> RuntimeOptions:
        # No retries inside the SDK: a retry of a send is the outbox's decision (it looks first).
        return RuntimeOptions(autoretry=False, max_attempts=0)

    def call(self, config: dict, method: str, request: Any) -> Any:
        try:
            response = getattr(self.client(config), method)(request, self.runtime())
        except openapi_errors.ThrottlingException as error:
            raise ChannelUnavailable(f"{PROVIDER}: throttled ({error.code})") from None
        except openapi_errors.ServerException as error:
            raise DeliveryUncertain(f"{PROVIDER}: server error {error.status_code} ({error.code})") from None
        except openapi_errors.ClientException as error:
            raise ChannelUnavailable(
                f"{PROVIDER}: refused the request {error.status_code} ({error.code})"
            ) from None
        except UnretryableException as error:
            raise network_failure(PROVIDER, str(getattr(error, "inner_exception", "") or error)) from None
        except (ValueError, KeyError, TypeError):  # an answer that is not the API's JSON
            raise DeliveryUncertain(f"{PROVIDER}: unreadable answer") from None
        return response.body

    def send_template(self, config: dict, sms: OutgoingSMS, template_id: str, values: dict[str, str]) -> str:
        request = sms_models.SendSmsRequest(
            phone_numbers=national_number(sms.phone),
            sign_name=config["sign_name"],
            template_code=template_id,
            template_param=json.dumps(values, ensure_ascii=False) if values else None,
            out_id=sms.out_id,
        )
        body = self.call(config, "send_sms_with_options", request)
        code = body.code or ""
        if code == "OK" and body.biz_id:
            return body.biz_id
        if code in PERMANENT:
            raise SMSRejected(code, body.message or "")
        raise ChannelUnavailable(f"{PROVIDER}: not accepted ({code or 'no code'})")

    def find_sent(self, config: dict, sms: OutgoingSMS) -> str | None:
        created = datetime.fromtimestamp(sms.created_at_timestamp, tz=UTC).astimezone(BEIJING)
        today = datetime.now(tz=BEIJING).date()
        # Aliyun keeps 30 days; a message still unconfirmed after a week is not worth more calls.
        day = max(created.date(), today - timedelta(days=6))
        while day <= today:
            request = sms_models.QuerySendDetailsRequest(
                phone_number=national_number(sms.phone),
                send_date=day.strftime("%Y%m%d"),
                page_size=50,
                current_page=1,
            )
            body = self.call(config, "query_send_details_with_options", request)
            if body.code != "OK":
                raise ChannelUnavailable(f"{PROVIDER}: lookup refused ({body.code or 'no code'})")
            details = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            for detail in details or []:
                if detail.out_id == sms.out_id:
                    # The details carry no BizId; receipts find the row by out_id instead.
                    return ""
            day += timedelta(days=1)
        return None
