"""Local HTTP servers that answer like Aliyun's and Tencent Cloud's SMS APIs, for the official SDKs.

Each runs in a thread on 127.0.0.1 and keeps what it received. What SendSms answers next is
scripted per test (`server.next_sends`): "ok", "throttled", "rejected", "template_rejected",
"server_error", "timeout" (accepts the message, then answers too late) and "timeout_lost" (answers
too late without accepting it). The lookups (QuerySendDetails, PullSmsSendStatusByPhoneNumber)
answer from the messages accepted so far, as the providers' records would.

The request signature is checked like the providers check it: Aliyun's ACS3-HMAC-SHA256 is
recomputed with the secret; Tencent's TC3-HMAC-SHA256 too. A wrong signature gets the provider's
error answer.
"""

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

# Longer than the read timeout the tests give the SDKs (1 s).
LATE_SECONDS = 1.6


@dataclass
class ReceivedRequest:
    action: str
    params: dict
    headers: dict
    raw: bytes


@dataclass
class AcceptedSMS:
    phone: str
    out_id: str
    provider_id: str
    template: str
    variables: object
    sent_at: float


@dataclass
class FakeProvider:
    key_id: str
    secret: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    accepted: list[AcceptedSMS] = field(default_factory=list)
    next_sends: deque = field(default_factory=deque)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def actions(self) -> list[str]:
        return [request.action for request in self.requests]

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                provider.handle(self)

            def log_message(self, format, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def next_send(self) -> str:
        with self._lock:
            return self.next_sends.popleft() if self.next_sends else "ok"

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    @staticmethod
    def answer(handler: BaseHTTPRequestHandler, body: dict, status: int = 200, late: bool = False) -> None:
        if late:
            time.sleep(LATE_SECONDS)
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up waiting
            pass


class FakeAliyun(FakeProvider):
    """Dysmsapi 2017-05-25 (RPC style: the parameters in the query string, x-acs-action header)."""

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        action = headers.get("x-acs-action", "")
        self.requests.append(ReceivedRequest(action, params, headers, raw))
        request_id = f"REQ-{len(self.requests)}"
        if not self.signature_ok(handler.command, parts.path, parts.query, headers, raw):
            self.answer(
                handler,
                {
                    "Code": "SignatureDoesNotMatch",
                    "Message": "Specified signature is not matched.",
                    "RequestId": request_id,
                },
                status=400,
            )
            return
        if action == "SendSms":
            self.send_sms(handler, params, request_id)
        elif action == "QuerySendDetails":
            self.query_send_details(handler, params, request_id)
        else:
            self.answer(handler, {"Code": "InvalidAction.NotFound", "RequestId": request_id}, status=404)

    def signature_ok(self, method: str, path: str, query: str, headers: dict, raw: bytes) -> bool:
        authorization = headers.get("authorization", "")
        try:
            scheme, rest = authorization.split(" ", 1)
            fields = dict(part.split("=", 1) for part in rest.split(","))
        except ValueError:
            return False
        if scheme != "ACS3-HMAC-SHA256" or fields.get("Credential") != self.key_id:
            return False
        signed = fields["SignedHeaders"].split(";")
        pairs = sorted(parse_qsl(query, keep_blank_values=True))
        canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join(
            [
                method,
                path or "/",
                canonical_query,
                canonical_headers,
                ";".join(signed),
                hashlib.sha256(raw).hexdigest(),
            ]
        )
        string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields.get("Signature", ""))

    def send_sms(self, handler: BaseHTTPRequestHandler, params: dict, request_id: str) -> None:
        behaviour = self.next_send()
        if behaviour in ("ok", "timeout"):
            biz_id = f"9000{len(self.accepted) + 1}^0"
            self.accepted.append(
                AcceptedSMS(
                    phone=params.get("PhoneNumbers", ""),
                    out_id=params.get("OutId", ""),
                    provider_id=biz_id,
                    template=params.get("TemplateCode", ""),
                    variables=json.loads(params.get("TemplateParam") or "{}"),
                    sent_at=time.time(),
                )
            )
            body = {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}
            self.answer(handler, body, late=behaviour == "timeout")
        elif behaviour == "timeout_lost":
            self.answer(
                handler, {"Code": "OK", "Message": "OK", "BizId": "lost", "RequestId": request_id}, late=True
            )
        elif behaviour == "throttled":
            body = {
                "Code": "isv.BUSINESS_LIMIT_CONTROL",
                "Message": "触发号码分钟级流控Permits:1",
                "RequestId": request_id,
            }
            self.answer(handler, body)
        elif behaviour == "rejected":
            self.answer(
                handler,
                {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": request_id},
            )
        elif behaviour == "template_rejected":
            body = {
                "Code": "isv.SMS_TEMPLATE_ILLEGAL",
                "Message": "该账号下找不到对应模板",
                "RequestId": request_id,
            }
            self.answer(handler, body)
        elif behaviour == "server_error":
            body = {
                "Code": "ServiceUnavailable",
                "Message": "The request has failed due to a temporary failure of the server.",
                "RequestId": request_id,
            }
            self.answer(handler, body, status=503)

    def query_send_details(self, handler: BaseHTTPRequestHandler, params: dict, request_id: str) -> None:
        details = [
            {
                "PhoneNum": sms.phone,
                "SendStatus": 1,
                "ErrCode": "",
                "TemplateCode": sms.template,
                "Content": "【小哥学院】…",
                "SendDate": datetime.fromtimestamp(sms.sent_at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": "",
                "OutId": sms.out_id,
            }
            for sms in self.accepted
            if sms.phone == params.get("PhoneNumber")
        ]
        body = {
            "Code": "OK",
            "Message": "OK",
            "RequestId": request_id,
            "TotalCount": len(details),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
        }
        self.answer(handler, body)


class FakeTencent(FakeProvider):
    """SMS 2021-01-11 (JSON body, X-TC-Action header, TC3-HMAC-SHA256)."""

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        action = headers.get("x-tc-action", "")
        try:
            params = json.loads(raw or b"{}")
        except ValueError:
            params = {}
        self.requests.append(ReceivedRequest(action, params, headers, raw))
        request_id = f"req-{len(self.requests)}"
        if not self.signature_ok(handler.command, urlsplit(handler.path).path, headers, raw):
            self.error(handler, "AuthFailure.SignatureFailure", "请求签名验证失败。", request_id)
            return
        if action == "SendSms":
            self.send_sms(handler, params, request_id)
        elif action == "PullSmsSendStatusByPhoneNumber":
            self.pull_status(handler, params, request_id)
        else:
            self.error(handler, "InvalidAction", "接口不存在。", request_id)

    def signature_ok(self, method: str, path: str, headers: dict, raw: bytes) -> bool:
        authorization = headers.get("authorization", "")
        try:
            scheme, rest = authorization.split(" ", 1)
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
            key_id, date, service, _request = fields["Credential"].split("/")
        except ValueError:
            return False
        if scheme != "TC3-HMAC-SHA256" or key_id != self.key_id:
            return False
        signed = fields["SignedHeaders"].split(";")
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed)
        canonical = "\n".join(
            [method, path or "/", "", canonical_headers, ";".join(signed), hashlib.sha256(raw).hexdigest()]
        )
        scope = f"{date}/{service}/tc3_request"
        string_to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                headers.get("x-tc-timestamp", ""),
                scope,
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )

        def sign(key: bytes, message: str) -> bytes:
            return hmac.new(key, message.encode(), hashlib.sha256).digest()

        key = sign(sign(sign(("TC3" + self.secret).encode(), date), service), "tc3_request")
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields.get("Signature", ""))

    def error(self, handler, code: str, message: str, request_id: str, late: bool = False) -> None:
        self.answer(
            handler,
            {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}},
            late=late,
        )

    def status(self, params: dict, code: str, message: str, serial: str = "") -> dict:
        return {
            "SerialNo": serial,
            "PhoneNumber": params["PhoneNumberSet"][0],
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": params.get("SessionContext", ""),
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }

    def send_sms(self, handler: BaseHTTPRequestHandler, params: dict, request_id: str) -> None:
        behaviour = self.next_send()
        if behaviour in ("ok", "timeout"):
            serial = f"2433:{len(self.accepted) + 1:010d}"
            self.accepted.append(
                AcceptedSMS(
                    phone=params["PhoneNumberSet"][0],
                    out_id=params.get("SessionContext", ""),
                    provider_id=serial,
                    template=params.get("TemplateId", ""),
                    variables=params.get("TemplateParamSet", []),
                    sent_at=time.time(),
                )
            )
            body = {
                "Response": {
                    "SendStatusSet": [self.status(params, "Ok", "send success", serial)],
                    "RequestId": request_id,
                }
            }
            self.answer(handler, body, late=behaviour == "timeout")
        elif behaviour == "timeout_lost":
            self.error(handler, "InternalError.RequestTimeException", "late", request_id, late=True)
        elif behaviour == "throttled":
            status = self.status(
                params,
                "LimitExceeded.PhoneNumberThirtySecondLimit",
                "单个手机号30秒内下发短信条数超过设定的上限",
            )
            self.answer(handler, {"Response": {"SendStatusSet": [status], "RequestId": request_id}})
        elif behaviour == "rejected":
            status = self.status(params, "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误")
            self.answer(handler, {"Response": {"SendStatusSet": [status], "RequestId": request_id}})
        elif behaviour == "template_rejected":
            self.error(
                handler,
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "模板未审批或请求的内容与审核通过的模板内容不匹配。",
                request_id,
            )
        elif behaviour == "server_error":
            self.answer(handler, {"message": "bad gateway"}, status=502)

    def pull_status(self, handler: BaseHTTPRequestHandler, params: dict, request_id: str) -> None:
        statuses = [
            {
                "UserReceiveTime": int(sms.sent_at) + 3,
                "CountryCode": "86",
                "SubscriberNumber": sms.phone.removeprefix("+86"),
                "PhoneNumber": sms.phone,
                "SerialNo": sms.provider_id,
                "ReportStatus": "SUCCESS",
                "Description": "用户接收成功",
                "SessionContext": sms.out_id,
            }
            for sms in self.accepted
            if sms.phone == params.get("PhoneNumber")
            and params.get("BeginTime", 0) <= sms.sent_at <= params.get("EndTime", 0)
        ]
        self.answer(handler, {"Response": {"PullSmsSendStatusSet": statuses, "RequestId": request_id}})
