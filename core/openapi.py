"""OpenAPI: every refusal documented, every parameter as strict as its parser (core.validation)."""

from drf_spectacular.openapi import AutoSchema

ERROR_BODY = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "extra": {"type": "object", "additionalProperties": True}},
    "required": ["message", "extra"],
}
ERROR_DESCRIPTIONS = {
    "400": "The input was refused; `extra.fields` names each parameter or field and why.",
    "401": "No valid access token.",
    "403": "The token lacks the scope this operation needs.",
    "404": "No such record (or not one of this university's).",
    "409": "The record's state does not allow this change now.",
    "429": "Too many requests; retry after the seconds in Retry-After.",
}
# What each interface can answer besides its successes (OneRoster documents its own imsx bodies).
ERRORS_BY_PREFIX = {
    "/api/v1/": ("400", "401", "403", "404", "429"),
    "/api/hsds/": ("400",),
    "/api/delivery/": ("400",),
}
# Text a query parameter may hold: what core.validation.clean_text_param accepts.
TEXT_PARAMETER = {
    "type": "string",
    "maxLength": 200,
    "pattern": "^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$",
}
# A moment core.validation.parse_datetime_param accepts: years 1901-2189, offsets within ±15:59.
DATETIME_PARAMETER = {
    "type": "string",
    "format": "date-time",
    "pattern": "^(190[1-9]|19[1-9][0-9]|20[0-9]{2}|21[0-8][0-9])-.*(Z|z|[+-](0[0-9]|1[0-5]):[0-5][0-9])$",
}


class PortalAutoSchema(AutoSchema):
    """Adds the error responses of /api/v1 and HSDS to every operation, so none goes undocumented."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = next(
            (codes for prefix, codes in ERRORS_BY_PREFIX.items() if self.path.startswith(prefix)), ()
        )
        if codes and "{" in self.path and "404" not in codes:
            codes = (*codes, "404")
        if codes and self.method not in ("GET", "HEAD") and "/api/v1/" in self.path:
            codes = (*codes, "409")
        for code in codes:
            responses.setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ERROR_BODY}},
                },
            )
        return responses

    def _get_request_body(self, direction="request"):
        # Every write of /api/v1 needs its body: an empty one is refused (400), so it is required.
        body = super()._get_request_body(direction)
        if body is not None and self.path.startswith("/api/v1/"):
            body["required"] = True
        return body
