"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11) through the official SDK.

SendSms with the SDK app id, sign name, template id and its variables in order, and
SessionContext set to our message id; PullSmsSendStatusByPhoneNumber finds a message by phone
number, time and SessionContext when an earlier attempt got no answer (it lists the messages
whose status report has come back). Receipts (短信下发状态通知) are a JSON array with sid, the
SerialNo that SendSms returned.

Answers: a SendStatus with Code "Ok" is accepted; another Code, or an API error, is a refusal:
permanent (SMSRejected) for the codes that say this message can never go, retried
(ChannelUnavailable) for frequency limits, balance and internal errors. A network failure after
the request went out, a non-200 from the gateway and InternalError.Timeout may have been accepted
(DeliveryUncertain).
"""

import time
from typing import Any
from urllib.parse import urlsplit

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from notifications.backends import ChannelUnavailable, DeliveryUncertain, OutgoingSMS, SMSRejected
from notifications.providers.base import ProviderSMSBackend, network_failure

PROVIDER = "tencent"

PERMANENT = frozenset(
    {
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.PhoneNumberParseFail",
        "FailedOperation.PhoneNumberInBlacklist",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
        "FailedOperation.ContainSensitiveWord",
        "InvalidParameterValue.TemplateParameterFormatError",
        "InvalidParameterValue.TemplateParameterLengthLimit",
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
        "InvalidParameterValue.ContentLengthLimit",
        "LimitExceeded.PhoneNumberDailyLimit",
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
        "UnsupportedOperation.UnsupportedRegion",
    }
)
# Said after the request reached Tencent: it may have gone out.
UNCERTAIN = frozenset({"InternalError.Timeout", "ServerNetworkError"})


class TencentSMSBackend(ProviderSMSBackend):
    provider = PROVIDER
    settings_name = "TENCENT_SMS"
    required = ("secret_id", "secret_key", "sdk_app_id", "sign_name", "endpoint")
    # Tencent's default limit on one variable of a template (12 characters; longer ones need approval).
    variable_max_length = 12

    def client(self, config: dict) -> SmsClient:
        endpoint = config["endpoint"]
        parts = urlsplit(endpoint if "//" in endpoint else f"https://{endpoint}")
        http_profile = HttpProfile(
            protocol=parts.scheme,
            endpoint=parts.netloc,
            # One timeout for connecting and reading: the read timeout, the longer of the two.
            reqTimeout=config.get("read_timeout_seconds", 5),
        )
        return SmsClient(
            credential.Credential(config["secret_id"], config["secret_key"]),
            config.get("region", "ap-guangzhou"),
            # No retries inside the SDK (its default): a retry of a send is the outbox's decision.
            ClientProfile(httpProfile=http_profile),
        )

    def call(self, config: dict, action: str, request: Any) -> Any:
        try:
            return getattr(self.client(config), action)(request)
        except TencentCloudSDKException as error:
            code = error.get_code() or ""
            if code == "ClientNetworkError":
                raise network_failure(PROVIDER, error.get_message() or "") from None
            raise self.refusal(code) from None

    def refusal(self, code: str) -> Exception:
        if code in PERMANENT:
            return SMSRejected(code)
        if code in UNCERTAIN:
            return DeliveryUncertain(f"{PROVIDER}: no answer ({code})")
        return ChannelUnavailable(f"{PROVIDER}: not accepted ({code or 'no code'})")

    def send_template(self, config: dict, sms: OutgoingSMS, template_id: str, values: dict[str, str]) -> str:
        request = sms_models.SendSmsRequest()
        request.PhoneNumberSet = [sms.phone]
        request.SmsSdkAppId = config["sdk_app_id"]
        request.SignName = config["sign_name"]
        request.TemplateId = template_id
        request.TemplateParamSet = list(values.values())
        request.SessionContext = sms.out_id
        response = self.call(config, "SendSms", request)
        statuses = response.SendStatusSet or []
        if len(statuses) != 1:
            raise DeliveryUncertain(f"{PROVIDER}: {len(statuses)} send statuses for one number")
        status = statuses[0]
        if status.Code == "Ok" and status.SerialNo:
            return status.SerialNo
        raise self.refusal(status.Code or "")

    def find_sent(self, config: dict, sms: OutgoingSMS) -> str | None:
        request = sms_models.PullSmsSendStatusByPhoneNumberRequest()
        request.PhoneNumber = sms.phone
        request.SmsSdkAppId = config["sdk_app_id"]
        request.BeginTime = int(sms.created_at_timestamp) - 60
        request.EndTime = int(time.time()) + 60
        request.Offset = 0
        request.Limit = 100
        response = self.call(config, "PullSmsSendStatusByPhoneNumber", request)
        for status in response.PullSmsSendStatusSet or []:
            if status.SessionContext == sms.out_id and status.SerialNo:
                return status.SerialNo
        return None
